"""Render an outbox row into the e-mail that is sent: template, values, both parts, calendar."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.utils import translation

from . import kinds, templating
from .models import MessageTemplate, OutgoingMessage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str
    calendar: str = ""
    calendar_part: kinds.Calendar | None = None
    # Values (links with tokens) that must not be kept in the stored copy.
    secrets: tuple[str, ...] = ()

    def stored(self) -> tuple[str, str]:
        """The plain text and HTML as kept in the outbox: secret values blanked out."""
        text, html = self.text, self.html
        for value in self.secrets:
            if value:
                text = text.replace(value, "[…]")
                html = html.replace(value, "[…]")
        return text, html


def default_template(kind: kinds.MessageKind, language: str) -> tuple[str, str]:
    with translation.override(language):
        return str(kind.subject), str(kind.body)


def template_for(kind: kinds.MessageKind, consortium_id, language: str) -> tuple[str, str, bool]:
    """(subject, body, is_custom) for ``kind`` in ``language``: the consortium's own text or the built-in one."""
    if consortium_id and kind.editable:
        custom = MessageTemplate.objects.filter(consortium_id=consortium_id, kind=kind.key,
                                                language=language).first()
        if custom is not None:
            return custom.subject, custom.body, True
    subject, body = default_template(kind, language)
    return subject, body, False


def render_with(kind: kinds.MessageKind, subject: str, body: str, values: dict[str, str],
                language: str) -> templating.Rendered:
    return templating.render(subject, body, values, allowed=kind.names, language=language)


def render_message(message: OutgoingMessage) -> RenderedMessage | None:
    """What ``message`` says now, or None when there is nothing to send any more."""
    kind = kinds.get(message.kind)
    language = message.language if message.language in ("sv", "en") else "sv"
    with translation.override(language):
        values = kind.values(message)
        if values is None:
            return None
        subject, body, custom = template_for(kind, message.consortium_id, language)
        try:
            rendered = render_with(kind, subject, body, values, language)
        except templating.TemplateError:
            if not custom:
                raise
            # A saved template is validated, but a placeholder may have been retired since:
            # never send raw braces, send the built-in text instead.
            logger.warning("Template for %s/%s is no longer valid; using the built-in text", kind.key, language)
            subject, body = default_template(kind, language)
            rendered = render_with(kind, subject, body, values, language)
        calendar = kind.calendar(message) if kind.calendar else None
    return RenderedMessage(
        subject=rendered.subject, text=rendered.text, html=rendered.html,
        calendar=calendar.content.decode("utf-8") if calendar else "", calendar_part=calendar,
        secrets=tuple(values.get(name, "") for name in kind.secret),
    )


def build_email(message: OutgoingMessage):
    """(EmailMultiAlternatives, RenderedMessage) for ``message``, or None when there is nothing to send."""
    from .outbox import build_message

    rendered = render_message(message)
    if rendered is None:
        return None
    email = build_message(message, rendered.subject, rendered.text, rendered.html, rendered.calendar_part)
    return email, rendered


def preview_values(kind: kinds.MessageKind, language: str, registration=None, manager=None) -> dict[str, str]:
    """Values for a preview: from a real registration where the kind is about one, else the examples.

    The kind's own rules about whether to send (status, time) do not apply to a
    preview; what cannot be read from the registration keeps its example value.
    """
    values = kind.example_values()
    if registration is None or kind.preview_source != "registration":
        return values
    from django.conf import settings
    from django.urls import reverse

    from .messages import registration_values

    with translation.override(language):
        values.update(registration_values(registration))
        values["approvals_url"] = settings.BASE_URL + reverse("registrations:approvals")
        values["evaluation_url"] = values["manage_url"]
        if manager is not None and manager.first_name:
            values["manager_first_name"] = manager.first_name
        if registration.expected_benefit:
            from django.utils.translation import gettext

            values["expected_benefit"] = gettext("Expected benefit:") + " " + registration.expected_benefit
    return {name: value for name, value in values.items() if name in kind.names}
