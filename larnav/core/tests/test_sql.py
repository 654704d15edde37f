"""The hot statements' cursor (larnav.core.sql.cursor)."""

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from larnav.core import sql
from larnav.people.models import Person
from larnav.people.queries import person_by_email

pytestmark = pytest.mark.django_db


def _prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres_only
def test_on_postgresql_a_hot_statement_is_prepared_once_and_reused(region):
    assert sql.prepares(connection)
    person = Person.objects.get(email="erik@ekbacken.se")
    for _ in range(3):
        assert person_by_email(person.consortium_id, "ERIK@ekbacken.se") == person
    lookups = [s for s in _prepared_statements() if 'LOWER(p."email")' in s]
    assert len(lookups) == 1  # prepared at the first call, executed since
    assert "$2" in lookups[0]  # the values were bound on the server, not written into the text


@pytest.mark.postgres_only
def test_prepared_statements_are_logged_and_reach_execute_wrappers(region):
    seen = []

    def wrapper(execute, text, params, many, context):
        seen.append(text)
        return execute(text, params, many, context)

    person = Person.objects.get(email="erik@ekbacken.se")
    with CaptureQueriesContext(connection) as logged, connection.execute_wrapper(wrapper):
        person_by_email(person.consortium_id, "erik@ekbacken.se")
    assert len(logged) == 1 and len(seen) == 1


@pytest.mark.postgres_only
def test_without_prepared_statements_it_is_the_ordinary_cursor(region):
    options = connection.settings_dict["OPTIONS"]
    threshold = options.pop("prepare_threshold")
    try:
        assert not sql.prepares(connection)
        person = Person.objects.get(email="erik@ekbacken.se")
        assert person_by_email(person.consortium_id, "erik@ekbacken.se") == person
    finally:
        options["prepare_threshold"] = threshold


@pytest.mark.postgres_only
def test_one_cursor_serves_a_connection_until_the_connection_is_replaced(region):
    with sql.cursor(connection) as first:
        first.execute("SELECT 1")
        assert first.fetchone() == (1,)
    with sql.cursor(connection) as second:
        second.execute("SELECT %s", [2])
        assert second.fetchone() == (2,)
    assert second is first and not first.closed  # the block's end does not close it
    # A failed statement leaves it usable once its transaction (here a savepoint) is rolled back.
    with pytest.raises(DataError), transaction.atomic(), sql.cursor(connection) as cursor:
        cursor.execute("SELECT 1 / %s", [0])
    with sql.cursor(connection) as cursor:
        cursor.execute("SELECT %s", [3])
        assert cursor is first and cursor.fetchone() == (3,)
    # Kept for another (an earlier) database connection: replaced.
    sql.cursor(connection).raw_connection = object()
    with sql.cursor(connection) as cursor:
        assert cursor is not first
    # Query logging gets a fresh debug cursor each time, as Django's own cursors do.
    with CaptureQueriesContext(connection) as logged:
        with sql.cursor(connection) as one, sql.cursor(connection) as other:
            one.execute("SELECT 4")
            assert one is not other and one.fetchone() == (4,)
    assert len(logged) == 1


def test_only_postgresql_prepares_and_the_answer_is_the_same_everywhere(region):
    assert sql.prepares(connection) is (connection.vendor == "postgresql")
    person = Person.objects.get(email="erik@ekbacken.se")
    assert person_by_email(person.consortium_id, "ERIK@EKBACKEN.SE") == person


@pytest.mark.postgres_only
def test_the_person_lookup_goes_through_the_unique_email_index_even_before_statistics(region):
    # A prepared statement's generic plan, made while the table has no statistics (a new
    # database): it must look the address up in the uniqueness rule's index, not scan the
    # consortium's persons through the (consortium, email) index.
    person = Person.objects.get(email="erik@ekbacken.se")
    person_by_email(person.consortium_id, "erik@ekbacken.se")
    text = next(s for s in _prepared_statements() if 'LOWER(p."email")' in s)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE larnav_person_lookup (bigint, text) AS {text}")
        try:
            cursor.execute("EXPLAIN EXECUTE larnav_person_lookup (%s, %s)", [person.consortium_id, "x@y.se"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE larnav_person_lookup")
    assert "person_unique_email_per_consortium" in plan and "Filter" not in plan, plan


def test_the_connection_proxy_resolves_to_this_threads_connection():
    from django.db import connections

    assert sql.resolve(connection) is connections["default"]
    assert sql.resolve(connections["default"]) is connections["default"]
    assert sql.statement(("resolve-test",), lambda c: c.vendor, connection) == connections["default"].vendor
