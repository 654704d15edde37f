"""The transactional outbox: queue e-mail with the change that causes it, send it after the commit.

Queuing (the public API)::

    from larnav.notifications.outbox import queue_message

    with transaction.atomic():
        ...the change...
        queue_message("registration_confirmed", to=registration.person,
                      context={"registration": registration.pk})

``queue_message`` writes one row (one INSERT) in the current transaction and
renders nothing: a rolled-back change leaves no message, and the caller's
locks are not held while templates render or SMTP answers. After the commit
the delivery task is woken (once per transaction); the worker also sweeps the
outbox every minute, so a message whose wake-up was lost still goes out.

Delivery (``deliver_due``) and what "sent once" means here:

1. *Claim.* One short transaction picks due rows (``SELECT … FOR UPDATE SKIP
   LOCKED`` on PostgreSQL, so concurrent workers take disjoint rows; SQLite's
   IMMEDIATE transactions serialise the claim) and marks them ``sending``
   with this worker's id and a lease (``LARNAV_MAIL_LEASE_SECONDS``).
2. *Send.* Each claimed row is rendered and handed to the mail backend with a
   Message-ID derived from the row (``<outbox-<uuid>@…>``).
3. *Mark.* Right after the SMTP server accepted it, one UPDATE marks the row
   ``sent`` and stores what was sent, only if this worker still holds it.

A worker that dies (killed, machine lost) leaves its rows ``sending``; when
the lease expires, the next sweep claims them again. Rows not yet handed to
SMTP are then sent for the first time, so nothing is lost and nothing that
was not accepted is counted as sent. The one remaining window is between the
SMTP server's "250 accepted" and the UPDATE in step 3 (milliseconds, one
message per worker at most): a crash exactly there sends that message again.
This is at-least-once delivery, the best SMTP allows (it has no two-phase
commit); the re-sent copy carries the same Message-ID, so mail systems and
clients that de-duplicate by Message-ID show it once, and the row's
``attempts`` records that it was tried twice.

Failures never touch the change behind the message (that transaction
committed long before). A failed attempt is retried with backoff (1 min,
5 min, 30 min, 2 h, 6 h) up to ``LARNAV_MAIL_MAX_ATTEMPTS``; a permanent
refusal (5xx) or the last attempt marks the row ``failed`` with the reason,
which coordinators see on the failed-jobs page and can retry.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import kinds, queries
from .models import MessageStatus, OutgoingMessage

logger = logging.getLogger(__name__)

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=6))


# --- Queuing ---------------------------------------------------------------------------------------


def queue_message(kind: str, *, to, context: dict | None = None, consortium=None, language: str | None = None,
                  dedupe_key: str | None = None, send_after: datetime | None = None) -> OutgoingMessage | None:
    """Record an e-mail to send once the current transaction commits.

    ``kind``: a registered message kind (larnav.notifications.kinds).
    ``to``: a User or Person (address, name, language and consortium are taken
    from it), or an e-mail address as a string.
    ``context``: JSON-serialisable ids and values the kind's renderer reads at
    send time, e.g. ``{"registration": 17}``. Keep it small; render nothing here.
    ``language``: overrides the recipient's language ("sv" or "en").
    ``dedupe_key``: at most one message is ever queued per key (a second call
    with the same key does nothing); use it for reminders and other repeats.
    ``send_after``: do not send before this time.

    Returns the queued row, or None when the recipient has no e-mail address.
    With a ``dedupe_key`` the row is written with ON CONFLICT DO NOTHING and
    the returned object has no primary key.
    """
    kinds.get(kind)  # an unknown kind is a programming error: fail where it is made
    message = _new_message(kind, to, context, getattr(consortium, "pk", consortium), language, dedupe_key,
                           send_after or timezone.now())
    if message is None:
        return None
    if dedupe_key:
        OutgoingMessage.objects.bulk_create([message], ignore_conflicts=True)
    else:
        queries.insert_message(message)
    _wake_after_commit()
    return message


def queue_bulk(kind: str, items, *, consortium=None, language: str | None = None,
               send_after: datetime | None = None) -> int:
    """Queue one message per ``(to, context)`` in ``items`` with a single INSERT; returns how many.

    The same rules as ``queue_message`` (recipients without an address are
    left out), for the messages that go to many at once (a session changed or
    cancelled, a newsletter). Use ``queue_message`` when you need a dedupe key.
    """
    kinds.get(kind)
    consortium_id = getattr(consortium, "pk", consortium)
    rows = []
    due = send_after or timezone.now()
    for to, context in items:
        message = _new_message(kind, to, context, consortium_id, language, None, due)
        if message is not None:
            rows.append(message)
    if not rows:
        return 0
    OutgoingMessage.objects.bulk_create(rows)
    _wake_after_commit()
    return len(rows)


def _new_message(kind, to, context, consortium_id, language, dedupe_key, due) -> OutgoingMessage | None:
    if isinstance(to, str):
        email, name, recipient_language, recipient_consortium = to, "", None, None
    else:
        email = getattr(to, "email", "") or ""
        name = _name_of(to)
        recipient_language = getattr(to, "language", None)
        recipient_consortium = getattr(to, "consortium_id", None)
    if not email:
        return None
    return OutgoingMessage(
        kind=kind,
        to_email=email,
        to_name=name[:200],
        language=(language or recipient_language or settings.LANGUAGE_CODE)[:8],
        context=context or {},
        consortium_id=consortium_id if consortium_id is not None else recipient_consortium,
        dedupe_key=dedupe_key,
        next_attempt_at=due,
    )


def _name_of(recipient) -> str:
    full_name = getattr(recipient, "full_name", None)
    if isinstance(full_name, str):
        return full_name
    get_full_name = getattr(recipient, "get_full_name", None)
    if callable(get_full_name):
        return get_full_name()
    return ""


def _wake() -> None:
    from .tasks import deliver_outbox

    if settings.LARNAV_TASKS_BACKEND == "database":
        # A delivery job that has not started yet will see this commit's messages: one is enough.
        if queries.delivery_job_waiting(deliver_outbox.module_path):
            return
    deliver_outbox.enqueue()


def _wake_after_commit() -> None:
    """Enqueue one delivery task when the current transaction commits (at once outside one)."""
    conn = transaction.get_connection()
    if conn.in_atomic_block:
        # A wake-up registered under savepoints that are all still open runs with this commit too.
        # (One registered in an atomic block that has since been left is not counted: it may
        # belong to a scope that is done with, as in tests that wrap everything in one transaction.)
        open_savepoints = set(conn.savepoint_ids)
        if any(func is _wake and sids <= open_savepoints for sids, func, _ in conn.run_on_commit):
            return
    # robust: if the queue is unreachable the commit still stands; the worker's sweep sends the mail.
    transaction.on_commit(_wake, robust=True)


def wake() -> None:
    """Ask for a delivery run after the current transaction (e.g. after a retry by hand)."""
    _wake_after_commit()


# --- Delivery --------------------------------------------------------------------------------------


def default_worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _due_q(now) -> Q:
    return Q(status=MessageStatus.QUEUED, next_attempt_at__lte=now) | Q(
        status=MessageStatus.SENDING, lease_expires_at__lt=now
    )


def claim(worker_id: str, limit: int, now=None) -> list[OutgoingMessage]:
    """Take up to ``limit`` due messages for ``worker_id`` (see the module's docstring, step 1)."""
    now = now or timezone.now()
    with transaction.atomic():
        due = OutgoingMessage.objects.filter(_due_q(now)).order_by("next_attempt_at", "id")
        if db_connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        OutgoingMessage.objects.filter(id__in=ids).update(
            status=MessageStatus.SENDING,
            claimed_by=worker_id,
            lease_expires_at=now + timedelta(seconds=settings.LARNAV_MAIL_LEASE_SECONDS),
            attempts=F("attempts") + 1,
        )
    return list(OutgoingMessage.objects.filter(id__in=ids, claimed_by=worker_id).order_by("next_attempt_at", "id"))


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        for name in ("claimed", "sent", "retrying", "failed", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)

    def as_dict(self) -> dict:
        return {"claimed": self.claimed, "sent": self.sent, "retrying": self.retrying, "failed": self.failed,
                "skipped": self.skipped}


class PermanentFailure(Exception):
    """Retrying will not help: the server refused the recipient or the message for good."""


def _is_permanent(exc: BaseException) -> bool:
    if isinstance(exc, PermanentFailure):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600 and not isinstance(exc, smtplib.SMTPServerDisconnected)


def _describe(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"[:2000]


def deliver_due(*, worker_id: str | None = None, limit: int | None = None, now=None) -> DeliveryReport:
    """Claim one batch of due messages and send it; returns what happened."""
    from .rendering import build_email  # imports the kinds' modules

    worker_id = worker_id or default_worker_id()
    batch = claim(worker_id, limit or settings.LARNAV_MAIL_BATCH_SIZE, now)
    report = DeliveryReport(claimed=len(batch))
    if not batch:
        return report
    mail = get_connection(fail_silently=False)
    try:
        for message in batch:
            _deliver_one(message, mail, worker_id, report, build_email)
    finally:
        try:
            mail.close()
        except Exception:  # a dead connection at the end must not hide what was sent
            logger.warning("Closing the mail connection failed", exc_info=True)
    return report


def _deliver_one(message: OutgoingMessage, mail, worker_id: str, report: DeliveryReport, build_email) -> None:
    try:
        built = build_email(message)
    except Exception as exc:
        logger.exception("Could not render outgoing message %s", message.pk)
        _record_failure(message, worker_id, exc, report)
        return
    if built is None:
        OutgoingMessage.objects.filter(pk=message.pk, claimed_by=worker_id, status=MessageStatus.SENDING).update(
            status=MessageStatus.SKIPPED, lease_expires_at=None,
            last_error="The registration, session or account behind this message no longer exists.",
        )
        report.skipped += 1
        return
    email, rendered = built
    try:
        mail.send_messages([email])
    except Exception as exc:
        # The connection may be half-open after an error: start the next message on a fresh one.
        try:
            mail.close()
        except Exception:
            pass
        _record_failure(message, worker_id, exc, report)
        return
    text, html = rendered.stored()
    changes = {}
    if rendered.secrets:
        # A token in the context (a sign-in link's) is not kept once it has been sent.
        changes["context"] = {k: v for k, v in message.context.items() if k != "token"}
    marked = OutgoingMessage.objects.filter(
        pk=message.pk, claimed_by=worker_id, status=MessageStatus.SENDING
    ).update(
        status=MessageStatus.SENT, sent_at=timezone.now(), lease_expires_at=None, last_error="",
        subject=rendered.subject[:998], body_text=text, body_html=html, calendar=rendered.calendar, **changes,
    )
    if not marked:
        logger.warning("Outgoing message %s was sent after its lease expired", message.pk)
    report.sent += 1


def _record_failure(message: OutgoingMessage, worker_id: str, exc: BaseException, report: DeliveryReport) -> None:
    reason = _describe(exc)
    report.errors.append(reason)
    now = timezone.now()
    permanent = _is_permanent(exc)
    if permanent or message.attempts >= settings.LARNAV_MAIL_MAX_ATTEMPTS:
        changes = {"status": MessageStatus.FAILED}
        report.failed += 1
    else:
        delay = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
        changes = {"status": MessageStatus.QUEUED, "next_attempt_at": now + delay}
        report.retrying += 1
    OutgoingMessage.objects.filter(pk=message.pk, claimed_by=worker_id, status=MessageStatus.SENDING).update(
        lease_expires_at=None, last_error=reason, **changes
    )


def build_message(message: OutgoingMessage, subject: str, text: str, html: str,
                  calendar=None) -> EmailMultiAlternatives:
    """The e-mail for an outbox row: both parts, the row's Message-ID, the invitation if any.

    With a calendar the structure is the one Google Calendar itself sends and
    Outlook reads as an invitation: multipart/alternative with text/plain,
    text/html and text/calendar (carrying METHOD), plus an invite.ics attachment.
    """
    email = EmailMultiAlternatives(
        subject=subject, body=text, from_email=None, to=[message.to_email],
        headers={"Message-ID": message.message_id, "Auto-Submitted": "auto-generated",
                 "Content-Language": message.language},
    )
    email.attach_alternative(html, "text/html")
    if calendar is not None:
        content = calendar.content.decode("utf-8")
        # Django writes the subtype verbatim: "text/calendar; method=REQUEST; charset=utf-8".
        email.attach_alternative(content, f"text/calendar; method={calendar.method}")
        email.attach("invite.ics", content, "application/ics")
    return email


def has_due(now=None) -> bool:
    return OutgoingMessage.objects.filter(_due_q(now or timezone.now())).exists()
