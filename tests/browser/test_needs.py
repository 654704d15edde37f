"""The needs inventory in a browser: a CKA submits, and its pages have no serious WCAG violations."""

import re

import pytest
from playwright.sync_api import expect

from larnav.catalog.testing import make_activity, make_focus_area
from larnav.needs import services
from larnav.needs.models import Submission
from larnav.needs.testing import make_campaign, make_item, submission_of

from .conftest import serious_violations, set_language, sign_in


@pytest.fixture
def inventory(region):
    lss = make_focus_area(region.consortium, "LSS")
    make_focus_area(region.consortium, "Kommunikation och AKK")
    campaign = make_campaign(region.consortium, user=region.samordnare)
    return {"campaign": campaign, "lss": lss}


def test_a_cka_submits_a_needs_inventory(page, live_server, region, inventory):
    sign_in(page, "cka-huddinge")
    page.get_by_role("link", name="Gå till behovsinventeringen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Behovsinventering 2027: Huddinge")

    page.get_by_role("link", name="Lägg till ett behov").click()
    page.get_by_role("button", name="Spara", exact=True).click()  # nothing filled in
    expect(page.get_by_text("Beskriv behovet med några ord.")).to_be_visible()
    page.get_by_label(re.compile("^Behov")).fill("Lågaffektivt bemötande för nyanställda")
    page.get_by_label(re.compile("^Tema")).select_option(label="LSS")
    page.get_by_label("Stödassistent").check()
    page.get_by_label("Uppskattat antal medarbetare").fill("30")
    page.get_by_label("1 – hög").check()
    page.get_by_label("Beskrivning").fill("Många timvikarier inför sommaren.")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.get_by_text("Behovet är sparat.")).to_be_visible()
    expect(page.get_by_role("heading", name="Lågaffektivt bemötande för nyanställda")).to_be_visible()

    page.get_by_role("link", name="Lämna in svaren").click()
    expect(page.get_by_text("Du lämnar in 1 behov för Huddinge.")).to_be_visible()
    page.get_by_role("button", name="Lämna in", exact=True).click()
    expect(page.get_by_text("Tack! Er behovsinventering är inlämnad.")).to_be_visible()
    expect(page.get_by_text("Svaren är inlämnade och låsta.", exact=False)).to_be_visible()
    expect(page.get_by_role("link", name="Lägg till ett behov")).to_have_count(0)

    submission = submission_of(inventory["campaign"], region.huddinge)
    assert submission.status == Submission.Status.SUBMITTED and submission.items.count() == 1


def _answered(region, inventory):
    campaign = inventory["campaign"]
    huddinge = submission_of(campaign, region.huddinge)
    item = make_item(huddinge, region.cka_huddinge, theme=inventory["lss"], occupations=[region.occupation],
                     level="grund", funktion="utforare", description="Nyanställda i gruppbostad")
    services.submit(huddinge.pk, user=region.cka_huddinge)
    make_activity(region.consortium, "LSS i vardagen", focus_areas=[inventory["lss"]])
    return campaign, huddinge, item


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_cka_pages_are_accessible(page, live_server, region, inventory, language):
    taby = submission_of(inventory["campaign"], region.taby)
    make_item(taby, region.cka_taby, theme=inventory["lss"])
    sign_in(page, "cka-taby")
    set_language(page, live_server.url, language)
    for path in ["/", "/behovsinventering/", f"/behovsinventering/svar/{taby.pk}/",
                 f"/behovsinventering/svar/{taby.pk}/nytt-behov/", f"/behovsinventering/svar/{taby.pk}/skicka-in/"]:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert serious_violations(page) == [], path
    page.goto(f"/behovsinventering/svar/{taby.pk}/nytt-behov/")
    page.locator("form.stacked button[type=submit]").first.click()
    page.wait_for_selector(".errorlist")
    assert serious_violations(page) == [], "the need form with errors"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_coordinator_pages_are_accessible(page, live_server, region, inventory, language):
    campaign, huddinge, item = _answered(region, inventory)
    sign_in(page, "samordnare")
    set_language(page, live_server.url, language)
    for path in ["/behovsinventering/", "/behovsinventering/ny/", f"/behovsinventering/{campaign.pk}/",
                 f"/behovsinventering/{campaign.pk}/sammanstallning/",
                 f"/behovsinventering/{campaign.pk}/behov/?answered=no",
                 f"/behovsinventering/svar/{huddinge.pk}/", f"/behovsinventering/svar/{huddinge.pk}/oppna-igen/",
                 f"/behovsinventering/behov/{item.pk}/utbud/", f"/behovsinventering/{campaign.pk}/paminn/"]:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert serious_violations(page) == [], path


def test_the_steering_group_summary_is_accessible(page, live_server, region, inventory):
    campaign, _huddinge, _item = _answered(region, inventory)
    sign_in(page, "styrgrupp-taby")
    page.goto(f"/behovsinventering/{campaign.pk}/sammanstallning/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sammanställning")
    expect(page.locator("figure.chart svg[role=img]").first).to_be_visible()
    assert serious_violations(page) == []
