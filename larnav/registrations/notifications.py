"""E-mail to participants and managers when a registration changes.

Each message is rendered in the recipient's language inside the transaction
and handed to the mail backend only after the transaction commits, so a
rolled-back change never sends mail and a failed send never undoes a change.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Status

# Which template tells the participant about a new status.
TEMPLATES = {
    Status.PENDING_VERIFICATION: "verify",
    Status.PENDING_APPROVAL: "pending_approval",
    Status.CONFIRMED: "confirmed",
    Status.WAITLISTED: "waitlisted",
    Status.DECLINED: "declined",
    Status.CANCELLED: "cancelled",
    Status.LATE_CANCELLED: "cancelled",
}


def _send(template: str, recipient_email: str, language: str, context: dict) -> None:
    with translation.override(language or "sv"):
        subject = render_to_string(f"registrations/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"registrations/email/{template}.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [recipient_email], fail_silently=False))


def registration_changed(reg, old_status, *, session_cancelled: bool = False) -> None:
    template = TEMPLATES.get(reg.status)
    if template is None:
        return
    if reg.status == Status.CONFIRMED and old_status == Status.WAITLISTED:
        template = "promoted"
    if session_cancelled:
        template = "session_cancelled"
    person = reg.person
    session = reg.session
    context = {
        "registration": reg,
        "person": person,
        "session": session,
        "activity": session.activity,
        "occasions": list(session.occasions.all()),
        "base_url": settings.BASE_URL,
        "manage_url": settings.BASE_URL + reverse("registrations:manage", args=[reg.token]),
        "verify_url": settings.BASE_URL + reverse("registrations:verify", args=[reg.token]),
    }
    _send(template, person.email, person.language, context)
    if reg.status == Status.PENDING_APPROVAL:
        for manager in managers_of(reg):
            _send("approval_requested", manager.email, manager.language,
                  {**context, "manager": manager,
                   "approvals_url": settings.BASE_URL + reverse("registrations:approvals")})


def approval_reminder(reg) -> None:
    context = {"registration": reg, "person": reg.person, "session": reg.session, "activity": reg.session.activity,
               "occasions": list(reg.session.occasions.all()), "reminder": True,
               "approvals_url": settings.BASE_URL + reverse("registrations:approvals")}
    for manager in managers_of(reg):
        _send("approval_requested", manager.email, manager.language, {**context, "manager": manager})


def managers_of(reg):
    """The users who hold the chef role for the registration's workplace (or above it)."""
    from larnav.accounts.models import Role, RoleAssignment, User

    if reg.workplace is None:
        return User.objects.none()
    ancestors = reg.workplace.ancestors_path_ids()
    manager_ids = RoleAssignment.objects.filter(
        RoleAssignment.active_q(), role=Role.CHEF, organisation_id__in=ancestors
    ).values("user_id")
    return User.objects.filter(pk__in=manager_ids, is_active=True).exclude(email="")
