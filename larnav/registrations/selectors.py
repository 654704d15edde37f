"""Reads of registrations for pages, lists and exports, scoped by the permission layer."""

from django.db.models import Count, Q, QuerySet, Sum

from larnav.accounts.permissions import Action, access_for, scope_by_workplace

from .models import ACTIVE_STATUSES, FINISHED_STATUSES, Registration, Status


def base_queryset() -> QuerySet:
    return Registration.objects.select_related(
        "person", "person__occupation", "workplace", "municipality", "session", "session__activity"
    )


def for_person(person) -> QuerySet:
    return base_queryset().filter(person=person).order_by("-session__first_start", "-pk")


def my_page(person) -> dict:
    regs = list(for_person(person))
    upcoming = [r for r in regs if r.status in ACTIVE_STATUSES]
    history = [r for r in regs if r.status not in ACTIVE_STATUSES]
    hours = Registration.objects.filter(person=person, status=Status.COMPLETED).aggregate(
        total=Sum("hours_credited"))["total"] or 0
    return {"upcoming": sorted(upcoming, key=lambda r: (r.session.first_start is None, r.session.first_start)),
            "history": history, "total_hours": hours}


def pending_approvals(user) -> QuerySet:
    """Registrations waiting for this user's approval: those of staff in units where they are chef."""
    return scope_by_workplace(
        user, base_queryset().filter(status=Status.PENDING_APPROVAL), Action.APPROVE_REGISTRATIONS
    ).order_by("created_at")


def session_participants(user, session) -> QuerySet:
    """Registrations of a session the viewer may see: all for coordinators and the session's
    trainers, otherwise those within the viewer's scope for personal data."""
    qs = base_queryset().filter(session=session).order_by("status", "queued_at", "pk")
    access = access_for(user)
    if access.can(Action.MANAGE_CATALOG) or session.trainers.filter(pk=user.pk).exists():
        return qs
    return scope_by_workplace(user, qs, Action.VIEW_PERSONS)


def counts_by_status(qs: QuerySet) -> dict:
    return {row["status"]: row["n"] for row in qs.order_by().values("status").annotate(n=Count("pk"))}


EXPORT_HEADERS = ["Förnamn", "Efternamn", "E-post", "Arbetsplats", "Kommun", "Yrkesroll", "Status",
                  "Köplats", "Anmäld", "Anmäld av"]


def export_rows(qs: QuerySet):
    from django.utils import timezone

    position = 0
    for r in qs.select_related("registered_by"):
        if r.status == Status.WAITLISTED:
            position += 1
        yield [
            r.person.first_name, r.person.last_name, r.person.email,
            r.workplace.name if r.workplace else "", r.municipality.name if r.municipality else "",
            r.person.occupation.name_sv if r.person.occupation else "", r.get_status_display(),
            position if r.status == Status.WAITLISTED else None,
            timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"),
            r.registered_by.get_full_name() if r.registered_by else "",
        ]


def active_or_finished_q() -> Q:
    return Q(status__in=ACTIVE_STATUSES + FINISHED_STATUSES)


SEAT_STATUSES = (Status.CONFIRMED, Status.COMPLETED)


def holds_seat(user, session) -> bool:
    """Does the signed-in user's person have a seat on ``session``?"""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return False
    return Registration.objects.filter(session=session, person_id=person_id, status__in=SEAT_STATUSES).exists()


def booked_session_ids(person_id) -> QuerySet:
    """Sessions for the person's calendar: booked ones, and those cancelled under a booking."""
    return Registration.objects.filter(
        Q(status__in=SEAT_STATUSES) | Q(status=Status.CANCELLED, session__status="cancelled"),
        person_id=person_id,
    ).values("session_id")


def own_registration(user, session):
    """The signed-in user's active or finished registration for ``session``, if any."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return None
    return (Registration.objects.filter(session=session, person_id=person_id)
            .exclude(status__in=[Status.EXPIRED]).order_by("-created_at").first())
