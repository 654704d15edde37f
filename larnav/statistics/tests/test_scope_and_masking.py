"""Who may see which statistics, and small cells shown as "<5"."""

from datetime import datetime

import pytest
from django.core.exceptions import PermissionDenied

from larnav.accounts.models import Role
from larnav.core.testing import make_person, make_user
from larnav.statistics import selectors as s
from larnav.statistics.periods import STOCKHOLM, Period
from larnav.statistics.testing import make_dated_session, register

pytestmark = pytest.mark.django_db

YEAR = Period.for_year(2026)


@pytest.fixture
def data(region):
    """Huddinge: Anna and Erik (2 participants); Täby: 6 participants at Tibble."""
    session = make_dated_session(region.consortium, datetime(2026, 3, 3, 9, tzinfo=STOCKHOLM))
    register(session, region.anna)
    register(session, region.erik)
    for i in range(5):
        register(session, make_person(region.consortium, region.tibble, last_name=f"Tibble{i}"))
    register(session, region.tove)
    return region


def by_label(table):
    return {r.label: r for r in table.rows}


def test_a_coordinator_sees_everything_unmasked(data):
    scope = s.statistics_scope(data.samordnare, data.consortium)
    table = s.participation(scope, YEAR, s.Cut.MUNICIPALITY)
    assert by_label(table)["Huddinge"].participants == 2
    assert not table.masked
    assert s.participation(scope, YEAR, s.Cut.WORKPLACE).rows  # may drill down anywhere


def test_a_cka_sees_the_consortium_in_aggregate_and_the_own_municipality_in_detail(data):
    scope = s.statistics_scope(data.cka_taby, data.consortium)
    table = s.participation(scope, YEAR, s.Cut.MUNICIPALITY)
    rows = by_label(table)
    assert rows["Huddinge"].participants == "<5" and rows["Huddinge"].registrations == "<5"
    assert rows["Huddinge"].hours == "<5"  # hours of fewer than five people
    assert rows["Huddinge"].masked and not rows["Huddinge"].drillable
    assert rows["Täby"].participants == 6 and not rows["Täby"].masked and rows["Täby"].drillable
    assert table.total.participants == 8
    # Cuts that are not organisations mix everyone: masked like any aggregate.
    gender = s.participation(scope, YEAR, s.Cut.GENDER)
    assert gender.rows[0].participants == 8
    with pytest.raises(PermissionDenied):
        s.participation(scope, YEAR, s.Cut.WORKPLACE)  # no workplace detail for the consortium

    own = s.statistics_scope(data.cka_taby, data.consortium, data.taby)
    assert own.detailed
    workplaces = s.participation(own, YEAR, s.Cut.WORKPLACE)
    assert [(r.label, r.participants) for r in workplaces.rows] == [("Tibble", 6)]


def test_small_totals_are_masked_for_aggregate_viewers(data):
    scope = s.statistics_scope(data.cka_taby, data.consortium)
    men = s.participation(scope, YEAR, filters=s.Filters(driftform="enskild"))
    assert men.total.participants == "<5"
    assert s.participation(scope, YEAR, filters=s.Filters(gender="annat")).total.participants == 0


def test_a_cka_may_not_open_another_municipality(data):
    with pytest.raises(PermissionDenied):
        s.statistics_scope(data.cka_taby, data.consortium, data.huddinge)
    with pytest.raises(PermissionDenied):
        s.statistics_scope(data.cka_sodermalm, data.consortium, data.stockholm)  # only their district
    assert s.statistics_scope(data.cka_sodermalm, data.consortium, data.sodermalm).detailed


@pytest.mark.parametrize("who", ["chef_solgarden", "ombud_tibble", "utbildare", "deltagare"])
def test_roles_without_statistics_rights_are_refused(data, who):
    with pytest.raises(PermissionDenied):
        s.statistics_scope(getattr(data, who), data.consortium)


def test_another_consortiums_user_is_refused(data):
    from larnav.core.testing import make_consortium

    other = make_user(make_consortium("Annan"), Role.SAMORDNARE)
    with pytest.raises(PermissionDenied):
        s.statistics_scope(other, data.consortium)


def test_public_material_masks_every_small_cell_also_for_a_coordinator(data):
    scope = s.statistics_scope(data.samordnare, data.consortium, public=True)
    table = s.participation(scope, YEAR, s.Cut.MUNICIPALITY)
    rows = by_label(table)
    assert rows["Huddinge"].participants == "<5"
    assert rows["Täby"].participants == 6
    assert rows["Täby"].completed == 6
    assert not scope.can_drill_down
    with pytest.raises(PermissionDenied):
        s.participation(scope, YEAR, s.Cut.WORKPLACE)


def test_the_minimum_is_configurable(data, settings):
    settings.LARNAV_STATISTICS_MIN_CELL = 10
    scope = s.statistics_scope(data.cka_taby, data.consortium)
    rows = by_label(s.participation(scope, YEAR, s.Cut.MUNICIPALITY))
    assert rows["Huddinge"].participants == "<10"
    assert rows["Täby"].participants == 6  # their own: detail
    assert s.participation(scope, YEAR).total.participants == "<10"


def test_zero_is_not_masked(data):
    scope = s.statistics_scope(data.cka_taby, data.consortium)
    rows = by_label(s.participation(scope, YEAR, s.Cut.MUNICIPALITY))
    assert rows["Huddinge"].no_shows == 0


def test_members_without_participants(data):
    scope = s.statistics_scope(data.samordnare, data.consortium)
    without = [(m.organisation.name, m.is_district) for m in s.members_without_participants(scope, YEAR)]
    assert without == [("Stockholm", False), ("Södermalm", True)]
    members = s.member_participation(scope, YEAR)
    assert [(m.organisation.name, m.participants) for m in members] == [
        ("Huddinge", 2), ("Stockholm", 0), ("Södermalm", 0), ("Täby", 6)]
    # A CKA sees every member's status, other members' figures masked.
    cka = s.member_participation(s.statistics_scope(data.cka_taby, data.consortium), YEAR)
    assert [(m.organisation.name, m.participants, m.has_participants) for m in cka] == [
        ("Huddinge", "<5", True), ("Stockholm", 0, False), ("Södermalm", 0, False), ("Täby", 6, True)]
    own = s.member_participation(s.statistics_scope(data.cka_sodermalm, data.consortium, data.sodermalm), YEAR)
    assert [m.organisation.name for m in own] == ["Södermalm"]


def test_membership_period_decides_who_is_a_member(data):
    from larnav.organisations.models import Membership

    Membership.objects.filter(organisation=data.stockholm).update(valid_from="2026-09-01")
    scope = s.StatisticsScope.internal(data.consortium.pk)
    names = [m.organisation.name for m in s.member_participation(scope, Period.for_tertial(2026, 1))]
    assert "Stockholm" not in names and "Södermalm" not in names
    assert "Stockholm" in [m.organisation.name for m in s.member_participation(scope, YEAR)]
