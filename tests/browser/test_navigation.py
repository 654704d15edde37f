"""The main menu in Chromium: groups open and close by mouse and keyboard, with and without scripts, on a phone."""

import pytest
from playwright.sync_api import expect

from .conftest import follow_menu, serious_violations, set_language, sign_in

TOP_ROW = "[...document.querySelectorAll('.main-nav__list > li')].map(li => li.offsetTop)"
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def nav(page):
    return page.get_by_role("navigation", name="Huvudmeny")


def test_a_coordinators_menu_fits_one_row_and_its_groups_open_and_close(page, live_server, region):
    sign_in(page, "samordnare")
    assert len(set(page.evaluate(TOP_ROW))) == 1  # one row on a desktop screen
    menu = nav(page)
    persons = menu.get_by_role("link", name="Personer", exact=True)
    expect(persons).to_be_hidden()
    menu.locator("summary", has_text="Register").click()
    expect(persons).to_be_visible()
    menu.locator("summary", has_text="Uppföljning").click()  # one group open at a time
    expect(menu.get_by_role("link", name="Statistik")).to_be_visible()
    expect(persons).to_be_hidden()
    page.keyboard.press("Escape")
    expect(menu.get_by_role("link", name="Statistik")).to_be_hidden()
    menu.locator("summary", has_text="Kommunikation").click()
    page.locator("main h1").click()  # a click outside closes
    expect(menu.get_by_role("link", name="Nyhetsbrev")).to_be_hidden()

    follow_menu(page, "Personer", group="Register")
    page.wait_for_url("**/personer/")
    group = menu.locator("details", has=page.locator("summary", has_text="Register"))
    expect(group).to_have_class("nav-group nav-group--current")
    expect(group.locator("summary")).to_have_attribute("aria-current", "true")
    expect(group).not_to_have_attribute("open", "")  # the current group is marked, not left open over the page
    menu.locator("summary", has_text="Register").click()
    expect(persons).to_have_attribute("aria-current", "page")


def test_the_menu_works_from_the_keyboard(page, live_server, region):
    sign_in(page, "samordnare")
    summary = nav(page).locator("summary", has_text="Uppföljning")
    summary.focus()
    page.keyboard.press("Enter")
    expect(nav(page).get_by_role("link", name="Statistik")).to_be_visible()
    page.keyboard.press("Tab")
    expect(nav(page).get_by_role("link", name="Statistik")).to_be_focused()
    page.keyboard.press("Escape")  # closes, and focus goes back to the group's name
    expect(nav(page).get_by_role("link", name="Statistik")).to_be_hidden()
    expect(summary).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(nav(page).get_by_role("link", name="Verksamhetsplan")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/verksamhetsplan/")


def test_the_groups_open_without_scripts(chromium_browser, live_server, region):
    context = chromium_browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        sign_in(page, "samordnare")
        follow_menu(page, "Utskick", group="Kommunikation")
        page.wait_for_url("**/utskick/")
    finally:
        context.close()


def test_on_a_phone_an_open_group_stacks_its_links_across_the_screen(chromium_browser, live_server, region):
    context = chromium_browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844},
                                           is_mobile=True, has_touch=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    try:
        sign_in(page, "samordnare")
        for group in ["Uppföljning", "Kommunikation", "Register"]:
            nav(page).locator("summary", has_text=group).click()
            links = nav(page).locator("details[open] .nav-group__links a")
            boxes = [links.nth(i).bounding_box() for i in range(links.count())]
            assert len(boxes) >= 2 and all(box["x"] >= 0 and box["x"] + box["width"] <= 390 for box in boxes)
            assert [box["y"] for box in boxes] == sorted(box["y"] for box in boxes)  # one under the other
            assert len({box["x"] for box in boxes}) == 1
            menu_bottom = page.locator(".main-nav").bounding_box()
            assert boxes[0]["y"] >= menu_bottom["y"] + menu_bottom["height"]  # the menu's other rows stay reachable
            assert page.evaluate(NO_SIDEWAYS_SCROLL), group
        follow_menu(page, "Personer", group="Register")
        page.wait_for_url("**/personer/")
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
    finally:
        context.close()


def test_a_participant_has_a_plain_menu(phone_page, live_server, region):
    page = phone_page
    sign_in(page, "deltagare")
    expect(nav(page).locator("summary")).to_have_count(0)
    expect(nav(page).get_by_role("link")).to_have_text(["Start", "Utbud", "Mina sidor", "Mitt konto"])
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_an_open_group_is_accessible(page, live_server, region, language):
    sign_in(page, "samordnare")
    set_language(page, live_server.url, language)
    page.goto("/personer/")
    page.locator(".nav-group--current summary").click()
    expect(page.locator(".nav-group--current .nav-group__links")).to_be_visible()
    assert serious_violations(page) == []
