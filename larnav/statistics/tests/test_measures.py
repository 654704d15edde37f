"""The measures, the periods and the cuts: each figure defined in the selectors' docstring."""

from datetime import datetime
from decimal import Decimal

import pytest

from larnav.catalog.models import Activity
from larnav.catalog.testing import make_focus_area
from larnav.core.testing import make_occupation, make_person
from larnav.people.models import Person
from larnav.registrations.models import Status
from larnav.statistics import selectors as s
from larnav.statistics.periods import STOCKHOLM, Period
from larnav.statistics.testing import make_dated_session, register

pytestmark = pytest.mark.django_db


def local(*args):
    return datetime(*args, tzinfo=STOCKHOLM)


@pytest.fixture
def scope(region):
    return s.StatisticsScope.internal(region.consortium.pk)


def figures(row):
    return {m: row.value(m) for m in s.MEASURES}


def test_each_measure_counts_what_the_docstring_says(region, scope):
    session = make_dated_session(region.consortium, local(2026, 3, 10, 9), occasions=2)
    register(session, region.anna)                                   # completed: 6 h
    register(session, region.erik, Status.NO_SHOW, present_on=1)     # attended once, not completed
    register(session, region.sara, Status.NO_SHOW)                   # never came
    register(session, region.tove, Status.CANCELLED)                 # not counted at all
    for status in (Status.LATE_CANCELLED, Status.WAITLISTED, Status.DECLINED, Status.EXPIRED,
                   Status.PENDING_APPROVAL, Status.PENDING_VERIFICATION):
        register(session, make_person(region.consortium, region.tibble), status)
    confirmed = register(session, make_person(region.consortium, region.tibble), Status.CONFIRMED, present_on=1)
    register(session, make_person(region.consortium, region.tibble), Status.CONFIRMED)

    total = s.participation(scope, Period.for_year(2026)).total
    assert figures(total) == {
        "registrations": 5, "participants": 3, "attended": 3, "completed": 1, "no_shows": 2,
        "hours": Decimal("6.0"),
    }
    assert confirmed.status == Status.CONFIRMED


def test_a_person_is_one_participant_however_many_registrations(region, scope):
    for day in (10, 11, 12):
        register(make_dated_session(region.consortium, local(2026, 2, day, 9)), region.anna)
    total = s.participation(scope, Period.for_year(2026)).total
    assert (total.registrations, total.participants, total.hours) == (3, 1, Decimal("18.0"))


def test_unique_participants_are_never_summed_across_rows(region, scope):
    """Anna moved from Huddinge to Stockholm: she counts once in each municipality and once in the total."""
    register(make_dated_session(region.consortium, local(2026, 2, 3, 9)), region.anna)
    region.anna.workplace = region.ringvagen
    region.anna.save()
    register(make_dated_session(region.consortium, local(2026, 6, 3, 9)), region.anna)
    table = s.participation(scope, Period.for_year(2026), s.Cut.MUNICIPALITY)
    assert {r.label: r.participants for r in table.rows} == {"Huddinge": 1, "Stockholm": 1}
    assert table.total.participants == 1
    assert sum(r.registrations for r in table.rows) == table.total.registrations == 2


def _mixed_data(region):
    c = region.consortium
    focus = [make_focus_area(c, "Bemötande"), make_focus_area(c, "Delaktighet")]
    nurse = make_occupation("sjukskoterska", "Sjuksköterska", "Nurse")
    region.erik.gender = Person.Gender.MAN
    region.erik.occupation = nurse
    region.erik.save()
    region.sara.gender = Person.Gender.WOMAN
    region.sara.save()
    sessions = [
        make_dated_session(c, local(2026, 1, 20, 9), focus_areas=focus),
        make_dated_session(c, local(2026, 5, 20, 9), type=Activity.Type.SEMINARIUM, hours="2.5",
                           focus_areas=focus[:1]),
        make_dated_session(c, local(2026, 10, 20, 9), type=Activity.Type.WEBBINARIUM, hours="1.5"),
    ]
    people = [region.anna, region.erik, region.sara, region.tove,
              make_person(c, None, "Ingen", "Arbetsplats")]
    outcomes = [Status.COMPLETED, Status.NO_SHOW, Status.COMPLETED, Status.CONFIRMED]
    for i, session in enumerate(sessions):
        for j, person in enumerate(people):
            register(session, person, outcomes[(i + j) % len(outcomes)], present_on=(i + j) % 2)


