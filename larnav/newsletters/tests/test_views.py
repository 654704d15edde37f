"""The coordinator's pages: compose, preview, test copy, confirm and schedule, the log and its exports."""

import io
from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.utils import timezone
from openpyxl import load_workbook

from larnav.accounts.models import Role
from larnav.core.navigation import links_in
from larnav.core.testing import make_consortium, make_user
from larnav.newsletters import delivery, tasks
from larnav.newsletters.models import Delivery, Newsletter, Suppression
from larnav.newsletters.testing import make_newsletter, make_subscription, start_sending

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(client, region):
    client.force_login(region.samordnare)
    return client


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def test_only_coordinators_reach_the_newsletter_pages(client, region):
    newsletter = make_newsletter(region.consortium, include_staff=True)
    urls = ["/nyhetsbrev/", "/nyhetsbrev/ny/", f"/nyhetsbrev/{newsletter.pk}/", f"/nyhetsbrev/{newsletter.pk}/logg/",
            f"/nyhetsbrev/{newsletter.pk}/logg.csv", "/nyhetsbrev/prenumeranter/", "/nyhetsbrev/sparrade/",
            f"/nyhetsbrev/{newsletter.pk}/forhandsvisning/"]
    for url in urls:
        assert client.get(url).status_code == 302  # to sign in
    for user in (region.cka_huddinge, region.chef_solgarden, region.deltagare, region.styrgrupp_taby):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)


def test_another_consortiums_newsletter_is_not_found(coordinator, region):
    other = make_consortium("Annan")
    foreign = make_newsletter(other, include_staff=True)
    assert coordinator.get(f"/nyhetsbrev/{foreign.pk}/").status_code == 404
    assert coordinator.post(f"/nyhetsbrev/{foreign.pk}/skicka/", {"when": "now"}).status_code == 404
    assert Newsletter.objects.get(pk=foreign.pk).status == Newsletter.Status.DRAFT


def test_compose_with_errors_then_save_a_draft(coordinator, region):
    response = coordinator.post("/nyhetsbrev/ny/", {"subject": "", "body": "", "language": "sv"})
    assert response.status_code == 200
    form = response.context["form"]
    assert {"subject", "body", "__all__"} <= set(form.errors)
    response = coordinator.post("/nyhetsbrev/ny/", {
        "subject": "Nyheter", "body": "Hej **alla**", "language": "sv", "roles": [Role.CKA],
        "organisations": [region.huddinge.pk], "include_subscribers": "on",
    })
    newsletter = Newsletter.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/nyhetsbrev/{newsletter.pk}/"
    assert newsletter.roles == [Role.CKA] and list(newsletter.organisations.all()) == [region.huddinge]
    assert newsletter.created_by == region.samordnare and newsletter.status == Newsletter.Status.DRAFT


def test_the_draft_page_previews_and_counts(coordinator, region):
    make_subscription(region.consortium, "reader@example.se")
    newsletter = make_newsletter(region.consortium, include_staff=True, include_subscribers=True,
                                 body="Hej **alla**\n\n<script>alert(1)</script>")
    page = coordinator.get(f"/nyhetsbrev/{newsletter.pk}/")
    text = body(page)
    assert page.context["count"].total == 5
    assert "<strong>alla</strong>" in text and "<script>alert" not in text
    preview = coordinator.get(f"/nyhetsbrev/{newsletter.pk}/forhandsvisning/?sprak=en")
    assert preview["Content-Type"].startswith("text/html") and "Unsubscribe" in body(preview)


