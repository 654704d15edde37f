"""The statistics dashboard as a file: XLSX with every table of the page, CSV with its breakdown.

Everything is read from the ``Dashboard`` the page shows (``charts.dashboard``),
so the page and the file cannot differ: the same rows, the same totals and the
same masking. A masked cell is already the text "<5" in the selectors' rows
(``selectors._mask_row``) and is written as that text; nothing here sees the
real number behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.http import HttpResponse
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from larnav.core.exports import XLSX_CONTENT_TYPE, csv_response, xlsx_bytes

from .charts import Dashboard
from .periods import Period, PeriodKind
from .queries import Cut
from .selectors import MEASURE_LABELS, MEASURES, Table, cut_label

FORMATS = ("xlsx", "csv")

# ASCII words for file names, whatever the language of the page.
CUT_SLUGS = {
    Cut.MUNICIPALITY: "kommun", Cut.DISTRICT: "stadsdel", Cut.WORKPLACE: "arbetsplats", Cut.ROLE: "yrkesroll",
    Cut.GENDER: "kon", Cut.ACTIVITY_TYPE: "aktivitetstyp", Cut.FOCUS_AREA: "fokusomrade",
    Cut.DRIFTFORM: "driftform", Cut.FUNKTION: "funktion", Cut.TERTIAL: "tertial",
}

Sheet = tuple[str, Sequence[str], list[list]]


def period_slug(period: Period) -> str:
    """2026-T2 for a tertial, 2026-T1-T3 for the year to the end of T3, 2026 for a year."""
    if period.kind == PeriodKind.YEAR_TO_DATE and period.tertial > 1:
        return f"{period.year}-T1-T{period.tertial}"
    return period.key


def filename(board: Dashboard) -> str:
    """statistik-kommun-2026-T1-T3, or statistik-arbetsplats-huddinge-2026-T2 for an organisation."""
    parts = ["statistik", CUT_SLUGS[board.cut]]
    if board.scope.organisation is not None:
        parts.append(slugify(board.scope.organisation.name) or str(board.scope.organisation.pk))
    parts.append(period_slug(board.period))
    return "-".join(parts)


def _xlsx_value(value):
    """Numbers stay numbers (hours without a needless .00); masked cells stay the text "<5"."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _csv_value(value):
    """As Swedish Excel reads a CSV: a decimal comma."""
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value.normalize()).replace(".", ",")
    return value


def _table_sheet(title: str, table: Table) -> Sheet:
    return title, table.header(MEASURES), [[_xlsx_value(v) for v in row] for row in table.lists(MEASURES)]


def _scope_text(board: Dashboard) -> str:
    return board.scope.organisation.name if board.scope.organisation is not None else _("The whole consortium")


def _period_text(period: Period) -> str:
    first = formats.date_format(period.first_day, "j F")
    return f"{period.label} ({first} – {formats.date_format(period.last_day, 'j F Y')})"


def _masking_note(board: Dashboard) -> str:
    if board.scope.masks_everything:
        return _("Figures you have no detailed rights for are shown in aggregate: numbers below %(limit)s are "
                 "shown as “<%(limit)s” so that nobody can be identified.") % {"limit": board.scope.min_cell}
    return _("No figures are masked: you have detailed rights for everything in this selection.")


def about_sheet(board: Dashboard, consortium_name: str) -> Sheet:
    rows = [
        [_("Consortium"), consortium_name],
        [_("Period"), _period_text(board.period)],
        [_("Scope"), _scope_text(board)],
        [_("Break down by"), cut_label(board.cut)],
        [_("Created"), formats.date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT")],
        [_("Small numbers"), _masking_note(board)],
        [],
        [_("A participant is a person who attended at least one activity in the period. A person counts "
           "once in every row where they attended and once in the total, so the rows can add up to more "
           "than the total; registrations and hours add up exactly.")],
    ]
    return _("About the report"), [_("Statistics"), ""], rows


def trend_sheet(board: Dashboard) -> Sheet:
    headers = [_("Tertial"), *[str(MEASURE_LABELS[m]) for m in MEASURES]]
    return _("Per tertial"), headers, [
        [p.period.label, *[_xlsx_value(v) for v in p.own.values(MEASURES)]] for p in board.trend_points]


def members_sheet(board: Dashboard) -> Sheet:
    rows = [[m.organisation.name, _("City district") if m.is_district else _("Municipality")]
            for m in board.without_participants]
    if not rows:
        rows = [[_("Every member has had participants in the period.")]]
    return _("Without participants"), [_("Member"), _("Type")], rows


def sheets(board: Dashboard, consortium_name: str) -> list[Sheet]:
    """The workbook: about the selection, the breakdown with its total, the tertials, each share table
    and the members without participants, in the order of the page."""
    return [
        about_sheet(board, consortium_name),
        _table_sheet(cut_label(board.cut), board.table),
        trend_sheet(board),
        *[_table_sheet(cut_label(t.cut), t) for t in board.share_tables],
        members_sheet(board),
    ]


def csv_rows(board: Dashboard) -> tuple[list[str], list[list]]:
    """The breakdown the page is about, with its total last."""
    return board.table.header(MEASURES), [[_csv_value(v) for v in row] for row in board.table.lists(MEASURES)]


def response(board: Dashboard, fmt: str, consortium_name: str):
    name = filename(board)
    if fmt == "csv":
        headers, rows = csv_rows(board)
        return csv_response(name, headers, rows)
    response = HttpResponse(xlsx_bytes(sheets(board, consortium_name)), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
