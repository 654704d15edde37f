"""Every write about surveys: building templates, distributing rounds, answering, reminders.

The rules:

* A version that is frozen (taken into use, or used by a sent round) never
  changes. Editing a template whose latest version is frozen first creates a
  new version, a copy in which every question, option and statement keeps its
  lineage so that results stay comparable across versions.
* A question may depend on an answer to an *earlier* question of a choice
  kind; it is shown, required and stored only when that answer was given.
* Sending a round freezes its version and creates one invitation per
  recipient; the e-mail goes out after the commit (``notifications``).
* An answer sheet is accepted once per invitation (and once per person or
  user for identified rounds, which the database also enforces), only while
  the round is open, and only when every answer fits the version: choices
  must be the question's own, required questions answered, texts within
  ``MAX_TEXT_ANSWER`` characters and numbers within the question's range.
* An anonymous response is stored without any link to the respondent (see
  ``larnav.surveys.models``): the invitation only learns that it was answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from larnav.accounts.models import Role, RoleAssignment, User
from larnav.core.validators import looks_like_personnummer
from larnav.organisations.models import Organisation
from larnav.people.models import Person

from . import notifications
from .errors import (
    AlreadyAnswered,
    InvalidAnswers,
    SurveyClosed,
    SurveyError,
    SurveyNotOpenYet,
    VersionFrozen,
)
from .models import (
    MAX_TEXT_ANSWER,
    SCALE_POINTS,
    ActivityEvaluation,
    Answer,
    Choice,
    Invitation,
    Question,
    Respondent,
    Response,
    Section,
    Statement,
    Survey,
    SurveyTemplate,
    SurveyVersion,
    new_token,
)

MAX_OPTIONS = 40
MAX_STATEMENTS = 30
# The periodic job evaluates sessions whose last occasion ended within this many days
# (so that switching the job on does not mail every session of past years).
EVALUATION_WINDOW_DAYS = 7
# An automatic evaluation stays open this long, and reminds once after a few days.
EVALUATION_OPEN_DAYS = 14
EVALUATION_REMIND_AFTER_DAYS = 5
EVALUATION_MAX_REMINDERS = 1
# Nobody gets two survey e-mails about the same round within this time.
MIN_HOURS_BETWEEN_MAILS = 20


# --- Templates and versions -------------------------------------------------------------

@transaction.atomic
def create_template(consortium, *, user=None, **fields) -> SurveyTemplate:
    """A new template with an empty first version (one untitled section)."""
    template = SurveyTemplate(consortium=consortium, created_by=user if getattr(user, "pk", None) else None,
                              **fields)
    if template.is_default_evaluation and template.kind == SurveyTemplate.Kind.COURSE_EVALUATION:
        # One default per consortium: the new one takes over (rolled back if the template is refused).
        SurveyTemplate.objects.filter(consortium=consortium, is_default_evaluation=True).update(
            is_default_evaluation=False)
    template.full_clean()
    template.save()
    version = SurveyVersion.objects.create(template=template, number=1, created_by=template.created_by)
    Section.objects.create(version=version, position=1)
    return template


@transaction.atomic
def update_template(template: SurveyTemplate) -> SurveyTemplate:
    """Save a template's own fields (name, introduction, defaults); its questions live in versions."""
    if template.is_default_evaluation and template.kind == SurveyTemplate.Kind.COURSE_EVALUATION:
        SurveyTemplate.objects.filter(consortium=template.consortium_id, is_default_evaluation=True).exclude(
            pk=template.pk).update(is_default_evaluation=False)
    template.full_clean()
    template.save()
    return template


def set_archived(template: SurveyTemplate, archived: bool, now=None) -> None:
    template.archived_at = (now or timezone.now()) if archived else None
    if archived:
        template.is_default_evaluation = False
    template.save(update_fields=["archived_at", "is_default_evaluation"])


def delete_template(template: SurveyTemplate) -> None:
    if Survey.objects.filter(version__template=template).exists():
        raise SurveyError(_("The template has rounds; archive it instead."))
    template.delete()


def latest_version(template: SurveyTemplate) -> SurveyVersion:
    return template.versions.order_by("-number").first()


def latest_frozen_version(template: SurveyTemplate) -> SurveyVersion | None:
    return template.versions.filter(frozen_at__isnull=False).order_by("-number").first()


def freeze(version: SurveyVersion, now=None) -> None:
    """Take a version into use: from now on it never changes."""
    if version.frozen_at is None:
        if not version.questions.exists():
            raise SurveyError(_("A version without questions cannot be taken into use."))
        version.frozen_at = now or timezone.now()
        SurveyVersion.objects.filter(pk=version.pk, frozen_at__isnull=True).update(frozen_at=version.frozen_at)


