"""Writes to the catalog. Every write is transactional and the business rules live here.

Views and the API call these functions; a rule broken raises
``django.core.exceptions.ValidationError`` with a dict of messages keyed by
field name ("occasions" and "quotas" for the session's rows).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from larnav.notifications.outbox import queue_bulk

from . import cache, signals
from .models import (
    MAX_CAPACITY,
    Activity,
    CalendarFeedToken,
    FocusArea,
    InterestRegistration,
    Occasion,
    Session,
    SessionQuota,
)
from .selectors import LOCAL_OWNER_TYPES, STOCKHOLM, has_open_session, hash_feed_token
from .text import fold, swedish_sort_key

logger = logging.getLogger(__name__)

MAX_OCCASIONS = 60
MAX_SERIES_COUNT = 52
MAX_SERIES_INTERVAL_WEEKS = 52
# Statuses a manager chooses; "full" follows from the seat counters, "cancelled" from cancel_session.
EDITABLE_STATUSES = (Session.Status.PLANNED, Session.Status.OPEN, Session.Status.COMPLETED)
OPEN_STATUSES = (Session.Status.OPEN, Session.Status.FULL)


@dataclass
class OccasionInput:
    """One occasion as entered: aware datetimes and where. ``pk`` keeps an existing occasion's identity
    (and so its calendar UID)."""

    start: datetime
    end: datetime
    place: str = ""
    address: str = ""
    digital_link: str = ""
    pk: int | None = None


def local_datetime(day: date, at: time) -> datetime:
    """``day`` at wall-clock ``at`` in Stockholm, whatever the daylight saving time that day."""
    return datetime.combine(day, at, tzinfo=STOCKHOLM)


def _local_date(value: datetime) -> date:
    return timezone.localtime(value, STOCKHOLM).date()


def _local_time(value: datetime) -> time:
    return timezone.localtime(value, STOCKHOLM).time().replace(tzinfo=None)


def _when(value: datetime) -> str:
    return formats.date_format(timezone.localtime(value, STOCKHOLM), "DATETIME_FORMAT")


# --- Activities and focus areas -------------------------------------------------

def refresh_search_fields(activity: Activity) -> None:
    """Recompute the case-folded search text and the Swedish sort key (after the M2M rows are saved)."""
    focus = " ".join(activity.focus_areas.values_list("name", flat=True))
    provider = activity.provider_name
    if activity.provider_municipality_id:
        provider += " " + activity.provider_municipality.name
    activity.search_text = fold(" ".join(
        part for part in (activity.title, activity.description, focus, provider, activity.language_notes) if part
    ))
    activity.sort_title = swedish_sort_key(activity.title)[:200]
    Activity.objects.filter(pk=activity.pk).update(search_text=activity.search_text, sort_title=activity.sort_title)


@transaction.atomic
def save_activity(activity: Activity, *, focus_areas=None, target_occupations=None, user=None) -> Activity:
    """Validate and save an activity with its focus areas and target occupations.

    A focus area must be one of the consortium's active ones (or already linked).
    Changing the title raises the calendar SEQUENCE of the activity's sessions.
    """
    is_new = activity.pk is None
    old_title = None if is_new else Activity.objects.filter(pk=activity.pk).values_list("title", flat=True).first()
    if focus_areas is not None:
        focus_areas = list(focus_areas)
        linked = set() if is_new else set(activity.focus_areas.values_list("pk", flat=True))
        allowed = set(FocusArea.objects.filter(consortium_id=activity.consortium_id, is_active=True)
                      .values_list("pk", flat=True)) | linked
        unknown = [fa for fa in focus_areas if fa.pk not in allowed or fa.consortium_id != activity.consortium_id]
        if unknown:
            raise ValidationError({"focus_areas": _("Unknown focus area: choose one from the list.")})
    activity.full_clean(exclude=["consortium", "created_by"])
    if is_new and user is not None and getattr(user, "is_authenticated", False):
        activity.created_by = user
    if activity.status == Activity.Status.PUBLISHED and activity.published_at is None:
        activity.published_at = timezone.now()
    activity.save()
    if focus_areas is not None:
        activity.focus_areas.set(focus_areas)
    if target_occupations is not None:
        activity.target_occupations.set(target_occupations)
    refresh_search_fields(activity)
    if old_title is not None and old_title != activity.title:
        Session.objects.filter(activity=activity).update(sequence=F("sequence") + 1, updated_at=timezone.now())
    cache.invalidate(activity.consortium_id)
    return activity


# Which status changes are allowed, and on what condition (checked in set_activity_status).
ACTIVITY_TRANSITIONS = {
    Activity.Status.DRAFT: {Activity.Status.PUBLISHED, Activity.Status.ARCHIVED},
    Activity.Status.PUBLISHED: {Activity.Status.ARCHIVED, Activity.Status.DRAFT},
    Activity.Status.ARCHIVED: {Activity.Status.PUBLISHED},
}


@transaction.atomic
def set_activity_status(activity: Activity, status: str, now=None) -> Activity:
    """Publish, archive or withdraw (back to draft) an activity.

    An activity with upcoming sessions cannot be archived (cancel them first),
    and one with sessions cannot go back to draft.
    """
    now = now or timezone.now()
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    current = Activity.Status(activity.status)
    if status not in Activity.Status.values or status not in ACTIVITY_TRANSITIONS[current]:
        raise ValidationError({"status": _("The activity cannot go from %(old)s to %(new)s.") % {
            "old": current.label, "new": Activity.Status(status).label if status in Activity.Status.values else status,
        }})
    if status == Activity.Status.ARCHIVED and activity.sessions.filter(last_end__gte=now).exclude(
            status__in=(Session.Status.CANCELLED, Session.Status.COMPLETED)).exists():
        raise ValidationError({"status": _("The activity has upcoming sessions: cancel them before archiving it.")})
    if status == Activity.Status.DRAFT and activity.sessions.exists():
        raise ValidationError({"status": _("The activity has sessions and must stay published; archive it instead.")})
    activity.status = status
    if status == Activity.Status.PUBLISHED and activity.published_at is None:
        activity.published_at = now
    activity.save(update_fields=["status", "published_at", "updated_at"])
    cache.invalidate(activity.consortium_id)
    return activity


@transaction.atomic
def delete_activity(activity: Activity) -> None:
    """Delete an activity that has never had a session (otherwise archive it)."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.sessions.exists():
        raise ValidationError(_("The activity has sessions and cannot be deleted; archive it instead."))
    activity.delete()
    cache.invalidate(activity.consortium_id)


