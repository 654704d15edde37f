"""PDFs: the signature list (namnlista) of an occasion and the certificate (intyg) of a completion.

Both use fpdf2's built-in Helvetica, so nothing depends on fonts installed on
the machine. Built-in fonts are written in WinAnsiEncoding (cp1252), which has
every Swedish letter (å ä ö é ü) and the usual punctuation (– ” €); any other
character is replaced by its base letter (ő → o, Ł → L) or, failing that,
by "?", never an error.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

import segno
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "Helvetica"
ENCODING = "windows-1252"
INK = (29, 29, 31)
MUTED = (74, 79, 85)
BRAND = (11, 79, 108)

# Letters that have no decomposition to a base letter.
_BASE_LETTERS = str.maketrans({
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ŀ": "L", "ŀ": "l", "Ŧ": "T",
    "ŧ": "t", "Ŋ": "N", "ŋ": "n", "ĸ": "k", "Ə": "E", "ə": "e", "\u2010": "-", "\u2011": "-", "\u2212": "-",
    "\u2009": " ", "\u202f": " ", "\u2032": "'", "\u2033": '"',
})


def _encodable(text: str) -> bool:
    try:
        text.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def pdf_text(value) -> str:
    """``value`` as text the built-in fonts can show."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    out = []
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf"):
            out.append(" " if char in "\t\n\r" else "")
        elif _encodable(char):
            out.append(char)
        else:
            mapped = char.translate(_BASE_LETTERS)
            if mapped == char:
                mapped = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(mapped if mapped and _encodable(mapped) else "?")
    return "".join(out)


def _local(value: datetime) -> datetime:
    return timezone.localtime(value)


def format_date(value: datetime) -> str:
    return formats.date_format(_local(value), "j F Y")


def format_occasion(occasion) -> str:
    start, end = _local(occasion.start), _local(occasion.end)
    day = formats.date_format(start, "l j F Y")
    if start.date() == end.date():
        return f"{day}, {start:%H:%M}–{end:%H:%M}"
    return f"{day} {start:%H:%M} – {formats.date_format(end, 'j F Y')} {end:%H:%M}"


def format_span(first: datetime | None, last: datetime | None) -> str:
    if first is None:
        return ""
    if last is None or _local(first).date() == _local(last).date():
        return format_date(first)
    return f"{format_date(first)} – {format_date(last)}"


