"""GET /api/v1/statistics/participation: the statistics, scoped like the web."""

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from larnav.core.testing import make_person
from larnav.statistics.periods import STOCKHOLM
from larnav.statistics.testing import make_dated_session, register

pytestmark = pytest.mark.django_db

URL = "/api/v1/statistics/participation"
YEAR = {"from": "2026-01-01", "to": "2026-12-31"}


@pytest.fixture
def data(region):
    session = make_dated_session(region.consortium, datetime(2026, 3, 3, 9, tzinfo=STOCKHOLM))
    register(session, region.anna)
    register(session, region.erik)
    for i in range(5):
        register(session, make_person(region.consortium, region.tibble, last_name=f"T{i}"))
    return region


@pytest.fixture
def get(client, make_token, bearer):
    def get(user, params):
        return client.get(URL, params, headers=bearer(make_token(user)))

    return get


def test_rows_and_totals_by_municipality(data, get):
    response = get(data.samordnare, {**YEAR, "group_by": "municipality"})
    assert response.status_code == 200, response.content
    body = response.json()
    rows = {r["label"]: r for r in body["rows"]}
    assert rows["Huddinge"] == {"key": str(data.huddinge.pk), "label": "Huddinge", "registrations": 2,
                                "participants": 2, "attended": 2, "completed": 2, "no_shows": 0, "hours": 12.0}
    assert body["totals"]["participants"] == 7 and body["totals"]["hours"] == 42.0
    assert body["masked"] is False


def test_every_group_by_has_the_same_totals(data, get):
    totals = set()
    for group_by in ("municipality", "driftform", "funktion", "role", "gender", "activity_type"):
        body = get(data.samordnare, {**YEAR, "group_by": group_by}).json()
        totals.add(tuple(sorted(body["totals"].items())))
        assert sum(r["registrations"] for r in body["rows"]) == body["totals"]["registrations"]
    assert len(totals) == 1


def test_a_cka_gets_other_municipalities_masked_and_its_own_in_detail(data, get):
    body = get(data.cka_taby, {**YEAR, "group_by": "municipality"}).json()
    rows = {r["label"]: r for r in body["rows"]}
    assert rows["Huddinge"]["participants"] == "<5" and rows["Täby"]["participants"] == 5
    assert body["masked"] is True
    own = get(data.cka_taby, {**YEAR, "organisation": data.taby.pk}).json()
    assert own["totals"]["participants"] == 5
    refused = get(data.cka_taby, {**YEAR, "organisation": data.huddinge.pk})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


@pytest.mark.parametrize("who", ["deltagare", "chef_solgarden", "utbildare"])
def test_roles_without_statistics_rights_get_403(data, get, who):
    response = get(getattr(data, who), YEAR)
    assert response.status_code == 403


def test_anonymous_is_401(client, data):
    assert client.get(URL, YEAR).status_code == 401


@pytest.mark.parametrize("params, parameter", [
    ({"from": "2026-13-01", "to": "2026-12-31"}, "from"),
    ({"from": "2026-01-01"}, "to"),
    ({**YEAR, "group_by": "colour"}, "group_by"),
])
def test_bad_parameters_are_422_in_swedish(data, get, params, parameter):
    response = get(data.samordnare, params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_parameters"
    assert [e["parameter"] for e in body["errors"]] == [parameter]
    assert body["message"] == "En eller flera parametrar är ogiltiga."


def test_a_period_that_ends_before_it_starts_is_refused(data, get):
    response = get(data.samordnare, {"from": "2026-05-01", "to": "2026-04-30"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_period"
    assert "slutdatum" in response.json()["message"].lower()
    assert get(data.samordnare, {"from": "2000-01-01", "to": "2026-01-01"}).json()["code"] == "invalid_period"


def test_an_unknown_organisation_is_404(data, get):
    assert get(data.samordnare, {**YEAR, "organisation": 999999}).status_code == 404


def test_query_count_is_constant(data, client, make_token, bearer):
    headers = bearer(make_token(data.samordnare))
    client.get(URL, YEAR, headers=headers)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as first:
        client.get(URL, {**YEAR, "group_by": "municipality"}, headers=headers)
    session = make_dated_session(data.consortium, datetime(2026, 5, 5, 9, tzinfo=STOCKHOLM))
    for i in range(10):
        register(session, make_person(data.consortium, data.ringvagen, last_name=f"R{i}"))
    with CaptureQueriesContext(connection) as second:
        client.get(URL, {**YEAR, "group_by": "municipality"}, headers=headers)
    assert len(second) == len(first)
