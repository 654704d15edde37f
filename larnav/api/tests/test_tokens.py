"""Bearer-token authentication: valid, wrong, revoked, inactive, missing; one query; last use."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from larnav.accounts.models import RoleAssignment
from larnav.api import services
from larnav.api.models import ApiToken

pytestmark = pytest.mark.django_db

PERSONS = "/api/v1/persons"
ORGANISATIONS = "/api/v1/organisations"


def emails(response):
    return {row["email"] for row in response.json()["results"]}


def test_a_valid_token_authenticates_as_its_user(client, region, make_token, bearer):
    response = client.get(PERSONS, headers=bearer(make_token(region.samordnare)))
    assert response.status_code == 200
    assert emails(response) == {"anna@huddinge.se", "erik@ekbacken.se", "sara@stockholm.se", "tove@taby.se"}


def test_only_a_hash_and_a_short_prefix_are_stored(region):
    token, secret = services.create_token(region.samordnare, "Export")
    assert services.TOKEN_PATTERN.match(secret)
    row = ApiToken.objects.values().get(pk=token.pk)
    assert secret not in {str(v) for v in row.values()}
    assert row["key_hash"] == services.hash_token(secret) and len(row["key_hash"]) == 64
    assert row["prefix"] == secret[:12] and len(secret) > 40
    assert services.create_token(region.samordnare, "Export")[1] != secret


@pytest.mark.parametrize("header", [
    "Bearer lnv_" + "x" * 43,           # well-formed, unknown
    "Bearer not-a-token",               # malformed
    "Bearer ",                          # empty
    "Token lnv_" + "x" * 43,            # wrong scheme
    "Basic dXNlcjpwYXNz",
])
def test_a_wrong_token_is_401_json(client, region, header):
    response = client.get(PERSONS, headers={"Authorization": header})
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "invalid_token"
    assert response.json()["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_token_is_refused_also_where_no_token_is_needed(client, region):
    assert client.get(ORGANISATIONS).status_code == 200
    response = client.get(ORGANISATIONS, headers={"Authorization": "Bearer lnv_" + "y" * 43})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_a_revoked_token_is_401(client, region, bearer):
    token, secret = services.create_token(region.samordnare, "Old")
    assert client.get(PERSONS, headers=bearer(secret)).status_code == 200
    services.revoke_token(token)
    response = client.get(PERSONS, headers=bearer(secret))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_a_token_of_an_inactive_user_is_401(client, region, make_token, bearer):
    secret = make_token(region.samordnare)
    region.samordnare.is_active = False
    region.samordnare.save()
    response = client.get(PERSONS, headers=bearer(secret))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_a_scoped_endpoint_without_a_token_is_401(client, region):
    response = client.get(PERSONS)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_required"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_browser_session_is_not_an_api_credential(client, region):
    client.force_login(region.samordnare)
    assert client.get(PERSONS).status_code == 401


def test_the_token_follows_the_users_current_roles(client, region, make_token, bearer):
    secret = make_token(region.cka_taby)
    assert emails(client.get(PERSONS, headers=bearer(secret))) == {"tove@taby.se"}
    RoleAssignment.objects.filter(user=region.cka_taby).delete()
    response = client.get(PERSONS, headers=bearer(secret))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_the_lookup_is_one_query(region):
    token, secret = services.create_token(region.samordnare, "Busy")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        user = services.user_for_token(secret)
    assert user == region.samordnare
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        assert services.user_for_token("lnv_" + "z" * 43) is None
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        assert services.user_for_token("garbage") is None
    assert len(queries) == 0


def test_last_use_is_written_at_most_once_a_minute(region, monkeypatch):
    token, secret = services.create_token(region.samordnare, "Busy")
    start = timezone.now()
    clock = {"now": start}
    monkeypatch.setattr(services.timezone, "now", lambda: clock["now"])

    services.user_for_token(secret)
    token.refresh_from_db()
    assert token.last_used_at == start

    clock["now"] = start + timedelta(seconds=59)
    with CaptureQueriesContext(connection) as queries:
        services.user_for_token(secret)
    assert len(queries) == 1  # no write
    token.refresh_from_db()
    assert token.last_used_at == start

    clock["now"] = start + timedelta(seconds=61)
    services.user_for_token(secret)
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)


def test_revoking_twice_keeps_the_first_time(region):
    token, _secret = services.create_token(region.samordnare, "Twice")
    services.revoke_token(token)
    first = token.revoked_at
    assert first is not None
    services.revoke_token(ApiToken.objects.get(pk=token.pk))
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first
