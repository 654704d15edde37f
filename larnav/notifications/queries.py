"""The outbox's statements that run with every change that sends mail, as SQL written once.

``queue_message`` runs inside the change's transaction (for a registration,
under the session's row lock) and the wake-up check right after its commit,
so both are on the path of every registration; see larnav.core.sql.
"""

# SQL is built only from model metadata (table and column names); every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from larnav.core import sql

from .models import OutgoingMessage


def insert_message(message: OutgoingMessage) -> OutgoingMessage:
    """INSERT a new outbox row (nothing listens to its save signals); it gets its primary key."""
    return sql.insert(message)


def delivery_job_waiting(task_path: str) -> bool:
    """Is a job of ``task_path`` queued in the database backend and not yet started?

    The same rows as ``DBTaskResult.objects.ready().filter(task_path=…)``: status
    READY and due (no ``run_after``, which the backend stores as its far-future
    date, or one that has passed).
    """
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    def build(c):
        q = c.ops.quote_name
        return (f"SELECT 1 FROM {sql.table(DBTaskResult, c)} WHERE {q('status')} = %s AND {q('task_path')} = %s "
                f"AND ({q('run_after')} = %s OR {q('run_after')} <= %s) LIMIT 1")

    c = connection
    text = sql.statement("delivery_job_waiting", build, c)
    run_after = DBTaskResult._meta.get_field("run_after")
    params = [TaskResultStatus.READY.value, task_path, run_after.get_db_prep_value(get_date_max(), c),
              run_after.get_db_prep_value(timezone.now(), c)]
    with sql.cursor(c) as cursor:
        cursor.execute(text, params)
        return cursor.fetchone() is not None
