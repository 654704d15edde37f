import csv
import io

import pytest
from openpyxl import load_workbook

from larnav.people.models import Person

pytestmark = pytest.mark.django_db


def csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_cka_lists_only_own_municipality(client, region):
    client.force_login(region.cka_huddinge)
    response = client.get("/personer/")
    emails = {p.email for p in response.context["page"].object_list}
    assert emails == {"anna@huddinge.se", "erik@ekbacken.se"}


def test_exports_are_scoped_in_both_formats(client, region):
    client.force_login(region.cka_huddinge)
    rows = csv_rows(client.get("/personer/export.csv"))
    assert rows[0][:3] == ["Förnamn", "Efternamn", "E-post"]
    assert {r[2] for r in rows[1:]} == {"anna@huddinge.se", "erik@ekbacken.se"}
    book = load_workbook(io.BytesIO(client.get("/personer/export.xlsx").content))
    emails = {row[2] for row in book.active.iter_rows(min_row=2, values_only=True)}
    assert emails == {"anna@huddinge.se", "erik@ekbacken.se"}


def test_export_neutralises_formulas(client, region):
    region.anna.first_name = "=HYPERLINK(\"http://evil\")"
    region.anna.save()
    client.force_login(region.samordnare)
    rows = csv_rows(client.get("/personer/export.csv"))
    assert any(r[0].startswith("'=") for r in rows)


def test_kompetensombud_cannot_export(client, region):
    client.force_login(region.ombud_tibble)
    assert client.get("/personer/").status_code == 200
    assert client.get("/personer/export.csv").status_code == 403


def test_search_handles_swedish_letters_case_insensitively(client, region):
    client.force_login(region.samordnare)
    response = client.get("/personer/", {"q": "öberg"})
    assert [p.email for p in response.context["page"].object_list] == ["erik@ekbacken.se"]


def test_filter_by_organisation_includes_the_subtree(client, region):
    client.force_login(region.samordnare)
    response = client.get("/personer/", {"organisation": region.huddinge.pk})
    assert {p.email for p in response.context["page"].object_list} == {"anna@huddinge.se", "erik@ekbacken.se"}


def test_list_query_count_does_not_grow_with_rows(client, region, django_assert_max_num_queries):
    from larnav.core.testing import make_person

    client.force_login(region.samordnare)
    client.get("/personer/")
    for _ in range(30):
        make_person(region.consortium, region.tibble)
    with django_assert_max_num_queries(12):
        client.get("/personer/")


def test_cka_edits_a_person_in_scope_and_is_refused_outside(client, region):
    client.force_login(region.cka_huddinge)
    data = {"first_name": "Anna", "last_name": "Åström-Lind", "email": "anna@huddinge.se",
            "workplace": region.solgarden.pk, "language": "sv", "is_active": "on"}
    assert client.post(f"/personer/{region.anna.pk}/andra/", data).status_code == 302
    region.anna.refresh_from_db()
    assert region.anna.last_name == "Åström-Lind"
    assert client.get(f"/personer/{region.tove.pk}/andra/").status_code == 404
    # A workplace outside the scope is not offered.
    data["workplace"] = region.tibble.pk
    response = client.post(f"/personer/{region.anna.pk}/andra/", data)
    assert "workplace" in response.context["form"].errors


def test_personnummer_is_refused_in_every_text_field(client, region):
    client.force_login(region.samordnare)
    data = {"first_name": "Anna", "last_name": "Lind", "email": "ny@huddinge.se", "workplace": region.solgarden.pk,
            "language": "sv", "external_id": "19850101-1234", "is_active": "on"}
    response = client.post("/personer/ny/", data)
    assert "external_id" in response.context["form"].errors
    assert not Person.objects.filter(email="ny@huddinge.se").exists()


def test_duplicate_email_is_refused_case_insensitively(client, region):
    client.force_login(region.samordnare)
    data = {"first_name": "Ny", "last_name": "Person", "email": "ANNA@huddinge.se", "workplace": region.solgarden.pk,
            "language": "sv", "is_active": "on"}
    response = client.post("/personer/ny/", data)
    assert "email" in response.context["form"].errors


def test_inactivation_asks_for_confirmation_first(client, region):
    client.force_login(region.cka_huddinge)
    response = client.get(f"/personer/{region.anna.pk}/status/")
    assert response.status_code == 200
    region.anna.refresh_from_db()
    assert region.anna.is_active
    client.post(f"/personer/{region.anna.pk}/status/")
    region.anna.refresh_from_db()
    assert not region.anna.is_active
    region.deltagare.refresh_from_db()
    assert not region.deltagare.is_active
