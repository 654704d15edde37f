"""The single-pass statement (PostgreSQL) gives exactly what the portable one gives, whole or in shares."""

import random
import threading
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from larnav.catalog.models import Activity
from larnav.catalog.testing import make_focus_area
from larnav.core.testing import make_occupation, make_person
from larnav.people.models import Person
from larnav.registrations.models import Status
from larnav.statistics import queries
from larnav.statistics.periods import STOCKHOLM, Period
from larnav.statistics.testing import make_dated_session, register

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]


def single_pass(request, shares=1):
    """The single-pass engine's answer, its statements run one after the other on this connection."""
    plan = queries._single_pass(request, shares)
    return plan.assemble([row for rows in queries._fetch_all(plan.statements, 1) for row in rows])


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


@pytest.mark.parametrize("route", ["chosen", "through the sessions", "by the registrations' own indexes"])
def test_both_engines_agree(varied, route, monkeypatch):
    """Whichever way the single pass reads the registrations, through the period's sessions or by an
    index on the registrations (the municipality's, the workplaces'), the figures are the same."""
    if route != "chosen":
        monkeypatch.setattr(queries, "_through_sessions", lambda request: route == "through the sessions")
    for request in _requests(varied):
        reference = queries._portable(request)
        for shares in (1, 3):
            fast = single_pass(request, shares)
            assert fast.figures == reference.figures
            assert fast.cumulative == reference.cumulative
    assert fast.figures  # something was counted
    assert fast.total().registrations > 0  # case officers too


def _requests(varied):
    period = Period.custom(datetime(2025, 1, 1).date(), datetime(2026, 12, 31).date())
    t2 = queries.within(Period.for_tertial(2026, 2))
    groups = [(None, None), *[(None, cut) for cut in queries.Cut],
              (t2, None), *[(t2, cut) for cut in queries.Cut],
              (queries.MYNDIGHET, None), (queries.MYNDIGHET, queries.Cut.MUNICIPALITY)]
    return [
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


def test_a_large_municipality_is_read_through_the_sessions_and_a_small_one_by_its_index(region):
    """By the planner's estimate of the municipality's share of the consortium's registrations."""
    session = make_dated_session(region.consortium, datetime(2026, 2, 2, 9, tzinfo=STOCKHOLM))
    taby = [make_person(region.consortium, region.tibble, last_name=f"Täby{i}") for i in range(60)]
    for person in [region.anna, *taby]:
        register(session, person)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registrations_registration")

    def through(municipality) -> bool:
        return queries._through_sessions(queries.Request(region.consortium.pk, Period.for_year(2026),
                                                         ((None, None),), organisation=municipality))

    assert queries._municipality_share(queries.Request(
        region.consortium.pk, Period.for_year(2026), (), organisation=region.taby)) == pytest.approx(60 / 61, abs=0.02)
    assert through(region.taby) and not through(region.huddinge)
    assert through(None)  # the whole consortium
    assert not queries._through_sessions(queries.Request(  # case officers: through their workplaces
        region.consortium.pk, Period.for_year(2026), ((None, None),), filters=queries.Filters(funktion="myndighet")))


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
    answer = single_pass(request)
    by_municipality = {k: f.participants for k, f in answer.of(None, queries.Cut.MUNICIPALITY).items()}
    assert by_municipality == {region.huddinge.pk: 1, region.taby.pk: 2}
    assert answer.total().participants == 2



@pytest.fixture
def large(monkeypatch):
    """Statistics counted on two connections, as for a national-size registration table."""
    monkeypatch.setattr(settings, "LARNAV_STATISTICS_CONNECTIONS", 2)
    monkeypatch.setattr(queries, "_estimated_registrations", lambda: queries.PARALLEL_MIN_REGISTRATIONS)
    threads = set()
    in_transaction = queries._in_transaction
    monkeypatch.setattr(queries, "_in_transaction", lambda f: (threads.add(threading.get_ident()), in_transaction(f))[1])
    return threads


def _other_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_counted_on_several_connections_at_once(varied, large):
    """Outside a transaction the requests are counted by this thread and more on connections of
    their own, which are closed afterwards."""
    requests = _requests(varied)
    answers = queries.run_all(requests)
    for request, answer in zip(requests, answers, strict=True):
        reference = queries._portable(request)
        assert answer.figures == reference.figures
        assert answer.cumulative == reference.cumulative
    assert len(large) >= 2
    assert _other_connections() == 0


@pytest.mark.django_db(transaction=True)
def test_a_request_read_by_its_own_index_stays_whole_beside_others(varied, large, monkeypatch):
    """Split in shares, each would read all its index entries again: it runs whole, on a connection
    of its own beside the shares of the request read through the sessions. Alone, it is split."""
    fetched = []
    fetch_all = queries._fetch_all
    monkeypatch.setattr(queries, "_fetch_all", lambda statements, wanted: (
        fetched.append((len(statements), wanted)), fetch_all(statements, wanted))[1])
    everyone, case_officers = _requests(varied)[0], _requests(varied)[4]
    assert queries._through_sessions(everyone) and not queries._through_sessions(case_officers)
    answers = queries.run_all([everyone, case_officers])
    assert fetched == [(3, 3)]  # two shares and one whole statement, each on a connection
    assert [a.figures for a in answers] == [queries._portable(r).figures for r in (everyone, case_officers)]
    queries.run_all([case_officers])
    assert fetched[1] == (2, 2)


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_one_connection_counts_what_it_has_written(varied, large):
    request = _requests(varied)[0]
    with transaction.atomic():
        session = make_dated_session(varied.consortium, datetime(2026, 3, 3, 9, tzinfo=STOCKHOLM))
        register(session, varied.anna, Status.COMPLETED)
        answer = queries.run(request)
        assert answer.figures == queries._portable(request).figures
    assert len(large) == 1


@pytest.mark.django_db(transaction=True)
def test_a_failed_statement_on_another_connection_fails_the_report():
    with pytest.raises(ProgrammingError):
        queries._fetch_all([("SELECT 1", []), ("SELECT * FROM no_such_table", []), ("SELECT 2", [])], 2)
    assert _other_connections() == 0


@pytest.mark.parametrize(("name", "key"), [("registration_queue_idx", "session_id"),
                                           ("registration_workplace_idx", "workplace_id")])
def test_the_counting_indexes_carry_every_column_the_counting_reads(name, key):
    """Read through the sessions, or through the workplaces of a function, the registrations come
    from the index alone (an index-only scan)."""
    from larnav.registrations.models import Registration

    index = next(i for i in Registration._meta.indexes if i.name == name)
    columns = {Registration._meta.get_field(name).column for name in [*index.fields, *index.include]}
    assert {*queries.COUNTED_COLUMNS, "session_id", "consortium_id", "status", key} <= columns


@pytest.mark.parametrize("through", [True, False])
def test_a_condition_on_the_registration_may_take_parameters(varied, through):
    """Computed once per registration in the index probe, or where it is used: the same figures."""
    women = queries.Condition("gender:kvinna", "r.gender = %s", ("kvinna",))
    period = Period.custom(datetime(2025, 1, 1).date(), datetime(2026, 12, 31).date())
    request = queries.Request(varied.consortium.pk, period, ((women, None), (women, queries.Cut.MUNICIPALITY)))
    plan = queries._single_pass(request, 1, through)
    answer = plan.assemble([row for rows in queries._fetch_all(plan.statements, 1) for row in rows])
    assert answer.figures == queries._portable(request).figures
    assert answer.total(women).registrations > 0
