"""The needs inventory (behovsinventering).

* ``Campaign`` – a coordinator opens one for a year's planning, with a period
  (``opens`` .. ``deadline``, both days inclusive).
* ``Submission`` – one per campaign and member organisation (a kommun, or a
  stadsdelsförvaltning where the kommun takes part through its districts).
  Its status goes not started -> draft -> submitted; the coordinator may
  reopen a submitted one (back to draft).
* ``NeedItem`` – one stated need: theme (a catalog focus area), target
  occupations, function, level, estimated number of staff, priority and free
  text. Items may be linked to the catalog activities that answer them.
* ``Contributor`` – a colleague the CKA invited to add and edit draft items.
* ``Event`` – the history of a campaign and its submissions: who did what, when.

Every row carries its consortium. Writes go through ``larnav.needs.services``.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from larnav.catalog.models import Activity
from larnav.core.validators import reject_personnummer
from larnav.organisations.models import Consortium, Organisation

MAX_TITLE = 200
MAX_TEXT = 4000
MAX_STAFF = 100_000


class Campaign(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Phase(models.TextChoices):
        """Where the campaign stands today (derived from status and dates)."""

        UPCOMING = "upcoming", _("Not yet open")
        OPEN = "open", _("Open for answers")
        PAST_DEADLINE = "past_deadline", _("Deadline passed")
        CLOSED = "closed", _("Closed")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="needs_campaigns")
    title = models.CharField(_("title"), max_length=MAX_TITLE, validators=[reject_personnummer])
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The year whose offer the inventory plans."),
    )
    instructions = models.TextField(
        _("instructions"), blank=True, validators=[MaxLengthValidator(MAX_TEXT), reject_personnummer],
        help_text=_("Shown to every municipal contact above their form."),
    )
    opens = models.DateField(_("opens"))
    deadline = models.DateField(_("deadline"), help_text=_("The last day to submit."))
    reminder_days = models.PositiveSmallIntegerField(
        _("remind this many days before the deadline"), default=7,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
        help_text=_("Municipal contacts who have not submitted get a reminder a day, at most, from then on. "
                    "0 = no automatic reminders."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("needs inventory")
        verbose_name_plural = _("needs inventories")
        ordering = ["-year", "-opens", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=F("opens")), name="needs_campaign_period_ordered",
                                   violation_error_message=_("The deadline must be on or after the opening day.")),
            models.UniqueConstraint(fields=["consortium", "title"], name="needs_campaign_unique_title",
                                    violation_error_message=_("There is already a needs inventory with this "
                                                              "title.")),
        ]

    def __str__(self):
        return self.title

    def phase(self, today=None) -> str:
        today = today or timezone.localdate()
        if self.status == self.Status.CLOSED:
            return self.Phase.CLOSED
        if today < self.opens:
            return self.Phase.UPCOMING
        if today > self.deadline:
            return self.Phase.PAST_DEADLINE
        return self.Phase.OPEN

    def phase_label(self) -> str:
        return str(self.Phase(self.phase()).label)

    def accepts_answers(self, today=None) -> bool:
        return self.phase(today) == self.Phase.OPEN

    def days_left(self, today=None) -> int:
        return (self.deadline - (today or timezone.localdate())).days


class Submission(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="submissions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="needs_submissions",
                                     verbose_name=_("municipality or district"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    comment = models.TextField(
        _("comment"), blank=True, validators=[MaxLengthValidator(MAX_TEXT), reject_personnummer],
        help_text=_("Anything the coordinators should know about your answers as a whole."),
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    last_reminded_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("needs inventory answer")
        verbose_name_plural = _("needs inventory answers")
        ordering = ["organisation__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "organisation"], name="needs_submission_unique"),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                name="needs_submission_submitted_has_time",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="needs_submission_status_idx")]

    def __str__(self):
        return f"{self.campaign} – {self.organisation}"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class NeedItem(models.Model):
    class Priority(models.IntegerChoices):
        HIGH = 1, _("1 – high")
        MEDIUM = 2, _("2 – medium")
        LOW = 3, _("3 – low")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(
        _("need"), max_length=MAX_TITLE, validators=[reject_personnummer],
        help_text=_('In a few words, e.g. "Lågaffektivt bemötande for new staff in group homes".'),
    )
    theme = models.ForeignKey("catalog.FocusArea", on_delete=models.PROTECT, related_name="need_items",
                              verbose_name=_("theme"))
    target_occupations = models.ManyToManyField(
        "people.Occupation", blank=True, related_name="+", verbose_name=_("target occupations"),
        help_text=_("Leave empty if the need concerns every occupation."),
    )
    funktion = models.CharField(
        _("function"), max_length=10, choices=Organisation.Funktion.choices, blank=True,
        help_text=_("Leave empty if the need concerns every function."),
    )
    level = models.CharField(_("level"), max_length=20, choices=Activity.Level.choices, blank=True)
    estimated_staff = models.PositiveIntegerField(
        _("estimated number of staff"), validators=[MinValueValidator(1), MaxValueValidator(MAX_STAFF)],
        help_text=_("Roughly how many of your staff have this need."),
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.MEDIUM)
    description = models.TextField(
        _("description"), blank=True, validators=[MaxLengthValidator(MAX_TEXT), reject_personnummer],
        help_text=_("Background, what the staff should be able to do afterwards, wishes about the form."),
    )
    answered_by = models.ManyToManyField(Activity, through="NeedAnswer", blank=True, related_name="answered_needs",
                                         verbose_name=_("answered by"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["priority", "-estimated_staff", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(priority__gte=1) & Q(priority__lte=3), name="need_priority_range"),
            models.CheckConstraint(condition=Q(estimated_staff__gte=1) & Q(estimated_staff__lte=MAX_STAFF),
                                   name="need_staff_range"),
        ]
        indexes = [
            models.Index(fields=["submission", "theme"], name="need_submission_theme_idx"),
            models.Index(fields=["consortium", "theme"], name="need_theme_idx"),
        ]

    def __str__(self):
        return self.title


class NeedAnswer(models.Model):
    """"Behov -> utbud": an activity in the offer answers a need."""

    need = models.ForeignKey(NeedItem, on_delete=models.CASCADE, related_name="answers")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["linked_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["need", "activity"], name="need_answer_unique")]

    def __str__(self):
        return f"{self.need_id} -> {self.activity_id}"


class Contributor(models.Model):
    """A colleague in the same municipality who may add and edit the draft's items (but not submit)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="contributors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="needs_contributions")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invited_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["submission", "user"], name="needs_contributor_unique")]

    def __str__(self):
        return f"{self.user} – {self.submission}"


class Event(models.Model):
    """One step in the history of a campaign or a submission."""

    class Kind(models.TextChoices):
        CAMPAIGN_CREATED = "campaign_created", _("Inventory opened")
        CAMPAIGN_CHANGED = "campaign_changed", _("Inventory changed")
        DEADLINE_CHANGED = "deadline_changed", _("Deadline changed")
        CAMPAIGN_CLOSED = "campaign_closed", _("Inventory closed")
        CAMPAIGN_REOPENED = "campaign_reopened", _("Inventory reopened")
        STARTED = "started", _("Started")
        SUBMITTED = "submitted", _("Submitted")
        REOPENED = "reopened", _("Reopened for changes")
        REMINDED = "reminded", _("Reminder sent")
        CONTRIBUTOR_INVITED = "contributor_invited", _("Colleague invited")
        CONTRIBUTOR_REMOVED = "contributor_removed", _("Colleague removed")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["campaign", "submission", "at"], name="needs_event_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.at:%Y-%m-%d %H:%M})"
