"""Text helpers for the catalog: safe Markdown, Swedish search and sort keys."""

import unicodedata

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

# CommonMark without raw HTML: "<script>" in a description is shown as text.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.disable("image")

# Descriptions sit under the page's h1 and h2: their headings start at h3.
_HEADING_SHIFT = 2


def _shift_heading(self, tokens, idx, options, env):
    token = tokens[idx]
    level = min(int(token.tag[1]) + _HEADING_SHIFT, 6)
    token.tag = f"h{level}"
    return self.renderToken(tokens, idx, options, env)


_markdown.add_render_rule("heading_open", _shift_heading)
_markdown.add_render_rule("heading_close", _shift_heading)

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "blockquote",
                "code", "pre", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def render_markdown(text: str) -> SafeString:
    """Render Markdown to HTML that is safe to show: rendered, then sanitised with nh3 (Ammonia)."""
    html = _markdown.render(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


def fold(text: str) -> str:
    """Case-fold for searching: "ÅSA Öberg" and "åsa öberg" fold alike; å, ä, ö stay distinct letters."""
    return unicodedata.normalize("NFC", text or "").casefold()


# Swedish alphabetical order: ... x, y (ü), z, å, ä (æ), ö (ø). The three letters are mapped to
# the ASCII characters right after "z", so a byte-wise comparison gives Swedish order.
_SORT_MAP = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"})


def swedish_sort_key(text: str) -> str:
    """A key that sorts titles in Swedish order under a binary ("C") collation."""
    folded = unicodedata.normalize("NFC", (text or "").strip()).casefold().translate(_SORT_MAP)
    # Other accented letters sort with their base letter (é as e).
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
