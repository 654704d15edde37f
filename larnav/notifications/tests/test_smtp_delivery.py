"""Delivery to a real SMTP server: headers, both parts and the invitation, parsed as a client would."""

import pytest
from django.utils import timezone
from icalendar import Calendar

from larnav.notifications import outbox
from larnav.notifications.models import MessageStatus, OutgoingMessage
from larnav.registrations import services as registrations
from larnav.registrations.testing import make_session

from .smtp import Recorder, SMTPServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    recorder = Recorder(refuse={"nobody@huddinge.se"})
    with SMTPServer(recorder) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.DEFAULT_FROM_EMAIL = "Forum Carpe <noreply@forumcarpe.example>"
        yield recorder


def test_a_confirmation_arrives_whole(region, smtp):
    session = make_session(region.consortium, title="Lågaffektivt bemötande")
    registrations.register(session.pk, region.anna)
    report = outbox.deliver_due()
    assert report.sent == 1 and report.failed == 0
    [(mail_from, rcpt_tos, message)] = smtp.accepted
    row = OutgoingMessage.objects.get()
    assert mail_from == "noreply@forumcarpe.example" and rcpt_tos == ["anna@huddinge.se"]
    # Headers
    # Django folds an encoded subject onto a continuation line; the parsed value keeps the fold's space.
    assert message["Subject"].strip() == "Din plats är bekräftad: Lågaffektivt bemötande"
    assert message["From"] == "Forum Carpe <noreply@forumcarpe.example>"
    assert message["To"] == "anna@huddinge.se"
    assert message["Message-ID"] == row.message_id and row.message_id.startswith(f"<outbox-{row.uuid}@")
    assert message["Auto-Submitted"] == "auto-generated" and message["Content-Language"] == "sv"
    assert message["Date"]
    # Structure: mixed [ alternative [plain, html, calendar], invite.ics ]
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, html, calendar_part = alternative.iter_parts()
    assert plain.get_content_type() == "text/plain" and "Hej Anna!" in plain.get_content()
    assert "Lågaffektivt bemötande" in plain.get_content() and "{{" not in plain.get_content()
    assert html.get_content_type() == "text/html"
    assert "<strong>Lågaffektivt bemötande</strong>" in html.get_content() and "{{" not in html.get_content()
    assert calendar_part.get_content_type() == "text/calendar"
    assert calendar_part.get_param("method") == "REQUEST"
    assert attachment.get_filename() == "invite.ics"
    # The invitation, parsed with icalendar
    calendar = Calendar.from_ical(calendar_part.get_content())
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0" and calendar["PRODID"]
    [event] = calendar.walk("VEVENT")
    occasion = session.occasions.get()
    assert str(event["UID"]) == f"{session.uid}-{occasion.pk}@larnav"
    assert event["SEQUENCE"] == 0 and event["STATUS"] == "CONFIRMED"
    assert event.decoded("DTSTART") == occasion.start and event.decoded("DTEND") == occasion.end
    assert str(event["ORGANIZER"]) == "mailto:noreply@forumcarpe.example"
    assert str(event["ATTENDEE"]) == "mailto:anna@huddinge.se"
    assert "Huddinge kommunhus" in str(event["LOCATION"])
    assert Calendar.from_ical(attachment.get_content()).walk("VEVENT")[0]["UID"] == event["UID"]
    # What was sent is what the outbox shows.
    row.refresh_from_db()
    assert row.status == MessageStatus.SENT and row.subject == message["Subject"].strip() and row.sent_at <= timezone.now()


def test_a_cancellation_arrives_as_method_cancel_with_the_same_uid(region, smtp):
    session = make_session(region.consortium)
    reg = registrations.register(session.pk, region.anna).registration
    assert outbox.deliver_due().sent == 1
    registrations.cancel(reg.pk)
    assert outbox.deliver_due().sent == 1
    request, cancel = (m for _, _, m in smtp.accepted)

    def event(message):
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        return part.get_param("method"), Calendar.from_ical(part.get_content()).walk("VEVENT")[0]

    (m1, e1), (m2, e2) = event(request), event(cancel)
    assert (m1, m2) == ("REQUEST", "CANCEL") and e1["UID"] == e2["UID"]
    assert e2["SEQUENCE"] >= e1["SEQUENCE"] and e2["STATUS"] == "CANCELLED"


def test_a_refused_address_fails_with_the_servers_reason_and_the_registration_stands(region, smtp):
    region.anna.email = "nobody@huddinge.se"
    region.anna.save()
    session = make_session(region.consortium)
    reg = registrations.register(session.pk, region.anna).registration
    report = outbox.deliver_due()
    assert report.failed == 1 and smtp.accepted == []
    row = OutgoingMessage.objects.get()
    assert row.status == MessageStatus.FAILED and "550" in row.last_error and "No such user" in row.last_error
    reg.refresh_from_db()
    assert reg.status == "confirmed"


def test_an_unreachable_server_is_retried_later(region, settings):
    from .smtp import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    session = make_session(region.consortium)
    registrations.register(session.pk, region.anna)
    report = outbox.deliver_due()
    assert report.retrying == 1
    row = OutgoingMessage.objects.get()
    assert row.status == MessageStatus.QUEUED and row.next_attempt_at > timezone.now() and row.last_error
