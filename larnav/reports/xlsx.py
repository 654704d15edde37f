"""A report as an XLSX workbook: a first sheet about the report, then one sheet per table.

Numbers stay numbers (with a number format, so that Excel shows them in the
reader's locale), headers are the Swedish (or English) column headings in
bold, the header row is frozen and the columns are as wide as their content.
Masked small cells ("<5") are text, aligned right like the numbers.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from larnav.core.exports import neutralise

from .document import Report, Table

INVALID_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
MAX_WIDTH = 60
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
RIGHT = Alignment(horizontal="right")
WRAP = Alignment(wrap_text=True, vertical="top")


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\, at most 31 characters."""
    base = INVALID_SHEET_CHARACTERS.sub("-", name).strip("' ") or _("Table")
    candidate, n = base[:31], 2
    while candidate.lower() in taken:
        suffix = f" {n}"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _width(value) -> int:
    if value is None:
        return 1
    if isinstance(value, int | Decimal):
        return len(f"{value:,}") + 1
    return max((len(line) for line in str(value).splitlines()), default=1)


def _cell_value(value):
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return neutralise(value)


def _write_table(sheet, table: Table) -> None:
    widths = [_width(h) for h in table.headers]
    sheet.append([str(h) for h in table.headers])
    for cell in sheet[1]:
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    rows = list(table.rows) + ([table.total] if table.total else [])
    for index, row in enumerate(rows):
        sheet.append([_cell_value(v) for v in row])
        excel_row = sheet.max_row
        for column, value in enumerate(row):
            cell = sheet.cell(row=excel_row, column=column + 1)
            if isinstance(value, int):
                cell.number_format = "#,##0"
            elif isinstance(value, Decimal):
                cell.number_format = "0.0" if column in table.percent_columns else "#,##0.0"
            elif isinstance(value, str) and column > 0:
                cell.alignment = RIGHT
            if table.total and index == len(rows) - 1:
                cell.font = BOLD
            if column < len(widths):
                widths[column] = max(widths[column], _width(value))
    if not rows and table.empty_text:
        sheet.append([table.empty_text])
    sheet.freeze_panes = "A2"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(MAX_WIDTH, max(8, width + 2))


def _about_sheet(sheet, report: Report) -> None:
    sheet.append([report.title])
    sheet["A1"].font = TITLE
    sheet.append([report.subtitle])
    sheet.append([])
    sheet.append([_("Created"), formats.date_format(report.generated_at, "SHORT_DATETIME_FORMAT")])
    for label, value in report.facts:
        sheet.append([str(label), neutralise(str(value))])
    for row in sheet.iter_rows(min_row=4, max_col=1):
        for cell in row:
            cell.font = BOLD
    if report.notes:
        sheet.append([])
        for note in report.notes:
            sheet.append([neutralise(str(note))])
            sheet.cell(row=sheet.max_row, column=1).alignment = WRAP
    sheet.append([])
    sheet.append([_("Tables")])
    sheet.cell(row=sheet.max_row, column=1).font = BOLD
    for table in report.tables:
        sheet.append([table.title])
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 50


def render_xlsx(report: Report) -> bytes:
    workbook = Workbook()
    about = workbook.active
    taken: set[str] = set()
    about.title = sheet_name(_("About the report"), taken)
    _about_sheet(about, report)
    for table in report.tables:
        sheet = workbook.create_sheet(title=sheet_name(table.sheet or table.title, taken))
        _write_table(sheet, table)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
