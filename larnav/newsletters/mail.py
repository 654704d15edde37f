"""The newsletter as an e-mail: HTML and plain-text parts, one-click unsubscribe headers (RFC 8058).

The author's Markdown is rendered once per newsletter (safely, by the
catalog's helper) and the frame around it once per recipient language and
reason. Even the MIME serialisation is done once per frame (and minute): the
message is built with stand-ins for the address, the Message-ID and the
links, serialised by Django as usual, and per recipient only those stand-ins
are replaced in the bytes. So ten thousand messages cost ten thousand byte
replacements, not ten thousand renderings and MIME encodings. A frame whose
serialisation would not take the replacement safely (a part that had to be
quoted-printable or base64 encoded) is built the ordinary way, per message.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from larnav.catalog.text import render_markdown

from .models import Delivery, Newsletter

# Stand-ins in the rendered frame, replaced per recipient. Plain ASCII: escaping leaves them alone.
UNSUBSCRIBE_MARK = "LARNAV-UNSUBSCRIBE-URL"
MANAGE_MARK = "LARNAV-MANAGE-URL"
TO_MARK = "LARNAV-TO-ADDRESS"
MESSAGE_ID_MARK = "LARNAV-MESSAGE-ID"
# A serialised frame is reused this long; then it is made again (its Date header stays current).
TEMPLATE_SECONDS = 60


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
    templates: dict[tuple[str, str], tuple[bytes | None, float]] = field(default_factory=dict)
    unsubscribe_prefix: str = ""
    manage_prefix: str = ""

    def unsubscribe_url(self, token: str) -> str:
        return self.unsubscribe_prefix + token + "/"

    def manage_url(self, token: str) -> str:
        return self.manage_prefix + token + "/"

    def list_unsubscribe(self, link: str) -> str:
        return f"<{link}>" + (f", <{self.mailto}>" if self.mailto else "")

    def template(self, language: str, source: str) -> bytes | None:
        """The serialised message for a frame with stand-ins, or None if it cannot be reused safely."""
        key = (language, source)
        cached = self.templates.get(key)
        if cached is not None and time.monotonic() - cached[1] < TEMPLATE_SECONDS:
            return cached[0]
        frame = self.frame(language, source)
        sample = _message(self, TO_MARK, frame, {}, _list_headers(self, UNSUBSCRIBE_MARK) | {
            "Message-ID": MESSAGE_ID_MARK}, language)
        raw = sample.message().as_bytes(linesep="\r\n")
        marks = frame.html.count(UNSUBSCRIBE_MARK) + frame.text.count(UNSUBSCRIBE_MARK) + 1
        safe = (
            raw.count(TO_MARK.encode()) == 1 and raw.count(MESSAGE_ID_MARK.encode()) == 1
            and raw.count(UNSUBSCRIBE_MARK.encode()) == marks
            and b"Content-Transfer-Encoding: quoted-printable" not in raw
            and b"Content-Transfer-Encoding: base64" not in raw
        )
        self.templates[key] = (raw if safe else None, time.monotonic())
        return self.templates[key][0]

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
    marker = "TOKEN-MARK"
    return Prepared(
        unsubscribe_prefix=unsubscribe_url(marker).replace(marker + "/", ""),
        manage_prefix=manage_url(marker).replace(marker + "/", ""),
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


def _list_headers(prepared: Prepared, link: str) -> dict:
    return {
        "List-Unsubscribe": prepared.list_unsubscribe(link),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Precedence": "bulk",
    }


class _Serialised:
    """What Django's mail backends ask of ``EmailMessage.message()``: the bytes, ready."""

    def __init__(self, data: bytes):
        self.data = data

    def as_bytes(self, unixfrom=False, linesep="\n"):
        return self.data if linesep == "\r\n" else self.data.replace(b"\r\n", linesep.encode())

    def get_charset(self):
        return None


class SerialisedEmail(EmailMultiAlternatives):
    """An e-mail whose MIME form was made from a serialised frame (see the module's docstring)."""

    def __init__(self, data: bytes, **kwargs):
        super().__init__(**kwargs)
        self.serialised = data

    def message(self):
        return _Serialised(self.serialised)


def build(prepared: Prepared, delivery: Delivery) -> EmailMultiAlternatives:
    """The message for one delivery row, with its own one-click unsubscribe link."""
    link = prepared.unsubscribe_url(delivery.token)
    subscription_token = getattr(delivery, "subscription_token", None)
    if delivery.source == Delivery.Source.SUBSCRIBER and subscription_token:
        manage = prepared.manage_url(subscription_token)
    else:
        manage = link
    to = formataddr((delivery.name, delivery.email)) if delivery.name else delivery.email
    language = delivery.language if delivery.language in ("sv", "en") else "sv"
    template = prepared.template(language, delivery.source)
    if template is None:
        return _message(prepared, to, prepared.frame(language, delivery.source),
                        {UNSUBSCRIBE_MARK: link, MANAGE_MARK: manage}, _list_headers(prepared, link), language)
    if delivery.email.isascii():  # what sanitize_address makes of it, at a fraction of the cost
        to_header = formataddr((delivery.name, delivery.email), charset="utf-8") if delivery.name else delivery.email
    else:
        to_header = sanitize_address((delivery.name, delivery.email), settings.DEFAULT_CHARSET)
    data = (template.replace(TO_MARK.encode(), to_header.encode())
            .replace(MESSAGE_ID_MARK.encode(), make_msgid(domain=DNS_NAME).encode())
            .replace(UNSUBSCRIBE_MARK.encode(), link.encode())
            .replace(MANAGE_MARK.encode(), manage.encode()))
    frame = prepared.frame(language, delivery.source)
    return SerialisedEmail(
        data, subject=prepared.newsletter.subject, from_email=prepared.from_email, to=[to],
        reply_to=prepared.reply_to, headers=_list_headers(prepared, link),
        body=frame.text.replace(UNSUBSCRIBE_MARK, link).replace(MANAGE_MARK, manage),
    )


def build_test(prepared: Prepared, address: str, language: str) -> EmailMultiAlternatives:
    """A test copy: the real newsletter, marked as a test, without an unsubscribe link (it has no recipient row)."""
    frame = prepared.frame(language, Delivery.Source.STAFF, test=True)
    message = _message(prepared, address, frame, {}, {}, language)
    with translation.override(language):
        message.subject = _("[Test] %(subject)s") % {"subject": prepared.newsletter.subject}
    return message


def preview(newsletter: Newsletter, language: str, source: str = Delivery.Source.STAFF,
            prepared: Prepared | None = None) -> Frame:
    """The e-mail as a recipient in ``language`` would get it (the links point nowhere yet)."""
    frame = (prepared or prepare(newsletter)).frame(language, source)
    return Frame(html=frame.html.replace(UNSUBSCRIBE_MARK, "#").replace(MANAGE_MARK, "#"),
                 text=frame.text.replace(UNSUBSCRIBE_MARK, "…").replace(MANAGE_MARK, "…"))