@transaction.atomic
def save_focus_area(focus_area: FocusArea) -> FocusArea:
    """Validate and save a focus area; a new name is searchable in its activities at once."""
    old_name = None
    if focus_area.pk:
        old_name = FocusArea.objects.filter(pk=focus_area.pk).values_list("name", flat=True).first()
    focus_area.name = " ".join(focus_area.name.split())
    focus_area.full_clean(exclude=["consortium"])
    focus_area.save()
    if old_name is not None and old_name != focus_area.name:
        for activity in focus_area.activities.select_related("provider_municipality"):
            refresh_search_fields(activity)
    cache.invalidate(focus_area.consortium_id)
    return focus_area


# --- Sessions -------------------------------------------------------------------

def _calendar_fingerprint(session: Session, activity_title: str, occasions) -> tuple:
    """What a calendar shows of a session; a change raises SEQUENCE."""
    return (
        session.status, activity_title, session.name,
        tuple((o.start, o.end, o.place, o.address, o.digital_link) for o in occasions),
    )


def validate_occasions(occasions: list[OccasionInput], *, is_new: bool, now: datetime) -> list[str]:
    """Messages for occasions that are not acceptable; empty when they are."""
    errors = []
    if not occasions:
        return [_("A session needs at least one occasion.")]
    if len(occasions) > MAX_OCCASIONS:
        return [_("A session can have at most %(n)d occasions.") % {"n": MAX_OCCASIONS}]
    for occasion in occasions:
        if occasion.end <= occasion.start:
            errors.append(_("The occasion starting %(when)s must end after it starts.") % {"when": _when(occasion.start)})
        if not (occasion.place or "").strip() and not (occasion.digital_link or "").strip():
            errors.append(_("The occasion starting %(when)s needs a place or a digital link.")
                          % {"when": _when(occasion.start)})
        if is_new and occasion.start < now:
            errors.append(_("The occasion starting %(when)s is in the past; a new session must be in the future.")
                          % {"when": _when(occasion.start)})
    ordered = sorted(occasions, key=lambda o: (o.start, o.end))
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.start < before.end:
            errors.append(_("The occasions starting %(first)s and %(second)s overlap.")
                          % {"first": _when(before.start), "second": _when(after.start)})
    return errors


