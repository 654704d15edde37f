"""Builders for statistics tests: sessions on given dates and registrations with an outcome.

Registrations are written directly (as the demo does for past sessions): the
registration service rightly refuses bookings for sessions that have taken place.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from larnav.attendance.models import AttendanceRecord
from larnav.catalog.models import Activity, Occasion, Session
from larnav.catalog.testing import make_activity
from larnav.registrations.models import Registration, Status
from larnav.registrations.services import person_details


def make_dated_session(consortium, start: datetime, *, activity: Activity | None = None, hours="6",
                       type=Activity.Type.KURS, focus_areas=(), occasions=1) -> Session:
    """A completed session whose first occasion starts at ``start`` (aware), one occasion per day."""
    activity = activity or make_activity(consortium, hours=Decimal(hours), type=type, focus_areas=focus_areas)
    session = Session.objects.create(
        consortium=consortium, activity=activity, capacity=100, status=Session.Status.COMPLETED,
        first_start=start, last_end=start + timedelta(days=occasions - 1, hours=3), is_physical=True,
    )
    for day in range(occasions):
        begin = start + timedelta(days=day)
        Occasion.objects.create(session=session, start=begin, end=begin + timedelta(hours=3), place="Kommunhuset")
    return session


def register(session, person, status=Status.COMPLETED, *, hours=None, present_on=0) -> Registration:
    """A registration of ``person`` with ``status``; a completed one is credited the activity's hours
    unless ``hours`` is given. ``present_on`` occasions are marked attended."""
    if hours is None and status == Status.COMPLETED:
        hours = session.activity.hours
    reg = Registration.objects.create(
        consortium_id=session.consortium_id, session=session, person=person, status=status,
        queued_at=session.first_start, hours_credited=hours if status == Status.COMPLETED else None,
        present=present_on > 0, **person_details(person),
    )
    for occasion in list(session.occasions.order_by("start"))[:present_on]:
        AttendanceRecord.objects.create(consortium_id=session.consortium_id, registration=reg, occasion=occasion,
                                        status="attended", marked_at=occasion.start)
    return reg
