"""A report as an XLSX workbook: a first sheet about the report, then one sheet per table.

Numbers stay numbers (with a number format, so that Excel shows them in the
reader's locale), headers are the Swedish (or English) column headings in
bold, the header row is frozen and the columns are as wide as their content.
Masked small cells ("<5") are text, aligned right like the numbers.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from larnav.core.exports import column_widths, neutralise, sheet_name

from .document import Report, Table

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
RIGHT = Alignment(horizontal="right")
WRAP = Alignment(wrap_text=True, vertical="top")


def _cell_value(value):
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return neutralise(value)


def _write_table(sheet, table: Table) -> None:
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
    if not rows and table.empty_text:
        sheet.append([table.empty_text])
    sheet.freeze_panes = "A2"
    for column, width in enumerate(column_widths(table.headers, rows), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


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
