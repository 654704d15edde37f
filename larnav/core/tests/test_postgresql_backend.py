"""The PostgreSQL backend's health check (larnav.core.postgresql)."""

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def health_checks():
    enabled = connection.health_check_enabled
    connection.health_check_enabled = True
    yield
    connection.health_check_enabled = enabled


def _round_trips():
    """Statements psycopg sends on the raw connection (the health check bypasses Django's cursors)."""
    sent = []
    raw = connection.connection
    original = type(raw).cursor

    def cursor(self, *args, **kwargs):
        sent.append("cursor")
        return original(self, *args, **kwargs)

    return sent, cursor


def test_a_quiet_healthy_connection_is_checked_without_a_round_trip(health_checks, monkeypatch):
    assert connection.vendor == "postgresql"
    connection.ensure_connection()
    sent, cursor = _round_trips()
    monkeypatch.setattr(type(connection.connection), "cursor", cursor)
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    assert connection.health_check_done and connection.connection is not None
    assert sent == []


def test_a_connection_whose_backend_was_terminated_is_closed_and_opened_again(health_checks):
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**{k: v for k, v in params.items() if k != "prepare_threshold"}, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    assert connection.connection is None  # closed, not handed to the request's first query
    with CaptureQueriesContext(connection), connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_connection_left_in_a_transaction_gets_the_round_trip(health_checks, monkeypatch):
    connection.ensure_connection()
    connection.connection.execute("BEGIN")
    try:
        sent, cursor = _round_trips()
        monkeypatch.setattr(type(connection.connection), "cursor", cursor)
        connection.health_check_done = False
        connection.close_if_health_check_failed()
        assert sent == ["cursor"]
    finally:
        if connection.connection is not None:
            connection.connection.execute("ROLLBACK")
