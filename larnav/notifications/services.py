"""Writes of the notifications app: templates, settings, retries, and the timed messages."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import jobs, kinds, outbox, selectors, templating
from .models import JobFailure, MessageStatus, MessageTemplate, NotificationSettings, OutgoingMessage

# Evaluation invitations go to sessions that ended within this many days (a worker down for a
# weekend still sends them; a session from last year does not suddenly ask for an evaluation).
EVALUATION_WINDOW = timedelta(days=7)


def settings_for(consortium) -> NotificationSettings:
    found = NotificationSettings.objects.filter(consortium=consortium).first()
    return found or NotificationSettings(consortium=consortium)


@transaction.atomic
def save_settings(consortium, *, reminder_days: int, send_evaluation_invitations: bool) -> NotificationSettings:
    current = settings_for(consortium)
    current.reminder_days = reminder_days
    current.send_evaluation_invitations = send_evaluation_invitations
    current.full_clean(exclude=["consortium"])
    current.save()
    return current


def template_errors(kind: kinds.MessageKind, subject: str, body: str) -> dict[str, list[str]]:
    errors = {}
    subject_errors = templating.validate(subject, kind.names)
    body_errors = templating.validate(body, kind.names)
    if subject_errors:
        errors["subject"] = subject_errors
    if body_errors:
        errors["body"] = body_errors
    if not (subject or "").strip():
        errors.setdefault("subject", []).append(_("The subject may not be empty."))
    if not (body or "").strip():
        errors.setdefault("body", []).append(_("The text may not be empty."))
    return errors


@transaction.atomic
def save_template(consortium, kind_key: str, language: str, *, subject: str, body: str, user=None) -> MessageTemplate:
    """Save a coordinator's wording; refused (ValidationError) if it uses a placeholder the kind does not have."""
    kind = kinds.get(kind_key)
    if not kind.editable:
        raise ValidationError(_("This message cannot be edited."))
    errors = template_errors(kind, subject, body)
    if errors:
        raise ValidationError(errors)
    template, _created = MessageTemplate.objects.update_or_create(
        consortium=consortium, kind=kind.key, language=language,
        defaults={"subject": " ".join(subject.split()), "body": body.replace("\r\n", "\n").strip(),
                  "updated_by": user},
    )
    return template


@transaction.atomic
def reset_template(consortium, kind_key: str, language: str) -> bool:
    """Go back to the built-in text; returns whether there was an own text to remove."""
    deleted, _rows = MessageTemplate.objects.filter(consortium=consortium, kind=kind_key, language=language).delete()
    return deleted > 0


@transaction.atomic
def retry_message(message: OutgoingMessage) -> bool:
    """Queue a failed (or not sent) message again; attempts start over. False if it was not failed."""
    updated = OutgoingMessage.objects.filter(
        pk=message.pk, status__in=[MessageStatus.FAILED, MessageStatus.SKIPPED]
    ).update(status=MessageStatus.QUEUED, attempts=0, next_attempt_at=timezone.now(), claimed_by="",
             lease_expires_at=None)
    if updated:
        outbox.wake()
    return bool(updated)


@transaction.atomic
def retry_job(failure: JobFailure, user=None) -> bool:
    if failure.state not in (JobFailure.State.FAILED, JobFailure.State.RETRYING):
        return False
    jobs.retry(failure, user)
    return True


def queue_due_reminders(now=None) -> int:
    """Queue the reminders that are due: confirmed seats on sessions starting within each consortium's
    ``reminder_days``. Each registration is reminded once per start time (a moved session reminds again)."""
    from larnav.catalog.models import Session
    from larnav.organisations.models import Consortium
    from larnav.registrations.models import Registration, Status

    now = now or timezone.now()
    queued = 0
    days_by_consortium = dict(NotificationSettings.objects.values_list("consortium_id", "reminder_days"))
    for consortium_id in Consortium.objects.values_list("pk", flat=True):
        days = days_by_consortium.get(consortium_id, NotificationSettings._meta.get_field("reminder_days").default)
        if not days:
            continue
        window_end = now + timedelta(days=days)
        regs = (Registration.objects
                .filter(consortium_id=consortium_id, status=Status.CONFIRMED,
                        session__first_start__gt=now, session__first_start__lte=window_end)
                .exclude(session__status=Session.Status.CANCELLED)
                .select_related("person", "session").only(
                    "pk", "created_at", "consortium_id", "session__first_start", "person__email",
                    "person__language", "person__first_name", "person__last_name", "person__consortium_id"))
        for reg in regs.iterator(chunk_size=500):
            # Someone who registered inside the window has just been told everything.
            if reg.created_at > reg.session.first_start - timedelta(days=days):
                continue
            key = f"reminder:{reg.pk}:{reg.session.first_start:%Y%m%d%H%M}"
            queued += _queue_once("session_reminder", reg, key)
    return queued


# An app that sends its own evaluation after a session (larnav.surveys, with a personal survey link) names
# itself here in its ready(); the generic invitation is then not sent, so nobody is asked twice.
evaluations_sent_by: str | None = None


def queue_evaluation_invitations(now=None) -> int:
    """Invite participants to evaluate sessions whose last occasion has ended (once per registration),
    unless another app sends session evaluations itself (``evaluations_sent_by``)."""
    from larnav.catalog.models import Session
    from larnav.registrations.models import Registration, Status

    if evaluations_sent_by:
        return 0
    now = now or timezone.now()
    off = selectors.consortia_without_evaluations()
    regs = (Registration.objects
            .filter(status__in=[Status.CONFIRMED, Status.COMPLETED], session__last_end__lte=now,
                    session__last_end__gt=now - EVALUATION_WINDOW)
            .exclude(session__status=Session.Status.CANCELLED).exclude(consortium_id__in=off)
            .select_related("person").only("pk", "consortium_id", "person__email", "person__language",
                                           "person__first_name", "person__last_name", "person__consortium_id"))
    queued = 0
    for reg in regs.iterator(chunk_size=500):
        queued += _queue_once("evaluation_invitation", reg, f"evaluation:{reg.pk}")
    return queued


def _queue_once(kind: str, reg, key: str) -> int:
    if OutgoingMessage.objects.filter(dedupe_key=key).exists():
        return 0
    with transaction.atomic():
        outbox.queue_message(kind, to=reg.person, context={"registration": reg.pk}, consortium=reg.consortium_id,
                             dedupe_key=key)
    return 1
