"""Reading an uploaded CSV or XLSX file into a table of strings.

Nothing here trusts the file. The size is checked before the content is
read; CSV is decoded as UTF-8 (with or without byte-order mark), UTF-16 with
a byte-order mark, or Windows-1252, which is what Excel writes; binary content
is refused; an XLSX is opened only after its zip directory shows that it
unpacks to a sane amount of data, and it is read with openpyxl in read-only
mode without evaluating anything. Formulas come back as their text ("=...")
so that the screening in ``rows.py`` refuses them.
"""

import codecs
import csv
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings

from .columns import MAX_COLUMNS
from .errors import ImportFileError

logger = logging.getLogger(__name__)

XLSX_EXTENSIONS = (".xlsx", ".xlsm")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls (and password-protected .xlsx)
DELIMITERS = (";", ",", "\t")
# C0 control characters other than tab, line feed and carriage return never occur in a real CSV file;
# random bytes decoded as Windows-1252 are full of them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A zip member that is larger than this and packed tighter than MAX_COMPRESSION_RATIO is refused.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_FROM_BYTES = 1024 * 1024
MAX_ZIP_MEMBERS = 2000


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells)
    format: str
    encoding: str = ""
    delimiter: str = ""


def max_bytes() -> int:
    return settings.LARNAV_IMPORT_MAX_BYTES


def max_rows() -> int:
    return getattr(settings, "LARNAV_IMPORT_MAX_ROWS", 20000)


def max_unpacked_bytes() -> int:
    return getattr(settings, "LARNAV_IMPORT_MAX_UNPACKED_BYTES", 10 * max_bytes())


def read_upload(uploaded) -> Table:
    """Read an uploaded file (anything with ``name``, ``size``, ``seek`` and ``read``)."""
    limit = max_bytes()
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise ImportFileError("too_large", max=limit)
    uploaded.seek(0)
    data = uploaded.read(limit + 1)  # never more than the limit, whatever ``size`` claimed
    if len(data) > limit:
        raise ImportFileError("too_large", max=limit)
    return read_bytes(data, getattr(uploaded, "name", "") or "")


def read_bytes(data: bytes, name: str = "") -> Table:
    if not data or not data.strip():
        raise ImportFileError("empty")
    lowered = name.lower()
    if data.startswith(ZIP_MAGIC):
        return read_xlsx(data)
    if data.startswith(OLE2_MAGIC) or lowered.endswith(".xls"):
        raise ImportFileError("xls")
    if lowered.endswith(XLSX_EXTENSIONS):
        raise ImportFileError("bad_xlsx")
    return read_csv(data)


# --- CSV ------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) or raise ImportFileError."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif b"\x00" in data:
        raise ImportFileError("binary")
    else:
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if CONTROL_CHARACTERS.search(text):
            raise ImportFileError("binary")
        return text, encoding
    raise ImportFileError("encoding")


def sniff_delimiter(text: str) -> str:
    """The separator used in the heading row: semicolon (Swedish Excel), comma or tab."""
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {d: 0 for d in DELIMITERS}
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties go to the first: semicolon
    return best if counts[best] else ";"


def read_csv(data: bytes) -> Table:
    text, encoding = decode(data)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportFileError("empty")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    limit = max_rows()
    try:
        for number, record in enumerate(reader, start=1):
            cells = [cell.strip() for cell in record]
            if not any(cells):
                continue
            if header is None:
                header = cells
                continue
            rows.append((number, cells))
            if len(rows) > limit:
                raise ImportFileError("too_many_rows", max=limit)
    except csv.Error as exc:  # e.g. a cell longer than the csv module's field limit
        logger.info("Unreadable CSV refused: %s", exc)
        raise ImportFileError("csv_malformed") from exc
    if header is None:
        raise ImportFileError("empty")
    if len(header) > MAX_COLUMNS:
        raise ImportFileError("too_many_columns", max=MAX_COLUMNS)
    return Table(header, rows, "csv", encoding=encoding, delimiter=delimiter)


# --- XLSX -----------------------------------------------------------------------


def check_zip(data: bytes) -> None:
    """Refuse what is not a workbook, and zip bombs, from the zip directory alone (nothing is unpacked)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ImportFileError("bad_xlsx") from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportFileError("xlsx_too_big")
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise ImportFileError("bad_xlsx")
    if any(m.flag_bits & 0x1 for m in members):  # encrypted member
        raise ImportFileError("bad_xlsx")
    # zipfile never unpacks more than a member's declared size, so these figures bound the work.
    if sum(m.file_size for m in members) > max_unpacked_bytes():
        raise ImportFileError("xlsx_too_big")
    for m in members:
        if m.file_size > RATIO_CHECK_FROM_BYTES and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1):
            raise ImportFileError("xlsx_too_big")


def cell_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if getattr(cell, "data_type", None) == "f":
        text = value if isinstance(value, str) else str(getattr(value, "text", value) or "")
        return text if text.startswith("=") else "=" + text
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def read_xlsx(data: bytes) -> Table:
    check_zip(data)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds of errors for broken files
        logger.info("Unreadable workbook refused: %r", exc)
        raise ImportFileError("bad_xlsx") from exc
    try:
        return _read_sheet(workbook)
    except ImportFileError:
        raise
    except Exception as exc:
        logger.info("Unreadable worksheet refused: %r", exc)
        raise ImportFileError("bad_xlsx") from exc
    finally:
        workbook.close()


def _read_sheet(workbook) -> Table:
    if not workbook.worksheets:
        raise ImportFileError("empty")
    sheet = workbook.worksheets[0]
    # Ignore the sheet's declared dimensions: a forged one would make every row 16 384 cells wide.
    sheet.reset_dimensions()
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    limit = max_rows()
    for number, row in enumerate(sheet.iter_rows(), start=1):
        cells = [cell_text(cell) for cell in row[: MAX_COLUMNS + 1]]
        if len(row) > MAX_COLUMNS + 1 and any(cell.value not in (None, "") for cell in row[MAX_COLUMNS + 1:]):
            raise ImportFileError("too_many_columns", max=MAX_COLUMNS)
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if header is None:
            if len(cells) > MAX_COLUMNS:
                raise ImportFileError("too_many_columns", max=MAX_COLUMNS)
            header = cells
            continue
        rows.append((number, cells))
        if len(rows) > limit:
            raise ImportFileError("too_many_rows", max=limit)
    if header is None:
        raise ImportFileError("empty")
    return Table(header, rows, "xlsx")