def test_a_test_copy_goes_to_the_given_addresses_only(coordinator, region, django_capture_on_commit_callbacks):
    newsletter = make_newsletter(region.consortium, include_staff=True, subject="Höstnytt")
    bad = coordinator.post(f"/nyhetsbrev/{newsletter.pk}/provutskick/", {"addresses": "inte-en-adress",
                                                                          "language": "sv"})
    assert bad.status_code == 302 and django_mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(f"/nyhetsbrev/{newsletter.pk}/provutskick/",
                         {"addresses": "me@samverkan.se, colleague@samverkan.se", "language": "sv"})
    assert sorted(m.to[0] for m in django_mail.outbox) == ["colleague@samverkan.se", "me@samverkan.se"]
    message = django_mail.outbox[0]
    assert message.subject.endswith("Höstnytt") and message.subject != "Höstnytt"
    assert "List-Unsubscribe" not in message.extra_headers
    assert not Delivery.objects.exists()
    assert Newsletter.objects.get().status == Newsletter.Status.DRAFT


def test_sending_asks_first_then_the_worker_sends(coordinator, region, django_capture_on_commit_callbacks):
    newsletter = make_newsletter(region.consortium, include_staff=True)
    page = coordinator.get(f"/nyhetsbrev/{newsletter.pk}/skicka/")
    assert page.context["count"].total == 4
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = coordinator.post(f"/nyhetsbrev/{newsletter.pk}/skicka/", {"when": "now"})
    assert response.status_code == 302
    # The request only marked it: no recipient rows, no mail.
    assert Newsletter.objects.get().status == Newsletter.Status.SCHEDULED
    assert not Delivery.objects.exists() and django_mail.outbox == []
    for callback in callbacks:  # the job, as the worker runs it
        callback()
    assert Newsletter.objects.get().status == Newsletter.Status.SENT
    assert len(django_mail.outbox) == 4


def test_scheduling_for_later_and_taking_it_back(coordinator, region):
    newsletter = make_newsletter(region.consortium, include_staff=True)
    past = coordinator.post(f"/nyhetsbrev/{newsletter.pk}/skicka/", {"when": "later", "send_at": "2001-01-01T10:00"})
    assert "send_at" in past.context["form"].errors
    at = timezone.localtime() + timedelta(days=2)
    coordinator.post(f"/nyhetsbrev/{newsletter.pk}/skicka/", {"when": "later", "send_at": at.strftime("%Y-%m-%dT%H:%M")})
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.SCHEDULED and newsletter.scheduled_by == region.samordnare
    assert abs(newsletter.send_at - at) < timedelta(minutes=1)
    assert tasks.newsletters_due.call() == []  # not yet due
    assert coordinator.get(f"/nyhetsbrev/{newsletter.pk}/andra/").status_code == 302  # no edits once scheduled
    coordinator.post(f"/nyhetsbrev/{newsletter.pk}/ta-tillbaka/")
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.DRAFT and newsletter.send_at is None


def test_the_periodic_check_starts_a_due_newsletter(region):
    newsletter = make_newsletter(region.consortium, include_staff=True)
    Newsletter.objects.filter(pk=newsletter.pk).update(status=Newsletter.Status.SCHEDULED,
                                                       send_at=timezone.now() - timedelta(minutes=1))
    assert tasks.newsletters_due.call() == [newsletter.pk]  # enqueues send_newsletter (run at once in tests)
    assert Newsletter.objects.get().status == Newsletter.Status.SENT and len(django_mail.outbox) == 4


