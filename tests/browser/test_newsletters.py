"""Newsletters in Chromium: a coordinator composes, previews, sends a test copy and schedules; a reader
unsubscribes with one click. (axe-core on the newsletter pages: tests/browser/test_accessibility.py.)"""

from datetime import timedelta

from django.core import mail as django_mail
from django.utils import timezone

from .conftest import sign_in


def test_a_coordinator_composes_previews_tests_and_schedules(page, live_server, region):
    from larnav.newsletters.models import Newsletter

    sign_in(page, "samordnare")
    page.goto("/nyhetsbrev/")
    page.get_by_role("link", name="Nytt nyhetsbrev").click()
    page.locator("#id_subject").fill("Höstens utbud")
    page.locator("#id_body").fill("## Nytt i höst\n\nAnmälan är **öppen** till [utbudet](https://example.se).")
    page.get_by_label("Personal i personregistret").check()
    page.locator("#id_organisations").select_option(label="Huddinge")
    page.get_by_role("button", name="Spara utkast").click()
    page.wait_for_url("**/nyhetsbrev/*/")
    newsletter = Newsletter.objects.get()

    # The preview shows the rendered text; the count is of Huddinge's staff.
    assert page.locator(".newsletter-preview div[lang] strong").inner_text() == "öppen"
    assert page.locator(".newsletter-preview div[lang] a").get_attribute("href") == "https://example.se"
    assert "2 mottagare just nu" in page.locator("main").inner_text()
    page.get_by_role("link", name="Visa ramen på engelska").click()
    page.wait_for_url("**?sprak=en")
    assert "Unsubscribe" in page.locator(".newsletter-text").text_content()

    page.locator("#id_addresses").fill("samordnare@samverkan.se")
    page.get_by_role("button", name="Skicka provexemplar").click()
    page.locator(".message--success").wait_for()
    assert [m.to for m in django_mail.outbox] == [["samordnare@samverkan.se"]]
    # The frame was shown in English, so the test copy's frame is English too; the text stays Swedish.
    assert django_mail.outbox[0].subject == "[Test] Höstens utbud"
    assert "Nytt i höst" in django_mail.outbox[0].body and "Unsubscribe" not in django_mail.outbox[0].body

    page.get_by_role("link", name="Skicka eller schemalägg").click()
    assert "2 mottagare just nu" in page.locator("main").inner_text()
    page.get_by_label("Vid en tid som jag väljer").check()
    at = timezone.localtime() + timedelta(days=3)
    page.locator("#id_send_at").fill(at.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Skicka till 2 mottagare").click()
    page.wait_for_url(f"**/nyhetsbrev/{newsletter.pk}/")
    page.locator(".message--success").wait_for()
    newsletter.refresh_from_db()
    assert newsletter.status == Newsletter.Status.SCHEDULED
    assert len(django_mail.outbox) == 1  # nothing but the test copy went out


def test_a_reader_unsubscribes_with_one_click(page, live_server, region):
    from larnav.newsletters import delivery
    from larnav.newsletters.models import Delivery, Suppression
    from larnav.newsletters.testing import make_newsletter, start_sending

    newsletter = start_sending(make_newsletter(region.consortium, include_staff=True))
    delivery.run(newsletter.pk)
    row = Delivery.objects.get(email="tove@taby.se")
    page.goto(f"/nyhetsbrev/u/{row.token}/")
    page.get_by_role("button", name="Ja, avsluta prenumerationen").click()
    page.get_by_role("heading", name="Du har avslutat prenumerationen").wait_for()
    assert Suppression.objects.filter(email="tove@taby.se").exists()
