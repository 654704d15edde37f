"""The single-pass statement (PostgreSQL) gives exactly what the portable one gives."""

import random
from datetime import datetime, timedelta

import pytest

from larnav.catalog.models import Activity
from larnav.catalog.testing import make_focus_area
from larnav.core.testing import make_occupation, make_person
from larnav.people.models import Person
from larnav.registrations.models import Status
from larnav.statistics import queries
from larnav.statistics.periods import STOCKHOLM, Period
from larnav.statistics.testing import make_dated_session, register

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]


@pytest.fixture
def varied(region):
    """Sessions over two years, people who move between workplaces, every status and attendance."""
    rng = random.Random(7)
    c = region.consortium
    focus = [make_focus_area(c, f"Område {i}") for i in range(4)]
    occupations = [make_occupation("sjukskoterska", "Sjuksköterska", "Nurse"), region.occupation, None]
    region.tibble.funktion = "myndighet"  # case officers
    region.tibble.save()
    workplaces = [region.solgarden, region.ekbacken, region.ringvagen, region.tibble, None]
    persons = []
    for i in range(40):
        persons.append(make_person(c, rng.choice(workplaces), last_name=f"Person{i}",
                                   occupation=rng.choice(occupations),
                                   gender=rng.choice([*Person.Gender.values, ""])))
    start = datetime(2025, 1, 2, 9, tzinfo=STOCKHOLM)
    statuses = [Status.COMPLETED, Status.COMPLETED, Status.NO_SHOW, Status.CONFIRMED, Status.CANCELLED,
                Status.WAITLISTED]
    for _n in range(30):
        session = make_dated_session(
            c, start + timedelta(days=rng.randrange(720)), type=rng.choice([t for t in Activity.Type.values if t != "poanggivande"]),
            hours=rng.choice(["1.5", "3", "6"]), focus_areas=rng.sample(focus, rng.randrange(3)),
            occasions=rng.randint(1, 3))
        for person in rng.sample(persons, 12):
            if rng.random() < 0.2:  # moved: the registration keeps the old workplace
                person.workplace = rng.choice(workplaces)
                person.save()
            register(session, person, rng.choice(statuses), present_on=rng.randrange(3))
    return region


def test_both_engines_agree(varied):
    period = Period.custom(datetime(2025, 1, 1).date(), datetime(2026, 12, 31).date())
    t2 = queries.within(Period.for_tertial(2026, 2))
    groups = [(None, None), *[(None, cut) for cut in queries.Cut],
              (t2, None), *[(t2, cut) for cut in queries.Cut],
              (queries.MYNDIGHET, None), (queries.MYNDIGHET, queries.Cut.MUNICIPALITY)]
    requests = [
        queries.Request(varied.consortium.pk, period, tuple(groups), cumulative_tertials=True),
        queries.Request(varied.consortium.pk, Period.for_year(2026), tuple(groups), organisation=varied.huddinge),
        queries.Request(varied.consortium.pk, Period.for_year(2025), tuple(groups), organisation=varied.sodermalm,
                        filters=queries.Filters(gender="kvinna")),
        queries.Request(varied.consortium.pk, period, ((None, queries.Cut.ROLE),),
                        filters=queries.Filters(driftform="kommunal", activity_type="kurs")),
        # Case officers: their registrations are found through the workplace index.
        queries.Request(varied.consortium.pk, period, ((None, None), (None, queries.Cut.MUNICIPALITY)),
                        filters=queries.Filters(funktion="myndighet")),
    ]
    for request in requests:
        fast, reference = queries._single_pass(request), queries._portable(request)
        assert fast.figures == reference.figures
        assert fast.cumulative == reference.cumulative
    assert requests[0] and fast.figures  # something was counted
    assert fast.total().registrations > 0  # case officers too


def test_someone_with_several_municipalities_counts_once_in_each(region):
    """The single-pass statement looks up people with several values one by one: still exact."""
    first = make_dated_session(region.consortium, datetime(2026, 2, 2, 9, tzinfo=STOCKHOLM))
    second = make_dated_session(region.consortium, datetime(2026, 6, 2, 9, tzinfo=STOCKHOLM))
    register(first, region.anna)
    region.anna.workplace = region.tibble
    region.anna.save()
    register(second, region.anna)
    register(second, region.tove)
    request = queries.Request(region.consortium.pk, Period.for_year(2026),
                              ((None, None), (None, queries.Cut.MUNICIPALITY)))
    answer = queries._single_pass(request)
    by_municipality = {k: f.participants for k, f in answer.of(None, queries.Cut.MUNICIPALITY).items()}
    assert by_municipality == {region.huddinge.pk: 1, region.taby.pk: 2}
    assert answer.total().participants == 2

