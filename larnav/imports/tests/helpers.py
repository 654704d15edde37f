"""Building import files in tests."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from larnav.imports import services

PERSON_HEADER = ["förnamn", "efternamn", "e-post", "arbetsplats", "yrkesroll", "kön", "språk", "anställningsnummer"]
ORG_HEADER = ["id", "typ", "namn", "scb-kod", "överordnad", "externt id", "driftform", "utförare/anordnare",
              "funktion"]


def csv_bytes(rows, delimiter=";", encoding="utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload_file(content: bytes, name="personer.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def person_row(first="Lisa", last="Larsson", email="lisa@huddinge.se", workplace="Solgården", occupation="",
               gender="", language="", external_id=""):
    return [first, last, email, workplace, occupation, gender, language, external_id]


def persons_batch(user, region, rows, header=PERSON_HEADER, name="personer.csv", content=None):
    content = content if content is not None else csv_bytes([header, *rows])
    return services.create_batch(user=user, consortium=region.consortium, kind="persons",
                                 uploaded=upload_file(content, name))


def orgs_batch(user, region, rows, header=ORG_HEADER, name="organisationer.csv"):
    return services.create_batch(user=user, consortium=region.consortium, kind="organisations",
                                 uploaded=upload_file(csv_bytes([header, *rows]), name))


def error_codes(batch) -> list[tuple[int, str, str]]:
    """(row, field, code) of every error in a batch's preview."""
    return [(row, field, code) for row, field, code, _params in batch.preview["errors"]]
