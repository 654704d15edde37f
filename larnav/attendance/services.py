"""Every write about attendance: marking, self check-in, completion, rules and certificate codes.

The completion rule itself is described in ``larnav.attendance.models``. The
outcome of a registration is always written through
``larnav.registrations.services.set_outcome``; deciding a session again with
unchanged attendance changes nothing (no event, no write).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from larnav.catalog.models import Occasion, Session
from larnav.core.exceptions import Refused
from larnav.registrations import services as registration_services
from larnav.registrations.models import Registration, Status

from . import selectors
from .models import PRESENT_STATUSES, AttendanceRecord, AttendanceStatus, CompletionRule


class AttendanceError(Refused):
    code = "attendance_error"


# --- Marking attendance -----------------------------------------------------------------

@dataclass
class Decision:
    """What deciding a session did: how many are completed / no-shows, and which changed."""

    completed: int = 0
    no_show: int = 0
    changed: list[Registration] = field(default_factory=list)


@dataclass
class SaveResult:
    saved: int
    decision: Decision | None


def _lock_session(session_id: int) -> Session:
    return Session.objects.select_for_update().select_related("activity").get(pk=session_id)


@transaction.atomic
def save_attendance(occasion_id: int, marks: dict[int, str], actor, *, now=None) -> SaveResult:
    """Save the attendance list of one occasion: ``marks`` maps registration id to a status.

    Registrations left out keep what they had. When the session's last occasion
    has ended, completion is decided again for everyone on it.
    """
    now = now or timezone.now()
    occasion = Occasion.objects.get(pk=occasion_id)
    session = _lock_session(occasion.session_id)
    if session.status == Session.Status.CANCELLED:
        raise AttendanceError(_("The session is cancelled."))
    if not selectors.attendance_open(occasion, now):
        raise AttendanceError(_("Attendance can be taken from 30 minutes before the occasion starts."))
    listed = set(selectors.listed_registrations(session).values_list("pk", flat=True))
    unknown = set(marks) - listed
    if unknown:
        raise AttendanceError(_("Someone on the list is no longer registered. Reload the page and try again."))
    valid = set(AttendanceStatus.values)
    existing = {r.registration_id: r for r in AttendanceRecord.objects.filter(occasion=occasion,
                                                                               registration_id__in=list(marks))}
    saved = 0
    touched = []
    for registration_id, status in marks.items():
        if status not in valid:
            raise AttendanceError(_("Choose one of the attendance options."))
        record = existing.get(registration_id)
        if record is None:
            AttendanceRecord.objects.create(
                consortium_id=session.consortium_id, registration_id=registration_id, occasion=occasion,
                status=status, method=AttendanceRecord.Method.LIST, marked_by=_user_or_none(actor), marked_at=now,
            )
            saved += 1
            touched.append(registration_id)
        elif record.status != status:
            record.status, record.method = status, AttendanceRecord.Method.LIST
            record.marked_by, record.marked_at = _user_or_none(actor), now
            record.save(update_fields=["status", "method", "marked_by", "marked_at"])
            saved += 1
            touched.append(registration_id)
    refresh_present(Registration.objects.filter(pk__in=touched))
    return SaveResult(saved, _decide(session, actor, now))


def refresh_present(registrations) -> int:
    """Set ``Registration.present`` of ``registrations`` (a queryset) from their attendance records.

    Every write that adds, changes or removes attendance records calls it in the same transaction;
    one UPDATE whatever the number of registrations. Returns how many rows were written."""
    present = Exists(AttendanceRecord.objects.filter(registration=OuterRef("pk"), status__in=PRESENT_STATUSES))
    return registrations.update(present=present)


def _user_or_none(user):
    return user if getattr(user, "pk", None) else None


@transaction.atomic
def evaluate_session(session_id: int, actor=None, *, now=None) -> Decision | None:
    """Decide completed / no-show for every registration on the session; None if it cannot be decided yet.

    It can be decided when the last occasion has ended and attendance has been
    taken on every occasion. Running it again changes only what attendance changed.
    """
    now = now or timezone.now()
    return _decide(_lock_session(session_id), actor, now)


def _decide(session: Session, actor, now) -> Decision | None:
    if session.status == Session.Status.CANCELLED:
        return None
    progress = selectors.session_progress(session, now)
    if not progress.decidable:
        return None
    hours = session.activity.hours
    decision = Decision()
    for row in progress.rows:
        if not row.applicable:
            continue  # nothing this registration could have attended: leave it as it is
        reg = row.registration
        completed = row.meets(progress.required_percent)
        credited = hours if completed else None
        decision.completed += completed
        decision.no_show += not completed
        target = Status.COMPLETED if completed else Status.NO_SHOW
        if reg.status == target and reg.hours_credited == credited:
            continue
        registration_services.set_outcome(reg.pk, completed=completed, hours=credited, actor=_user_or_none(actor),
                                          reason=gettext_noop("Decided from attendance"))
        decision.changed.append(reg)
    return decision


def evaluate_finished_sessions(now=None) -> int:
    """Decide every recently ended session that still has undecided registrations; returns how many were decided."""
    now = now or timezone.now()
    decided = 0
    for session_id in selectors.sessions_to_decide(now).values_list("pk", flat=True):
        if evaluate_session(session_id, now=now) is not None:
            decided += 1
    return decided


# --- Self check-in ----------------------------------------------------------------------

class CheckIn(StrEnum):
    CHECKED_IN = "checked_in"
    ALREADY_MARKED = "already_marked"
    NOT_REGISTERED = "not_registered"
    NOT_OPEN = "not_open"
    CLOSED = "closed"
    INVALID = "invalid"


@dataclass
class CheckInResult:
    outcome: CheckIn
    occasion: Occasion | None = None
    record: AttendanceRecord | None = None


CHECK_IN_SALT = "larnav.attendance.check-in"


def check_in_token(occasion: Occasion) -> str:
    """A signed, time-stamped code for the occasion's QR check-in. It also names the occasion's start,
    so moving the occasion makes earlier codes invalid."""
    return signing.TimestampSigner(salt=CHECK_IN_SALT).sign(f"{occasion.pk}.{int(occasion.start.timestamp())}")


def read_check_in_token(token: str, now=None) -> CheckInResult:
    """The occasion a check-in code is for, and whether it can be used now."""
    now = now or timezone.now()
    signer = signing.TimestampSigner(salt=CHECK_IN_SALT)
    try:
        value = signer.unsign(token)
        occasion_id, start_stamp = (int(part) for part in value.split("."))
    except (signing.BadSignature, ValueError):
        return CheckInResult(CheckIn.INVALID)
    occasion = Occasion.objects.select_related("session", "session__activity").filter(pk=occasion_id).first()
    if occasion is None or int(occasion.start.timestamp()) != start_stamp:
        return CheckInResult(CheckIn.INVALID)
    opens = occasion.start - selectors.OPENS_BEFORE_START
    # A code is made while check-in is open, so it can be no older than the whole window.
    try:
        signer.unsign(token, max_age=occasion.end - opens)
    except signing.SignatureExpired:
        return CheckInResult(CheckIn.CLOSED, occasion)
    if occasion.session.status == Session.Status.CANCELLED:
        return CheckInResult(CheckIn.INVALID)
    if now < opens:
        return CheckInResult(CheckIn.NOT_OPEN, occasion)
    if now > occasion.end:
        return CheckInResult(CheckIn.CLOSED, occasion)
    return CheckInResult(CheckIn.CHECKED_IN, occasion)


@transaction.atomic
def check_in(token: str, user, *, now=None) -> CheckInResult:
    """A signed-in participant checks in through the occasion's QR code: they are marked attended.

    Attendance the trainer has already marked for them is left as it is.
    """
    now = now or timezone.now()
    result = read_check_in_token(token, now)
    if result.outcome != CheckIn.CHECKED_IN:
        return result
    occasion = result.occasion
    _lock_session(occasion.session_id)
    reg = selectors.check_in_registration(user, occasion)
    if reg is None:
        return CheckInResult(CheckIn.NOT_REGISTERED, occasion)
    record, created = AttendanceRecord.objects.get_or_create(
        registration=reg, occasion=occasion,
        defaults={"consortium_id": reg.consortium_id, "status": AttendanceStatus.ATTENDED,
                  "method": AttendanceRecord.Method.CHECK_IN, "marked_by": user, "marked_at": now},
    )
    if created:
        refresh_present(Registration.objects.filter(pk=reg.pk))
    return CheckInResult(CheckIn.CHECKED_IN if created else CheckIn.ALREADY_MARKED, occasion, record)


# --- Completion rules -------------------------------------------------------------------

@transaction.atomic
def save_rule(activity, *, kind: str, share_percent: int | None, actor, now=None) -> tuple[CompletionRule, int]:
    """Set the activity's completion rule and decide its ended sessions again; returns (rule, outcomes changed)."""
    rule = CompletionRule.objects.select_for_update().filter(activity=activity).first() or CompletionRule(
        activity=activity, consortium_id=activity.consortium_id)
    rule.kind = kind
    rule.share_percent = share_percent if kind == CompletionRule.Kind.SHARE else None
    rule.updated_by = _user_or_none(actor)
    rule.full_clean(exclude=["activity", "consortium"])
    rule.save()
    activity.completion_rule = rule
    now = now or timezone.now()
    changed = 0
    for session_id in (Session.objects.filter(activity=activity, last_end__lte=now)
                       .exclude(status=Session.Status.CANCELLED).values_list("pk", flat=True)):
        decision = evaluate_session(session_id, actor, now=now)
        changed += len(decision.changed) if decision else 0
    return rule, changed


# --- Certificates -----------------------------------------------------------------------

def _new_code() -> str:
    return "".join(secrets.choice(selectors.CERTIFICATE_ALPHABET) for _ in range(selectors.CERTIFICATE_CODE_LENGTH))


@transaction.atomic
def ensure_certificate_code(registration_id: int) -> str:
    """The registration's certificate code, made the first time a certificate is produced.

    Only ``certificate_code`` is written, and only while it is empty.
    """
    reg = Registration.objects.select_for_update().only("pk", "status", "certificate_code").get(pk=registration_id)
    if reg.certificate_code:
        return reg.certificate_code
    if reg.status != Status.COMPLETED:
        raise AttendanceError(_("A certificate is issued when the participant has completed the activity."))
    for _attempt in range(8):
        code = _new_code()
        try:
            with transaction.atomic():
                Registration.objects.filter(pk=reg.pk, certificate_code__isnull=True).update(certificate_code=code)
        except IntegrityError:
            continue  # the code is taken (one in 10^15): draw another
        return code
    raise RuntimeError("could not draw a free certificate code")
