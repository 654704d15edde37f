"""The token pages: list own tokens, create (shown once), revoke after confirmation."""

import pytest
from django.urls import reverse

from larnav.api import services
from larnav.api.models import ApiToken

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("token_pages")]


def test_the_pages_are_mounted_under_the_account():
    assert reverse("api_tokens:list") == "/konto/api-nycklar/"
    assert reverse("api_tokens:create") == "/konto/api-nycklar/ny/"
    assert reverse("api_tokens:revoke", args=[3]) == "/konto/api-nycklar/3/aterkalla/"


@pytest.mark.parametrize("name,args", [("api_tokens:list", []), ("api_tokens:create", []),
                                       ("api_tokens:revoke", [1])])
def test_anonymous_visitors_are_sent_to_sign_in(client, region, name, args):
    for method in ("get", "post"):
        response = getattr(client, method)(reverse(name, args=args))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert not ApiToken.objects.exists()


def test_the_list_shows_own_tokens_only(client, region):
    services.create_token(region.cka_taby, "Täbys rapportverktyg")
    own, _secret = services.create_token(region.cka_huddinge, "Huddinges lönesystem")
    client.force_login(region.cka_huddinge)
    response = client.get(reverse("api_tokens:list"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Huddinges lönesystem" in text and own.prefix in text
    assert "Täbys rapportverktyg" not in text
    assert reverse("api_tokens:revoke", args=[own.pk]) in text


def test_creating_shows_the_token_once(client, region):
    client.force_login(region.deltagare)
    assert client.get(reverse("api_tokens:create")).status_code == 200
    response = client.post(reverse("api_tokens:create"), {"name": "  Mitt skript  "})
    assert response.status_code == 200
    secret = response.context["secret"]
    text = response.content.decode()
    assert services.TOKEN_PATTERN.match(secret)
    assert text.count(secret) >= 1
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=region.deltagare)
    assert token.name == "Mitt skript"
    assert token.key_hash == services.hash_token(secret)
    # Never again: not on the list, not in the session, not on a second visit.
    listing = client.get(reverse("api_tokens:list")).content.decode()
    assert secret not in listing and token.prefix in listing
    assert secret not in str(dict(client.session))
    assert secret not in client.get(reverse("api_tokens:create")).content.decode()
    # And it works.
    api = client.get("/api/v1/organisations", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200


def test_a_name_is_required(client, region):
    client.force_login(region.deltagare)
    response = client.post(reverse("api_tokens:create"), {"name": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_the_number_of_active_tokens_is_limited(client, region):
    for n in range(services.MAX_ACTIVE_TOKENS):
        services.create_token(region.deltagare, f"T{n}")
    client.force_login(region.deltagare)
    response = client.post(reverse("api_tokens:create"), {"name": "One more"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert ApiToken.objects.filter(user=region.deltagare).count() == services.MAX_ACTIVE_TOKENS
    services.revoke_token(ApiToken.objects.filter(user=region.deltagare).first())
    response = client.post(reverse("api_tokens:create"), {"name": "One more"})
    assert "secret" in response.context


def test_revoking_asks_for_confirmation_first(client, region):
    token, secret = services.create_token(region.cka_huddinge, "Lönesystemet")
    client.force_login(region.cka_huddinge)
    url = reverse("api_tokens:revoke", args=[token.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Lönesystemet" in confirm.content.decode() and token.prefix in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None

    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("api_tokens:list")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/v1/persons", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    # A revoked token has nothing left to revoke.
    assert client.get(url).status_code == 404
    listing = client.get(reverse("api_tokens:list")).content.decode()
    assert url not in listing


def test_other_users_tokens_are_404(client, region):
    token, secret = services.create_token(region.cka_huddinge, "Lönesystemet")
    client.force_login(region.cka_taby)
    url = reverse("api_tokens:revoke", args=[token.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    # Even a coordinator cannot revoke someone else's token here.
    client.force_login(region.samordnare)
    assert client.post(url).status_code == 404
    assert client.get("/api/v1/persons", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_huge_ids_are_404_not_500(client, region):
    client.force_login(region.cka_taby)
    assert client.get(f"/konto/api-nycklar/{2**70}/aterkalla/").status_code == 404
