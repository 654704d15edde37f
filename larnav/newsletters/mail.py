"""The newsletter as an e-mail: HTML and plain-text parts, one-click unsubscribe headers (RFC 8058).

The author's Markdown is rendered once per newsletter (safely, by the
catalog's helper) and the frame around it once per recipient language and
reason; per recipient only their unsubscribe link is filled in. So building
ten thousand messages costs ten thousand string replacements, not ten
thousand template renderings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr
from urllib.parse import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from larnav.catalog.text import render_markdown

from .models import Delivery, Newsletter

# Stand-ins in the rendered frame, replaced per recipient. Plain ASCII: escaping leaves them alone.
UNSUBSCRIBE_MARK = "LARNAV-UNSUBSCRIBE-URL"
MANAGE_MARK = "LARNAV-MANAGE-URL"


def unsubscribe_url(token: str) -> str:
    return settings.BASE_URL + reverse("newsletters:unsubscribe", args=[token])


def manage_url(token: str) -> str:
    return settings.BASE_URL + reverse("newsletters:subscription", args=[token])


def why_text(source: str, consortium) -> str:
    if source == Delivery.Source.SUBSCRIBER:
        return _("You receive this because you subscribe to the newsletter of %(consortium)s.") % {
            "consortium": consortium}
    if source == Delivery.Source.ROLE:
        return _("You receive this because of your role in %(consortium)s.") % {"consortium": consortium}
    return _("You receive this because you work in an organisation that is a member of %(consortium)s.") % {
        "consortium": consortium}


def sender(consortium) -> str:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((str(consortium) or name, address))


def list_id(consortium) -> str:
    domain = getattr(settings, "LARNAV_MESSAGE_ID_DOMAIN", "") or "larnav.localhost"
    return f"{consortium} <{consortium.slug}.newsletter.{domain}>"


@dataclass
class Frame:
    html: str
    text: str


@dataclass
class Prepared:
    """A newsletter ready to be addressed: its content rendered, its frames cached per language and reason."""

    newsletter: Newsletter
    content_html: str
    content_text: str
    from_email: str
    reply_to: list[str]
    list_id: str
    mailto: str
    frames: dict[tuple[str, str, bool], Frame] = field(default_factory=dict)

    def frame(self, language: str, source: str, test: bool = False) -> Frame:
        language = language if language in ("sv", "en") else "sv"
        key = (language, source, test)
        if key not in self.frames:
            newsletter = self.newsletter
            with translation.override(language):
                context = {
                    "subject": newsletter.subject, "content_html": self.content_html,
                    "content_text": self.content_text, "consortium": newsletter.consortium,
                    "language": language, "content_language": newsletter.language, "test": test,
                    "why": why_text(source, newsletter.consortium),
                    "unsubscribe_url": UNSUBSCRIBE_MARK,
                    "manage_url": MANAGE_MARK if source == Delivery.Source.SUBSCRIBER else "",
                }
                self.frames[key] = Frame(
                    html=render_to_string("newsletters/email/newsletter.html", context),
                    text=render_to_string("newsletters/email/newsletter.txt", context),
                )
        return self.frames[key]


def prepare(newsletter: Newsletter) -> Prepared:
    consortium = newsletter.consortium
    contact = consortium.contact_email or getattr(settings, "LARNAV_NEWSLETTER_UNSUBSCRIBE_MAILTO", "")
    return Prepared(
        newsletter=newsletter,
        content_html=str(render_markdown(newsletter.body)),
        content_text=newsletter.body.strip().replace("\r\n", "\n"),
        from_email=sender(consortium),
        reply_to=[consortium.contact_email] if consortium.contact_email else [],
        list_id=list_id(consortium),
        mailto=f"mailto:{contact}?subject={quote('Avsluta prenumeration / Unsubscribe')}" if contact else "",
    )


def _message(prepared: Prepared, to: str, frame: Frame, replacements: dict[str, str], headers: dict,
             language: str) -> EmailMultiAlternatives:
    html, text = frame.html, frame.text
    for mark, value in replacements.items():
        html = html.replace(mark, value)
        text = text.replace(mark, value)
    message = EmailMultiAlternatives(
        subject=prepared.newsletter.subject, body=text, from_email=prepared.from_email, to=[to],
        reply_to=prepared.reply_to,
        headers={"List-Id": prepared.list_id, "Content-Language": language, **headers},
    )
    message.attach_alternative(html, "text/html")
    return message


def build(prepared: Prepared, delivery: Delivery) -> EmailMultiAlternatives:
    """The message for one delivery row, with its own one-click unsubscribe link."""
    link = unsubscribe_url(delivery.token)
    replacements = {UNSUBSCRIBE_MARK: link}
    subscription_token = getattr(delivery, "subscription_token", None)
    if delivery.source == Delivery.Source.SUBSCRIBER and subscription_token:
        replacements[MANAGE_MARK] = manage_url(subscription_token)
    else:
        replacements[MANAGE_MARK] = link
    unsubscribe = f"<{link}>" + (f", <{prepared.mailto}>" if prepared.mailto else "")
    headers = {
        "List-Unsubscribe": unsubscribe,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Precedence": "bulk",
    }
    to = formataddr((delivery.name, delivery.email)) if delivery.name else delivery.email
    return _message(prepared, to, prepared.frame(delivery.language, delivery.source), replacements, headers,
                    delivery.language)


def build_test(prepared: Prepared, address: str, language: str) -> EmailMultiAlternatives:
    """A test copy: the real newsletter, marked as a test, without an unsubscribe link (it has no recipient row)."""
    frame = prepared.frame(language, Delivery.Source.STAFF, test=True)
    message = _message(prepared, address, frame, {}, {}, language)
    with translation.override(language):
        message.subject = _("[Test] %(subject)s") % {"subject": prepared.newsletter.subject}
    return message


def preview(newsletter: Newsletter, language: str, source: str = Delivery.Source.STAFF) -> Frame:
    """The e-mail as a recipient in ``language`` would get it (the links point nowhere yet)."""
    frame = prepare(newsletter).frame(language, source)
    return Frame(html=frame.html.replace(UNSUBSCRIBE_MARK, "#").replace(MANAGE_MARK, "#"),
                 text=frame.text.replace(UNSUBSCRIBE_MARK, "…").replace(MANAGE_MARK, "…"))
