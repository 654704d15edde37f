"""The worker as a real process: killed in the middle of a batch and restarted, it loses and duplicates nothing.

The worker runs ``manage.py worker`` on the database backend against this
test's database and delivers to a real SMTP server in this process. The
server kills the worker (SIGKILL, no clean-up) while it is sending the 7th of
25 messages, before answering; the worker is started again and must finish.
"""

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection

from larnav.core.testing import make_person
from larnav.notifications.models import MessageStatus, OutgoingMessage
from larnav.registrations import services as registrations
from larnav.registrations.testing import make_session

from .smtp import Recorder, SMTPServer

ROOT = Path(__file__).resolve().parents[3]
MESSAGES = 25
DEADLINE_SECONDS = 120


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker(port: int, **extra) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "larnav.test_settings",
        "DATABASE_URL": database_url(),
        "LARNAV_TASKS_BACKEND": "database",
        "LARNAV_EMAIL_BACKEND": "smtp",
        "LARNAV_EMAIL_HOST": "127.0.0.1",
        "LARNAV_EMAIL_PORT": str(port),
        "LARNAV_MAIL_BATCH_SIZE": "10",
        "LARNAV_MAIL_LEASE_SECONDS": "3",
        "LARNAV_OUTBOX_SWEEP_SECONDS": "1",
        **extra,
    }
    env.pop("LARNAV_TEST_DB_NAME", None)
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "0.2", "--schedule-interval", "0.5", "-v", "1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def wait_for(condition, what: str, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            pytest.fail(f"the worker exited while waiting for {what}:\n{process.stdout.read()}")
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.stdout.read()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(region):
    session = make_session(region.consortium, capacity=MESSAGES)
    people = [make_person(region.consortium, region.solgarden, f"Person{i}", "Test", f"p{i}@huddinge.se")
              for i in range(MESSAGES)]
    # The rows are queued here but sent only by the worker process.
    with mock.patch("larnav.notifications.outbox._wake"):
        for person in people:
            registrations.register(session.pk, person)
    rows = list(OutgoingMessage.objects.all())
    assert len(rows) == MESSAGES and {r.status for r in rows} == {MessageStatus.QUEUED}

    recorder = Recorder(kill_at=7)
    with SMTPServer(recorder) as server:
        first = start_worker(server.port)
        recorder.worker_pid = first.pid
        try:
            wait_for(recorder.killed.is_set, "the kill", first)
            first.wait(timeout=30)
        finally:
            log = stop(first)
        assert first.returncode == -9, log
        # Killed in the middle of its first batch: some sent, the one in flight and the rest of the batch
        # still held by the dead worker, the others untouched.
        statuses = Counter(OutgoingMessage.objects.values_list("status", flat=True))
        assert statuses[MessageStatus.SENT] == 6 and statuses[MessageStatus.SENDING] == 4, statuses
        assert len(recorder.message_ids()) == 6

        second = start_worker(server.port)
        try:
            wait_for(lambda: not OutgoingMessage.objects.exclude(status=MessageStatus.SENT).exists(),
                     "every message to be sent", second)
        finally:
            stop(second)

    received = Counter(recorder.message_ids())
    expected = {r.message_id for r in OutgoingMessage.objects.all()}
    assert set(received) == expected  # none lost
    assert max(received.values()) == 1  # none twice
    assert sorted(to for _, rcpt, _ in recorder.accepted for to in rcpt) == sorted(p.email for p in people)
    # The message that was in flight when the worker died was tried twice and arrived once.
    assert OutgoingMessage.objects.filter(attempts=2).count() >= 1
