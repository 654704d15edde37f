"""Surveys (enkäter): templates with versions, distribution rounds, invitations and responses.

::

    SurveyTemplate ──< SurveyVersion ──< Section ──< Question ──< Choice / Statement
                            │
                            └──< Survey (a distribution round) ──< Invitation
                                                              └──< Response ──< Answer
                                                                      └── Respondent (identified rounds only)

* ``SurveyTemplate`` – a reusable survey (the standard course evaluation, the
  CKA yearly survey, ...). Its questions live in versions.
* ``SurveyVersion`` – one version of a template's questions. A version is
  *frozen* (``frozen_at``) when it is taken into use or a round using it is
  sent; a frozen version never changes. Editing a template whose latest
  version is frozen creates a new version: a deep copy in which every question,
  choice and statement keeps its ``lineage``, so results of different versions
  can be compared question by question.
* ``Survey`` – a distribution round of one version: to the attendees of a
  session, to role groups, to the staff of organisations, or by an open link;
  with its opening and closing time and reminder settings.
* ``Invitation`` – one recipient of a round: the secret link, whether they
  have answered, and the reminders sent.
* ``Response`` / ``Answer`` – one submitted answer sheet and its answers.

Anonymity is structural:

* ``Response`` has no column that can identify a person: no person, user or
  invitation, no token, and no time finer than the day (``submitted_on`` is a
  date). Responses and answers have random ids (UUIDs), so their order does
  not give away the order in which people answered either. What a response
  keeps for cuts is the respondent's municipality (and city district or
  administration) and occupation, and results are only shown for cuts of at
  least ``MIN_GROUP_SIZE`` responses of an anonymous round.
* Who answered an *identified* round lives in a separate table,
  ``Respondent``. A trigger in the database refuses a ``Respondent`` row for a
  response to an anonymous round, whatever code tries to write it.
* For an anonymous round, the only trace of a person is their invitation's
  ``answered`` flag, used for reminders and the response rate. The
  invitation has no reference to the response and no time of answering, and
  nothing on a page lists who has answered an anonymous round.

Every write goes through ``larnav.surveys.services``.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from larnav.organisations.models import Consortium, Organisation

# Results of an anonymous round are shown only for groups of at least this many responses.
MIN_GROUP_SIZE = 5
# The longest free-text answer, and the longest text of a question.
MAX_TEXT_ANSWER = 5000
SCALE_POINTS = (1, 2, 3, 4, 5)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def localised(obj, field: str) -> str:
    """``obj.<field>_en`` in English when it is filled in, otherwise ``obj.<field>_sv``."""
    if (get_language() or "sv").startswith("en"):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, f"{field}_sv", "")


class SurveyTemplate(models.Model):
    class Kind(models.TextChoices):
        COURSE_EVALUATION = "course_evaluation", _("Course evaluation")
        RECURRING = "recurring", _("Recurring survey (e.g. yearly)")
        OTHER = "other", _("Other survey")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="survey_templates")
    # A stable key for the templates Lärnav provides ("course-evaluation", "cka-yearly"); empty for others.
    key = models.SlugField(max_length=60, blank=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER,
                            help_text=_("Course evaluations count towards the quality indicator."))
    name_sv = models.CharField(_("name (Swedish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    intro_sv = models.TextField(_("introduction (Swedish)"), blank=True, max_length=2000,
                                help_text=_("Shown at the top of the survey."))
    intro_en = models.TextField(_("introduction (English)"), blank=True, max_length=2000)
    anonymous = models.BooleanField(
        _("anonymous responses"), default=True,
        help_text=_("New rounds of this template are anonymous unless you choose otherwise."),
    )
    is_default_evaluation = models.BooleanField(
        _("default course evaluation"), default=False,
        help_text=_("Sent after every session whose activity does not name another evaluation."),
    )
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")
        ordering = ["name_sv", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["consortium", "key"], condition=~Q(key=""),
                                    name="survey_template_unique_key"),
            models.UniqueConstraint(fields=["consortium"], condition=Q(is_default_evaluation=True),
                                    name="survey_template_one_default_evaluation"),
            models.CheckConstraint(condition=Q(is_default_evaluation=False) | Q(kind="course_evaluation"),
                                   name="survey_template_default_is_evaluation"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return localised(self, "name")

    @property
    def intro(self) -> str:
        return localised(self, "intro")


class SurveyVersion(models.Model):
    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    frozen_at = models.DateTimeField(_("taken into use"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("survey version")
        verbose_name_plural = _("survey versions")
        ordering = ["template", "number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="survey_version_unique_number")]

    def __str__(self):
        return f"{self.template} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class Section(models.Model):
    version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(default=0)
    title_sv = models.CharField(_("heading (Swedish)"), max_length=200, blank=True)
    title_en = models.CharField(_("heading (English)"), max_length=200, blank=True)
    intro_sv = models.TextField(_("text (Swedish)"), blank=True, max_length=2000)
    intro_en = models.TextField(_("text (English)"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["version", "position", "pk"]

    def __str__(self):
        return self.title or f"#{self.position}"

    @property
    def title(self) -> str:
        return localised(self, "title")

    @property
    def intro(self) -> str:
        return localised(self, "intro")


class Question(models.Model):
    class Kind(models.TextChoices):
        SCALE = "scale", _("Scale 1–5")
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TEXT = "text", _("Free text")
        NUMBER = "number", _("Number")
        MATRIX = "matrix", _("Matrix (several statements on one scale)")
        YES_NO = "yes_no", _("Yes or no")

    # Kinds whose answers are choices (a question of these kinds can be the condition of a later one).
    CHOICE_KINDS = (Kind.SCALE, Kind.SINGLE, Kind.MULTIPLE, Kind.YES_NO)
    # Kinds on the 1–5 scale.
    SCALED_KINDS = (Kind.SCALE, Kind.MATRIX)

    version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions",
                                verbose_name=_("section"))
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("kind of question"), max_length=10, choices=Kind.choices)
    text_sv = models.CharField(_("question (Swedish)"), max_length=500)
    text_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    help_sv = models.CharField(_("help text (Swedish)"), max_length=500, blank=True)
    help_en = models.CharField(_("help text (English)"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=False)
    scale_low_sv = models.CharField(_("label of 1 (Swedish)"), max_length=100, blank=True)
    scale_low_en = models.CharField(_("label of 1 (English)"), max_length=100, blank=True)
    scale_high_sv = models.CharField(_("label of 5 (Swedish)"), max_length=100, blank=True)
    scale_high_en = models.CharField(_("label of 5 (English)"), max_length=100, blank=True)
    number_min = models.DecimalField(_("smallest number"), max_digits=12, decimal_places=2, null=True, blank=True)
    number_max = models.DecimalField(_("largest number"), max_digits=12, decimal_places=2, null=True, blank=True)
    condition = models.ForeignKey(
        "Choice", on_delete=models.SET_NULL, null=True, blank=True, related_name="dependent_questions",
        verbose_name=_("show only if the answer is"),
    )
    indicator = models.BooleanField(
        _("counts towards the quality indicator"), default=False,
        help_text=_("The average of this scale question is the evaluation score of the activity."),
    )
    # The same question through every version of its template.
    lineage = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["version", "section__position", "section_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "lineage"], name="survey_question_unique_lineage"),
            models.CheckConstraint(condition=Q(indicator=False) | Q(kind="scale"),
                                   name="survey_question_indicator_is_scale"),
        ]
        indexes = [models.Index(fields=["version", "indicator"], name="survey_question_indicator_idx")]

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        return localised(self, "text")

    @property
    def help(self) -> str:
        return localised(self, "help")

    @property
    def scale_low(self) -> str:
        return localised(self, "scale_low")

    @property
    def scale_high(self) -> str:
        return localised(self, "scale_high")

    @property
    def has_choices(self) -> bool:
        return self.kind in self.CHOICE_KINDS or self.kind == self.Kind.MATRIX


class Choice(models.Model):
    """An option of a choice question, a point (1–5) of a scale or matrix, or yes (1) / no (0)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField(default=0)
    text_sv = models.CharField(_("option (Swedish)"), max_length=300, blank=True)
    text_en = models.CharField(_("option (English)"), max_length=300, blank=True)
    value = models.SmallIntegerField(null=True, blank=True)
    lineage = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["question", "position", "pk"]

    def __str__(self):
        return self.label

    @property
    def text(self) -> str:
        return localised(self, "text")

    @property
    def label(self) -> str:
        """The option as shown: its text, or for a scale point its number (with the end's label)."""
        text = self.text
        if self.value is not None and self.question.kind in Question.SCALED_KINDS:
            return f"{self.value} – {text}" if text else str(self.value)
        return text