def _validate_session(session: Session, occasions, quotas, trainers, *, is_new, confirmed_count, now) -> dict:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    occasion_errors = validate_occasions(occasions, is_new=is_new, now=now)
    if occasion_errors:
        errors["occasions"] = occasion_errors
    if session.capacity is None or session.capacity < 1:
        add("capacity", _("A session needs at least one seat."))
    elif session.capacity > MAX_CAPACITY:
        add("capacity", _("At most %(max)d seats: check the number.") % {"max": MAX_CAPACITY})
    elif session.capacity < confirmed_count:
        add("capacity", _(
            "%(count)d participants are already confirmed, so the capacity cannot be lower than %(count)d. "
            "Cancel registrations first, or keep the capacity."
        ) % {"count": confirmed_count})
    owner = session.owner_municipality
    if owner is not None and (owner.consortium_id != session.consortium_id or owner.type not in LOCAL_OWNER_TYPES):
        add("owner_municipality", _("Choose a municipality or city district of this consortium."))
    if session.local_staff_only and owner is None:
        add("local_staff_only", _("Only a local session can be limited to a municipality's staff."))
    if session.status not in Session.Status.values:
        add("status", _("Unknown status."))
    if occasions and not occasion_errors:
        first_start = min(o.start for o in occasions)
        if session.registration_opens and session.registration_closes and \
                session.registration_closes <= session.registration_opens:
            add("registration_closes", _("Registration must close after it opens."))
        if session.registration_closes and session.registration_closes > first_start:
            add("registration_closes", _("Registration must close before the first occasion starts (%(when)s).")
                % {"when": _when(first_start)})
        if session.registration_opens and session.registration_opens >= first_start:
            add("registration_opens", _("Registration must open before the first occasion starts (%(when)s).")
                % {"when": _when(first_start)})
        if session.cancellation_deadline and session.cancellation_deadline > first_start:
            add("cancellation_deadline", _("The last day to cancel must be before the first occasion (%(when)s).")
                % {"when": _when(first_start)})
    seen = set()
    for municipality, seats in quotas:
        if municipality.consortium_id != session.consortium_id or municipality.type not in LOCAL_OWNER_TYPES:
            add("quotas", _("%(name)s is not a municipality of this consortium.") % {"name": municipality.name})
        if municipality.pk in seen:
            add("quotas", _("%(name)s has more than one quota.") % {"name": municipality.name})
        seen.add(municipality.pk)
        if seats is None or seats < 1:
            add("quotas", _("A quota needs at least one seat (%(name)s).") % {"name": municipality.name})
        elif session.capacity and seats > session.capacity:
            # A quota caps one municipality's seats; together they may add up to more than the capacity.
            add("quotas", _("The quota for %(name)s (%(seats)d seats) is more than the capacity (%(capacity)d).")
                % {"name": municipality.name, "seats": seats, "capacity": session.capacity})
        if session.local_staff_only and owner is not None and municipality.pk != owner.pk:
            add("quotas", _("The session is only for %(owner)s's staff; a quota for %(name)s makes no sense.")
                % {"owner": owner.name, "name": municipality.name})
    for trainer in trainers or ():
        if trainer.consortium_id != session.consortium_id:
            add("trainers", _("A trainer must belong to this consortium."))
            break
    return errors


def _occasion_rows(session: Session, occasions: list[OccasionInput]) -> None:
    """Make the session's occasions exactly ``occasions``; existing rows keep their ids."""
    existing = {o.pk: o for o in session.occasions.all()}
    keep = set()
    to_create, to_update = [], []
    for data in sorted(occasions, key=lambda o: (o.start, o.end)):
        values = {"start": data.start, "end": data.end, "place": (data.place or "").strip(),
                  "address": (data.address or "").strip(), "digital_link": (data.digital_link or "").strip()}
        row = existing.get(data.pk) if data.pk else None
        if row is not None and row.pk not in keep:
            keep.add(row.pk)
            if any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                to_update.append(row)
        else:
            to_create.append(Occasion(session=session, **values))
    removed = [pk for pk in existing if pk not in keep]
    if removed:
        Occasion.objects.filter(pk__in=removed).delete()
        signals.occasions_removed.send(sender=Session, session_id=session.pk)
    if to_update:
        Occasion.objects.bulk_update(to_update, ["start", "end", "place", "address", "digital_link"])
    if to_create:
        Occasion.objects.bulk_create(to_create)


