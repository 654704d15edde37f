"""GET /api/v1/persons: personal data, only through a token and the permission layer."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from larnav.accounts.models import Role
from larnav.core.testing import make_consortium, make_kommun, make_occupation, make_person, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/persons"
HUDDINGE = {"anna@huddinge.se", "erik@ekbacken.se"}
EVERYONE = HUDDINGE | {"sara@stockholm.se", "tove@taby.se"}


@pytest.fixture
def get(client, make_token, bearer):
    def get(user, params=None):
        return client.get(URL, params or {}, headers=bearer(make_token(user)))

    return get


def emails(response):
    assert response.status_code == 200, response.content
    return {row["email"] for row in response.json()["results"]}


def test_anonymous_is_401(client, region):
    response = client.get(URL)
    assert response.status_code == 401
    assert "anna@huddinge.se" not in response.content.decode()


@pytest.mark.parametrize("who", ["deltagare", "utbildare", "styrgrupp_taby"])
def test_roles_without_the_right_to_view_persons_get_403(region, get, who):
    response = get(getattr(region, who))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_a_cka_token_for_täby_never_returns_huddinge_persons(region, get):
    assert emails(get(region.cka_taby)) == {"tove@taby.se"}
    assert emails(get(region.cka_taby, {"organisation": region.huddinge.pk})) == set()
    assert emails(get(region.cka_taby, {"search": "anna"})) == set()
    assert emails(get(region.cka_taby, {"page_size": 500})) == {"tove@taby.se"}


def test_each_role_sees_its_own_scope(region, get):
    assert emails(get(region.samordnare)) == EVERYONE
    assert emails(get(region.cka_huddinge)) == HUDDINGE
    assert emails(get(region.cka_sodermalm)) == {"sara@stockholm.se"}
    assert emails(get(region.chef_solgarden)) == {"anna@huddinge.se"}
    assert emails(get(region.ombud_tibble)) == {"tove@taby.se"}


def test_other_consortia_are_invisible_even_to_a_coordinator(region, get):
    other = make_consortium("Annan", slug="annan")
    kommun = make_kommun(other, "Mora", "2062")
    make_person(other, kommun, "Olle", "Mora", "olle@mora.se")
    other_coordinator = make_user(other, Role.SAMORDNARE)
    assert emails(get(region.samordnare)) == EVERYONE
    assert emails(get(other_coordinator)) == {"olle@mora.se"}


def test_fields(region, get):
    rows = {row["email"]: row for row in get(region.cka_huddinge).json()["results"]}
    assert rows["anna@huddinge.se"] == {
        "id": region.anna.pk, "first_name": "Anna", "last_name": "Åström", "email": "anna@huddinge.se",
        "workplace_id": region.solgarden.pk, "occupation": "stodassistent", "is_active": True,
    }
    assert rows["erik@ekbacken.se"]["occupation"] is None


def test_organisation_filter_takes_the_subtree(region, get):
    assert emails(get(region.samordnare, {"organisation": region.huddinge.pk})) == HUDDINGE
    assert emails(get(region.samordnare, {"organisation": region.aldre.pk})) == {"anna@huddinge.se"}
    assert emails(get(region.samordnare, {"organisation": region.stockholm.pk})) == {"sara@stockholm.se"}
    assert emails(get(region.samordnare, {"organisation": 987654})) == set()


@pytest.mark.parametrize("query", ["åström", "ÅSTRÖM", "Åström", "ström", "STRÖM anna", "HUDDINGE.SE"])
def test_search_ignores_case_also_for_swedish_letters(region, get, query):
    assert emails(get(region.samordnare, {"search": query})) == {"anna@huddinge.se"}


def test_active_filter(region, get):
    region.erik.is_active = False
    region.erik.save()
    assert emails(get(region.cka_huddinge, {"active": "true"})) == {"anna@huddinge.se"}
    assert emails(get(region.cka_huddinge, {"active": "false"})) == {"erik@ekbacken.se"}
    assert emails(get(region.cka_huddinge)) == HUDDINGE


def test_ordering_and_pagination(region, get):
    page1 = get(region.samordnare, {"page_size": 3}).json()
    assert page1["count"] == 4
    assert [r["last_name"] for r in page1["results"]] == ["Berg", "Lind", "Åström"]
    assert page1["next"].endswith("page_size=3&page=2")
    assert page1["previous"] is None


def test_garbage_parameters_are_422_not_500(region, get):
    for params in ({"organisation": "x"}, {"active": "maybe"}, {"page": 0}, {"search": "a\x00"},
                   {"organisation": 2**70}, {"search": "x" * 201}):
        response = get(region.samordnare, params)
        assert response.status_code == 422, params
        assert response.json()["code"] == "invalid_parameters"


def test_query_count_does_not_grow_with_rows(region, client, make_token, bearer):
    token = make_token(region.cka_taby)
    occupation = make_occupation("boendestodjare", "Boendestödjare", "Housing support worker")

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"page_size": 500}, headers=bearer(token))
        return len(queries), len(response.json()["results"])

    count()  # the token's first use records last_used_at; later ones within a minute do not write
    for n in range(9):
        make_person(region.consortium, region.tibble, f"P{n}", occupation=occupation)
    queries_10, rows_10 = count()
    for n in range(190):
        make_person(region.consortium, region.tibble, f"Q{n}", occupation=occupation)
    queries_200, rows_200 = count()
    assert (rows_10, rows_200) == (10, 200)
    assert queries_10 == queries_200
