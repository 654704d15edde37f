"""Test helpers: what the outbox holds and sent."""

from .models import MessageStatus, OutgoingMessage


def sent_to(kind: str) -> list[str]:
    """The addresses that a message of ``kind`` was sent to, sorted."""
    return sorted(OutgoingMessage.objects.filter(kind=kind, status=MessageStatus.SENT)
                  .values_list("to_email", flat=True))


def queued(kind: str | None = None) -> list[OutgoingMessage]:
    qs = OutgoingMessage.objects.filter(status=MessageStatus.QUEUED).order_by("id")
    return list(qs.filter(kind=kind) if kind else qs)
