"""Who a newsletter reaches: each group, the filters, scoping to the consortium, de-duplication, blocks."""

import pytest

from larnav.accounts.models import Role
from larnav.catalog.testing import make_activity, make_focus_area
from larnav.core.testing import (
    make_consortium,
    make_kommun,
    make_occupation,
    make_org,
    make_person,
    make_user,
)
from larnav.newsletters import delivery
from larnav.newsletters.models import Delivery, Newsletter, Subscription, Suppression
from larnav.newsletters.selectors import Segment, count_segment, source_querysets
from larnav.newsletters.testing import make_newsletter, make_subscription, start_sending
from larnav.organisations.models import Organisation
from larnav.registrations import services as registrations
from larnav.registrations.testing import make_session

pytestmark = pytest.mark.django_db


class Other:
    """Another consortium, with staff, a CKA and a subscriber of its own."""

    def __init__(self):
        self.consortium = make_consortium("Annan samverkan")
        kommun = make_kommun(self.consortium, "Norrtälje", "0188")
        self.workplace = make_org(self.consortium, Organisation.Type.ENHET, "Hemtjänsten", kommun)
        self.person = make_person(self.consortium, self.workplace, email="staff@other.se")
        self.cka = make_user(self.consortium, Role.CKA, kommun)


def addresses(segment: Segment) -> set[str]:
    found = set()
    for _source, qs in source_querysets(segment):
        found |= set(qs.values_list("address", flat=True))
    return found


def seg(region, **kwargs) -> Segment:
    return Segment(consortium_id=region.consortium.pk, **kwargs)


STAFF = {"anna@huddinge.se", "erik@ekbacken.se", "sara@stockholm.se", "tove@taby.se"}


def test_staff_are_the_active_persons_of_the_consortium_with_an_address(region):
    Other()
    inactive = make_person(region.consortium, region.solgarden, email="gone@huddinge.se")
    inactive.is_active = False
    inactive.save()
    assert addresses(seg(region, include_staff=True)) == STAFF
    assert count_segment(seg(region, include_staff=True)).total == 4


def test_staff_by_occupation_and_by_municipality(region):
    nurse = make_occupation("sjukskoterska", "Sjuksköterska", "Nurse")
    make_person(region.consortium, region.tibble, email="nurse@taby.se", occupation=nurse)
    assert addresses(seg(region, include_staff=True, occupation_ids=(region.occupation.pk,))) == {
        "anna@huddinge.se"}
    assert addresses(seg(region, include_staff=True, organisation_paths=(region.huddinge.path,))) == {
        "anna@huddinge.se", "erik@ekbacken.se"}
    # A district narrows to its own workplaces; several organisations add up.
    assert addresses(seg(region, include_staff=True,
                         organisation_paths=(region.sodermalm.path, region.taby.path))) == {
        "sara@stockholm.se", "tove@taby.se", "nurse@taby.se"}
    assert addresses(seg(region, include_staff=True, occupation_ids=(nurse.pk,),
                         organisation_paths=(region.huddinge.path,))) == set()


def test_roles_reach_the_holders_and_a_municipality_narrows_them_by_scope(region):
    emails = {u.username: u.email for u in (region.cka_huddinge, region.cka_taby, region.cka_sodermalm,
                                            region.chef_solgarden, region.samordnare)}
    assert addresses(seg(region, roles=(Role.CKA,))) == {
        emails["cka-huddinge"], emails["cka-taby"], emails["cka-sodermalm"]}
    assert addresses(seg(region, roles=(Role.CKA, Role.CHEF), organisation_paths=(region.huddinge.path,))) == {
        emails["cka-huddinge"], emails["chef-solgarden"]}
    # A consortium-wide role is inside a municipality only through the holder's own workplace.
    assert addresses(seg(region, roles=(Role.SAMORDNARE,), organisation_paths=(region.huddinge.path,))) == set()
    assert addresses(seg(region, roles=(Role.SAMORDNARE,))) == {emails["samordnare"]}


def test_roles_of_another_consortium_and_ended_roles_are_not_reached(region):
    other = Other()
    ended = make_user(region.consortium, Role.CKA, region.taby, username="former-cka")
    ended.role_assignments.update(valid_from="2020-01-01", valid_to="2021-01-01")
    reached = addresses(seg(region, roles=(Role.CKA,)))
    assert other.cka.email not in reached
    assert ended.email not in reached