@transaction.atomic
def new_version(template: SurveyTemplate, user=None) -> SurveyVersion:
    """The version to edit: the latest one if it is still a draft, else a copy of it with the next number."""
    template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
    source = latest_version(template)
    if not source.is_frozen:
        return source
    return _copy_version(source, source.number + 1, user)


def _copy_version(source: SurveyVersion, number: int, user) -> SurveyVersion:
    version = SurveyVersion.objects.create(template=source.template, number=number,
                                           created_by=user if getattr(user, "pk", None) else None)
    sections = {}
    for section in source.sections.all():
        old_pk = section.pk
        section.pk, section.version = None, version
        section.save()
        sections[old_pk] = section
    choice_map, conditions = {}, []
    questions = source.questions.prefetch_related("choices", "statements")
    for question in questions:
        choices, statements = list(question.choices.all()), list(question.statements.all())
        condition_id = question.condition_id
        question.pk, question.version, question.section = None, version, sections[question.section_id]
        question.condition = None
        question.save()
        for choice in choices:
            old_pk = choice.pk
            choice.pk, choice.question = None, question
            choice.save()
            choice_map[old_pk] = choice.pk
        Statement.objects.bulk_create(
            Statement(question=question, position=s.position, text_sv=s.text_sv, text_en=s.text_en,
                      lineage=s.lineage) for s in statements)
        if condition_id:
            conditions.append((question.pk, condition_id))
    for question_pk, old_choice in conditions:
        Question.objects.filter(pk=question_pk).update(condition_id=choice_map[old_choice])
    return version


def _require_editable(version: SurveyVersion) -> None:
    if SurveyVersion.objects.filter(pk=version.pk, frozen_at__isnull=False).exists():
        raise VersionFrozen()


# --- Sections ---------------------------------------------------------------------------

@transaction.atomic
def save_section(section: Section) -> Section:
    _require_editable(section.version)
    if section.pk is None:
        last = Section.objects.filter(version=section.version).aggregate(m=Max("position"))["m"] or 0
        section.position = last + 1
    section.full_clean()
    section.save()
    return section


@transaction.atomic
def delete_section(section: Section) -> None:
    _require_editable(section.version)
    if Section.objects.filter(version=section.version).count() == 1:
        raise SurveyError(_("A survey needs at least one section."))
    questions = list(section.questions.all())
    _refuse_breaking_conditions(questions)
    section.delete()


@transaction.atomic
def move_section(section: Section, direction: str) -> None:
    _require_editable(section.version)
    sections = list(Section.objects.filter(version=section.version).order_by("position", "pk"))
    _swap(sections, section, direction)
    for position, s in enumerate(sections, start=1):
        s.position = position
    Section.objects.bulk_update(sections, ["position"])
    _check_condition_order(section.version)


