"""Every write of the API: tokens (and the one-query lookup that authenticates a
request), and registrations made through it."""

import hashlib
import re
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

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
    """The active user an unrevoked token belongs to, or None. One statement, which also
    reads the user's role assignments for the permission layer (larnav.api.queries).

    ``last_used_at`` is written at most once a minute per token, so that a busy
    integration does not turn every read into a write.
    """
    from .queries import token_user

    if not TOKEN_PATTERN.match(raw):
        return None
    found = token_user(hash_token(raw))
    if found is None:
        return None
    token, user = found
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION), pk=token.pk
        ).update(last_used_at=now)
    user.api_token = token
    return user


# --- Registering others through the API --------------------------------------------------

def _invalid(parameter: str, kind: str):
    from ninja.errors import ValidationError

    return ValidationError([{"loc": ("body", parameter), "type": kind}])


def register_for_session(user, consortium_id: int, session_id: int, payload):
    """Register a person for a session on behalf of ``user`` (who needs REGISTER_OTHERS for them).

    The person is one of ``user``'s scope for registering others: given by id,
    or by details (a known e-mail address is that person, as they are; a new one
    becomes a new person at a workplace in the scope). One transaction: a
    refused registration leaves no new person behind. Returns the
    registrations service's Outcome; raises Http404 for a session that is not
    the consortium's or not public, and the service's RegistrationError when
    the session does not take the registration.
    """
    try:
        return _register_for_session(user, consortium_id, session_id, payload)
    except IntegrityError:
        # The same new address, registered at the same moment: it is a known person now.
        return _register_for_session(user, consortium_id, session_id, payload)


@transaction.atomic
def _register_for_session(user, consortium_id: int, session_id: int, payload):
    from django.http import Http404

    from larnav.accounts.permissions import Action, can, scope_persons
    from larnav.people.models import Person
    from larnav.registrations import services as registrations
    from larnav.registrations.errors import SessionNotFound

    from .errors import ApiError
    from .schemas import PUBLIC_ACTIVITY_STATUSES

    def in_scope():
        # Built only when a person is looked up by id or found outside the given workplace.
        return scope_persons(user, Person.objects.filter(consortium_id=consortium_id), Action.REGISTER_OTHERS)

    new_person = False
    if payload.person_id is not None:
        person = in_scope().select_related("workplace__parent").filter(pk=payload.person_id).first()
        if person is None:
            raise _invalid("person_id", "unknown_person")
    else:
        code = payload.occupation or payload.role
        workplace = _workplace_and_occupation(consortium_id, payload.workplace_id, code, payload.email)
        if workplace is None or not can(user, Action.REGISTER_OTHERS, workplace):
            raise _invalid("workplace_id", "unknown_workplace")
        if code and workplace.occupation_pk is None:
            raise _invalid("occupation" if payload.occupation else "role", "unknown_occupation")
        person, new_person = registrations.known_or_new_person(
            consortium_id, first_name=payload.first_name, last_name=payload.last_name, email=payload.email,
            workplace=workplace, occupation_id=workplace.occupation_pk if code else None,
            known=workplace.person_with_email,
        )
        # A new person is at ``workplace``, already checked; a known one may work anywhere.
        if person.workplace_id != workplace.pk and not in_scope().filter(pk=person.pk).exists():
            # A known address outside the scope: the person is not the caller's to register.
            raise ApiError(403, "forbidden", gettext_lazy("You may not register this person."))
    # A coordinator's token is trusted, and so is a person already in the caller's scope; a
    # new address given by anyone else counts once its owner has confirmed it from the e-mail.
    try:
        return registrations.register_in_transaction(
            session_id, person, registered_by=user, verified=can(user, Action.MANAGE_CATALOG) or not new_person,
            consortium_id=consortium_id, activity_statuses=PUBLIC_ACTIVITY_STATUSES,
            person_is_new=new_person,
        )
    except SessionNotFound:
        raise Http404 from None


def _workplace_and_occupation(consortium_id: int, workplace_id: int, occupation_code: str | None, email: str):
    """The consortium's active workplace ``workplace_id`` (or None), in one statement with the pk
    of the active occupation ``occupation_code`` as ``occupation_pk`` (None if unknown) and the
    person with the address ``email`` as ``person_with_email`` (None if unknown)."""
    from .queries import workplace_and_occupation

    return workplace_and_occupation(consortium_id, workplace_id, occupation_code, email)


def registration_for(user, consortium_id: int, registration_id: int, action):
    """A registration the caller may act on, or None (unknown and out of scope look the same)."""
    from larnav.accounts.permissions import Action, can, scope_by_workplace
    from larnav.registrations.models import Registration

    qs = Registration.objects.select_related("session", "person").filter(consortium_id=consortium_id)
    reg = qs.filter(pk=registration_id).first()
    if reg is None:
        return None
    if can(user, Action.MANAGE_CATALOG) or reg.session.trainers.filter(pk=user.pk).exists():
        return reg
    if action is None:
        return None
    return scope_by_workplace(user, qs, action).filter(pk=registration_id).first()
