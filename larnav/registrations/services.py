"""Every write to registrations: seat allocation, waiting list, approval, cancellation.

The rules:

* A registration that competes for a seat is confirmed while the session has a
  free seat and the person's municipality is within its quota, if the session
  has one; otherwise it is waitlisted. The waiting list is served in arrival
  order (``queued_at``), skipping people whose municipality's quota is full.
* Every change of seats happens inside one transaction that first locks the
  session row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's IMMEDIATE
  transactions serialise writers). The counters on the session are changed
  only here, under that lock, so a session is never oversold.
* A freed seat, or a raised capacity, goes in the same transaction to the first
  waitlisted person who fits. Promotion never touches a registration that is
  waiting for e-mail confirmation or manager approval: it only ever picks from
  the waiting list, and nobody reaches the waiting list without approval.
* Every state change is recorded with who, when and why.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from larnav.catalog import cache as catalog_cache
from larnav.catalog.models import Session
from larnav.organisations.models import Organisation

from . import notifications, queries
from .errors import (
    CapacityBelowBooked,
    InvalidTransition,
    NotEligible,
    RegistrationError,
    SessionCancelled,
    SessionNotFound,
    SessionNotOpen,
)
from .models import ACTIVE_STATUSES, Registration, RegistrationEvent, Status


@dataclass
class Outcome:
    registration: Registration
    created: bool
    promoted: list[Registration]
    # For a new waitlisted registration: its place in the queue when it joined it.
    waitlist_position: int | None = None


def lock_session(session_id: int, *, consortium_id: int | None = None,
                 activity_statuses: tuple[str, ...] = ()) -> Session:
    """The session, with its activity's status, row-locked until the transaction ends.

    Only the session's row is locked: registrations for different sessions of
    one activity do not queue behind each other. ``consortium_id`` and
    ``activity_statuses`` narrow the sessions found; any other is
    Session.DoesNotExist, as an unknown id (larnav.registrations.queries).
    """
    session = queries.lock_session(session_id, consortium_id=consortium_id, activity_statuses=activity_statuses)
    if session is None:
        raise Session.DoesNotExist(f"No session {session_id} to lock.")
    return session


def _record(reg: Registration, to_status: str, actor=None, reason="") -> None:
    from_status = reg.status or ""
    reg.status = to_status
    reg.status_changed_at = timezone.now()
    RegistrationEvent.objects.create(registration=reg, from_status=from_status, to_status=to_status,
                                     actor=actor if getattr(actor, "pk", None) else None, reason=str(reason)[:300])


class _Seats:
    """Seat bookkeeping for one locked session within one transaction."""

    def __init__(self, session: Session):
        self.session = session
        self._quotas = None
        self._used = None

    @property
    def quotas(self) -> dict:
        # Read under the session's lock (quotas change only under it), and only when needed.
        if self._quotas is None:
            self._quotas = dict(self.session.quotas.order_by().values_list("municipality_id", "seats"))
        return self._quotas

    def used_by(self, municipality_id) -> int:
        if self._used is None:
            self._used = dict(
                Registration.objects.filter(session=self.session, status=Status.CONFIRMED,
                                            municipality_id__in=list(self.quotas))
                .values_list("municipality_id").annotate(n=Count("pk"))
            )
        return self._used.get(municipality_id, 0)

    def fits(self, municipality_id) -> bool:
        if self.session.confirmed_count >= self.session.capacity:
            return False
        if municipality_id is None:  # quotas are per municipality: none applies
            return True
        quota = self.quotas.get(municipality_id)
        return quota is None or self.used_by(municipality_id) < quota

    def take(self, municipality_id) -> None:
        self.session.confirmed_count += 1
        if municipality_id is not None and municipality_id in self.quotas:
            self.used_by(municipality_id)
            self._used[municipality_id] = self._used.get(municipality_id, 0) + 1

    def release(self, municipality_id) -> None:
        self.session.confirmed_count -= 1
        if self._used is not None and municipality_id in self._used:
            self._used[municipality_id] -= 1

    def know(self, municipality_id, quota: int | None, used: int) -> None:
        """What ``queries.standing`` read for one municipality: enough for one registration of
        its staff (``fits`` and ``take`` for that municipality), not for promotions."""
        self._quotas = {} if quota is None else {municipality_id: quota}
        self._used = {} if quota is None else {municipality_id: used}

    def counters(self) -> tuple[int, int, str]:
        """The session's counters and status as they are to be written."""
        session = self.session
        if session.status in (Session.Status.OPEN, Session.Status.FULL):
            session.status = Session.Status.FULL if session.confirmed_count >= session.capacity else Session.Status.OPEN
        return session.confirmed_count, session.waitlist_count, session.status

    def save(self) -> None:
        confirmed, waiting, status = self.counters()
        Session.objects.filter(pk=self.session.pk).update(
            confirmed_count=confirmed, waitlist_count=waiting, status=status)
        catalog_cache.invalidate(self.session.consortium_id)


