"""Calendar invitations (iTIP, RFC 5546) for a participant's seat.

Each occasion is one VEVENT whose UID is the one the catalog's calendar feeds
use (``catalog.ical.occasion_uid``), so an invitation and a subscribed feed
describe the same events. METHOD:REQUEST adds or updates the events (a
changed session carries the same UIDs with the session's higher SEQUENCE);
METHOD:CANCEL removes them. ORGANIZER is the sender's address and ATTENDEE
the participant, which Outlook needs to treat the attachment as a meeting
request; RSVP is off, Lärnav does not read replies.
"""

from __future__ import annotations

from datetime import UTC
from email.utils import parseaddr

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar as ICalendar
from icalendar import Event, vCalAddress, vText

from larnav.catalog.ical import occasion_uid

from .kinds import Calendar

PRODID = "-//Lärnav//Invitations//SV"


def _organizer() -> vCalAddress:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address or 'noreply@larnav.localhost'}")
    organizer.params["cn"] = vText(name or "Lärnav")
    return organizer


def invitation(session, *, method: str, attendee_email: str, attendee_name: str = "") -> Calendar | None:
    """An invitation (REQUEST) or cancellation (CANCEL) of ``session``'s occasions for one attendee."""
    from larnav.catalog.models import Session

    occasions = list(session.occasions.all())
    if not occasions:
        return None
    cancelled = method == "CANCEL" or session.status == Session.Status.CANCELLED
    calendar = ICalendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    stamp = timezone.now().astimezone(UTC)
    url = settings.BASE_URL + reverse("catalog:session", args=[session.pk])
    title = session.activity.title + (f" – {session.name}" if session.name else "")
    attendee = vCalAddress(f"mailto:{attendee_email}")
    attendee.params["cn"] = vText(attendee_name or attendee_email)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    attendee.params["rsvp"] = vText("FALSE")
    for number, occasion in enumerate(occasions, start=1):
        event = Event()
        event.add("uid", occasion_uid(session, occasion))
        event.add("dtstamp", stamp)
        event.add("sequence", session.sequence)
        event.add("dtstart", occasion.start.astimezone(UTC))
        event.add("dtend", occasion.end.astimezone(UTC))
        summary = title + (f" ({number}/{len(occasions)})" if len(occasions) > 1 else "")
        if cancelled:
            summary = _("Cancelled: %(title)s") % {"title": summary}
        event.add("summary", summary)
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "OPAQUE")
        event.add("url", url)
        location = ", ".join(p for p in (occasion.place, occasion.address, occasion.digital_link) if p)
        if location:
            event.add("location", location)
        description = [url]
        if occasion.digital_link:
            description.append(_("Digital link: %(url)s") % {"url": occasion.digital_link})
        event.add("description", "\n".join(description))
        event.add("organizer", _organizer())
        event.add("attendee", attendee)
        calendar.add_component(event)
    return Calendar(content=calendar.to_ical(), method="CANCEL" if cancelled else "REQUEST")
