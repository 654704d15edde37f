"""Reads for the outbox, failed-jobs and template pages, scoped by the permission layer."""

from __future__ import annotations

from datetime import datetime, time

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from larnav.accounts.permissions import Action, access_for

from . import kinds
from .models import JobFailure, MessageStatus, MessageTemplate, NotificationSettings, OutgoingMessage

OUTBOX_SORTS = {
    "created": ("created_at",),
    "sent": ("sent_at",),
    "recipient": ("to_email",),
    "status": ("status",),
    "kind": ("kind",),
}


def consortia_without_evaluations() -> QuerySet:
    """The ids of consortia that have switched evaluation invitations off (a subquery)."""
    return NotificationSettings.objects.filter(send_evaluation_invitations=False).values("consortium_id")


def _consortium_wide(user) -> bool:
    access = access_for(user)
    return access.is_superuser or access.grant(Action.MANAGE_NOTIFICATIONS).consortium_wide


def scope_messages(user, consortium) -> QuerySet:
    """The outbox rows ``user`` may see: the consortium's, for those who manage its messages consortium-wide.

    Messages hold the addresses of everyone the consortium mails, so a role scoped to one organisation sees none.
    """
    if not _consortium_wide(user) or consortium is None:
        return OutgoingMessage.objects.none()
    access = access_for(user)
    if not access.is_superuser and access.consortium_id != consortium.pk:
        return OutgoingMessage.objects.none()
    return OutgoingMessage.objects.filter(consortium=consortium)


def _day(value: str, end: bool = False):
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


def outbox(user, consortium, *, query="", status="", kind="", since="", until="") -> QuerySet:
    qs = scope_messages(user, consortium)
    if status in MessageStatus.values:
        qs = qs.filter(status=status)
    if kind and kinds.is_registered(kind):
        qs = qs.filter(kind=kind)
    if (start := _day(since)) is not None:
        qs = qs.filter(created_at__gte=start)
    if (end := _day(until, end=True)) is not None:
        qs = qs.filter(created_at__lte=end)
    for word in (query or "").split()[:5]:
        qs = qs.filter(Q(to_email__icontains=word) | Q(to_name__icontains=word) | Q(subject__icontains=word))
    return qs.defer("body_text", "body_html", "calendar")


def status_counts(user, consortium) -> dict[str, int]:
    rows = scope_messages(user, consortium).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def failed_messages(user, consortium) -> QuerySet:
    return scope_messages(user, consortium).filter(status=MessageStatus.FAILED).defer(
        "body_text", "body_html", "calendar").order_by("-created_at", "-id")


def failed_jobs(user) -> QuerySet:
    """Background jobs that failed for good or wait for a retry: platform-wide, for coordinators too."""
    if not _consortium_wide(user):
        return JobFailure.objects.none()
    return JobFailure.objects.filter(state__in=[JobFailure.State.FAILED, JobFailure.State.RETRYING])


def template_overview(consortium) -> list[dict]:
    """Every editable kind with, per language, whether the consortium has its own text."""
    own = {(t.kind, t.language): t for t in MessageTemplate.objects.filter(consortium=consortium)}
    rows = []
    for kind in kinds.all_kinds():
        if not kind.editable:
            continue
        rows.append({"kind": kind, "languages": [(lang, own.get((kind.key, lang))) for lang in ("sv", "en")]})
    return rows


def preview_registrations(user, consortium, query: str = "", limit: int = 30):
    """Recent registrations of the consortium to preview a message against (coordinators see them all)."""
    from larnav.registrations.models import Registration

    if not _consortium_wide(user) or consortium is None:
        return Registration.objects.none()
    qs = (Registration.objects.filter(consortium=consortium)
          .select_related("person", "session__activity").order_by("-created_at", "-pk"))
    for word in (query or "").split()[:5]:
        qs = qs.filter(Q(person__first_name__icontains=word) | Q(person__last_name__icontains=word)
                       | Q(person__email__icontains=word) | Q(session__activity__title__icontains=word))
    return qs[:limit]


def preview_registration(user, consortium, pk):
    """One registration of the consortium to preview against, or None."""
    from larnav.registrations.models import Registration

    if not _consortium_wide(user) or consortium is None or not str(pk or "").isdigit():
        return None
    return (Registration.objects.filter(consortium=consortium, pk=int(pk))
            .select_related("person", "session__activity", "consortium").first())
