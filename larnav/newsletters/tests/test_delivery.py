"""Sending: each address once, however often or by how many workers delivery runs; blocks honoured at send time."""

import smtplib
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from email.utils import parseaddr

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from larnav.core.testing import make_person
from larnav.newsletters import delivery, services
from larnav.newsletters.models import Delivery, Newsletter, Subscription, Suppression
from larnav.newsletters.testing import make_newsletter, make_subscription, start_sending

pytestmark = pytest.mark.django_db


def newsletter_to_staff(region, n_extra=0, **kwargs):
    for i in range(n_extra):
        make_person(region.consortium, region.tibble, email=f"extra{i}@taby.se")
    return start_sending(make_newsletter(region.consortium, include_staff=True, **kwargs))


def recipients_of_outbox():
    return sorted(parseaddr(address)[1] for message in django_mail.outbox for address in message.to)


def test_a_run_sends_every_recipient_once_and_finishes(region):
    newsletter = newsletter_to_staff(region)
    report = delivery.run(newsletter.pk)
    assert report.sent == 4 and report.finished
    assert recipients_of_outbox() == ["anna@huddinge.se", "erik@ekbacken.se", "sara@stockholm.se", "tove@taby.se"]
    to = message_from_bytes(django_mail.outbox[0].message().as_bytes(), policy=default_policy)["To"]
    assert to.addresses[0].display_name in {"Anna Åström", "Erik Öberg", "Sara Lind", "Tove Berg"}
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.SENT and newsletter.finished_at and newsletter.recipient_count == 4
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}
    assert all(d.sent_at for d in Delivery.objects.all())


def test_running_delivery_again_sends_nothing_twice(region, settings):
    settings.LARNAV_NEWSLETTER_BATCH_SIZE = 2
    newsletter = newsletter_to_staff(region, n_extra=3)
    first = delivery.run(newsletter.pk, max_batches=2)  # the first run hands over after two batches
    assert first.sent == 4 and first.more and not first.finished
    second = delivery.run(newsletter.pk)
    third = delivery.run(newsletter.pk)
    assert (second.sent, third.sent) == (3, 0)
    sent_to = recipients_of_outbox()
    assert len(sent_to) == 7 == len(set(sent_to))


def test_a_newsletter_that_is_not_due_is_not_started(region):
    newsletter = make_newsletter(region.consortium, include_staff=True)
    Newsletter.objects.filter(pk=newsletter.pk).update(status=Newsletter.Status.SCHEDULED,
                                                       send_at=timezone.now() + timedelta(hours=1))
    assert delivery.run(newsletter.pk).sent == 0
    assert delivery.due_newsletters() == []
    assert delivery.run(newsletter.pk, now=timezone.now() + timedelta(hours=2)).sent == 4
    draft = make_newsletter(region.consortium, include_staff=True)
    assert delivery.run(draft.pk).sent == 0 and not Delivery.objects.filter(newsletter=draft).exists()


def test_two_workers_claim_disjoint_rows(region):
    newsletter = newsletter_to_staff(region, n_extra=6)
    delivery.start_if_due(newsletter.pk)
    delivery.materialise(newsletter.pk)
    first, _ = delivery.claim(newsletter, "worker-a", 5)
    second, _ = delivery.claim(newsletter, "worker-b", 5)
    third, _ = delivery.claim(newsletter, "worker-c", 5)
    assert (len(first), len(second), len(third)) == (5, 5, 0)
    assert not {d.pk for d in first} & {d.pk for d in second}


def test_an_address_that_unsubscribes_mid_send_is_not_mailed(region, settings):
    settings.LARNAV_NEWSLETTER_BATCH_SIZE = 2
    newsletter = newsletter_to_staff(region)
    delivery.run(newsletter.pk, max_batches=1)
    assert len(django_mail.outbox) == 2
    later = Delivery.objects.filter(newsletter=newsletter, status=Delivery.Status.PENDING).order_by("pk")
    leaving, staying = later
    services.unsubscribe_by_delivery(leaving.token)
    delivery.run(newsletter.pk)
    assert leaving.email not in " ".join(recipients_of_outbox())
    assert staying.email in " ".join(recipients_of_outbox())
    leaving.refresh_from_db()
    assert leaving.status == Delivery.Status.SUPPRESSED and leaving.sent_at is None
    assert newsletter.__class__.objects.get(pk=newsletter.pk).status == Newsletter.Status.SENT


def test_a_block_written_after_the_rows_were_made_is_honoured_when_the_batch_is_claimed(region):
    newsletter = newsletter_to_staff(region)
    delivery.start_if_due(newsletter.pk)
    delivery.materialise(newsletter.pk)
    # Written directly (not through the service, which also marks the rows): the claim checks again.
    Suppression.objects.create(consortium=region.consortium, email="erik@ekbacken.se",
                               reason=Suppression.Reason.MANUAL)
    report = delivery.run(newsletter.pk)
    assert report.sent == 3 and report.suppressed == 1
    assert "erik@ekbacken.se" not in " ".join(recipients_of_outbox())


