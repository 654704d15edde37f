"""The outbox of outgoing e-mail, and the bookkeeping of background jobs.

An ``OutgoingMessage`` row is written in the same transaction as the change
that causes it (see ``outbox.queue_message``) and holds only what is needed to
render the message later: its kind, recipient, language and a small JSON
context of ids. The delivery task renders and sends it after the commit and
records what was sent on the same row, so the row is both the queue and the
log (the coordinators' outbox page reads it).
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


class OutgoingMessage(models.Model):
    Status = MessageStatus

    # The Message-ID derives from this, so a re-send after a crash carries the same id.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    consortium = models.ForeignKey(
        "organisations.Consortium", on_delete=models.CASCADE, null=True, blank=True,
        related_name="outgoing_messages", verbose_name=_("consortium"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    to_email = models.EmailField(_("recipient"), max_length=254)
    to_name = models.CharField(_("recipient's name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, default="sv")
    context = models.JSONField(_("context"), default=dict, blank=True)
    # Set for messages that must go out at most once per key (e.g. one reminder per registration and day).
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    status = models.CharField(_("status"), max_length=16, choices=MessageStatus.choices,
                              default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    created_at = models.DateTimeField(_("queued at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    # What was sent, filled in by the delivery in the same update that marks the row sent.
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    body_text = models.TextField(_("plain text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    calendar = models.TextField(_("calendar attachment"), blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The delivery's claim query: due rows only.
            models.Index(fields=["next_attempt_at", "id"], name="outbox_due_idx",
                         condition=Q(status__in=["queued", "sending"])),
            models.Index(fields=["consortium", "status", "-created_at"], name="outbox_list_idx"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.to_email} ({self.status})"

    @property
    def kind_label(self) -> str:
        from . import kinds

        return str(kinds.get(self.kind).label) if kinds.is_registered(self.kind) else self.kind

    @property
    def message_id(self) -> str:
        from django.conf import settings

        domain = getattr(settings, "LARNAV_MESSAGE_ID_DOMAIN", "") or "larnav.localhost"
        return f"<outbox-{self.uuid}@{domain}>"


class JobFailure(models.Model):
    """A background job that raised: kept for the coordinators' failed-jobs page, retryable."""

    class State(models.TextChoices):
        RETRYING = "retrying", _("Will be retried")
        FAILED = "failed", _("Failed")
        RETRIED = "retried", _("Retried by hand")
        RESOLVED = "resolved", _("Succeeded on a later attempt")

    class Cause(models.TextChoices):
        ERROR = "error", _("The job stopped with an error.")
        ABANDONED = "abandoned", _("The worker running the job stopped before it ended (restarted or out of "
                                   "memory); the job may have been done in part.")

    job_key = models.CharField(max_length=64, unique=True)
    task_path = models.CharField(_("job"), max_length=255)
    args_kwargs = models.JSONField(default=dict)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.FAILED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    cause = models.CharField(_("reason"), max_length=16, choices=Cause.choices, default=Cause.ERROR)
    error = models.TextField(_("technical details"))  # the exception, as raised: for those who run the platform
    traceback = models.TextField(blank=True)
    first_failed_at = models.DateTimeField(default=timezone.now)
    last_failed_at = models.DateTimeField(_("failed at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    retried_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    retried_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("failed job")
        verbose_name_plural = _("failed jobs")
        ordering = ["-last_failed_at", "-id"]

    def __str__(self):
        return f"{self.task_path} ({self.state})"

    @property
    def label(self) -> str:
        from .jobs import label_of

        return label_of(self.task_path)


class PeriodicJob(models.Model):
    """When each periodic job (larnav.notifications.schedule) is next due; shared by all workers."""

    name = models.CharField(max_length=100, unique=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name


class MessageTemplate(models.Model):
    """A coordinator's own wording of one kind of message in one language (else the built-in text is used)."""

    consortium = models.ForeignKey("organisations.Consortium", on_delete=models.CASCADE,
                                   related_name="message_templates", verbose_name=_("consortium"))
    kind = models.CharField(_("message"), max_length=64)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("changed by"))

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(fields=["consortium", "kind", "language"], name="one_template_per_language"),
        ]

    def __str__(self):
        return f"{self.kind} ({self.language})"


class NotificationSettings(models.Model):
    """A consortium's choices about automatic messages."""

    consortium = models.OneToOneField("organisations.Consortium", on_delete=models.CASCADE,
                                      related_name="notification_settings")
    reminder_days = models.PositiveSmallIntegerField(
        _("reminder, days before"), default=2,
        validators=[MinValueValidator(0), MaxValueValidator(30)],
        help_text=_("How many days before the first occasion participants are reminded (0: no reminder)."),
    )
    send_evaluation_invitations = models.BooleanField(
        _("invite to evaluate"), default=True,
        help_text=_("After a session's last occasion, participants are asked to evaluate it."),
    )

    class Meta:
        verbose_name = _("message settings")
        verbose_name_plural = _("message settings")

    def __str__(self):
        return str(self.consortium)