@pytest.mark.parametrize("cut", [c for c in s.Cut if c != s.Cut.FOCUS_AREA])
def test_rows_of_every_cut_add_up_to_the_total(region, scope, cut):
    _mixed_data(region)
    table = s.participation(scope, Period.for_year(2026), cut)
    assert table.rows_add_up
    for measure in ("registrations", "attended", "completed", "no_shows", "hours"):
        assert sum(r.value(measure) for r in table.rows) == table.total.value(measure), measure
    # Distinct participants: at least the largest row, at most the sum of the rows.
    participants = [r.participants for r in table.rows]
    assert max(participants) <= table.total.participants <= sum(participants)


def test_every_cut_has_the_same_total(region, scope):
    _mixed_data(region)
    tables = s.participation_tables(scope, Period.for_year(2026), list(s.Cut))
    totals = {cut: figures(t.total) for cut, t in tables.items()}
    assert len({tuple(v.values()) for v in totals.values()}) == 1, totals
    alone = figures(s.participation(scope, Period.for_year(2026)).total)
    assert totals[None] == alone


def test_focus_areas_count_an_activity_in_each_of_its_areas(region, scope):
    _mixed_data(region)
    table = s.participation(scope, Period.for_year(2026), s.Cut.FOCUS_AREA)
    by_label = {r.label: r.registrations for r in table.rows}
    assert by_label == {"Bemötande": 10, "Delaktighet": 5, "Inget fokusområde": 5}
    assert not table.rows_add_up


def test_labels_and_order_of_the_cuts(region, scope):
    _mixed_data(region)
    tables = s.participation_tables(scope, Period.for_year(2026), list(s.Cut))
    assert [r.label for r in tables[s.Cut.MUNICIPALITY].rows] == ["Huddinge", "Stockholm", "Täby",
                                                                  "Ingen kommun"]
    assert [r.key for r in tables[s.Cut.DISTRICT].rows] == [str(region.sodermalm.pk), "none"]
    assert [r.key for r in tables[s.Cut.GENDER].rows] == ["kvinna", "man", "none"]
    from larnav.people.models import Occupation

    vocabulary = list(Occupation.objects.filter(code__in=["sjukskoterska", "stodassistent"])
                      .order_by("sort_order", "name_sv").values_list("code", flat=True))
    assert [r.key for r in tables[s.Cut.ROLE].rows] == [*vocabulary, "none"]
    assert [r.key for r in tables[s.Cut.ACTIVITY_TYPE].rows] == ["kurs", "seminarium", "webbinarium"]
    assert [r.key for r in tables[s.Cut.TERTIAL].rows] == ["2026-T1", "2026-T2", "2026-T3"]
    assert [r.key for r in tables[s.Cut.DRIFTFORM].rows] == ["kommunal", "enskild", "none"]
    assert tables[s.Cut.MUNICIPALITY].rows[0].organisation_id == region.huddinge.pk


def test_filters_narrow_the_registrations(region, scope):
    _mixed_data(region)
    year = Period.for_year(2026)
    private = s.participation(scope, year, filters=s.Filters(driftform="enskild")).total
    assert private.registrations == 3  # Erik (Ekbacken) in each session
    webinars = s.participation(scope, year, filters=s.Filters(activity_type="webbinarium")).total
    assert webinars.registrations == 5
    men = s.participation(scope, year, filters=s.Filters(gender="man")).total
    assert men.registrations == 3


