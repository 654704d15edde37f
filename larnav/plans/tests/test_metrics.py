"""The metrics computed indicators name: each formula as its documentation states it."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from larnav.core.testing import make_kommun, make_org, make_person
from larnav.organisations.models import Membership, Organisation
from larnav.plans import registry
from larnav.registrations.models import Status
from larnav.statistics.periods import STOCKHOLM, Period
from larnav.statistics.testing import make_dated_session, register

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = Period.for_year(2026)


def local(*args):
    return datetime(*args, tzinfo=STOCKHOLM)


def value(key, consortium, period=YEAR):
    return registry.get_metric(key).value(consortium, period)


@pytest.fixture
def spring(region):
    """A course in March 2026: Anna (Huddinge) completes it, Sara (Södermalm, Stockholm) does not come."""
    session = make_dated_session(region.consortium, local(2026, 3, 10, 9), hours="6")
    register(session, region.anna)
    register(session, region.sara, Status.NO_SHOW)
    return session


def test_every_metric_is_documented():
    for item in registry.all_metrics():
        assert str(item.label) and len(str(item.description)) > 40, item.key
        assert item.compute.__doc__, item.key


def test_share_of_member_municipalities_with_a_participant(region, spring):
    # Three members (Huddinge, Stockholm, Täby); only Huddinge had a participant (Sara never came).
    assert value("members_with_participants_share", region.consortium) == D("33.3")
    register(make_dated_session(region.consortium, local(2026, 9, 1, 9)), region.tove)
    assert value("members_with_participants_share", region.consortium) == D("66.7")
    # Measured up to April only, Täby's autumn participant does not count.
    assert value("members_with_participants_share", region.consortium, Period.year_to_date(2026, 1)) == D("33.3")


def test_a_municipality_that_was_not_a_member_in_the_period_does_not_count(region, spring):
    nacka = make_kommun(region.consortium, "Nacka", "0182", member_from="2027-01-01")
    assert Membership.objects.filter(organisation=nacka).exists()
    assert value("members_with_participants_share", region.consortium) == D("33.3")
    Membership.objects.filter(organisation=region.taby).update(valid_to=date(2025, 12, 31))
    assert value("members_with_participants_share", region.consortium) == D("50.0")


def test_no_members_no_share(region):
    Membership.objects.all().delete()
    assert value("members_with_participants_share", region.consortium) is None
    assert value("members_and_districts_with_participants_share", region.consortium) is None


def test_share_of_municipalities_and_city_districts_with_a_participant(region, spring):
    # Units: Huddinge, Täby and Stockholm's districts (Södermalm and a new one, Bromma) instead of Stockholm.
    bromma = make_org(region.consortium, Organisation.Type.STADSDEL, "Bromma", region.stockholm)
    alvik = make_org(region.consortium, Organisation.Type.ENHET, "Alvik", bromma)
    assert value("members_and_districts_with_participants_share", region.consortium) == D("25.0")
    register(spring, make_person(region.consortium, alvik, "Bo", "Alvik"))
    assert value("members_and_districts_with_participants_share", region.consortium) == D("50.0")


def test_participants_counts_distinct_persons_who_attended(region, spring):
    assert value("participants", region.consortium) == 1
    register(make_dated_session(region.consortium, local(2026, 5, 2, 9)), region.anna)
    register(make_dated_session(region.consortium, local(2026, 5, 3, 9)), region.erik)
    assert value("participants", region.consortium) == 2
    assert value("participants", region.consortium, Period.year_to_date(2026, 1)) == 1


def test_participants_breakdown_per_municipality_is_masked_for_aggregate_viewers(region, spring):
    for i in range(6):
        register(spring, make_person(region.consortium, region.tibble, last_name=f"Tibble{i}"))
    metric = registry.get_metric("participants")
    coordinator = dict(metric.breakdown(region.consortium, YEAR, viewer=region.samordnare).rows)
    assert coordinator == {"Huddinge": 1, "Stockholm": 0, "Täby": 6}  # Sara registered but never came
    cka = dict(metric.breakdown(region.consortium, YEAR, viewer=region.cka_taby).rows)
    assert cka == {"Huddinge": "<5", "Stockholm": 0, "Täby": 6}  # Täby's CKA sees Täby in detail, others masked


def test_hours_credited(region, spring):
    register(make_dated_session(region.consortium, local(2026, 5, 2, 9), hours="2.5"), region.erik)
    assert value("hours", region.consortium) == D("8.5")


def test_attendance_share_of_registrations(region, spring):
    # Two registrations held a seat, one attended.
    assert value("attendance_share", region.consortium) == D("50.0")
    register(spring, region.tove, Status.CANCELLED)  # a cancelled registration is not counted
    assert value("attendance_share", region.consortium) == D("50.0")
    assert value("attendance_share", region.consortium, Period.for_year(2025)) is None


def test_case_officers_participants_and_change_from_last_year(region):
    myndighet = make_org(region.consortium, Organisation.Type.ENHET, "Biståndsenheten", region.huddinge,
                         funktion=Organisation.Funktion.MYNDIGHET)
    officers = [make_person(region.consortium, myndighet, last_name=f"Handläggare{i}") for i in range(3)]
    last_year = make_dated_session(region.consortium, local(2025, 3, 10, 9))
    this_year = make_dated_session(region.consortium, local(2026, 3, 10, 9))
    register(last_year, officers[0])
    register(last_year, officers[1])
    for person in officers:
        register(this_year, person)
    register(this_year, region.anna)  # an utförare: not a case officer
    assert value("case_officer_participants", region.consortium) == 3
    assert value("case_officer_change", region.consortium) == D("50.0")
    assert value("case_officer_change", region.consortium, Period.for_year(2025)) is None  # nothing in 2024



def test_the_evaluation_average_reads_the_surveys_one_figure(region, monkeypatch):
    """The adapter follows the surveys' contract: group_by=() gives one row with the average, or None."""
    import sys
    import types

    from django.apps import apps

    from larnav.plans import metrics

    assert (registry.get_metric("evaluation_average") is not None) == apps.is_installed("larnav.surveys")
    calls = []
    answers = {"rows": [{"average": Decimal("4.236"), "responses": 12, "answers": 12, "masked": False}]}

    def evaluation_average(consortium, *, period=None, group_by=("activity",), **kwargs):
        calls.append((consortium, period, group_by))
        return answers["rows"]

    fake = types.ModuleType("larnav.surveys.selectors")
    fake.evaluation_average = evaluation_average
    monkeypatch.setitem(sys.modules, "larnav.surveys", types.ModuleType("larnav.surveys"))
    monkeypatch.setitem(sys.modules, "larnav.surveys.selectors", fake)
    assert metrics.EVALUATION_AVERAGE.value(region.consortium, YEAR) == D("4.24")
    assert calls == [(region.consortium, YEAR, ())]
    answers["rows"] = [{"average": None, "responses": 3, "answers": 3, "masked": True}]
    assert metrics.EVALUATION_AVERAGE.value(region.consortium, YEAR) is None
    answers["rows"] = []
    assert metrics.EVALUATION_AVERAGE.value(region.consortium, YEAR) is None