def _swap(items: list, item, direction: str) -> None:
    index = next(i for i, x in enumerate(items) if x.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(items):
        raise SurveyError(_("It cannot be moved further."))
    items[index], items[other] = items[other], items[index]


# --- Questions --------------------------------------------------------------------------

@dataclass
class OptionInput:
    text_sv: str
    text_en: str = ""


QUESTION_ORDER = ("section__position", "section_id", "position", "pk")


def ordered_questions(version: SurveyVersion) -> list[Question]:
    return list(version.questions.select_related("section", "condition__question").order_by(*QUESTION_ORDER))


def questions_for_answering(version: SurveyVersion) -> list[Question]:
    """The version's questions in order, with their options and statements (three queries)."""
    return list(version.questions.select_related("section", "condition").prefetch_related("choices", "statements")
                .order_by(*QUESTION_ORDER))


@transaction.atomic
def save_question(question: Question, *, options: list[OptionInput] = (),
                  statements: list[OptionInput] = ()) -> Question:
    """Create or change a question with its options (choice kinds) or statements (matrix).

    Options and statements are matched to the existing ones by position, so a
    corrected wording keeps its identity across versions.
    """
    version = question.version
    _require_editable(version)
    if question.section.version_id != version.pk:
        raise SurveyError(_("Choose a section of this survey."))
    options, statements = list(options), list(statements)
    errors = {}
    if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        if len(options) < 2:
            errors["options_sv"] = _("Give at least two options, one per line.")
        elif len(options) > MAX_OPTIONS:
            errors["options_sv"] = _("Give at most %(n)s options.") % {"n": MAX_OPTIONS}
    if question.kind == Question.Kind.MATRIX:
        if not statements:
            errors["statements_sv"] = _("Give at least one statement, one per line.")
        elif len(statements) > MAX_STATEMENTS:
            errors["statements_sv"] = _("Give at most %(n)s statements.") % {"n": MAX_STATEMENTS}
    if question.kind != Question.Kind.NUMBER:
        question.number_min = question.number_max = None
    elif (question.number_min is not None and question.number_max is not None
          and question.number_min > question.number_max):
        errors["number_max"] = _("The largest number must not be smaller than the smallest.")
    if question.kind not in Question.SCALED_KINDS:
        question.scale_low_sv = question.scale_low_en = question.scale_high_sv = question.scale_high_en = ""
    if question.indicator and question.kind != Question.Kind.SCALE:
        errors["indicator"] = _("Only a scale question can count towards the quality indicator.")
    if errors:
        raise ValidationError(errors)
    if question.pk is None:
        last = Question.objects.filter(section=question.section).aggregate(m=Max("position"))["m"] or 0
        question.position = last + 1
    elif Question.objects.filter(pk=question.pk).exclude(section=question.section).exists():
        # Moved to another section: last in it.
        last = Question.objects.filter(section=question.section).aggregate(m=Max("position"))["m"] or 0
        question.position = last + 1
    _validate_condition(question)
    question.full_clean()
    question.save()
    _sync_choices(question, _choice_rows(question, options))
    _sync_statements(question, statements if question.kind == Question.Kind.MATRIX else [])
    _check_condition_order(version)
    return question


def _choice_rows(question: Question, options: list[OptionInput]) -> list[tuple[str, str, int | None]]:
    if question.kind in Question.SCALED_KINDS:
        rows = []
        for value in SCALE_POINTS:
            sv = question.scale_low_sv if value == SCALE_POINTS[0] else (
                question.scale_high_sv if value == SCALE_POINTS[-1] else "")
            en = question.scale_low_en if value == SCALE_POINTS[0] else (
                question.scale_high_en if value == SCALE_POINTS[-1] else "")
            rows.append((sv, en, value))
        return rows
    if question.kind == Question.Kind.YES_NO:
        return [("Ja", "Yes", 1), ("Nej", "No", 0)]
    if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        return [(o.text_sv, o.text_en, None) for o in options]
    return []


def _sync_choices(question: Question, rows: list[tuple[str, str, int | None]]) -> None:
    existing = list(question.choices.order_by("position", "pk"))
    surplus = existing[len(rows):]
    if surplus:
        dependent = Question.objects.filter(condition__in=surplus).first()
        if dependent is not None:
            raise ValidationError({"options_sv": _(
                "An option you removed is the condition of the question “%(question)s”. "
                "Change that question first.") % {"question": dependent.text}})
        Choice.objects.filter(pk__in=[c.pk for c in surplus]).delete()
    for position, (sv, en, value) in enumerate(rows, start=1):
        if position <= len(existing):
            choice = existing[position - 1]
            if (choice.text_sv, choice.text_en, choice.value, choice.position) != (sv, en, value, position):
                choice.text_sv, choice.text_en, choice.value, choice.position = sv, en, value, position
                choice.save()
        else:
            Choice.objects.create(question=question, position=position, text_sv=sv, text_en=en, value=value)


def _sync_statements(question: Question, rows: list[OptionInput]) -> None:
    existing = list(question.statements.order_by("position", "pk"))
    Statement.objects.filter(pk__in=[s.pk for s in existing[len(rows):]]).delete()
    for position, row in enumerate(rows, start=1):
        if position <= len(existing):
            statement = existing[position - 1]
            statement.text_sv, statement.text_en, statement.position = row.text_sv, row.text_en, position
            statement.save()
        else:
            Statement.objects.create(question=question, position=position, text_sv=row.text_sv,
                                     text_en=row.text_en)


def _position_key(question: Question) -> tuple:
    return (question.section.position, question.section_id, question.position, question.pk or 10**12)


def _validate_condition(question: Question) -> None:
    if question.condition_id is None:
        return
    condition = Choice.objects.select_related("question__section").get(pk=question.condition_id)
    source = condition.question
    if source.version_id != question.version_id or source.kind not in Question.CHOICE_KINDS:
        raise ValidationError({"condition": _("Choose an answer to an earlier question of this survey.")})
    if source.pk == question.pk or _position_key(source) >= _position_key(question):
        raise ValidationError({"condition": _("The condition must be an answer to an earlier question.")})


def _check_condition_order(version: SurveyVersion) -> None:
    """Every condition must still point at an earlier question (after a move or an edit)."""
    questions = ordered_questions(version)
    index = {q.pk: i for i, q in enumerate(questions)}
    for question in questions:
        if question.condition_id is None:
            continue
        source = question.condition.question
        if index[source.pk] >= index[question.pk]:
            raise SurveyError(_(
                "The question “%(question)s” depends on the answer to “%(source)s”, which must come before it.")
                % {"question": question.text, "source": source.text})
        if source.kind not in Question.CHOICE_KINDS:
            raise SurveyError(_("The question “%(question)s” depends on a question that no longer has options.")
                              % {"question": question.text})


def _refuse_breaking_conditions(questions: list[Question]) -> None:
    ids = [q.pk for q in questions]
    dependent = Question.objects.filter(condition__question_id__in=ids).exclude(pk__in=ids).first()
    if dependent is not None:
        raise SurveyError(_("The question “%(question)s” depends on an answer here. Change that question first.")
                          % {"question": dependent.text})


@transaction.atomic
def delete_question(question: Question) -> None:
    _require_editable(question.version)
    _refuse_breaking_conditions([question])
    question.delete()


@transaction.atomic
def move_question(question: Question, direction: str) -> None:
    _require_editable(question.version)
    siblings = list(Question.objects.filter(section=question.section).order_by("position", "pk"))
    _swap(siblings, question, direction)
    for position, q in enumerate(siblings, start=1):
        q.position = position
    Question.objects.bulk_update(siblings, ["position"])
    _check_condition_order(question.version)


# --- Which evaluation an activity gets ----------------------------------------------------

def set_activity_evaluation(activity, mode: str, template: SurveyTemplate | None, user=None) -> ActivityEvaluation:
    if mode == ActivityEvaluation.Mode.TEMPLATE:
        if template is None or template.consortium_id != activity.consortium_id or template.archived_at:
            raise ValidationError({"template": _("Choose one of the consortium's survey templates.")})
    else:
        template = None
    evaluation, _created = ActivityEvaluation.objects.update_or_create(
        activity=activity, defaults={"consortium_id": activity.consortium_id, "mode": mode, "template": template,
                                     "updated_by": user if getattr(user, "pk", None) else None})
    return evaluation


def evaluation_template_for(activity) -> SurveyTemplate | None:
    """The template an activity's sessions are evaluated with: its own choice, else the default."""
    try:
        evaluation = activity.evaluation
    except ActivityEvaluation.DoesNotExist:
        evaluation = None
    if evaluation is not None and evaluation.mode == ActivityEvaluation.Mode.NONE:
        return None
    if evaluation is not None and evaluation.mode == ActivityEvaluation.Mode.TEMPLATE and evaluation.template:
        if evaluation.template.archived_at is None:
            return evaluation.template
    return SurveyTemplate.objects.filter(consortium_id=activity.consortium_id, is_default_evaluation=True,
                                         archived_at__isnull=True).first()


# --- Rounds -------------------------------------------------------------------------------

SURVEY_FIELDS = ("title", "target", "session", "roles", "anonymous", "opens_at", "closes_at",
                 "remind_after_days", "max_reminders")
# What may still change after a round is sent.
SENT_SURVEY_FIELDS = ("title", "closes_at", "remind_after_days", "max_reminders")


def _check_target(survey: Survey, organisations) -> None:
    errors = {}
    T = Survey.Target
    if survey.target == T.SESSION:
        if survey.session_id is None:
            errors["session"] = _("Choose the session whose attendees get the survey.")
        elif survey.session.consortium_id != survey.consortium_id:
            errors["session"] = _("Choose a session of this consortium.")
    else:
        survey.session = None
    if survey.target == T.ROLES:
        valid = set(Role.values)
        if not survey.roles or not set(survey.roles) <= valid:
            errors["roles"] = _("Choose at least one role.")
    else:
        survey.roles = []
    if survey.target == T.ORGANISATIONS and not organisations:
        errors["organisations"] = _("Choose at least one organisation.")
    if any(o.consortium_id != survey.consortium_id for o in organisations):
        errors["organisations"] = _("Choose organisations of this consortium.")
    if survey.closes_at and survey.opens_at and survey.closes_at <= survey.opens_at:
        errors["closes_at"] = _("The survey must close after it opens.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_survey(survey: Survey, *, organisations=(), user=None, now=None) -> Survey:
    """Create a draft round or change one; a sent round changes only its title, closing and reminders."""
    now = now or timezone.now()
    organisations = list(organisations)
    if survey.pk is not None:
        stored = Survey.objects.select_for_update().get(pk=survey.pk)
        if stored.sent_at is not None:
            changed = [f for f in SURVEY_FIELDS if f not in SENT_SURVEY_FIELDS
                       and getattr(stored, f) != getattr(survey, f)]
            if changed:
                raise SurveyError(_("A sent survey can only change its title, closing time and reminders."))
            if survey.closes_at <= now and stored.closes_at > now:
                raise ValidationError({"closes_at": _("Choose a closing time in the future, or close the survey.")})
            organisations = list(stored.organisations.all())
    if survey.version.template.consortium_id != survey.consortium_id:
        raise SurveyError(_("Choose one of the consortium's survey templates."))
    _check_target(survey, organisations)
    if survey.pk is None:
        survey.created_by = user if getattr(user, "pk", None) else None
    survey.full_clean()
    survey.save()
    if survey.sent_at is None:
        survey.organisations.set(organisations)
    return survey


def delete_survey(survey: Survey) -> None:
    if survey.sent_at is not None:
        raise SurveyError(_("A sent survey cannot be deleted; close it instead."))
    survey.delete()


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    person_id: int | None = None
    user_id: int | None = None
    name: str = ""


def _session_attendees(session) -> list[Recipient]:
    """Those who took part in a session: completed, or confirmed and not marked absent from everything."""
    from larnav.attendance.models import AttendanceRecord
    from larnav.registrations.models import Registration, Status

    records = AttendanceRecord.objects.filter(registration=OuterRef("pk"))
    regs = (Registration.objects.filter(session=session)
            .annotate(marked=Exists(records))  # Registration.present: marked attended or partly somewhere
            .filter(Q(status=Status.COMPLETED) | Q(status=Status.CONFIRMED, marked=False)
                    | Q(status=Status.CONFIRMED, present=True))
            .select_related("person", "person__user").order_by("pk"))
    recipients = []
    for reg in regs:
        person = reg.person
        if not person.is_active or not person.email:
            continue
        user = getattr(person, "user", None)
        recipients.append(Recipient(email=person.email, language=person.language or "sv", person_id=person.pk,
                                    user_id=user.pk if user else None, name=person.full_name))
    return recipients


def recipients_for(survey: Survey, today=None) -> list[Recipient]:
    """Who a round goes to, each once."""
    T = Survey.Target
    if survey.target == T.SESSION:
        found = _session_attendees(survey.session)
    elif survey.target == T.ROLES:
        assignments = RoleAssignment.objects.filter(RoleAssignment.active_q(today), consortium=survey.consortium,
                                                    role__in=survey.roles, user__is_active=True).exclude(
            user__email="")
        organisations = list(survey.organisations.all())
        if organisations:
            within = Q()
            for org in organisations:
                within |= Q(organisation__path__startswith=org.path)
            assignments = assignments.filter(within)
        users = (User.objects.filter(pk__in=assignments.values("user_id")).select_related("person")
                 .order_by("last_name", "first_name", "pk"))
        found = [Recipient(email=u.email, language=u.language or "sv", person_id=u.person_id, user_id=u.pk,
                           name=u.display_name) for u in users]
    elif survey.target == T.ORGANISATIONS:
        within = Q()
        for org in survey.organisations.all():
            within |= Q(workplace__path__startswith=org.path)
        persons = (Person.objects.filter(within, consortium=survey.consortium, is_active=True).exclude(email="")
                   .select_related("user").order_by("last_name", "first_name", "pk"))
        found = []
        for p in persons:
            user = getattr(p, "user", None)
            found.append(Recipient(email=p.email, language=p.language or "sv", person_id=p.pk,
                                   user_id=user.pk if user else None, name=p.full_name))
    else:
        found = []
    unique, seen = [], set()
    for recipient in found:
        keys = {("p", recipient.person_id), ("u", recipient.user_id)} - {("p", None), ("u", None)}
        if keys & seen:
            continue
        seen |= keys
        unique.append(recipient)
    return unique


@transaction.atomic
def send_survey(survey_id: int, user=None, now=None) -> int:
    """Send a draft round: freeze its version, invite the recipients, mail them after the commit."""
    now = now or timezone.now()
    survey = Survey.objects.select_for_update(of=("self",)).select_related("version", "session").get(pk=survey_id)
    if survey.sent_at is not None:
        raise SurveyError(_("The survey has already been sent."))
    if survey.closes_at <= now:
        raise SurveyError(_("The closing time has passed: choose a later one before sending."))
    if not survey.version.questions.exists():
        raise SurveyError(_("The survey has no questions yet."))
    recipients = recipients_for(survey, today=timezone.localdate(now))
    if survey.target != Survey.Target.OPEN_LINK and not recipients:
        raise SurveyError(_("Nobody would get this survey: there are no recipients with an e-mail address."))
    freeze(survey.version, now)
    survey.sent_at = now
    if survey.target == Survey.Target.OPEN_LINK:
        survey.open_token = new_token()
    Survey.objects.filter(pk=survey.pk).update(sent_at=survey.sent_at, open_token=survey.open_token)
    invitations = Invitation.objects.bulk_create(
        Invitation(survey=survey, person_id=r.person_id, user_id=r.user_id, email=r.email, language=r.language)
        for r in recipients)
    if survey.opens_at <= now:
        notifications.queue_survey_mail([i.pk for i in invitations], reminder=False, now=now)
    return len(recipients)


@transaction.atomic
def close_survey(survey_id: int, now=None) -> Survey:
    now = now or timezone.now()
    survey = Survey.objects.select_for_update().get(pk=survey_id)
    if survey.sent_at is None:
        raise SurveyError(_("A draft has not been sent, so it cannot be closed."))
    if survey.closed_at is None and survey.closes_at > now:
        survey.closed_at = now
        survey.save(update_fields=["closed_at"])
    return survey


@transaction.atomic
def reopen_survey(survey_id: int, closes_at, now=None) -> Survey:
    now = now or timezone.now()
    survey = Survey.objects.select_for_update().get(pk=survey_id)
    if survey.sent_at is None:
        raise SurveyError(_("A draft has not been sent, so it cannot be reopened."))
    if closes_at <= now:
        raise ValidationError({"closes_at": _("Choose a closing time in the future.")})
    survey.closed_at, survey.closes_at = None, closes_at
    survey.save(update_fields=["closed_at", "closes_at"])
    return survey


def _remindable(survey: Survey, now):
    return survey.invitations.filter(answered=False, last_mailed_at__isnull=False).filter(
        last_mailed_at__lte=now - timedelta(hours=MIN_HOURS_BETWEEN_MAILS))


def remindable_count(survey: Survey, now=None) -> int:
    now = now or timezone.now()
    if not survey.is_open(now):
        return 0
    return _remindable(survey, now).count()


@transaction.atomic
def remind(survey_id: int, now=None) -> int:
    """Remind everyone invited who has not answered (and was not mailed in the last hours)."""
    now = now or timezone.now()
    survey = Survey.objects.select_for_update().get(pk=survey_id)
    if not survey.is_open(now):
        raise SurveyClosed(_("Only an open survey can send reminders."))
    return notifications.queue_survey_mail(_remindable(survey, now).values_list("pk", flat=True), reminder=True,
                                           now=now)


# --- Answering -----------------------------------------------------------------------------

def _choice_map(question: Question) -> dict[int, Choice]:
    return {c.pk: c for c in question.choices.all()}


def validate_answers(questions: list[Question], raw: dict[int, object]) -> list[Answer]:
    """Check answers against the version and return the unsaved ``Answer`` rows.

    ``raw`` maps a question id to: a choice id (scale, single choice, yes/no), a
    list of choice ids (multiple choice), a dict of statement id to choice id
    (matrix), a Decimal (number) or a string (free text); missing or empty
    means unanswered. Questions whose condition is not met are skipped and
    their answers dropped. Raises ``InvalidAnswers`` with one message per field.
    """
    errors: dict[str, str] = {}
    answers: list[Answer] = []
    selected: dict[int, set[int]] = {}
    shown: set[int] = set()
    K = Question.Kind
    for question in questions:
        if question.condition_id is not None:
            source = question.condition.question_id
            if source not in shown or question.condition_id not in selected.get(source, set()):
                continue
        shown.add(question.pk)
        field = f"q{question.pk}"
        value = raw.get(question.pk)
        choices = _choice_map(question) if question.has_choices else {}
        if question.kind in (K.SCALE, K.SINGLE, K.YES_NO):
            if value in (None, ""):
                if question.required:
                    errors[field] = _("Answer this question.")
                continue
            choice = choices.get(_as_int(value))
            if choice is None:
                errors[field] = _("Choose one of the options.")
                continue
            selected[question.pk] = {choice.pk}
            answers.append(Answer(question=question, choice=choice,
                                  number=choice.value if question.kind != K.SINGLE else None))
        elif question.kind == K.MULTIPLE:
            ids = [_as_int(v) for v in (value or [])]
            if not ids:
                if question.required:
                    errors[field] = _("Choose at least one option.")
                continue
            if any(i not in choices for i in ids) or len(set(ids)) != len(ids):
                errors[field] = _("Choose among the options shown.")
                continue
            selected[question.pk] = set(ids)
            answers.extend(Answer(question=question, choice=choices[i]) for i in sorted(ids))
        elif question.kind == K.MATRIX:
            statements = {s.pk: s for s in question.statements.all()}
            given = {_as_int(k): _as_int(v) for k, v in (value or {}).items() if v not in (None, "")}
            if any(k not in statements for k in given) or any(v not in choices for v in given.values()):
                errors[field] = _("Choose one of the options for each statement.")
                continue
            if question.required and len(given) < len(statements):
                missing = [s for pk, s in statements.items() if pk not in given]
                for statement in missing:
                    errors[f"{field}_{statement.pk}"] = _("Answer this statement.")
                errors.setdefault(field, _("Answer every statement."))
                continue
            answers.extend(Answer(question=question, statement=statements[s], choice=choices[c],
                                  number=choices[c].value) for s, c in sorted(given.items()))
        elif question.kind == K.NUMBER:
            if value in (None, ""):
                if question.required:
                    errors[field] = _("Answer this question.")
                continue
            if not isinstance(value, Decimal) or not value.is_finite() or abs(value) >= Decimal("1e10"):
                errors[field] = _("Give a number.")
                continue
            if question.number_min is not None and value < question.number_min:
                errors[field] = _("Give a number of at least %(n)s.") % {"n": _number(question.number_min)}
                continue
            if question.number_max is not None and value > question.number_max:
                errors[field] = _("Give a number of at most %(n)s.") % {"n": _number(question.number_max)}
                continue
            answers.append(Answer(question=question, number=value.quantize(Decimal("0.01"))))
        elif question.kind == K.TEXT:
            text = str(value or "").strip()
            if not text:
                if question.required:
                    errors[field] = _("Answer this question.")
                continue
            if len(text) > MAX_TEXT_ANSWER:
                errors[field] = _("Write at most %(n)s characters (you wrote %(len)s).") % {
                    "n": MAX_TEXT_ANSWER, "len": len(text)}
                continue
            if looks_like_personnummer(text):
                errors[field] = _("Do not write personal identity numbers (personnummer) in the survey.")
                continue
            answers.append(Answer(question=question, text=text))
    if errors:
        raise InvalidAnswers(errors)
    return answers


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


@dataclass(frozen=True)
class Background:
    municipality_id: int | None = None
    district_id: int | None = None
    occupation_id: int | None = None
    workplace_id: int | None = None


def background_for(person=None, user=None) -> Background:
    """The respondent's municipality, district or administration and occupation, for cuts.

    From the person's workplace; for a user without a person (a CKA, say) from
    the organisation of their role."""
    org = person.workplace if person is not None and person.workplace_id else None
    if org is None and user is not None:
        assignment = (RoleAssignment.objects.filter(RoleAssignment.active_q(), user=user,
                                                    organisation__isnull=False)
                      .select_related("organisation").order_by("pk").first())
        org = assignment.organisation if assignment else None
    if org is None:
        return Background(occupation_id=getattr(person, "occupation_id", None))
    district = (Organisation.objects.filter(pk__in=org.ancestors_path_ids(),
                                            type__in=(Organisation.Type.FORVALTNING, Organisation.Type.STADSDEL))
                .values_list("pk", flat=True).first())
    return Background(municipality_id=org.municipality_id, district_id=district,
                      occupation_id=getattr(person, "occupation_id", None),
                      workplace_id=org.pk if org.type == Organisation.Type.ENHET else None)


def _check_open(survey: Survey, now) -> None:
    if survey.sent_at is None or survey.closed_at is not None or now >= survey.closes_at:
        raise SurveyClosed()
    if now < survey.opens_at:
        raise SurveyNotOpenYet()


@transaction.atomic
def submit_response(survey_id: int, raw: dict[int, object], *, invitation_token: str | None = None, user=None,
                    language: str = "sv", now=None) -> Response:
    """Store one answer sheet.

    Through an invitation (``invitation_token``), or through a round's open
    link. A signed-in user answering an open link is recorded too, so that they
    cannot answer twice; anyone else answering an open link is limited by the
    view (one answer per browser session).
    """
    now = now or timezone.now()
    survey = Survey.objects.select_related("version").get(pk=survey_id)
    _check_open(survey, now)
    answers = validate_answers(questions_for_answering(survey.version), raw)
    user = user if getattr(user, "is_authenticated", False) else None
    invitation = None
    if invitation_token is not None:
        invitation = Invitation.objects.select_related("person__workplace", "user").filter(
            survey=survey, token=invitation_token).first()
        if invitation is None:
            raise SurveyError(_("This survey link is not valid."))
    elif survey.target != Survey.Target.OPEN_LINK:
        raise SurveyError(_("This survey is answered through the personal link in your e-mail."))
    elif user is not None:
        invitation, _created = Invitation.objects.get_or_create(
            survey=survey, user=user,
            defaults={"person_id": user.person_id, "email": user.email, "language": language, "open_link": True},
        )
    if invitation is not None:
        # The guard against a second answer: only one request can turn the flag.
        if not Invitation.objects.filter(pk=invitation.pk, answered=False).update(answered=True):
            raise AlreadyAnswered()
        person, user = invitation.person, invitation.user
    else:
        person = None
    if person is None and user is not None and user.person_id:
        person = Person.objects.select_related("workplace").get(pk=user.person_id)
    background = background_for(person, user)
    response = Response.objects.create(
        survey=survey, consortium_id=survey.consortium_id, submitted_on=timezone.localdate(now),
        language=language if language in ("sv", "en") else "sv",
        municipality_id=background.municipality_id, district_id=background.district_id,
        occupation_id=background.occupation_id,
    )
    for answer in answers:
        answer.response = response
    Answer.objects.bulk_create(answers)
    if not survey.anonymous and (person is not None or user is not None):
        try:
            with transaction.atomic():
                Respondent.objects.create(response=response, survey=survey, person=person, user=user,
                                          invitation=invitation, workplace_id=background.workplace_id)
        except IntegrityError as exc:
            raise AlreadyAnswered() from exc
    return response


# --- The periodic job ------------------------------------------------------------------------

def create_due_evaluations(now=None) -> list[Survey]:
    """Create and send the evaluation of every session whose last occasion has just ended.

    A consortium that has switched evaluation invitations off (*Meddelandetexter*, the
    notifications settings) gets none; an activity can also be left out on its own page."""
    from larnav.catalog.models import Session
    from larnav.notifications.selectors import consortia_without_evaluations

    now = now or timezone.now()
    switched_off = consortia_without_evaluations()
    sessions = (Session.objects.filter(last_end__lte=now, last_end__gt=now - timedelta(days=EVALUATION_WINDOW_DAYS))
                .exclude(status=Session.Status.CANCELLED).exclude(consortium_id__in=switched_off)
                .exclude(Exists(Survey.objects.filter(session=OuterRef("pk"), automatic=True)))
                .select_related("activity", "activity__evaluation__template").order_by("last_end", "pk"))
    created = []
    for session in sessions:
        template = evaluation_template_for(session.activity)
        if template is None:
            continue
        version = latest_frozen_version(template) or latest_version(template)
        if not version.questions.exists():
            continue
        if not _session_attendees(session):
            continue
        title = session.activity.title + (f" – {session.name}" if session.name else "")
        first = timezone.localtime(session.first_start).date() if session.first_start else None
        if first is not None:
            title = f"{title} ({first:%Y-%m-%d})"
        try:
            with transaction.atomic():
                survey = Survey.objects.create(
                    consortium_id=session.consortium_id, version=version, title=title[:200],
                    target=Survey.Target.SESSION, session=session, anonymous=template.anonymous,
                    opens_at=now, closes_at=now + timedelta(days=EVALUATION_OPEN_DAYS),
                    remind_after_days=EVALUATION_REMIND_AFTER_DAYS, max_reminders=EVALUATION_MAX_REMINDERS,
                    automatic=True,
                )
                send_survey(survey.pk, now=now)
        except (IntegrityError, SurveyError):
            continue  # another run created it, or nobody is left to ask
        created.append(survey)
    return created


@transaction.atomic
def send_due_mail(now=None) -> dict[str, int]:
    """Mail the invitations of rounds that have opened since they were sent, and the due reminders."""
    now = now or timezone.now()
    open_rounds = Survey.objects.filter(sent_at__isnull=False, closed_at__isnull=True, opens_at__lte=now,
                                        closes_at__gt=now)
    pending = Invitation.objects.filter(survey__in=open_rounds, answered=False, open_link=False,
                                        last_mailed_at__isnull=True).values_list("pk", flat=True)
    invited = notifications.queue_survey_mail(pending, reminder=False, now=now)
    due = []
    for survey in open_rounds.filter(remind_after_days__isnull=False, max_reminders__gt=0):
        due.extend(survey.invitations.filter(
            answered=False, reminders_sent__lt=survey.max_reminders,
            last_mailed_at__lte=min(now - timedelta(days=survey.remind_after_days),
                                    now - timedelta(hours=MIN_HOURS_BETWEEN_MAILS)),
        ).values_list("pk", flat=True))
    reminded = notifications.queue_survey_mail(due, reminder=True, now=now)
    return {"invitations": invited, "reminders": reminded}
