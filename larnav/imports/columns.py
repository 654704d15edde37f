"""The columns of the two import files, and how a file's headings map onto them.

Headings are Swedish data identifiers (what the templates contain), matched
without regard to case, punctuation and spacing, and with a few English
aliases. "E-post", "e-post", "EPOST" and "email" are the same column.
"""

import unicodedata
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .errors import ImportFileError

PERSONS = "persons"
ORGANISATIONS = "organisations"

MAX_COLUMNS = 200


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the heading in the templates
    required: bool = False
    aliases: tuple[str, ...] = ()
    description: str | Promise = ""


COLUMNS: dict[str, tuple[Column, ...]] = {
    PERSONS: (
        Column("first_name", "förnamn", True, ("first name", "given name"), _("First name.")),
        Column("last_name", "efternamn", True, ("last name", "surname", "family name"), _("Last name.")),
        Column("email", "e-post", True, ("e-postadress", "email", "e-mail", "mail"), _(
            "Work e-mail address. It identifies the person: importing the same address again updates the person."
        )),
        Column("workplace", "arbetsplats", True, ("workplace",), _(
            "The workplace (unit): its Lärnav id, its id in the HR system, or its exact name."
        )),
        Column("occupation", "yrkesroll", False, ("yrke", "occupation"), _(
            "Occupation: its code or its name in Swedish or English."
        )),
        Column("gender", "kön", False, ("gender",), _("kvinna, man or annat; may be left empty.")),
        Column("language", "språk", False, ("language",), _("sv or en; empty means sv.")),
        Column("external_id", "anställningsnummer", False, ("anstnr", "employee id", "employee number"), _(
            "Employee number in the HR system. Never a personal identity number."
        )),
    ),
    ORGANISATIONS: (
        Column("id", "id", False, ("lärnav-id",), _(
            "Lärnav id of an existing organisation, to update it. Leave empty for new organisations."
        )),
        Column("type", "typ", True, ("type",), _("kommun, förvaltning, stadsdelsförvaltning or enhet.")),
        Column("name", "namn", True, ("name",), _("Name.")),
        Column("scb_code", "scb-kod", False, ("kommunkod", "scb", "scb code"), _(
            "The municipality's four-digit SCB code (only for a kommun)."
        )),
        Column("parent", "överordnad", False, ("parent",), _(
            "The organisation above: its Lärnav id, external id or SCB code. It may be a row further down "
            "in the same file."
        )),
        Column("external_id", "externt id", False, ("extern id", "external id", "hr-id"), _(
            "The organisation's id in the HR system."
        )),
        Column("driftform", "driftform", False, ("operating form",), _(
            "kommunal or enskild; required for an enhet."
        )),
        Column("provider_name", "utförare/anordnare", False, ("utförare", "anordnare", "provider"), _(
            "The provider's name; required for a privately run enhet."
        )),
        Column("funktion", "funktion", False, ("function",), _(
            "utförare, myndighet (beställare) or hsl."
        )),
    ),
}


def normalise_header(text: str) -> str:
    """'E-post ' -> 'epost', 'Förnamn' -> 'fornamn': case, accents, spaces and punctuation do not matter."""
    folded = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(ch for ch in folded if ch.isalnum())


def _lookup(kind: str) -> dict[str, Column]:
    table = {}
    for column in COLUMNS[kind]:
        for name in (column.header, column.field, *column.aliases):
            table[normalise_header(name)] = column
    return table


def headers(kind: str) -> list[str]:
    return [c.header for c in COLUMNS[kind]]


def map_columns(kind: str, file_headers: list[str], rows: list[tuple[int, list[str]]]) -> dict[int, str]:
    """Map column positions to field names, or raise ImportFileError (missing, unknown, repeated columns)."""
    lookup = _lookup(kind)
    mapping: dict[int, str] = {}
    seen: dict[str, str] = {}
    unknown: list[str] = []
    for index, heading in enumerate(file_headers):
        if not heading:
            if any(index < len(cells) and cells[index] for _number, cells in rows):
                raise ImportFileError("unnamed_column", number=index + 1)
            continue  # an empty column at the edge of a spreadsheet
        column = lookup.get(normalise_header(heading))
        if column is None:
            unknown.append(heading)
            continue
        if column.field in seen:
            raise ImportFileError("duplicate_columns", column=heading)
        seen[column.field] = heading
        mapping[index] = column.field
    if unknown:
        raise ImportFileError(
            "unknown_columns", columns=", ".join(unknown), allowed=", ".join(headers(kind))
        )
    missing = [c.header for c in COLUMNS[kind] if c.required and c.field not in seen]
    if missing:
        raise ImportFileError("missing_columns", columns=", ".join(missing))
    return mapping
