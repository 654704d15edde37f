"""A report as a PDF: a first page with the facts, then every table with its chart.

Charts are the shared SVG charts (``larnav.core.charts``) embedded as vector
images, so the PDF shows the same chart as the web page, and each is followed
by its table. Text uses fpdf2's built-in Helvetica like the other PDFs
(``larnav.attendance.pdf``: any character outside cp1252 becomes its base
letter).
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from larnav.attendance.pdf import BRAND, ENCODING, FONT, INK, MUTED, pdf_text
from larnav.core.charts import format_value

from .document import Report, Table

# A chart with more categories than this is left out: its table says the same and a chart that tall reads badly.
MAX_CHART_CATEGORIES = 35
HEADING_FILL = (232, 238, 242)
_UNDRAWN = re.compile(r"<title[^>]*>.*?</title>|<desc[^>]*>.*?</desc>", re.S)
_SVG_SIZE = re.compile(r'<svg[^>]*\swidth="(\d+(?:\.\d+)?)"\s+height="(\d+(?:\.\d+)?)"')


class _ReportDocument(FPDF):
    def __init__(self, report: Report):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.core_fonts_encoding = ENCODING
        self.report = report
        self.set_title(pdf_text(report.title))
        self.set_subject(pdf_text(report.subtitle))
        self.set_creator("Lärnav")
        self.set_author("Lärnav")
        self.set_lang(get_language() or "sv")
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=20)
        self.set_text_color(*INK)
        self.alias_nb_pages()

    @property
    def width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def footer(self):
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        created = formats.date_format(self.report.generated_at, "SHORT_DATETIME_FORMAT")
        line = _("%(title)s – created %(when)s") % {"title": self.report.title, "when": created}
        self.cell(0, 5, pdf_text(line), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, pdf_text(_("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}),
                  align="R")
        self.set_text_color(*INK)

    def text_line(self, text, size=10, style="", color=INK, height=None):
        self.set_font(FONT, style, size)
        self.set_text_color(*color)
        self.multi_cell(0, height or size * 0.5, pdf_text(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def room_left(self) -> float:
        return self.h - self.b_margin - self.get_y()


def _cell_text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return formats.number_format(value, decimal_pos=1, force_grouping=True)
    return format_value(value)


# fpdf2 measures SVG text with the core fonts' Latin-1 widths: typographic punctuation becomes ASCII.
_LATIN1 = str.maketrans({"–": "-", "—": "-", "…": "...", "“": '"', "”": '"', "‘": "'", "’": "'", "•": "*",
                         "€": "EUR", "‰": "o/oo", "™": "TM", "\u00a0": " "})


def svg_text(svg: str) -> str:
    """``svg`` with every character the PDF's SVG text can measure (Latin-1), others by their base letter."""
    out = []
    for char in pdf_text(svg).translate(_LATIN1):
        try:
            char.encode("latin-1")
        except UnicodeEncodeError:
            char = "?"
        out.append(char)
    return "".join(out)


def _chart_height(svg: str, width_mm: float) -> float:
    match = _SVG_SIZE.search(svg)
    if not match:
        return width_mm * 0.5
    width, height = float(match.group(1)), float(match.group(2))
    return width_mm * height / width


