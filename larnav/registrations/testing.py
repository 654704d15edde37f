"""Builders for registration tests: a published activity with an open session.

Unlike ``larnav.catalog.testing.make_session`` (which goes through the catalog
service and so only makes future sessions), this writes the session directly,
so that tests can also place it in the past."""

from datetime import timedelta

from django.utils import timezone

from larnav.catalog.models import Occasion, Session
from larnav.catalog.testing import make_activity


def make_session(consortium, *, capacity=10, requires_approval=False, days_ahead=30, title="Bemötande i LSS",
                 **fields) -> Session:
    activity = make_activity(consortium, title, hours=6)
    start = timezone.now().replace(microsecond=0) + timedelta(days=days_ahead)
    session = Session.objects.create(
        consortium=consortium, activity=activity, capacity=capacity, requires_approval=requires_approval,
        status=Session.Status.OPEN, first_start=start, last_end=start + timedelta(hours=6), is_physical=True,
        **fields,
    )
    Occasion.objects.create(session=session, start=start, end=start + timedelta(hours=6),
                            place="Huddinge kommunhus", address="Kommunalvägen 28")
    return session
