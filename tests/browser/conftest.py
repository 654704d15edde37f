"""Browser harness: Playwright driving Debian's Chromium against a live server.

Without /usr/bin/chromium the browser tests are skipped with a visible reason,
except on CI (CI=true), where a skipped browser test is a failure.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("LARNAV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make for set-up are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def chromium_browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: install it with `sudo apt-get install chromium`"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (browser tests may not be skipped on CI)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser, live_server):
    context = chromium_browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium_browser, live_server):
    context = chromium_browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 780},
                                           is_mobile=True, has_touch=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


def set_language(page, base_url: str, language: str):
    """Choose the UI language as the language switch does (its cookie), for checks in both languages."""
    from django.conf import settings

    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}])


def sign_in(page, username: str, password: str = "korrekt-hast-batteri"):
    page.goto("/konto/logga-in/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form:has(#id_username) button[type=submit]").click()
    page.wait_for_url("**/")


def follow_menu(page, link: str, group: str | None = None, menu: str = "Huvudmeny"):
    """Click ``link`` in the main menu, opening its ``group`` (a disclosure) first when it is in one."""
    nav = page.get_by_role("navigation", name=menu)
    if group:
        closed = nav.locator("details:not([open]) > summary", has_text=group)
        if closed.count():
            closed.click()
    nav.get_by_role("link", name=link, exact=True).click()


def serious_violations(page) -> list[str]:
    """axe-core violations of impact serious or critical, as readable lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a",
                                                                            "wcag21aa", "best-practice"]}})
    lines = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:5])
            lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} – {targets}")
    return lines
