"""Registrations (anmälningar) and their history.

A registration is a state machine::

    pending_verification ──(e-mail confirmed)──> pending_approval | confirmed | waitlisted
    pending_approval ──(manager approves)──> confirmed | waitlisted
                     ──(manager declines)──> declined
    waitlisted ──(seat freed, in arrival order)──> confirmed
    confirmed ──(after the session)──> completed | no_show
    any active ──> cancelled | late_cancelled (after the deadline)
    pending_* ──(not acted on in time)──> expired

Only ``confirmed`` holds a seat. The session's ``confirmed_count`` and
``waitlist_count`` are changed only by ``larnav.registrations.services``,
while it holds the session's row lock.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from larnav.organisations.models import Consortium, Organisation
from larnav.people.models import Person


class Status(models.TextChoices):
    PENDING_VERIFICATION = "pending_verification", _("Waiting for e-mail confirmation")
    PENDING_APPROVAL = "pending_approval", _("Waiting for manager approval")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("Did not attend")
    CANCELLED = "cancelled", _("Cancelled")
    LATE_CANCELLED = "late_cancelled", _("Cancelled late")
    DECLINED = "declined", _("Declined by manager")
    EXPIRED = "expired", _("Expired")


# A person may hold one of these per session at a time.
ACTIVE_STATUSES = (Status.PENDING_VERIFICATION, Status.PENDING_APPROVAL, Status.CONFIRMED, Status.WAITLISTED)
FINISHED_STATUSES = (Status.COMPLETED, Status.NO_SHOW)
CANCELLED_STATUSES = (Status.CANCELLED, Status.LATE_CANCELLED)


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Registration(models.Model):
    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey("catalog.Session", on_delete=models.PROTECT, related_name="registrations",
                                verbose_name=_("session"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="registrations",
                               verbose_name=_("person"))
    status = models.CharField(_("status"), max_length=24, choices=Status.choices)
    # Snapshots at registration time: statistics and quotas follow where the
    # person worked when they registered, not where they work today.
    workplace = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, related_name="+",
                                  db_index=False, verbose_name=_("workplace"))  # registration_workplace_idx
    municipality = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, related_name="+",
                                     verbose_name=_("municipality"))
    # Copies of the person's own occupation and gender (not snapshots: they follow the person), so
    # that statistics count by them without joining the persons. Set by the registration service and
    # kept equal to the person's by copy_person_details (larnav.people.signals.details_changed).
    # A person's occupation is protected while they hold it, so no constraint is needed here.
    occupation = models.ForeignKey("people.Occupation", on_delete=models.DO_NOTHING, null=True, blank=True,
                                   related_name="+", editable=False, db_constraint=False, db_index=False,
                                   verbose_name=_("occupation"))
    gender = models.CharField(_("gender"), max_length=10, choices=Person.Gender.choices, blank=True, editable=False)
    # Copies of the workplace's city district (its parent, when that is one), operating form and
    # function, so that statistics count by them without joining the organisations. Unlike the
    # municipality they follow the workplace, as the statistics always have: set by the registration
    # service and kept equal to the workplace's by copy_workplace_details (on every save of an
    # organisation). A city district with workplaces below it cannot be removed.
    district = models.ForeignKey(Organisation, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+",
                                 editable=False, db_constraint=False, db_index=False,
                                 verbose_name=_("city district"))
    driftform = models.CharField(_("operating form"), max_length=10, choices=Organisation.Driftform.choices,
                                 blank=True, editable=False)
    funktion = models.CharField(_("function"), max_length=10, choices=Organisation.Funktion.choices, blank=True,
                                editable=False)
    # Arrival order for the waiting list: set once, when the registration first competes for a seat.
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    expected_benefit = models.TextField(_("expected benefit"), blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("registered by"))
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("decided by"))
    decision_message = models.TextField(_("message from the manager"), blank=True)
    # Secret for the participant's e-mailed links (confirm address, cancel, evaluate).
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    hours_credited = models.DecimalField(_("hours credited"), max_digits=6, decimal_places=1, null=True, blank=True)
    # Marked attended or partly on at least one occasion. Kept by larnav.attendance.services
    # (refresh_present) in the transaction that writes or removes attendance records, so that
    # statistics read it instead of looking up the records of every registration.
    present = models.BooleanField(default=False, editable=False)
    certificate_code = models.CharField(max_length=16, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"], condition=Q(status__in=ACTIVE_STATUSES),
                name="registration_one_active_per_person",
            ),
        ]
        indexes = [
            # The waiting list's order; on PostgreSQL it also carries what the statistics count of a
            # registration, so that a period's registrations are read through its sessions from the
            # index alone (statistics.queries.COUNTED_COLUMNS).
            models.Index(fields=["session", "status", "queued_at"], name="registration_queue_idx",
                         include=["consortium", "person", "hours_credited", "present", "municipality",
                                  "workplace", "occupation", "gender", "district", "driftform", "funktion"]),
            # A workplace's registrations; on PostgreSQL it also carries what the statistics count, so
            # that the few workplaces of a function (case officers) are counted from the index alone.
            models.Index(fields=["workplace"], name="registration_workplace_idx",
                         include=["session", "consortium", "status", "person", "hours_credited", "present",
                                  "municipality", "occupation", "gender", "district", "driftform", "funktion"]),
            models.Index(fields=["person", "status"], name="registration_person_idx"),
            models.Index(fields=["consortium", "municipality", "status"], name="registration_stats_idx"),
        ]

    def __str__(self):
        return f"{self.person} – {self.session_id} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class RegistrationEvent(models.Model):
    """One state change of a registration: who, when, from what to what, and why."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_status or '–'} → {self.to_status}"

    @property
    def reason_display(self) -> str:
        """System reasons are stored untranslated and shown in the viewer's language."""
        from django.utils.translation import gettext

        return gettext(self.reason) if self.reason else ""


class Question(models.Model):
    """An extra question an activity asks at registration (text, choice or yes/no)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Free text")
        CHOICE = "choice", _("One choice")
        YES_NO = "yes_no", _("Yes or no")

    activity = models.ForeignKey("catalog.Activity", on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = models.TextField(_("choices"), blank=True, help_text=_("One choice per line."))
    required = models.BooleanField(_("required"), default=False)
    sort_order = models.PositiveIntegerField(_("sort order"), default=100)

    class Meta:
        verbose_name = _("registration question")
        verbose_name_plural = _("registration questions")
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.text

    @property
    def choice_list(self) -> list[str]:
        return [c.strip() for c in self.choices.splitlines() if c.strip()]
