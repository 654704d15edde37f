"""Database adjustments that make SQLite behave like PostgreSQL where users notice.

SQLite's LIKE folds case for ASCII letters only, so Django's ``icontains``
would not find "Öberg" when searching "öberg". SQLite lets an application
replace the function behind LIKE; on every SQLite connection we install one
that folds case with Python's Unicode ``casefold``. PostgreSQL already
compares ``UPPER()`` values with full Unicode rules.
"""

import functools
import re

from django.db.backends.signals import connection_created


@functools.lru_cache(maxsize=512)
def _like_regex(pattern: str, escape: str | None) -> re.Pattern:
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if escape and char == escape and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.compile("".join(out), re.DOTALL | re.IGNORECASE)


def unicode_like(pattern, value, escape=None):
    if pattern is None or value is None:
        return None
    return _like_regex(str(pattern).casefold(), escape).fullmatch(str(value).casefold()) is not None


def install_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("like", 2, unicode_like, deterministic=True)
    raw.create_function("like", 3, unicode_like, deterministic=True)


def connect_signals():
    connection_created.connect(install_sqlite_functions, dispatch_uid="larnav-sqlite-unicode-like")
