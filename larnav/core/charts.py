"""Accessible charts rendered on the server as SVG, always with their figures as a table.

Every chart in Lärnav is a bar, line or share chart over named categories
(municipalities, tertials, question answers) with one or more series::

    chart = bar_chart(_("Participants per municipality"),
                      categories=["Huddinge", "Nacka"], series=[(_("Participants"), [12, "<5"])])

and is shown with ``{% include "core/includes/chart.html" with chart=chart %}``:
a ``<figure>`` holding the SVG (``role="img"`` with a title and a description)
and a real table with the same figures, so the chart is never the only way to
read them. ``chart.svg_document`` is a standalone SVG for PDF reports (fpdf2's
``pdf.image``).

Values are numbers, ``None`` (no data, shown as "–") or a string such as
``"<5"`` for a masked small cell: shown as it is in the table, drawn as 0.
No JavaScript and nothing from outside the app.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Distinguishable on white and for common colour-vision deficiencies (Okabe–Ito, darkened for contrast).
PALETTE = ("#0b4f6c", "#c45a00", "#1e6b33", "#8c3f87", "#a8321b", "#2b6fa8", "#6b5d00", "#4a4f55")
INK, MUTED, LINE = "#1d1d1f", "#4a4f55", "#c9ced4"
FONT = "Helvetica, Arial, sans-serif"
WIDTH = 640
# Vertical bars read best for a few short labels; more become horizontal rows.
MAX_VERTICAL_CATEGORIES = 6

_ids = itertools.count(1)

Value = int | float | Decimal | str | None


def _number(value: Value) -> float:
    """The value as drawn: masked and missing values are drawn as 0."""
    if value is None or isinstance(value, str):
        return 0.0
    return float(value)


def format_value(value: Value) -> str:
    """A value as shown in the table, in the active language's number format."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, float | Decimal) and value != int(value):
        return number_format(value, decimal_pos=1, force_grouping=True)
    return number_format(int(value), force_grouping=True)


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _text(x, y, content, *, anchor="start", size=12, fill=INK, weight="normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" fill="{fill}" '
            f'text-anchor="{anchor}" font-weight="{weight}">{escape(content)}</text>')


