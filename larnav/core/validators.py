"""Validators shared across apps."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# YYMMDD-NNNN, YYYYMMDDNNNN and the variants with + or no separator.
PERSONNUMMER_RE = re.compile(r"(?<!\d)(?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01]|[6-8]\d|9[01])[-+]?\d{4}(?!\d)")


def looks_like_personnummer(value: str) -> bool:
    return bool(PERSONNUMMER_RE.search(str(value or "")))


def reject_personnummer(value):
    """Refuse a value that contains something shaped like a Swedish personal identity number."""
    if looks_like_personnummer(value):
        raise ValidationError(
            _("Personal identity numbers (personnummer) must not be stored in Lärnav."), code="personnummer"
        )