def _compete(seats: _Seats, reg: Registration, actor, reason) -> None:
    """Give ``reg`` a seat if one is free for it, else a place on the waiting list."""
    reg.queued_at = reg.queued_at or timezone.now()
    if seats.fits(reg.municipality_id):
        seats.take(reg.municipality_id)
        _record(reg, Status.CONFIRMED, actor, reason)
    else:
        seats.session.waitlist_count += 1
        _record(reg, Status.WAITLISTED, actor, reason)


def _fill_free_seats(seats: _Seats, actor, reason) -> list[Registration]:
    """Promote waitlisted registrations in arrival order into free seats."""
    session = seats.session
    if session.status == Session.Status.CANCELLED:
        return []
    promoted = []
    if session.confirmed_count >= session.capacity or session.waitlist_count == 0:
        return promoted
    queue = Registration.objects.filter(session=session, status=Status.WAITLISTED).order_by("queued_at", "pk")
    for reg in queue.iterator(chunk_size=200):
        if session.confirmed_count >= session.capacity:
            break
        if not seats.fits(reg.municipality_id):
            continue
        seats.take(reg.municipality_id)
        session.waitlist_count -= 1
        _record(reg, Status.CONFIRMED, actor, reason)
        reg.save(update_fields=["status", "status_changed_at"])
        notifications.registration_changed(reg, Status.WAITLISTED)
        promoted.append(reg)
    return promoted


def _check_open(session: Session, now=None) -> None:
    now = now or timezone.now()
    if session.status == Session.Status.CANCELLED:
        raise SessionCancelled()
    if session.status not in (Session.Status.OPEN, Session.Status.FULL) or not session.activity.is_published:
        raise SessionNotOpen()
    if session.registration_opens and now < session.registration_opens:
        raise SessionNotOpen(_("Registration opens %(when)s.") % {
            "when": timezone.localtime(session.registration_opens).strftime("%Y-%m-%d %H:%M")})
    if session.registration_closes and now >= session.registration_closes:
        raise SessionNotOpen(_("Registration closed %(when)s.") % {
            "when": timezone.localtime(session.registration_closes).strftime("%Y-%m-%d %H:%M")})
    if session.last_end and now >= session.last_end:
        raise SessionNotOpen(_("The session has already taken place."))


def _check_eligible(session: Session, person) -> None:
    if person.consortium_id != session.consortium_id or not person.is_active:
        raise NotEligible(_("The person cannot be registered in this consortium."))
    if session.local_staff_only:
        owner = session.owner_municipality
        workplace = person.workplace
        if workplace is None or not workplace.path.startswith(owner.path):
            raise NotEligible()


