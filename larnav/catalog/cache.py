"""An optional cache for the public catalog's result list.

The catalog page is the most visited page and the same for everyone who asks
the same question, so its result part (filters, cards, paging; no CSRF token,
nothing personal) can be cached per consortium, language, host and query
string. The page around it (header, language switch with its CSRF token, the
manager's links) is rendered for each request.

Off unless ``settings.LARNAV_CATALOG_CACHE_SECONDS`` is above 0. Every catalog
write (``larnav.catalog.services``) raises the consortium's generation after
its transaction commits, which makes the cached lists unreachable at once
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


def _generation_key(consortium_id) -> str:
    return f"{PREFIX}:generation:{consortium_id}"


def _bump(consortium_id) -> None:
    key = _generation_key(consortium_id)
    try:
        cache.incr(key)
    except ValueError:  # not there yet (or evicted): any new value makes older entries unreachable
        cache.set(key, 1, None)


def invalidate(consortium_id) -> None:
    """Make the consortium's cached catalog lists unreachable, once the current transaction commits."""
    if cache_seconds():
        transaction.on_commit(lambda: _bump(consortium_id))


def list_key(consortium_id, language: str, host: str, query: str) -> str:
    generation = cache.get(_generation_key(consortium_id)) or 0
    digest = hashlib.sha256(f"{host}\n{query}".encode()).hexdigest()[:32]
    return f"{PREFIX}:list:{consortium_id}:{generation}:{language}:{digest}"
