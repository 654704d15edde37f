"""Date labels for the catalog, in Stockholm time and the conventions of the active language."""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language

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
