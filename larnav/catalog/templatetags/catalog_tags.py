"""Date labels for the catalog, in Stockholm time and the conventions of the active language."""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.translation import get_language, gettext, ngettext, pgettext

register = template.Library()

# Swedish writes month abbreviations in lower case ("mån 23 nov 2026"); English capitalises them.
SHORT = {"sv": "D j b Y", "en": "D j M Y"}
DAY_MONTH = {"sv": "j b Y", "en": "j M Y"}


def _language() -> str:
    return "en" if (get_language() or "sv").startswith("en") else "sv"


@register.filter
def short_day(value):
    """'mån 23 nov 2026' / 'Mon 23 Nov 2026'."""
    if not value:
        return ""
    return date_format(timezone.localtime(value), SHORT[_language()])


@register.filter
def day_month(value):
    """'23 nov 2026' / '23 Nov 2026'."""
    if not value:
        return ""
    return date_format(timezone.localtime(value), DAY_MONTH[_language()])


def _time(value) -> str:
    return date_format(timezone.localtime(value), "H:i")


@register.simple_tag
def session_when(session) -> str:
    """The session's dates: 'mån 23 nov 2026, 09:00–12:00', or '10 aug 2026 – 14 dec 2026' over several days."""
    if not session.first_start:
        return gettext("No date yet")
    start, end = timezone.localtime(session.first_start), timezone.localtime(session.last_end)
    if start.date() == end.date():
        return format_html('<time datetime="{}">{}, {}</time>–{}', start.isoformat(), short_day(start),
                           _time(start), _time(end))
    return format_html('<time datetime="{}">{}</time> – <time datetime="{}">{}</time>', start.isoformat(),
                       day_month(start), end.isoformat(), day_month(end))


@register.simple_tag
def session_facts(session) -> str:
    """Digital or on site, regional or local (and for whom), and the session's label."""
    if session.is_digital and session.is_physical:
        parts = [gettext("Digital and on site")]
    elif session.is_digital:
        parts = [gettext("Digital")]
    else:
        parts = [gettext("On site")]
    if session.owner_municipality_id:
        local = gettext("Local: %(name)s") % {"name": session.owner_municipality.name}
        if session.local_staff_only:
            local += " (" + gettext("own staff only") + ")"
        parts.append(local)
    else:
        parts.append(gettext("Regional"))
    if session.name:
        parts.append(session.name)
    return format_html('<span class="session-facts">{}</span>', " · ".join(parts))


@register.simple_tag
def session_seats(session, now) -> str:
    """Seats left, full with the waiting list, registration closed, cancelled... in words, not only colour."""
    status = session.status
    if status == "cancelled":
        return format_html('<span class="status-note">{}</span>', pgettext("session status", "Cancelled"))
    if status == "completed":
        return format_html('<span class="seats">{}</span>', gettext("Completed"))
    if session.free_seats == 0:
        waiting = ngettext("%(counter)s on the waiting list", "%(counter)s on the waiting list",
                           session.waitlist_count) % {"counter": session.waitlist_count}
        return format_html('<span class="seats seats--none">{}</span> · {}', gettext("Full"), waiting)
    if session.registration_closes and session.registration_closes < now:
        return format_html('<span class="seats">{}</span>', gettext("Registration closed"))
    seats = ngettext("%(counter)s seat left", "%(counter)s seats left", session.free_seats) % {
        "counter": session.free_seats}
    html = format_html('<span class="seats">{}</span>', seats)
    if status == "planned":
        if session.registration_opens:
            note = gettext("registration opens %(when)s") % {"when": day_month(session.registration_opens)}
        else:
            note = gettext("not yet open for registration")
        html = format_html("{} · {}", html, note)
    return html