def test_a_segment_with_nobody_cannot_be_sent(coordinator, region):
    newsletter = make_newsletter(region.consortium, include_subscribers=True)
    response = coordinator.post(f"/nyhetsbrev/{newsletter.pk}/skicka/", {"when": "now"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert Newsletter.objects.get().status == Newsletter.Status.DRAFT


def test_delete_copy_and_stop(coordinator, region):
    draft = make_newsletter(region.consortium, include_staff=True)
    assert coordinator.get(f"/nyhetsbrev/{draft.pk}/ta-bort/").status_code == 200  # asks first
    assert Newsletter.objects.filter(pk=draft.pk).exists()
    coordinator.post(f"/nyhetsbrev/{draft.pk}/ta-bort/")
    assert not Newsletter.objects.filter(pk=draft.pk).exists()

    sent = start_sending(make_newsletter(region.consortium, include_staff=True))
    delivery.run(sent.pk)
    assert coordinator.post(f"/nyhetsbrev/{sent.pk}/ta-bort/").status_code == 302
    assert Newsletter.objects.filter(pk=sent.pk).exists()  # a sent newsletter stays in the log
    response = coordinator.post(f"/nyhetsbrev/{sent.pk}/kopiera/")
    copy = Newsletter.objects.exclude(pk=sent.pk).get()
    assert response["Location"] == f"/nyhetsbrev/{copy.pk}/andra/"
    assert copy.status == Newsletter.Status.DRAFT and copy.include_staff and copy.subject == sent.subject

    running = start_sending(make_newsletter(region.consortium, include_staff=True))
    coordinator.post(f"/nyhetsbrev/{running.pk}/stoppa/")
    running.refresh_from_db()
    assert running.status == Newsletter.Status.STOPPED
    assert delivery.run(running.pk).sent == 0


def test_the_log_shows_who_got_it_and_exports(coordinator, region):
    newsletter = start_sending(make_newsletter(region.consortium, include_staff=True))
    delivery.run(newsletter.pk)
    Delivery.objects.filter(email="erik@ekbacken.se").update(status=Delivery.Status.FAILED, sent_at=None,
                                                             error="550 No such user")
    page = coordinator.get(f"/nyhetsbrev/{newsletter.pk}/logg/")
    text = body(page)
    assert "anna@huddinge.se" in text and "550 No such user" in text
    assert page.context["counts"]["sent"] == 3 and page.context["counts"]["failed"] == 1
    failed = coordinator.get(f"/nyhetsbrev/{newsletter.pk}/logg/?status=failed")
    assert [d.email for d in failed.context["page"].object_list] == ["erik@ekbacken.se"]
    csv_text = body(coordinator.get(f"/nyhetsbrev/{newsletter.pk}/logg.csv"))
    assert csv_text.splitlines()[0].startswith("E-post;Namn")
    assert "erik@ekbacken.se;Erik Öberg" in csv_text and "550 No such user" in csv_text
    workbook = load_workbook(io.BytesIO(coordinator.get(f"/nyhetsbrev/{newsletter.pk}/logg.xlsx").content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 5 and rows[0][0] == "E-post"
    assert coordinator.get(f"/nyhetsbrev/{newsletter.pk}/logg.pdf").status_code == 404


def test_subscribers_and_blocked_addresses(coordinator, region):
    make_subscription(region.consortium, "reader@example.se", municipality=region.taby)
    page = coordinator.get("/nyhetsbrev/prenumeranter/")
    assert "reader@example.se" in body(page)
    assert "reader@example.se;" in body(coordinator.get("/nyhetsbrev/prenumeranter.csv"))
    response = coordinator.post("/nyhetsbrev/sparrade/", {"email": "No@Example.se", "note": "Bad i telefon"})
    assert response.status_code == 302
    block = Suppression.objects.get()
    assert (block.email, block.reason, block.created_by) == ("no@example.se", "manual", region.samordnare)
    again = coordinator.post("/nyhetsbrev/sparrade/", {"email": "no@example.se"})
    assert "email" in again.context["form"].errors
    personnummer = coordinator.post("/nyhetsbrev/sparrade/", {"email": "x@example.se", "note": "19800101-1234"})
    assert "note" in personnummer.context["form"].errors
    assert coordinator.get(f"/nyhetsbrev/sparrade/{block.pk}/ta-bort/").status_code == 200
    coordinator.post(f"/nyhetsbrev/sparrade/{block.pk}/ta-bort/")
    assert not Suppression.objects.exists()


def test_the_navigation_offers_newsletters_to_coordinators_only(client, region):
    client.force_login(region.samordnare)
    assert any(item["url"] == "/nyhetsbrev/" for item in links_in(client.get("/").context["nav_items"]))
    client.force_login(make_user(region.consortium, Role.CKA, region.taby))
    assert not any(item["url"] == "/nyhetsbrev/" for item in links_in(client.get("/").context["nav_items"]))