@transaction.atomic
def save_session(session: Session, *, occasions: list[OccasionInput], quotas=(), trainers=None,
                 now=None) -> Session:
    """Create or update a session with its occasions, quotas and trainers.

    Rules: at least one occasion, each ending after it starts, none
    overlapping; a new session lies wholly in the future; capacity between 1
    and 10,000 and never below the confirmed registrations (read under a row
    lock, so a registration arriving meanwhile is counted); registration closes
    before the first occasion; no quota (a cap on one municipality's seats) is
    above the capacity. The seat
    counters are never written here. When the session opens for registration,
    the activity's interest list is told.
    """
    now = now or timezone.now()
    quotas = [(m, s) for m, s in quotas]
    trainers = list(trainers) if trainers is not None else None
    is_new = session.pk is None
    session.consortium_id = session.activity.consortium_id
    if is_new:
        old, old_fingerprint, confirmed = None, None, 0
        session.confirmed_count = session.waitlist_count = session.sequence = 0
    else:
        old = Session.objects.select_for_update().get(pk=session.pk)
        old_fingerprint = _calendar_fingerprint(old, session.activity.title, old.occasions.all())
        # The counters belong to the registration service: keep what is in the database.
        session.confirmed_count, session.waitlist_count = old.confirmed_count, old.waitlist_count
        session.sequence, session.uid, session.cancelled_at = old.sequence, old.uid, old.cancelled_at
        confirmed = old.confirmed_count
        if old.status == Session.Status.CANCELLED:
            session.status = Session.Status.CANCELLED  # cancelled stays cancelled
    if session.status == Session.Status.FULL:
        session.status = Session.Status.OPEN
    if session.status == Session.Status.CANCELLED and (old is None or old.status != Session.Status.CANCELLED):
        raise ValidationError({"status": _("Use “Cancel session” to cancel a session.")})
    errors = _validate_session(session, occasions, quotas, trainers, is_new=is_new, confirmed_count=confirmed, now=now)
    if errors:
        raise ValidationError(errors)
    session.full_clean(exclude=["consortium", "activity", "trainers"], validate_constraints=False)

    if session.status in OPEN_STATUSES:
        session.status = Session.Status.FULL if session.confirmed_count >= session.capacity else Session.Status.OPEN
    ordered = sorted(occasions, key=lambda o: (o.start, o.end))
    session.first_start = ordered[0].start
    session.last_end = max(o.end for o in ordered)
    session.is_digital = any((o.digital_link or "").strip() for o in ordered)
    session.is_physical = any((o.place or "").strip() for o in ordered)
    calendar_changed = not is_new and _calendar_fingerprint(session, session.activity.title, ordered) != old_fingerprint
    if calendar_changed:
        session.sequence += 1
    session.save()
    _occasion_rows(session, occasions)
    SessionQuota.objects.filter(session=session).delete()
    SessionQuota.objects.bulk_create(SessionQuota(session=session, municipality=m, seats=s) for m, s in quotas)
    if trainers is not None:
        session.trainers.set(trainers)
    if not is_new:
        signals.seats_may_have_freed.send(sender=Session, session_id=session.pk)
    if calendar_changed and session.status != Session.Status.CANCELLED:
        signals.session_changed.send(sender=Session, session_id=session.pk)
    was_open = old is not None and old.status in OPEN_STATUSES
    if session.status in OPEN_STATUSES and not was_open:
        notify_interest_list(session)
    cache.invalidate(session.consortium_id)
    return session


def _shift(value: datetime | None, days: int) -> datetime | None:
    """Move ``value`` by whole days, keeping its Stockholm wall-clock time."""
    if value is None:
        return None
    return local_datetime(_local_date(value) + timedelta(days=days), _local_time(value))


def _clone(session: Session, **overrides) -> Session:
    skip = {"id", "uid", "sequence", "confirmed_count", "waitlist_count", "cancelled_at", "created_at", "updated_at",
            "first_start", "last_end", "is_digital", "is_physical"}
    values = {f.attname: getattr(session, f.attname) for f in Session._meta.concrete_fields if f.attname not in skip}
    values.update(overrides)
    return Session(**values)


