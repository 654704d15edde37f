"""Tabular exports as CSV and XLSX, shared by every list that can be exported.

CSV is written the way Swedish Excel reads it: UTF-8 with a byte-order mark
and semicolons. Text cells that a spreadsheet would run as a formula are
prefixed with an apostrophe (OWASP "CSV injection").
"""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

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


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """Build a workbook with one sheet per (title, headers, rows); numbers stay numbers."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=str(header))
            cell.font = Font(bold=True)
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append([neutralise(v) for v in row])
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
