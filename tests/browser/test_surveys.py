"""Surveys in Chromium: an attendee answers the evaluation from the e-mailed link on a phone; a coordinator
views and exports the results; axe-core finds no serious or critical violation on the survey pages, in
Swedish and in English."""

import io
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from .conftest import serious_violations, set_language, sign_in

PHONE = {"width": 360, "height": 780}


@pytest.fixture
def phone(chromium_browser, live_server):
    contexts = []

    def new_page(username=None, language="sv"):
        context = chromium_browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True,
                                               has_touch=True)
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        if username:
            sign_in(page, username)
        set_language(page, live_server.url, language)
        return page

    yield new_page
    for context in contexts:
        context.close()


@pytest.fixture
def evaluated(region):
    """The standard course evaluation, sent by the periodic job after a course that ended an hour ago."""
    from larnav.attendance.testing import make_course, shift_timeline
    from larnav.registrations import services as registrations
    from larnav.surveys import services
    from larnav.surveys.standard import ensure_standard_templates

    ensure_standard_templates(region.consortium)
    session = make_course(region.consortium, starts_in_hours=[24], title="Lågaffektivt bemötande")
    for person in (region.anna, region.erik):
        registrations.register(session.pk, person)
    shift_timeline(session, -timedelta(hours=24 + 3 + 1))
    [survey] = services.create_due_evaluations()
    return survey


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _link_in_mail(address: str) -> str:
    from django.core import mail

    message = next(m for m in mail.outbox if m.to == [address] and "/enkater/svara/" in m.body)
    return re.search(r"https?://\S+(/enkater/svara/[\w-]+/)", message.body).group(1)


def test_an_attendee_answers_the_evaluation_from_the_emailed_link_on_a_phone(phone, region, evaluated):
    from larnav.surveys.models import Answer, Invitation, Respondent, Response

    path = _link_in_mail("anna@huddinge.se")
    page = phone()
    page.goto(path)
    expect(page.get_by_role("heading", level=1, name="Lågaffektivt bemötande")).to_be_visible()
    expect(page.get_by_text("Dina svar är anonyma.")).to_be_visible()
    assert _fits_the_screen(page)
    assert serious_violations(page) == []

    # Sending without the required answers: a summary that links to each question, and nothing stored.
    page.get_by_role("button", name="Skicka mina svar").tap()
    summary = page.get_by_role("alert").filter(has_text="svar behöver rättas")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert serious_violations(page) == []
    assert not Response.objects.exists()

    overall = page.get_by_role("group", name=re.compile("^1\\. Vilket helhetsbetyg"))
    for option in overall.locator("label").all():
        box = option.bounding_box()
        assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    overall.get_by_role("radio", name="4", exact=True).tap()
    page.get_by_role("group", name=re.compile("^2\\. I vilken grad")).get_by_role("radio", name=re.compile("^5")).tap()
    trainer = page.get_by_role("group", name=re.compile("^3\\. Vad tycker du"))
    trainer.get_by_role("group", name="Var väl insatt i ämnet").get_by_role("radio", name=re.compile("^5")).tap()
    # The follow-up question appears only after "No".
    follow_up = page.get_by_label(re.compile("Vad skulle behöva vara annorlunda"))
    expect(follow_up).to_be_hidden()
    page.get_by_role("group", name=re.compile("^4\\. Skulle du rekommendera")).get_by_role("radio", name="Nej").tap()
    expect(follow_up).to_be_visible()
    follow_up.fill("Mer praktiska övningar.")
    page.get_by_label(re.compile("Övriga synpunkter")).fill("Bra lokal, bra fika.")
    page.get_by_role("button", name="Skicka mina svar").tap()
    expect(page.get_by_text("Tack! Dina svar är sparade.")).to_be_visible()
    assert _fits_the_screen(page)
    assert serious_violations(page) == []

    response = Response.objects.get()
    texts = set(Answer.objects.filter(response=response).exclude(text="").values_list("text", flat=True))
    assert texts == {"Mer praktiska övningar.", "Bra lokal, bra fika."}
    assert not Respondent.objects.exists()
    assert Invitation.objects.get(person=region.anna).answered
    # The link does not take a second answer.
    page.goto(path)
    expect(page.get_by_text("Tack! Dina svar är sparade.")).to_be_visible()
    assert Response.objects.count() == 1


