"""The rules of the needs inventory, through its services."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from larnav.accounts.models import Role
from larnav.catalog.models import Activity
from larnav.catalog.testing import make_activity, make_focus_area
from larnav.core.testing import make_consortium, make_kommun, make_occupation, make_person, make_user
from larnav.needs import services
from larnav.needs.errors import (
    AlreadySubmitted,
    CampaignClosed,
    DeadlinePassed,
    NotAllowed,
    NothingToSubmit,
    NotOpenYet,
    NotSubmitted,
)
from larnav.needs.models import Campaign, Contributor, Event, NeedItem, Submission
from larnav.needs.testing import address, delivered, make_campaign, make_item, submission_of

pytestmark = pytest.mark.django_db
S = Submission.Status


def kinds(submission):
    return list(submission.events.order_by("at", "pk").values_list("kind", flat=True))


# --- Who takes part ---------------------------------------------------------------

def test_every_member_answers_and_stockholm_through_its_districts(campaign, region):
    orgs = set(campaign.submissions.values_list("organisation__name", flat=True))
    assert orgs == {"Huddinge", "Täby", "Södermalm"}
    assert set(campaign.submissions.values_list("status", flat=True)) == {S.NOT_STARTED}
    # Saving again creates nothing twice; a new member gets its place when the campaign is saved.
    services.save_campaign(campaign, user=region.samordnare)
    assert campaign.submissions.count() == 3
    make_kommun(region.consortium, "Nacka", "0182")
    services.save_campaign(campaign, user=region.samordnare)
    assert campaign.submissions.count() == 4


def test_one_submission_per_campaign_and_organisation(campaign, region):
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.create(consortium=region.consortium, campaign=campaign, organisation=region.huddinge)


def test_campaign_dates_are_validated(region, themes):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.save_campaign(Campaign(consortium=region.consortium, title="X", year=2027, opens=today,
                                        deadline=today - timedelta(days=1)))
    assert "deadline" in exc.value.message_dict or "__all__" in exc.value.message_dict
    campaign = make_campaign(region.consortium)
    with pytest.raises(ValidationError) as exc:
        services.save_campaign(Campaign(consortium=region.consortium, title=campaign.title, year=2027,
                                        opens=today, deadline=today))
    assert "already" in str(exc.value)
    assert Campaign.objects.count() == 1


# --- Needs and drafts -----------------------------------------------------------------

def test_the_cka_adds_a_need_and_the_answer_becomes_a_draft(huddinge, region, themes):
    occupation = region.occupation
    item = make_item(huddinge, region.cka_huddinge, theme=themes["lss"], occupations=[occupation],
                     funktion="utforare", level="grund", description="Nyanställda i gruppbostad")
    huddinge.refresh_from_db()
    assert huddinge.status == S.DRAFT
    assert list(item.target_occupations.all()) == [occupation]
    assert item.created_by == region.cka_huddinge and item.consortium == region.consortium
    assert kinds(huddinge) == [Event.Kind.STARTED]
    make_item(huddinge, region.cka_huddinge, theme=themes["akk"])
    assert kinds(huddinge) == [Event.Kind.STARTED]  # started once


def test_another_municipalitys_cka_cannot_touch_the_answer(huddinge, region, themes):
    with pytest.raises(NotAllowed):
        make_item(huddinge, region.cka_taby, theme=themes["lss"])
    with pytest.raises(NotAllowed):
        make_item(huddinge, region.styrgrupp_taby, theme=themes["lss"])
    item = make_item(huddinge, region.cka_huddinge, theme=themes["lss"])
    with pytest.raises(NotAllowed):
        services.delete_item(item.pk, user=region.cka_taby)
    with pytest.raises(NotAllowed):
        services.submit(huddinge.pk, user=region.cka_taby)
    assert NeedItem.objects.count() == 1


def test_a_need_moved_to_another_answer_is_refused(huddinge, taby, region, themes):
    item = make_item(huddinge, region.cka_huddinge, theme=themes["lss"])
    item.title = "Flyttat"
    with pytest.raises(NotAllowed):
        services.save_item(taby.pk, item, user=region.cka_taby)
    item.refresh_from_db()
    assert item.submission == huddinge and item.title != "Flyttat"


@pytest.mark.parametrize("fields, field", [
    ({"title": ""}, "title"),
    ({"estimated_staff": 0}, "estimated_staff"),
    ({"estimated_staff": 10**9}, "estimated_staff"),
    ({"priority": 4}, "priority"),
    ({"description": "x" * 4001}, "description"),
    ({"title": "y" * 201}, "title"),
    ({"description": "Gäller 19850101-1234 särskilt"}, "description"),
    ({"level": "expert"}, "level"),
    ({"funktion": "annat"}, "funktion"),
])
def test_bad_need_values_are_refused_and_nothing_is_stored(huddinge, region, themes, fields, field):
    values = {"title": "Bemötande", "theme": themes["lss"], "estimated_staff": 5, "priority": 1, **fields}
    with pytest.raises(ValidationError) as exc:
        services.save_item(huddinge.pk, NeedItem(**values), user=region.cka_huddinge)
    assert field in exc.value.message_dict
    assert NeedItem.objects.count() == 0
    huddinge.refresh_from_db()
    assert huddinge.status == S.NOT_STARTED


def test_a_theme_of_another_consortium_is_refused(huddinge, region):
    foreign = make_focus_area(make_consortium("Annan"), "LSS")
    with pytest.raises(ValidationError) as exc:
        make_item(huddinge, region.cka_huddinge, theme=foreign)
    assert "theme" in exc.value.message_dict


def test_the_same_need_is_not_stored_twice(huddinge, region, themes):
    make_item(huddinge, region.cka_huddinge, theme=themes["lss"], title="Lågaffektivt bemötande")
    with pytest.raises(ValidationError) as exc:
        make_item(huddinge, region.cka_huddinge, theme=themes["lss"], title="LÅGAFFEKTIVT bemötande ")
    assert "title" in exc.value.message_dict
    make_item(huddinge, region.cka_huddinge, theme=themes["akk"], title="Lågaffektivt bemötande")
    assert NeedItem.objects.count() == 2


# --- Submitting ---------------------------------------------------------------------------

def test_submit_once_then_locked_until_the_coordinator_reopens(huddinge, region, themes):
    item = make_item(huddinge, region.cka_huddinge, theme=themes["lss"])
    with delivered():
        services.submit(huddinge.pk, user=region.cka_huddinge)
    huddinge.refresh_from_db()
    assert huddinge.status == S.SUBMITTED and huddinge.submitted_by == region.cka_huddinge
    assert [address(m) for m in mail.outbox] == [region.cka_huddinge.email]
    assert "Behovsinventering 2027" in mail.outbox[0].subject

    with pytest.raises(AlreadySubmitted) as exc:
        services.submit(huddinge.pk, user=region.cka_huddinge)
    assert "locked" in exc.value.message
    with pytest.raises(AlreadySubmitted):
        make_item(huddinge, region.cka_huddinge, theme=themes["akk"])
    item.estimated_staff = 99
    with pytest.raises(AlreadySubmitted):
        services.save_item(huddinge.pk, item, user=region.cka_huddinge)
    with pytest.raises(AlreadySubmitted):
        services.delete_item(item.pk, user=region.cka_huddinge)
    assert kinds(huddinge).count(Event.Kind.SUBMITTED) == 1
    assert NeedItem.objects.get().estimated_staff == 10

    with pytest.raises(NotAllowed):
        services.reopen(huddinge.pk, user=region.cka_huddinge, reason="Glömde")
    with pytest.raises(ValidationError):
        services.reopen(huddinge.pk, user=region.samordnare, reason="  ")
    with delivered():
        services.reopen(huddinge.pk, user=region.samordnare, reason="Lägg till HSL-behoven")
    huddinge.refresh_from_db()
    assert huddinge.status == S.DRAFT and huddinge.submitted_at is None
    assert "Lägg till HSL-behoven" in mail.outbox[-1].body
    assert address(mail.outbox[-1]) == region.cka_huddinge.email
    reopened = huddinge.events.get(kind=Event.Kind.REOPENED)
    assert reopened.actor == region.samordnare and reopened.note == "Lägg till HSL-behoven"
    with pytest.raises(NotSubmitted):
        services.reopen(huddinge.pk, user=region.samordnare, reason="Igen")
    services.save_item(huddinge.pk, item, user=region.cka_huddinge)
    services.submit(huddinge.pk, user=region.cka_huddinge)
    assert kinds(huddinge) == [Event.Kind.STARTED, Event.Kind.SUBMITTED, Event.Kind.REOPENED,
                               Event.Kind.SUBMITTED]


def test_submitting_nothing_needs_a_confirmation(huddinge, region):
    with pytest.raises(NothingToSubmit):
        services.submit(huddinge.pk, user=region.cka_huddinge)
    services.submit(huddinge.pk, user=region.cka_huddinge, confirm_empty=True)
    assert submission_of(huddinge.campaign, region.huddinge).status == S.SUBMITTED


def test_a_city_district_is_answered_by_its_own_cka(campaign, region, themes):
    sodermalm = submission_of(campaign, region.sodermalm)
    make_item(sodermalm, region.cka_sodermalm, theme=themes["lss"])
    services.submit(sodermalm.pk, user=region.cka_sodermalm)
    with pytest.raises(NotAllowed):
        services.submit(submission_of(campaign, region.huddinge).pk, user=region.cka_sodermalm)


# --- The campaign's period ------------------------------------------------------------------

def test_nothing_changes_after_the_deadline_unless_the_coordinator_extends_it(region, themes):
    campaign = make_campaign(region.consortium, opens_in=-30, deadline_in=2)
    huddinge = submission_of(campaign, region.huddinge)
    item = make_item(huddinge, region.cka_huddinge, theme=themes["lss"])
    later = timezone.localdate() + timedelta(days=3)
    with pytest.raises(DeadlinePassed) as exc:
        services.save_item(huddinge.pk, item, user=region.cka_huddinge, today=later)
    assert "deadline" in exc.value.message
    with pytest.raises(DeadlinePassed):
        services.submit(huddinge.pk, user=region.cka_huddinge, today=later)
    with pytest.raises(DeadlinePassed):
        services.delete_item(item.pk, user=region.cka_huddinge, today=later)
    campaign.deadline = later + timedelta(days=7)
    services.save_campaign(campaign, user=region.samordnare, today=later)
    services.submit(huddinge.pk, user=region.cka_huddinge, today=later)
    changed = campaign.events.get(kind=Event.Kind.DEADLINE_CHANGED)
    assert changed.actor == region.samordnare and campaign.deadline.isoformat() in changed.note


def test_nothing_changes_before_opening_or_when_closed(region, themes):
    upcoming = make_campaign(region.consortium, opens_in=3, deadline_in=30)
    with pytest.raises(NotOpenYet):
        make_item(submission_of(upcoming, region.huddinge), region.cka_huddinge, theme=themes["lss"])
    services.set_campaign_status(upcoming.pk, Campaign.Status.CLOSED, user=region.samordnare)
    upcoming.refresh_from_db()
    assert upcoming.phase() == Campaign.Phase.CLOSED
    with pytest.raises(CampaignClosed):
        services.submit(submission_of(upcoming, region.huddinge).pk, user=region.cka_huddinge,
                        confirm_empty=True)
    assert list(upcoming.events.values_list("kind", flat=True)) == [Event.Kind.CAMPAIGN_CREATED,
                                                                   Event.Kind.CAMPAIGN_CLOSED]


# --- Colleagues ----------------------------------------------------------------------------

def test_the_cka_invites_a_colleague_who_may_edit_but_not_submit(huddinge, region, themes):
    with delivered():
        contributor = services.invite_contributor(huddinge.pk, " Anna@Huddinge.se ", user=region.cka_huddinge)
    colleague = contributor.user
    assert colleague == region.deltagare  # the user of the person with that address
    assert address(mail.outbox[-1]) == colleague.email
    assert f"/behovsinventering/svar/{huddinge.pk}/" in mail.outbox[-1].body
    make_item(huddinge, colleague, theme=themes["lss"])
    with pytest.raises(NotAllowed):
        services.submit(huddinge.pk, user=colleague)
    with pytest.raises(NotAllowed):
        services.invite_contributor(huddinge.pk, "erik@ekbacken.se", user=colleague)
    with pytest.raises(ValidationError) as exc:
        services.invite_contributor(huddinge.pk, "anna@huddinge.se", user=region.cka_huddinge)
    assert "already invited" in str(exc.value)
    services.remove_contributor(contributor.pk, user=region.cka_huddinge)
    with pytest.raises(NotAllowed):
        make_item(huddinge, colleague, theme=themes["akk"])
    assert kinds(huddinge) == [Event.Kind.STARTED, Event.Kind.CONTRIBUTOR_INVITED, Event.Kind.CONTRIBUTOR_REMOVED]


def test_a_known_person_who_never_signed_in_gets_an_account(huddinge, region):
    erik = services.invite_contributor(huddinge.pk, "erik@ekbacken.se", user=region.cka_huddinge).user
    assert erik.person == region.erik and erik.email == "erik@ekbacken.se" and not erik.has_usable_password()


def test_only_colleagues_in_the_municipality_can_be_invited(huddinge, region):
    for email in ["tove@taby.se", "nobody@huddinge.se", region.cka_taby.email]:
        with pytest.raises(ValidationError) as exc:
            services.invite_contributor(huddinge.pk, email, user=region.cka_huddinge)
        assert "Nobody working in Huddinge" in str(exc.value)
    # A manager of a Huddinge workplace has a user with a role there.
    assert services.invite_contributor(huddinge.pk, region.chef_solgarden.email,
                                       user=region.cka_huddinge).user == region.chef_solgarden
    with pytest.raises(ValidationError):
        services.invite_contributor(huddinge.pk, region.cka_huddinge.email, user=region.cka_huddinge)
    assert Contributor.objects.count() == 1


# --- Reminders -----------------------------------------------------------------------------

def test_reminders_within_the_window_at_most_once_a_day(region, themes):
    campaign = make_campaign(region.consortium, opens_in=-10, deadline_in=10, reminder_days=7)
    make_item(submission_of(campaign, region.taby), region.cka_taby, theme=themes["lss"])
    with delivered():
        services.submit(submission_of(campaign, region.taby).pk, user=region.cka_taby)
    mail.outbox.clear()  # the receipt
    today = timezone.localdate()
    assert services.send_reminders(today=today) == 0  # ten days left: not yet
    day = today + timedelta(days=3)
    with delivered():
        assert services.send_reminders(today=day) == 2  # Huddinge and Södermalm, not Täby (submitted)
        assert services.send_reminders(today=day) == 0
        assert services.send_reminders(today=day, campaign=campaign) == 0  # the button too
    assert sorted(address(m) for m in mail.outbox) == sorted([region.cka_huddinge.email, region.cka_sodermalm.email])
    reminder = next(m for m in mail.outbox if address(m) == region.cka_huddinge.email)
    assert "Huddinge" in reminder.body and campaign.title in reminder.subject
    with delivered():
        assert services.send_reminders(today=day + timedelta(days=1)) == 2
    assert len(mail.outbox) == 4
    assert services.send_reminders(today=campaign.deadline + timedelta(days=1)) == 0  # after the deadline
    assert submission_of(campaign, region.huddinge).events.filter(kind=Event.Kind.REMINDED).count() == 2


def test_a_municipality_without_a_cka_is_marked_but_not_counted(region, themes):
    make_kommun(region.consortium, "Nacka", "0182")
    campaign = make_campaign(region.consortium, opens_in=-1, deadline_in=1)
    assert services.send_reminders(campaign=campaign) == 3
    nacka = campaign.submissions.get(organisation__name="Nacka")
    assert nacka.last_reminded_on == timezone.localdate()
    assert nacka.events.get().note == "No municipal contact to remind"


def test_no_automatic_reminders_when_switched_off(region, themes):
    campaign = make_campaign(region.consortium, opens_in=-1, deadline_in=1, reminder_days=0)
    assert services.send_reminders() == 0
    assert services.send_reminders(campaign=campaign) == 3


# --- Behov -> utbud --------------------------------------------------------------------------

def test_needs_are_linked_to_activities_of_the_own_offer(huddinge, region, themes):
    item = make_item(huddinge, region.cka_huddinge, theme=themes["lss"])
    activity = make_activity(region.consortium, "LSS grund", focus_areas=[themes["lss"]])
    assert services.link_activities(item, [activity], user=region.samordnare) == 1
    assert services.link_activities(item, [activity], user=region.samordnare) == 0
    assert list(item.answered_by.all()) == [activity]
    foreign = make_activity(make_consortium("Annan"), "Främmande")
    with pytest.raises(ValidationError):
        services.link_activities(item, [foreign])
    archived = make_activity(region.consortium, "Gammal", status=Activity.Status.ARCHIVED)
    with pytest.raises(ValidationError):
        services.link_activities(item, [archived])
    assert services.unlink_activity(item, activity.pk) is True
    assert services.unlink_activity(item, activity.pk) is False


def test_a_cka_of_a_whole_kommun_also_answers_for_its_districts(campaign, region, themes):
    cka_stockholm = make_user(region.consortium, Role.CKA, region.stockholm)
    sodermalm = submission_of(campaign, region.sodermalm)
    make_item(sodermalm, cka_stockholm, theme=themes["lss"], occupations=[make_occupation()])
    assert services.send_reminders(campaign=campaign) == 3
    emails = {address(m) for m in mail.outbox}
    assert emails <= {region.cka_huddinge.email, region.cka_taby.email}  # mail waits for the commit
    person = make_person(region.consortium, region.ringvagen, email="kollega@stockholm.se")
    assert services.colleague_for(region.sodermalm, person.email).person == person
    assert services.colleague_for(region.sodermalm, "tove@taby.se") is None


def test_a_reminder_for_an_answer_submitted_before_it_goes_out_is_dropped(huddinge, region, themes):
    make_item(huddinge, region.cka_huddinge, theme=themes["lss"])
    with delivered():
        services.send_reminders(campaign=huddinge.campaign)
        services.submit(huddinge.pk, user=region.cka_huddinge)
    from larnav.notifications.models import OutgoingMessage

    sent = dict(OutgoingMessage.objects.filter(to_email=region.cka_huddinge.email).values_list("kind", "status"))
    assert sent == {"needs_reminder": "skipped", "needs_submitted": "sent"}
    assert [address(m) for m in mail.outbox].count(region.cka_huddinge.email) == 1


def test_the_worker_runs_the_reminders_hourly_and_the_command_by_hand(region, themes):
    from io import StringIO

    from django.core.management import call_command

    from larnav.needs.tasks import send_reminders
    from larnav.notifications.schedule import periodic_jobs

    job = next(j for j in periodic_jobs() if j.name == "needs_reminders")
    assert job.task_path == "larnav.needs.tasks.send_reminders" and job.every == timedelta(hours=1)
    make_campaign(region.consortium, opens_in=-1, deadline_in=2)
    assert send_reminders.call() == {"reminded": 3}
    assert send_reminders.call() == {"reminded": 0}
    out = StringIO()
    call_command("needs_reminders", today=(timezone.localdate() + timedelta(days=1)).isoformat(), stdout=out)
    assert "needs inventory reminders: 3" in out.getvalue()
