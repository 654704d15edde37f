"""The permission layer: who may do what, and which rows each viewer sees."""

import pytest

from larnav.accounts.models import Role, RoleAssignment
from larnav.accounts.permissions import Action, access_for, can, scope_organisations, scope_persons
from larnav.core.testing import make_consortium, make_kommun, make_person, make_user
from larnav.organisations.models import Organisation
from larnav.people.models import Person

pytestmark = pytest.mark.django_db


def visible_emails(user):
    return set(scope_persons(user, Person.objects.all()).values_list("email", flat=True))


def test_coordinator_sees_every_person_of_the_consortium(region):
    assert visible_emails(region.samordnare) == {
        "anna@huddinge.se", "erik@ekbacken.se", "sara@stockholm.se", "tove@taby.se"
    }


def test_cka_sees_only_own_municipality_including_private_providers(region):
    assert visible_emails(region.cka_huddinge) == {"anna@huddinge.se", "erik@ekbacken.se"}
    assert visible_emails(region.cka_taby) == {"tove@taby.se"}


def test_district_cka_sees_only_the_district(region):
    assert visible_emails(region.cka_sodermalm) == {"sara@stockholm.se"}


def test_chef_and_ombud_see_only_their_unit(region):
    assert visible_emails(region.chef_solgarden) == {"anna@huddinge.se"}
    assert visible_emails(region.ombud_tibble) == {"tove@taby.se"}


@pytest.mark.parametrize("who", ["deltagare", "utbildare", "styrgrupp_taby"])
def test_roles_without_personal_data_see_no_persons(region, who):
    assert visible_emails(getattr(region, who)) == set()


def test_anonymous_sees_nothing(region):
    from django.contrib.auth.models import AnonymousUser

    assert not scope_persons(AnonymousUser(), Person.objects.all()).exists()
    assert not can(AnonymousUser(), Action.VIEW_PERSONS)


def test_can_for_a_specific_organisation(region):
    cka = region.cka_huddinge
    assert can(cka, Action.VIEW_PERSONS, region.solgarden)
    assert can(cka, Action.VIEW_PERSONS, region.huddinge)
    assert not can(cka, Action.VIEW_PERSONS, region.tibble)
    assert not can(cka, Action.VIEW_PERSONS, region.stockholm)
    assert not can(cka, Action.MANAGE_USERS)
    assert can(region.samordnare, Action.MANAGE_USERS)


def test_statistics_are_consortium_wide_for_a_cka_but_detail_is_scoped(region):
    cka = region.cka_taby
    assert can(cka, Action.VIEW_STATISTICS, region.huddinge)
    assert can(cka, Action.VIEW_DETAILED_STATISTICS, region.taby)
    assert not can(cka, Action.VIEW_DETAILED_STATISTICS, region.huddinge)


def test_rights_never_cross_consortia(region):
    other = make_consortium("Annan samverkan")
    falun = make_kommun(other, "Falun", "2080")
    make_person(other, falun, email="x@falun.se")
    assert "x@falun.se" not in visible_emails(region.samordnare)
    assert not can(region.samordnare, Action.VIEW_PERSONS, falun)
    orgs = scope_organisations(region.samordnare, Organisation.objects.all())
    assert falun not in orgs


def test_expired_role_grants_nothing(region):
    user = make_user(region.consortium)
    RoleAssignment.objects.create(user=user, consortium=region.consortium, role=Role.CKA,
                                  organisation=region.huddinge, valid_from="2020-01-01", valid_to="2021-01-01")
    assert visible_emails(user) == set()


def test_scope_is_one_query_and_cached(region, django_assert_num_queries):
    user = region.cka_huddinge
    with django_assert_num_queries(1):
        access_for(user).can(Action.VIEW_PERSONS)
        access_for(user).can(Action.VIEW_PERSONS, region.solgarden)
        can(user, Action.EXPORT_PERSONS)


def test_role_scope_must_fit_the_role(region):
    from django.core.exceptions import ValidationError

    bad = RoleAssignment(user=region.utbildare, consortium=region.consortium, role=Role.CHEF,
                         organisation=region.huddinge)
    with pytest.raises(ValidationError):
        bad.full_clean()
    wide = RoleAssignment(user=region.utbildare, consortium=region.consortium, role=Role.SAMORDNARE,
                          organisation=region.huddinge)
    with pytest.raises(ValidationError):
        wide.full_clean()
