"""The shared CSV and XLSX exports: formulas neutralised, and sheets laid out for reading."""

import io
from decimal import Decimal

from openpyxl import load_workbook

from larnav.core.exports import column_widths, sheet_name, xlsx_bytes


def test_sheet_names_are_valid_and_unique():
    taken = set()
    assert sheet_name("Driftform/funktion: [T1]", taken) == "Driftform-funktion- -T1-"
    assert sheet_name("driftform/funktion: [t1]", taken) == "driftform-funktion- -t1- 2"
    assert sheet_name("Deltagare per kommun och arbetsplats i regionen", taken) == "Deltagare per kommun och arbets"
    assert sheet_name("''", taken) == "Tabell"


def test_columns_are_as_wide_as_their_widest_cell_within_bounds():
    rows = [["Huddinge", 1234567, Decimal("12.5"), None], ["Botkyrka\nflera rader", 1, "x" * 100, None]]
    assert column_widths(["Kommun", "Deltagare", "Timmar", "Ö"], rows) == [13, 12, 60, 8]  # the longer line of the two


def test_a_sheet_has_a_frozen_bold_header_with_filters_numbers_as_numbers_and_no_formulas():
    content = xlsx_bytes([("Deltagare/kommun", ["Kommun", "Deltagare", "Timmar"],
                           [("Huddinge", 12, Decimal("3.5")), ("=HYPERLINK(\"x\")", 1, 0)]),
                          ("Tom", ["Kommun"], [])])
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Deltagare-kommun", "Tom"]
    sheet = workbook["Deltagare-kommun"]
    assert [c.value for c in sheet[1]] == ["Kommun", "Deltagare", "Timmar"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C3"
    assert [c.value for c in sheet[2]] == ["Huddinge", 12, 3.5]
    assert sheet["A3"].value == "'=HYPERLINK(\"x\")"
    assert sheet.column_dimensions["A"].width == 18
    assert workbook["Tom"].auto_filter.ref == "A1:A1"
