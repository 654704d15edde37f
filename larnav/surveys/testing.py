"""Builders for survey tests: templates with questions, sent rounds and answers, through the services."""

from datetime import timedelta

from django.utils import timezone

from . import services
from .models import Question, Survey, SurveyTemplate
from .standard import COURSE_EVALUATION, build_standard_template

K = Question.Kind


def make_template(consortium, *questions, name="Testenkät", kind=SurveyTemplate.Kind.OTHER, anonymous=True,
                  **fields) -> SurveyTemplate:
    """A template whose first version has ``questions``: dicts of Question fields plus ``options`` /
    ``statements`` (lists of Swedish texts) and ``condition`` (a (question index, choice position) pair)."""
    template = services.create_template(consortium, name_sv=name, name_en=fields.pop("name_en", ""), kind=kind,
                                        anonymous=anonymous, **fields)
    version = services.latest_version(template)
    section = version.sections.get()
    made = []
    for spec in questions:
        spec = dict(spec)
        options = [services.OptionInput(o) for o in spec.pop("options", [])]
        statements = [services.OptionInput(s) for s in spec.pop("statements", [])]
        condition = spec.pop("condition", None)
        spec.setdefault("text_sv", f"Fråga {len(made) + 1}")
        question = Question(version=version, section=section, **spec)
        if condition is not None:
            index, position = condition
            question.condition = made[index].choices.get(position=position)
        services.save_question(question, options=options, statements=statements)
        made.append(question)
    return template


def course_evaluation(consortium) -> SurveyTemplate:
    return build_standard_template(consortium, COURSE_EVALUATION)


def make_round(template, *, target=Survey.Target.OPEN_LINK, session=None, roles=(), organisations=(),
               anonymous=None, send=True, opens_at=None, closes_in=timedelta(days=14), title="Omgång",
               **fields) -> Survey:
    now = timezone.now()
    opens_at = opens_at or now - timedelta(minutes=1)
    survey = Survey(consortium=template.consortium, version=services.latest_version(template), title=title,
                    target=target, session=session, roles=list(roles),
                    anonymous=template.anonymous if anonymous is None else anonymous, opens_at=opens_at,
                    closes_at=opens_at + closes_in, **fields)
    services.save_survey(survey, organisations=organisations)
    if send:
        services.send_survey(survey.pk)
        survey.refresh_from_db()
    return survey


def by_text(template_or_version, text_sv: str) -> Question:
    version = template_or_version
    if isinstance(template_or_version, SurveyTemplate):
        version = services.latest_version(template_or_version)
    return version.questions.get(text_sv=text_sv)


def choice(question: Question, text_sv: str | None = None, value: int | None = None) -> int:
    if value is not None:
        return question.choices.get(value=value).pk
    return question.choices.get(text_sv=text_sv).pk
