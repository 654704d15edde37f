"""Demo surveys: evaluations of the demo's past sessions and three years of the CKA survey.

``seed_surveys(consortium, rng)`` adds the standard templates and, once:

* for every completed session, the evaluation that the periodic job would
  have sent after its last occasion, with invitations to those who completed
  it and answers from about two thirds of them (a quality that differs by
  activity, free texts in the participants' words); rounds of the last two
  weeks are still open, and the demo participant's latest course waits for
  their answers;
* the CKA yearly survey of 2024 (version 1) and 2025 (version 2, one question
  added), answered through their open links, so that the comparison of a
  survey with its follow-up has something to show; and this year's round,
  sent to the CKA role group and still open.

Answers are written in bulk with exactly the shape the services give them:
anonymous responses carry no identity and invitations only their
``answered`` flag. Idempotent: a consortium with survey rounds is left as it is.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from larnav.accounts.models import Role, RoleAssignment, User
from larnav.catalog.models import Session
from larnav.organisations.models import Organisation
from larnav.registrations.models import Registration, Status

from . import services
from .models import Answer, Invitation, Question, Response, Survey, SurveyTemplate, new_token
from .standard import CKA_YEARLY, COURSE_EVALUATION, ensure_standard_templates

ANSWER_SHARE = (0.5, 0.8)
OPEN_DAYS = services.EVALUATION_OPEN_DAYS

COMMENTS = [
    "Mycket givande dag, bra blandning av teori och praktik.",
    "Föreläsaren var engagerad och kunnig, och gav många exempel från verkligheten.",
    "Lokalen var för liten och det blev varmt efter lunch.",
    "Jag hade gärna haft mer tid för diskussion i mindre grupper.",
    "Bra exempel från verksamheten som går att använda direkt på vårt boende.",
    "Materialet kom ut sent, det hade varit bra att få det innan.",
    "Tack för en inspirerande utbildning!",
    "Svårt att höra dem som satt på länk.",
    "Mer om dokumentation och genomförandeplaner nästa gång, tack.",
    "Borde vara obligatorisk för alla nyanställda.",
    "Skönt att träffa kollegor från andra kommuner och höra hur de gör.",
    "Lite för mycket innehåll på för kort tid.",
    "Jag tar med mig tankarna om lågaffektivt bemötande till arbetsplatsträffen.",
    "Bra att det fanns möjlighet att delta digitalt.",
]
WHY_NOT = [
    "För grundläggande för mig som har arbetat länge.",
    "Innehållet passade inte riktigt vår verksamhet.",
    "För mycket teori och för lite om hur man gör i praktiken.",
    "Tekniken krånglade under stora delar av dagen.",
]
CKA_COMMENTS = [
    "Det är svårt att nå de privata utförarna.",
    "Mer tid i tjänsten för uppdraget skulle göra skillnad.",
    "Ett kort nyhetsbrev varje månad som jag kan skicka vidare vore bra.",
    "Cheferna behöver påminnas om utbudet inför planeringsdagar.",
    "Bra med CKA-träffarna, de ger mycket.",
]
UNCLEAR = ["Vad som förväntas av mig mellan CKA-träffarna.", "Hur mycket tid uppdraget får ta."]


def _clamp(value: float) -> int:
    return max(1, min(5, round(value)))


class _Answers:
    """Builds answer rows for one version, choice by choice, without a query per answer."""

    def __init__(self, version):
        self.questions = services.questions_for_answering(version)
        self.by_kind: dict[str, list[Question]] = {}
        for q in self.questions:
            self.by_kind.setdefault(q.kind, []).append(q)
        self.choices = {q.pk: list(q.choices.all()) for q in self.questions}
        self.statements = {q.pk: list(q.statements.all()) for q in self.questions}

    def point(self, question, value):
        choice = next(c for c in self.choices[question.pk] if c.value == value)
        return Answer(question=question, choice=choice, number=choice.value)

    def option(self, question, index):
        choice = self.choices[question.pk][index]
        return Answer(question=question, choice=choice, number=choice.value)


def _evaluation_answers(form: _Answers, rng: random.Random, quality: float) -> list[Answer]:
    scales = form.by_kind.get(Question.Kind.SCALE, [])
    answers = []
    grade = _clamp(rng.gauss(quality, 0.75))
    for i, q in enumerate(scales):
        answers.append(form.point(q, grade if i == 0 else _clamp(rng.gauss(quality - 0.2, 0.9))))
    for q in form.by_kind.get(Question.Kind.MATRIX, []):
        for statement in form.statements[q.pk]:
            if rng.random() < 0.95:
                a = form.point(q, _clamp(rng.gauss(quality + 0.15, 0.8)))
                a.statement = statement
                answers.append(a)
    recommend = None
    for q in form.by_kind.get(Question.Kind.YES_NO, []):
        recommend = grade >= 3 and rng.random() < 0.93
        answers.append(form.option(q, 0 if recommend else 1))
    texts = form.by_kind.get(Question.Kind.TEXT, [])
    for q in texts:
        if q.condition_id:
            if recommend is False and rng.random() < 0.7:
                answers.append(Answer(question=q, text=rng.choice(WHY_NOT)))
        elif rng.random() < 0.3:
            answers.append(Answer(question=q, text=rng.choice(COMMENTS)))
    for q in form.by_kind.get(Question.Kind.SINGLE, []):
        if rng.random() < 0.85:
            weights = [30, 15, 35, 15, 5][:len(form.choices[q.pk])]
            answers.append(form.option(q, rng.choices(range(len(weights)), weights)[0]))
    return answers


def _cka_answers(form: _Answers, rng: random.Random, quality: float) -> list[Answer]:
    answers = []
    for q in form.by_kind.get(Question.Kind.SCALE, []):
        answers.append(form.point(q, _clamp(rng.gauss(quality, 0.8))))
    clear = None
    for q in form.by_kind.get(Question.Kind.YES_NO, []):
        clear = rng.random() < quality / 5
        answers.append(form.option(q, 0 if clear else 1))
    for q in form.by_kind.get(Question.Kind.MATRIX, []):
        for statement in form.statements[q.pk]:
            a = form.point(q, _clamp(rng.gauss(quality - 0.1, 0.9)))
            a.statement = statement
            answers.append(a)
    for q in form.by_kind.get(Question.Kind.NUMBER, []):
        answers.append(Answer(question=q, number=rng.choice([2, 4, 4, 6, 8, 8, 10, 12, 16])))
    for q in form.by_kind.get(Question.Kind.MULTIPLE, []):
        count = len(form.choices[q.pk])
        for index in sorted(rng.sample(range(count), rng.randint(1, 3))):
            answers.append(form.option(q, index))
    for q in form.by_kind.get(Question.Kind.TEXT, []):
        if q.condition_id:
            if clear is False:
                answers.append(Answer(question=q, text=rng.choice(UNCLEAR)))
        elif rng.random() < 0.45:
            answers.append(Answer(question=q, text=rng.choice(CKA_COMMENTS)))
    return answers


def _store(survey, rows: list[tuple[Response, list[Answer]]]) -> None:
    Response.objects.bulk_create([r for r, _answers in rows], batch_size=500)
    answers = []
    for response, given in rows:
        for answer in given:
            answer.response = response
            answers.append(answer)
    Answer.objects.bulk_create(answers, batch_size=1000)


def _background(workplace) -> tuple[int | None, int | None]:
    if workplace is None:
        return None, None
    district = None
    if workplace.parent_id and workplace.parent.type in (Organisation.Type.STADSDEL, Organisation.Type.FORVALTNING):
        district = workplace.parent_id
    return workplace.municipality_id, district


def _evaluations(consortium, template, rng, now, demo_person_id) -> int:
    version = services.latest_frozen_version(template) or services.latest_version(template)
    services.freeze(version, now=now)
    form = _Answers(version)
    sessions = list(Session.objects.filter(consortium=consortium, status=Session.Status.COMPLETED,
                                           last_end__lt=now).select_related("activity").order_by("last_end", "pk"))
    quality = {}
    created = 0
    for session in sessions:
        regs = list(Registration.objects.filter(session=session, status=Status.COMPLETED)
                    .select_related("person", "workplace__parent").order_by("pk"))
        if not regs:
            continue
        activity_quality = quality.setdefault(session.activity_id, rng.uniform(3.3, 4.6))
        opens = session.last_end + timedelta(hours=1)
        closes = opens + timedelta(days=OPEN_DAYS)
        if any(r.person_id == demo_person_id for r in regs):
            closes = max(closes, now + timedelta(days=7))  # the demo participant can still answer it
        survey = Survey.objects.create(
            consortium=consortium, version=version, target=Survey.Target.SESSION, session=session,
            title=f"{session.activity.title} ({timezone.localtime(session.first_start):%Y-%m-%d})"[:200],
            anonymous=True, opens_at=opens, closes_at=closes, sent_at=opens, automatic=True,
            remind_after_days=services.EVALUATION_REMIND_AFTER_DAYS, max_reminders=services.EVALUATION_MAX_REMINDERS,
        )
        share = rng.uniform(*ANSWER_SHARE)
        invitations, rows = [], []
        for reg in regs:
            person = reg.person
            answers = person.pk != demo_person_id and rng.random() < share
            reminded = not answers or rng.random() < 0.3
            invitations.append(Invitation(
                survey=survey, person=person, email=person.email, language=person.language or "sv",
                token=new_token(), answered=answers, reminders_sent=1 if reminded and closes < now else 0,
                last_mailed_at=opens + (timedelta(days=5) if reminded and closes < now else timedelta()),
            ))
            if answers:
                day = min(timezone.localtime(opens).date() + timedelta(days=rng.choice([0, 0, 0, 1, 1, 2, 5, 6])),
                          timezone.localdate(now))
                municipality, district = _background(reg.workplace)
                rows.append((Response(survey=survey, consortium=consortium, submitted_on=day,
                                      language=person.language or "sv", municipality_id=municipality,
                                      district_id=district, occupation_id=person.occupation_id),
                             _evaluation_answers(form, rng, activity_quality)))
        Invitation.objects.bulk_create(invitations, batch_size=500)
        rng.shuffle(rows)
        _store(survey, rows)
        created += len(rows)
    return created


def _areas(consortium) -> list[tuple[int, int | None]]:
    """(municipality, district) of every member: each kommun, and Stockholm's districts."""
    areas = []
    for org in Organisation.objects.filter(consortium=consortium, type__in=(
            Organisation.Type.KOMMUN, Organisation.Type.STADSDEL)).order_by("path"):
        if org.type == Organisation.Type.STADSDEL:
            areas.append((org.municipality_id, org.pk))
        elif not Organisation.objects.filter(parent=org, type=Organisation.Type.STADSDEL).exists():
            areas.append((org.pk, None))
    return areas


