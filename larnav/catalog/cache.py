"""An optional cache for the public catalog's list page and its calendar feed.

The catalog page is the most visited page and the same for everyone who asks
the same question, so its result part (filters, cards, paging; no CSRF token,
nothing personal) is cached per consortium, language, host and query string,
and the page around it is rendered for each signed-in visitor. For anonymous
visitors without a session or flash messages the whole page is cached, with a
placeholder where the language switch's CSRF token goes; each response gets
its own token (``with_csrf_token``), exactly as if the page had been rendered.

Off unless ``settings.LARNAV_CATALOG_CACHE_SECONDS`` is above 0. Every catalog
write (``larnav.catalog.services``) raises the cache's generation after its
transaction commits, which makes the cached pages unreachable at once
wherever the cache is shared (Redis, memcached) and in the writing process
with the default per-process memory cache. What the cache cannot see, such
as seat counters changed by the registration service without calling
``invalidate``, is at most ``LARNAV_CATALOG_CACHE_SECONDS`` old; the session
page itself is never cached.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

PREFIX = "larnav:catalog"


def cache_seconds() -> int:
    return max(int(getattr(settings, "LARNAV_CATALOG_CACHE_SECONDS", 0) or 0), 0)


GENERATION_KEY = f"{PREFIX}:generation"


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there yet (or evicted): any new value makes older entries unreachable
        cache.set(GENERATION_KEY, 1, None)


def invalidate(consortium_id=None) -> None:
    """Make cached catalog pages unreachable once the current transaction commits.

    One generation serves every consortium: anonymous pages are keyed on the
    host name, not on the consortium (finding that would cost a query on
    every hit), so a write anywhere retires them all.
    """
    if cache_seconds():
        transaction.on_commit(_bump)


def key(kind: str, scope, language: str, host: str, query: str) -> str:
    """The cache key of one kind of cached output ("results", "page", "ics") for one question."""
    generation = cache.get(GENERATION_KEY) or 0
    digest = hashlib.sha256(f"{host}\n{query}".encode()).hexdigest()[:32]
    return f"{PREFIX}:{kind}:{generation}:{scope}:{language}:{digest}"


CSRF_PLACEHOLDER = "larnav-catalog-csrf-placeholder-7f3e"


def with_csrf_token(html: str, request) -> str:
    """The cached page with this request's CSRF token (which also makes the CSRF cookie be set)."""
    from django.middleware.csrf import get_token

    return html.replace(CSRF_PLACEHOLDER, get_token(request))