def register(session_id: int, person, *, registered_by=None, verified: bool = True, answers=None,
             expected_benefit: str = "") -> Outcome:
    """Register ``person`` for a session; a repeat returns the existing active registration.

    ``verified`` is False for someone not signed in, whose e-mail address must be
    confirmed before the registration competes for a seat.
    """
    with transaction.atomic():
        return register_in_transaction(session_id, person, registered_by=registered_by, verified=verified,
                                       answers=answers, expected_benefit=expected_benefit)


def register_in_transaction(session_id: int, person, *, registered_by=None, verified: bool = True, answers=None,
                            expected_benefit: str = "", consortium_id: int | None = None,
                            activity_statuses: tuple[str, ...] = (), person_is_new: bool = False) -> Outcome:
    """``register`` for a caller whose own transaction is open and is rolled back whole when
    this raises: it takes no savepoint (two statements fewer under the session's lock).

    ``consortium_id`` and ``activity_statuses`` narrow the sessions the caller
    may register for; any other is SessionNotFound, exactly as an unknown id.
    ``person_is_new`` says that the person's row was inserted in this
    transaction, so no registration can refer to it yet and there is nothing
    to look for.

    Under the session's lock a new registration costs at most three
    statements: the lock, one read of the person's registration and the
    municipality's quota (left out when there is nothing to read), and the
    writes (larnav.registrations.queries).
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("register_in_transaction needs an open transaction.")
    session = queries.lock_session(session_id, consortium_id=consortium_id, activity_statuses=activity_statuses)
    if session is None:
        raise SessionNotFound()
    details = person_details(person)
    municipality_id = details["municipality_id"]
    competes = verified and not session.requires_approval
    # Whether the quota can decide: a seat is free and the person's municipality is known.
    quota_matters = competes and municipality_id is not None and session.confirmed_count < session.capacity
    standing = None
    if not person_is_new or quota_matters:
        standing = queries.standing(session.pk, None if person_is_new else person.pk,
                                    municipality_id if quota_matters else None)
        if standing.existing_id is not None:
            return Outcome(Registration.objects.get(pk=standing.existing_id), False, [])
    _check_open(session)
    _check_eligible(session, person)
    reg = Registration(
        consortium_id=session.consortium_id, session=session, person=person, registered_by=registered_by,
        answers=answers or {}, expected_benefit=expected_benefit, **details,
    )
    seats = _Seats(session)
    if quota_matters:
        seats.know(municipality_id, standing.quota, standing.used)
    position = None
    if not verified:
        reg.status = Status.PENDING_VERIFICATION
    elif session.requires_approval:
        reg.status = Status.PENDING_APPROVAL
    else:
        reg.queued_at = timezone.now()
        if seats.fits(reg.municipality_id):
            seats.take(reg.municipality_id)
            reg.status = Status.CONFIRMED
        else:
            session.waitlist_count += 1
            reg.status = Status.WAITLISTED
            # Everyone else on the list was queued earlier, under this same lock: this one is last.
            position = session.waitlist_count
    event = RegistrationEvent(to_status=reg.status, actor=registered_by, reason=gettext_noop("Registered"))
    queries.create(reg, event, seats.counters())
    catalog_cache.invalidate(session.consortium_id)
    notifications.registration_changed(reg, None)
    return Outcome(reg, True, [], position)


def person_details(person) -> dict:
    """What a new registration of ``person`` copies from them: where they work (a snapshot), that
    workplace's details (``workplace_details``) and their occupation and gender (kept in step by
    copy_person_details)."""
    workplace = person.workplace
    return {"workplace": workplace, "municipality_id": workplace.municipality_id if workplace else None,
            "occupation_id": person.occupation_id, "gender": person.gender, **workplace_details(workplace)}


def workplace_details(workplace) -> dict:
    """What a registration copies of its workplace (kept in step by copy_workplace_details): the city
    district it lies in, its operating form and its function.

    The district is the workplace's parent when that is a city district; it is read from
    ``workplace.district_pk`` when the workplace was loaded with it (larnav.api.queries), from the
    parent when that is loaded, and otherwise with one query."""
    if workplace is None:
        return {"district_id": None, "driftform": "", "funktion": ""}
    if hasattr(workplace, "district_pk"):
        district_id = workplace.district_pk
    elif workplace.parent_id is None:
        district_id = None
    elif Organisation.parent.is_cached(workplace):
        district_id = workplace.parent_id if workplace.parent.type == Organisation.Type.STADSDEL else None
    else:
        district_id = Organisation.objects.filter(pk=workplace.parent_id, type=Organisation.Type.STADSDEL
                                                  ).values_list("pk", flat=True).first()
    return {"district_id": district_id, "driftform": workplace.driftform, "funktion": workplace.funktion}


def copy_workplace_details(organisation) -> int:
    """Give the registrations made at ``organisation`` its current details (after it was saved);
    the number of registrations written."""
    details = workplace_details(organisation)
    return Registration.objects.filter(workplace_id=organisation.pk).exclude(**details).update(**details)


def copy_person_details(person_ids) -> int:
    """Give the registrations of these persons their current occupation and gender (after a
    change to the persons); the number of registrations written."""
    from django.db.models import OuterRef, Subquery

    from larnav.people.models import Person

    ids = sorted(set(person_ids))
    person = Person.objects.filter(pk=OuterRef("person_id"))
    changed = 0
    for start in range(0, len(ids), 500):
        changed += Registration.objects.filter(person_id__in=ids[start:start + 500]).update(
            occupation_id=Subquery(person.values("occupation_id")[:1]), gender=Subquery(person.values("gender")[:1]))
    return changed


def _move_into_competition(reg: Registration, actor, reason) -> list[Registration]:
    session = lock_session(reg.session_id)
    if session.status == Session.Status.CANCELLED:
        raise SessionCancelled()
    seats = _Seats(session)
    _compete(seats, reg, actor, reason)
    reg.save(update_fields=["status", "status_changed_at", "queued_at", "approver", "decision_message"])
    seats.save()
    return []


@transaction.atomic
def confirm_email(token: str) -> Registration | None:
    """The registrant followed the link in the e-mail: the registration now counts."""
    reg = Registration.objects.select_for_update().select_related("session").filter(token=token).first()
    if reg is None:
        return None
    if reg.status != Status.PENDING_VERIFICATION:
        return reg
    old = reg.status
    if reg.session.requires_approval:
        _record(reg, Status.PENDING_APPROVAL, None, gettext_noop("E-mail address confirmed"))
        reg.save(update_fields=["status", "status_changed_at"])
    else:
        _move_into_competition(reg, None, gettext_noop("E-mail address confirmed"))
    notifications.registration_changed(reg, old)
    return reg


@transaction.atomic
def approve(registration_id: int, approver, message: str = "") -> Registration:
    reg = Registration.objects.select_for_update().get(pk=registration_id)
    if reg.status != Status.PENDING_APPROVAL:
        raise InvalidTransition()
    reg.approver, reg.decision_message = approver, message
    _move_into_competition(reg, approver, message or gettext_noop("Approved by manager"))
    notifications.registration_changed(reg, Status.PENDING_APPROVAL)
    return reg


@transaction.atomic
def decline(registration_id: int, approver, message: str = "") -> Registration:
    reg = Registration.objects.select_for_update().get(pk=registration_id)
    if reg.status != Status.PENDING_APPROVAL:
        raise InvalidTransition()
    reg.approver, reg.decision_message = approver, message
    _record(reg, Status.DECLINED, approver, message or gettext_noop("Declined by manager"))
    reg.save(update_fields=["status", "status_changed_at", "approver", "decision_message"])
    notifications.registration_changed(reg, Status.PENDING_APPROVAL)
    return reg


@transaction.atomic
def cancel(registration_id: int, actor=None, *, reason: str = "", waive_late: bool = False) -> Outcome:
    """Cancel a registration; a seat it held goes to the waiting list at once.

    After the session's cancellation deadline the cancellation is late (kept for
    fees and statistics) unless a coordinator waives it.
    """
    reg = Registration.objects.select_related("session").get(pk=registration_id)
    session = lock_session(reg.session_id)
    reg = Registration.objects.select_for_update().get(pk=registration_id)
    if reg.status not in ACTIVE_STATUSES:
        raise InvalidTransition(_("The registration is already %(status)s.") % {
            "status": reg.get_status_display().lower()})
    late = bool(session.cancellation_deadline and timezone.now() > session.cancellation_deadline
                and reg.status == Status.CONFIRMED and not waive_late)
    seats = _Seats(session)
    old = reg.status
    if old == Status.CONFIRMED:
        seats.release(reg.municipality_id)
    elif old == Status.WAITLISTED:
        session.waitlist_count -= 1
    _record(reg, Status.LATE_CANCELLED if late else Status.CANCELLED, actor, reason or gettext_noop("Cancelled"))
    reg.save(update_fields=["status", "status_changed_at"])
    promoted = _fill_free_seats(seats, actor, gettext_noop("A seat became free"))
    seats.save()
    notifications.registration_changed(reg, old)
    return Outcome(reg, False, promoted)


@transaction.atomic
def set_capacity(session_id: int, capacity: int, actor=None) -> list[Registration]:
    """Change a session's capacity; raising it promotes from the waiting list in order."""
    session = lock_session(session_id)
    if capacity < session.confirmed_count:
        raise CapacityBelowBooked(_(
            "%(booked)s seats are already booked. Cancel registrations first, or choose at least %(booked)s."
        ) % {"booked": session.confirmed_count})
    session.capacity = capacity
    Session.objects.filter(pk=session.pk).update(capacity=capacity)
    seats = _Seats(session)
    promoted = _fill_free_seats(seats, actor, gettext_noop("The capacity was raised"))
    seats.save()
    return promoted