def test_an_organisation_scope_counts_its_subtree_only(region):
    _mixed_data(region)
    year = Period.for_year(2026)
    huddinge = s.StatisticsScope.internal(region.consortium.pk, region.huddinge)
    sodermalm = s.StatisticsScope.internal(region.consortium.pk, region.sodermalm)
    aldre = s.StatisticsScope.internal(region.consortium.pk, region.aldre)
    assert s.participation(huddinge, year).total.registrations == 6  # Anna and Erik
    assert s.participation(sodermalm, year).total.registrations == 3  # Sara
    assert s.participation(aldre, year).total.registrations == 3  # Anna (Solgården)
    workplaces = s.participation(huddinge, year, s.Cut.WORKPLACE)
    assert [r.label for r in workplaces.rows] == ["Ekbacken", "Solgården"]


# --- Periods ---------------------------------------------------------------------------

def test_tertials_are_the_swedish_four_month_periods():
    assert [(t.first_day.isoformat(), t.last_day.isoformat()) for t in Period.for_year(2026).tertials()] == [
        ("2026-01-01", "2026-04-30"), ("2026-05-01", "2026-08-31"), ("2026-09-01", "2026-12-31")]
    assert Period.year_to_date(2026, 2).first_day.isoformat() == "2026-01-01"
    assert Period.year_to_date(2026, 2).last_day.isoformat() == "2026-08-31"
    assert Period.for_tertial(2024, 1).previous_year() == Period.for_tertial(2023, 1)
    assert Period.custom(datetime(2024, 2, 29).date(), datetime(2024, 3, 1).date()).previous_year().first_day \
        .isoformat() == "2023-02-28"
    assert [p.label for p in (Period.for_tertial(2026, 2), Period.year_to_date(2026, 3), Period.for_year(2026))] \
        == ["T2 2026", "T1–T3 2026", "2026"]


@pytest.mark.parametrize("start, expected", [
    (local(2026, 4, 30, 23, 59), "2026-T1"),
    (local(2026, 5, 1, 0, 0), "2026-T2"),       # 22:00 UTC on 30 April (summer time)
    (local(2026, 8, 31, 23, 59), "2026-T2"),
    (local(2026, 9, 1, 0, 0), "2026-T3"),
    (local(2026, 12, 31, 23, 30), "2026-T3"),   # 22:30 UTC on 31 December (winter time)
    (local(2027, 1, 1, 0, 30), "2027-T1"),      # 23:30 UTC on 31 December
])
def test_tertial_boundaries_fall_at_local_midnight(region, scope, start, expected):
    register(make_dated_session(region.consortium, start), region.anna)
    table = s.participation(scope, Period.custom(datetime(2026, 1, 1).date(), datetime(2027, 12, 31).date()),
                            s.Cut.TERTIAL)
    assert [r.key for r in table.rows] == [expected]
    year, n = int(expected[:4]), int(expected[-1])
    assert s.participation(scope, Period.for_tertial(year, n)).total.registrations == 1
    other = Period.for_tertial(year, n - 1) if n > 1 else Period.for_tertial(year - 1, 3)
    assert s.participation(scope, other).total.registrations == 0


def test_trend_gives_each_tertial_on_its_own_and_the_year_to_date(region, scope):
    register(make_dated_session(region.consortium, local(2026, 2, 1, 9)), region.anna)
    register(make_dated_session(region.consortium, local(2026, 6, 1, 9)), region.anna)
    register(make_dated_session(region.consortium, local(2026, 6, 2, 9)), region.erik)
    register(make_dated_session(region.consortium, local(2026, 10, 1, 9)), region.sara, Status.NO_SHOW)
    register(make_dated_session(region.consortium, local(2025, 10, 1, 9)), region.sara)
    points = s.tertial_trend(scope, 2025, 2026)
    assert [p.period.key for p in points] == ["2025-T1", "2025-T2", "2025-T3", "2026-T1", "2026-T2", "2026-T3"]
    own = [p.own.participants for p in points]
    ytd = [p.year_to_date.participants for p in points]
    assert own == [0, 0, 1, 1, 2, 0]
    assert ytd == [0, 0, 1, 1, 2, 2]  # Anna in T1 and T2 counts once; Sara's 2025 course is another year
    assert [p.year_to_date.registrations for p in points[3:]] == [1, 3, 4]
    assert points[5].year_to_date.hours == Decimal("18.0")


