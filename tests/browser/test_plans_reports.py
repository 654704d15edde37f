"""The annual plan and the reports in Chromium: a coordinator's journey, and axe on every page."""

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from larnav.statistics.periods import STOCKHOLM, tertial_of, today
from larnav.statistics.testing import make_dated_session, register

from .conftest import follow_menu, serious_violations, set_language, sign_in


@pytest.fixture
def participants(region):
    """Anna, Erik and Sara attended a course today."""
    day = today()
    session = make_dated_session(region.consortium, datetime(day.year, day.month, day.day, 0, 30, tzinfo=STOCKHOLM))
    for person in (region.anna, region.erik, region.sara):
        register(session, person)
    return region


def test_coordinator_records_a_goal_with_an_indicator_and_orders_a_tertial_report(page, live_server, participants):
    year = today().year
    sign_in(page, "samordnare")
    follow_menu(page, "Verksamhetsplan", group="Uppföljning")
    page.get_by_role("link", name="Ny verksamhetsplan").click()
    page.get_by_label("År").fill(str(year))
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", name=f"Verksamhetsplan {year}", level=1)).to_be_visible()

    page.get_by_role("link", name="Nytt mål").click()
    page.locator("#id_title").fill("Alla kommuner drar nytta av samverkan")
    page.get_by_role("button", name="Spara").click()
    page.get_by_role("link", name="Ny indikator").click()
    page.locator("#id_name").fill("Antal deltagare")
    page.get_by_label("Beräknas från data").check()
    page.locator("#id_metric").select_option(label="Deltagare")
    page.get_by_label("Målvärde").fill("3")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", name="Antal deltagare")).to_be_visible()
    expect(page.locator(".plan-status")).to_have_text("Uppfyllt")  # three participants: the target is met

    page.get_by_role("link", name=f"Verksamhetsplan {year}").click()
    row = page.get_by_role("row", name=re.compile("Antal deltagare"))
    expect(row.locator(".plan-status")).to_have_text("Uppfyllt")
    expect(row).to_contain_text("3 deltagare")

    follow_menu(page, "Rapporter", group="Uppföljning")
    page.get_by_label("Tertialrapport").check()
    page.locator("#id_year").select_option(str(year))
    page.locator("#id_tertial").select_option(str(tertial_of(today())))
    page.get_by_role("button", name="Bygg rapporten").click()
    expect(page.get_by_role("heading", name=f"Tertialrapport T{tertial_of(today())} {year}")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Klar")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner PDF").click()
    path = Path(download_info.value.path())
    assert path.read_bytes().startswith(b"%PDF")
    assert download_info.value.suggested_filename == f"tertialrapport-t{tertial_of(today())}-{year}.pdf"
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner XLSX").click()
    assert Path(download_info.value.path()).read_bytes().startswith(b"PK")


def test_a_report_being_built_shows_its_progress_until_it_is_ready(page, live_server, region):
    from larnav.reports import services
    from larnav.reports.models import ReportJob

    job = services.request_report(region.samordnare, region.consortium, services.ReportRequest(
        kind="year_end", year=today().year - 1))
    ReportJob.objects.filter(pk=job.pk).update(status="running", progress=35, step="Räknar deltagare")
    sign_in(page, "samordnare")
    page.goto(f"/rapporter/{job.pk}/")
    expect(page.get_by_role("status")).to_contain_text("35")
    assert page.locator("progress").get_attribute("value") == "35"
    ReportJob.objects.filter(pk=job.pk).update(status="queued", progress=0)
    services.run_job(job.pk)  # the worker finishes it; the page follows by itself
    expect(page.get_by_role("link", name="Ladda ner PDF")).to_be_visible(timeout=10000)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_plan_and_report_pages_are_accessible(page, live_server, participants, language):
    from larnav.plans import services as plans
    from larnav.plans.models import Goal, Indicator, Plan
    from larnav.reports import services
    from larnav.reports.models import ReportJob

    region = participants
    plan = plans.save_plan(Plan(consortium=region.consortium, year=today().year, introduction="Syfte"))
    goal = plans.save_goal(Goal(plan=plan, title="Effektiv länssamverkan", expected_result="Alla medverkar"))
    computed = plans.save_indicator(Indicator(goal=goal, name="Deltagare", kind="computed", metric="participants",
                                              target=Decimal(10)))
    manual = plans.save_indicator(Indicator(goal=goal, name="Närvaro vid CKA-träffar", kind="manual", unit="%",
                                            target=Decimal(80)))
    plans.add_value(manual, value=Decimal(75), measured_on=today(), comment="Träffen")
    done = services.request_report(region.samordnare, region.consortium, services.ReportRequest(
        kind="year_end", year=today().year - 1))
    services.run_job(done.pk)
    running = services.request_report(region.samordnare, region.consortium, services.ReportRequest(
        kind="year_end", year=today().year - 1))
    ReportJob.objects.filter(pk=running.pk).update(status="running", progress=50)
    sign_in(page, "samordnare")
    set_language(page, live_server.url, language)
    for path in ["/verksamhetsplan/", f"/verksamhetsplan/{plan.pk}/", f"/verksamhetsplan/indikator/{computed.pk}/",
                 f"/verksamhetsplan/indikator/{manual.pk}/", f"/verksamhetsplan/mal/{goal.pk}/indikator/ny/",
                 "/rapporter/", f"/rapporter/{done.pk}/", f"/rapporter/{running.pk}/"]:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert serious_violations(page) == [], path
    page.goto(f"/verksamhetsplan/mal/{goal.pk}/indikator/ny/")
    page.get_by_role("button", name=re.compile("Spara|Save")).click()
    page.wait_for_selector(".errorlist")
    assert serious_violations(page) == []
