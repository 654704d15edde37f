"""Builders for registration tests: a published activity with an open session."""

from datetime import timedelta

from django.utils import timezone

from larnav.catalog.models import Activity, Occasion, Session


def make_session(consortium, *, capacity=10, requires_approval=False, days_ahead=30, title="Bemötande i LSS",
                 **fields) -> Session:
    activity = Activity.objects.create(consortium=consortium, type=Activity.Type.KURS, title=title,
                                       status=Activity.Status.PUBLISHED, hours=6)
    start = timezone.now().replace(microsecond=0) + timedelta(days=days_ahead)
    session = Session.objects.create(
        consortium=consortium, activity=activity, capacity=capacity, requires_approval=requires_approval,
        status=Session.Status.OPEN, first_start=start, last_end=start + timedelta(hours=6), is_physical=True,
        **fields,
    )
    Occasion.objects.create(session=session, start=start, end=start + timedelta(hours=6),
                            place="Huddinge kommunhus", address="Kommunalvägen 28")
    return session
