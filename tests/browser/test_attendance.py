"""Attendance in Chromium: a trainer takes attendance on a 390 px phone, the participant downloads the
certificate, and its code verifies on the public page; axe-core finds no serious or critical violation
on the attendance list."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from .conftest import serious_violations, set_language, sign_in

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(chromium_browser, live_server):
    """A 390 × 844 phone screen (iPhone 12–15 size) with touch."""
    contexts = []

    def new_page(username=None, language="en"):
        context = chromium_browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True,
                                               has_touch=True, accept_downloads=True)
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        if username:
            sign_in(page, username)
        # After signing in, which sets the user's own language: the page texts below are English.
        set_language(page, live_server.url, language)
        return page

    yield new_page
    for context in contexts:
        context.close()


@pytest.fixture
def course(region):
    """A one-day course that took place yesterday, taught by the demo trainer; Anna and Erik registered."""
    from larnav.attendance.testing import make_course, shift_timeline
    from larnav.registrations import services

    session = make_course(region.consortium, starts_in_hours=[24], trainers=[region.utbildare],
                          title="Lågaffektivt bemötande")
    session.anna = services.register(session.pk, region.anna).registration
    session.erik = services.register(session.pk, region.erik).registration
    shift_timeline(session, -timedelta(days=2))
    return session


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _certificate_code(content: bytes) -> str:
    from larnav.core.testing import pdf_content

    text = pdf_content(content)
    return re.search(rb"Verification code: ([2-9A-Z]{5}-[2-9A-Z]{5})", text).group(1).decode()


def test_trainer_takes_attendance_on_a_phone_and_the_certificate_verifies(phone, live_server, region, course):
    from larnav.registrations.models import Status

    # The trainer finds yesterday's session among their own and opens its attendance list.
    page = phone("utbildare")
    page.goto("/narvaro/")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("heading", name="My recent sessions")).to_be_visible()
    page.get_by_role("link", name=re.compile("^Take attendance")).click()
    expect(page.get_by_role("heading", name="Attendance", exact=True)).to_be_visible()
    assert _fits_the_screen(page)
    assert serious_violations(page) == []

    anna = page.get_by_role("group", name=re.compile("Åström, Anna"))
    erik = page.get_by_role("group", name=re.compile("Öberg, Erik"))
    # Big tap targets: every choice is at least 44 px high and fits beside its neighbour.
    for option in anna.locator("label").all():
        box = option.bounding_box()
        assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    anna.get_by_text("Attended", exact=True).tap()
    erik.get_by_text("Absent", exact=True).tap()
    expect(anna.get_by_label("Attended")).to_be_checked()
    page.get_by_role("button", name="Save attendance").tap()
    expect(page.get_by_text("Completion is decided: 1 completed, 1 did not attend.")).to_be_visible()
    expect(page.get_by_role("group", name=re.compile("Öberg, Erik")).get_by_label("Absent")).to_be_checked()
    assert _fits_the_screen(page)
    assert serious_violations(page) == []  # with messages and saved choices
    course.anna.refresh_from_db()
    assert course.anna.status == Status.COMPLETED

    # Anna downloads her certificate...
    page = phone("deltagare")
    with page.expect_download() as download_info:
        page.evaluate("url => { window.location.href = url; }", f"/narvaro/intyg/{course.anna.token}/")
    download = download_info.value
    assert download.suggested_filename.startswith("intyg-") and download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as file:
        code = _certificate_code(file.read())

    # ...and anyone can check its code on the public page.
    page = phone()
    page.goto("/narvaro/intygskontroll/")
    page.get_by_label("Verification code").fill(code.lower())
    page.get_by_role("button", name="Check").tap()
    card = page.locator(".card")
    expect(card.get_by_role("heading", name="The certificate is valid")).to_be_visible()
    expect(card).to_contain_text("Anna Åström")
    expect(card).to_contain_text("Lågaffektivt bemötande")
    expect(card).not_to_contain_text("Solgården")
    assert _fits_the_screen(page)
    assert serious_violations(page) == []


@pytest.mark.parametrize("language", ["sv", "en"])
def test_attendance_pages_are_accessible(phone, live_server, region, course, language):
    from larnav.attendance.testing import make_course, shift_timeline
    from larnav.registrations import services

    under_way = make_course(region.consortium, starts_in_hours=[24], trainers=[region.utbildare])
    services.register(under_way.pk, region.anna)
    shift_timeline(under_way, -timedelta(hours=24, minutes=10))
    page = phone("utbildare", language)
    occasion = course.occasions.get()
    for path in ("/narvaro/", f"/narvaro/tillfalle/{course.pk}/", f"/narvaro/traff/{occasion.pk}/",
                 f"/narvaro/traff/{under_way.occasions.get().pk}/incheckning/",
                 "/narvaro/intygskontroll/?kod=ABCDE-23456"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert serious_violations(page) == [], path
        assert _fits_the_screen(page), path
    # The QR code fits the phone, and the participant's page behind it is accessible too.
    page.goto(f"/narvaro/traff/{under_way.occasions.get().pk}/incheckning/")
    qr = page.locator("svg.checkin-qr").bounding_box()
    assert 200 <= qr["width"] <= PHONE["width"]
    check_in_url = page.locator("figcaption a").get_attribute("href")
    participant = phone("deltagare", language)
    participant.goto(check_in_url)
    assert serious_violations(participant) == []
    participant.locator("main form button[type=submit]").tap()
    participant.locator(".message--success").wait_for()
    assert serious_violations(participant) == []
    # The coordinator's rule page.
    coordinator = phone("samordnare", language)
    coordinator.goto(f"/narvaro/aktivitet/{course.activity_id}/regel/")
    coordinator.locator("form button[type=submit]").last.wait_for()
    assert serious_violations(coordinator) == []
    assert _fits_the_screen(coordinator)
