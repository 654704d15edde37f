"""The catalog in Chromium: find an activity by search and filters, open a session, copy its calendar
link; axe-core finds no serious or critical violation on the catalog pages, in Swedish and English."""

from datetime import time

import pytest

from .conftest import serious_violations, set_language, sign_in


@pytest.fixture
def offer(region):
    from larnav.catalog.testing import future_day, make_activity, make_focus_area, make_session, occasion

    focus = make_focus_area(region.consortium, "Bemötande och förhållningssätt")
    bemotande = make_activity(region.consortium, "Lågaffektivt bemötande", focus_areas=[focus], level="grund",
                              description="## Innehåll\n\n- Förhållningssätt\n- **Praktiska övningar**")
    seminar = make_activity(region.consortium, "Lågaffektivt bemötande – seminarium", type="seminarium")
    make_activity(region.consortium, "AKK i vardagen", type="studiecirkel")
    session = make_session(bemotande, capacity=25, occasions=[
        occasion(future_day(20), time(9), time(12), place="Huddinge kommunhus", address="Kommunalvägen 28"),
        occasion(future_day(27), time(9), time(12), link="https://teams.microsoft.com/l/hemlig", place=""),
    ])
    make_session(seminar, days=25)
    return {"session": session, "activity": bemotande}


def test_find_an_activity_open_a_session_and_copy_its_calendar_link(page, live_server, offer):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto("/utbud/")
    page.locator("#id_q").fill("LÅGAFFEKTIVT")
    page.locator("form[role=search] .catalog-search button[type=submit]").click()
    page.wait_for_url("**/utbud/?q=*")
    titles = page.locator(".activity-card h3").all_inner_texts()
    assert sorted(titles) == ["Lågaffektivt bemötande", "Lågaffektivt bemötande – seminarium"]

    page.locator("details.more-filters summary").click()
    page.locator("#id_type").select_option("kurs")
    page.locator("details.more-filters button[type=submit]").click()
    page.wait_for_url("**type=kurs*")
    assert page.locator(".activity-card h3").all_inner_texts() == ["Lågaffektivt bemötande"]
    assert "q=L%C3%85GAFFEKTIVT" in page.url or "q=LÅGAFFEKTIVT" in page.url

    page.locator(".session-list a").first.click()
    page.wait_for_url(f"**/utbud/tillfalle/{offer['session'].pk}/")
    assert page.locator("h1").inner_text() == "Lågaffektivt bemötande"
    # The digital link is for booked participants only.
    assert "teams.microsoft.com" not in page.content()

    page.locator("button[data-copy='#session-ics']").click()
    page.locator("#session-ics-status").filter(has_text=".").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#session-ics").input_value()
    assert copied.endswith(f"/utbud/tillfalle/{offer['session'].pk}/kalender.ics")
    response = page.request.get(copied)
    assert response.status == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    body = response.text()
    assert body.startswith("BEGIN:VCALENDAR") and body.count("BEGIN:VEVENT") == 2


def test_the_catalog_fits_a_phone(phone_page, live_server, offer):
    for path in ("/utbud/", f"/utbud/tillfalle/{offer['session'].pk}/", f"/utbud/{offer['activity'].pk}/"):
        phone_page.goto(path)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_catalog_pages_are_accessible(page, live_server, offer, language):
    set_language(page, live_server.url, language)
    paths = ["/utbud/", "/utbud/?q=l%C3%A5gaffektivt&type=kurs&free=on", f"/utbud/{offer['activity'].pk}/",
             f"/utbud/tillfalle/{offer['session'].pk}/", "/utbud/?q=finns-inte"]
    for path in paths:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        if page.locator("details.more-filters").count():
            page.locator("details.more-filters summary").click()  # check the filters too
        assert serious_violations(page) == [], path


@pytest.mark.parametrize("language", ["sv", "en"])
def test_catalog_management_pages_are_accessible(page, live_server, offer, language):
    set_language(page, live_server.url, language)
    sign_in(page, "samordnare")
    activity, session = offer["activity"], offer["session"]
    for path in ("/utbud/hantera/", "/utbud/hantera/ny/", f"/utbud/{activity.pk}/nytt-tillfalle/",
                 f"/utbud/tillfalle/{session.pk}/andra/", f"/utbud/{activity.pk}/serie/",
                 f"/utbud/tillfalle/{session.pk}/stall-in/", "/utbud/fokusomraden/", "/utbud/kalender/"):
        page.goto(path)
        assert serious_violations(page) == [], path
    # A form with errors.
    page.goto(f"/utbud/{activity.pk}/nytt-tillfalle/")
    page.locator("#id_capacity").fill("20000")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_selector(".errorlist")
    assert serious_violations(page) == []


@pytest.mark.parametrize("language", ["sv", "en"])
def test_interest_form_with_errors_and_trainer_pages_are_accessible(page, live_server, region, language):
    from larnav.catalog.testing import make_activity, make_session

    set_language(page, live_server.url, language)
    no_dates = make_activity(region.consortium, "Etik i vardagen", type="studiecirkel")
    taught = make_activity(region.consortium, "Nätverk för arbetsterapeuter", type="natverkstraff")
    make_session(taught, trainers=[region.utbildare])
    page.goto(f"/utbud/{no_dates.pk}/")
    page.locator("#interest ~ form button[type=submit], section.interest form button[type=submit]").first.click()
    page.wait_for_selector(".errorlist")
    assert page.locator("#id_email[aria-invalid=true]").count() == 1
    assert serious_violations(page) == []
    sign_in(page, "utbildare")
    for path in ("/narvaro/", "/utbud/kalender/"):
        page.goto(path)
        assert serious_violations(page) == [], path
