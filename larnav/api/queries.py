"""The SQL of the statements every API write runs: the caller's token, and a registration's workplace
(with the person whose address it gives).

Written once as SQL (larnav.core.sql) rather than compiled by the ORM on each
request; they run on SQLite and PostgreSQL. The reads behind lists and pages
are in ``selectors``.
"""

# SQL is built only from model metadata (table and column names); every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

from django.db import connection

from larnav.accounts.queries import user_with_access
from larnav.core import sql
from larnav.organisations.models import Organisation
from larnav.people.models import Occupation, Person
from larnav.people.queries import email_key, email_matches

from .models import ApiToken

_TOKEN_FIELDS = ("id", "user", "last_used_at")


def token_user(key_hash: str):
    """``(token, user)`` for an unrevoked token of an active user, or None; one statement.

    The user's rights (role assignments) come in the same statement
    (larnav.accounts.queries). Of the token only ``id``, ``user_id`` and
    ``last_used_at`` are read; the rest loads if used.
    """
    c = connection
    q = c.ops.quote_name
    found = user_with_access(
        f"{sql.table(ApiToken, c)} t INNER JOIN {sql.table(ApiToken._meta.get_field('user').related_model, c)} u "
        f"ON u.{q('id')} = t.{q('user_id')}",
        f"t.{q('key_hash')} = %s AND t.{q('revoked_at')} IS NULL", [key_hash],
        extra_columns=tuple(f"t.{q(f)}" for f in ("id", "user_id", "last_used_at")))
    if found is None:
        return None
    values, user = found
    token = sql.load(ApiToken, values, _TOKEN_FIELDS)
    token._state.fields_cache["user"] = user
    return token, user


def _workplace_sql(with_occupation: bool, with_person: bool):
    def build(c):
        q = c.ops.quote_name
        occupation = "NULL"
        if with_occupation:
            occupation = (f"(SELECT oc.{q('id')} FROM {sql.table(Occupation, c)} oc "
                          f"WHERE oc.{q('code')} = %s AND oc.{q('is_active')} LIMIT 1)")
        district = (f"(SELECT d.{q('id')} FROM {sql.table(Organisation, c)} d WHERE d.{q('id')} = w.{q('parent_id')} "
                    f"AND d.{q('type')} = '{Organisation.Type.STADSDEL}')")
        person, join = "", ""
        if with_person:
            person = f", {sql.select_list(Person, 'p', c)}"
            join = (f" LEFT JOIN {sql.table(Person, c)} p ON p.{q('consortium_id')} = w.{q('consortium_id')} "
                    f"AND {email_matches('p', c)}")
        return (f"SELECT {sql.select_list(Organisation, 'w', c, WORKPLACE_FIELDS)}, {district}, {occupation}"
                f"{person} FROM {sql.table(Organisation, c)} w{join} WHERE w.{q('id')} = %s "
                f"AND w.{q('consortium_id')} = %s AND w.{q('is_active')}")

    return sql.statement(("workplace", with_occupation, with_person), build, connection)


# What the permission check, the new person and the registration's copies read
# (larnav.registrations.services.workplace_details, with the city district as ``district_pk``); the
# rest of the row is loaded if anything uses it.
WORKPLACE_FIELDS = ("id", "consortium", "path", "municipality", "parent", "driftform", "funktion")
_WORKPLACE_WIDTH = sql.width(Organisation, WORKPLACE_FIELDS)


def workplace_and_occupation(consortium_id: int, workplace_id: int, occupation_code: str | None,
                             email: str | None = None):
    """The consortium's active workplace ``workplace_id`` (or None), in one statement with the pk
    of its city district as ``district_pk`` (None if it lies in none) and of the active occupation
    ``occupation_code`` as ``occupation_pk`` (None if unknown or not asked).

    With ``email`` the same statement also reads the consortium's person with that address (as
    larnav.people.queries.person_by_email matches it) as ``person_with_email``, None if unknown.
    """
    if not -(2**63) <= workplace_id < 2**63:
        return None
    params = [occupation_code] if occupation_code else []
    if email is not None:
        params.append(email_key(email))
    with sql.cursor(connection) as cursor:
        cursor.execute(_workplace_sql(bool(occupation_code), email is not None),
                       [*params, workplace_id, consortium_id])
        row = cursor.fetchone()
    if row is None:
        return None
    workplace = sql.load(Organisation, row, WORKPLACE_FIELDS)
    workplace.district_pk, workplace.occupation_pk = row[_WORKPLACE_WIDTH:_WORKPLACE_WIDTH + 2]
    if email is not None:
        found = row[_WORKPLACE_WIDTH + 2] is not None  # the person's id
        workplace.person_with_email = sql.load(Person, row, start=_WORKPLACE_WIDTH + 2) if found else None
    return workplace
