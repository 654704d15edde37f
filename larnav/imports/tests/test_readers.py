"""Reading hostile and ordinary files: encodings, separators, sizes, broken workbooks, formulas."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from larnav.imports.columns import map_columns
from larnav.imports.errors import ImportFileError
from larnav.imports.readers import read_bytes, read_upload
from larnav.imports.rows import build_rows, is_formula

from .helpers import PERSON_HEADER, csv_bytes, upload_file, xlsx_bytes

ROW = ["Åsa", "Öhman", "asa@huddinge.se", "Solgården", "", "kvinna", "sv", ""]


def file_error(data, name="fil.csv") -> str:
    with pytest.raises(ImportFileError) as info:
        read_bytes(data, name)
    return info.value.code


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_encodings_excel_writes_are_read_with_swedish_letters(encoding):
    table = read_bytes(csv_bytes([PERSON_HEADER, ROW], encoding=encoding))
    assert table.headers == PERSON_HEADER
    assert table.rows == [(2, ROW)]


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_separator_is_sniffed(delimiter):
    table = read_bytes(csv_bytes([PERSON_HEADER, ROW], delimiter=delimiter))
    assert table.delimiter == delimiter
    assert table.rows[0][1][0] == "Åsa"


def test_quoted_cells_with_separators_and_line_breaks():
    rows = [PERSON_HEADER, ["Anna; Maria", "Berg", "a@b.se", "Solgården, hus 2", "", "", "", ""]]
    table = read_bytes(csv_bytes(rows, delimiter=";"))
    assert table.delimiter == ";"
    assert table.rows[0][1][:4] == ["Anna; Maria", "Berg", "a@b.se", "Solgården, hus 2"]


def test_row_numbers_follow_the_spreadsheet_skipping_blank_lines():
    data = csv_bytes([PERSON_HEADER, ROW, [], ROW])
    assert [number for number, _cells in read_bytes(data).rows] == [2, 4]


@pytest.mark.parametrize("data", [b"", b"   \r\n  ", b"\xef\xbb\xbf", b"\r\n;;;\r\n"])
def test_empty_file(data):
    assert file_error(data) == "empty"


def test_binary_garbage_is_refused():
    garbage = bytes(range(256)) * 40
    assert file_error(garbage) == "binary"
    assert file_error(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") == "binary"


def test_random_high_bytes_without_nul_are_refused():
    # Decodes as Windows-1252 only with control characters in it.
    assert file_error(bytes([0xC3, 0x28, 0x01, 0x02, 0x9C, 0x03, 0x04]) * 50) == "binary"


def test_undecodable_bytes_are_an_encoding_error():
    # 0x81 is undefined in Windows-1252 and invalid as UTF-8.
    assert file_error(b"f\xf6rnamn;efternamn\r\nA\x81;B\r\n") == "encoding"


def test_old_xls_and_fake_xlsx_are_refused():
    assert file_error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "fil.xls") == "xls"
    assert file_error(b"this is not a zip file", "personer.xlsx") == "bad_xlsx"


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hej")
    assert file_error(buffer.getvalue(), "personer.xlsx") == "bad_xlsx"


def test_truncated_xlsx_is_refused():
    data = xlsx_bytes([PERSON_HEADER, ROW])
    assert file_error(data[: len(data) // 2], "personer.xlsx") == "bad_xlsx"


def test_zip_bomb_is_refused_from_the_directory_alone(settings):
    settings.LARNAV_IMPORT_MAX_BYTES = 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (60 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 200 * 1024
    assert file_error(data, "bomb.xlsx") == "xlsx_too_big"


def test_xlsx_is_read_with_numbers_as_text():
    table = read_bytes(xlsx_bytes([["id", "typ", "namn", "scb-kod"], [None, "kommun", "Botkyrka", 127]]), "o.xlsx")
    assert table.format == "xlsx"
    assert table.rows == [(2, ["", "kommun", "Botkyrka", "127"])]


def test_xlsx_formulas_are_returned_as_formula_text_never_evaluated():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(PERSON_HEADER)
    sheet.append(["=cmd|' /C calc'!A0", "Berg", "=HYPERLINK(\"http://x\")", "Solgården"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_bytes(buffer.getvalue(), "p.xlsx")
    cells = table.rows[0][1]
    assert cells[0].startswith("=") and is_formula(cells[0])
    assert is_formula(cells[2])


@pytest.mark.parametrize("value", ["=1+1", "+SUM(A1:A2)", "@SUM(A1)", "=cmd|' /C calc'!A0", "-cmd|x",
                                   "-SUM(A1)", "-2+3"])
def test_formula_like_cells(value):
    assert is_formula(value)


@pytest.mark.parametrize("value", ["Anna", "-5", "-12,5", "-", "- ingen -", "Lisa-Marie", "a=b", "0126"])
def test_ordinary_cells_are_not_formulas(value):
    assert not is_formula(value)


def test_size_is_checked_before_reading(settings):
    settings.LARNAV_IMPORT_MAX_BYTES = 100

    class Exploding:
        name, size = "stor.csv", 50 * 1024 * 1024

        def seek(self, _pos):
            raise AssertionError("read although the size was known to be too large")

        read = seek

    with pytest.raises(ImportFileError) as info:
        read_upload(Exploding())
    assert info.value.code == "too_large"


def test_size_is_checked_even_when_the_declared_size_lies(settings):
    settings.LARNAV_IMPORT_MAX_BYTES = 100
    upload = upload_file(b"x;" * 200)
    upload.size = 10
    with pytest.raises(ImportFileError) as info:
        read_upload(upload)
    assert info.value.code == "too_large"


def test_a_cell_beyond_the_csv_field_limit_is_refused_cleanly():
    data = csv_bytes([PERSON_HEADER]) + b'"' + b"x" * 200_000 + b'";B;c@d.se;X\r\n'
    assert file_error(data) == "csv_malformed"


def test_too_many_rows(settings):
    settings.LARNAV_IMPORT_MAX_ROWS = 3
    assert file_error(csv_bytes([PERSON_HEADER] + [ROW] * 4)) == "too_many_rows"


def test_headers_are_matched_loosely_with_english_aliases():
    headers = ["Förnamn", "EFTERNAMN", "E-mail", "Workplace", "fornamn_x"]
    with pytest.raises(ImportFileError) as info:
        map_columns("persons", headers, [])
    assert info.value.code == "unknown_columns" and "fornamn_x" in info.value.params["columns"]
    mapping = map_columns("persons", headers[:4], [])
    assert mapping == {0: "first_name", 1: "last_name", 2: "email", 3: "workplace"}


def test_missing_and_duplicate_columns():
    with pytest.raises(ImportFileError) as info:
        map_columns("persons", ["förnamn", "efternamn"], [])
    assert info.value.code == "missing_columns" and "e-post" in info.value.params["columns"]
    with pytest.raises(ImportFileError) as info:
        map_columns("persons", ["förnamn", "efternamn", "e-post", "email", "arbetsplats"], [])
    assert info.value.code == "duplicate_columns"


def test_empty_heading_is_ignored_unless_the_column_has_values():
    headers = ["förnamn", "efternamn", "e-post", "arbetsplats", ""]
    assert 4 not in map_columns("persons", headers, [(2, ["A", "B", "c@d.se", "X", ""])])
    with pytest.raises(ImportFileError) as info:
        map_columns("persons", headers, [(2, ["A", "B", "c@d.se", "X", "oj"])])
    assert info.value.code == "unnamed_column"


def test_screening_drops_formulas_and_personnummer_before_storage():
    table = read_bytes(csv_bytes([PERSON_HEADER, ["=cmd|x", "Berg", "b@c.se", "X", "", "", "", "19850101-1234"]]))
    rows = build_rows(table, map_columns("persons", table.headers, table.rows))
    assert rows[0]["rejected"] == {"first_name": "formula", "external_id": "personnummer"}
    assert "first_name" not in rows[0]["values"] and "external_id" not in rows[0]["values"]
    assert "19850101" not in repr(rows)


def test_extra_cells_are_a_row_error():
    table = read_bytes(csv_bytes([PERSON_HEADER, ROW + ["extra"]]))
    rows = build_rows(table, map_columns("persons", table.headers, table.rows))
    assert rows[0]["errors"] == ["extra_cells"]
