"""Background jobs on Django's Tasks API, with retries and a record of failures.

Define a job in your app's ``tasks.py``::

    from django.utils.translation import gettext_lazy as _

    from larnav.notifications.jobs import background_task, enqueue_on_commit

    @background_task(label=_("Rebuild a report"), max_attempts=3)
    def rebuild_report(report_id: int) -> None:
        ...

    # in a service, inside its transaction:
    enqueue_on_commit(rebuild_report, report.pk)

Arguments must be JSON-serialisable (ids, not objects). ``label`` names the
job for the coordinators (lazily translated). A job that raises is
recorded in ``JobFailure`` (shown to coordinators on the failed-jobs page with
its label and the reason) and, while attempts remain, enqueued again after a backoff (1, 5,
30 minutes, ...) when the backend can defer (database and RQ can; the
immediate backend used in tests cannot, so there the first failure is final).
A job should be safe to run twice: a worker that dies mid-job may leave it
unfinished, and a coordinator may retry it. With the database backend such a
job would stay "running" for ever; ``recover_abandoned`` (a periodic job)
marks one that has run for longer than ``LARNAV_JOB_ABANDONED_AFTER_MINUTES``
as failed and records it like any failure, so that it can be retried.

``background_task`` returns an ordinary django-tasks ``Task``: ``.enqueue()``,
``.using(run_after=...)`` and ``.call()`` work as documented there.
"""

from __future__ import annotations

import functools
import logging
import traceback
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

logger = logging.getLogger(__name__)

ATTEMPT = "_larnav_attempt"
JOB_KEY = "_larnav_job"
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
# Module path of each job -> what the coordinators call it (background_task's label).
_LABELS: dict[str, object] = {}


def enqueue_on_commit(job, *args, **kwargs) -> None:
    """Enqueue ``job`` (a Task) when the current transaction commits; at once outside a transaction.

    ``robust``: a queue that is down must not turn a committed change into an error page.
    """
    transaction.on_commit(lambda: job.enqueue(*args, **kwargs), robust=True)


def background_task(function=None, *, label=None, max_attempts: int = 3, priority: int = 0,
                    queue_name: str = "default"):
    """Make ``function`` a background job with retries (see the module's docstring)."""

    def decorate(func):
        @functools.wraps(func)
        def run(*args, **kwargs):
            attempt = int(kwargs.pop(ATTEMPT, 1))
            job_key = kwargs.pop(JOB_KEY, None)
            try:
                result = func(*args, **kwargs)
            except Exception as exc:
                _record_failure(job, args, kwargs, attempt, job_key, exc, max_attempts)
                raise
            if job_key:
                _resolve(job_key)
            return result

        from django_tasks import task_backends

        # Priority is a hint: backends without it (RQ) run jobs in arrival order.
        options = {"priority": priority} if priority and task_backends["default"].supports_priority else {}
        job = task(queue_name=queue_name, **options)(run)
        if label is not None:
            _LABELS[job.module_path] = label
        return job

    return decorate(function) if function is not None else decorate


def label_of(task_path: str) -> str:
    """What the coordinators call the job at ``task_path``; the path itself for an unknown job."""
    if task_path not in _LABELS:
        try:
            import_string(task_path)  # its module registers the label
        except ImportError:
            pass
    return str(_LABELS.get(task_path, task_path))


def _record_failure(job, args, kwargs, attempt, job_key, exc, max_attempts) -> None:
    from .models import JobFailure

    job_key = job_key or uuid.uuid4().hex
    now = timezone.now()
    will_retry = attempt < max_attempts and job.get_backend().supports_defer
    next_at = now + BACKOFF[min(attempt, len(BACKOFF)) - 1] if will_retry else None
    try:
        changes = {
            "task_path": job.module_path,
            "args_kwargs": {"args": list(args), "kwargs": kwargs},
            "state": JobFailure.State.RETRYING if will_retry else JobFailure.State.FAILED,
            "cause": JobFailure.Cause.ERROR,
            "attempts": attempt,
            "error": f"{exc.__class__.__name__}: {exc}"[:4000],
            "traceback": "".join(traceback.format_exception(exc))[-20000:],
            "last_failed_at": now,
            "next_attempt_at": next_at,
        }
        JobFailure.objects.update_or_create(job_key=job_key, defaults=changes,
                                            create_defaults={**changes, "first_failed_at": now})
        if will_retry:
            job.using(run_after=next_at).enqueue(*args, **{**kwargs, ATTEMPT: attempt + 1, JOB_KEY: job_key})
    except Exception:
        logger.exception("Could not record the failure of %s", job.module_path)


def _resolve(job_key: str) -> None:
    from .models import JobFailure

    JobFailure.objects.filter(job_key=job_key).exclude(state=JobFailure.State.FAILED).update(
        state=JobFailure.State.RESOLVED, next_attempt_at=None
    )


def retry(failure, user=None) -> None:
    """Run a failed job again (attempts start over), after the current transaction commits."""
    from .models import JobFailure

    job = import_string(failure.task_path)
    args = failure.args_kwargs.get("args", [])
    kwargs = {**failure.args_kwargs.get("kwargs", {}), JOB_KEY: failure.job_key}
    JobFailure.objects.filter(pk=failure.pk).update(
        state=JobFailure.State.RETRIED, retried_by=user, retried_at=timezone.now(), next_attempt_at=None
    )
    enqueue_on_commit(job, *args, **kwargs)


class AbandonedJob(Exception):
    """The worker running the job stopped (killed, restarted, out of memory) before the job ended."""


def recover_abandoned(now=None) -> int:
    """Record jobs that a stopped worker left "running" (database backend) as failed, retryable.

    A job counts as abandoned when it started more than
    ``settings.LARNAV_JOB_ABANDONED_AFTER_MINUTES`` ago and has not finished. The
    change is conditional on the row still being "running", so that several
    workers running this at once record each job once. Returns how many were found.
    """
    from django.conf import settings
    from django_tasks import TaskResultStatus

    from .models import JobFailure

    if settings.LARNAV_TASKS_BACKEND != "database":
        return 0  # RQ records a dead worker's job as failed itself
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    limit = now - timedelta(minutes=settings.LARNAV_JOB_ABANDONED_AFTER_MINUTES)
    reason = AbandonedJob("The worker stopped before the job ended; it may have been done in part.")
    recovered = 0
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=limit):
        with transaction.atomic():
            taken = DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED, finished_at=now,
                exception_class_path=f"{AbandonedJob.__module__}.{AbandonedJob.__qualname__}",
                traceback=str(reason))
            if not taken:
                continue
            kwargs = dict(result.args_kwargs.get("kwargs", {}))
            attempt = int(kwargs.pop(ATTEMPT, 1))
            job_key = kwargs.pop(JOB_KEY, None) or uuid.uuid4().hex
            changes = {
                "task_path": result.task_path, "args_kwargs": {"args": result.args_kwargs.get("args", []),
                                                               "kwargs": kwargs},
                "state": JobFailure.State.FAILED, "cause": JobFailure.Cause.ABANDONED, "attempts": attempt,
                "error": f"AbandonedJob: {reason}",
                "traceback": "", "last_failed_at": now, "next_attempt_at": None,
            }
            JobFailure.objects.update_or_create(job_key=job_key, defaults=changes,
                                                create_defaults={**changes, "first_failed_at": result.started_at})
        logger.warning("Job %s (%s) was left running by a stopped worker; recorded as failed", result.pk,
                       result.task_path)
        recovered += 1
    return recovered
