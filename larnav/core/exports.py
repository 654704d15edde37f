"""Tabular exports as CSV and XLSX, shared by every list that can be exported.

CSV is written the way Swedish Excel reads it: UTF-8 with a byte-order mark
and semicolons. Text cells that a spreadsheet would run as a formula are
prefixed with an apostrophe (OWASP "CSV injection"). An XLSX sheet has its
header row in bold, frozen and with filter buttons, and columns as wide as
their content.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), delimiter=";")

    def stream():
        yield "\ufeff"
        yield writer.writerow([str(h) for h in headers])
        for row in rows:
            yield writer.writerow(["" if v is None else neutralise(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


INVALID_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH, MAX_WIDTH = 8, 60


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid sheet name not in ``taken`` (lower case; the name is added): no []:*?/\\, at most 31 characters."""
    base = INVALID_SHEET_CHARACTERS.sub("-", str(name)).strip("' ") or _("Table")
    candidate, n = base[:31], 2
    while candidate.lower() in taken:
        suffix = f" {n}"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def cell_width(value) -> int:
    """About how many characters a value takes in a cell (its longest line; numbers with separators)."""
    if value is None:
        return 1
    if isinstance(value, int | Decimal):
        return len(f"{value:,}") + 1
    return max((len(line) for line in str(value).splitlines()), default=1)


def column_widths(headers: Sequence, rows: Iterable[Sequence]) -> list[int]:
    """Excel column widths for a table: as wide as the widest cell, within MIN_WIDTH..MAX_WIDTH."""
    widths = [cell_width(h) for h in headers]
    for row in rows:
        for column, value in enumerate(row[: len(widths)]):
            widths[column] = max(widths[column], cell_width(value))
    return [min(MAX_WIDTH, max(MIN_WIDTH, width + 2)) for width in widths]


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """Build a workbook with one sheet per (title, headers, rows); numbers stay numbers."""
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=sheet_name(title, taken))
        rows = [[neutralise(v) for v in row] for row in rows]
        # A write-only sheet takes its layout before its first row.
        for column, width in enumerate(column_widths(headers, rows), start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = "A2"
        if headers:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=str(header))
            cell.font = Font(bold=True)
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence], title: str = "Data") -> HttpResponse:
    response = HttpResponse(xlsx_bytes([(title, headers, rows)]), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def export_response(fmt: str, filename: str, headers, rows, title: str = "Data"):
    if fmt == "xlsx":
        return xlsx_response(filename, headers, rows, title=title)
    return csv_response(filename, headers, rows)