def _truncate(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


@dataclass
class Chart:
    title: str
    categories: list[str]
    series: list[tuple[str, list[Value]]]
    kind: str = "bar"  # bar | line | share
    unit: str = ""
    horizontal: bool | None = None
    uid: int = field(default_factory=lambda: next(_ids))

    def __post_init__(self):
        self.title = str(self.title)
        self.categories = [str(c) for c in self.categories]
        self.series = [(str(label), list(values)) for label, values in self.series]
        for label, values in self.series:
            if len(values) != len(self.categories):
                raise ValueError(f"series {label!r} has {len(values)} values for {len(self.categories)} categories")
        if self.horizontal is None:
            self.horizontal = self.kind == "share" or len(self.categories) > MAX_VERTICAL_CATEGORIES

    # --- The table ------------------------------------------------------------------------------
    @property
    def header(self) -> list[str]:
        unit = f" ({self.unit})" if self.unit else ""
        return [""] + [f"{label}{unit}" for label, _values in self.series]

    @property
    def rows(self) -> list[list[str]]:
        return [[category] + [format_value(values[i]) for _label, values in self.series]
                for i, category in enumerate(self.categories)]

    @property
    def is_empty(self) -> bool:
        return not self.categories

    # --- The SVG --------------------------------------------------------------------------------
    @property
    def svg(self) -> SafeString:
        return mark_safe(self._svg(standalone=False))  # noqa: S308 - every text in it is escaped

    @cached_property
    def svg_document(self) -> str:
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + self._svg(standalone=True)

    def _description(self) -> str:
        kinds = {"bar": _("Bar chart"), "line": _("Line chart"), "share": _("Chart of shares")}
        return _("%(kind)s with %(count)d categories. The same figures are in the table.") % {
            "kind": kinds[self.kind], "count": len(self.categories)}

    def _svg(self, *, standalone: bool) -> str:
        body, height = {"line": self._line, "share": self._share}.get(self.kind, self._bars)()
        legend, legend_height = self._legend(height)
        height += legend_height
        title_id, desc_id = f"chart-{self.uid}-title", f"chart-{self.uid}-desc"
        namespace = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
        size = f' width="{WIDTH}" height="{height}"' if standalone else ""
        return (
            f'<svg{namespace}{size} viewBox="0 0 {WIDTH} {height}" role="img" class="chart-svg" '
            f'aria-labelledby="{title_id} {desc_id}" preserveAspectRatio="xMinYMin meet">'
            f'<title id="{title_id}">{escape(self.title)}</title><desc id="{desc_id}">{escape(self._description())}</desc>'
            f'{body}{legend}</svg>'
        )

    def _legend(self, top: int) -> tuple[str, int]:
        if len(self.series) < 2:
            return "", 0
        parts, x, y = [], 8.0, top + 14
        for i, (label, _values) in enumerate(self.series):
            text = _truncate(label, 30)
            width = 22 + 7 * len(text)
            if x + width > WIDTH:
                x, y = 8.0, y + 20
            parts.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
            parts.append(_text(x + 16, y, text, size=12))
            x += width + 12
        return "".join(parts), int(y - top + 10)

    def _scale(self) -> float:
        return _nice_max(max((_number(v) for _label, values in self.series for v in values), default=0))

    def _bars(self) -> tuple[str, int]:
        return self._horizontal_bars() if self.horizontal else self._vertical_bars()

    def _horizontal_bars(self) -> tuple[str, int]:
        label_width, value_width, bar, gap = 200, 70, 16, 10
        group = bar * len(self.series) + gap
        plot = WIDTH - label_width - value_width
        top = 8
        height = top + group * len(self.categories) + 8
        scale = self._scale()
        parts = [f'<line x1="{label_width}" y1="{top - 4}" x2="{label_width}" y2="{height - 4}" stroke="{MUTED}"/>']
        for i, category in enumerate(self.categories):
            y0 = top + i * group
            parts.append(_text(label_width - 6, y0 + group / 2 + 1, _truncate(category, 30), anchor="end"))
            for s, (_label, values) in enumerate(self.series):
                width = plot * _number(values[i]) / scale
                y = y0 + s * bar
                parts.append(f'<rect x="{label_width}" y="{y:.1f}" width="{width:.1f}" height="{bar - 2}" '
                             f'fill="{PALETTE[s % len(PALETTE)]}"/>')
                parts.append(_text(label_width + width + 4, y + bar - 5, format_value(values[i]), size=11, fill=MUTED))
        return "".join(parts), height

    def _axis(self, left, top, plot_height, scale, width) -> list[str]:
        parts = []
        for tick in range(5):
            value = scale * tick / 4
            y = top + plot_height - plot_height * tick / 4
            parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" stroke="{LINE}"/>')
            parts.append(_text(left - 6, y + 4, format_value(value if value != int(value) else int(value)),
                               anchor="end", size=11, fill=MUTED))
        return parts

    def _vertical_bars(self) -> tuple[str, int]:
        left, top, plot_height = 56, 12, 200
        scale = self._scale()
        parts = self._axis(left, top, plot_height, scale, WIDTH - 8)
        slot = (WIDTH - 8 - left) / max(len(self.categories), 1)
        bar = min(48.0, (slot - 16) / max(len(self.series), 1))
        for i, category in enumerate(self.categories):
            x0 = left + i * slot + (slot - bar * len(self.series)) / 2
            for s, (_label, values) in enumerate(self.series):
                h = plot_height * _number(values[i]) / scale
                x = x0 + s * bar
                parts.append(f'<rect x="{x:.1f}" y="{top + plot_height - h:.1f}" width="{bar - 2:.1f}" '
                             f'height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}"/>')
                parts.append(_text(x + bar / 2 - 1, top + plot_height - h - 4, format_value(values[i]),
                                   anchor="middle", size=11, fill=MUTED))
            parts.append(_text(left + i * slot + slot / 2, top + plot_height + 18,
                               _truncate(category, int(slot / 7)), anchor="middle"))
        return "".join(parts), top + plot_height + 28

    def _line(self) -> tuple[str, int]:
        left, top, plot_height, right = 56, 12, 200, WIDTH - 16
        scale = self._scale()
        parts = self._axis(left, top, plot_height, scale, right)
        count = len(self.categories)
        step = (right - left) / max(count - 1, 1)
        for i, category in enumerate(self.categories):
            x = left + i * step if count > 1 else (left + right) / 2
            parts.append(_text(x, top + plot_height + 18, _truncate(category, max(int(step / 7), 4)), anchor="middle"))
        for s, (_label, values) in enumerate(self.series):
            colour = PALETTE[s % len(PALETTE)]
            points = []
            for i, value in enumerate(values):
                if value is None:
                    continue
                x = left + i * step if count > 1 else (left + right) / 2
                y = top + plot_height - plot_height * _number(value) / scale
                points.append((x, y))
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>')
            if len(points) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        return "".join(parts), top + plot_height + 28

    def _share(self) -> tuple[str, int]:
        label_width, bar, gap, top = 200, 20, 8, 8
        plot = WIDTH - label_width - 16
        parts = []
        for i, category in enumerate(self.categories):
            y = top + i * (bar + gap)
            parts.append(_text(label_width - 6, y + bar - 5, _truncate(category, 30), anchor="end"))
            total = sum(_number(values[i]) for _label, values in self.series)
            x = float(label_width)
            for s, (_label, values) in enumerate(self.series):
                if not total:
                    break
                width = plot * _number(values[i]) / total
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{bar}" '
                             f'fill="{PALETTE[s % len(PALETTE)]}"/>')
                if width > 34:
                    parts.append(_text(x + width / 2, y + bar - 6, f"{round(100 * _number(values[i]) / total)} %",
                                       anchor="middle", size=11, fill="#ffffff", weight="bold"))
                x += width
        return "".join(parts), top + len(self.categories) * (bar + gap) + 4


def bar_chart(title, categories, series, *, unit="", horizontal=None) -> Chart:
    return Chart(title, list(categories), list(series), kind="bar", unit=unit, horizontal=horizontal)


def line_chart(title, categories, series, *, unit="") -> Chart:
    return Chart(title, list(categories), list(series), kind="line", unit=unit, horizontal=False)


def share_chart(title, categories, series, *, unit="") -> Chart:
    return Chart(title, list(categories), list(series), kind="share", unit=unit, horizontal=True)
