"""The outbox: written with the change, sent after the commit, failures retried, never rolled back."""

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from larnav.notifications import kinds, outbox
from larnav.notifications.models import MessageStatus, OutgoingMessage

pytestmark = pytest.mark.django_db

TEST_KIND = kinds.register(kinds.MessageKind(
    key="test_notice",
    label="Test notice",
    audience="",
    placeholders=(kinds.Placeholder("what", "What", "a test"),),
    subject="Notice: {{ what }}",
    body="Hello,\n\nthis is about {{ what }}.",
    values=lambda message: None if message.context.get("gone") else {"what": message.context.get("what", "")},
))


def queue(what="x", **kwargs):
    return outbox.queue_message("test_notice", to="anna@example.se", context={"what": what, **kwargs})


def test_a_message_is_written_with_the_change_and_sent_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            queue("one")
            queue("two")
        assert OutgoingMessage.objects.filter(status=MessageStatus.QUEUED).count() == 2
    assert len(callbacks) == 1  # one wake-up per transaction, however many messages
    assert sorted(m.subject for m in mail.outbox) == ["Notice: one", "Notice: two"]
    sent = OutgoingMessage.objects.get(context__what="one")
    assert sent.status == MessageStatus.SENT and sent.attempts == 1 and sent.sent_at
    assert sent.subject == "Notice: one" and "this is about one." in sent.body_text
    assert mail.outbox[0].extra_headers["Message-ID"] in {m.message_id for m in OutgoingMessage.objects.all()}


def test_a_rolled_back_change_leaves_no_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            queue()
            raise RuntimeError
    assert not OutgoingMessage.objects.exists()
    assert mail.outbox == []


def test_queuing_is_one_insert(django_assert_num_queries):
    with django_assert_num_queries(1):
        queue()


def test_a_dedupe_key_queues_at_most_once():
    outbox.queue_message("test_notice", to="a@example.se", dedupe_key="reminder:1")
    outbox.queue_message("test_notice", to="a@example.se", dedupe_key="reminder:1")
    assert OutgoingMessage.objects.count() == 1


def test_an_unknown_kind_is_refused_where_it_is_queued():
    with pytest.raises(LookupError):
        outbox.queue_message("no_such_kind", to="a@example.se")


def test_no_address_no_message():
    assert outbox.queue_message("test_notice", to="") is None
    assert not OutgoingMessage.objects.exists()


def test_a_failed_send_is_retried_with_backoff_and_then_marked_failed(settings):
    settings.LARNAV_MAIL_MAX_ATTEMPTS = 2
    message = queue()
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages",
                    side_effect=smtplib.SMTPServerDisconnected("connection lost")):
        report = outbox.deliver_due()
    assert report.retrying == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and message.attempts == 1
    assert "connection lost" in message.last_error
    assert message.next_attempt_at > timezone.now() + timedelta(seconds=50)
    # Not due yet: nothing is claimed.
    assert outbox.deliver_due().claimed == 0
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages",
                    side_effect=smtplib.SMTPServerDisconnected("connection lost")):
        report = outbox.deliver_due(now=timezone.now() + timedelta(minutes=2))
    message.refresh_from_db()
    assert report.failed == 1 and message.status == MessageStatus.FAILED and message.attempts == 2


def test_a_permanent_refusal_fails_at_once():
    message = queue()
    refused = smtplib.SMTPRecipientsRefused({"anna@example.se": (550, b"No such user")})
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=refused):
        outbox.deliver_due()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "550" in message.last_error


def test_a_message_whose_subject_is_gone_is_skipped_not_sent():
    message = queue(gone=True)
    assert outbox.deliver_due().skipped == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SKIPPED and mail.outbox == []


def test_an_expired_lease_is_claimed_again_and_a_live_one_is_not(settings):
    message = queue()
    claimed = outbox.claim("worker-a", 10)
    assert [m.pk for m in claimed] == [message.pk]
    assert outbox.claim("worker-b", 10) == []  # leased to worker-a
    later = timezone.now() + timedelta(seconds=settings.LARNAV_MAIL_LEASE_SECONDS + 1)
    again = outbox.claim("worker-b", 10, now=later)
    assert [m.pk for m in again] == [message.pk] and again[0].attempts == 2
    # worker-a comes back from the dead: it no longer holds the row and cannot mark it.
    assert not OutgoingMessage.objects.filter(pk=message.pk, claimed_by="worker-a").exists()


def test_send_after_holds_a_message_back():
    outbox.queue_message("test_notice", to="a@example.se", context={"what": "later"},
                         send_after=timezone.now() + timedelta(days=1))
    assert outbox.deliver_due().claimed == 0
    assert outbox.deliver_due(now=timezone.now() + timedelta(days=1, seconds=1)).sent == 1
