"""Sending a newsletter from the background worker: recipients, then batches, each address once.

A run (``run``, the ``send_newsletter`` job) does, for one newsletter:

1. *Start.* A scheduled newsletter that is due becomes ``sending`` by one
   conditional UPDATE, so two workers never both start it.
2. *Recipients.* The segment is resolved by the database and written as one
   ``Delivery`` row per address in bulk (INSERT … ON CONFLICT DO NOTHING on
   the unique newsletter × address), in one transaction with the count. A run
   that repeats this finds the rows made and adds nothing.
3. *Batches.* Rows are claimed as the outbox claims its messages
   (``larnav.notifications.outbox``): a short transaction takes pending rows
   (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent workers
   take disjoint rows; SQLite's IMMEDIATE transactions serialise the claim)
   and marks them ``sending`` with this worker's id and a lease. In the same
   transaction, rows whose address has been blocked since (unsubscribed a
   minute ago) are marked ``suppressed`` instead: they are never sent. The
   batch goes out over one SMTP connection, kept open across batches; the
   rows the server accepted are marked ``sent``, only if this worker still
   holds them (in groups of ``MARK_EVERY``: one UPDATE per group).

What "never twice" means: a row leaves ``pending`` only through a claim, and
a row that may have reached the server is never claimed again. A worker that
dies leaves its claimed rows ``sending``; when their lease expires, the ones
it may have handed to the server (at most ``MARK_EVERY``, see
``expire_stale_claims``) are marked ``failed`` ("the sending was
interrupted") rather than sent again, and the ones it never reached go back
to ``pending``. So a crash can cost at most ``MARK_EVERY`` messages per
worker, each shown in the log, but never sends one twice. This is stricter than
the outbox, which re-sends such rows: a transactional message that might be
lost is worse than a duplicate, a newsletter sent twice to ten thousand
people is worse than one missing, and the log shows which.

A refusal by the server is recorded on the row: a permanent one (5xx) marks
it ``failed`` with the reason, and "no such mailbox" (550, 551, 553) also
blocks the address for later newsletters; a temporary one (4xx, a dropped
connection) puts the row back with a backoff, up to the outbox's attempts.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from larnav.notifications.outbox import BACKOFF, default_worker_id
from larnav.notifications.outbox import _describe as describe_error
from larnav.notifications.outbox import _is_permanent as is_permanent

from . import mail, selectors
from .models import OPEN_STATUSES, Delivery, Newsletter, Suppression

logger = logging.getLogger(__name__)

INSERT_BATCH = 2000
# Accepted messages are marked sent in groups of this many: a worker killed mid-group leaves at most
# this many rows "interrupted" (failed, not sent again) that did in fact go out.
MARK_EVERY = 20
MAX_BATCHES_PER_RUN = 50  # then the job hands over to a fresh one, so one newsletter never holds a worker long
INTERRUPTED = "The sending was interrupted (the worker stopped); this message may not have arrived."
# "No such mailbox": the address is blocked for later newsletters too.
NO_SUCH_MAILBOX = (550, 551, 553)


def batch_size() -> int:
    return int(getattr(settings, "LARNAV_NEWSLETTER_BATCH_SIZE", 200))


@dataclass
class RunReport:
    recipients: int = 0
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    suppressed: int = 0
    finished: bool = False
    more: bool = False
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("recipients", "claimed", "sent", "failed", "retrying", "suppressed",
                                              "finished", "more")}


# --- 1. Start --------------------------------------------------------------------------------------

def start_if_due(newsletter_id: int, now=None) -> bool:
    now = now or timezone.now()
    return bool(Newsletter.objects.filter(
        pk=newsletter_id, status=Newsletter.Status.SCHEDULED, send_at__lte=now
    ).update(status=Newsletter.Status.SENDING, started_at=now))


# --- 2. Recipients ---------------------------------------------------------------------------------

def materialise(newsletter_id: int) -> int:
    """Write the delivery rows of a newsletter being sent (once); returns how many it has."""
    with transaction.atomic():
        newsletter = Newsletter.objects.select_for_update().get(pk=newsletter_id)
        if newsletter.recipients_at is not None or newsletter.status != Newsletter.Status.SENDING:
            return newsletter.recipient_count
        segment = selectors.Segment.of(newsletter)
        for source, qs in selectors.source_querysets(segment):
            rows = qs.order_by().values_list("address", "recipient_name", "recipient_language", "subscription_ref")
            pending = []
            for address, name, language, subscription_id in rows.iterator(chunk_size=INSERT_BATCH):
                pending.append(Delivery(
                    newsletter_id=newsletter.pk, consortium_id=newsletter.consortium_id, email=address,
                    name=(name or "")[:200], language=language if language in ("sv", "en") else "sv",
                    source=source, subscription_id=subscription_id,
                ))
                if len(pending) >= INSERT_BATCH:
                    Delivery.objects.bulk_create(pending, ignore_conflicts=True)
                    pending = []
            if pending:
                Delivery.objects.bulk_create(pending, ignore_conflicts=True)
        count = Delivery.objects.filter(newsletter=newsletter).count()
        Newsletter.objects.filter(pk=newsletter.pk).update(recipients_at=timezone.now(), recipient_count=count)
    return count


# --- 3. Batches ------------------------------------------------------------------------------------

def expire_stale_claims(newsletter_id: int, now=None) -> int:
    """Rows a dead worker left claimed: those it may have sent fail, the rest wait again.

    A worker sends its claimed rows in primary-key order and records every
    ``MARK_EVERY`` of them before it sends more (a failure at once), so of a
    dead worker's rows still ``sending`` only the first ``MARK_EVERY`` can have
    reached the server. They are marked failed ("interrupted"), never sent
    again; the others were never handed over and go back to ``pending``.
    Returns how many rows were marked failed.
    """
    now = now or timezone.now()
    stale = Delivery.objects.filter(newsletter_id=newsletter_id, status=Delivery.Status.SENDING,
                                    lease_expires_at__lt=now)
    failed = 0
    for worker_id in set(stale.values_list("claimed_by", flat=True)):
        ids = list(stale.filter(claimed_by=worker_id).order_by("pk").values_list("pk", flat=True))
        maybe_sent, untouched = ids[:MARK_EVERY], ids[MARK_EVERY:]
        failed += Delivery.objects.filter(pk__in=maybe_sent, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.FAILED, error=INTERRUPTED, lease_expires_at=None)
        Delivery.objects.filter(pk__in=untouched, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.PENDING, claimed_by="", lease_expires_at=None, attempts=F("attempts") - 1)
    return failed


def claim(newsletter: Newsletter, worker_id: str, limit: int, now=None) -> tuple[list[Delivery], int]:
    """Take up to ``limit`` pending rows for ``worker_id``; returns them and how many were blocked meanwhile."""
    now = now or timezone.now()
    with transaction.atomic():
        due = Delivery.objects.filter(newsletter_id=newsletter.pk, status=Delivery.Status.PENDING).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).order_by("pk")
        if db_connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return [], 0
        blocked = Delivery.objects.filter(pk__in=ids).filter(
            email__in=Suppression.objects.filter(consortium_id=newsletter.consortium_id).values("email"))
        suppressed = blocked.update(status=Delivery.Status.SUPPRESSED, next_attempt_at=None)
        Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SENDING, claimed_by=worker_id,
            lease_expires_at=now + timedelta(seconds=settings.LARNAV_MAIL_LEASE_SECONDS),
            attempts=F("attempts") + 1,
        )
    batch = list(
        Delivery.objects.filter(pk__in=ids, claimed_by=worker_id, status=Delivery.Status.SENDING)
        .annotate(subscription_token=F("subscription__token")).order_by("pk")
    )
    return batch, suppressed


class ConnectionLost(Exception):
    """The mail server cannot be reached: the rest of the batch waits for a later run."""


def _reopen(connection) -> None:
    try:
        connection.close()
    except Exception:  # a dead connection may fail to close; a fresh one is opened next
        pass
    try:
        connection.open()
    except Exception as exc:
        raise ConnectionLost(describe_error(exc)) from exc


def _fail(delivery: Delivery, worker_id: str, exc: BaseException, report: RunReport) -> None:
    reason = describe_error(exc)[:500]
    report.errors.append(reason)
    held = Delivery.objects.filter(pk=delivery.pk, claimed_by=worker_id, status=Delivery.Status.SENDING)
    if is_permanent(exc) or delivery.attempts >= settings.LARNAV_MAIL_MAX_ATTEMPTS:
        held.update(status=Delivery.Status.FAILED, error=reason, lease_expires_at=None)
        report.failed += 1
        codes = [code for code, _ in getattr(exc, "recipients", {}).values()]
        if codes and all(code in NO_SUCH_MAILBOX for code in codes):
            from .services import block_bounced

            block_bounced(delivery.consortium_id, delivery.email, newsletter_id=delivery.newsletter_id,
                          note=reason[:300])
    else:
        delay = BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
        held.update(status=Delivery.Status.PENDING, error=reason, lease_expires_at=None,
                    next_attempt_at=timezone.now() + delay)
        report.retrying += 1


def _release(rows: list[Delivery], worker_id: str) -> None:
    """Rows claimed but never handed to the server: back to pending (they were not sent)."""
    Delivery.objects.filter(pk__in=[d.pk for d in rows], claimed_by=worker_id,
                            status=Delivery.Status.SENDING).update(
        status=Delivery.Status.PENDING, lease_expires_at=None, attempts=F("attempts") - 1,
        next_attempt_at=timezone.now() + BACKOFF[0])


def _connection_problem(exc: BaseException) -> bool:
    """The connection itself failed (not a refusal of this one message): open a new one."""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


class _SentMarks:
    """Rows the server accepted, marked ``sent`` a few at a time (one UPDATE per group, not per message)."""

    def __init__(self, worker_id: str, report: RunReport):
        self.worker_id, self.report, self.ids = worker_id, report, []

    def add(self, delivery_id: int) -> None:
        self.ids.append(delivery_id)
        if len(self.ids) >= MARK_EVERY:
            self.flush()

    def flush(self) -> None:
        if not self.ids:
            return
        Delivery.objects.filter(pk__in=self.ids, claimed_by=self.worker_id, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.SENT, sent_at=timezone.now(), lease_expires_at=None, error="")
        self.report.sent += len(self.ids)
        self.ids = []


def _stopped(newsletter_id: int) -> bool:
    status = Newsletter.objects.filter(pk=newsletter_id).values_list("status", flat=True).first()
    return status != Newsletter.Status.SENDING


def send_batch(prepared: mail.Prepared, batch: list[Delivery], connection, worker_id: str,
               report: RunReport) -> None:
    marks = _SentMarks(worker_id, report)
    try:
        for index, delivery in enumerate(batch):
            try:
                message = mail.build(prepared, delivery)
                message.connection = connection
                connection.send_messages([message])
            except Exception as exc:
                marks.flush()
                _fail(delivery, worker_id, exc, report)
                if _connection_problem(exc):
                    try:
                        _reopen(connection)
                    except ConnectionLost:
                        _release(batch[index + 1:], worker_id)
                        raise
                continue
            marks.add(delivery.pk)
            if not marks.ids and index + 1 < len(batch) and _stopped(delivery.newsletter_id):
                # A coordinator stopped the newsletter: the rest of this batch is not sent either.
                Delivery.objects.filter(pk__in=[d.pk for d in batch[index + 1:]], claimed_by=worker_id,
                                        status=Delivery.Status.SENDING).update(
                    status=Delivery.Status.STOPPED, lease_expires_at=None)
                return
    finally:
        marks.flush()


def finish_if_done(newsletter_id: int) -> bool:
    """A newsletter with no open rows left is sent."""
    with transaction.atomic():
        newsletter = Newsletter.objects.select_for_update().get(pk=newsletter_id)
        if newsletter.status != Newsletter.Status.SENDING or newsletter.recipients_at is None:
            return False
        if Delivery.objects.filter(newsletter_id=newsletter_id, status__in=OPEN_STATUSES).exists():
            return False
        newsletter.status = Newsletter.Status.SENT
        newsletter.finished_at = timezone.now()
        newsletter.save(update_fields=["status", "finished_at", "updated_at"])
    return True


def run(newsletter_id: int, *, worker_id: str | None = None, max_batches: int = MAX_BATCHES_PER_RUN,
        connection=None, now=None) -> RunReport:
    """Send (more of) one newsletter; safe to call any number of times, by any number of workers."""
    worker_id = worker_id or default_worker_id()
    report = RunReport()
    start_if_due(newsletter_id, now)
    status = Newsletter.objects.filter(pk=newsletter_id).values_list("status", flat=True).first()
    if status != Newsletter.Status.SENDING:
        return report
    expire_stale_claims(newsletter_id, now)
    report.recipients = materialise(newsletter_id)
    newsletter = Newsletter.objects.select_related("consortium").get(pk=newsletter_id)
    prepared = mail.prepare(newsletter)
    own_connection = connection is None
    connection = connection or get_connection(fail_silently=False)
    try:
        connection.open()  # one connection for every batch of this run
        for _ in range(max_batches):
            current = Newsletter.objects.filter(pk=newsletter_id).values_list("status", flat=True).first()
            if current != Newsletter.Status.SENDING:
                break  # stopped by a coordinator
            batch, suppressed = claim(newsletter, worker_id, batch_size(), now)
            report.suppressed += suppressed
            if not batch:
                break
            report.claimed += len(batch)
            send_batch(prepared, batch, connection, worker_id, report)
        else:
            report.more = Delivery.objects.filter(newsletter_id=newsletter_id,
                                                  status=Delivery.Status.PENDING).exists()
    finally:
        if own_connection:
            try:
                connection.close()
            except Exception:
                logger.warning("Closing the mail connection failed", exc_info=True)
    report.finished = finish_if_done(newsletter_id)
    return report


def due_newsletters(now=None) -> list[int]:
    """Newsletters that a run should look at now: due to start, or being sent."""
    now = now or timezone.now()
    return list(Newsletter.objects.filter(
        Q(status=Newsletter.Status.SCHEDULED, send_at__lte=now) | Q(status=Newsletter.Status.SENDING)
    ).order_by("send_at", "pk").values_list("pk", flat=True))


def send_tests(newsletter_id: int, addresses: list[str], language: str) -> int:
    newsletter = Newsletter.objects.select_related("consortium").get(pk=newsletter_id)
    prepared = mail.prepare(newsletter)
    messages = [mail.build_test(prepared, address, language) for address in addresses]
    with get_connection(fail_silently=False) as connection:
        return connection.send_messages(messages)
