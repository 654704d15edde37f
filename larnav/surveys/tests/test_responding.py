"""Answering: through the e-mailed link or an open link, and every kind of bad input."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from larnav.registrations import services as registrations
from larnav.registrations.models import Registration, Status
from larnav.registrations.testing import make_session
from larnav.surveys import services
from larnav.surveys.errors import AlreadyAnswered, InvalidAnswers, SurveyClosed
from larnav.surveys.models import MAX_TEXT_ANSWER, Answer, Invitation, Respondent, Response, Survey
from larnav.surveys.testing import K, by_text, choice, make_round, make_template

pytestmark = pytest.mark.django_db


def questionnaire(region, **fields):
    return make_template(
        region.consortium,
        {"kind": K.SCALE, "text_sv": "Betyg", "required": True},
        {"kind": K.MULTIPLE, "text_sv": "Kanaler", "options": ["E-post", "Intranät", "Möten"]},
        {"kind": K.YES_NO, "text_sv": "Rekommendera", "required": True},
        {"kind": K.TEXT, "text_sv": "Varför inte", "condition": (2, 2), "required": True},
        {"kind": K.MATRIX, "text_sv": "Utbildaren", "statements": ["Kunnig", "Tydlig"], "required": True},
        {"kind": K.NUMBER, "text_sv": "Timmar", "number_min": 0, "number_max": 100},
        {"kind": K.TEXT, "text_sv": "Övrigt"},
        **fields,
    )


@pytest.fixture
def evaluation(region):
    """An anonymous evaluation sent to the attendees of a session Anna and Erik attended."""
    session = make_session(region.consortium)
    for person in (region.anna, region.erik):
        registrations.register(session.pk, person)
    Registration.objects.filter(session=session).update(status=Status.COMPLETED)
    template = questionnaire(region)
    return make_round(template, target=Survey.Target.SESSION, session=session)


def full_answers(template, **overrides):
    grade, channels, recommend = by_text(template, "Betyg"), by_text(template, "Kanaler"), by_text(
        template, "Rekommendera")
    matrix = by_text(template, "Utbildaren")
    statements = list(matrix.statements.all())
    raw = {
        grade.pk: choice(grade, value=4),
        channels.pk: [choice(channels, "E-post"), choice(channels, "Möten")],
        recommend.pk: choice(recommend, value=1),
        matrix.pk: {statements[0].pk: choice(matrix, value=5), statements[1].pk: choice(matrix, value=3)},
        by_text(template, "Timmar").pk: Decimal("7.5"),
        by_text(template, "Övrigt").pk: "Bra dag!",
    }
    raw.update(overrides)
    return raw


def token_of(survey, person):
    return Invitation.objects.get(survey=survey, person=person).token


def test_an_attendee_answers_once(region, evaluation):
    template = evaluation.version.template
    token = token_of(evaluation, region.anna)
    response = services.submit_response(evaluation.pk, full_answers(template), invitation_token=token)
    assert response.submitted_on == timezone.localdate()
    assert response.municipality == region.huddinge and response.district == region.aldre
    assert response.occupation == region.occupation
    answers = Answer.objects.filter(response=response)
    assert answers.count() == 8  # scale, two channels, yes, two matrix cells, number, text
    assert answers.get(question__text_sv="Timmar").number == Decimal("7.50")
    assert Invitation.objects.get(token=token).answered
    with pytest.raises(AlreadyAnswered):
        services.submit_response(evaluation.pk, full_answers(template), invitation_token=token)
    assert Response.objects.count() == 1 and answers.count() == 8


def test_a_conditional_question_is_required_only_when_shown_and_dropped_otherwise(region, evaluation):
    template = evaluation.version.template
    recommend, why = by_text(template, "Rekommendera"), by_text(template, "Varför inte")
    with pytest.raises(InvalidAnswers) as error:
        services.submit_response(evaluation.pk, full_answers(template) | {recommend.pk: choice(recommend, value=0)},
                                 invitation_token=token_of(evaluation, region.anna))
    assert list(error.value.errors) == [f"q{why.pk}"]
    # Answered "yes": the follow-up is not asked, and a text sent for it anyway is not stored.
    services.submit_response(evaluation.pk, full_answers(template) | {why.pk: "Skickat ändå"},
                             invitation_token=token_of(evaluation, region.anna))
    assert not Answer.objects.filter(question=why).exists()


@pytest.mark.parametrize("mutate, field", [
    (lambda t: {by_text(t, "Betyg").pk: None}, "Betyg"),  # required missing
    (lambda t: {by_text(t, "Betyg").pk: by_text(t, "Kanaler").choices.first().pk}, "Betyg"),  # foreign choice
    (lambda t: {by_text(t, "Kanaler").pk: [999999]}, "Kanaler"),  # made-up choice id
    (lambda t: {by_text(t, "Kanaler").pk: [choice(by_text(t, "Kanaler"), "E-post")] * 2}, "Kanaler"),
    (lambda t: {by_text(t, "Övrigt").pk: "x" * (MAX_TEXT_ANSWER + 1)}, "Övrigt"),  # oversized text
    (lambda t: {by_text(t, "Övrigt").pk: "Mitt personnummer är 19800101-1234"}, "Övrigt"),
    (lambda t: {by_text(t, "Timmar").pk: Decimal("101")}, "Timmar"),  # out of range
])
def test_bad_answers_are_refused_with_a_message_and_nothing_is_stored(region, evaluation, mutate, field):
    template = evaluation.version.template
    with pytest.raises(InvalidAnswers) as error:
        services.submit_response(evaluation.pk, full_answers(template) | mutate(template),
                                 invitation_token=token_of(evaluation, region.anna))
    assert f"q{by_text(template, field).pk}" in error.value.errors
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert not Invitation.objects.get(survey=evaluation, person=region.anna).answered


def test_a_matrix_statement_of_another_question_is_refused(region, evaluation):
    template = evaluation.version.template
    matrix = by_text(template, "Utbildaren")
    other = make_template(region.consortium, {"kind": K.MATRIX, "statements": ["Annan"]})
    foreign = by_text(other, "Fråga 1").statements.get()
    with pytest.raises(InvalidAnswers):
        services.submit_response(evaluation.pk, full_answers(template) | {matrix.pk: {foreign.pk: choice(
            matrix, value=2)}}, invitation_token=token_of(evaluation, region.anna))
    assert not Response.objects.exists()


def test_a_closed_survey_takes_no_answers(region, evaluation):
    template = evaluation.version.template
    services.close_survey(evaluation.pk)
    with pytest.raises(SurveyClosed):
        services.submit_response(evaluation.pk, full_answers(template), invitation_token=token_of(
            evaluation, region.anna))
    Survey.objects.filter(pk=evaluation.pk).update(closed_at=None, closes_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(SurveyClosed):
        services.submit_response(evaluation.pk, full_answers(template), invitation_token=token_of(
            evaluation, region.anna))
    assert not Response.objects.exists()


def test_an_identified_round_records_who_answered(region):
    template = questionnaire(region, anonymous=False)
    survey = make_round(template, target=Survey.Target.ROLES, roles=["cka"])
    invitation = Invitation.objects.get(survey=survey, user=region.cka_huddinge)
    response = services.submit_response(survey.pk, full_answers(template), invitation_token=invitation.token)
    respondent = Respondent.objects.get(response=response)
    assert respondent.user == region.cka_huddinge and respondent.invitation == invitation
    # A CKA without a person is placed in the municipality of their role.
    assert response.municipality == region.huddinge and response.district is None
    sodermalm = Invitation.objects.get(survey=survey, user=region.cka_sodermalm)
    response = services.submit_response(survey.pk, full_answers(template), invitation_token=sodermalm.token)
    assert response.municipality == region.stockholm and response.district == region.sodermalm


def test_an_open_link_answered_by_a_signed_in_user_counts_once(region):
    template = questionnaire(region)
    survey = make_round(template)
    services.submit_response(survey.pk, full_answers(template), user=region.deltagare)
    with pytest.raises(AlreadyAnswered):
        services.submit_response(survey.pk, full_answers(template), user=region.deltagare)
    assert Response.objects.filter(survey=survey).count() == 1
    marker = Invitation.objects.get(survey=survey, user=region.deltagare)
    assert marker.answered and marker.open_link
    # Anyone else with the link can answer too.
    services.submit_response(survey.pk, full_answers(template))
    assert Response.objects.filter(survey=survey).count() == 2


# --- Through the pages ---------------------------------------------------------------------------------

def post_data(template, **overrides):
    data = {}
    for question_pk, value in full_answers(template).items():
        if isinstance(value, dict):
            for statement_pk, choice_pk in value.items():
                data[f"q{question_pk}_{statement_pk}"] = str(choice_pk)
        elif isinstance(value, list):
            data[f"q{question_pk}"] = [str(v) for v in value]
        else:
            data[f"q{question_pk}"] = str(value).replace(".", ",")
    data.update(overrides)
    return data


def test_the_emailed_link_shows_the_survey_and_takes_the_answers(client, region, evaluation):
    template = evaluation.version.template
    url = reverse("surveys:respond", args=[token_of(evaluation, region.anna)])
    page = client.get(url)
    assert page.status_code == 200
    assert "Betyg" in page.content.decode() and "Dina svar är anonyma." in page.content.decode()
    response = client.post(url, post_data(template))
    assert response.status_code == 302
    thanks = client.get(url).content.decode()
    assert "Tack! Dina svar är sparade." in thanks
    again = client.post(url, post_data(template))
    assert again.status_code == 200 and Response.objects.count() == 1


def test_the_page_explains_bad_input_and_keeps_the_answers(client, region, evaluation):
    template = evaluation.version.template
    url = reverse("surveys:respond", args=[token_of(evaluation, region.anna)])
    grade, channels, other = by_text(template, "Betyg"), by_text(template, "Kanaler"), by_text(template, "Övrigt")
    data = post_data(template, **{f"q{grade.pk}": "", f"q{channels.pk}": ["424242"],
                                  f"q{other.pk}": "Mitt svar " + "x" * MAX_TEXT_ANSWER})
    response = client.post(url, data)
    assert response.status_code == 422
    text = response.content.decode()
    assert "Besvara frågan." in text
    assert "Välj bland de alternativ som visas." in text
    assert "Skriv högst 5000 tecken" in text
    assert f'href="#id_q{grade.pk}_0"' in text
    assert "Mitt svar xxx" in text  # what was written is kept for the next try
    assert not Response.objects.exists()


def test_a_nonsense_or_closed_link_is_a_clear_page_not_an_error(client, region, evaluation):
    assert client.get(reverse("surveys:respond", args=["nonsense"])).status_code == 404
    services.close_survey(evaluation.pk)
    url = reverse("surveys:respond", args=[token_of(evaluation, region.anna)])
    closed = client.post(url, post_data(evaluation.version.template))
    assert closed.status_code == 410
    assert "Enkäten är stängd" in closed.content.decode()
    assert not Response.objects.exists()


def test_an_anonymous_visitor_answers_the_open_link_once_per_browser(client, region):
    template = questionnaire(region)
    survey = make_round(template)
    url = reverse("surveys:respond_open", args=[survey.open_token])
    assert client.post(url, post_data(template)).status_code == 302
    assert "Tack!" in client.get(url).content.decode()
    client.post(url, post_data(template))
    assert Response.objects.filter(survey=survey).count() == 1
    assert not Invitation.objects.filter(survey=survey).exists()
