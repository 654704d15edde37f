"""The registry of message kinds: what each kind of e-mail may say and how its values are found.

A kind declares a closed set of placeholders. Coordinators' templates may use
only those (``templating.validate`` refuses anything else), and the kind's
``values`` function turns an outbox row's small JSON context into the
placeholders' text at send time, reading the current state of the database.

Apps register their kinds when Django starts (in ``AppConfig.ready`` or a
module it imports)::

    from larnav.notifications.kinds import MessageKind, Placeholder, register

    register(MessageKind(
        key="newsletter",
        label=_("Newsletter"),
        audience=_("Subscribers"),
        placeholders=(Placeholder("first_name", _("The recipient's first name"), "Anna"), ...),
        subject=_("News from {{ consortium }}"),
        body=_("Hello {{ first_name }},\\n\\n..."),
        values=lambda message: {...} or None,   # None: there is nothing to send any more
    ))

``subject`` and ``body`` are the built-in texts (English message ids,
translated by gettext into the recipient's language) used until a
coordinator saves their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import OutgoingMessage


@dataclass(frozen=True)
class Placeholder:
    name: str
    label: Any  # lazy translation
    example: str = ""


@dataclass(frozen=True)
class Calendar:
    """An iCalendar attachment: the document and its METHOD (REQUEST or CANCEL)."""

    content: bytes
    method: str


@dataclass(frozen=True)
class MessageKind:
    key: str
    label: Any
    audience: Any
    placeholders: tuple[Placeholder, ...]
    subject: Any
    body: Any
    # The placeholders' values for an outbox row, or None when there is nothing to send any more.
    values: Callable[[OutgoingMessage], dict[str, str] | None]
    # An optional iCalendar attachment for the row.
    calendar: Callable[[OutgoingMessage], Calendar | None] | None = None
    # What a preview is rendered against: "registration" (a real one) or None (the examples).
    preview_source: str | None = None
    editable: bool = True
    order: int = 100
    help_text: Any = ""
    # Placeholders whose values (links with tokens) are blanked out in the stored copy of a sent message.
    secret: frozenset[str] = frozenset()
    names: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "names", frozenset(p.name for p in self.placeholders))

    def example_values(self) -> dict[str, str]:
        return {p.name: p.example for p in self.placeholders}


_REGISTRY: dict[str, MessageKind] = {}


def register(kind: MessageKind) -> MessageKind:
    existing = _REGISTRY.get(kind.key)
    if existing is not None and existing is not kind:
        raise ValueError(f"The message kind {kind.key!r} is registered twice.")
    _REGISTRY[kind.key] = kind
    return kind


def get(key: str) -> MessageKind:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise LookupError(f"Unknown message kind {key!r}; register it in larnav.notifications.kinds.") from None


def is_registered(key: str) -> bool:
    return key in _REGISTRY


def all_kinds() -> list[MessageKind]:
    return sorted(_REGISTRY.values(), key=lambda k: (k.order, k.key))