def fill_free_seats(session_id: int, actor=None) -> list[Registration]:
    """Promote into any free seats (after a quota change, for example)."""
    with transaction.atomic():
        seats = _Seats(lock_session(session_id))
        promoted = _fill_free_seats(seats, actor, gettext_noop("A seat became free"))
        seats.save()
    return promoted


@transaction.atomic
def cancel_all_for_session(session_id: int, actor=None, reason: str = "") -> int:
    """The session is cancelled: every active registration is cancelled and told."""
    session = lock_session(session_id)
    regs = list(Registration.objects.select_for_update().filter(session=session, status__in=ACTIVE_STATUSES))
    for reg in regs:
        old = reg.status
        _record(reg, Status.CANCELLED, actor, reason or gettext_noop("The session is cancelled"))
        reg.save(update_fields=["status", "status_changed_at"])
        notifications.registration_changed(reg, old, session_cancelled=True)
    Session.objects.filter(pk=session.pk).update(confirmed_count=0, waitlist_count=0)
    return len(regs)


def waitlist_position(reg: Registration) -> int | None:
    if reg.status != Status.WAITLISTED:
        return None
    ahead = Registration.objects.filter(session_id=reg.session_id, status=Status.WAITLISTED).filter(
        queued_at__lt=reg.queued_at
    ).count() + Registration.objects.filter(
        session_id=reg.session_id, status=Status.WAITLISTED, queued_at=reg.queued_at, pk__lt=reg.pk
    ).count()
    return ahead + 1


