"""User journeys of the foundation, end to end in Chromium."""

import re

from django.core import mail
from playwright.sync_api import expect

from .conftest import follow_menu, sign_in


def test_participant_signs_in_with_an_emailed_link_on_a_phone(phone_page, live_server, region):
    page = phone_page
    page.goto("/konto/logga-in/")
    page.get_by_label("Din e-postadress").fill("tove@taby.se")
    page.get_by_role("button", name="Skicka inloggningslänk").click()
    page.get_by_role("heading", name="Kolla din e-post").wait_for()
    link = re.search(r"https?://\S+(/konto/inloggningslank/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(link)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("heading", name=re.compile("Välkommen")).wait_for()
    assert "Tibble" in page.content()
    # The page fits a 360 px screen: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_cka_finds_own_staff_and_switches_language(page, live_server, region):
    sign_in(page, "cka-huddinge")
    follow_menu(page, "Personer", group="Register")
    page.get_by_label("Sök").fill("Åström")
    page.get_by_role("button", name="Filtrera").click()
    expect(page.get_by_role("link", name="Åström, Anna")).to_be_visible()
    page.get_by_label("Sök").fill("Lind")  # Sara Lind works in Stockholm: not in this CKA's scope
    page.get_by_role("button", name="Filtrera").click()
    expect(page.get_by_text("Inga personer matchar sökningen.")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Persons")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
