"""The background jobs: outbox delivery and the periodic housekeeping that used to run from cron."""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _

from . import outbox
from .jobs import background_task

logger = logging.getLogger(__name__)

# One delivery run sends at most this many batches, then hands over to a fresh job,
# so a large mailing never holds one job (or one worker) for long.
MAX_BATCHES_PER_RUN = 10


@background_task(label=_("Send the messages in the outbox"), max_attempts=1, priority=10)
def deliver_outbox() -> dict:
    """Send the due messages in the outbox (see larnav.notifications.outbox)."""
    report = outbox.DeliveryReport()
    worker_id = outbox.default_worker_id()
    for _run in range(MAX_BATCHES_PER_RUN):
        batch = outbox.deliver_due(worker_id=worker_id)
        report.add(batch)
        if not batch.claimed:
            break
    else:
        if outbox.has_due():
            deliver_outbox.enqueue()
    if report.claimed:
        logger.info("Outbox delivery: %s", report.as_dict())
    return report.as_dict()


@background_task(label=_("Expire pending registrations and remind managers"), max_attempts=3)
def registration_housekeeping() -> dict:
    """Expire unconfirmed and unapproved registrations; remind managers of waiting approvals."""
    from larnav.registrations import services

    return {"expired": services.expire_pending(), "reminded": services.remind_approvers()}


@background_task(label=_("Decide completion after the last occasion"), max_attempts=3)
def decide_completion() -> dict:
    """Decide completion for sessions whose attendance came in after the last occasion."""
    from larnav.attendance.services import evaluate_finished_sessions

    return {"decided": evaluate_finished_sessions()}


@background_task(label=_("Discard unconfirmed import previews"), max_attempts=3)
def discard_stale_imports() -> dict:
    """Discard import previews nobody confirmed within a week (their rows hold personal data)."""
    from larnav.imports import services

    return {"discarded": services.discard_stale_previews()}


@background_task(label=_("Queue reminders and evaluation invitations"), max_attempts=3)
def queue_timed_messages() -> dict:
    """Queue the reminders before sessions and the evaluation invitations after them that are due."""
    from . import services

    return {"reminders": services.queue_due_reminders(),
            "evaluations": services.queue_evaluation_invitations()}


@background_task(label=_("Find jobs left by a stopped worker"), max_attempts=1)
def recover_abandoned_jobs() -> dict:
    """Record jobs that a stopped worker left running as failed, so that they can be retried."""
    from .jobs import recover_abandoned

    return {"recovered": recover_abandoned()}


@background_task(label=_("Delete old job records"), max_attempts=2)
def prune_finished_jobs() -> dict:
    """Delete the records of jobs that finished more than a week ago (the database backend keeps them all)."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from .models import JobFailure

    removed = {"failures": JobFailure.objects.filter(
        state__in=[JobFailure.State.RESOLVED], last_failed_at__lt=timezone.now() - timedelta(days=30)).delete()[0]}
    if settings.LARNAV_TASKS_BACKEND == "database":
        from django_tasks_db.models import DBTaskResult

        removed["results"] = DBTaskResult.objects.successful().filter(
            finished_at__lt=timezone.now() - timedelta(days=7)).delete()[0]
    return removed
