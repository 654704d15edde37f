"""Sign-in links, sign-out everywhere and participant accounts."""

import hashlib
import secrets
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from larnav.notifications.outbox import queue_message
from larnav.people.models import Person

from .models import RoleAssignment, SignInLink, User

MAX_LINKS_PER_QUARTER_HOUR = 5


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_email(consortium, email: str) -> User | None:
    """The active user with this e-mail in the consortium, creating a participant
    account for a known person who has never signed in. None if unknown."""
    email = (email or "").strip().lower()
    if not email or consortium is None:
        return None
    user = User.objects.filter(consortium=consortium, email__iexact=email, is_active=True).first()
    if user:
        return user
    person = Person.objects.filter(consortium=consortium, email=email, is_active=True).first()
    if person is None:
        return None
    if User.objects.filter(person=person).exists():
        return None  # the person's account exists but is deactivated
    user = User(
        username=f"{consortium.slug}:{email}"[:150], email=email, consortium=consortium, person=person,
        first_name=person.first_name, last_name=person.last_name, language=person.language,
    )
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def send_sign_in_link(consortium, email: str) -> bool:
    """E-mail a one-time sign-in link if the address is known.

    Returns whether a link was sent; the view shows the same message either
    way so that the form does not reveal who has an account.
    """
    user = user_for_email(consortium, email)
    if user is None:
        return False
    recent = SignInLink.objects.filter(user=user, created_at__gte=timezone.now() - timedelta(minutes=15)).count()
    if recent >= MAX_LINKS_PER_QUARTER_HOUR:
        return False  # someone is hammering the form; the earlier links still work
    token = secrets.token_urlsafe(32)
    link = SignInLink.objects.create(
        user=user,
        token_hash=_hash(token),
        expires_at=timezone.now() + timedelta(minutes=settings.SIGN_IN_LINK_MAX_AGE_MINUTES),
    )
    # The token waits in the outbox only until it is sent; the stored copy is blanked out then.
    queue_message("sign_in_link", to=user, context={"link": link.pk, "token": token}, consortium=consortium)
    return True


class LinkProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    INACTIVE = "inactive"


def check_sign_in_link(token: str) -> tuple[SignInLink | None, LinkProblem | None]:
    link = SignInLink.objects.select_related("user").filter(token_hash=_hash(token or "")).first()
    if link is None:
        return None, LinkProblem.UNKNOWN
    if link.used_at is not None:
        return link, LinkProblem.USED
    if link.expires_at <= timezone.now():
        return link, LinkProblem.EXPIRED
    if not link.user.is_active:
        return link, LinkProblem.INACTIVE
    return link, None


@transaction.atomic
def consume_sign_in_link(token: str) -> tuple[User | None, LinkProblem | None]:
    """Mark the link used (exactly once, even if two requests race) and return its user."""
    link, problem = check_sign_in_link(token)
    if problem:
        return None, problem
    claimed = SignInLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
    if claimed != 1:
        return None, LinkProblem.USED
    return link.user, None


def sign_out_everywhere(user: User) -> None:
    """End every session of ``user`` on every device, and void unused sign-in links."""
    User.objects.filter(pk=user.pk).update(session_generation=user.session_generation + 1)
    user.session_generation += 1
    SignInLink.objects.filter(user=user, used_at__isnull=True).update(expires_at=timezone.now())


@transaction.atomic
def assign_role(user: User, role: str, organisation, valid_from, valid_to=None) -> RoleAssignment:
    """Give ``user`` a role with a scope, validated against the role's rules."""

    assignment = RoleAssignment(user=user, consortium=user.consortium, role=role, organisation=organisation,
                                valid_from=valid_from, valid_to=valid_to)
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def create_staff_user(consortium, *, username, first_name, last_name, email, language="sv") -> User:
    """Create a staff account without a password; the invitation lets them choose one."""
    user = User(username=username, first_name=first_name, last_name=last_name, email=email.strip().lower(),
                consortium=consortium, language=language)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


PASSWORD_RESET_INTERVAL = timedelta(minutes=10)


def send_password_reset(user: User) -> None:
    """E-mail a link where ``user`` chooses a new password, through the outbox like every message.

    At most one per account every ten minutes, however often the form is sent; the token is
    made when the message is sent (larnav.notifications.messages), so it is never stored."""
    window = int(timezone.now().timestamp() // PASSWORD_RESET_INTERVAL.total_seconds())
    queue_message("password_reset", to=user, context={"user": user.pk}, consortium=user.consortium_id,
                  dedupe_key=f"password_reset:{user.pk}:{window}")


def send_invitation(user: User) -> None:
    """E-mail a link where the new user chooses a password (Django's password-reset token).

    The token is made when the message is sent (larnav.notifications.messages), so it is never stored."""
    queue_message("account_invitation", to=user, context={"user": user.pk}, consortium=user.consortium_id)
