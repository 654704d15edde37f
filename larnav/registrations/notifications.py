"""E-mail to participants and managers when a registration changes.

Each message is recorded in the outbox (larnav.notifications.outbox) inside
the registration's own transaction, one INSERT per message and nothing
rendered: the worker renders and sends it after the commit, in the
recipient's language, from the registration as it is then. A rolled-back
change leaves no message; a failed send is retried by the outbox and never
undoes the change.
"""

from larnav.notifications.outbox import queue_bulk, queue_message

from .models import Status

# Which message tells the participant about a new status.
KINDS = {
    Status.PENDING_VERIFICATION: "registration_verify",
    Status.PENDING_APPROVAL: "registration_received",
    Status.CONFIRMED: "registration_confirmed",
    Status.WAITLISTED: "registration_waitlisted",
    Status.DECLINED: "registration_declined",
    Status.CANCELLED: "registration_cancelled",
    Status.LATE_CANCELLED: "registration_late_cancelled",
}


def _kind_for(status, old_status, session_cancelled) -> str | None:
    if session_cancelled:
        return "session_cancelled"
    if status == Status.CONFIRMED and old_status == Status.WAITLISTED:
        return "registration_promoted"
    if old_status == Status.PENDING_APPROVAL and status in (Status.CONFIRMED, Status.WAITLISTED):
        return "registration_approved"
    return KINDS.get(status)


def registration_changed(reg, old_status, *, session_cancelled: bool = False) -> None:
    """Queue the participant's message (and for approvals the managers') with the change."""
    kind = _kind_for(reg.status, old_status, session_cancelled)
    if kind is None:
        return
    context = {"registration": reg.pk}
    if reg.status in (Status.CANCELLED, Status.LATE_CANCELLED) or session_cancelled:
        # Only someone who had a seat has the event in their calendar to remove.
        context["had_seat"] = old_status == Status.CONFIRMED
    queue_message(kind, to=reg.person, context=context, consortium=reg.consortium_id)
    if reg.status == Status.PENDING_APPROVAL:
        _tell_managers(reg, "approval_requested")


def approval_reminder(reg) -> None:
    _tell_managers(reg, "approval_reminder")


def _tell_managers(reg, kind: str) -> None:
    managers = list(managers_of(reg).only("pk", "email", "language", "first_name", "last_name", "consortium_id"))
    queue_bulk(kind, [(m, {"registration": reg.pk, "manager": m.pk}) for m in managers],
               consortium=reg.consortium_id)


def session_changed(session_id: int) -> int:
    """Tell everyone with a seat that the session's time, place or title changed (with a calendar update)."""
    from .models import Registration

    regs = list(Registration.objects.filter(session_id=session_id, status=Status.CONFIRMED)
                .select_related("person").only("pk", "consortium_id", "person__email", "person__language",
                                               "person__first_name", "person__last_name", "person__consortium_id"))
    if not regs:
        return 0
    return queue_bulk("session_changed", [(r.person, {"registration": r.pk}) for r in regs],
                      consortium=regs[0].consortium_id)


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