@transaction.atomic
def copy_session(session: Session, first_day: date, *, name: str | None = None, now=None) -> Session:
    """A new session like ``session`` whose first occasion is on ``first_day``.

    Every occasion, the registration window and the cancellation deadline move
    by the same number of days and keep their wall-clock times (also across a
    change to or from daylight saving time). Trainers and quotas are copied;
    the copy starts as planned, with no registrations.
    """
    occasions = list(session.occasions.order_by("start", "pk"))
    if not occasions:
        raise ValidationError({"occasions": _("The session has no occasions to copy.")})
    days = (first_day - _local_date(occasions[0].start)).days
    copy = _clone(
        session, status=Session.Status.PLANNED, name=session.name if name is None else name,
        registration_opens=_shift(session.registration_opens, days),
        registration_closes=_shift(session.registration_closes, days),
        cancellation_deadline=_shift(session.cancellation_deadline, days),
    )
    copy.activity = session.activity
    inputs = [OccasionInput(start=_shift(o.start, days), end=_shift(o.end, days), place=o.place, address=o.address,
                            digital_link=o.digital_link) for o in occasions]
    quotas = [(q.municipality, q.seats) for q in session.quotas.select_related("municipality")]
    return save_session(copy, occasions=inputs, quotas=quotas, trainers=list(session.trainers.all()), now=now)


def series_dates(first_day: date, interval_weeks: int, count: int) -> list[date]:
    """``count`` dates, ``interval_weeks`` apart, from ``first_day`` (every second Tuesday: interval 2)."""
    if not 1 <= interval_weeks <= MAX_SERIES_INTERVAL_WEEKS:
        raise ValidationError({"interval_weeks": _("The interval must be between 1 and %(max)d weeks.")
                               % {"max": MAX_SERIES_INTERVAL_WEEKS}})
    if not 1 <= count <= MAX_SERIES_COUNT:
        raise ValidationError({"count": _("A series has between 1 and %(max)d dates.") % {"max": MAX_SERIES_COUNT}})
    return [first_day + timedelta(weeks=interval_weeks * i) for i in range(count)]


@transaction.atomic
def create_series(template: Session, *, first_day: date, interval_weeks: int, count: int, start_time: time,
                  end_time: time, place: str = "", address: str = "", digital_link: str = "", trainers=(),
                  quotas=(), one_session: bool = False, now=None) -> list[Session]:
    """Sessions on a regular rhythm, at the same wall-clock times on every date.

    ``one_session`` makes one session whose occasions are the dates (a study
    circle or network that meets every second Tuesday); otherwise each date
    becomes a session of its own. ``template`` is an unsaved session giving
    everything else (activity, capacity, owner...). All or nothing: if one
    date is refused, none is created.
    """
    days = series_dates(first_day, interval_weeks, count)
    inputs = [OccasionInput(start=local_datetime(d, start_time), end=local_datetime(d, end_time), place=place,
                            address=address, digital_link=digital_link) for d in days]
    trainers, quotas = list(trainers), list(quotas)
    if one_session:
        return [save_session(template, occasions=inputs, quotas=quotas, trainers=trainers, now=now)]
    created = []
    for occasion in inputs:
        session = _clone(template)
        session.activity = template.activity
        session.owner_municipality = template.owner_municipality
        created.append(save_session(session, occasions=[occasion], quotas=quotas, trainers=trainers, now=now))
    return created


@transaction.atomic
def cancel_session(session: Session, now=None, actor=None) -> Session:
    """Cancel a session: status cancelled, calendars told (SEQUENCE raised), and its registrations
    cancelled with everyone told (by the receivers of ``signals.session_cancelled``).
    Completed sessions stay completed."""
    now = now or timezone.now()
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if locked.status == Session.Status.CANCELLED:
        return locked
    if locked.status == Session.Status.COMPLETED:
        raise ValidationError(_("A completed session cannot be cancelled."))
    Session.objects.filter(pk=locked.pk).update(
        status=Session.Status.CANCELLED, cancelled_at=now, sequence=F("sequence") + 1, updated_at=now
    )
    signals.session_cancelled.send(sender=Session, session_id=locked.pk, actor=actor)
    locked.refresh_from_db()
    cache.invalidate(locked.consortium_id)
    return locked


@transaction.atomic
def delete_session(session: Session) -> None:
    """Delete a session that nobody is registered for; otherwise it must be cancelled instead."""
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if locked.confirmed_count + locked.waitlist_count > 0:
        raise ValidationError(_("People are registered for this session, so it cannot be deleted. Cancel it instead."))
    locked.delete()
    cache.invalidate(locked.consortium_id)


