"""iCalendar (RFC 5545) for sessions: one VEVENT per occasion.

UID = "<session uid>-<occasion id>@larnav" never changes; SEQUENCE is the
session's ``sequence``, raised by the service on every change a calendar
shows; a cancelled session's events carry STATUS:CANCELLED. Times are written
in UTC, which every client converts to local time. Digital links are written
only where the caller says the reader may see them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, timedelta

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Session

PRODID = "-//Lärnav//Catalog//SV"


def occasion_uid(session: Session, occasion) -> str:
    return f"{session.uid}-{occasion.pk}@larnav"


def _utc(value):
    return value.astimezone(UTC)


def _location(session: Session, occasion, show_link: bool) -> str:
    parts = [p for p in (occasion.place, occasion.address) if p]
    if occasion.digital_link:
        parts.append(occasion.digital_link if show_link else _("Digital"))
    return ", ".join(parts)


def build_calendar(sessions: Iterable[Session], *, name: str, absolute_url: Callable[[str], str],
                   show_link: Callable[[Session], bool] = lambda session: False) -> bytes:
    """An iCalendar document for ``sessions`` (with activity and occasions prefetched)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Stockholm")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for session in sessions:
        occasions = list(session.occasions.all())
        link_visible = bool(show_link(session))
        url = absolute_url(reverse("catalog:session", args=[session.pk]))
        title = session.activity.title + (f" – {session.name}" if session.name else "")
        stamp = _utc(session.updated_at or timezone.now())
        for number, occasion in enumerate(occasions, start=1):
            event = Event()
            event.add("uid", occasion_uid(session, occasion))
            event.add("dtstamp", stamp)
            event.add("last-modified", stamp)
            event.add("sequence", session.sequence)
            event.add("dtstart", _utc(occasion.start))
            event.add("dtend", _utc(occasion.end))
            summary = title
            if len(occasions) > 1:
                summary += f" ({number}/{len(occasions)})"
            if session.status == Session.Status.CANCELLED:
                summary = _("Cancelled: %(title)s") % {"title": summary}
            event.add("summary", summary)
            event.add("status", "CANCELLED" if session.status == Session.Status.CANCELLED else "CONFIRMED")
            event.add("url", url)
            location = _location(session, occasion, link_visible)
            if location:
                event.add("location", location)
            description = [str(session.activity.get_type_display()), url]
            if occasion.digital_link and link_visible:
                description.append(_("Digital link: %(url)s") % {"url": occasion.digital_link})
            event.add("description", "\n".join(description))
            calendar.add_component(event)
    return calendar.to_ical()


def calendar_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
