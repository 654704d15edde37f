"""The SQL of seat allocation's hot statements (the rules are in ``services``).

A registration runs these under the session's row lock, so each costs not
only its own CPU but the wait of everyone queued on the same session: they
are written once as SQL (larnav.core.sql) instead of being compiled by the
ORM on every call, and a new registration's writes are one statement on
PostgreSQL. The SQL runs on SQLite and PostgreSQL; on SQLite the IMMEDIATE
transaction is the lock (see settings), and the writes are three statements
(SQLite has no data-modifying CTEs).
"""

# SQL is built only from model metadata (table and column names); every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from larnav.catalog.models import Activity, Session, SessionQuota
from larnav.core import sql

from .models import ACTIVE_STATUSES, Registration, RegistrationEvent, Status

_ACTIVITY_FIELDS = ("id", "status")


def _sql(key, build):
    return sql.statement(key, build, connection)


def _lock_sql(visible: int, statuses: int):
    def build(c):
        q = c.ops.quote_name
        text = (f"SELECT {sql.select_list(Session, 's', c)}, a.{q('status')} "
                f"FROM {sql.table(Session, c)} s INNER JOIN {sql.table(Activity, c)} a "
                f"ON a.{q('id')} = s.{q('activity_id')} WHERE s.{q('id')} = %s")
        if visible:
            text += f" AND s.{q('consortium_id')} = %s"
        if statuses:
            text += f" AND a.{q('status')} IN ({', '.join(['%s'] * statuses)})"
        if c.features.has_select_for_update:
            text += " FOR UPDATE OF s" if c.features.has_select_for_update_of else " FOR UPDATE"
        return text

    return _sql(("lock", visible, statuses), build)


def lock_session(session_id: int, *, consortium_id: int | None = None,
                 activity_statuses: tuple[str, ...] = ()) -> Session | None:
    """The session with its activity's status, its row locked until the transaction ends; or None.

    Only the session's row is locked (``OF s``): registrations for different
    sessions of one activity do not queue behind each other, and nothing
    here writes the activity. The session's fields are all read; of the
    activity only ``id`` and ``status`` (any other field loads when used).
    ``consortium_id`` and ``activity_statuses`` narrow the sessions found.
    """
    if not -(2**63) <= session_id < 2**63:  # no such id (and no SQL integer): as the ORM does
        return None
    params = [session_id]
    if consortium_id is not None:
        params.append(consortium_id)
    params.extend(activity_statuses)
    with sql.cursor(connection) as cursor:
        cursor.execute(_lock_sql(int(consortium_id is not None), len(activity_statuses)), params)
        row = cursor.fetchone()
    if row is None:
        return None
    session = sql.load(Session, row)
    activity = Activity.from_db(connection.alias, _ACTIVITY_FIELDS, (session.activity_id, row[-1]))
    session._state.fields_cache["activity"] = activity
    return session


@dataclass
class Standing:
    """What a new registration's rules read under the lock, besides the session row."""

    existing_id: int | None
    quota: int | None  # the seats of the municipality's quota, None when it has none
    used: int  # the municipality's confirmed seats (0 when it has no quota)


def _standing_sql(with_person: bool):
    def build(c):
        q = c.ops.quote_name
        reg, quota = sql.table(Registration, c), sql.table(SessionQuota, c)
        if with_person:
            existing = (f"(SELECT r.{q('id')} FROM {reg} r WHERE r.{q('session_id')} = %s "
                        f"AND r.{q('person_id')} = %s AND r.{q('status')} IN "
                        f"({', '.join(['%s'] * len(ACTIVE_STATUSES))}) LIMIT 1)")
        else:
            existing = "NULL"
        used = (f"(SELECT COUNT(*) FROM {reg} u WHERE u.{q('session_id')} = x.{q('session_id')} "
                f"AND u.{q('status')} = %s AND u.{q('municipality_id')} = x.{q('municipality_id')})")
        return (f"SELECT {existing}, x.{q('seats')}, {used} FROM (SELECT 1 AS one) o LEFT JOIN {quota} x "
                f"ON x.{q('session_id')} = %s AND x.{q('municipality_id')} = %s")

    return _sql(("standing", with_person), build)


def standing(session_id: int, person_id: int | None, municipality_id: int | None) -> Standing:
    """One statement, after the lock (so that it sees everything committed before it): the
    person's active registration of the session (when ``person_id`` is given) and the
    municipality's quota and seats used."""
    params = [session_id, person_id, *ACTIVE_STATUSES] if person_id is not None else []
    params += [Status.CONFIRMED, session_id, municipality_id]
    with sql.cursor(connection) as cursor:
        cursor.execute(_standing_sql(person_id is not None), params)
        existing_id, seats, used = cursor.fetchone()
    return Standing(existing_id, seats, (used or 0) if seats is not None else 0)


def _create_sql():
    def build(c):
        q = c.ops.quote_name
        reg_columns = sql.insert_columns(Registration, c)
        reg_values = ", ".join(["%s"] * len(sql._insert_fields(Registration)))
        event_columns = ", ".join(q(f.column) for f in _event_fields())
        counters = (f"UPDATE {sql.table(Session, c)} SET {q('confirmed_count')} = %s, "
                    f"{q('waitlist_count')} = %s, {q('status')} = %s WHERE {q('id')} = %s")
        insert_reg = (f"INSERT INTO {sql.table(Registration, c)} ({reg_columns}) VALUES ({reg_values}) "
                      f"RETURNING {q('id')}")
        if not c.features.can_return_columns_from_insert:
            raise NotImplementedError("the registration's INSERT needs RETURNING")
        if c.vendor == "postgresql":
            return (f"WITH reg AS ({insert_reg}), "
                    f"event AS (INSERT INTO {sql.table(RegistrationEvent, c)} ({q('registration_id')}, "
                    f"{event_columns}) SELECT reg.{q('id')}, {', '.join(['%s'] * len(_event_fields()))} FROM reg), "
                    f"counters AS ({counters}) SELECT reg.{q('id')} FROM reg")
        event = (f"INSERT INTO {sql.table(RegistrationEvent, c)} ({q('registration_id')}, {event_columns}) "
                 f"VALUES (%s, {', '.join(['%s'] * len(_event_fields()))})")
        return insert_reg, event, counters

    return _sql(("create",), build)


def _event_fields():
    return [f for f in sql._insert_fields(RegistrationEvent) if f.attname != "registration_id"]


def create(reg: Registration, event: RegistrationEvent, counters: tuple[int, int, str]) -> Registration:
    """INSERT ``reg`` and its history ``event`` and write the session's ``counters``
    (confirmed, waitlisted, status); ``reg`` gets its primary key."""
    c = sql.resolve(connection)
    reg_params = sql.insert_params(reg, c)
    event_params = [f.get_db_prep_save(f.pre_save(event, True), c) for f in _event_fields()]
    counter_params = [*counters, reg.session_id]
    statements = _create_sql()
    with sql.cursor(connection) as cursor:
        if isinstance(statements, str):
            cursor.execute(statements, reg_params + event_params + counter_params)
            pk = cursor.fetchone()[0]
        else:
            insert_reg, insert_event, update = statements
            cursor.execute(insert_reg, reg_params)
            pk = cursor.fetchone()[0]
            cursor.execute(insert_event, [pk, *event_params])
            cursor.execute(update, counter_params)
    sql.inserted(reg, pk, connection.alias)
    event.registration_id = pk
    return reg