def test_the_carpe_project_totals(region, scope):
    """2,550 unique participants with 71,065 credited hours (Carpe's published totals) come out exactly."""
    from larnav.registrations.models import Registration
    from larnav.registrations.services import workplace_details

    c = region.consortium
    workplaces = [region.solgarden, region.ekbacken, region.ringvagen, region.tibble]
    persons = Person.objects.bulk_create(
        Person(consortium=c, workplace=workplaces[i % 4], first_name="Deltagare", last_name=str(i),
               email=f"carpe{i}@example.se") for i in range(2_700))
    big = make_dated_session(c, local(2026, 2, 2, 9), hours="20")
    second = make_dated_session(c, local(2026, 6, 2, 9), hours="8")
    third = make_dated_session(c, local(2026, 11, 2, 9), hours="1")
    cancelled = make_dated_session(c, local(2026, 11, 3, 9), hours="100")

    copied = {w.pk: workplace_details(w) for w in workplaces}

    def reg(session, person, status, hours=None):
        return Registration(consortium=c, session=session, person=person, status=status,
                            workplace=person.workplace, municipality_id=person.workplace.municipality_id,
                            hours_credited=hours, **copied[person.workplace_id])

    regs = [reg(big, p, Status.COMPLETED, Decimal(20)) for p in persons[:2_550]]        # 51,000 h
    regs += [reg(second, p, Status.COMPLETED, Decimal(8)) for p in persons[:2_508]]     # 20,064 h
    regs += [reg(third, persons[0], Status.COMPLETED, Decimal(1))]                      # 1 h
    regs += [reg(third, p, Status.NO_SHOW) for p in persons[2_550:]]                    # not participants
    regs += [reg(cancelled, p, Status.CANCELLED, Decimal(100)) for p in persons[:50]]  # never counted
    Registration.objects.bulk_create(regs)

    tables = s.participation_tables(scope, Period.for_year(2026), list(s.Cut))
    for cut, table in tables.items():
        assert table.total.participants == 2_550, cut
        assert table.total.hours == Decimal("71065.0"), cut
        if cut is not None and table.rows_add_up:
            assert sum(r.hours for r in table.rows) == Decimal("71065.0"), cut
    assert sum(r.participants for r in tables[s.Cut.MUNICIPALITY].rows) == 2_550
    assert sum(r.participants for r in tables[s.Cut.TERTIAL].rows) == 2_550 + 2_508 + 1


def test_query_count_does_not_grow_with_the_data(region, scope):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _mixed_data(region)
    year = Period.for_year(2026)

    def count():
        with CaptureQueriesContext(connection) as queries:
            s.participation_tables(scope, year, list(s.Cut))
        return len(queries)

    before = count()
    for _ in range(3):
        _mixed_data_again(region)
    assert count() == before
    # The counting statements (with their transaction and settings), and one query per cut whose labels
    # live in another table (municipality, district, workplace, occupation, focus area).
    assert before <= 4 * 2 + 5 + 1


def _mixed_data_again(region):
    session = make_dated_session(region.consortium, local(2026, 3, 3, 9))
    for person in (make_person(region.consortium, region.tibble) for _ in range(3)):
        register(session, person)


def test_the_tertial_report_of_the_first_tertial(region, scope):
    """T1's year to date is one tertial: the report must not build an empty CASE for it."""
    register(make_dated_session(region.consortium, local(2026, 2, 1, 9)), region.anna)
    s.tertial_report(scope, 2026, 1)
    assert s.participation(scope, Period.for_tertial(2026, 1), s.Cut.TERTIAL).total.participants == 1
