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
