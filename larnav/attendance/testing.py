"""Builders for attendance tests: a course with several occasions, and moving its timeline into the past."""

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from larnav.catalog.models import Occasion, Session
from larnav.registrations.models import Registration, RegistrationEvent
from larnav.registrations.testing import make_session

from .models import AttendanceRecord


def make_course(consortium, *, starts_in_hours=(24, 48), duration_hours=3, trainers=(), title="Motiverande samtal",
                capacity=10, place="Huddinge kommunhus, sal Kvarnen", **fields) -> Session:
    """A published, open session with one occasion per entry of ``starts_in_hours`` (hours from now)."""
    session = make_session(consortium, capacity=capacity, title=title, **fields)
    Occasion.objects.filter(session=session).delete()
    now = timezone.now().replace(microsecond=0)
    for hours in starts_in_hours:
        start = now + timedelta(hours=hours)
        Occasion.objects.create(session=session, start=start, end=start + timedelta(hours=duration_hours),
                                place=place, address="Kommunalvägen 28")
    occasions = list(session.occasions.all())
    Session.objects.filter(pk=session.pk).update(first_start=min(o.start for o in occasions),
                                                 last_end=max(o.end for o in occasions))
    session.refresh_from_db()
    session.trainers.set(trainers)
    return session


def shift_timeline(session: Session, delta: timedelta) -> None:
    """Move everything that happened on a session by ``delta`` (negative: into the past).

    Occasions, registrations (made, queued, changed), their history and the
    attendance records all move together, so their order is kept.
    """
    Occasion.objects.filter(session=session).update(start=F("start") + delta, end=F("end") + delta)
    Session.objects.filter(pk=session.pk).update(first_start=F("first_start") + delta,
                                                 last_end=F("last_end") + delta)
    shift_registrations(Registration.objects.filter(session=session), delta)
    AttendanceRecord.objects.filter(occasion__session=session).update(marked_at=F("marked_at") + delta)
    session.refresh_from_db()


def shift_registrations(registrations, delta: timedelta) -> None:
    """Move when registrations were made (and their history) by ``delta``."""
    ids = list(registrations.values_list("pk", flat=True))
    Registration.objects.filter(pk__in=ids).update(
        created_at=F("created_at") + delta, status_changed_at=F("status_changed_at") + delta)
    Registration.objects.filter(pk__in=ids, queued_at__isnull=False).update(queued_at=F("queued_at") + delta)
    RegistrationEvent.objects.filter(registration_id__in=ids).update(at=F("at") + delta)
