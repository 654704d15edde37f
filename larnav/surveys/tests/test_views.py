"""The coordinator's pages: building a template, sending a round, following it up; and who may use them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from larnav.registrations import services as registrations
from larnav.registrations.testing import make_session
from larnav.surveys import services
from larnav.surveys.models import ActivityEvaluation, Choice, Invitation, Question, Survey, SurveyTemplate
from larnav.surveys.testing import K, make_round, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(client, region):
    client.force_login(region.samordnare)
    return client


def test_a_coordinator_builds_a_template_through_the_pages(coordinator, region):
    response = coordinator.post(reverse("surveys:template_create"), {
        "name_sv": "Nätverksträff", "name_en": "Network meeting", "kind": "other", "anonymous": "on"})
    template = SurveyTemplate.objects.get(name_sv="Nätverksträff")
    assert response.status_code == 302
    version = services.latest_version(template)
    section = version.sections.get()
    url = reverse("surveys:question_create", args=[version.pk])
    assert coordinator.get(url + f"?avsnitt={section.pk}").status_code == 200
    # Bad input is explained: a single choice with one option, English lines that do not match.
    refused = coordinator.post(url, {"section": section.pk, "kind": "single", "text_sv": "Vilken dag?",
                                     "options_sv": "Måndag", "options_en": "Monday\nTuesday"})
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "Skriv lika många rader på engelska som på svenska, eller inga." in text
    coordinator.post(url, {"section": section.pk, "kind": "single", "text_sv": "Vilken dag?",
                           "text_en": "Which day?", "options_sv": "Måndag\nTisdag", "options_en": "Monday\nTuesday",
                           "required": "on"})
    first = Question.objects.get(text_sv="Vilken dag?")
    assert [(c.text_sv, c.text_en) for c in first.choices.all()] == [("Måndag", "Monday"), ("Tisdag", "Tuesday")]
    tuesday = first.choices.get(text_sv="Tisdag")
    coordinator.post(url, {"section": section.pk, "kind": "text", "text_sv": "Varför tisdag?",
                           "condition": tuesday.pk})
    second = Question.objects.get(text_sv="Varför tisdag?")
    assert second.condition == tuesday
    # Moving the dependent question first is refused with a message; moving it down works.
    page = coordinator.post(reverse("surveys:question_move", args=[second.pk, "up"]), follow=True)
    assert "beror på svaret på" in page.content.decode()
    builder = coordinator.get(reverse("surveys:template", args=[template.pk])).content.decode()
    assert "bara om fråga 1 besvaras ”Tisdag”" in builder
    # A manipulated condition (an option of another template) is refused.
    other = make_template(region.consortium, {"kind": K.YES_NO})
    foreign = Choice.objects.filter(question__version__template=other).first()
    page = coordinator.post(reverse("surveys:question_edit", args=[second.pk]), {
        "section": section.pk, "kind": "text", "text_sv": "Varför tisdag?", "condition": foreign.pk})
    assert page.status_code == 200
    second.refresh_from_db()
    assert second.condition == tuesday
    preview = coordinator.get(reverse("surveys:preview", args=[version.pk]))
    assert preview.status_code == 200 and "Vilken dag?" in preview.content.decode()
    # Deleting asks first.
    assert "Ta bort frågan" in coordinator.get(reverse("surveys:question_delete", args=[second.pk])).content.decode()
    coordinator.post(reverse("surveys:question_delete", args=[second.pk]))
    assert not Question.objects.filter(pk=second.pk).exists()


def test_a_sent_version_is_edited_through_a_new_version(coordinator, region):
    template = make_template(region.consortium, {"kind": K.YES_NO, "text_sv": "Nöjd?"})
    make_round(template)
    question = template.versions.get().questions.get()
    edit = coordinator.get(reverse("surveys:question_edit", args=[question.pk]), follow=True)
    assert "har tagits i bruk och kan inte ändras" in edit.content.decode()
    builder = coordinator.get(reverse("surveys:template", args=[template.pk])).content.decode()
    assert "Skapa version 2 för att ändra" in builder
    coordinator.post(reverse("surveys:version_new", args=[template.pk]))
    draft = services.latest_version(template)
    assert draft.number == 2
    new_question = draft.questions.get()
    coordinator.post(reverse("surveys:question_edit", args=[new_question.pk]), {
        "section": new_question.section_id, "kind": "yes_no", "text_sv": "Är du nöjd?"})
    assert draft.questions.get().text_sv == "Är du nöjd?"
    assert template.versions.get(number=1).questions.get().text_sv == "Nöjd?"
    coordinator.post(reverse("surveys:version_freeze", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.is_frozen


def test_a_coordinator_sends_a_round_and_follows_it_up(coordinator, region):
    template = make_template(region.consortium, {"kind": K.SCALE, "text_sv": "Betyg"}, anonymous=False)
    session = make_session(region.consortium)
    registrations.register(session.pk, region.anna)
    create = reverse("surveys:survey_create") + f"?mall={template.pk}"
    assert coordinator.get(create).status_code == 200
    opens = timezone.localtime(timezone.now()).strftime("%Y-%m-%dT%H:%M")
    bad = coordinator.post(create, {"title": "Utvärdering", "target": "session", "opens_at": opens,
                                    "closes_at": opens, "max_reminders": 1})
    assert bad.status_code == 200
    assert "Välj kurstillfället vars deltagare ska få enkäten." in bad.content.decode()
    closes = (timezone.localtime(timezone.now()) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    coordinator.post(create, {"title": "Utvärdering", "target": "session", "session": session.pk,
                              "opens_at": opens, "closes_at": closes, "remind_after_days": 3, "max_reminders": 1})
    survey = Survey.objects.get(title="Utvärdering")
    assert survey.sent_at is None and not survey.anonymous
    confirm = coordinator.get(reverse("surveys:survey_send", args=[survey.pk])).content.decode()
    assert "Anna Åström" in confirm
    coordinator.post(reverse("surveys:survey_send", args=[survey.pk]))
    survey.refresh_from_db()
    assert survey.sent_at and Invitation.objects.filter(survey=survey).count() == 1
    detail = coordinator.get(reverse("surveys:survey", args=[survey.pk])).content.decode()
    assert "0 av 1 inbjudna har svarat." in detail and "Anna Åström" in detail  # identified: who has answered
    # A sent round changes only its title, closing and reminders.
    coordinator.post(reverse("surveys:survey_edit", args=[survey.pk]), {
        "title": "Utvärdering vt", "closes_at": closes, "remind_after_days": 4, "max_reminders": 2})
    survey.refresh_from_db()
    assert (survey.title, survey.remind_after_days, survey.target) == ("Utvärdering vt", 4, "session")
    assert "Stänga" in coordinator.get(reverse("surveys:survey_close", args=[survey.pk])).content.decode()
    coordinator.post(reverse("surveys:survey_close", args=[survey.pk]))
    survey.refresh_from_db()
    assert survey.closed_at is not None
    coordinator.post(reverse("surveys:survey_reopen", args=[survey.pk]), {"closes_at": closes})
    survey.refresh_from_db()
    assert survey.closed_at is None
    # A sent round cannot be deleted.
    coordinator.post(reverse("surveys:survey_delete", args=[survey.pk]))
    assert Survey.objects.filter(pk=survey.pk).exists()


def test_the_open_link_round_shows_its_link(coordinator, region):
    template = make_template(region.consortium, {"kind": K.YES_NO})
    survey = make_round(template)
    detail = coordinator.get(reverse("surveys:survey", args=[survey.pk])).content.decode()
    assert f"/enkater/lank/{survey.open_token}/" in detail


def test_the_activity_names_its_evaluation(coordinator, region):
    template = make_template(region.consortium, {"kind": K.SCALE}, kind="course_evaluation", name="Egen")
    session = make_session(region.consortium)
    url = reverse("surveys:activity_evaluation", args=[session.activity_id])
    assert coordinator.get(url).status_code == 200
    refused = coordinator.post(url, {"mode": "template"})
    assert "Välj enkätmall." in refused.content.decode()
    coordinator.post(url, {"mode": "template", "template": template.pk})
    assert ActivityEvaluation.objects.get(activity=session.activity).template == template
    activity_page = coordinator.get(reverse("catalog:activity", args=[session.activity_id])).content.decode()
    assert url in activity_page


def test_the_standard_templates_from_the_empty_list(coordinator, region):
    page = coordinator.get(reverse("surveys:templates")).content.decode()
    assert "Lägg till standardmallarna" in page
    coordinator.post(reverse("surveys:create_standard"))
    assert SurveyTemplate.objects.filter(consortium=region.consortium).count() == 2
    assert "Lägg till standardmallarna" not in coordinator.get(reverse("surveys:templates")).content.decode()


@pytest.mark.parametrize("name, args", [
    ("surveys:templates", []), ("surveys:template_create", []), ("surveys:survey_create", []),
])
def test_only_coordinators_build_and_send(client, region, name, args):
    assert client.get(reverse(name, args=args)).status_code == 302  # to sign in
    client.force_login(region.cka_huddinge)
    assert client.get(reverse(name, args=args)).status_code == 403


def test_a_participant_sees_what_waits_for_them(client, region):
    template = make_template(region.consortium, {"kind": K.YES_NO})
    session = make_session(region.consortium)
    registrations.register(session.pk, region.anna)
    make_round(template, target=Survey.Target.SESSION, session=session, title="Utvärdering av Bemötande")
    client.force_login(region.deltagare)
    home = client.get(reverse("core:home")).content.decode()
    assert "1 enkät väntar på dina svar." in home
    mine = client.get(reverse("surveys:mine")).content.decode()
    assert "Utvärdering av Bemötande" in mine
    assert client.get(reverse("surveys:home")).status_code == 302  # no results to see: to their surveys


def test_the_navigation_shows_surveys_to_those_who_use_them(client, region):
    client.force_login(region.samordnare)
    assert 'href="/enkater/"' in client.get(reverse("core:home")).content.decode()
    client.force_login(region.cka_taby)
    assert 'href="/enkater/"' in client.get(reverse("core:home")).content.decode()
    client.force_login(region.deltagare)
    assert 'href="/enkater/"' not in client.get(reverse("core:home")).content.decode()
