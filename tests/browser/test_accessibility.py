"""axe-core in Chromium: no serious or critical WCAG violations, in Swedish and English."""

import pytest

from .conftest import serious_violations, set_language, sign_in

ANONYMOUS_PAGES = ["/", "/konto/logga-in/", "/konto/inloggningslank/", "/tillganglighet/", "/integritet/",
                   "/konto/losenord/aterstall/"]
COORDINATOR_PAGES = ["/", "/personer/", "/organisationer/", "/import/", "/konto/"]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_public_pages_are_accessible(page, live_server, region, language):
    set_language(page, live_server.url, language)
    for path in ANONYMOUS_PAGES:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert serious_violations(page) == [], path


@pytest.mark.parametrize("language", ["sv", "en"])
def test_coordinator_pages_are_accessible(page, live_server, region, language):
    sign_in(page, "samordnare")  # signing in applies the user's saved language; choose after it
    set_language(page, live_server.url, language)
    for path in COORDINATOR_PAGES:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert serious_violations(page) == [], path


def test_sign_in_page_with_errors_is_accessible(page, live_server, region):
    page.goto("/konto/logga-in/")
    page.locator("#id_username").fill("samordnare")
    page.locator("#id_password").fill("fel")
    page.locator("form:has(#id_username) button[type=submit]").click()
    page.wait_for_selector(".errorlist, .message--error")
    assert serious_violations(page) == []
