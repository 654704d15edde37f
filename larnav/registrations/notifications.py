"""E-mail to participants and managers when a registration changes.

Nothing is rendered or sent while the registration's transaction (and the
session's row lock) is held: each message is queued with
``transaction.on_commit`` and rendered and handed to the mail backend after
the commit, in the recipient's language. A rolled-back change never sends
mail, and a failed send never undoes a change.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Registration, Status

logger = logging.getLogger(__name__)

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
    send_mail(subject, body, None, [recipient_email], fail_silently=False)


def _context(reg) -> dict:
    session = reg.session
    return {
        "registration": reg,
        "person": reg.person,
        "session": session,
        "activity": session.activity,
        "occasions": list(session.occasions.all()),
        "base_url": settings.BASE_URL,
        "manage_url": settings.BASE_URL + reverse("registrations:manage", args=[reg.token]),
        "verify_url": settings.BASE_URL + reverse("registrations:verify", args=[reg.token]),
        "approvals_url": settings.BASE_URL + reverse("registrations:approvals"),
    }


def _template_for(status, old_status, session_cancelled) -> str | None:
    if session_cancelled:
        return "session_cancelled"
    if status == Status.CONFIRMED and old_status == Status.WAITLISTED:
        return "promoted"
    return TEMPLATES.get(status)


def registration_changed(reg, old_status, *, session_cancelled: bool = False) -> None:
    """Tell the participant (and for approvals the managers) once the change is committed."""
    template = _template_for(reg.status, old_status, session_cancelled)
    if template is None:
        return
    registration_id, status = reg.pk, reg.status
    transaction.on_commit(lambda: _deliver(registration_id, template, status))


def _deliver(registration_id: int, template: str, status: str) -> None:
    reg = Registration.objects.select_related("person", "session__activity", "workplace").get(pk=registration_id)
    context = _context(reg)
    _send(template, reg.person.email, reg.person.language, context)
    if status == Status.PENDING_APPROVAL:
        for manager in managers_of(reg):
            _send("approval_requested", manager.email, manager.language, {**context, "manager": manager})


def approval_reminder(reg) -> None:
    registration_id = reg.pk

    def deliver():
        fresh = Registration.objects.select_related("person", "session__activity", "workplace").get(
            pk=registration_id)
        context = {**_context(fresh), "reminder": True}
        for manager in managers_of(fresh):
            _send("approval_requested", manager.email, manager.language, {**context, "manager": manager})

    transaction.on_commit(deliver)


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
