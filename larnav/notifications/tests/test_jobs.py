"""Background jobs: failures are recorded with their reason and can be retried."""

import pytest

from larnav.notifications import jobs
from larnav.notifications.models import JobFailure

pytestmark = pytest.mark.django_db

CALLS = []


@jobs.background_task(max_attempts=3)
def flaky_job(value: int) -> int:
    CALLS.append(value)
    if len(CALLS) == 1:
        raise ValueError("the first call fails")
    return value * 2


def test_a_failed_job_is_recorded_and_a_retry_by_hand_runs_it_again(region, django_capture_on_commit_callbacks):
    CALLS.clear()
    flaky_job.enqueue(21)
    failure = JobFailure.objects.get()
    # The immediate backend cannot defer a retry, so the first failure is final.
    assert failure.state == JobFailure.State.FAILED
    assert failure.task_path.endswith("test_jobs.flaky_job"), failure.task_path
    assert "ValueError: the first call fails" == failure.error and "Traceback" in failure.traceback
    assert failure.cause == JobFailure.Cause.ERROR
    assert failure.args_kwargs == {"args": [21], "kwargs": {}}
    with django_capture_on_commit_callbacks(execute=True):
        jobs.retry(failure, region.samordnare)
    assert CALLS == [21, 21]
    failure.refresh_from_db()
    assert failure.state == JobFailure.State.RESOLVED and failure.retried_by == region.samordnare


def test_enqueue_on_commit_waits_for_the_commit(django_capture_on_commit_callbacks):
    CALLS.clear()
    CALLS.append("warm")  # so the job does not fail
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        jobs.enqueue_on_commit(flaky_job, 1)
        assert CALLS == ["warm"]
    callbacks[0]()
    assert CALLS == ["warm", 1]


def _left_running(started_at, **kwargs):
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING, started_at=started_at, run_after=started_at, backend_name="default",
        task_path=flaky_job.module_path, args_kwargs={"args": [4], "kwargs": kwargs}, worker_ids=["gone:1"],
        queue_name="default")


def test_a_job_left_running_by_a_stopped_worker_is_recorded_and_can_be_retried(
        region, settings, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks import TaskResultStatus

    settings.LARNAV_TASKS_BACKEND = "database"
    settings.LARNAV_JOB_ABANDONED_AFTER_MINUTES = 60
    now = timezone.now()
    old = _left_running(now - timedelta(minutes=61), **{jobs.ATTEMPT: 2})
    recent = _left_running(now - timedelta(minutes=5))
    assert jobs.recover_abandoned(now=now) == 1
    assert jobs.recover_abandoned(now=now) == 0  # recorded once, however often it runs
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == TaskResultStatus.FAILED and old.exception_class_path.endswith("AbandonedJob")
    assert recent.status == TaskResultStatus.RUNNING  # still within its time: perhaps just long
    failure = JobFailure.objects.get()
    assert failure.state == JobFailure.State.FAILED and failure.attempts == 2
    assert failure.cause == JobFailure.Cause.ABANDONED and failure.error.startswith("AbandonedJob")
    assert failure.args_kwargs == {"args": [4], "kwargs": {}}
    CALLS[:] = ["warm"]
    with django_capture_on_commit_callbacks(execute=True):
        jobs.retry(failure, region.samordnare)
    assert CALLS == ["warm", 4]


def test_recovery_leaves_other_backends_alone(settings):
    settings.LARNAV_TASKS_BACKEND = "rq"
    assert jobs.recover_abandoned() == 0
