"""Case-insensitive search that also folds å, ä, ö (and every other letter).

SQLite's LIKE and LOWER() fold ASCII letters only, so "TÄBY" would not find
"Täby". On SQLite we register a small SQL function, ``larnav_lower``, that
lower-cases with Python's Unicode rules; on PostgreSQL LOWER() does the same
under the database's (UTF-8) locale. Both sides of the comparison are
lower-cased, so the match does not depend on LIKE's own case rules.
"""

from django.db.models import CharField, Func, Q, QuerySet

SQLITE_FUNCTION = "larnav_lower"


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def register_sqlite_function(sender, connection, **kwargs):
    """``connection_created`` receiver: add ``larnav_lower`` to every new SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, _lower, deterministic=True)


class UnicodeLower(Func):
    function = "LOWER"
    output_field = CharField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function=SQLITE_FUNCTION, **extra_context)


def with_lowered(qs: QuerySet, *fields: str) -> QuerySet:
    """Alias the lower-cased ``fields`` so that ``contains()`` can compare against them."""
    return qs.alias(**{f"_lower_{field}": UnicodeLower(field) for field in fields})


def contains(field: str, word: str) -> Q:
    """``field`` (aliased by ``with_lowered``) contains ``word``, ignoring case."""
    return Q(**{f"_lower_{field}__contains": word.lower()})
