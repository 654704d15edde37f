"""Every write to API tokens, and the one-query lookup that authenticates a request."""

import hashlib
import re
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import ApiToken

TOKEN_PREFIX = "lnv_"
# 32 random bytes, URL-safe base64 without padding: 43 characters.
TOKEN_PATTERN = re.compile(r"^lnv_[A-Za-z0-9_-]{43}$")
DISPLAY_PREFIX_LENGTH = 12  # "lnv_" and eight random characters
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 20


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def active_tokens(user):
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


@transaction.atomic
def create_token(user, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the secret, which is never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=raw[:DISPLAY_PREFIX_LENGTH], key_hash=hash_token(raw)
    )
    return token, raw


def revoke_token(token: ApiToken) -> ApiToken:
    """Revoke ``token``; revoking an already revoked token changes nothing."""
    if token.revoked_at is None:
        now = timezone.now()
        # Conditional update: two concurrent revocations keep the first time.
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
        token.refresh_from_db(fields=["revoked_at"])
    return token


def user_for_token(raw: str):
    """The active user an unrevoked token belongs to, or None. One query.

    ``last_used_at`` is written at most once a minute per token, so that a busy
    integration does not turn every read into a write.
    """
    if not TOKEN_PATTERN.match(raw):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION), pk=token.pk
        ).update(last_used_at=now)
    token.user.api_token = token
    return token.user
