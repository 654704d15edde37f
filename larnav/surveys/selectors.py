"""Reads of surveys for pages, results, exports and statistics, scoped by the permission layer.

Who sees which results
----------------------

* Coordinators (``Action.MANAGE_SURVEYS``) see every result of the consortium.
* CKA, contact persons and steering-group members (``Action.VIEW_SURVEY_RESULTS``)
  see results of the responses from their own municipality or district
  (the respondent's municipality / district stored on the response), never who answered.
* Trainers (``Action.TEACH``) see the results of the rounds that evaluate their own sessions.
* Whenever a selection contains anonymous responses, results are shown only
  for at least ``MIN_GROUP_SIZE`` (5) responses, and each question only when at
  least that many answered it: a cut by municipality, occupation, session or
  period with fewer responses is hidden, for everyone. Such responses still
  count in wider selections (the activity across its sessions, the indicator).

The quality indicator
---------------------

``evaluation_average(consortium, *, activity=None, provider=None, date_from=None, date_to=None, period=None,
group_by=("activity",), min_responses=MIN_GROUP_SIZE) -> list[dict]``

The average score of the course evaluations: the mean of every answer to a
scale question marked ``indicator`` (the standard evaluation's overall grade)
in a template of kind "course evaluation", for rounds that evaluate a
session. Aggregated in the database.

* ``activity``: an ``Activity`` or its id; ``provider``: a provider key as
  returned by ``provider_key(activity)`` ("own", "procured:<name>",
  "municipality:<organisation id>").
* The period is the session's: ``date_from`` / ``date_to`` (dates, inclusive)
  or ``period`` (anything with ``first_day`` and ``last_day``, such as
  ``larnav.statistics.periods.Period``) select the evaluations of sessions
  whose first occasion falls on those Stockholm dates.
* ``group_by``: a tuple of any of "activity", "session", "provider",
  "municipality" (the respondent's), "year", "tertial" (T1 Jan–Apr, T2
  May–Aug, T3 Sep–Dec) and "month", the last three by the session's first
  occasion; () gives one row for everything (or no row without answers).
* Each row is a dict with the group's keys ("activity_id" and "activity",
  "session_id", "provider" (key) and "provider_label", "municipality_id" and
  "municipality", "year", "tertial" (1–3), "month" (1–12)), and
  "average" (Decimal, two decimals, on the 1–5 scale), "responses" (number
  of responses) and "answers" (number of scored answers). Rows with fewer
  than ``min_responses`` responses have ``average`` None and "masked" True.
* Sorted by the group keys; at most three queries whatever the data's size.

For one figure: ``rows = evaluation_average(c, period=p, group_by=())`` and
``rows[0]["average"] if rows else None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from larnav.accounts.permissions import Action, access_for
from larnav.organisations.models import Organisation

from .models import (
    MIN_GROUP_SIZE,
    Answer,
    Invitation,
    Question,
    Respondent,
    Response,
    Survey,
    SurveyTemplate,
    SurveyVersion,
)
from .services import QUESTION_ORDER

TEXTS_PER_QUESTION = 20
# Questions whose mean means something (a yes/no question's "mean" would be its share of yes).
MEAN_KINDS = (Question.Kind.SCALE, Question.Kind.NUMBER)


# --- Who may see what -------------------------------------------------------------------------

def can_manage(user) -> bool:
    return access_for(user).can(Action.MANAGE_SURVEYS)


def results_scope(user) -> Q | None:
    """A Q on ``Response`` for the responses whose results ``user`` may see; None for none at all."""
    access = access_for(user)
    if not getattr(user, "is_authenticated", False):
        return None
    if access.can(Action.MANAGE_SURVEYS):
        return Q(consortium_id=access.consortium_id) if not access.is_superuser else Q()
    q = None
    areas_municipality = access.organisation_q(Action.VIEW_SURVEY_RESULTS, prefix="municipality__")
    areas_district = access.organisation_q(Action.VIEW_SURVEY_RESULTS, prefix="district__")
    if areas_municipality is not None:
        q = areas_municipality | areas_district
    if access.can(Action.TEACH):
        taught = Q(survey__session__trainers=user, consortium_id=access.consortium_id)
        q = taught if q is None else (q | taught)
    return q


def may_see_results(user) -> bool:
    access = access_for(user)
    return any(access.can(a) for a in (Action.MANAGE_SURVEYS, Action.VIEW_SURVEY_RESULTS, Action.TEACH))


def scoped_responses(user, qs: QuerySet | None = None) -> QuerySet:
    qs = Response.objects.all() if qs is None else qs
    q = results_scope(user)
    if q is None:
        return qs.none()
    if can_manage(user):
        return qs.filter(q)
    # A subquery: trainers reach responses through a many-to-many join, and each response counts once.
    return qs.filter(pk__in=Response.objects.filter(q).values("pk"))


# --- Lists -------------------------------------------------------------------------------------

def templates_for(consortium, *, include_archived=False) -> QuerySet:
    qs = SurveyTemplate.objects.filter(consortium=consortium)
    if not include_archived:
        qs = qs.filter(archived_at__isnull=True)
    return qs.annotate(
        version_count=Count("versions", distinct=True),
        latest_number=Max("versions__number"),
        round_count=Count("versions__surveys", filter=Q(versions__surveys__sent_at__isnull=False), distinct=True),
    ).order_by("name_sv", "pk")


def annotate_rates(qs: QuerySet) -> QuerySet:
    """Invited, answered and response counts of each round (subqueries, no row multiplication)."""
    from django.db.models import Subquery
    from django.db.models.functions import Coalesce

    def count_of(model_qs):
        return Coalesce(Subquery(model_qs.order_by().values("survey_id").annotate(n=Count("pk")).values("n")[:1]),
                        Value(0))

    invitations = Invitation.objects.filter(survey=OuterRef("pk"))
    return qs.annotate(
        invited=count_of(invitations.filter(open_link=False)),
        answered_count=count_of(invitations.filter(answered=True)),
        response_count=count_of(Response.objects.filter(survey=OuterRef("pk"))),
    )


def rounds_for(user, consortium) -> QuerySet:
    """Rounds the user may list: all for coordinators; for others the sent rounds with results for them."""
    qs = Survey.objects.filter(consortium=consortium).select_related("version__template", "session__activity")
    if not can_manage(user):
        scope = results_scope(user)
        if scope is None:
            return qs.none()
        visible = Response.objects.filter(scope).filter(survey=OuterRef("pk"))
        qs = qs.filter(sent_at__isnull=False).filter(Exists(visible))
    return annotate_rates(qs)


def filter_rounds(qs: QuerySet, *, query: str = "", status: str = "", template=None, now=None) -> QuerySet:
    now = now or timezone.now()
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(version__template__name_sv__icontains=query)
                       | Q(version__template__name_en__icontains=query))
    if template is not None:
        qs = qs.filter(version__template=template)
    if status == "draft":
        qs = qs.filter(sent_at__isnull=True)
    elif status == "open":
        qs = qs.filter(sent_at__isnull=False, closed_at__isnull=True, opens_at__lte=now, closes_at__gt=now)
    elif status == "closed":
        qs = qs.filter(sent_at__isnull=False).filter(Q(closed_at__isnull=False) | Q(closes_at__lte=now))
    return qs


def round_figures(survey: Survey) -> dict:
    invitations = survey.invitations.all()
    figures = invitations.filter(open_link=False).aggregate(invited=Count("pk"), answered=Count("pk", filter=Q(answered=True)),
                               reminded=Count("pk", filter=Q(reminders_sent__gt=0)),
                               unmailed=Count("pk", filter=Q(last_mailed_at__isnull=True)))
    figures["responses"] = survey.responses.count()
    figures["rate"] = (round(100 * figures["answered"] / figures["invited"]) if figures["invited"] else None)
    return figures


def identified_answered(survey: Survey) -> QuerySet:
    """Who has and who has not answered an identified round (never offered for anonymous rounds)."""
    if survey.anonymous:
        return Invitation.objects.none()
    return survey.invitations.select_related("person__workplace", "user").order_by("answered", "email")


def pending_for(user, now=None) -> QuerySet:
    """The open rounds the signed-in user has been invited to and not answered."""
    now = now or timezone.now()
    if not getattr(user, "is_authenticated", False):
        return Invitation.objects.none()
    mine = Q(user=user)
    if user.person_id:
        mine |= Q(person_id=user.person_id)
    return (Invitation.objects.filter(mine, answered=False, survey__sent_at__isnull=False,
                                      survey__closed_at__isnull=True, survey__opens_at__lte=now,
                                      survey__closes_at__gt=now)
            .select_related("survey__session__activity").order_by("survey__closes_at"))


# --- Response sets and filters ---------------------------------------------------------------

def provider_key(activity) -> str:
    return _provider_key_of(activity.provider_kind, activity.provider_name, activity.provider_municipality_id)


def _provider_key_of(kind: str, name: str, municipality_id) -> str:
    if kind == "procured":
        return f"procured:{name}"
    if kind == "municipality":
        return f"municipality:{municipality_id}"
    return "own"


def _provider_q(key: str, prefix: str) -> Q:
    kind, _sep, rest = key.partition(":")
    if kind == "procured":
        return Q(**{f"{prefix}provider_kind": "procured", f"{prefix}provider_name": rest})
    if kind == "municipality" and rest.isdigit():
        return Q(**{f"{prefix}provider_kind": "municipality", f"{prefix}provider_municipality_id": int(rest)})
    if kind == "own":
        return Q(**{f"{prefix}provider_kind": "own"})
    return Q(pk__in=[])


def area_q(area: Organisation, prefix: str = "") -> Q:
    if area.type == Organisation.Type.KOMMUN:
        return Q(**{f"{prefix}municipality": area})
    return Q(**{f"{prefix}district__path__startswith": area.path})


def filter_responses(qs: QuerySet, filters: dict) -> QuerySet:
    if filters.get("round") is not None:
        qs = qs.filter(survey=filters["round"])
    if filters.get("activity"):
        qs = qs.filter(survey__session__activity_id=filters["activity"])
    if filters.get("session") is not None:
        qs = qs.filter(survey__session=filters["session"])
    if filters.get("provider"):
        qs = qs.filter(_provider_q(filters["provider"], "survey__session__activity__"))
    if filters.get("area") is not None:
        qs = qs.filter(area_q(filters["area"]))
    if filters.get("occupation") is not None:
        qs = qs.filter(occupation=filters["occupation"])
    if filters.get("date_from"):
        qs = qs.filter(submitted_on__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(submitted_on__lte=filters["date_to"])
    return qs


def version_responses(user, version: SurveyVersion, filters: dict) -> QuerySet:
    qs = scoped_responses(user, Response.objects.filter(survey__version=version,
                                                        consortium_id=version.template.consortium_id))
    return filter_responses(qs, filters)


def filter_options(user, version: SurveyVersion) -> dict:
    """What the results' filters offer: only values that occur among the responses the user may see."""
    from larnav.catalog.models import Activity, Session

    responses = scoped_responses(user, Response.objects.filter(survey__version=version))
    rounds = Survey.objects.filter(pk__in=responses.values("survey_id")).order_by("-opens_at")
    sessions = (Session.objects.filter(pk__in=rounds.values("session_id")).select_related("activity")
                .order_by("-first_start"))
    activities = Activity.objects.filter(pk__in=sessions.values("activity_id")).select_related(
        "provider_municipality").order_by("sort_title")
    providers = {}
    for activity in activities:
        providers.setdefault(provider_key(activity), activity.provider_display)
    area_ids = set(responses.values_list("municipality_id", flat=True)) | set(
        responses.values_list("district_id", flat=True))
    areas = (Organisation.objects.filter(pk__in=area_ids - {None}).select_related("municipality")
             .order_by("municipality__name", "path"))
    return {
        "rounds": rounds,
        "sessions": sessions,
        "activities": [(a.pk, a.title) for a in activities],
        "providers": sorted(providers.items(), key=lambda kv: kv[1].lower()),
        "areas": areas,
    }


