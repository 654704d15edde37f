"""From a table of strings to the rows an import batch stores.

Every cell is screened before it is stored. Two kinds of cell are refused and
never stored, only the fact that they were refused:

* a formula. Lärnav never evaluates a cell, but a formula stored here could be
  exported later and run in someone's spreadsheet ("CSV injection"). A cell
  is a formula when it starts with "=", "+" or "@" (how spreadsheets start
  formulas and Lotus-style functions). A leading "-" is a formula unless the
  whole value is a plain number or the dash stands alone or before a space:
  "-5", "-12,5", "-" and "- ingen -" pass; "-cmd|' /C calc'!A0", "-SUM(A1)"
  and "-2+3" do not. None of the
  columns expects a value starting with "+" or "@", so nothing legitimate is
  lost. In XLSX a real formula cell arrives here as its text, "=...".
* anything shaped like a Swedish personnummer: Lärnav must never store one,
  not even in a batch waiting for confirmation.
"""

import re

from larnav.core.validators import looks_like_personnummer

FORMULA = re.compile(r"^(?:[=+@]|-(?!\s|$|\d+(?:[.,]\d+)?$))")
MAX_STORED_CELL = 1000  # longer than any column allows; the rest of a hostile cell is not kept


def is_formula(value: str) -> bool:
    return bool(FORMULA.match(value))


def screen(value: str) -> str | None:
    """The error code that refuses ``value``, or None."""
    if is_formula(value):
        return "formula"
    if looks_like_personnummer(value):
        return "personnummer"
    return None


def build_rows(table, mapping: dict[int, str]) -> list[dict]:
    """Rows as stored on a batch: ``{"row", "values", "rejected", "errors"}``.

    ``values`` holds only the mapped columns (refused cells left out),
    ``rejected`` maps a field to the reason its cell was refused, and
    ``errors`` holds whole-row problems.
    """
    width = len(table.headers)
    result = []
    for number, cells in table.rows:
        values: dict[str, str] = {}
        rejected: dict[str, str] = {}
        errors: list[str] = []
        if any(cells[width:]):
            errors.append("extra_cells")
        for index, field in mapping.items():
            value = " ".join(cells[index].split()) if index < len(cells) else ""
            reason = screen(value)
            if reason:
                rejected[field] = reason
            else:
                values[field] = value[:MAX_STORED_CELL]
        if not any(values.values()) and not rejected and not errors:
            continue  # nothing in the mapped columns: an empty row
        result.append({"row": number, "values": values, "rejected": rejected, "errors": errors})
    return result
