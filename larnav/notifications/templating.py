"""Message templates with a closed set of placeholders.

A template is a subject line and a body in plain text with light Markdown
(paragraphs, **bold**, lists, links). Placeholders are written
``{{ name }}`` and must be among the kind's placeholders; nothing else in
double braces is allowed, and there are no tags or filters, so a template
cannot do anything but say its text. ``validate`` is what the template editor
calls before saving; ``render`` substitutes in one pass (a value that happens
to contain braces is never read as a placeholder) and produces the subject,
the plain text and the HTML of one message.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import nh3
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# What is left of template syntax once the well-formed placeholders are taken out.
STRAY = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True})
_markdown.disable("image")
_ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "hr", "h2", "h3", "h4"}


class TemplateError(ValueError):
    """A template uses a placeholder its kind does not have, or broken braces."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def placeholders_in(text: str) -> list[str]:
    return [m.group(1) for m in PLACEHOLDER.finditer(text or "")]


def validate(text: str, allowed: frozenset[str] | set[str]) -> list[str]:
    """The problems with ``text`` as a template for a kind with ``allowed`` placeholders (empty: fine)."""
    errors: list[str] = []
    unknown: list[str] = []
    for name in placeholders_in(text):
        if not NAME.match(name) or name not in allowed:
            if name not in unknown:
                unknown.append(name)
    for name in unknown:
        if not name:
            errors.append(_("An empty placeholder {{ }} is not allowed."))
        else:
            errors.append(_("Unknown placeholder {{ %(name)s }}. Use one of those listed next to the field.")
                          % {"name": name})
    if STRAY.search(PLACEHOLDER.sub("", text or "")):
        errors.append(_("Unmatched braces: a placeholder is written {{ name }}, with two braces on each side, "
                        "and no other template code is allowed."))
    return errors


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _substitute(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), text)


def _tidy(text: str) -> str:
    # An empty optional placeholder leaves blank lines behind: keep at most one.
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def render(subject: str, body: str, values: dict[str, str], *, allowed: frozenset[str],
           language: str = "sv") -> Rendered:
    """Render one message; raises TemplateError if the templates are not valid for ``allowed``."""
    errors = validate(subject, allowed) + validate(body, allowed)
    if errors:
        raise TemplateError(errors)
    values = {name: str(values.get(name, "") or "") for name in allowed}
    rendered_subject = " ".join(_substitute(subject, values).split())
    text = _tidy(_substitute(body, values))

    # HTML: the Markdown is rendered with each placeholder standing in as an inert token,
    # then each token is replaced by its escaped value, so values are never read as Markdown.
    tokens: dict[str, str] = {}

    def token_for(match):
        token = f"LARNAVVALUE{len(tokens)}X"
        tokens[token] = match.group(1)
        return token

    skeleton = PLACEHOLDER.sub(token_for, body.replace("\r\n", "\n"))
    fragment = nh3.clean(_markdown.render(skeleton), tags=_ALLOWED_TAGS, attributes={"a": {"href"}},
                         url_schemes={"http", "https", "mailto"}, link_rel=None)

    def html_value(name: str) -> str:
        value = values.get(name, "")
        escaped = html.escape(value).replace("\n", "<br>\n")
        if re.fullmatch(r"https?://\S+", value):
            return f'<a href="{html.escape(value, quote=True)}">{escaped}</a>'
        return escaped

    for token, name in tokens.items():
        # A placeholder used as a link target gets the bare (escaped) address.
        fragment = fragment.replace(f'href="{token}"', f'href="{html.escape(values.get(name, ""), quote=True)}"')
        fragment = fragment.replace(token, html_value(name))
    # Paragraphs that only held an empty placeholder are dropped.
    fragment = re.sub(r"<p>\s*</p>\n?", "", fragment)
    document = (
        f'<!DOCTYPE html>\n<html lang="{html.escape(language)}">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(rendered_subject)}</title></head>\n"
        '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 16px; line-height: 1.5; '
        'color: #1a1a1a; max-width: 40em;">\n'
        f"{fragment}</body>\n</html>\n"
    )
    return Rendered(subject=rendered_subject, text=text, html=document)