def test_an_unsubscribed_address_is_never_mailed_again(region):
    first = newsletter_to_staff(region)
    delivery.run(first.pk)
    anna = Delivery.objects.get(newsletter=first, email="anna@huddinge.se")
    services.unsubscribe_by_delivery(anna.token)
    django_mail.outbox.clear()
    make_subscription(region.consortium, "anna@huddinge.se")  # even if she were still on a list
    second = start_sending(make_newsletter(region.consortium, include_staff=True, include_subscribers=True))
    delivery.run(second.pk)
    assert "anna@huddinge.se" not in " ".join(recipients_of_outbox())
    assert len(django_mail.outbox) == 3
    assert not Delivery.objects.filter(newsletter=second, email="anna@huddinge.se").exists()


def test_stopping_spares_everyone_not_yet_sent_to(region, settings):
    settings.LARNAV_NEWSLETTER_BATCH_SIZE = 1
    newsletter = newsletter_to_staff(region)
    delivery.run(newsletter.pk, max_batches=1)
    assert services.stop(newsletter.pk) == 3
    assert delivery.run(newsletter.pk).sent == 0
    assert len(django_mail.outbox) == 1
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.STOPPED
    assert Delivery.objects.filter(status=Delivery.Status.STOPPED).count() == 3


def test_a_stop_takes_effect_within_the_batch_being_sent(region, settings):
    settings.LARNAV_NEWSLETTER_BATCH_SIZE = 1000
    newsletter = newsletter_to_staff(region, n_extra=delivery.MARK_EVERY * 2)
    connection = django_mail.get_connection()

    class StoppingConnection:
        """Sends, and the coordinator presses stop after the first message."""

        def open(self):
            return False

        def close(self):
            pass

        def send_messages(self, messages):
            if not django_mail.outbox:
                services.stop(newsletter.pk)
            return connection.send_messages(messages)

    delivery.run(newsletter.pk, connection=StoppingConnection())
    assert len(django_mail.outbox) == delivery.MARK_EVERY  # the group under way, then no more
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == delivery.MARK_EVERY
    assert Delivery.objects.filter(status=Delivery.Status.STOPPED).count() == 4 + delivery.MARK_EVERY
    assert not Delivery.objects.filter(status__in=["pending", "sending"]).exists()


def test_rows_left_claimed_by_a_dead_worker_fail_and_are_never_sent_again(region):
    newsletter = newsletter_to_staff(region)
    delivery.start_if_due(newsletter.pk)
    delivery.materialise(newsletter.pk)
    claimed, _ = delivery.claim(newsletter, "dead-worker", 2)  # ...and then the worker died
    later = timezone.now() + timedelta(hours=1)
    report = delivery.run(newsletter.pk, now=later)
    assert report.sent == 2
    for row in claimed:
        row.refresh_from_db()
        assert row.status == Delivery.Status.FAILED and row.error == delivery.INTERRUPTED
    assert len(django_mail.outbox) == 2
    assert Newsletter.objects.get(pk=newsletter.pk).status == Newsletter.Status.SENT


def test_of_a_dead_workers_rows_only_those_it_may_have_sent_fail(region, settings):
    newsletter = newsletter_to_staff(region, n_extra=delivery.MARK_EVERY + 6)
    delivery.start_if_due(newsletter.pk)
    delivery.materialise(newsletter.pk)
    claimed, _ = delivery.claim(newsletter, "dead-worker", delivery.MARK_EVERY + 5)
    report = delivery.run(newsletter.pk, now=timezone.now() + timedelta(hours=1))
    first = [row.pk for row in claimed[:delivery.MARK_EVERY]]
    assert set(Delivery.objects.filter(status=Delivery.Status.FAILED).values_list("pk", flat=True)) == set(first)
    # The five it never reached and the five never claimed are sent, once, by the next run.
    assert report.sent == 10 and len(django_mail.outbox) == 10
    assert Delivery.objects.filter(status=Delivery.Status.SENT, attempts=1).count() == 10


class FlakyConnection:
    """A mail connection whose server refuses some recipients."""

    def __init__(self, refuse: dict[str, tuple[int, bytes]]):
        self.refuse = refuse
        self.sent = []

    def open(self):
        return False

    def close(self):
        pass

    def send_messages(self, messages):
        for message in messages:
            address = message.to[0].split("<")[-1].rstrip(">")
            if address in self.refuse:
                raise smtplib.SMTPRecipientsRefused({address: self.refuse[address]})
            self.sent.append(address)
        return len(messages)


