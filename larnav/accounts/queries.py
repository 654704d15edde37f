"""A user with their rights in one statement, for requests that authenticate on every call (the API).

The permission layer (larnav.accounts.permissions) otherwise reads a user's
active role assignments with a query of its own on the first permission
check. Here they come in the same statement as the user: one row per active
assignment (one row with none when the user has none), so an API request
costs one statement for its caller instead of two. The rule for "active"
is ``RoleAssignment.active_q``: valid from today or earlier, and not ended
before today.
"""

# SQL is built only from model metadata (table and column names); every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from larnav.core import sql
from larnav.organisations.models import Organisation

from .models import RoleAssignment, User
from .permissions import remember_access

_SCOPE_FIELDS = ("id", "type", "name", "path")


@dataclass
class _Assignment:
    role: str
    consortium_id: int
    organisation: Organisation | None


def user_with_access(joins: str, where: str, params, extra_columns: tuple[str, ...] = ()):
    """``(extra values, user)`` for the active user that ``joins`` and ``where`` find, or None.

    ``joins`` names the user's table as ``u`` (e.g. ``"api_apitoken t INNER JOIN
    accounts_user u ON u.id = t.user_id"``), ``where`` the condition with
    ``%s`` for ``params``; ``extra_columns`` are SQL expressions read with the
    user (the same in every row). The user's rights are computed from their
    active role assignments, read in the same statement, and kept on the user.
    """
    c = connection

    def build(c):
        q = c.ops.quote_name
        extra = "".join(f"{column}, " for column in extra_columns)
        return (
            f"SELECT {extra}{sql.select_list(User, 'u', c)}, ra.{q('role')}, ra.{q('consortium_id')}, "
            f"{sql.select_list(Organisation, 'o', c, _SCOPE_FIELDS)} FROM {joins} "
            f"LEFT JOIN {sql.table(RoleAssignment, c)} ra ON ra.{q('user_id')} = u.{q('id')} "
            f"AND ra.{q('valid_from')} <= %s AND (ra.{q('valid_to')} IS NULL OR ra.{q('valid_to')} >= %s) "
            f"LEFT JOIN {sql.table(Organisation, c)} o ON o.{q('id')} = ra.{q('organisation_id')} "
            f"WHERE ({where}) AND u.{q('is_active')}")

    text = sql.statement(("user_with_access", joins, where, extra_columns), build, c)
    today = RoleAssignment._meta.get_field("valid_from").get_db_prep_value(timezone.localdate(), c)
    with sql.cursor(c) as cursor:
        cursor.execute(text, [today, today, *params])
        rows = cursor.fetchall()
    if not rows:
        return None
    n = len(extra_columns)
    user_end = n + sql.width(User)
    user = sql.load(User, rows[0], start=n)
    assignments = []
    for row in rows:
        role, consortium_id = row[user_end], row[user_end + 1]
        if role is None:
            continue  # the LEFT JOIN's row for a user without assignments
        scope = None if row[user_end + 2] is None else sql.load(Organisation, row, _SCOPE_FIELDS,
                                                                 start=user_end + 2)
        assignments.append(_Assignment(role, consortium_id, scope))
    remember_access(user, assignments)
    return rows[0][:n], user