class _Document(FPDF):
    def __init__(self, title: str, footer_text: str = ""):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.core_fonts_encoding = ENCODING
        self.footer_text = pdf_text(footer_text)
        self.set_title(pdf_text(title))
        self.set_creator("Lärnav")
        self.set_author("Lärnav")
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=20)
        self.set_text_color(*INK)

    def footer(self):
        if not self.footer_text:
            return
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        page = pdf_text(_("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"})
        self.cell(0, 5, self.footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, page, align="R")
        self.set_text_color(*INK)

    def line_of(self, text, size=11, style="", height=None, align="L", color=INK):
        self.set_font(FONT, style, size)
        self.set_text_color(*color)
        self.multi_cell(0, height or size * 0.5, pdf_text(text), align=align,
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def qr(self, data: str, x: float, y: float, size: float):
        """A QR code drawn as vector squares (no image), ``size`` mm wide, with its quiet zone."""
        code = segno.make(data, error="m")
        rows = list(code.matrix_iter(border=4))
        module = size / len(rows)
        self.set_fill_color(255, 255, 255)
        self.rect(x, y, size, size, style="F")
        self.set_fill_color(*INK)
        for row_index, row in enumerate(rows):
            run_start = None
            for col_index, dark in enumerate([*row, 0]):
                if dark and run_start is None:
                    run_start = col_index
                elif not dark and run_start is not None:
                    # A hair of overlap, so that viewers that smooth edges show no seams between rows.
                    self.rect(x + run_start * module, y + row_index * module, (col_index - run_start) * module,
                              module * 1.05, style="F")
                    run_start = None

    def output_bytes(self) -> bytes:
        return bytes(self.output())


def signature_list(occasion, registrations, *, trainers=(), compress: bool = True) -> bytes:
    """The printable list for one occasion: who was expected, where they work, and room to sign."""
    session = occasion.session
    activity = session.activity
    title = activity.title + (f" – {session.name}" if session.name else "")
    printed = formats.date_format(timezone.localtime(), "Y-m-d H:i")
    pdf = _Document(_("Signature list") + f": {title}",
                    _("Printed %(when)s from Lärnav") % {"when": printed})
    pdf.set_compression(compress)
    pdf.set_lang(get_language() or "sv")
    pdf.add_page()
    pdf.line_of(_("Signature list"), size=10, style="B", color=BRAND)
    pdf.line_of(title, size=16, style="B", height=8)
    pdf.ln(1)
    pdf.line_of(format_occasion(occasion), size=11)
    place = ", ".join(p for p in (occasion.place, occasion.address) if p)
    if place:
        pdf.line_of(place, size=11)
    if trainers:
        pdf.line_of(_("Trainers: %(names)s") % {"names": ", ".join(trainers)}, size=10, color=MUTED)
    pdf.ln(4)

    pdf.set_font(FONT, "", 10)
    headings = ("#", _("Name"), _("Workplace"), _("Signature"))
    with pdf.table(col_widths=(8, 52, 52, 62), line_height=6, padding=2, first_row_as_headings=True,
                   repeat_headings=1, text_align=("RIGHT", "LEFT", "LEFT", "LEFT")) as table:
        header = table.row()
        for heading in headings:
            header.cell(pdf_text(heading))
        number = 0
        for number, reg in enumerate(registrations, start=1):
            row = table.row()
            row.cell(str(number))
            row.cell(pdf_text(f"{reg.person.last_name}, {reg.person.first_name}"))
            workplace = reg.workplace.name if reg.workplace else ""
            row.cell(pdf_text(workplace))
            row.cell("")
        for extra in range(number + 1, number + 4):  # room for anyone not on the list
            row = table.row()
            for value in (str(extra), "", "", ""):
                row.cell(value)
    pdf.ln(3)
    pdf.line_of(_("%(count)s registered participants. Anyone not on the list writes their name, "
                  "workplace and e-mail on an empty row.") % {"count": len(registrations)}, size=9, color=MUTED)
    return pdf.output_bytes()


def certificate(registration, *, code: str, verify_url: str, compress: bool = True) -> bytes:
    """The certificate (intyg) of a completed registration."""
    session = registration.session
    activity = session.activity
    consortium = registration.consortium
    person = registration.person
    issuer = consortium.name
    pdf = _Document(_("Certificate") + f": {activity.title}")
    pdf.set_compression(compress)
    pdf.set_lang(get_language() or "sv")
    pdf.set_subject(pdf_text(activity.title))
    pdf.add_page()
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(0.8)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_y(30)
    pdf.line_of(issuer, size=12, style="B", align="C", color=BRAND)
    pdf.ln(10)
    pdf.line_of(_("Certificate"), size=30, style="B", height=14, align="C")
    pdf.ln(8)
    pdf.line_of(_("This is to certify that"), size=12, align="C", color=MUTED)
    pdf.ln(2)
    pdf.line_of(person.full_name, size=22, style="B", height=11, align="C")
    pdf.ln(2)
    pdf.line_of(_("has completed"), size=12, align="C", color=MUTED)
    pdf.ln(2)
    pdf.line_of(activity.title, size=18, style="B", height=9, align="C")
    if session.name:
        pdf.line_of(session.name, size=12, align="C")
    pdf.ln(10)

    facts = [
        (_("Date"), format_span(session.first_start, session.last_end)),
        (_("Hours"), formats.number_format(registration.hours_credited, decimal_pos=1)
         if registration.hours_credited is not None else "–"),
        (_("Provider"), issuer if activity.provider_kind == activity.ProviderKind.OWN else activity.provider_display),
        (_("Issued by"), issuer),
    ]
    label_width = 45
    left = (pdf.w - 140) / 2
    for label, value in facts:
        pdf.set_x(left)
        pdf.set_font(FONT, "B", 11)
        pdf.cell(label_width, 7, pdf_text(label))
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(140 - label_width, 7, pdf_text(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    qr_size = 34
    top = pdf.h - 18 - 20 - qr_size
    pdf.qr(verify_url, pdf.w - 18 - 6 - qr_size, top, qr_size)
    pdf.set_xy(24, top + 4)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 6, pdf_text(_("Verification code: %(code)s") % {"code": code}),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(24)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(pdf.w - 48 - qr_size - 6, 4.5, pdf_text(
        _("Anyone can check this certificate at %(url)s") % {"url": verify_url}),
        align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(24)
    pdf.cell(0, 5, pdf_text(_("Issued %(date)s") % {"date": format_date(timezone.now())}))
    return pdf.output_bytes()