@pytest.fixture
def answered(region, evaluated):
    """Seven attendees from Huddinge and Täby have answered the evaluation."""
    from larnav.core.testing import make_person
    from larnav.registrations.models import Registration, Status
    from larnav.surveys import services
    from larnav.surveys.models import Invitation

    grades = [5, 4, 4, 3, 5, 2, 4]
    people = [make_person(region.consortium, region.solgarden if i % 2 else region.tibble, first_name=f"P{i}")
              for i in range(len(grades))]
    Registration.objects.bulk_create(
        Registration(consortium=region.consortium, session=evaluated.session, person=p, status=Status.COMPLETED,
                     workplace=p.workplace, municipality_id=p.workplace.municipality_id) for p in people)
    Invitation.objects.bulk_create(Invitation(survey=evaluated, person=p, email=p.email) for p in people)
    questions = services.questions_for_answering(evaluated.version)
    overall, useful, _matrix, recommend, _why, heard, other = questions
    for person, grade in zip(people, grades, strict=True):
        raw = {overall.pk: overall.choices.get(value=grade).pk, useful.pk: useful.choices.get(value=4).pk,
               recommend.pk: recommend.choices.get(value=1).pk, heard.pk: heard.choices.first().pk,
               other.pk: f"Synpunkt {grade}"}
        token = Invitation.objects.get(survey=evaluated, person=person).token
        services.submit_response(evaluated.pk, raw, invitation_token=token)
    return evaluated


def test_a_coordinator_views_and_exports_the_results(page, live_server, region, answered):
    from openpyxl import load_workbook

    sign_in(page, "samordnare", "korrekt-hast-batteri")
    page.goto("/enkater/")
    page.get_by_role("link", name=answered.title).click()
    expect(page.get_by_text("7 av 9 inbjudna har svarat.")).to_be_visible()
    page.get_by_role("link", name="Resultat", exact=True).click()
    expect(page.get_by_text("7 svar", exact=False).first).to_be_visible()
    figure = page.locator("figure.chart").first
    expect(figure.locator("svg[role=img]")).to_be_visible()
    expect(figure.get_by_role("table")).to_contain_text("4")
    expect(page.get_by_text("Synpunkt 5").first).to_be_visible()
    assert serious_violations(page) == []

    # A cut by municipality with fewer than five responses is hidden.
    page.get_by_label("Kommun eller stadsdel").select_option(label="Täby")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_text("Färre än 5 svar: resultaten visas inte")).to_be_visible()
    page.get_by_role("link", name="Rensa filtren").click()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Sammanställning (XLSX)").click()
    with open(download_info.value.path(), "rb") as file:
        workbook = load_workbook(io.BytesIO(file.read()), read_only=True)
    rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    assert ["1. Vilket helhetsbetyg ger du utbildningen?", "Skala 1–5", "Medelvärde", None, None, 3.86, 7] in rows
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Alla svar (XLSX)").click()
    with open(download_info.value.path(), "rb") as file:
        workbook = load_workbook(io.BytesIO(file.read()), read_only=True)
    raw = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    assert len(raw) == 8 and "E-post" not in raw[0]
    assert not any("@" in str(cell) for row in raw for cell in row)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_survey_pages_are_accessible(page, phone, live_server, region, answered, language):
    from larnav.surveys.models import Invitation

    template = answered.version.template
    sign_in(page, "samordnare")
    set_language(page, live_server.url, language)
    for path in ("/enkater/", "/enkater/mallar/", f"/enkater/mall/{template.pk}/", f"/enkater/omgang/{answered.pk}/",
                 f"/enkater/mall/{template.pk}/resultat/", f"/enkater/mall/{template.pk}/jamfor/",
                 f"/enkater/mall/{template.pk}/jamfor/?a_round={answered.pk}&b_from=2020-01-01",
                 f"/enkater/version/{answered.version_id}/forhandsgranska/", "/enkater/omgang/ny/",
                 f"/enkater/omgang/ny/?mall={template.pk}", f"/enkater/aktivitet/{answered.session.activity_id}/utvardering/",
                 "/enkater/mallar/ny/", f"/enkater/omgang/{answered.pk}/paminn/"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language, path
        assert serious_violations(page) == [], path
    # The question form of an editable draft version, with an error shown.
    page.goto(f"/enkater/mall/{template.pk}/")
    page.locator("form[action$='/ny-version/'] button").click()
    page.goto(page.url.split("?")[0])
    page.locator("a[href*='/fraga/ny/']").first.click()
    page.locator("main form button[type=submit]").click()
    page.locator(".errorlist").first.wait_for()
    assert serious_violations(page) == []
    # The CKA's view of the results, and the answer sheet and its states on a phone.
    cka = phone("cka-huddinge", language)
    cka.goto(f"/enkater/mall/{template.pk}/resultat/")
    assert serious_violations(cka) == []
    token = Invitation.objects.get(survey=answered, person=region.erik).token
    respondent = phone(language=language)
    for path in (f"/enkater/svara/{token}/", "/enkater/svara/ogiltig/"):
        respondent.goto(path)
        assert respondent.locator("html").get_attribute("lang") == language
        assert serious_violations(respondent) == [], path
        assert _fits_the_screen(respondent), path
