"""Reads for attendance pages, PDFs and the completion decision, scoped by the permission layer."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from larnav.accounts.permissions import Action, access_for, same_consortium
from larnav.catalog.models import Occasion, Session
from larnav.registrations.models import Registration, RegistrationEvent, Status

from .models import HALF_POINTS, PRESENT_STATUSES, AttendanceRecord, rule_for

# Registrations that hold (or held) a seat: these are on the attendance list.
LISTED_STATUSES = (Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW)
# Attendance can be taken, and participants can check in, from this long before an occasion starts.
OPENS_BEFORE_START = timedelta(minutes=30)
# The trainer's page shows sessions that ended this long ago.
RECENT = timedelta(days=60)
# A coordinator's overview shows sessions from this long ago to this far ahead.
COORDINATOR_PAST = timedelta(days=30)
COORDINATOR_AHEAD = timedelta(days=14)


# --- Who may do what ----------------------------------------------------------------

def is_coordinator(user, consortium_id) -> bool:
    return same_consortium(user, consortium_id) and access_for(user).can(Action.MANAGE_CATALOG)


def is_trainer(user, session: Session) -> bool:
    if not user.is_authenticated:
        return False
    trainers = getattr(session, "_prefetched_objects_cache", {}).get("trainers")
    if trainers is not None:
        return any(t.pk == user.pk for t in trainers)
    return session.trainers.filter(pk=user.pk).exists()


def can_take_attendance(user, session: Session) -> bool:
    """A trainer of the session, or a coordinator of its consortium."""
    if not user.is_authenticated or not same_consortium(user, session.consortium_id):
        return False
    return access_for(user).can(Action.MANAGE_CATALOG) or is_trainer(user, session)


def can_see_attendance_home(user) -> bool:
    access = access_for(user)
    return (access.can(Action.MANAGE_CATALOG) or access.can(Action.TEACH)
            or Session.objects.filter(trainers=user).exists())


def session_for(user, consortium, pk) -> Session | None:
    """The session, if the user may take its attendance; None hides it (a 404)."""
    session = (Session.objects.select_related("activity", "activity__completion_rule", "consortium")
               .prefetch_related("trainers").filter(consortium=consortium, pk=pk).first())
    if session is None or not can_take_attendance(user, session):
        return None
    return session


def occasion_for(user, consortium, pk) -> Occasion | None:
    occasion = (Occasion.objects.select_related("session", "session__activity", "session__consortium")
                .filter(session__consortium=consortium, pk=pk).first())
    if occasion is None or not can_take_attendance(user, occasion.session):
        return None
    return occasion


def check_in_registration(user, occasion: Occasion) -> Registration | None:
    """The signed-in user's own registration on the occasion's session, if it is on the attendance list."""
    person_id = getattr(user, "person_id", None)
    if not user.is_authenticated or not person_id or user.consortium_id != occasion.session.consortium_id:
        return None
    return Registration.objects.filter(session_id=occasion.session_id, person_id=person_id,
                                       status__in=LISTED_STATUSES).first()


def can_download_certificate(user, registration: Registration) -> bool:
    if not user.is_authenticated:
        return False
    if user.person_id and user.person_id == registration.person_id:
        return True
    return is_coordinator(user, registration.consortium_id)


# --- Lists ----------------------------------------------------------------------------

def _with_occasions(qs: QuerySet) -> QuerySet:
    return qs.select_related("activity").prefetch_related(
        Prefetch("occasions", queryset=Occasion.objects.annotate(marked=Count("attendance_records")))
    )


def trainer_sessions(user, now=None) -> dict:
    """The user's own sessions as a trainer: upcoming (not yet ended) and recent."""
    now = now or timezone.now()
    qs = Session.objects.filter(trainers=user, consortium_id=user.consortium_id).exclude(
        status=Session.Status.CANCELLED)
    return {
        "upcoming": list(_with_occasions(qs.filter(last_end__gte=now)).order_by("first_start", "pk")),
        "recent": list(_with_occasions(qs.filter(last_end__lt=now, last_end__gte=now - RECENT))
                       .order_by("-last_end", "-pk")),
    }


def coordinator_sessions(consortium, now=None) -> list[Session]:
    """Sessions of the consortium with an occasion in the coordinator's window, soonest ended first."""
    now = now or timezone.now()
    qs = Session.objects.filter(consortium=consortium, last_end__gte=now - COORDINATOR_PAST,
                                first_start__lte=now + COORDINATOR_AHEAD).exclude(status=Session.Status.CANCELLED)
    return list(_with_occasions(qs).order_by("first_start", "pk")[:200])


def listed_registrations(session) -> QuerySet:
    return (Registration.objects.filter(session=session, status__in=LISTED_STATUSES)
            .select_related("person", "workplace", "municipality"))


def _name_key(text: str) -> str:
    """Swedish alphabetical order: ... z, å, ä, ö; other accents sort with their base letter."""
    folded = unicodedata.normalize("NFC", text or "").casefold().translate(
        str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"}))
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))


def by_name(registrations) -> list[Registration]:
    return sorted(registrations, key=lambda r: (_name_key(r.person.last_name), _name_key(r.person.first_name), r.pk))


def seat_since(registrations) -> dict[int, datetime]:
    """When each registration got its seat: its first confirmation, else when it queued or was made."""
    regs = list(registrations)
    first_confirmed = dict(
        RegistrationEvent.objects.filter(registration__in=[r.pk for r in regs], to_status=Status.CONFIRMED)
        .values_list("registration").annotate(at=Min("at"))
    )
    return {r.pk: first_confirmed.get(r.pk) or r.queued_at or r.created_at for r in regs}


