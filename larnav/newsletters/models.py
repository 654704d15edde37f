"""Newsletters (nyhetsbrev): subscriptions, the suppression list, newsletters and their deliveries.

* ``Subscription`` – an address that asked for the newsletter, confirmed by a
  link sent to it (double opt-in). Address-level: unique per consortium.
* ``Suppression`` – an address that is never sent a newsletter again
  (unsubscribed, blocked by a coordinator, or refused by its mail server).
  Consortium-wide; checked when the recipients are chosen and again just
  before every batch is sent.
* ``Newsletter`` – written in Markdown, addressed to a segment, sent now or at
  a time. Its segment lives on the row so that what was chosen is on record.
* ``Delivery`` – one row per recipient address and newsletter (unique), made
  in bulk when sending starts; the log of who got what, when, or why not.

Writes go through ``larnav.newsletters.services``.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from larnav.accounts.models import Role
from larnav.core.validators import reject_personnummer
from larnav.organisations.models import Consortium, Organisation

LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]

# The platform roles a newsletter can be addressed to: every role but the participant's.
ROLE_CHOICES = [(value, label) for value, label in Role.choices if value != Role.DELTAGARE]


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Subscription(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("e-mail"), max_length=254)
    name = models.CharField(_("name"), max_length=200, blank=True, validators=[reject_personnummer])
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGES, default="sv")
    municipality = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("municipality"), limit_choices_to={"type": Organisation.Type.KOMMUN},
    )
    focus_areas = models.ManyToManyField(
        "catalog.FocusArea", blank=True, related_name="+", verbose_name=_("interests")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    # The secret in the confirmation link and the "change your subscription" link.
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint("consortium", Lower("email"), name="subscription_unique_email"),
        ]
        indexes = [models.Index(fields=["consortium", "status"], name="subscription_status_idx")]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class Suppression(models.Model):
    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        MANUAL = "manual", _("Blocked by a coordinator")
        BOUNCED = "bounced", _("Refused by the recipient's mail server")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("e-mail"), max_length=254)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    newsletter = models.ForeignKey("Newsletter", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("newsletter"))
    note = models.CharField(_("note"), max_length=300, blank=True, validators=[reject_personnummer])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("blocked address")
        verbose_name_plural = _("blocked addresses")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint("consortium", Lower("email"), name="suppression_unique_email"),
        ]
        indexes = [models.Index(fields=["consortium", "email"], name="suppression_email_idx")]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class Newsletter(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        STOPPED = "stopped", _("Stopped")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(_("subject"), max_length=200, validators=[reject_personnummer])
    body = models.TextField(
        _("text"), validators=[reject_personnummer],
        help_text=_("Markdown: **bold**, *italics*, # headings, lists with -, links as [text](https://...). "
                    "HTML is shown as text."),
    )
    language = models.CharField(
        _("written in"), max_length=2, choices=LANGUAGES, default="sv",
        help_text=_("The language of your text. The greeting and the footer follow each recipient's language."),
    )
    # The segment. The recipients are the union of the chosen groups, each narrowed by the filters.
    include_staff = models.BooleanField(_("staff in the person register"), default=False)
    occupations = models.ManyToManyField(
        "people.Occupation", blank=True, related_name="+", verbose_name=_("occupations"),
        help_text=_("Leave empty for staff in every occupation."),
    )
    roles = models.JSONField(_("roles in Lärnav"), default=list, blank=True)
    include_subscribers = models.BooleanField(_("subscribers"), default=False)
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="+", verbose_name=_("municipalities and districts"),
        help_text=_("Leave empty for the whole consortium."),
    )
    focus_areas = models.ManyToManyField(
        "catalog.FocusArea", blank=True, related_name="+", verbose_name=_("focus areas"),
        help_text=_("Leave empty for every focus area."),
    )

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("written by"))
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+", verbose_name=_("sent by"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Maintained by the service while sending.
    started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    recipients_at = models.DateTimeField(null=True, blank=True)  # when the delivery rows were made
    finished_at = models.DateTimeField(_("sending finished"), null=True, blank=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("newsletter")
        verbose_name_plural = _("newsletters")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["consortium", "status", "send_at"], name="newsletter_due_idx"),
        ]

    def __str__(self):
        return self.subject

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def role_labels(self) -> list[str]:
        labels = dict(ROLE_CHOICES)
        return [str(labels[r]) for r in self.roles if r in labels]


class Delivery(models.Model):
    """One newsletter to one address: made when sending starts, then claimed and sent at most once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Not sent: blocked address")
        STOPPED = "stopped", _("Not sent: sending stopped")

    class Source(models.TextChoices):
        STAFF = "staff", _("Staff")
        ROLE = "role", _("Role")
        SUBSCRIBER = "subscriber", _("Subscriber")

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="deliveries")
    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("e-mail"), max_length=254)
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGES, default="sv")
    source = models.CharField(_("why"), max_length=12, choices=Source.choices)
    subscription = models.ForeignKey(Subscription, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    # The secret in this message's one-click unsubscribe link.
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    # Maintained by the delivery (larnav.newsletters.delivery): the claim, its lease and the attempts.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "email"], name="delivery_unique_address"),
        ]
        indexes = [
            models.Index(fields=["newsletter", "status"], name="delivery_queue_idx"),
            models.Index(fields=["consortium", "email"], name="delivery_address_idx"),
        ]

    def __str__(self):
        return f"{self.newsletter_id} → {self.email}"

    @property
    def is_finished(self) -> bool:
        return self.status not in (self.Status.PENDING, self.Status.SENDING)


OPEN_STATUSES = (Delivery.Status.PENDING, Delivery.Status.SENDING)