def _first_page(pdf: _ReportDocument, report: Report) -> None:
    pdf.add_page()
    pdf.text_line(report.subtitle, size=10, style="B", color=BRAND)
    pdf.ln(1)
    pdf.text_line(report.title, size=20, style="B", height=9)
    pdf.ln(4)
    label_width = 55
    for label, value in report.facts:
        pdf.set_font(FONT, "B", 10)
        pdf.cell(label_width, 6, pdf_text(label))
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(pdf.width - label_width, 6, pdf_text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if report.notes:
        pdf.ln(3)
        for note in report.notes:
            pdf.text_line(note, size=9, color=MUTED, height=4.5)
            pdf.ln(1)
    pdf.ln(3)
    pdf.text_line(_("Contents"), size=12, style="B")
    for number, table in enumerate(report.tables, start=1):
        pdf.text_line(f"{number}. {table.title}", size=10, height=5.5)


def _chart_svg(pdf: _ReportDocument, table: Table) -> tuple[str, float, float] | None:
    """The table's chart as SVG with the width and height it is drawn at (mm), or None."""
    chart = table.chart_of()
    if chart is None or len(chart.categories) > MAX_CHART_CATEGORIES:
        return None
    # The heading is the chart's title; fpdf2 draws neither <title> nor <desc>, so leave them out.
    svg = svg_text(_UNDRAWN.sub("", chart.svg_document))
    width = pdf.width
    height = _chart_height(svg, width)
    page_room = pdf.h - pdf.t_margin - pdf.b_margin - 16
    if height > page_room:  # a tall chart is made narrower to fit one page with its heading
        width, height = width * page_room / height, page_room
    return svg, width, height


def _table(pdf: _ReportDocument, number: int, table: Table) -> None:
    chart = None if table.is_empty else _chart_svg(pdf, table)
    # Keep the heading with what follows it: the chart, or the first rows of the table.
    needed = 16 + (chart[2] if chart else 30)
    if pdf.room_left() < needed:
        pdf.add_page()
    else:
        pdf.ln(6)
    pdf.text_line(f"{number}. {table.title}", size=13, style="B", height=7)
    if table.note:
        pdf.text_line(table.note, size=9, color=MUTED, height=4.5)
    pdf.ln(2)
    if table.is_empty:
        pdf.text_line(table.empty_text or _("No figures for this selection."), size=10, color=MUTED)
        return
    if chart is not None:
        svg, width, height = chart
        if height > pdf.room_left():
            pdf.add_page()
        pdf.image(io.BytesIO(svg.encode("utf-8")), x=pdf.l_margin + (pdf.width - width) / 2, w=width, h=height)
        pdf.ln(3)
    columns = len(table.headers)
    if table.pdf_widths:
        widths = list(table.pdf_widths)
    else:
        first = 0.42 if columns <= 3 else 0.32 if columns <= 5 else 0.22
        widths = [first] + [(1 - first) / max(columns - 1, 1)] * (columns - 1)
    shown = [i for i, w in enumerate(widths) if w > 0]
    pdf.set_font(FONT, "", 9 if len(shown) <= 6 else 8)
    heading_style = FontFace(emphasis="BOLD", fill_color=HEADING_FILL)
    numeric = _numeric_columns(table)
    align = ["RIGHT" if i in numeric else "LEFT" for i in shown]
    with pdf.table(col_widths=[widths[i] * 100 for i in shown], line_height=4.6, padding=1.2,
                   first_row_as_headings=True, repeat_headings=1, headings_style=heading_style,
                   text_align=align) as pdf_table:
        header = pdf_table.row()
        for i in shown:
            header.cell(pdf_text(table.headers[i]))
        for row in table.rows:
            line = pdf_table.row()
            for i in shown:
                line.cell(pdf_text(_cell_text(row[i])))
        if table.total:
            line = pdf_table.row(style=FontFace(emphasis="BOLD"))
            for i in shown:
                line.cell(pdf_text(_cell_text(table.total[i])))


def _numeric_columns(table: Table) -> set[int]:
    """Columns holding numbers (a masked "<5" among them keeps the column numeric)."""
    numeric = set()
    for i in range(1, len(table.headers)):
        values = [row[i] for row in table.rows if row[i] is not None]
        if not values and i in table.percent_columns:
            numeric.add(i)
        elif values and all(_is_number(v) or (isinstance(v, str) and v.startswith("<")) for v in values):
            numeric.add(i)
    return numeric


def _is_number(value) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def render_pdf(report: Report, *, compress: bool = True) -> bytes:
    pdf = _ReportDocument(report)
    pdf.set_compression(compress)
    _first_page(pdf, report)
    for number, table in enumerate(report.tables, start=1):
        _table(pdf, number, table)
    return bytes(pdf.output())
