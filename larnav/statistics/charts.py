"""The dashboard's charts, built from the selectors' tables (the same figures go into each chart's table)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from larnav.core.charts import Chart, bar_chart, format_value, line_chart, share_chart

from .periods import Period, today
from .queries import Cut
from .selectors import (
    MEASURE_LABELS,
    MemberRow,
    Row,
    StatisticsScope,
    Table,
    TrendPoint,
    cut_label,
    members_without_participants,
    participation_tables,
    tertial_trend,
)

KEY_MEASURES = ("registrations", "participants", "attended", "completed", "hours")
BAR_MEASURES = ("participants", "registrations", "completed")
SHARE_MEASURES = ("participants", "registrations", "hours")


@dataclass
class Dashboard:
    scope: StatisticsScope
    period: Period
    cut: Cut
    total: Row
    key_figures: list[tuple[str, str]]
    table: Table
    bars: Chart
    trend: Chart
    shares: list[Chart]
    without_participants: list[MemberRow]
    # The figures behind the trend and the share charts, for the exports (larnav.statistics.exports).
    trend_points: list[TrendPoint]
    share_tables: list[Table]

    @property
    def drillable_rows(self) -> list[Row]:
        """Rows the viewer may open in detail (organisations they have detail rights for)."""
        if self.scope.organisation is not None and self.cut == Cut.WORKPLACE:
            return []
        return [r for r in self.table.rows if r.drillable and r.organisation_id]


def _bars(table: Table) -> Chart:
    title = _("%(measures)s per %(cut)s") % {
        "measures": _("Participants, registrations and completed"), "cut": cut_label(table.cut).lower()}
    return bar_chart(title, [r.label for r in table.rows],
                     [(MEASURE_LABELS[m], [r.value(m) for r in table.rows]) for m in BAR_MEASURES])


def _shares(table: Table) -> Chart:
    title = _("Shares by %(cut)s") % {"cut": cut_label(table.cut).lower()}
    if not table.rows:
        return share_chart(title, [], [])
    return share_chart(title, [str(MEASURE_LABELS[m]) for m in SHARE_MEASURES],
                       [(r.label, [r.value(m) for m in SHARE_MEASURES]) for r in table.rows])


def _trend_points(scope: StatisticsScope, year: int) -> list[TrendPoint]:
    """The tertials of last year and this one; those that have not begun are left out rather than shown
    as zeros, and none at all when nothing was counted."""
    points = [p for p in tertial_trend(scope, year - 1, year) if p.period.first_day <= today()]
    return points if any(p.own.registrations for p in points) else []


def _trend(points: list[TrendPoint], year: int) -> Chart:
    title = _("Participants and registrations per tertial, %(first)s–%(last)s") % {"first": year - 1, "last": year}
    if not points:
        return line_chart(title, [], [])
    return line_chart(title, [p.period.label for p in points],
                      [(MEASURE_LABELS[m], [p.own.value(m) for p in points]) for m in ("participants", "registrations")])


def dashboard(scope: StatisticsScope, period: Period, cut: Cut) -> Dashboard:
    """Every figure and chart of the dashboard for ``scope`` in ``period``, broken down by ``cut``."""
    tables = participation_tables(scope, period, [cut, Cut.DRIFTFORM, Cut.FUNKTION])
    total = tables[None].total
    year = period.year or period.last_day.year
    points = _trend_points(scope, year)
    share_tables = [tables[Cut.DRIFTFORM], tables[Cut.FUNKTION]]
    return Dashboard(
        scope=scope, period=period, cut=cut, total=total,
        key_figures=[(str(MEASURE_LABELS[m]), format_value(total.value(m))) for m in KEY_MEASURES],
        table=tables[cut], bars=_bars(tables[cut]), trend=_trend(points, year),
        shares=[_shares(t) for t in share_tables],
        without_participants=members_without_participants(scope, period),
        trend_points=points, share_tables=share_tables,
    )
