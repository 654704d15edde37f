"""GET /api/v1/organisations: public reference data of one consortium, filters, pagination."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from larnav.core.testing import make_consortium, make_kommun, make_org
from larnav.organisations.models import Organisation

pytestmark = pytest.mark.django_db

URL = "/api/v1/organisations"


def names(response):
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


@pytest.fixture
def other(region):
    """A second consortium with its own Täby-like municipality."""
    consortium = make_consortium("Annan samverkan", slug="annan")
    consortium.domain = "annan.example.se"
    consortium.save()
    kommun = make_kommun(consortium, "Älvdalen", "2039")
    make_org(consortium, Organisation.Type.ENHET, "Täby hemtjänst (annan)", kommun)
    return consortium


def test_anonymous_clients_get_the_served_consortiums_organisations(client, region):
    response = client.get(URL)
    assert names(response) == ["Ekbacken", "Huddinge", "Ringvägen", "Solgården", "Stockholm",
                               "Södermalm", "Tibble", "Täby", "Äldreomsorgen"]
    assert response.json()["count"] == 9


def test_fields(client, region):
    rows = {row["name"]: row for row in client.get(URL).json()["results"]}
    assert rows["Täby"] == {
        "id": region.taby.pk, "type": "kommun", "name": "Täby", "scb_code": "0160", "parent_id": None,
        "municipality_id": region.taby.pk, "driftform": None, "provider_name": None, "funktion": None,
    }
    assert rows["Ekbacken"] == {
        "id": region.ekbacken.pk, "type": "enhet", "name": "Ekbacken", "scb_code": None,
        "parent_id": region.huddinge.pk, "municipality_id": region.huddinge.pk, "driftform": "enskild",
        "provider_name": "Omsorgsbolaget AB", "funktion": "utforare",
    }


def test_no_personal_data(client, region):
    text = client.get(URL).content.decode()
    for secret in ("anna@huddinge.se", "Åström", "Öberg", "tove@taby.se"):
        assert secret not in text


def test_other_consortia_never_appear(client, region, other, settings):
    settings.ALLOWED_HOSTS = ["testserver", "annan.example.se"]
    assert "Älvdalen" not in names(client.get(URL))
    assert names(client.get(URL, HTTP_HOST="annan.example.se")) == ["Täby hemtjänst (annan)", "Älvdalen"]


def test_a_token_limits_the_list_to_its_users_consortium(client, region, other, make_token, bearer, settings):
    settings.ALLOWED_HOSTS = ["testserver", "annan.example.se"]
    # Served at the other consortium's host, but the token belongs to the region's consortium.
    response = client.get(URL, HTTP_HOST="annan.example.se", headers=bearer(make_token(region.cka_taby)))
    assert "Täby" in names(response) and "Älvdalen" not in names(response)


def test_inactive_organisations_are_left_out(client, region):
    region.tibble.is_active = False
    region.tibble.save()
    assert "Tibble" not in names(client.get(URL))


def test_type_filter(client, region):
    assert names(client.get(URL, {"type": "kommun"})) == ["Huddinge", "Stockholm", "Täby"]
    assert names(client.get(URL, {"type": "stadsdel"})) == ["Södermalm"]


@pytest.mark.parametrize("query", ["täby", "TÄBY", "Täby", "tÄBY", "äby", "ÄBY"])
def test_search_ignores_case_also_for_swedish_letters(client, region, other, query):
    assert names(client.get(URL, {"search": query})) == ["Täby"]


@pytest.mark.parametrize("query", ["äldre", "ÄLDREOMSORGEN", "SÖDER", "solgården", "SOLGÅRDEN"])
def test_search_folds_å_ä_ö_anywhere_in_the_name(client, region, query):
    assert len(names(client.get(URL, {"search": query}))) == 1


def test_search_by_scb_code_and_provider(client, region):
    assert names(client.get(URL, {"search": "0160"})) == ["Täby"]
    assert names(client.get(URL, {"search": "OMSORGSBOLAGET"})) == ["Ekbacken"]
    assert names(client.get(URL, {"search": "omsorgsbolaget ekb"})) == ["Ekbacken"]
    assert names(client.get(URL, {"search": "omsorgsbolaget solg"})) == []
    assert names(client.get(URL, {"search": "%"})) == []  # LIKE wildcards are literal
    assert names(client.get(URL, {"search": "   "})) == names(client.get(URL))


def test_parent_and_municipality_filters(client, region):
    assert names(client.get(URL, {"parent": region.huddinge.pk})) == ["Ekbacken", "Äldreomsorgen"]
    assert names(client.get(URL, {"municipality": region.huddinge.pk})) == [
        "Ekbacken", "Huddinge", "Solgården", "Äldreomsorgen"]
    assert names(client.get(URL, {"municipality": region.huddinge.pk, "type": "enhet"})) == [
        "Ekbacken", "Solgården"]
    assert names(client.get(URL, {"parent": 987654})) == []


def test_pagination(client, region):
    first = client.get(URL, {"page_size": 4, "type": "enhet"}).json()
    assert first["count"] == 4 and first["next"] is None and first["previous"] is None

    page1 = client.get(URL, {"page_size": 4}).json()
    assert page1["count"] == 9 and len(page1["results"]) == 4 and page1["previous"] is None
    assert page1["next"].startswith("http://testserver/api/v1/organisations?")
    page2 = client.get(page1["next"]).json()
    assert [r["name"] for r in page2["results"]] == ["Stockholm", "Södermalm", "Tibble", "Täby"]
    page3 = client.get(page2["next"]).json()
    assert [r["name"] for r in page3["results"]] == ["Äldreomsorgen"]
    assert page3["next"] is None
    assert client.get(page3["previous"]).json() == page2
    assert "page_size=4" in page2["next"] and "page=3" in page2["next"]


def test_filters_are_kept_in_page_links(client, region):
    page1 = client.get(URL, {"page_size": 1, "type": "kommun"}).json()
    assert "type=kommun" in page1["next"]
    assert [r["name"] for r in client.get(page1["next"]).json()["results"]] == ["Stockholm"]


def test_a_page_past_the_end_is_404_but_an_empty_first_page_is_not(client, region):
    response = client.get(URL, {"page": 2})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    empty = client.get(URL, {"search": "finnsinte"}).json()
    assert empty == {"count": 0, "next": None, "previous": None, "results": []}


def test_page_size_is_at_most_500(client, region):
    assert client.get(URL, {"page_size": 500}).status_code == 200
    response = client.get(URL, {"page_size": 501})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_parameters"
    assert body["errors"] == [{"parameter": "page_size", "location": "query", "type": "less_than_equal",
                               "message": body["errors"][0]["message"]}]
    assert "500" in body["errors"][0]["message"]


def _add_workplaces(region, count):
    for n in range(count):
        make_org(region.consortium, Organisation.Type.ENHET, f"Enhet {n:03}", region.aldre)


def _queries(client, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize("params", [{}, {"search": "enhet"}, {"type": "enhet", "parent": None}])
def test_query_count_does_not_grow_with_rows(client, region, params):
    params = {**params, "page_size": 500}
    if "parent" in params:
        params["parent"] = region.aldre.pk
    Organisation.objects.filter(consortium=region.consortium).update(is_active=False)  # only new rows count
    _add_workplaces(region, 10)
    queries_10, rows_10 = _queries(client, params)
    _add_workplaces(region, 190)
    queries_200, rows_200 = _queries(client, params)
    assert rows_10 == 10 and rows_200 == 200
    assert queries_10 == queries_200