def _local(day: date, hour=9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _cka(consortium, template, rng, now) -> int:
    first = services.latest_version(template)
    services.freeze(first, now=_local(date(2024, 11, 1)))
    second = services.new_version(template)
    section = second.sections.order_by("position").first()
    services.save_question(Question(
        version=second, section=section, kind=Question.Kind.SCALE,
        text_sv="Hur väl känner du till årets fokusområde, arbetsliv och ekonomisk trygghet?",
        text_en="How well do you know this year's focus area, working life and financial security?",
        scale_low_sv="Inte alls", scale_low_en="Not at all", scale_high_sv="Mycket väl", scale_high_en="Very well"))
    services.freeze(second, now=_local(date(2025, 11, 1)))
    areas = _areas(consortium)
    created = 0
    for year, version, quality, share in ((2024, first, 3.2, 0.82), (2025, second, 3.7, 0.9)):
        survey = Survey.objects.create(
            consortium=consortium, version=version, title=f"CKA-enkät {year}", target=Survey.Target.OPEN_LINK,
            anonymous=True, opens_at=_local(date(year, 11, 18)), closes_at=_local(date(year, 12, 15), 23),
            sent_at=_local(date(year, 11, 18)), open_token=new_token(),
        )
        form = _Answers(version)
        rows = []
        for municipality, district in areas:
            if rng.random() < share:
                rows.append((Response(survey=survey, consortium=consortium,
                                      submitted_on=date(year, 11, 18) + timedelta(days=rng.randint(0, 26)),
                                      municipality_id=municipality, district_id=district),
                             _cka_answers(form, rng, quality)))
        _store(survey, rows)
        created += len(rows)
    # This year's round: to everyone with the CKA role, still open.
    current = Survey(consortium=consortium, version=second, title=f"CKA-enkät {timezone.localdate(now).year}",
                     target=Survey.Target.ROLES, roles=[Role.CKA], anonymous=True,
                     opens_at=now - timedelta(days=7), closes_at=now + timedelta(days=14), remind_after_days=7,
                     max_reminders=1)
    services.save_survey(current)
    # Sent a week ago (written directly: the demo never queues e-mail to its made-up addresses).
    Survey.objects.filter(pk=current.pk).update(sent_at=current.opens_at)
    Invitation.objects.bulk_create(
        Invitation(survey=current, person_id=r.person_id, user_id=r.user_id, email=r.email, language=r.language,
                   token=new_token(), last_mailed_at=current.opens_at)
        for r in services.recipients_for(current))
    answering = User.objects.filter(consortium=consortium, username="cka-taby").first()
    invitation = Invitation.objects.filter(survey=current, user=answering).first()
    if invitation is not None:
        form = _Answers(second)
        Invitation.objects.filter(pk=invitation.pk).update(answered=True)
        municipality = (RoleAssignment.objects.filter(user=answering, role=Role.CKA)
                        .values_list("organisation__municipality_id", flat=True).first())
        _store(current, [(Response(survey=current, consortium=consortium,
                                   submitted_on=timezone.localdate(now) - timedelta(days=3),
                                   municipality_id=municipality), _cka_answers(form, rng, 3.9))])
        created += 1
    return created


@transaction.atomic
def seed_surveys(consortium, rng: random.Random, now=None) -> dict[str, int]:
    now = now or timezone.now()
    ensure_standard_templates(consortium)
    if Survey.objects.filter(consortium=consortium).exists():
        return {"rounds": Survey.objects.filter(consortium=consortium).count(),
                "responses": Response.objects.filter(consortium=consortium).count()}
    templates = {t.key: t for t in SurveyTemplate.objects.filter(consortium=consortium,
                                                                  key__in=[COURSE_EVALUATION, CKA_YEARLY])}
    demo_person = User.objects.filter(consortium=consortium, username="deltagare").values_list(
        "person_id", flat=True).first()
    responses = 0
    if COURSE_EVALUATION in templates:
        responses += _evaluations(consortium, templates[COURSE_EVALUATION], rng, now, demo_person)
    if CKA_YEARLY in templates:
        responses += _cka(consortium, templates[CKA_YEARLY], rng, now)
    return {"rounds": Survey.objects.filter(consortium=consortium).count(), "responses": responses}

