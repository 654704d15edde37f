"""The worker on each backend, and the periodic schedule shared by several workers."""

import os
import socket
import subprocess
import sys
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from larnav.notifications import schedule
from larnav.notifications.models import MessageStatus, OutgoingMessage, PeriodicJob
from larnav.registrations import services as registrations
from larnav.registrations.testing import make_session

from .smtp import Recorder, SMTPServer
from .test_worker_crash import ROOT, database_url

REDIS = ("127.0.0.1", 6379)


def redis_reachable() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
        return True
    except OSError:
        return False


def manage(*args, **env):
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "larnav.test_settings", "DATABASE_URL": database_url(),
                **env}
    full_env.pop("LARNAV_TEST_DB_NAME", None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True,
                          text=True, timeout=180)


def queue_one(region):
    session = make_session(region.consortium)
    with mock.patch("larnav.notifications.outbox._wake"):
        registrations.register(session.pk, region.anna)
    return OutgoingMessage.objects.get()


@pytest.mark.django_db(transaction=True)
def test_worker_once_on_the_database_backend_sends_the_outbox(region):
    row = queue_one(region)
    recorder = Recorder()
    with SMTPServer(recorder) as server:
        result = manage("worker", "--once", LARNAV_TASKS_BACKEND="database", LARNAV_EMAIL_BACKEND="smtp",
                        LARNAV_EMAIL_HOST="127.0.0.1", LARNAV_EMAIL_PORT=str(server.port))
    assert result.returncode == 0, result.stdout + result.stderr
    assert recorder.message_ids() == [row.message_id]
    row.refresh_from_db()
    assert row.status == MessageStatus.SENT
    from django_tasks_db.models import DBTaskResult

    paths = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert "larnav.notifications.tasks.deliver_outbox" in paths
    assert "larnav.notifications.tasks.registration_housekeeping" in paths  # the cron job, now periodic


@pytest.mark.django_db(transaction=True)
def test_the_rq_backend_runs_the_same_jobs(region):
    if not redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not reachable on 127.0.0.1:6379; CI needs it for the RQ backend's test.")
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    row = queue_one(region)
    # A database of its own on the shared Redis, emptied first.
    env = {"LARNAV_TASKS_BACKEND": "rq", "LARNAV_REDIS_URL": f"redis://{REDIS[0]}:{REDIS[1]}/13",
           "LARNAV_EMAIL_BACKEND": "smtp", "LARNAV_EMAIL_HOST": "127.0.0.1"}
    import redis

    redis.Redis.from_url(env["LARNAV_REDIS_URL"]).flushdb()
    recorder = Recorder()
    with SMTPServer(recorder) as server:
        env["LARNAV_EMAIL_PORT"] = str(server.port)
        enqueued = manage("shell", "-c", "from larnav.notifications.tasks import deliver_outbox; "
                          "print(deliver_outbox.enqueue().id)", **env)
        assert enqueued.returncode == 0, enqueued.stderr
        worked = manage("worker", "--once", "--no-schedule", **env)
    assert worked.returncode == 0, worked.stdout + worked.stderr
    assert recorder.message_ids() == [row.message_id]
    row.refresh_from_db()
    assert row.status == MessageStatus.SENT


def test_the_worker_refuses_the_immediate_backend():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="immediate"):
        call_command("worker", "--once")


@pytest.mark.django_db
def test_a_periodic_job_is_enqueued_once_per_period_however_many_workers_ask():
    now = timezone.now()
    with mock.patch("django_tasks.base.Task.enqueue") as enqueue:
        first = schedule.enqueue_due(now)
        second = schedule.enqueue_due(now)  # a second worker at the same moment
    assert "deliver_outbox" in first and "registration_housekeeping" in first
    assert second == [] and enqueue.call_count == len(first)
    later = schedule.enqueue_due(now + timedelta(minutes=2))
    assert "deliver_outbox" in later and "registration_housekeeping" not in later
    job = PeriodicJob.objects.get(name="registration_housekeeping")
    assert job.next_run_at == now + timedelta(hours=1)
