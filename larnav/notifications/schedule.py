"""Periodic jobs, run by ``manage.py worker`` instead of cron.

Each entry names a Task (by dotted path) and how often it is due. Every
worker process checks the schedule every few seconds; a due job is enqueued
by whichever worker first moves its ``PeriodicJob.next_run_at`` forward with
one conditional UPDATE, so several workers never enqueue the same run twice.
Add a job with ``register_periodic`` (e.g. in your app's ``AppConfig.ready``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    task_path: str
    every: timedelta


_PERIODIC: dict[str, Periodic] = {}


def register_periodic(name: str, task_path: str, every: timedelta) -> None:
    _PERIODIC[name] = Periodic(name, task_path, every)


def periodic_jobs() -> list[Periodic]:
    return list(_PERIODIC.values())


# The outbox sweep: sends what a lost wake-up, a retry's backoff or a dead worker's lease left behind.
register_periodic("deliver_outbox", "larnav.notifications.tasks.deliver_outbox",
                  timedelta(seconds=getattr(settings, "LARNAV_OUTBOX_SWEEP_SECONDS", 60)))
register_periodic("timed_messages", "larnav.notifications.tasks.queue_timed_messages", timedelta(minutes=15))
register_periodic("prune_finished_jobs", "larnav.notifications.tasks.prune_finished_jobs", timedelta(days=1))
register_periodic("recover_abandoned_jobs", "larnav.notifications.tasks.recover_abandoned_jobs", timedelta(minutes=10))
register_periodic("registration_housekeeping", "larnav.notifications.tasks.registration_housekeeping",
                  timedelta(hours=1))
register_periodic("decide_completion", "larnav.notifications.tasks.decide_completion", timedelta(hours=1))
register_periodic("discard_stale_imports", "larnav.notifications.tasks.discard_stale_imports", timedelta(days=1))


def enqueue_due(now=None) -> list[str]:
    """Enqueue every periodic job that is due; returns the names enqueued by this call."""
    from .models import PeriodicJob

    now = now or timezone.now()
    enqueued = []
    known = set(PeriodicJob.objects.values_list("name", flat=True))
    for job in periodic_jobs():
        if job.name not in known:
            try:
                with transaction.atomic():
                    PeriodicJob.objects.create(name=job.name, next_run_at=now)
            except IntegrityError:  # another worker created it first
                pass
        taken = PeriodicJob.objects.filter(name=job.name, next_run_at__lte=now).update(
            next_run_at=now + job.every, last_enqueued_at=now
        )
        if not taken:
            continue
        try:
            import_string(job.task_path).enqueue()
            enqueued.append(job.name)
        except Exception:
            logger.exception("Could not enqueue the periodic job %s", job.name)
    return enqueued