def test_subscribers_are_confirmed_ones_narrowed_by_municipality_and_interests(region):
    psych = make_focus_area(region.consortium, "Psykisk hälsa")
    dementia = make_focus_area(region.consortium, "Demens")
    make_subscription(region.consortium, "all@example.se")
    make_subscription(region.consortium, "psych@example.se", focus_areas=[psych], municipality=region.huddinge)
    make_subscription(region.consortium, "dementia@example.se", focus_areas=[dementia], municipality=region.taby)
    make_subscription(region.consortium, "pending@example.se", status=Subscription.Status.PENDING)
    make_subscription(region.consortium, "left@example.se", status=Subscription.Status.UNSUBSCRIBED)
    make_subscription(Other().consortium, "elsewhere@example.se")
    assert addresses(seg(region, include_subscribers=True)) == {
        "all@example.se", "psych@example.se", "dementia@example.se"}
    assert addresses(seg(region, include_subscribers=True, focus_area_ids=(psych.pk,))) == {"psych@example.se"}
    assert addresses(seg(region, include_subscribers=True, organisation_paths=(region.taby.path,))) == {
        "dementia@example.se"}


def test_staff_in_a_focus_area_are_those_who_registered_for_its_activities(region):
    psych = make_focus_area(region.consortium, "Psykisk hälsa")
    session = make_session(region.consortium)
    session.activity.focus_areas.set([psych])
    registrations.register(session.pk, region.anna)
    make_activity(region.consortium, "Annat", focus_areas=[make_focus_area(region.consortium)])
    assert addresses(seg(region, include_staff=True, focus_area_ids=(psych.pk,))) == {"anna@huddinge.se"}


def test_an_address_in_several_groups_counts_and_gets_it_once(region):
    make_subscription(region.consortium, "anna@huddinge.se")
    make_subscription(region.consortium, "new@example.se")
    region.cka_huddinge.email = "ANNA@huddinge.se"
    region.cka_huddinge.save()
    segment = seg(region, include_staff=True, roles=(Role.CKA,), include_subscribers=True)
    count = count_segment(segment)
    assert count.by_source == {Delivery.Source.STAFF: 4, Delivery.Source.ROLE: 3, Delivery.Source.SUBSCRIBER: 2}
    assert count.total == 4 + 2 + 1  # anna once; the two other CKAs; new@
    newsletter = start_sending(make_newsletter(region.consortium, include_staff=True, roles=[Role.CKA],
                                               include_subscribers=True))
    delivery.start_if_due(newsletter.pk)
    assert delivery.materialise(newsletter.pk) == count.total
    anna = Delivery.objects.get(newsletter=newsletter, email="anna@huddinge.se")
    assert anna.source == Delivery.Source.STAFF and anna.name == "Anna Åström"


def test_blocked_addresses_are_never_among_the_recipients(region):
    make_subscription(region.consortium, "sub@example.se")
    Suppression.objects.create(consortium=region.consortium, email="Anna@Huddinge.se",
                               reason=Suppression.Reason.UNSUBSCRIBED)
    Suppression.objects.create(consortium=region.consortium, email="sub@example.se",
                               reason=Suppression.Reason.MANUAL)
    # A block in another consortium does not count here.
    Suppression.objects.create(consortium=Other().consortium, email="erik@ekbacken.se",
                               reason=Suppression.Reason.MANUAL)
    segment = seg(region, include_staff=True, include_subscribers=True)
    assert addresses(segment) == STAFF - {"anna@huddinge.se"}
    count = count_segment(segment)
    assert (count.total, count.blocked) == (3, 2)


def test_an_empty_segment_reaches_nobody(region):
    assert count_segment(seg(region)).total == 0
    assert count_segment(Segment.of(make_newsletter(region.consortium))).total == 0


def test_counting_is_a_few_queries_whatever_the_size(region, django_assert_max_num_queries):
    for n in range(30):
        make_person(region.consortium, region.tibble, email=f"p{n}@taby.se")
        make_subscription(region.consortium, f"s{n}@example.se")
    segment = seg(region, include_staff=True, roles=(Role.CKA,), include_subscribers=True)
    with django_assert_max_num_queries(5):
        assert count_segment(segment).total == 34 + 3 + 30


def test_materialising_twice_adds_nothing(region):
    newsletter = start_sending(make_newsletter(region.consortium, include_staff=True))
    delivery.start_if_due(newsletter.pk)
    assert delivery.materialise(newsletter.pk) == 4
    Newsletter.objects.filter(pk=newsletter.pk).update(recipients_at=None)  # as if the first run died after it
    make_person(region.consortium, region.tibble, email="late@taby.se")
    assert delivery.materialise(newsletter.pk) == 5
    assert Delivery.objects.filter(newsletter=newsletter).count() == 5
    assert Delivery.objects.filter(newsletter=newsletter, email="anna@huddinge.se").count() == 1