@transaction.atomic
def complete_finished_sessions(consortium=None, now=None) -> int:
    """Mark sessions whose last occasion has ended as completed; returns how many."""
    now = now or timezone.now()
    qs = Session.objects.filter(status__in=(Session.Status.PLANNED, *OPEN_STATUSES), last_end__lt=now)
    if consortium is not None:
        qs = qs.filter(consortium=consortium)
    for consortium_id in set(qs.values_list("consortium_id", flat=True)):
        cache.invalidate(consortium_id)
    return qs.update(status=Session.Status.COMPLETED, updated_at=now)


# --- Interest list ------------------------------------------------------------------

@transaction.atomic
def register_interest(activity: Activity, *, person=None, name: str = "", email: str = "", consent: bool = False,
                      language: str = "sv", now=None) -> tuple[InterestRegistration, bool]:
    """Put someone on the activity's interest list; returns (registration, created).

    A signed-in person is registered with their own name and address. An
    anonymous visitor gives a name and an e-mail address and must consent to
    their being kept until a session opens. One registration per address.
    """
    now = now or timezone.now()
    if activity.status != Activity.Status.PUBLISHED:
        raise ValidationError(_("This activity is not in the catalog."))
    if has_open_session(activity, now):
        raise ValidationError(_("This activity has a session open for registration: register for it instead."))
    if person is not None:
        name, email = person.full_name, person.email
    else:
        errors = {}
        if not name.strip():
            errors["name"] = _("Give your name.")
        if not email.strip():
            errors["email"] = _("Give your e-mail address.")
        if not consent:
            errors["consent"] = _("We can only keep your name and address with your consent.")
        if errors:
            raise ValidationError(errors)
    email = email.strip().lower()
    existing = InterestRegistration.objects.filter(activity=activity, email__iexact=email).first()
    if existing is not None:
        if person is not None and existing.person_id is None:
            existing.person = person
            existing.save(update_fields=["person"])
        return existing, False
    registration = InterestRegistration(
        consortium_id=activity.consortium_id, activity=activity, person=person, name=" ".join(name.split()),
        email=email, language=language if language in ("sv", "en") else "sv",
        consent_at=now if consent or person is None else None,
    )
    registration.full_clean(exclude=["consortium", "activity", "person", "notified_session"])
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:  # the same address registered at the same moment
        return InterestRegistration.objects.get(activity=activity, email__iexact=email), False
    return registration, True


@transaction.atomic
def withdraw_interest(activity: Activity, person) -> bool:
    deleted, _rows = InterestRegistration.objects.filter(activity=activity, person=person).delete()
    return deleted > 0


def notify_interest_list(session: Session, now=None) -> int:
    """Tell the activity's interest list that ``session`` is open; returns how many are told.

    Called inside the transaction that opens the session: the rows are marked
    at once and the e-mails are queued in the outbox, sent after the commit (a
    rolled-back change sends nothing). A session limited to a municipality's staff is announced only to
    the interested staff of that municipality. Each person is told once.
    """
    now = now or timezone.now()
    pending = InterestRegistration.objects.select_for_update(of=("self",)).filter(
        activity_id=session.activity_id, notified_at__isnull=True)
    if session.local_staff_only and session.owner_municipality_id:
        pending = pending.filter(person__workplace__path__startswith=session.owner_municipality.path)
    registrations = list(pending.order_by("created_at", "pk"))
    if not registrations:
        return 0
    InterestRegistration.objects.filter(pk__in=[r.pk for r in registrations]).update(
        notified_at=now, notified_session=session)
    # One outbox row each, in this transaction; the worker renders and sends them after the commit.
    queue_bulk("interest_session_open", [(r, {"session": session.pk, "interest": r.pk}) for r in registrations],
               consortium=session.consortium_id)
    return len(registrations)


# --- Calendar feeds -----------------------------------------------------------------

@transaction.atomic
def create_feed_token(user) -> str:
    """A new secret address for the user's personal feed; earlier addresses stop working.

    Returns the raw token, which is not stored (only its hash) and cannot be
    shown again.
    """
    revoke_feed_tokens(user)
    raw = secrets.token_urlsafe(32)
    CalendarFeedToken.objects.create(user=user, token_hash=hash_feed_token(raw))
    return raw


@transaction.atomic
def revoke_feed_tokens(user) -> int:
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())

