"""The survey builder: question kinds, conditions, and versions that freeze once sent."""

import pytest
from django.core.exceptions import ValidationError

from larnav.surveys import services
from larnav.surveys.errors import SurveyError, VersionFrozen
from larnav.surveys.models import Question, Section, SurveyTemplate, SurveyVersion
from larnav.surveys.standard import ensure_standard_templates
from larnav.surveys.testing import K, make_round, make_template

pytestmark = pytest.mark.django_db


def test_each_kind_gets_its_options(region):
    template = make_template(
        region.consortium,
        {"kind": K.SCALE, "scale_low_sv": "Inte alls", "scale_high_sv": "Helt"},
        {"kind": K.SINGLE, "options": ["A", "B", "C"]},
        {"kind": K.MULTIPLE, "options": ["X", "Y"]},
        {"kind": K.YES_NO},
        {"kind": K.MATRIX, "statements": ["Påstående 1", "Påstående 2"]},
        {"kind": K.TEXT},
        {"kind": K.NUMBER, "number_min": 0, "number_max": 10},
    )
    scale, single, multiple, yes_no, matrix, text, number = services.ordered_questions(
        services.latest_version(template))
    assert [(c.value, c.text_sv) for c in scale.choices.all()] == [
        (1, "Inte alls"), (2, ""), (3, ""), (4, ""), (5, "Helt")]
    assert scale.choices.first().label == "1 – Inte alls" and scale.choices.all()[1].label == "2"
    assert [c.text_sv for c in single.choices.all()] == ["A", "B", "C"]
    assert [(c.value, c.text_sv) for c in yes_no.choices.all()] == [(1, "Ja"), (0, "Nej")]
    assert [c.value for c in matrix.choices.all()] == [1, 2, 3, 4, 5]
    assert [s.text_sv for s in matrix.statements.all()] == ["Påstående 1", "Påstående 2"]
    assert not text.choices.exists() and not number.choices.exists()


@pytest.mark.parametrize("spec, field", [
    ({"kind": K.SINGLE, "options": ["Bara en"]}, "options_sv"),
    ({"kind": K.MATRIX}, "statements_sv"),
    ({"kind": K.NUMBER, "number_min": 10, "number_max": 1}, "number_max"),
    ({"kind": K.TEXT, "indicator": True}, "indicator"),
])
def test_a_question_that_cannot_work_is_refused(region, spec, field):
    with pytest.raises(ValidationError) as error:
        make_template(region.consortium, spec)
    assert field in error.value.message_dict
    assert not Question.objects.exists()


def test_a_condition_must_be_an_answer_to_an_earlier_question(region):
    template = make_template(region.consortium, {"kind": K.YES_NO}, {"kind": K.TEXT, "condition": (0, 2)})
    version = services.latest_version(template)
    first, second = services.ordered_questions(version)
    assert second.condition.question == first and second.condition.value == 0
    # Moving the dependent question above its condition is refused, and nothing moves.
    with pytest.raises(SurveyError):
        services.move_question(second, "up")
    assert [q.pk for q in services.ordered_questions(version)] == [first.pk, second.pk]
    # A later question cannot be the condition of an earlier one.
    third = Question(version=version, section=first.section, kind=K.SINGLE, text_sv="Senare")
    services.save_question(third, options=[services.OptionInput("a"), services.OptionInput("b")])
    first.condition = third.choices.first()
    with pytest.raises(ValidationError):
        services.save_question(first)


def test_removing_an_option_that_a_question_depends_on_is_refused(region):
    template = make_template(region.consortium, {"kind": K.SINGLE, "options": ["A", "B", "C"]},
                             {"kind": K.TEXT, "condition": (0, 3)})
    source = services.ordered_questions(services.latest_version(template))[0]
    with pytest.raises(ValidationError):
        services.save_question(source, options=[services.OptionInput("A"), services.OptionInput("B")])
    assert source.choices.count() == 3
    with pytest.raises(SurveyError):
        services.delete_question(source)


def test_corrected_options_keep_their_identity(region):
    template = make_template(region.consortium, {"kind": K.SINGLE, "options": ["Ja", "Nej"]})
    question = services.ordered_questions(services.latest_version(template))[0]
    before = list(question.choices.values_list("pk", "lineage"))
    services.save_question(question, options=[services.OptionInput("Ja, absolut", "Yes"),
                                              services.OptionInput("Nej", "No"), services.OptionInput("Vet ej")])
    after = list(question.choices.values_list("pk", "lineage", "text_sv", "text_en"))
    assert [a[:2] for a in after[:2]] == before
    assert [a[2:] for a in after] == [("Ja, absolut", "Yes"), ("Nej", "No"), ("Vet ej", "")]


