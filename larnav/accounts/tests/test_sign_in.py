"""Staff password sign-in with lockout, participants' one-time links, sign-out everywhere."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from larnav.accounts import services, views
from larnav.accounts.models import SignInLink, User

pytestmark = pytest.mark.django_db
PASSWORD = "korrekt-hast-batteri"


def login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_staff_signs_in_with_password(client, region):
    response = login(client, "samordnare", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_wrong_password_gives_a_clear_message(client, region):
    response = login(client, "samordnare", "fel")
    assert response.status_code == 200
    assert "invalid_login" not in response.content.decode()
    assert response.context["form"].errors


def test_lockout_after_repeated_failures(client, region, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "samordnare", "fel")
    response = login(client, "samordnare", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.fixture
def ask_link(client, django_capture_on_commit_callbacks):
    """Request a sign-in link; the e-mail leaves after the transaction commits."""

    def ask(email):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("accounts:request_link"), {"email": email})

    return ask


def _link_from_mail():
    body = mail.outbox[-1].body
    return re.search(r"https?://\S+/inloggningslank/(\S+)/", body).group(1)


def test_participant_signs_in_with_a_one_time_link(client, region, ask_link):
    ask_link("Tove@Taby.se")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["tove@taby.se"]
    token = _link_from_mail()
    # Opening the link (as a mail scanner would) does not use it up.
    assert client.get(reverse("accounts:link_sign_in", args=[token])).status_code == 200
    response = client.post(reverse("accounts:link_sign_in", args=[token]))
    assert response.status_code == 302
    user = User.objects.get(email="tove@taby.se")
    assert user.person == region.tove
    assert not user.has_usable_password()
    assert int(client.session["_auth_user_id"]) == user.pk


def test_unknown_address_gets_the_same_answer_and_no_mail(client, region, ask_link):
    known = ask_link("tove@taby.se")
    unknown = ask_link("nobody@example.se")
    assert len(mail.outbox) == 1
    assert known.status_code == unknown.status_code == 200
    pages = [[t.name for t in r.templates if t.name.endswith(".html")] for r in (known, unknown)]
    assert pages[0] == pages[1]


def test_reused_link_is_refused(client, region, ask_link):
    ask_link("tove@taby.se")
    token = _link_from_mail()
    client.post(reverse("accounts:link_sign_in", args=[token]))
    client.logout()
    response = client.post(reverse("accounts:link_sign_in", args=[token]))
    assert response.status_code == 400
    assert response.context["message"] == views.LINK_PROBLEM_MESSAGES[services.LinkProblem.USED]
    assert "_auth_user_id" not in client.session


def test_expired_link_is_refused(client, region, ask_link):
    ask_link("tove@taby.se")
    token = _link_from_mail()
    SignInLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(reverse("accounts:link_sign_in", args=[token]))
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("token", ["nonsense", "x" * 300, "%00", "åäö"])
def test_unknown_link_is_refused_without_error(client, region, token):
    for method in (client.get, client.post):
        response = method(reverse("accounts:link_sign_in", args=[token]))
        assert response.status_code == 400


def test_link_messages_are_swedish_by_default(client, region):
    response = client.get(reverse("accounts:link_sign_in", args=["nonsense"]))
    assert "Inloggningslänken" in response.content.decode() or "inloggningslänken" in response.content.decode()


def test_sign_out_everywhere_ends_other_sessions(client, region):
    from django.test import Client

    other_device = Client()
    other_device.force_login(region.samordnare)
    assert other_device.get(reverse("accounts:profile")).status_code == 200
    client.force_login(region.samordnare)
    client.post(reverse("accounts:sign_out_everywhere"))
    assert other_device.get(reverse("accounts:profile")).status_code == 302


def test_sign_out_everywhere_voids_unused_links(client, region, ask_link):
    ask_link("tove@taby.se")
    token = _link_from_mail()
    user = User.objects.get(email="tove@taby.se")
    services.sign_out_everywhere(user)
    assert client.post(reverse("accounts:link_sign_in", args=[token])).status_code == 400


def test_password_reset_by_email(client, region, django_capture_on_commit_callbacks):
    region.samordnare.email = "samordnare@carpe.se"
    region.samordnare.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "samordnare@carpe.se"})
    assert len(mail.outbox) == 1
    path = re.search(r"https?://[^/]+(/\S+)", mail.outbox[0].body).group(1)
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "ett-nytt-langt-losenord", "new_password2": "ett-nytt-langt-losenord"})
    assert response.status_code == 302
    assert login(client, "samordnare", "ett-nytt-langt-losenord").status_code == 302


def test_password_reset_goes_through_the_outbox_once_per_interval(client, region, django_capture_on_commit_callbacks):
    """Sending the form again and again gives one message per ten minutes, and the link is not
    kept in the outbox's copy."""
    from larnav.notifications.models import OutgoingMessage

    region.samordnare.email = "samordnare@carpe.se"
    region.samordnare.save()
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("accounts:password_reset"), {"email": "samordnare@carpe.se"})
        assert response.status_code == 302
    (message,) = OutgoingMessage.objects.filter(kind="password_reset")
    assert len(mail.outbox) == 1
    assert re.search(r"https?://\S+/\S+-\S+/", mail.outbox[0].body)
    stored = f"{message.subject} {message.body_text} {message.body_html}"
    assert not re.search(r"https?://\S+/\S+-\S+/", stored)  # the link was blanked out once sent


def test_password_reset_for_an_unknown_address_sends_nothing(client, region, django_capture_on_commit_callbacks):
    from larnav.notifications.models import OutgoingMessage

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "ingen@example.se"})
    assert response.status_code == 302  # the same answer: the form does not tell who has an account
    assert not OutgoingMessage.objects.filter(kind="password_reset").exists()
    assert mail.outbox == []


def test_inactive_person_cannot_get_a_link(client, region, ask_link):
    region.tove.is_active = False
    region.tove.save()
    ask_link("tove@taby.se")
    assert mail.outbox == []


def test_production_hashes_passwords_with_argon2():
    from larnav import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_link_requests_are_throttled_per_address(client, region, ask_link):
    for _ in range(services.MAX_LINKS_PER_QUARTER_HOUR + 3):
        ask_link("tove@taby.se")
    assert len(mail.outbox) == services.MAX_LINKS_PER_QUARTER_HOUR