class Statement(models.Model):
    """A row of a matrix question: one statement answered on the question's scale."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="statements")
    position = models.PositiveIntegerField(default=0)
    text_sv = models.CharField(_("statement (Swedish)"), max_length=300)
    text_en = models.CharField(_("statement (English)"), max_length=300, blank=True)
    lineage = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["question", "position", "pk"]

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        return localised(self, "text")


class Survey(models.Model):
    """A distribution round: one version of a template, sent to a target, open for a period."""

    class Target(models.TextChoices):
        SESSION = "session", _("The attendees of a session")
        ROLES = "roles", _("Role groups")
        ORGANISATIONS = "organisations", _("The staff of organisations")
        OPEN_LINK = "open_link", _("Anyone with the link")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="surveys")
    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="surveys")
    title = models.CharField(_("title"), max_length=200)
    target = models.CharField(_("sent to"), max_length=20, choices=Target.choices)
    session = models.ForeignKey("catalog.Session", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="surveys", verbose_name=_("session"))
    roles = models.JSONField(_("roles"), default=list, blank=True)
    organisations = models.ManyToManyField(Organisation, blank=True, related_name="+",
                                           verbose_name=_("organisations"))
    anonymous = models.BooleanField(_("anonymous responses"), default=True)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    remind_after_days = models.PositiveSmallIntegerField(
        _("remind after (days)"), null=True, blank=True,
        help_text=_("Those who have not answered get a reminder this many days after the last e-mail. "
                    "Leave empty for no automatic reminders."),
    )
    max_reminders = models.PositiveSmallIntegerField(_("at most this many reminders"), default=2)
    # Created by the periodic job after the session's last occasion.
    automatic = models.BooleanField(default=False, editable=False)
    open_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["session"], condition=Q(automatic=True),
                                    name="survey_one_automatic_evaluation_per_session"),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")),
                                   name="survey_closes_after_it_opens",
                                   violation_error_message=_("The survey must close after it opens.")),
            models.CheckConstraint(condition=~Q(target="session") | Q(session__isnull=False),
                                   name="survey_session_target_has_session"),
        ]
        indexes = [
            models.Index(fields=["consortium", "sent_at", "closes_at"], name="survey_open_idx"),
            models.Index(fields=["version", "sent_at"], name="survey_version_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.sent_at is None

    def is_open(self, now) -> bool:
        return (self.sent_at is not None and self.closed_at is None and self.opens_at <= now < self.closes_at)

    def status(self, now) -> str:
        if self.sent_at is None:
            return "draft"
        if self.closed_at is not None or now >= self.closes_at:
            return "closed"
        if now < self.opens_at:
            return "scheduled"
        return "open"


STATUS_LABELS = {
    "draft": _("Draft"),
    "scheduled": _("Opens later"),
    "open": _("Open"),
    "closed": _("Closed"),
}


class Invitation(models.Model):
    """One recipient of a round. For an anonymous round, ``answered`` is the only trace of answering:
    there is no reference to the response and no time of answering here."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="survey_invitations")
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    language = models.CharField(max_length=2, default="sv")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    answered = models.BooleanField(_("has answered"), default=False)
    # Recorded when a signed-in user answers a round's open link (so that they cannot answer twice);
    # never mailed, and not counted among the invited.
    open_link = models.BooleanField(default=False, editable=False)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    # When the invitation or the last reminder was e-mailed; empty until it is.
    last_mailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "person"], condition=Q(person__isnull=False),
                                    name="invitation_one_per_person"),
            models.UniqueConstraint(fields=["survey", "user"], condition=Q(user__isnull=False),
                                    name="invitation_one_per_user"),
            models.CheckConstraint(condition=Q(person__isnull=False) | Q(user__isnull=False),
                                   name="invitation_has_recipient"),
        ]
        indexes = [
            models.Index(fields=["survey", "answered"], name="invitation_answered_idx"),
            models.Index(fields=["last_mailed_at"], name="invitation_mailed_idx"),
        ]

    def __str__(self):
        return f"{self.email} – {self.survey_id}"


