"""Builders for tests that need catalog data (this app's and other apps', e.g. the API's).

They go through the services, so search text, denormalised dates and
SEQUENCE are what the product would store.
"""

import itertools
from datetime import date, time, timedelta

from django.utils import timezone

from .models import Activity, FocusArea, Session
from .services import OccasionInput, local_datetime, save_activity, save_session, set_activity_status

_seq = itertools.count(1)


def make_focus_area(consortium, name=None) -> FocusArea:
    return FocusArea.objects.create(consortium=consortium, name=name or f"Fokusområde {next(_seq)}")


def make_activity(consortium, title=None, *, status=Activity.Status.PUBLISHED, focus_areas=(), occupations=(),
                  **fields) -> Activity:
    fields.setdefault("type", Activity.Type.KURS)
    activity = Activity(consortium=consortium, title=title or f"Aktivitet {next(_seq)}", **fields)
    save_activity(activity, focus_areas=list(focus_areas), target_occupations=list(occupations))
    if status != Activity.Status.DRAFT:
        set_activity_status(activity, Activity.Status.PUBLISHED)
        if status == Activity.Status.ARCHIVED:
            set_activity_status(activity, Activity.Status.ARCHIVED)
        activity.refresh_from_db()
    return activity


def future_day(days=30) -> date:
    return timezone.localdate() + timedelta(days=days)


def occasion(day: date, start=time(9, 0), end=time(12, 0), place="Huddinge kommunhus", address="", link=""):
    return OccasionInput(start=local_datetime(day, start), end=local_datetime(day, end), place=place,
                         address=address, digital_link=link)


def make_session(activity, *, days=30, occasions=None, capacity=20, status=Session.Status.OPEN, trainers=None,
                 quotas=(), **fields) -> Session:
    session = Session(activity=activity, consortium=activity.consortium, capacity=capacity, status=status, **fields)
    occasions = occasions or [occasion(future_day(days))]
    return save_session(session, occasions=occasions, quotas=quotas, trainers=trainers)
