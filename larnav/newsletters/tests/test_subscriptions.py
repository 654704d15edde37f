"""Double opt-in subscriptions, changing them, and one-click unsubscribe (RFC 8058)."""

import re
from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.test import Client
from django.utils import timezone

from larnav.catalog.testing import make_focus_area
from larnav.newsletters import delivery, services
from larnav.newsletters.models import Delivery, Subscription, Suppression
from larnav.newsletters.testing import make_newsletter, make_subscription, start_sending
from larnav.notifications import outbox
from larnav.notifications.models import OutgoingMessage

pytestmark = pytest.mark.django_db


def subscribe(client, **data):
    data = {"email": "ny@example.se", "name": "Ny Läsare", "language": "sv", "consent": "on", **data}
    return client.post("/nyhetsbrev/prenumerera/", data)


def test_subscribing_waits_for_the_link_and_the_link_confirms(client, region, django_capture_on_commit_callbacks):
    psych = make_focus_area(region.consortium, "Psykisk hälsa")
    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe(client, email="Ny@Example.se", municipality=region.huddinge.pk, focus_areas=[psych.pk])
    assert response.status_code == 200
    assert "Ny@Example.se" in response.content.decode() or "ny@example.se" in response.content.decode()
    subscription = Subscription.objects.get()
    assert subscription.email == "ny@example.se" and subscription.status == Subscription.Status.PENDING
    assert list(subscription.focus_areas.all()) == [psych] and subscription.municipality == region.huddinge
    [message] = django_mail.outbox
    assert message.to == ["ny@example.se"]
    link = f"/nyhetsbrev/prenumerera/bekrafta/{subscription.token}/"
    assert link in message.body
    # A pending subscriber is not sent newsletters.
    newsletter = start_sending(make_newsletter(region.consortium, include_subscribers=True))
    assert delivery.run(newsletter.pk).recipients == 0

    page = client.get(link)  # a GET (a mail scanner following links) confirms nothing
    assert page.status_code == 200
    assert Subscription.objects.get().status == Subscription.Status.PENDING
    assert client.post(link).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CONFIRMED and subscription.confirmed_at


def test_the_answer_is_the_same_for_known_and_unknown_addresses(client, region, django_capture_on_commit_callbacks):
    make_subscription(region.consortium, "known@example.se")
    Subscription.objects.update(confirmation_sent_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        known = subscribe(client, email="known@example.se")
        unknown = subscribe(client, email="unknown@example.se")
    def strip(response, email):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode().replace(email, ""))

    assert strip(known, "known@example.se") == strip(unknown, "unknown@example.se")
    # The confirmed subscriber is told they already are, with the link to change it.
    already = next(m for m in django_mail.outbox if m.to == ["known@example.se"])
    assert f"/nyhetsbrev/prenumeration/{Subscription.objects.get(email='known@example.se').token}/" in already.body
    assert Subscription.objects.get(email="known@example.se").status == Subscription.Status.CONFIRMED


def test_a_second_request_within_minutes_sends_no_second_mail(client, region, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        subscribe(client)
        subscribe(client)
    assert len(django_mail.outbox) == 1
    assert OutgoingMessage.objects.count() == 1


def test_an_old_link_has_expired_and_a_superseded_one_is_not_sent(region):
    services.subscribe(region.consortium, email="late@example.se")
    subscription = Subscription.objects.get()
    Subscription.objects.update(confirmation_sent_at=timezone.now() - timedelta(days=services.CONFIRMATION_DAYS + 1))
    with pytest.raises(services.ExpiredLink):
        services.confirm_subscription(subscription.token)
    # Subscribing again gives a new link; the first message's link is dead, so it is not sent at all.
    services.subscribe(region.consortium, email="late@example.se")
    outbox.deliver_due()
    new = Subscription.objects.get()
    assert new.token != subscription.token
    assert [m.to for m in django_mail.outbox] == [["late@example.se"]]
    assert OutgoingMessage.objects.filter(status="skipped").count() == 1
    assert services.confirm_subscription(new.token).status == Subscription.Status.CONFIRMED


def test_invalid_links_say_so(client, region):
    for url in ("/nyhetsbrev/prenumerera/bekrafta/nonsense/", "/nyhetsbrev/prenumeration/nonsense/",
                "/nyhetsbrev/u/nonsense/"):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404


def test_the_subscription_form_refuses_bad_input(client, region):
    response = subscribe(client, email="inte-en-adress", consent="")
    assert response.status_code == 200
    assert not Subscription.objects.exists()
    errors = response.context["form"].errors
    assert set(errors) == {"email", "consent"}


def test_a_blocked_address_gets_no_confirmation(region, django_capture_on_commit_callbacks):
    Suppression.objects.create(consortium=region.consortium, email="blocked@example.se",
                               reason=Suppression.Reason.MANUAL)
    with django_capture_on_commit_callbacks(execute=True):
        services.subscribe(region.consortium, email="blocked@example.se")
    assert django_mail.outbox == [] and not Subscription.objects.exists()


def test_subscribing_again_after_unsubscribing_lifts_the_block_once_confirmed(region):
    subscription = make_subscription(region.consortium, "back@example.se")
    services.unsubscribe_by_subscription(subscription.token)
    assert Subscription.objects.get().status == Subscription.Status.UNSUBSCRIBED
    Subscription.objects.update(confirmation_sent_at=timezone.now() - timedelta(hours=1))
    services.subscribe(region.consortium, email="back@example.se")
    assert Suppression.objects.filter(email="back@example.se").exists()  # not before the confirmation
    services.confirm_subscription(Subscription.objects.get().token)
    assert not Suppression.objects.filter(email="back@example.se").exists()


def test_a_subscriber_changes_interests_and_unsubscribes_from_their_page(client, region):
    psych = make_focus_area(region.consortium, "Psykisk hälsa")
    subscription = make_subscription(region.consortium, "reader@example.se")
    url = f"/nyhetsbrev/prenumeration/{subscription.token}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "Läsare", "language": "en", "focus_areas": [psych.pk]})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.language == "en" and list(subscription.focus_areas.all()) == [psych]
    assert client.post(url + "avsluta/").status_code == 200
    assert Subscription.objects.get().status == Subscription.Status.UNSUBSCRIBED
    assert Suppression.objects.filter(email="reader@example.se", reason=Suppression.Reason.UNSUBSCRIBED).exists()


def test_one_click_unsubscribe_needs_no_csrf_token_nor_sign_in_and_get_only_asks(region):
    newsletter = start_sending(make_newsletter(region.consortium, include_staff=True))
    delivery.run(newsletter.pk)
    row = Delivery.objects.get(email="anna@huddinge.se")
    client = Client(enforce_csrf_checks=True)
    url = f"/nyhetsbrev/u/{row.token}/"
    page = client.get(url)
    assert page.status_code == 200 and b"<form method=\"post\"" in page.content
    assert not Suppression.objects.exists()  # a link scanner's GET unsubscribes nobody
    assert "anna@huddinge.se" not in page.content.decode()  # a forwarded newsletter shows no address
    response = client.post(url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert Suppression.objects.get().email == "anna@huddinge.se"
    assert client.post(url).status_code == 200  # repeating is harmless
    assert Suppression.objects.count() == 1
    assert b"already" in client.get(url, HTTP_COOKIE="django_language=en").content