class Response(models.Model):
    """One submitted answer sheet. Nothing here identifies the respondent (see the module docstring)."""

    # A random id: not even the order of the responses tells who answered when.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    submitted_on = models.DateField(_("answered on"))
    language = models.CharField(max_length=2, default="sv")
    # For cuts: the respondent's municipality, city district or administration, and occupation.
    municipality = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("municipality"))
    district = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("district or administration"))
    occupation = models.ForeignKey("people.Occupation", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("occupation"))

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["submitted_on", "pk"]
        indexes = [
            models.Index(fields=["survey", "submitted_on"], name="response_survey_idx"),
            models.Index(fields=["consortium", "submitted_on"], name="response_period_idx"),
            models.Index(fields=["municipality", "district"], name="response_area_idx"),
        ]

    def __str__(self):
        return f"{self.survey_id} #{self.pk}"


class Respondent(models.Model):
    """Who gave a response to an identified round. Never written for an anonymous round
    (a database trigger refuses it)."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, primary_key=True,
                                    related_name="respondent")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    invitation = models.OneToOneField(Invitation, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="respondent")
    workplace = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "person"], condition=Q(person__isnull=False),
                                    name="respondent_one_response_per_person"),
            models.UniqueConstraint(fields=["survey", "user"], condition=Q(user__isnull=False),
                                    name="respondent_one_response_per_user"),
        ]

    def __str__(self):
        return f"{self.person or self.user} – {self.survey_id}"


class Answer(models.Model):
    """One answer: a choice (with its scale value in ``number``), a number, a text, or a matrix cell."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choice = models.ForeignKey(Choice, on_delete=models.PROTECT, null=True, blank=True, related_name="answers")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="answers")
    number = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    text = models.TextField(blank=True, max_length=MAX_TEXT_ANSWER)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question", "choice"],
                                    condition=Q(choice__isnull=False, statement__isnull=True),
                                    name="answer_one_per_choice"),
            models.UniqueConstraint(fields=["response", "question", "statement"],
                                    condition=Q(statement__isnull=False), name="answer_one_per_statement"),
            models.UniqueConstraint(fields=["response", "question"],
                                    condition=Q(choice__isnull=True, statement__isnull=True),
                                    name="answer_one_per_open_question"),
        ]
        indexes = [
            models.Index(fields=["question", "choice"], name="answer_choice_idx"),
            models.Index(fields=["question", "statement"], name="answer_statement_idx"),
        ]

    def __str__(self):
        return f"{self.response_id}/{self.question_id}"


class ActivityEvaluation(models.Model):
    """Which evaluation an activity's sessions get after their last occasion."""

    class Mode(models.TextChoices):
        DEFAULT = "default", _("The default course evaluation")
        TEMPLATE = "template", _("A chosen evaluation")
        NONE = "none", _("No evaluation")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    activity = models.OneToOneField("catalog.Activity", on_delete=models.CASCADE, related_name="evaluation")
    mode = models.CharField(_("evaluation"), max_length=10, choices=Mode.choices, default=Mode.DEFAULT)
    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+", verbose_name=_("survey template"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("activity evaluation")
        verbose_name_plural = _("activity evaluations")
        constraints = [
            models.CheckConstraint(condition=~Q(mode="template") | Q(template__isnull=False),
                                   name="activity_evaluation_template_given"),
        ]

    def __str__(self):
        return f"{self.activity} – {self.get_mode_display()}"
