"""Lärnav's messages: every change tells the right person, in their language, with a calendar where it belongs."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation
from icalendar import Calendar

from larnav.catalog import services as catalog_services
from larnav.catalog.models import Session
from larnav.catalog.services import OccasionInput
from larnav.notifications import kinds, services, templating
from larnav.notifications.models import MessageStatus, OutgoingMessage
from larnav.notifications.rendering import default_template
from larnav.notifications.testing import queued, sent_to
from larnav.registrations import services as registrations
from larnav.registrations.models import Status
from larnav.registrations.testing import make_session

pytestmark = pytest.mark.django_db


def last_to(address):
    return [m for m in mail.outbox if m.to == [address]][-1]


def calendar_of(message):
    for content, mimetype in message.alternatives:
        if mimetype.startswith("text/calendar"):
            return Calendar.from_ical(content), mimetype
    return None, None


@pytest.mark.parametrize("kind", [k.key for k in kinds.all_kinds() if not k.key.startswith("test_")])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_built_in_text_uses_only_its_own_placeholders(kind, language):
    kind = kinds.get(kind)
    subject, body = default_template(kind, language)
    assert templating.validate(subject, kind.names) == []
    assert templating.validate(body, kind.names) == []
    rendered = templating.render(subject, body, kind.example_values(), allowed=kind.names, language=language)
    assert "{{" not in rendered.text + rendered.html + rendered.subject


def test_a_confirmed_seat_gets_a_swedish_mail_with_both_parts_and_an_invitation(region,
                                                                                django_capture_on_commit_callbacks):
    session = make_session(region.consortium, cancellation_deadline=timezone.now() + timedelta(days=20))
    with django_capture_on_commit_callbacks(execute=True):
        registrations.register(session.pk, region.anna)
    message = last_to("anna@huddinge.se")
    assert message.subject == "Din plats är bekräftad: Bemötande i LSS"
    assert "Hej Anna!" in message.body and "Huddinge kommunhus, Kommunalvägen 28" in message.body
    assert "Avboka senast" in message.body and "/anmalan/min-anmalan/" in message.body
    html = next(c for c, t in message.alternatives if t == "text/html")
    assert '<html lang="sv">' in html and "<strong>Bemötande i LSS</strong>" in html
    calendar, mimetype = calendar_of(message)
    assert mimetype == "text/calendar; method=REQUEST"
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]).startswith(str(session.uid)) and event["SEQUENCE"] == 0
    assert "anna@huddinge.se" in str(event["ATTENDEE"]) and str(event["ORGANIZER"]).startswith("mailto:")
    assert message.attachments[0][0] == "invite.ics"


def test_english_for_those_who_chose_english(region, django_capture_on_commit_callbacks):
    region.erik.language = "en"
    region.erik.save()
    session = make_session(region.consortium, capacity=1)
    registrations.register(session.pk, region.anna)
    with django_capture_on_commit_callbacks(execute=True):
        registrations.register(session.pk, region.erik)
    message = last_to("erik@ekbacken.se")
    assert message.subject == "You are on the waiting list: Bemötande i LSS"
    assert "Hello Erik," in message.body and calendar_of(message) == (None, None)


def test_a_changed_session_updates_the_invitation_with_a_higher_sequence(region, django_capture_on_commit_callbacks):
    from larnav.catalog.testing import make_activity
    from larnav.catalog.testing import make_session as make_catalog_session

    session = make_catalog_session(make_activity(region.consortium, "Lågaffektivt bemötande"), days=30)
    registrations.register(session.pk, region.anna)
    registrations.register(session.pk, region.erik)
    registrations.cancel(registrations.register(session.pk, region.sara).registration.pk)
    occasion = session.occasions.get()
    moved = [OccasionInput(start=occasion.start + timedelta(hours=1), end=occasion.end + timedelta(hours=1),
                           place="Stadshuset", address="", digital_link="")]
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.save_session(Session.objects.get(pk=session.pk), occasions=moved)
    assert sent_to("session_changed") == ["anna@huddinge.se", "erik@ekbacken.se"]  # not the cancelled one
    message = last_to("anna@huddinge.se")
    assert message.subject.startswith("Ändrat:") and "Stadshuset" in message.body
    calendar, _ = calendar_of(message)
    event = calendar.walk("VEVENT")[0]
    first = OutgoingMessage.objects.get(kind="registration_confirmed", to_email="anna@huddinge.se")
    assert Calendar.from_ical(first.calendar).walk("VEVENT")[0]["UID"] == event["UID"]
    assert event["SEQUENCE"] == 1 and "Stadshuset" in str(event["LOCATION"])


def test_cancellation_removes_the_event_and_a_waitlisted_one_gets_no_calendar(region,
                                                                             django_capture_on_commit_callbacks):
    session = make_session(region.consortium, capacity=1)
    seat = registrations.register(session.pk, region.anna).registration
    waiting = registrations.register(session.pk, region.erik).registration
    with django_capture_on_commit_callbacks(execute=True):
        registrations.cancel(waiting.pk)
    assert calendar_of(last_to("erik@ekbacken.se")) == (None, None)
    with django_capture_on_commit_callbacks(execute=True):
        registrations.cancel(seat.pk)
    calendar, mimetype = calendar_of(last_to("anna@huddinge.se"))
    assert mimetype == "text/calendar; method=CANCEL" and calendar["METHOD"] == "CANCEL"
    assert calendar.walk("VEVENT")[0]["STATUS"] == "CANCELLED"


def test_a_late_cancellation_says_so(region, django_capture_on_commit_callbacks):
    session = make_session(region.consortium, cancellation_deadline=timezone.now() - timedelta(hours=1))
    reg = registrations.register(session.pk, region.anna).registration
    with django_capture_on_commit_callbacks(execute=True):
        assert registrations.cancel(reg.pk).registration.status == Status.LATE_CANCELLED
    assert sent_to("registration_late_cancelled") == ["anna@huddinge.se"]
    assert "sen avbokning" in last_to("anna@huddinge.se").body


def test_approval_asks_the_manager_and_tells_the_participant_the_outcome(region, django_capture_on_commit_callbacks):
    region.chef_solgarden.email = "chef@huddinge.se"
    region.chef_solgarden.save()
    session = make_session(region.consortium, requires_approval=True)
    with django_capture_on_commit_callbacks(execute=True):
        reg = registrations.register(session.pk, region.anna, expected_benefit="Bättre samtal").registration
    assert sent_to("registration_received") == ["anna@huddinge.se"]
    assert sent_to("approval_requested") == ["chef@huddinge.se"]
    ask = last_to("chef@huddinge.se")
    assert "Anna Åström" in ask.subject and "Förväntad nytta: Bättre samtal" in ask.body
    with django_capture_on_commit_callbacks(execute=True):
        registrations.approve(reg.pk, region.chef_solgarden, "Lycka till")
    approved = last_to("anna@huddinge.se")
    assert approved.subject.startswith("Din anmälan är godkänd") and "Du har fått en plats." in approved.body
    assert "Meddelande från din chef: Lycka till" in approved.body
    assert calendar_of(approved)[1] == "text/calendar; method=REQUEST"


def test_a_message_tells_about_its_own_registration_as_it_is_when_sent(region):
    """No other session's details: values are read from the row's own registration at send time."""
    first = make_session(region.consortium, title="Första kursen")
    second = make_session(region.consortium, title="Andra kursen", days_ahead=10)
    registrations.register(first.pk, region.anna)
    registrations.register(second.pk, region.erik)
    from larnav.notifications import outbox

    outbox.deliver_due()
    assert "Första kursen" in last_to("anna@huddinge.se").subject
    assert "Andra kursen" in last_to("erik@ekbacken.se").subject


def test_reminders_go_once_to_confirmed_seats_within_the_configured_days(region):
    services.save_settings(region.consortium, reminder_days=3, send_evaluation_invitations=True)
    soon = make_session(region.consortium, days_ahead=2, title="Snart")
    later = make_session(region.consortium, days_ahead=10, title="Senare")
    for session in (soon, later):
        registrations.register(session.pk, region.anna)
    waiting = make_session(region.consortium, days_ahead=2, capacity=1, title="Fullt")
    registrations.register(waiting.pk, region.erik)
    registrations.register(waiting.pk, region.sara)  # waitlisted: no reminder
    # Registered long before the window opened.
    from larnav.registrations.models import Registration

    Registration.objects.update(created_at=timezone.now() - timedelta(days=20))
    assert services.queue_due_reminders() == 2
    assert services.queue_due_reminders() == 0  # once
    assert sorted(m.to_email for m in queued("session_reminder")) == ["anna@huddinge.se", "erik@ekbacken.se"]
    from larnav.notifications import outbox

    outbox.deliver_due()
    reminder = next(m for m in mail.outbox if m.subject.startswith("Påminnelse: Snart"))
    assert reminder.to == ["anna@huddinge.se"]


def test_no_reminder_when_turned_off_or_when_cancelled_before_sending(region):
    session = make_session(region.consortium, days_ahead=1)
    reg = registrations.register(session.pk, region.anna).registration
    from larnav.registrations.models import Registration

    Registration.objects.update(created_at=timezone.now() - timedelta(days=20))
    services.save_settings(region.consortium, reminder_days=0, send_evaluation_invitations=True)
    assert services.queue_due_reminders() == 0
    services.save_settings(region.consortium, reminder_days=2, send_evaluation_invitations=True)
    assert services.queue_due_reminders() == 1
    registrations.cancel(reg.pk)
    from larnav.notifications import outbox

    outbox.deliver_due()
    assert OutgoingMessage.objects.get(kind="session_reminder").status == MessageStatus.SKIPPED


def test_evaluation_invitations_after_the_last_occasion(region, monkeypatch):
    monkeypatch.setattr(services, "evaluations_sent_by", None)
    ended = make_session(region.consortium, days_ahead=-1)
    running = make_session(region.consortium, days_ahead=5)
    from larnav.registrations.models import Registration

    for session in (ended, running):
        Registration.objects.create(consortium=region.consortium, session=session, person=region.anna,
                                    status=Status.CONFIRMED, workplace=region.solgarden,
                                    municipality=region.huddinge)
    assert services.queue_evaluation_invitations() == 1
    assert services.queue_evaluation_invitations() == 0
    OutgoingMessage.objects.all().delete()
    monkeypatch.setattr(services, "evaluations_sent_by", "larnav.surveys")
    assert services.queue_evaluation_invitations() == 0, "the surveys app sends evaluations itself"
    monkeypatch.setattr(services, "evaluations_sent_by", None)
    services.save_settings(region.consortium, reminder_days=2, send_evaluation_invitations=False)
    assert services.queue_evaluation_invitations() == 0


def test_the_surveys_app_sends_session_evaluations_so_nobody_is_asked_twice():
    assert services.evaluations_sent_by == "larnav.surveys"


def test_a_sign_in_link_is_sent_but_not_kept(region, client, django_capture_on_commit_callbacks):
    from larnav.accounts import services as accounts

    with django_capture_on_commit_callbacks(execute=True):
        assert accounts.send_sign_in_link(region.consortium, "tove@taby.se")
    message = last_to("tove@taby.se")
    row = OutgoingMessage.objects.get(kind="sign_in_link")
    assert row.status == MessageStatus.SENT and "token" not in row.context
    link = [line for line in message.body.splitlines() if line.startswith("http")][0]
    assert link not in row.body_text and link not in row.body_html and "[…]" in row.body_text


def test_an_expired_sign_in_link_is_not_sent(region):
    from larnav.accounts import services as accounts
    from larnav.accounts.models import SignInLink

    accounts.send_sign_in_link(region.consortium, "tove@taby.se")
    SignInLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    from larnav.notifications import outbox

    assert outbox.deliver_due().skipped == 1 and mail.outbox == []


def test_translation_is_restored_after_rendering(region):
    session = make_session(region.consortium)
    registrations.register(session.pk, region.anna)
    from larnav.notifications import outbox

    with translation.override("en"):
        outbox.deliver_due()
        assert translation.get_language() == "en"


def test_delivery_costs_a_fixed_number_of_queries_per_message(region, django_assert_max_num_queries):
    from larnav.core.testing import make_person
    from larnav.notifications import outbox

    session = make_session(region.consortium, capacity=30)
    for i in range(20):
        registrations.register(session.pk, make_person(region.consortium, region.solgarden, f"P{i}", "T",
                                                       f"p{i}@huddinge.se"))
    # The claim (select, update, read back, in a savepoint) and per message: the registration with its
    # occasions (2), the consortium's own text (1), marking it sent (1).
    with django_assert_max_num_queries(5 + 4 * 20):
        assert outbox.deliver_due(limit=20).sent == 20
