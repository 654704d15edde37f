"""Results: aggregation in the database, small groups hidden, scope by role, comparisons, exports, indicator."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from larnav.accounts.models import Role
from larnav.catalog.models import Activity
from larnav.core.testing import make_person, make_user
from larnav.registrations import services as registrations
from larnav.registrations.models import Registration, Status
from larnav.registrations.testing import make_session
from larnav.surveys import selectors, services
from larnav.surveys.models import Invitation, Question, Response, Survey, SurveyTemplate
from larnav.surveys.testing import K, by_text, choice, make_round, make_template

pytestmark = pytest.mark.django_db


def evaluation_template(region, anonymous=True):
    return make_template(
        region.consortium,
        {"kind": K.SCALE, "text_sv": "Helhetsbetyg", "indicator": True, "scale_low_sv": "Dåligt",
         "scale_high_sv": "Bra"},
        {"kind": K.YES_NO, "text_sv": "Rekommendera"},
        {"kind": K.TEXT, "text_sv": "Varför inte", "condition": (1, 2)},
        {"kind": K.MATRIX, "text_sv": "Utbildaren", "statements": ["Kunnig", "Tydlig"]},
        {"kind": K.NUMBER, "text_sv": "Timmar"},
        {"kind": K.TEXT, "text_sv": "Övrigt"},
        name="Kursutvärdering", kind=SurveyTemplate.Kind.COURSE_EVALUATION, anonymous=anonymous,
    )


def staff(region, workplace, n, prefix):
    return [make_person(region.consortium, workplace, first_name=f"{prefix}{i}", occupation=region.occupation)
            for i in range(n)]


def evaluated_session(region, template, persons, *, title="Bemötande i LSS", **activity_fields):
    session = make_session(region.consortium, title=title, capacity=50)
    if activity_fields:
        Activity.objects.filter(pk=session.activity_id).update(**activity_fields)
    for person in persons:
        registrations.register(session.pk, person)
    Registration.objects.filter(session=session).update(status=Status.COMPLETED)
    return make_round(template, target=Survey.Target.SESSION, session=session, title=title)


def answer(survey, person, grade, *, recommend=True, why="", matrix=(4, 5), hours=None, other=""):
    template = survey.version
    q = {t: survey.version.questions.get(text_sv=t) for t in
         ("Helhetsbetyg", "Rekommendera", "Varför inte", "Utbildaren", "Timmar", "Övrigt")}
    statements = list(q["Utbildaren"].statements.all())
    raw = {
        q["Helhetsbetyg"].pk: choice(q["Helhetsbetyg"], value=grade),
        q["Rekommendera"].pk: choice(q["Rekommendera"], value=1 if recommend else 0),
        q["Varför inte"].pk: why,
        q["Utbildaren"].pk: {s.pk: choice(q["Utbildaren"], value=v) for s, v in zip(statements, matrix, strict=True)},
        q["Timmar"].pk: Decimal(hours) if hours is not None else None,
        q["Övrigt"].pk: other,
    }
    token = Invitation.objects.get(survey=survey, person=person).token
    del template
    return services.submit_response(survey.pk, raw, invitation_token=token)


@pytest.fixture
def answered(region):
    """Six Huddinge staff (at Solgården) and five Täby staff answer an anonymous evaluation."""
    template = evaluation_template(region)
    huddinge = staff(region, region.solgarden, 6, "Hud")
    taby = staff(region, region.tibble, 5, "Tab")
    survey = evaluated_session(region, template, huddinge + taby)
    grades = [5, 4, 4, 3, 5, 2]
    for person, grade in zip(huddinge, grades, strict=True):
        answer(survey, person, grade, recommend=grade >= 3, why="För teoretisk" if grade < 3 else "",
               hours="2" if grade == 5 else None, other=f"Kommentar {grade}")
    for person in taby:
        answer(survey, person, 3, matrix=(2, 3))
    return {"template": template, "survey": survey, "huddinge": huddinge, "taby": taby}


def result_for(user, template, filters=None):
    version = services.latest_version(template)
    return selectors.results(version, selectors.version_responses(user, version, filters or {}))


def question(result, text):
    return next(qr for qr in result.questions if qr.question.text_sv == text)


def test_counts_shares_and_means_are_computed_in_the_database(region, answered):
    result = result_for(region.samordnare, answered["template"])
    assert result.responses == 11 and result.anonymous and not result.masked
    grade = question(result, "Helhetsbetyg")
    assert [(r.label, r.count) for r in grade.rows] == [
        ("1 – Dåligt", 0), ("2", 1), ("3", 6), ("4", 2), ("5 – Bra", 2)]
    assert grade.mean == Decimal("3.45")  # (5+4+4+3+5+2 + 5*3) / 11
    assert grade.rows[2].share == pytest.approx(54.5)
    recommend = question(result, "Rekommendera")
    assert [(r.label, r.count) for r in recommend.rows] == [("Ja", 10), ("Nej", 1)]
    matrix = question(result, "Utbildaren")
    assert [(s.statement.text_sv, s.mean, s.answered) for s in matrix.statements] == [
        ("Kunnig", Decimal("3.09"), 11), ("Tydlig", Decimal("4.09"), 11)]
    assert matrix.statements[0].counts == [0, 5, 0, 6, 0]
    # Only one person said "no": the follow-up has one answer, and is hidden in an anonymous round.
    why = question(result, "Varför inte")
    assert why.answered == 1 and why.masked and why.texts == []
    hours = question(result, "Timmar")
    assert hours.answered == 2 and hours.masked
    other = question(result, "Övrigt")
    assert other.answered == 6 and sorted(other.texts) == sorted(f"Kommentar {g}" for g in [5, 4, 4, 3, 5, 2])


def test_results_take_a_fixed_number_of_queries(region, answered):
    version = services.latest_version(answered["template"])

    def queries():
        responses = selectors.version_responses(region.samordnare, version, {})
        with CaptureQueriesContext(connection) as captured:
            selectors.results(version, responses)
        return len(captured)

    before = queries()
    more = staff(region, region.ringvagen, 7, "Sto")
    survey = evaluated_session(region, answered["template"], more, title="Ytterligare")
    for person in more:
        answer(survey, person, 4, other="Mer text")
    assert queries() == before


def test_a_cut_of_fewer_than_five_anonymous_responses_is_hidden(region, answered):
    one_of_them = answered["huddinge"][0]
    result = result_for(region.samordnare, answered["template"], {"area": region.taby})
    assert result.responses == 5 and not result.masked
    young = make_person(region.consortium, region.tibble, first_name="Ny")
    survey = evaluated_session(region, answered["template"], [young, one_of_them], title="Liten grupp")
    answer(survey, young, 1)
    small = result_for(region.samordnare, answered["template"], {"round": survey})
    assert small.responses == 1 and small.masked
    assert all(not qr.rows and not qr.texts and qr.mean is None for qr in small.questions)
    # The small round still counts in the wider selection.
    assert result_for(region.samordnare, answered["template"]).responses == 12


def test_an_identified_round_shows_small_groups(region):
    template = evaluation_template(region, anonymous=False)
    people = staff(region, region.solgarden, 2, "Id")
    survey = evaluated_session(region, template, people)
    answer(survey, people[0], 5, recommend=False, why="Inget nytt")
    result = result_for(region.samordnare, template)
    assert result.responses == 1 and not result.masked
    assert question(result, "Varför inte").texts == ["Inget nytt"]


def test_a_cka_sees_only_their_own_areas_respondents(region, answered):
    huddinge = result_for(region.cka_huddinge, answered["template"])
    assert huddinge.responses == 6
    assert question(huddinge, "Helhetsbetyg").mean == Decimal("3.83")
    taby = result_for(region.cka_taby, answered["template"])
    assert taby.responses == 5 and question(taby, "Helhetsbetyg").mean == Decimal("3.00")
    # Another municipality's filter cannot widen the scope.
    assert result_for(region.cka_taby, answered["template"], {"area": region.huddinge}).responses == 0
    # Södermalm's CKA has no respondents here, and a participant has no results at all.
    assert result_for(region.cka_sodermalm, answered["template"]).responses == 0
    assert result_for(region.deltagare, answered["template"]).responses == 0


def test_a_trainer_sees_the_results_of_their_own_sessions(region, answered):
    survey = answered["survey"]
    assert result_for(region.utbildare, answered["template"]).responses == 0
    survey.session.trainers.add(region.utbildare)
    assert result_for(region.utbildare, answered["template"]).responses == 11


def test_filters_by_occupation_period_activity_and_provider(region, answered):
    template = answered["template"]
    assert result_for(region.samordnare, template, {"occupation": region.occupation}).responses == 11
    today = date.today()
    assert result_for(region.samordnare, template, {"date_from": today + timedelta(days=1)}).responses == 0
    assert result_for(region.samordnare, template, {"date_to": today}).responses == 11
    activity = answered["survey"].session.activity
    assert result_for(region.samordnare, template, {"activity": activity.pk}).responses == 11
    assert result_for(region.samordnare, template, {"provider": "own"}).responses == 11
    assert result_for(region.samordnare, template, {"provider": "procured:Ingen"}).responses == 0


def test_the_results_page_for_a_coordinator_and_a_cka(client, region, answered):
    url = reverse("surveys:results", args=[answered["template"].pk])
    client.force_login(region.samordnare)
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "11 svar" in text and "<svg" in text and "Kommentar 5" in text
    assert "Färre än 5 besvarade frågan" in text
    filtered = client.get(url, {"area": region.huddinge.pk}).content.decode()
    assert "6 svar" in filtered
    garbage = client.get(url, {"area": "x", "round": "999999", "date_from": "igår", "version": "nej"})
    assert garbage.status_code == 200 and "11 svar" in garbage.content.decode()
    client.force_login(region.cka_huddinge)
    cka = client.get(url).content.decode()
    assert "6 svar" in cka and "Alla svar (XLSX)" not in cka
    client.force_login(region.cka_sodermalm)
    assert client.get(url).status_code == 404
    client.force_login(region.deltagare)
    assert client.get(url).status_code == 403


def _sheet(response, index=0):
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in workbook.worksheets[index].iter_rows(values_only=True)]


def test_the_raw_export_of_an_anonymous_round_has_no_identity(client, region, answered):
    client.force_login(region.samordnare)
    response = client.get(reverse("surveys:export_responses", args=[answered["template"].pk]))
    assert response.status_code == 200
    rows = _sheet(response)
    header, body = rows[0], rows[1:]
    assert len(body) == 11
    assert "Namn" not in header and "E-post" not in header
    text = " ".join(str(c) for row in rows for c in row)
    for person in answered["huddinge"] + answered["taby"]:
        assert person.email not in text and person.last_name not in text
    municipality = header.index("Kommun")
    assert sorted({row[municipality] for row in body}) == ["Huddinge", "Täby"]
    # Solgården's administration has six respondents: shown; nothing smaller would be.
    district = header.index("Stadsdel eller förvaltning")
    assert {row[district] for row in body} == {"Äldreomsorgen", None}
    grade = next(i for i, h in enumerate(header) if "Helhetsbetyg" in h)
    assert sorted(row[grade] for row in body) == [2, 3, 3, 3, 3, 3, 3, 4, 4, 5, 5]
    # A CKA gets the summary but never the raw responses.
    client.force_login(region.cka_huddinge)
    assert client.get(reverse("surveys:export_responses", args=[answered["template"].pk])).status_code == 403
    summary = client.get(reverse("surveys:export_summary", args=[answered["template"].pk]))
    assert summary.status_code == 200
    rows = _sheet(summary)
    assert ["1. Helhetsbetyg", "Skala 1–5", "5 – Bra", 2, 33.3, None, 6] in rows


def test_the_raw_export_of_an_identified_round_names_the_respondents(client, region):
    template = evaluation_template(region, anonymous=False)
    people = staff(region, region.solgarden, 2, "Namn")
    survey = evaluated_session(region, template, people)
    answer(survey, people[0], 4, other="Tack")
    client.force_login(region.samordnare)
    rows = _sheet(client.get(reverse("surveys:export_responses", args=[template.pk])))
    header = rows[0]
    assert rows[1][header.index("Namn")] == people[0].full_name
    assert rows[1][header.index("E-post")] == people[0].email
    assert rows[1][header.index("Arbetsplats")] == "Solgården"


def test_a_masked_selection_exports_nothing(client, region, answered):
    young = make_person(region.consortium, region.tibble, first_name="Ensam")
    survey = evaluated_session(region, answered["template"], [young], title="Ensam")
    answer(survey, young, 1)
    client.force_login(region.samordnare)
    url = reverse("surveys:export_responses", args=[answered["template"].pk])
    response = client.get(url, {"round": survey.pk})
    assert response.status_code == 302
    assert Response.objects.filter(survey=survey).count() == 1


def test_two_rounds_of_different_versions_compare_question_by_question(region):
    """As the seeds compare the 2013 survey with the follow-up: version 2 added a question."""
    template = make_template(region.consortium, {"kind": K.SCALE, "text_sv": "Förtrogenhet"},
                             {"kind": K.YES_NO, "text_sv": "Tydligt uppdrag"}, name="CKA-enkät", anonymous=False)
    first = make_round(template, title="2024")
    familiar, clear = by_text(first.version, "Förtrogenhet"), by_text(first.version, "Tydligt uppdrag")
    for grade, yes in [(2, 0), (3, 1), (3, 0)]:
        services.submit_response(first.pk, {familiar.pk: choice(familiar, value=grade),
                                            clear.pk: choice(clear, value=yes)})
    draft = services.new_version(template)
    services.save_question(Question(version=draft, section=draft.sections.get(), kind=K.TEXT, text_sv="Ny fråga"))
    second = make_round(template, title="2025")
    assert second.version == draft
    familiar2, clear2 = by_text(draft, "Förtrogenhet"), by_text(draft, "Tydligt uppdrag")
    for grade in (4, 5):
        services.submit_response(second.pk, {familiar2.pk: choice(familiar2, value=grade),
                                             clear2.pk: choice(clear2, value=1)})
    responses = selectors.template_responses(region.samordnare, template)
    a = selectors.Side("2024", selectors.filter_responses(responses, {"round": first}))
    b = selectors.Side("2025", selectors.filter_responses(responses, {"round": second}))
    compared = selectors.compare(template, a, b)
    assert [c.question.text_sv for c in compared] == ["Förtrogenhet", "Tydligt uppdrag"]
    scale, yes_no = compared
    assert (scale.a_mean, scale.b_mean, scale.difference) == (Decimal("2.67"), Decimal("4.50"), Decimal("1.83"))
    assert scale.a_counts == [0, 1, 2, 0, 0] and scale.b_counts == [0, 0, 0, 1, 1]
    assert yes_no.a_shares == [pytest.approx(33.3), pytest.approx(66.7)] and yes_no.b_shares == [100.0, 0.0]


def test_the_comparison_page(client, region, answered):
    client.force_login(region.samordnare)
    url = reverse("surveys:compare", args=[answered["template"].pk])
    assert client.get(url).status_code == 200
    page = client.get(url, {"a_round": answered["survey"].pk, "b_from": "2020-01-01"})
    assert page.status_code == 200 and "<svg" in page.content.decode()
    refused = client.get(url, {"a_from": "2026-05-01", "a_to": "2026-01-01"})
    assert "Periodens slut får inte vara före dess början." in refused.content.decode()


# --- The quality indicator -------------------------------------------------------------------------

def test_the_evaluation_average_per_activity_and_provider(region, answered):
    template = answered["template"]
    procured = staff(region, region.ringvagen, 5, "Upp")
    survey = evaluated_session(region, template, procured, title="Upphandlad kurs", provider_kind="procured",
                               provider_name="Hela Människan Utbildning AB")
    for person, grade in zip(procured, [5, 5, 4, 4, 5], strict=True):
        answer(survey, person, grade)
    with CaptureQueriesContext(connection) as captured:
        rows = selectors.evaluation_average(region.consortium, group_by=("activity",))
    assert len(captured) <= 3
    by_title = {r["activity"]: r for r in rows}
    assert by_title["Bemötande i LSS"]["average"] == Decimal("3.45")
    assert by_title["Bemötande i LSS"]["responses"] == 11
    assert by_title["Upphandlad kurs"]["average"] == Decimal("4.60")
    providers = {r["provider_label"]: r["average"] for r in selectors.evaluation_average(
        region.consortium, group_by="provider")}
    assert providers == {"Samverkans egen personal": Decimal("3.45"),
                         "Hela Människan Utbildning AB": Decimal("4.60")}
    only = selectors.evaluation_average(region.consortium, provider="procured:Hela Människan Utbildning AB",
                                        group_by=())
    assert [(r["average"], r["responses"]) for r in only] == [(Decimal("4.60"), 5)]
    # By the session's date: the sessions were made 30 days ahead.
    held = timezone.localtime(survey.session.first_start).date()
    per_tertial = selectors.evaluation_average(region.consortium, group_by=("tertial",))
    assert [(r["year"], r["tertial"]) for r in per_tertial] == [(held.year, (held.month - 1) // 4 + 1)]
    assert per_tertial[0]["responses"] == 16
    assert selectors.evaluation_average(region.consortium, date_from=held, date_to=held, group_by=())[0][
        "responses"] == 16
    assert selectors.evaluation_average(region.consortium, date_to=held - timedelta(days=1)) == []

    class Period:
        first_day, last_day = held + timedelta(days=1), held + timedelta(days=400)

    assert selectors.evaluation_average(region.consortium, period=Period()) == []


def test_the_indicator_hides_small_groups_and_ignores_other_surveys(region, answered):
    young = make_person(region.consortium, region.tibble, first_name="Liten")
    survey = evaluated_session(region, answered["template"], [young], title="Liten kurs")
    answer(survey, young, 1)
    rows = {r["activity"]: r for r in selectors.evaluation_average(region.consortium)}
    assert rows["Liten kurs"]["average"] is None and rows["Liten kurs"]["masked"]
    assert rows["Liten kurs"]["responses"] == 1
    everything = selectors.evaluation_average(region.consortium, group_by=(), min_responses=0)
    assert everything[0]["responses"] == 12
    # A scale question of a survey that is not a course evaluation does not count.
    other = make_template(region.consortium, {"kind": K.SCALE, "text_sv": "Betyg", "indicator": True})
    round_ = make_round(other)
    services.submit_response(round_.pk, {by_text(other, "Betyg").pk: choice(by_text(other, "Betyg"), value=5)})
    assert selectors.evaluation_average(region.consortium, group_by=(), min_responses=0)[0]["responses"] == 12
    with pytest.raises(ValueError):
        selectors.evaluation_average(region.consortium, group_by=("colour",))


def test_the_indicator_is_per_consortium(region, answered):
    from larnav.core.testing import make_consortium

    other = make_consortium("Annan samverkan")
    assert selectors.evaluation_average(other) == []
    make_user(other, Role.SAMORDNARE)
