"""Hand-written SQL for the few hot statements, with the ORM's own conversions.

The ORM compiles every statement anew: building the query, resolving
lookups, quoting, then turning each row into a model instance costs far more
CPU than the database needs to answer a one-row statement. The statements a
registration rush runs thousands of times a second are written as SQL in
their app's ``queries`` module instead, with these helpers, which convert
values exactly as the ORM does (``get_db_prep_save`` on the way in, the
backend's and the field's converters on the way out), so that the same SQL
runs on SQLite and PostgreSQL and the rows are the same model instances.

Everything here is computed once per model, set of columns and database
vendor, then reused.

On PostgreSQL the hot statements also run as prepared statements
(``cursor``): the server parses and plans each of them once per connection
instead of on every call, which is most of its work for a one-row statement.
Django's own cursors keep binding values on the client and never prepare.
"""

# SQL is built only from model metadata (table and column names); every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import functools

from django.db import connections
from django.utils.connection import ConnectionProxy


def resolve(connection):
    """The database connection itself for ``django.db.connection``: that is a proxy, which finds
    the thread's connection again on every attribute read (a registration makes hundreds)."""
    if isinstance(connection, ConnectionProxy):
        return connection._connections[connection._alias]
    return connection


def quoted(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def table(model, connection) -> str:
    return quoted(connection, model._meta.db_table)


@functools.cache
def _fields(model, names: tuple[str, ...] | None):
    """Concrete fields of ``model``, in the model's order (``from_db`` needs that order)."""
    concrete = model._meta.concrete_fields
    if names is None:
        return tuple(concrete)
    wanted = set(names)
    unknown = wanted - {f.name for f in concrete} - {f.attname for f in concrete}
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
    return tuple(f for f in concrete if f.name in wanted or f.attname in wanted)


def select_list(model, alias: str, connection, names: tuple[str, ...] | None = None) -> str:
    """``alias."col", …`` for ``names`` (all concrete fields when None), in the model's order."""
    return ", ".join(f"{alias}.{quoted(connection, f.column)}" for f in _fields(model, names))


@functools.cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        """Binds values on the server and prepares every statement it runs (once per connection)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)

    return PreparedCursor


def prepares(connection) -> bool:
    """Whether ``cursor`` prepares statements on ``connection``: PostgreSQL with prepared statements
    enabled (``prepare_threshold`` in the database OPTIONS; see settings)."""
    return connection.vendor == "postgresql" and connection.settings_dict["OPTIONS"].get(
        "prepare_threshold") is not None


def cursor(connection):
    """A cursor for the hot statements, used like ``connection.cursor()`` in a ``with`` block.

    Where ``prepares(connection)``, each statement is prepared on the server
    the first time this connection runs it and only executed after that
    (psycopg keeps the prepared statements, per connection). The cursor is
    wrapped as Django wraps its own, so query logging, ``execute_wrapper``
    and the database error classes work as for any other statement.
    Elsewhere it is ``connection.cursor()``.

    Without query logging one cursor serves every block on the same
    connection (leaving the block does not close it; the next statement
    replaces its results), so a block must read what it needs before the
    next one starts: making and closing a wrapped cursor cost about a sixth
    of a one-row statement's time in Python.
    """
    connection = resolve(connection)
    if not prepares(connection):
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return connection.make_debug_cursor(_raw_cursor(connection))
    kept = _per_connection(connection).get("cursor")
    if kept is None or kept.raw_connection is not connection.connection:
        kept = _per_connection(connection)["cursor"] = _KeptCursor(
            connection.connection, connection.make_cursor(_raw_cursor(connection)))
    return kept


def _raw_cursor(connection):
    raw = _prepared_cursor_class()(connection.connection)
    # As Django's create_cursor: the connection's time zone for the timestamps read.
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, Format, register_tzloader

    tzloader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if connection.timezone != tzloader.timezone:
        register_tzloader(connection.timezone, raw)
    return raw


class _KeptCursor:
    """A wrapped cursor kept for the life of one database connection (``raw_connection``)."""

    __slots__ = ("raw_connection", "wrapper")

    def __init__(self, raw_connection, wrapper):
        self.raw_connection, self.wrapper = raw_connection, wrapper

    def __enter__(self):
        return self.wrapper

    def __exit__(self, *exc_info):
        return None


def _per_connection(connection) -> dict:
    # Converters are bound to a connection's operations, and connections are per thread.
    try:
        return connection._larnav_sql
    except AttributeError:
        connection._larnav_sql = {}
        return connection._larnav_sql


def statement(key, build, connection) -> str:
    """The SQL text ``build(connection)`` makes, built once per connection and ``key``
    (a hashable naming the statement and its variant)."""
    cache = _per_connection(resolve(connection))
    text = cache.get(key)
    if text is None:
        text = cache[key] = build(connection)
    return text


def _loader(model, names: tuple[str, ...] | None, connection):
    cache = _per_connection(connection)
    key = ("load", model, names)
    found = cache.get(key)
    if found is None:
        fields = _fields(model, names)
        converters = []
        for index, field in enumerate(fields):
            col = field.get_col(model._meta.db_table)
            functions = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if functions:
                converters.append((index, col, tuple(functions)))
        found = cache[key] = (tuple(f.attname for f in fields), tuple(converters), len(fields))
    return found


def load(model, row, names: tuple[str, ...] | None = None, *, start: int = 0, using: str = "default"):
    """The instance of ``model`` whose columns ``names`` (see ``select_list``) begin at ``row[start]``.

    Columns not read are deferred: they load on first use, as with ``only()``.
    """
    connection = connections[using]
    attnames, converters, count = _loader(model, names, connection)
    values = list(row[start:start + count])
    for index, col, functions in converters:
        value = values[index]
        for convert in functions:
            value = convert(value, col, connection)
        values[index] = value
    return model.from_db(using, attnames, values)


def width(model, names: tuple[str, ...] | None = None) -> int:
    return len(_fields(model, names))


@functools.cache
def _insert_fields(model):
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key or not f.auto_created)


def insert_columns(model, connection) -> str:
    return ", ".join(quoted(connection, f.column) for f in _insert_fields(model))


def insert_params(obj, connection) -> list:
    """The values of a new row for ``obj``, as ``save()`` would write them (defaults, auto_now_add)."""
    connection = resolve(connection)
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in _insert_fields(type(obj))]


def inserted(obj, pk, using: str = "default"):
    """Mark ``obj`` as the saved row ``pk``, as ``save()`` leaves it."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = using
    return obj


def _insert_sql(model, connection) -> str:
    cache = _per_connection(connection)
    sql = cache.get(("insert", model))
    if sql is None:
        placeholders = ", ".join(["%s"] * len(_insert_fields(model)))
        sql = cache[("insert", model)] = (
            f"INSERT INTO {table(model, connection)} ({insert_columns(model, connection)}) "
            f"VALUES ({placeholders}) RETURNING {quoted(connection, model._meta.pk.column)}")
    return sql


def insert(obj, using: str = "default"):
    """INSERT ``obj`` (no signals, no savepoint) and set its primary key; returns ``obj``."""
    connection = connections[using]
    with cursor(connection) as c:
        c.execute(_insert_sql(type(obj), connection), insert_params(obj, connection))
        pk = c.fetchone()[0]
    return inserted(obj, pk, using)