def test_refusals_are_recorded_and_a_missing_mailbox_is_blocked(region):
    newsletter = newsletter_to_staff(region)
    connection = FlakyConnection({"erik@ekbacken.se": (550, b"5.1.1 No such user"),
                                  "sara@stockholm.se": (451, b"4.3.0 Try again later")})
    report = delivery.run(newsletter.pk, connection=connection)
    assert (report.sent, report.failed, report.retrying) == (2, 1, 1)
    erik = Delivery.objects.get(email="erik@ekbacken.se")
    assert erik.status == Delivery.Status.FAILED and "No such user" in erik.error
    assert Suppression.objects.get(email="erik@ekbacken.se").reason == Suppression.Reason.BOUNCED
    sara = Delivery.objects.get(email="sara@stockholm.se")
    assert sara.status == Delivery.Status.PENDING and sara.next_attempt_at > timezone.now()
    assert Newsletter.objects.get(pk=newsletter.pk).status == Newsletter.Status.SENDING
    # The retry, once due, goes out; the refused address is not tried again.
    retry = delivery.run(newsletter.pk, connection=FlakyConnection({}), now=timezone.now() + timedelta(minutes=2))
    assert retry.sent == 1
    assert Newsletter.objects.get(pk=newsletter.pk).status == Newsletter.Status.SENT


def test_a_batch_costs_a_constant_number_of_queries(region, settings, django_assert_max_num_queries):
    settings.LARNAV_NEWSLETTER_BATCH_SIZE = 1000
    newsletter = newsletter_to_staff(region, n_extra=40)
    delivery.start_if_due(newsletter.pk)
    delivery.materialise(newsletter.pk)
    # A fixed cost per run and per batch (claim, block check, mark, fetch; savepoints count too), and one
    # UPDATE per MARK_EVERY messages the server accepted: not a query per message.
    with django_assert_max_num_queries(25 + 44 // delivery.MARK_EVERY + 1):
        assert delivery.run(newsletter.pk).sent == 44


def test_the_message_has_both_parts_and_one_click_unsubscribe_headers(region):
    region.consortium.contact_email = "info@samverkan.se"
    region.consortium.save()
    make_subscription(region.consortium, "reader@example.se", language="en")
    newsletter = start_sending(make_newsletter(region.consortium, include_subscribers=True,
                                               body="# Rubrik\n\nText med [länk](https://example.se).\n\n"
                                                    "<script>alert(1)</script>"))
    delivery.run(newsletter.pk)
    [message] = django_mail.outbox
    row = Delivery.objects.get(email="reader@example.se")
    parsed = message_from_bytes(message.message().as_bytes(), policy=default_policy)
    url = f"http://127.0.0.1:8000/nyhetsbrev/u/{row.token}/"
    assert " ".join(parsed["List-Unsubscribe"].split()) == f"<{url}>, <mailto:info@samverkan.se?subject=Avsluta%20prenumeration%20/%20Unsubscribe>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["Reply-To"] == "info@samverkan.se"
    assert parsed["From"].addresses[0].display_name == str(region.consortium)
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "Text med [länk](https://example.se)" in text and url in text
    assert '<a href="https://example.se"' in html and url in html and "<script>" not in html
    # The frame follows the subscriber's language; the text stays in the author's.
    assert "Unsubscribe" in html and 'lang="en"' in html and 'lang="sv"' in html
    subscription = Subscription.objects.get(email="reader@example.se")
    assert f"/nyhetsbrev/prenumeration/{subscription.token}/" in text
    # Nothing but a random token in the link: no address, no id.
    assert url.split("/u/")[1] == row.token + "/" and len(row.token) >= 32 and "@" not in row.token


def _parts(message):
    parsed = message_from_bytes(message.message().as_bytes(), policy=default_policy)
    headers = {k: " ".join(str(parsed[k]).split()) for k in ("Subject", "To", "From", "Reply-To", "List-Unsubscribe",
                                                              "List-Unsubscribe-Post", "List-Id", "Content-Language")}
    return headers, parsed.get_body(("plain",)).get_content(), parsed.get_body(("html",)).get_content()


@pytest.mark.parametrize("body", ["Kort text med **fetstil** och å, ä, ö.", "Lång rad utan radbrytning. " * 60])
def test_the_reused_serialisation_equals_the_ordinary_one(region, body):
    from larnav.newsletters import mail

    region.consortium.contact_email = "info@samverkan.se"
    region.consortium.save()
    newsletter = start_sending(make_newsletter(region.consortium, include_staff=True, body=body))
    delivery.start_if_due(newsletter.pk)
    delivery.materialise(newsletter.pk)
    row = Delivery.objects.get(email="anna@huddinge.se")
    prepared = mail.prepare(newsletter)
    fast = mail.build(prepared, row)
    prepared.templates = {("sv", "staff"): (None, float("inf"))}  # force the ordinary, per-message way
    ordinary = mail.build(prepared, row)
    assert isinstance(ordinary, mail.SerialisedEmail) is False
    # A part with a line too long for 8bit is quoted-printable: then it is never reused.
    assert isinstance(fast, mail.SerialisedEmail) is (len(body) < 900)
    assert _parts(fast) == _parts(ordinary)
    assert fast.message().as_bytes().count(b"Message-ID:") == 1