def selection_is_anonymous(responses: QuerySet) -> bool:
    return responses.filter(survey__anonymous=True).exists()


# --- Results -----------------------------------------------------------------------------------

@dataclass
class Row:
    label: str
    count: int
    share: float | None  # per cent of those who answered the question


@dataclass
class StatementResult:
    statement: object
    counts: list[int]
    answered: int
    mean: Decimal | None


@dataclass
class QuestionResult:
    question: Question
    number: int
    answered: int = 0
    masked: bool = False
    rows: list[Row] = field(default_factory=list)
    mean: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    statements: list[StatementResult] = field(default_factory=list)
    scale_labels: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    texts_total: int = 0
    chart: object = None

    @property
    def kind(self) -> str:
        return self.question.kind


@dataclass
class Results:
    responses: int
    anonymous: bool
    masked: bool
    questions: list[QuestionResult]
    min_group: int = MIN_GROUP_SIZE


def _round2(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _share(count: int, total: int) -> float | None:
    return round(100 * count / total, 1) if total else None


def questions_of(version: SurveyVersion) -> list[Question]:
    return list(version.questions.select_related("section").prefetch_related("choices", "statements")
                .order_by(*QUESTION_ORDER))


def results(version: SurveyVersion, responses: QuerySet, *, texts_limit: int = TEXTS_PER_QUESTION) -> Results:
    """Per question: counts and shares per option, mean of scales, statements of a matrix, numbers, texts.

    Aggregated in the database: a fixed number of queries whatever the number of responses."""
    questions = questions_of(version)
    total = responses.count()
    anonymous = total > 0 and selection_is_anonymous(responses)
    masked = anonymous and total < MIN_GROUP_SIZE
    out = Results(responses=total, anonymous=anonymous, masked=masked, questions=[])
    numbered = [QuestionResult(question=q, number=i) for i, q in enumerate(questions, start=1)]
    if total == 0 or masked:
        out.questions = numbered
        return out
    answers = Answer.objects.filter(response__in=responses.values("pk"))
    answered = dict(answers.order_by().values("question_id").annotate(n=Count("response_id", distinct=True))
                    .values_list("question_id", "n"))
    counts = {}
    for row in (answers.filter(choice__isnull=False).order_by()
                .values("question_id", "statement_id", "choice_id").annotate(n=Count("pk"))):
        counts[(row["question_id"], row["statement_id"], row["choice_id"])] = row["n"]
    stats = {}
    for row in (answers.filter(number__isnull=False).order_by().values("question_id", "statement_id")
                .annotate(avg=Avg("number"), n=Count("pk"), lo=Min("number"), hi=Max("number"))):
        stats[(row["question_id"], row["statement_id"])] = row
    for result in numbered:
        q = result.question
        result.answered = answered.get(q.pk, 0)
        if anonymous and result.answered < MIN_GROUP_SIZE:
            result.masked = result.answered > 0
            continue
        choices = list(q.choices.all())
        K = Question.Kind
        if q.kind in (K.SCALE, K.SINGLE, K.MULTIPLE, K.YES_NO):
            result.rows = [Row(c.label, counts.get((q.pk, None, c.pk), 0),
                               _share(counts.get((q.pk, None, c.pk), 0), result.answered)) for c in choices]
            if q.kind == K.SCALE:
                result.mean = _round2((stats.get((q.pk, None)) or {}).get("avg"))
        elif q.kind == K.MATRIX:
            result.scale_labels = [c.label for c in choices]
            for statement in q.statements.all():
                row_counts = [counts.get((q.pk, statement.pk, c.pk), 0) for c in choices]
                stat = stats.get((q.pk, statement.pk)) or {}
                result.statements.append(StatementResult(statement, row_counts, sum(row_counts),
                                                         _round2(stat.get("avg"))))
        elif q.kind == K.NUMBER:
            stat = stats.get((q.pk, None)) or {}
            result.mean, result.minimum, result.maximum = (_round2(stat.get("avg")), stat.get("lo"), stat.get("hi"))
        elif q.kind == K.TEXT:
            texts = answers.filter(question=q).exclude(text="").order_by("-response__submitted_on", "-pk")
            result.texts_total = result.answered
            result.texts = list(texts.values_list("text", flat=True)[:texts_limit])
    out.questions = numbered
    return out


def free_texts(question: Question, responses: QuerySet) -> QuerySet:
    return (Answer.objects.filter(question=question, response__in=responses.values("pk")).exclude(text="")
            .order_by("-response__submitted_on", "-pk").values_list("text", flat=True))


# --- Comparison of two periods or rounds ---------------------------------------------------------

@dataclass
class Side:
    label: str
    responses: QuerySet
    total: int = 0
    anonymous: bool = False

    @property
    def masked(self) -> bool:
        return self.anonymous and self.total < MIN_GROUP_SIZE


@dataclass
class ComparedQuestion:
    question: Question
    number: int
    labels: list[str]
    a_counts: list[int]
    b_counts: list[int]
    a_answered: int
    b_answered: int
    a_mean: Decimal | None
    b_mean: Decimal | None
    a_masked: bool
    b_masked: bool
    statements: list[tuple[str, Decimal | None, Decimal | None]] = field(default_factory=list)
    chart: object = None

    @property
    def a_shares(self) -> list[float | None]:
        return [_share(n, self.a_answered) for n in self.a_counts]

    @property
    def b_shares(self) -> list[float | None]:
        return [_share(n, self.b_answered) for n in self.b_counts]

    @property
    def difference(self) -> Decimal | None:
        if self.a_mean is None or self.b_mean is None:
            return None
        return self.b_mean - self.a_mean


def _by_lineage(responses: QuerySet):
    answers = Answer.objects.filter(response__in=responses.values("pk"))
    answered = dict(answers.order_by().values("question__lineage")
                    .annotate(n=Count("response_id", distinct=True)).values_list("question__lineage", "n"))
    counts = {(r["question__lineage"], r["statement__lineage"], r["choice__lineage"]): r["n"]
              for r in answers.filter(choice__isnull=False).order_by()
              .values("question__lineage", "statement__lineage", "choice__lineage").annotate(n=Count("pk"))}
    means = {(r["question__lineage"], r["statement__lineage"]): r["avg"]
             for r in answers.filter(number__isnull=False).order_by()
             .values("question__lineage", "statement__lineage").annotate(avg=Avg("number"))}
    return answered, counts, means


def compare(template: SurveyTemplate, a: Side, b: Side) -> list[ComparedQuestion]:
    """Question by question, the answers of two selections of the same template, matched by lineage
    (so a question kept through a new version compares with itself)."""
    for side in (a, b):
        side.total = side.responses.count()
        side.anonymous = side.total > 0 and selection_is_anonymous(side.responses)
    used = SurveyVersion.objects.filter(
        Q(pk__in=a.responses.values("survey__version_id")) | Q(pk__in=b.responses.values("survey__version_id")),
        template=template)
    reference = used.order_by("-number").first() or template.versions.order_by("-number").first()
    if reference is None:
        return []
    a_answered, a_counts, a_means = _by_lineage(a.responses) if not a.masked else ({}, {}, {})
    b_answered, b_counts, b_means = _by_lineage(b.responses) if not b.masked else ({}, {}, {})
    compared = []
    for number, q in enumerate(questions_of(reference), start=1):
        if q.kind == Question.Kind.TEXT:
            continue
        line = q.lineage
        choices = list(q.choices.all())
        item = ComparedQuestion(
            question=q, number=number, labels=[c.label for c in choices],
            a_counts=[a_counts.get((line, None, c.lineage), 0) for c in choices],
            b_counts=[b_counts.get((line, None, c.lineage), 0) for c in choices],
            a_answered=a_answered.get(line, 0), b_answered=b_answered.get(line, 0),
            a_mean=_round2(a_means.get((line, None))) if q.kind in MEAN_KINDS else None,
            b_mean=_round2(b_means.get((line, None))) if q.kind in MEAN_KINDS else None,
            a_masked=a.masked or (a.anonymous and 0 < a_answered.get(line, 0) < MIN_GROUP_SIZE),
            b_masked=b.masked or (b.anonymous and 0 < b_answered.get(line, 0) < MIN_GROUP_SIZE),
        )
        if q.kind == Question.Kind.MATRIX:
            item.statements = [(s.text, _round2(a_means.get((line, s.lineage))), _round2(b_means.get((line, s.lineage))))
                               for s in q.statements.all()]
        if item.a_masked:
            item.a_counts, item.a_mean = [0] * len(choices), None
            item.statements = [(t, None, bm) for t, _am, bm in item.statements]
        if item.b_masked:
            item.b_counts, item.b_mean = [0] * len(choices), None
            item.statements = [(t, am, None) for t, am, _bm in item.statements]
        compared.append(item)
    return compared


def template_responses(user, template: SurveyTemplate) -> QuerySet:
    return scoped_responses(user, Response.objects.filter(survey__version__template=template,
                                                          consortium_id=template.consortium_id))


# --- Exports ---------------------------------------------------------------------------------------

def _background_labels(responses: QuerySet, anonymous: bool) -> dict:
    """Names of the municipalities, districts and occupations; for anonymous responses, a value held by
    fewer than MIN_GROUP_SIZE responses of the export is shown as “fewer than 5” instead."""
    from larnav.people.models import Occupation

    labels = {"municipality": {}, "district": {}, "occupation": {}}
    for key in labels:
        ids = dict(responses.order_by().values(f"{key}_id").annotate(n=Count("pk")).values_list(f"{key}_id", "n"))
        model = Occupation if key == "occupation" else Organisation
        names = {o.pk: o.name for o in model.objects.filter(pk__in=[i for i in ids if i])}
        small = _("fewer than %(n)s") % {"n": MIN_GROUP_SIZE}
        for pk, n in ids.items():
            if pk is None:
                labels[key][pk] = ""
            elif anonymous and n < MIN_GROUP_SIZE:
                labels[key][pk] = small
            else:
                labels[key][pk] = names.get(pk, "")
    return labels


def raw_export(version: SurveyVersion, responses: QuerySet) -> tuple[list[str], list[list]]:
    """One row per response, one column per question (per statement for a matrix).

    Identity (name, e-mail, workplace) only for identified rounds; anonymous
    rows carry the day, the round and the masked background only."""
    questions = questions_of(version)
    anonymous = selection_is_anonymous(responses)
    columns, headers = [], [_("Response"), _("Answered on"), _("Round"), _("Activity"), _("Session"),
                            _("Municipality"), _("District or administration"), _("Occupation")]
    identified = not anonymous
    if identified:
        headers += [_("Name"), _("E-mail"), _("Workplace")]
    for number, q in enumerate(questions, start=1):
        if q.kind == Question.Kind.MATRIX:
            for s in q.statements.all():
                columns.append((q, s))
                headers.append(f"{number}. {q.text} – {s.text}")
        else:
            columns.append((q, None))
            headers.append(f"{number}. {q.text}")
    labels = _background_labels(responses, anonymous)
    rows_qs = responses.select_related("survey__session__activity").order_by("submitted_on", "pk")
    respondents = {}
    if identified:
        respondents = {r.response_id: r for r in Respondent.objects.filter(response__in=responses.values("pk"))
                       .select_related("person", "user", "workplace")}
    answers = {}
    for a in (Answer.objects.filter(response__in=responses.values("pk"))
              .select_related("choice").order_by("response_id", "question_id", "statement_id", "choice__position")):
        answers.setdefault((a.response_id, a.question_id, a.statement_id), []).append(a)
    rows = []
    for index, r in enumerate(rows_qs.iterator(chunk_size=500), start=1):
        session = r.survey.session
        row = [index, r.submitted_on.isoformat(), r.survey.title, session.activity.title if session else "",
               timezone.localtime(session.first_start).strftime("%Y-%m-%d") if session and session.first_start
               else "", labels["municipality"].get(r.municipality_id, ""),
               labels["district"].get(r.district_id, ""), labels["occupation"].get(r.occupation_id, "")]
        if identified:
            who = respondents.get(r.pk)
            person = who.person if who else None
            user = who.user if who else None
            row += [person.full_name if person else (user.display_name if user else ""),
                    person.email if person else (user.email if user else ""),
                    who.workplace.name if who and who.workplace else ""]
        for q, s in columns:
            given = answers.get((r.pk, q.pk, s.pk if s else None), [])
            row.append(_cell(q, given))
        rows.append(row)
    return headers, rows


def _cell(question: Question, given: list[Answer]):
    if not given:
        return None
    K = Question.Kind
    if question.kind in (K.SCALE, K.MATRIX):
        return int(given[0].number)
    if question.kind == K.NUMBER:
        number = given[0].number
        return int(number) if number == number.to_integral_value() else float(number)
    if question.kind == K.TEXT:
        return given[0].text
    return "; ".join(a.choice.text for a in given)


def summary_export(result: Results) -> tuple[list[str], list[list]]:
    headers = [_("Question"), _("Kind"), _("Option or statement"), _("Count"), _("Share (%)"), _("Mean"),
               _("Respondents")]
    rows = []
    for qr in result.questions:
        title = f"{qr.number}. {qr.question.text}"
        kind = qr.question.get_kind_display()
        if qr.masked or result.masked:
            rows.append([title, kind, _("Fewer than %(n)s answers: not shown") % {"n": MIN_GROUP_SIZE}, None, None,
                         None, None])
            continue
        if qr.rows:
            for row in qr.rows:
                rows.append([title, kind, row.label, row.count, row.share, None, qr.answered])
            if qr.mean is not None:
                rows.append([title, kind, _("Mean"), None, None, float(qr.mean), qr.answered])
        elif qr.statements:
            for st in qr.statements:
                rows.append([title, kind, st.statement.text, None, None,
                             float(st.mean) if st.mean is not None else None, st.answered])
        elif qr.question.kind == Question.Kind.NUMBER:
            rows.append([title, kind, _("Mean"), None, None, float(qr.mean) if qr.mean is not None else None,
                         qr.answered])
        else:
            rows.append([title, kind, _("Free-text answers"), qr.texts_total, None, None, qr.answered])
    return headers, rows


def texts_export(result: Results, responses: QuerySet) -> tuple[list[str], list[list]]:
    rows = []
    for qr in result.questions:
        if qr.question.kind == Question.Kind.TEXT and not qr.masked and not result.masked:
            for text in free_texts(qr.question, responses).iterator(chunk_size=500):
                rows.append([f"{qr.number}. {qr.question.text}", text])
    return [_("Question"), _("Answer")], rows


# --- The quality indicator --------------------------------------------------------------------------

TERTIAL = Case(When(m__lte=4, then=Value(1)), When(m__lte=8, then=Value(2)), default=Value(3),
               output_field=IntegerField())
_GROUPS = {
    "activity": ("activity_id",),
    "session": ("session_id",),
    "provider": ("provider_kind", "provider_name", "provider_municipality_id"),
    "municipality": ("municipality_id",),
    "year": ("year",),
    "tertial": ("year", "tertial"),
    "month": ("year", "month"),
}


def _local_midnight(day):
    from datetime import datetime, time

    return timezone.make_aware(datetime.combine(day, time(0)))


def evaluation_average(consortium, *, activity=None, provider=None, date_from=None, date_to=None, period=None,
                       group_by=("activity",), min_responses=MIN_GROUP_SIZE) -> list[dict]:
    """The average evaluation score; see the module docstring for the contract."""
    from datetime import timedelta

    from django.db.models import F

    from larnav.catalog.models import Activity

    if period is not None:
        date_from, date_to = period.first_day, period.last_day

    if isinstance(group_by, str):
        group_by = (group_by,)
    unknown = set(group_by) - set(_GROUPS)
    if unknown:
        raise ValueError(f"Unknown group_by keys: {sorted(unknown)}")
    qs = Answer.objects.filter(
        question__indicator=True, question__version__template__kind=SurveyTemplate.Kind.COURSE_EVALUATION,
        response__consortium=consortium, response__survey__session__isnull=False, number__isnull=False,
    )
    if activity is not None:
        qs = qs.filter(response__survey__session__activity_id=getattr(activity, "pk", activity))
    if provider:
        qs = qs.filter(_provider_q(provider, "response__survey__session__activity__"))
    if date_from:
        qs = qs.filter(response__survey__session__first_start__gte=_local_midnight(date_from))
    if date_to:
        qs = qs.filter(response__survey__session__first_start__lt=_local_midnight(date_to + timedelta(days=1)))
    qs = qs.annotate(
        activity_id_=F("response__survey__session__activity_id"),
        session_id_=F("response__survey__session_id"),
        provider_kind_=F("response__survey__session__activity__provider_kind"),
        provider_name_=F("response__survey__session__activity__provider_name"),
        provider_municipality_id_=F("response__survey__session__activity__provider_municipality_id"),
        municipality_id_=F("response__municipality_id"),
        year_=ExtractYear("response__survey__session__first_start"),
        m=ExtractMonth("response__survey__session__first_start"),
    ).annotate(month_=F("m"), tertial_=TERTIAL)
    keys = []
    for group in group_by:
        for key in _GROUPS[group]:
            if key not in keys:
                keys.append(key)
    columns = [f"{k}_" for k in keys]
    measures = {"average": Avg("number"), "responses": Count("response_id", distinct=True), "answers": Count("pk")}
    if columns:
        grouped = list(qs.order_by().values(*columns).annotate(**measures).order_by(*columns))
    else:
        total = qs.aggregate(**measures)
        grouped = [total] if total["answers"] else []
    rows = [{k: row[f"{k}_"] for k in keys} | {"average": row["average"], "responses": row["responses"],
                                                "answers": row["answers"]} for row in grouped]
    names = {}
    if "activity_id" in keys:
        names["activity"] = dict(Activity.objects.filter(pk__in={r["activity_id"] for r in rows})
                                 .values_list("pk", "title"))
    org_ids = {r.get("municipality_id") for r in rows} | {r.get("provider_municipality_id") for r in rows}
    org_names = dict(Organisation.objects.filter(pk__in=org_ids - {None}).values_list("pk", "name"))
    out = []
    for row in rows:
        result = {}
        if "activity_id" in keys:
            result["activity_id"] = row["activity_id"]
            result["activity"] = names["activity"].get(row["activity_id"], "")
        if "session_id" in keys:
            result["session_id"] = row["session_id"]
        if "provider_kind" in keys:
            kind, name, municipality = row["provider_kind"], row["provider_name"], row["provider_municipality_id"]
            result["provider"] = _provider_key_of(kind, name, municipality)
            result["provider_label"] = _provider_label(kind, name, org_names.get(municipality, ""))
        if "municipality_id" in keys:
            result["municipality_id"] = row["municipality_id"]
            result["municipality"] = org_names.get(row["municipality_id"], "")
        for key in ("year", "tertial", "month"):
            if key in keys:
                result[key] = row[key]
        masked = row["responses"] < (min_responses or 0)
        result.update(average=None if masked else _round2(row["average"]), responses=row["responses"],
                      answers=row["answers"], masked=masked)
        out.append(result)
    return out


def _provider_label(kind: str, name: str, municipality: str) -> str:
    from larnav.catalog.models import Activity

    if kind == Activity.ProviderKind.PROCURED:
        return name
    if kind == Activity.ProviderKind.MUNICIPALITY:
        return municipality
    return str(Activity.ProviderKind(kind).label)