@transaction.atomic
def person_for_registration(consortium, *, first_name, last_name, email, workplace, occupation):
    """The person behind a registration from someone not signed in.

    An address already known is used as it is (its details are not changed by an
    unverified form); a new address becomes a new person.
    """
    return known_or_new_person(consortium.pk, first_name=first_name, last_name=last_name, email=email,
                               workplace=workplace, occupation_id=occupation.pk if occupation else None)[0]


_LOOK_UP = object()


def known_or_new_person(consortium_id, *, first_name, last_name, email, workplace, occupation_id,
                        known=_LOOK_UP):
    """``(person, created)``: the consortium's person with this address, or a new one.

    The address is matched as the database's uniqueness rule matches it
    (lower-cased, through that rule's index). ``known`` is that person (None:
    nobody) when the caller has read them already in this transaction, e.g.
    with the workplace (larnav.api.queries.workplace_and_occupation). No
    transaction of its own: when someone creates the same address at the same
    moment, the insert raises IntegrityError and the caller's transaction is
    rolled back; the address is known after that.
    """
    from larnav.people.models import Person
    from larnav.people.queries import create_person, person_by_email

    email = email.strip().lower()
    person = person_by_email(consortium_id, email) if known is _LOOK_UP else known
    if person is not None:
        if person.workplace_id == workplace.pk:
            person.workplace = workplace  # the row in hand, not another query
        return person, False
    person = create_person(Person(consortium_id=consortium_id, first_name=first_name.strip(),
                                  last_name=last_name.strip(), email=email, workplace=workplace,
                                  occupation_id=occupation_id))
    return person, True