def test_sending_a_round_freezes_its_version_and_a_new_version_copies_everything(region):
    template = make_template(region.consortium, {"kind": K.YES_NO, "text_sv": "Nöjd?"},
                             {"kind": K.TEXT, "text_sv": "Varför inte?", "condition": (0, 2)},
                             {"kind": K.MATRIX, "statements": ["S1", "S2"], "text_sv": "Matris"})
    version = services.latest_version(template)
    make_round(template)
    version.refresh_from_db()
    assert version.is_frozen
    question = version.questions.get(text_sv="Nöjd?")
    question.text_sv = "Ändrad"
    with pytest.raises(VersionFrozen):
        services.save_question(question)
    with pytest.raises(VersionFrozen):
        services.save_section(Section(version=version, title_sv="Nytt"))

    draft = services.new_version(template)
    assert draft.number == 2 and not draft.is_frozen
    assert services.new_version(template) == draft  # a draft is reused, not copied again
    old, new = services.ordered_questions(version), services.ordered_questions(draft)
    assert [(q.kind, q.text_sv, q.lineage) for q in old] == [(q.kind, q.text_sv, q.lineage) for q in new]
    assert {q.pk for q in old}.isdisjoint({q.pk for q in new})
    # The condition points at the copy's own option, with the same lineage.
    assert new[1].condition.question == new[0] and new[1].condition.lineage == old[1].condition.lineage
    assert [s.lineage for s in new[2].statements.all()] == [s.lineage for s in old[2].statements.all()]
    # Editing the draft leaves the sent version as it was.
    new[0].text_sv = "Är du nöjd?"
    services.save_question(new[0])
    assert version.questions.get(lineage=new[0].lineage).text_sv == "Nöjd?"


def test_sections_order_and_a_survey_keeps_one_section(region):
    template = make_template(region.consortium, {"kind": K.YES_NO})
    version = services.latest_version(template)
    only = version.sections.get()
    with pytest.raises(SurveyError):
        services.delete_section(only)
    second = services.save_section(Section(version=version, title_sv="Del två"))
    assert second.position == 2
    services.move_section(second, "up")
    assert list(version.sections.order_by("position").values_list("title_sv", flat=True)) == ["Del två", ""]
    with pytest.raises(SurveyError):
        services.move_section(second, "up")


def test_a_question_can_depend_on_an_earlier_section(region):
    template = make_template(region.consortium, {"kind": K.YES_NO})
    version = services.latest_version(template)
    first = version.questions.get()
    later = services.save_section(Section(version=version, title_sv="Sen"))
    dependent = Question(version=version, section=later, kind=K.TEXT, text_sv="Beroende",
                         condition=first.choices.get(value=1))
    services.save_question(dependent)
    # Moving the later section first would put the dependent question before its condition.
    with pytest.raises(SurveyError):
        services.move_section(later, "up")


def test_one_default_evaluation_per_consortium(region):
    first = services.create_template(region.consortium, name_sv="A", kind=SurveyTemplate.Kind.COURSE_EVALUATION,
                                     is_default_evaluation=True)
    second = services.create_template(region.consortium, name_sv="B", kind=SurveyTemplate.Kind.COURSE_EVALUATION,
                                      is_default_evaluation=True)
    first.refresh_from_db()
    assert not first.is_default_evaluation and second.is_default_evaluation
    with pytest.raises(ValidationError):
        services.create_template(region.consortium, name_sv="C", kind=SurveyTemplate.Kind.OTHER,
                                 is_default_evaluation=True)


def test_the_standard_templates_are_created_once(region):
    created = ensure_standard_templates(region.consortium)
    assert {t.key for t in created} == {"course-evaluation", "cka-yearly"}
    assert ensure_standard_templates(region.consortium) == []
    evaluation = SurveyTemplate.objects.get(key="course-evaluation")
    assert evaluation.is_default_evaluation and evaluation.anonymous
    questions = services.ordered_questions(services.latest_version(evaluation))
    kinds = [q.kind for q in questions]
    assert kinds[:5] == [K.SCALE, K.SCALE, K.MATRIX, K.YES_NO, K.TEXT]
    assert [q.indicator for q in questions].count(True) == 1 and questions[0].indicator
    assert questions[4].condition.question == questions[3] and questions[4].condition.value == 0
    assert all(q.text_en for q in questions)
    assert SurveyVersion.objects.filter(template__key="cka-yearly").count() == 1
