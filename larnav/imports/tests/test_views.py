"""The pages: upload, preview, confirm, result, history, templates; bad files never cause a server error."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from larnav.accounts.models import Role
from larnav.core.testing import make_user
from larnav.imports.models import ImportBatch
from larnav.people.models import Person

from .helpers import ORG_HEADER, PERSON_HEADER, csv_bytes, person_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def post_file(client, content, name="personer.csv", kind="persons", **extra):
    return client.post("/import/", {"kind": kind, "file": SimpleUploadedFile(name, content)}, **extra)


def upload(client, rows, **kwargs):
    response = post_file(client, csv_bytes([PERSON_HEADER, *rows]), **kwargs)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.latest("pk")


def use_language(client, code):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code


def test_upload_page_offers_what_the_user_may_import(client, region):
    client.force_login(region.samordnare)
    page = client.get("/import/").content.decode()
    assert 'value="persons"' in page and 'value="organisations"' in page
    assert "/import/mall/persons.xlsx" in page and "/import/mall/organisations.csv" in page
    client.force_login(region.cka_huddinge)
    page = client.get("/import/").content.decode()
    assert 'value="persons"' in page and 'value="organisations"' not in page


def test_users_without_import_rights_are_refused(client, region):
    client.force_login(region.chef_solgarden)
    assert client.get("/import/").status_code == 403
    assert client.get("/import/").status_code == 403
    client.logout()
    assert client.get("/import/").status_code == 302


def test_cka_cannot_upload_organisations(client, region):
    client.force_login(region.cka_huddinge)
    response = post_file(client, csv_bytes([ORG_HEADER]), kind="organisations")
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert not ImportBatch.objects.exists()


def test_full_journey_preview_confirm_result(client, region):
    client.force_login(region.cka_huddinge)
    batch = upload(client, [person_row("Lisa", "Larsson", "lisa@huddinge.se"),
                            person_row("Anna", "Åström", "anna@huddinge.se", "Ekbacken", "stödassistent")])
    page = client.get(f"/import/{batch.pk}/")
    assert page.status_code == 200
    assert page.context["counts"] == {"new": 1, "update": 1, "unchanged": 0, "error": 0}
    html = page.content.decode()
    assert "lisa@huddinge.se" in html and 'name="mode" value="all"' in html
    assert not Person.objects.filter(email="lisa@huddinge.se").exists()

    response = client.post(f"/import/{batch.pk}/importera/", {"mode": "all"})
    assert response.status_code == 302
    assert Person.objects.get(email="lisa@huddinge.se").workplace == region.solgarden
    result = client.get(f"/import/{batch.pk}/")
    assert result.status_code == 200 and result.context["batch"].status == "applied"
    assert client.get("/import/historik/").context["page"].object_list[0] == batch


def test_import_all_is_refused_when_there_are_errors(client, region):
    client.force_login(region.samordnare)
    batch = upload(client, [person_row("Ny", "Person", "ny@huddinge.se"),
                            person_row("Fel", "Rad", "fel@huddinge.se", "Okänd")])
    html = client.get(f"/import/{batch.pk}/").content.decode()
    assert 'value="all"' not in html and 'value="valid"' in html
    response = client.post(f"/import/{batch.pk}/importera/", {"mode": "all"})
    assert response.status_code == 200
    assert response.context["confirm_form"].non_field_errors()
    assert not Person.objects.filter(email="ny@huddinge.se").exists()


def test_only_valid_rows_needs_the_explicit_checkbox(client, region):
    client.force_login(region.samordnare)
    batch = upload(client, [person_row("Ny", "Person", "ny@huddinge.se"),
                            person_row("Fel", "Rad", "fel@huddinge.se", "Okänd")])
    response = client.post(f"/import/{batch.pk}/importera/", {"mode": "valid"})
    assert response.status_code == 200
    assert "skip_errors" in response.context["confirm_form"].errors
    assert 'aria-describedby="id_skip_errors_error"' in response.content.decode()
    assert not Person.objects.filter(email="ny@huddinge.se").exists()

    response = client.post(f"/import/{batch.pk}/importera/", {"mode": "valid", "skip_errors": "on"})
    assert response.status_code == 302
    assert Person.objects.filter(email="ny@huddinge.se").exists()
    assert not Person.objects.filter(email="fel@huddinge.se").exists()


def test_error_table_shows_row_column_and_message(client, region):
    client.force_login(region.samordnare)
    use_language(client, "en")
    batch = upload(client, [person_row("Lisa", "Larsson", "lisa@huddinge.se", "Okänd enhet")])
    page = client.get(f"/import/{batch.pk}/")
    assert page.context["errors_page"].object_list == [
        {"row": 2, "column": "arbetsplats", "message": "Unknown workplace: “Okänd enhet”."}
    ]
    html = page.content.decode()
    assert '<th scope="col">Row</th>' in html and '<caption id="errors-caption">' in html


def test_other_users_get_404_for_a_batch_and_superusers_may_look(client, region):
    client.force_login(region.cka_huddinge)
    batch = upload(client, [person_row()])
    other_cka = make_user(region.consortium, Role.CKA, region.huddinge)
    for user in (region.samordnare, other_cka, region.cka_taby):
        client.force_login(user)
        assert client.get(f"/import/{batch.pk}/").status_code == 404
        assert client.post(f"/import/{batch.pk}/importera/", {"mode": "all"}).status_code == 404
        assert client.post(f"/import/{batch.pk}/kasta/").status_code == 404
        assert batch not in client.get("/import/historik/").context["page"].object_list
    assert not Person.objects.filter(email="lisa@huddinge.se").exists()
    admin = make_user(region.consortium, Role.SAMORDNARE)
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    page = client.get(f"/import/{batch.pk}/")
    assert page.status_code == 200 and 'value="all"' not in page.content.decode()
    assert client.post(f"/import/{batch.pk}/importera/", {"mode": "all"}).status_code == 404


def test_discard_writes_nothing_and_forgets_the_rows(client, region):
    client.force_login(region.samordnare)
    batch = upload(client, [person_row()])
    assert client.post(f"/import/{batch.pk}/kasta/").status_code == 302
    batch.refresh_from_db()
    assert batch.status == "discarded" and batch.rows == []
    assert client.post(f"/import/{batch.pk}/importera/", {"mode": "all"}).status_code == 302
    assert not Person.objects.filter(email="lisa@huddinge.se").exists()


def test_apply_needs_post(client, region):
    client.force_login(region.samordnare)
    batch = upload(client, [person_row()])
    assert client.get(f"/import/{batch.pk}/importera/").status_code == 405


@pytest.mark.parametrize("kind,header", [("persons", PERSON_HEADER), ("organisations", ORG_HEADER)])
def test_templates_have_the_headings_in_both_formats(client, region, kind, header):
    client.force_login(region.samordnare)
    response = client.get(f"/import/mall/{kind}.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.strip().split(";") == header
    response = client.get(f"/import/mall/{kind}.xlsx")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    assert [c for c in next(sheet.iter_rows(values_only=True))] == header


def test_templates_are_only_for_what_the_user_may_import(client, region):
    client.force_login(region.cka_huddinge)
    assert client.get("/import/mall/persons.csv").status_code == 200
    assert client.get("/import/mall/organisations.csv").status_code == 404
    assert client.get("/import/mall/persons.pdf").status_code == 404


def test_a_filled_in_xlsx_template_imports(client, region):
    client.force_login(region.samordnare)
    content = xlsx_bytes([PERSON_HEADER, person_row("Lisa", "Larsson", "lisa@huddinge.se")])
    assert post_file(client, content, name="personer.xlsx").status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.file_format == "xlsx" and batch.counts["new"] == 1


def _zip_bomb():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (120 * 1024 * 1024) + b"</a>")
    return buffer.getvalue()


BAD_FILES = {
    "empty": (b"", "personer.csv", "The file is empty."),
    "garbage": (bytes(range(256)) * 20, "personer.csv", "does not look like a CSV file"),
    "not a zip": (b"PK? no, just text pretending", "personer.xlsx", "not a valid Excel workbook"),
    "old xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "personer.xls", "Old Excel files"),
    "zip bomb": (_zip_bomb(), "personer.xlsx", "unpacks to too much data"),
    "missing columns": (csv_bytes([["förnamn", "efternamn"], ["A", "B"]]), "p.csv", "Required columns are missing"),
    "extra columns": (csv_bytes([PERSON_HEADER + ["personnummer"], person_row() + [""]]), "p.csv",
                      "Unknown columns: personnummer"),
    "header only": (csv_bytes([PERSON_HEADER]), "p.csv", "no rows to import"),
    "bad encoding": (b"f\xf6rnamn;efternamn\r\nA\x81;B\r\n", "p.csv", "characters in the file could not be read"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_get_a_clear_message_not_an_error_page(client, region, case):
    content, name, message = BAD_FILES[case]
    client.force_login(region.samordnare)
    use_language(client, "en")
    response = post_file(client, content, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_in_swedish_ui_also_answer_200_with_the_message_on_the_file_field(client, region, case):
    content, name, _message = BAD_FILES[case]
    client.force_login(region.samordnare)
    use_language(client, "sv")
    response = post_file(client, content, name=name)
    assert response.status_code == 200
    assert response["Content-Language"] == "sv"
    assert response.context["form"].errors["file"]
    assert 'aria-describedby="id_file_helptext id_file_error"' in response.content.decode()


def test_too_large_is_refused_from_content_length_before_the_body_is_read(client, region, settings):
    settings.LARNAV_IMPORT_MAX_BYTES = 1000
    client.force_login(region.samordnare)
    use_language(client, "en")
    big = csv_bytes([PERSON_HEADER] + [person_row()] * 3000)
    assert len(big) > 100 * 1024
    response = post_file(client, big)
    assert response.status_code == 200
    assert "The file is too large" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_too_large_is_refused_by_the_upload_handler_when_the_length_header_is_small(
    client, region, settings, monkeypatch
):
    from larnav.imports import services

    def never(**_kwargs):
        raise AssertionError("the file reached the reader: the upload handler did not stop it")

    monkeypatch.setattr(services, "create_batch", never)
    settings.LARNAV_IMPORT_MAX_BYTES = 1000
    client.force_login(region.samordnare)
    use_language(client, "en")
    response = post_file(client, csv_bytes([PERSON_HEADER] + [person_row()] * 100))  # 5 kB: within the overhead
    assert response.status_code == 200
    assert "The file is too large" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_upload_still_checks_csrf(region):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(region.samordnare)
    response = post_file(client, csv_bytes([PERSON_HEADER, person_row()]))
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "participant", "cka_taby", "samordnare"])
def test_outsiders_see_nothing_of_someone_elses_batch_on_any_import_url(client, region, who):
    from django.urls import reverse

    client.force_login(region.cka_huddinge)
    batch = upload(client, [person_row("Hemlig", "Hemligsson", "hemlig@huddinge.se")])
    client.logout()
    user = {"anonymous": None, "participant": region.deltagare, "cka_taby": region.cka_taby,
            "samordnare": region.samordnare}[who]
    if user is not None:
        client.force_login(user)
    urls = [reverse("imports:start"), reverse("imports:history"),
            reverse("imports:template", args=["persons", "csv"]),
            reverse("imports:template", args=["organisations", "xlsx"])]
    urls += [reverse(name, args=[batch.pk]) for name in ("imports:batch", "imports:apply", "imports:discard")]
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code < 500, (method, url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert b"hemlig" not in body.lower(), (method, url)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


def test_stale_previews_are_discarded_with_their_rows(client, region):
    from datetime import timedelta

    from django.utils import timezone

    from larnav.imports.services import discard_stale_previews

    client.force_login(region.cka_huddinge)
    batch = upload(client, [person_row("Lisa", "Larsson", "lisa@huddinge.se")])
    assert discard_stale_previews() == 0
    assert discard_stale_previews(now=timezone.now() + timedelta(days=8)) == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DISCARDED and batch.rows == []
    assert not Person.objects.filter(email="lisa@huddinge.se").exists()