@transaction.atomic
def set_outcome(registration_id: int, completed: bool, hours=None, actor=None, reason: str = "") -> Registration:
    """After the session: completed (with the hours credited) or no-show. Can be corrected later."""
    reg = Registration.objects.select_for_update().get(pk=registration_id)
    allowed = (Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW)
    if reg.status not in allowed:
        raise InvalidTransition()
    to_status = Status.COMPLETED if completed else Status.NO_SHOW
    reg.hours_credited = hours if completed else None
    if reg.status != to_status:
        _record(reg, to_status, actor, reason or (gettext_noop("Completed") if completed else gettext_noop("Did not attend")))
    reg.save(update_fields=["status", "status_changed_at", "hours_credited"])
    return reg


VERIFICATION_HOURS = 48
APPROVAL_REMINDER_DAYS = 3


def expire_pending(now=None) -> int:
    """Expire registrations nobody acted on: unconfirmed e-mail after 48 hours, and
    any pending registration once the session has started. Each holds no seat."""
    from datetime import timedelta

    from django.db.models import Q

    now = now or timezone.now()
    stale = Registration.objects.filter(
        Q(status=Status.PENDING_VERIFICATION, created_at__lt=now - timedelta(hours=VERIFICATION_HOURS))
        | Q(status__in=[Status.PENDING_VERIFICATION, Status.PENDING_APPROVAL], session__first_start__lte=now)
    ).values_list("pk", flat=True)
    expired = 0
    for pk in list(stale):
        with transaction.atomic():
            reg = Registration.objects.select_for_update().select_related("session__activity", "person").get(pk=pk)
            if reg.status not in (Status.PENDING_VERIFICATION, Status.PENDING_APPROVAL):
                continue
            _record(reg, Status.EXPIRED, None, gettext_noop("Not confirmed or approved in time"))
            reg.save(update_fields=["status", "status_changed_at"])
            expired += 1
    return expired


def remind_approvers(now=None) -> int:
    """Remind managers of registrations that have waited for approval for three days or more."""
    from datetime import timedelta

    now = now or timezone.now()
    waiting = Registration.objects.filter(
        status=Status.PENDING_APPROVAL, status_changed_at__lte=now - timedelta(days=APPROVAL_REMINDER_DAYS),
        session__first_start__gt=now,
    ).select_related("session__activity", "person", "workplace")
    sent = 0
    with transaction.atomic():
        for reg in waiting:
            notifications.approval_reminder(reg)
            sent += 1
    return sent


def add_question(activity, question):
    """Add an extra registration question to an activity (answers are stored with each registration)."""
    question.activity = activity
    question.full_clean()
    question.save()
    return question


def is_open_for_registration(session, now=None) -> bool:
    """Would a registration for ``session`` be taken now (status, window, not yet held)?"""
    try:
        _check_open(session, now)
    except RegistrationError:
        return False
    return True