def is_applicable(occasion: Occasion, since: datetime, record: AttendanceRecord | None = None) -> bool:
    """Does this occasion count for a registration that got its seat at ``since``?"""
    if record is not None and record.status in PRESENT_STATUSES:
        return True
    return occasion.end > since


@dataclass
class SheetRow:
    registration: Registration
    record: AttendanceRecord | None
    applicable: bool

    @property
    def status(self) -> str:
        return self.record.status if self.record else ""


def occasion_sheet(occasion: Occasion) -> list[SheetRow]:
    """One row per listed participant of the occasion's session, in Swedish name order."""
    regs = by_name(listed_registrations(occasion.session_id))
    records = {r.registration_id: r for r in AttendanceRecord.objects.filter(occasion=occasion)}
    since = seat_since(regs)
    return [SheetRow(reg, records.get(reg.pk), is_applicable(occasion, since[reg.pk], records.get(reg.pk)))
            for reg in regs]


def occasion_marked_summary(occasion: Occasion) -> dict:
    rows = AttendanceRecord.objects.filter(occasion=occasion).aggregate(n=Count("pk"), last=Max("marked_at"))
    return {"count": rows["n"], "last": rows["last"]}


def attendance_open(occasion: Occasion, now=None) -> bool:
    now = now or timezone.now()
    return now >= occasion.start - OPENS_BEFORE_START


# --- Completion -----------------------------------------------------------------------

@dataclass
class Progress:
    """One registration's attendance over its session, and what the rule makes of it."""

    registration: Registration
    applicable: int = 0
    half_points: int = 0
    # occasion id -> an attendance status, or "unmarked", "not_applicable", "upcoming"
    cells: dict[int, str] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return self.half_points / 2

    @property
    def share_percent(self) -> int | None:
        if not self.applicable:
            return None
        return int(self.half_points * 100 // (2 * self.applicable))

    cell_list: list[str] = field(default_factory=list)  # the cells in the order of the occasions

    def meets(self, required_percent: int) -> bool:
        # score / applicable >= required / 100, in integers.
        return self.applicable > 0 and self.half_points * 100 >= required_percent * 2 * self.applicable


@dataclass
class SessionProgress:
    session: Session
    occasions: list[Occasion]
    rows: list[Progress]
    required_percent: int
    ended: bool
    untaken: list[Occasion]

    @property
    def decidable(self) -> bool:
        return self.ended and not self.untaken and bool(self.occasions)


def session_progress(session: Session, now=None) -> SessionProgress:
    """Attendance of every listed registration of a session, against the activity's rule."""
    now = now or timezone.now()
    occasions = list(Occasion.objects.filter(session=session).annotate(
        marked=Exists(AttendanceRecord.objects.filter(occasion=OuterRef("pk")))).order_by("start", "pk"))
    regs = by_name(listed_registrations(session))
    since = seat_since(regs)
    records: dict[tuple[int, int], AttendanceRecord] = {
        (r.registration_id, r.occasion_id): r
        for r in AttendanceRecord.objects.filter(occasion__session=session, registration__in=[r.pk for r in regs])
    }
    rows = []
    for reg in regs:
        progress = Progress(reg)
        for occasion in occasions:
            record = records.get((reg.pk, occasion.pk))
            if occasion.end > now and record is None:
                progress.cells[occasion.pk] = "upcoming"
            elif is_applicable(occasion, since[reg.pk], record):
                progress.applicable += 1
                progress.half_points += HALF_POINTS.get(record.status, 0) if record else 0
                progress.cells[occasion.pk] = record.status if record else "unmarked"
            else:
                progress.cells[occasion.pk] = "not_applicable"
        progress.cell_list = [progress.cells[o.pk] for o in occasions]
        rows.append(progress)
    ended = bool(occasions) and max(o.end for o in occasions) <= now
    return SessionProgress(
        session=session, occasions=occasions, rows=rows, required_percent=rule_for(session.activity).required_percent,
        ended=ended,
        # Ended occasions nobody has been marked on, though someone on the list should have been.
        untaken=[o for o in occasions if o.end <= now and not o.marked
                 and any(row.cells[o.pk] == "unmarked" for row in rows)],
    )


def sessions_to_decide(now=None, within=timedelta(days=30)) -> QuerySet:
    """Ended sessions, not cancelled, with attendance taken and registrations to decide or re-check."""
    now = now or timezone.now()
    return Session.objects.filter(last_end__lte=now, last_end__gte=now - within).exclude(
        status=Session.Status.CANCELLED).filter(
        Exists(AttendanceRecord.objects.filter(occasion__session=OuterRef("pk"))),
        Exists(Registration.objects.filter(session=OuterRef("pk"), status=Status.CONFIRMED)),
    )


# --- Certificates -------------------------------------------------------------------

CERTIFICATE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
CERTIFICATE_CODE_LENGTH = 10


def normalise_code(raw: str) -> str:
    """What a person typed, as stored: upper case, without spaces or hyphens."""
    return "".join(c for c in (raw or "").upper() if c.isalnum())[:32]


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}" if code and len(code) == CERTIFICATE_CODE_LENGTH else (code or "")


def certificate_registration(token: str) -> Registration | None:
    return (Registration.objects.select_related("person", "session", "session__activity",
                                                "session__activity__provider_municipality", "consortium")
            .filter(token=token).first())


def verified_certificate(code: str) -> Registration | None:
    """The completed registration a certificate code belongs to; None if unknown or no longer completed."""
    code = normalise_code(code)
    if len(code) != CERTIFICATE_CODE_LENGTH:
        return None
    return (Registration.objects.select_related("person", "session", "session__activity")
            .filter(certificate_code=code, status=Status.COMPLETED).first())

