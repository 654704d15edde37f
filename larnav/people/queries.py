"""The person behind an e-mail address, read in SQL written once (a registration rush runs it per request).

The address is matched as the database's uniqueness rule matches it:
lower-cased, within the consortium, through that rule's index.

The address is lower-cased here, as ``Person.save`` stores it, and compared
with ``LOWER(email)`` as it is: with ``LOWER(%s)`` the plan PostgreSQL keeps
for the prepared statement (larnav.core.sql.cursor), when made before the
table has statistics (a new database, the first minute of a rush), read the
consortium's persons through the (consortium, email) index and compared every
one of them: 0.4 ms at 600 persons, growing with each new person. Compared
with the parameter itself, the uniqueness rule's index is the cheapest plan
whatever the statistics.
"""

# SQL is built only from model metadata (table and column names); every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

from django.db import connection

from larnav.core import sql

from .models import Person


def email_matches(alias: str, c) -> str:
    """SQL: person ``alias`` has the address given as the next parameter, ``email_key(address)``
    (with the consortium, the uniqueness rule's index)."""
    return f"LOWER({alias}.{c.ops.quote_name('email')}) = %s"


def email_key(email: str) -> str:
    """The parameter of ``email_matches`` for ``email``."""
    return email.strip().lower()


def person_by_email(consortium_id: int, email: str) -> Person | None:
    def build(c):
        q = c.ops.quote_name
        return (f"SELECT {sql.select_list(Person, 'p', c)} FROM {sql.table(Person, c)} p "
                f"WHERE p.{q('consortium_id')} = %s AND {email_matches('p', c)} LIMIT 1")

    text = sql.statement("person_by_email", build, connection)
    with sql.cursor(connection) as cursor:
        cursor.execute(text, [consortium_id, email_key(email)])
        row = cursor.fetchone()
    return None if row is None else sql.load(Person, row)


def create_person(person: Person) -> Person:
    """INSERT a new person as ``Person.save`` would (the address lower-cased); nothing
    listens to a person's save signals."""
    person.email = person.email.strip().lower()
    return sql.insert(person)
