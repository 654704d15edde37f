"""The tables of each report, assembled from the statistics selectors and the annual plan.

* **Tertial report** (consortium): a summary of the tertial and the year to
  date; participants per municipality, city district, operating form,
  function, occupation, gender and activity type, each for the tertial and
  the year to date; focus areas; the year's tertials so far; members without
  participants; case officers' participation against last year; the annual
  plan's indicators with their status at the end of the tertial.
* **Year-end report** (bokslut, consortium): the same for the whole year, with
  a column per tertial and last year beside it.
* **Report for a municipality or city district** (for its CKA and steering
  group member): the organisation in detail (its districts, operating forms,
  functions, occupations, genders, activity types and focus areas, its
  tertials this year and last year) beside the consortium in aggregate only
  (totals per category, never another municipality's figures), and the
  plan's indicators.

The figures come from ``larnav.statistics.selectors`` with the scope the
requester has when the report is built (``statistics_scope``): a report for
a wider audience (``masked``, always for a municipality's report) masks every
small cell ("<5"); an unmasked one is only built for the coordinators.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from larnav.organisations.models import Organisation
from larnav.plans import selectors as plan_selectors
from larnav.plans.selectors import flat_results
from larnav.statistics import selectors as stats
from larnav.statistics.periods import Period

from .document import Report, Table
from .models import ReportJob

Cut = stats.Cut
COUNT_CUTS = (Cut.DRIFTFORM, Cut.FUNKTION, Cut.ROLE, Cut.GENDER, Cut.ACTIVITY_TYPE)
ONE_DECIMAL = Decimal("0.1")


def _titles() -> dict:
    return {
        Cut.MUNICIPALITY: _("Participants per municipality"),
        Cut.DISTRICT: _("Participants per city district"),
        Cut.DRIFTFORM: _("Participants by operating form"),
        Cut.FUNKTION: _("Participants by function"),
        Cut.ROLE: _("Participants by occupation"),
        Cut.GENDER: _("Participants by gender"),
        Cut.ACTIVITY_TYPE: _("Participants by activity type"),
        Cut.FOCUS_AREA: _("Participants by focus area"),
    }


def _sheets() -> dict:
    return {
        Cut.MUNICIPALITY: _("Municipalities"), Cut.DISTRICT: _("City districts"),
        Cut.DRIFTFORM: _("Operating form"), Cut.FUNKTION: _("Function"), Cut.ROLE: _("Occupation"),
        Cut.GENDER: _("Gender"), Cut.ACTIVITY_TYPE: _("Activity type"), Cut.FOCUS_AREA: _("Focus areas"),
    }


def _m(measure: str) -> str:
    return str(stats.MEASURE_LABELS[measure])


def _h(measure: str, period: Period | str) -> str:
    """A column heading: the measure and its period ("Deltagare T2 2026")."""
    return f"{_m(measure)} {period if isinstance(period, str) else period.label}"


def _is_number(value) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def share(part, whole) -> Decimal | None:
    """100 × part / whole with one decimal; None when either is masked or the whole is 0."""
    if not (_is_number(part) and _is_number(whole)) or not whole:
        return None
    return (Decimal(100) * Decimal(part) / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def change(now, before) -> Decimal | None:
    """The change from ``before`` to ``now`` in per cent; None when masked or nothing before."""
    if not (_is_number(now) and _is_number(before)) or not before:
        return None
    return (Decimal(100) * (Decimal(now) - Decimal(before)) / Decimal(before)).quantize(
        ONE_DECIMAL, rounding=ROUND_HALF_UP)


class _Steps:
    """Counts the report's steps and passes each to the job's progress."""

    def __init__(self, progress, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, label: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total, label)


# --- Tables shared by the reports -----------------------------------------------------------

def _summary(periods_and_totals: list[tuple[str, stats.Row]], title: str) -> Table:
    measures = stats.MEASURES
    return Table(
        title=title, sheet=_("Summary"),
        headers=[_("Period"), *[_m(m) for m in measures]],
        rows=[[label, *row.values(measures)] for label, row in periods_and_totals],
    )


def _merge(tables: list[stats.Table], columns: list[tuple[int, str]]) -> tuple[list[list], list]:
    """Rows of several tables of the same cut side by side, matched by key.

    ``columns`` lists (index of the table, measure) for each value column; the
    rows are in the order of the first table that has them.
    """
    order: list[str] = []
    labels: dict[str, str] = {}
    by_key: list[dict[str, stats.Row]] = []
    for table in tables:
        rows = {r.key: r for r in table.rows}
        by_key.append(rows)
        for r in table.rows:
            if r.key not in labels:
                order.append(r.key)
                labels[r.key] = r.label
    rows = []
    for key in order:
        line = [labels[key]]
        for index, measure in columns:
            row = by_key[index].get(key)
            line.append(row.value(measure) if row is not None else 0)
        rows.append(line)
    total = [_("Total"), *[tables[index].total.value(measure) for index, measure in columns]]
    return rows, total


def _cut_table(cut: Cut, tables: list[stats.Table], columns: list[tuple[int, str, str]], *,
               chart_columns: tuple[int, ...], note: str = "") -> Table:
    rows, total = _merge(tables, [(i, m) for i, m, _heading in columns])
    return Table(
        title=_titles()[cut], sheet=_sheets()[cut],
        headers=[stats.cut_label(cut), *[heading for _i, _m_, heading in columns]],
        rows=rows, total=total, chart="bar" if rows else "", chart_columns=chart_columns, note=note,
        empty_text=_("No participants in the period."),
    )


def _members_without_participants(members: list[stats.MemberRow], period: Period) -> Table:
    rows = [[m.organisation.name, _("City district") if m.is_district else _("Municipality")]
            for m in members if not m.has_participants]
    return Table(
        title=_("Members without participants, %(period)s") % {"period": period.label},
        sheet=_("Without participants"), headers=[_("Member"), _("Type")], rows=rows,
        note=_("Member municipalities and city districts with no participant in the period: the annual plan's "
               "goal is that every member takes part."),
        empty_text=_("Every member has had participants in the period."),
    )


def _myndighet(comparison: stats.Comparison) -> Table:
    now, before = comparison.period.label, comparison.previous_period.label
    rows = [[r.label, r.current.participants, r.previous.participants,
             change(r.current.participants, r.previous.participants)] for r in comparison.rows]
    t = comparison.total
    return Table(
        title=_("Case officers' participation against last year"), sheet=_("Case officers"),
        headers=[_("Municipality"), _h("participants", now), _h("participants", before), _("Change (%)")],
        rows=rows, total=[_("Total"), t.current.participants, t.previous.participants,
                          change(t.current.participants, t.previous.participants)],
        chart="bar" if rows else "", chart_columns=(1, 2), percent_columns=(3,),
        note=_("Participants from units with the function authority (myndighet), such as LSS case officers."),
        empty_text=_("No participants from case officers' units in either period."),
    )


def _indicators(consortium, year: int, as_of: date, scope: stats.StatisticsScope) -> Table | None:
    plan = plan_selectors.plan_for_year(consortium, year)
    if plan is None:
        return None
    rows = []
    mask_below = scope.min_cell if scope.masks_everything else None
    for goal, result in flat_results(plan, as_of, mask_below=mask_below):
        indicator = result.indicator
        rows.append([
            goal.title, indicator.name, result.shown_value, indicator.unit, indicator.get_direction_display()
            if indicator.target is not None else "", indicator.target, str(result.assessment.label),
            str(result.assessment.explanation),
        ])
    return Table(
        title=_("The annual plan's indicators on %(date)s") % {"date": formats.date_format(as_of, "j F Y")},
        sheet=_("Indicators"),
        headers=[_("Goal"), _("Indicator"), _("Value"), _("Unit"), _("Direction"), _("Target"), _("Status"),
                 _("Explanation")],
        rows=rows, note=plan.title, empty_text=_("The plan has no indicators yet."),
        pdf_widths=(0.17, 0.25, 0.08, 0.09, 0, 0.1, 0.11, 0.2),
    )


def _notes(scope: stats.StatisticsScope) -> list[str]:
    notes = [_("A participant is a person who attended at least one activity in the period. A person counts "
               "once in every row where they attended and once in the total, so the rows can add up to more "
               "than the total; registrations and hours add up exactly.")]
    if scope.masks_everything:
        notes.append(_("Numbers from 1 to %(below)s are shown as “<%(limit)s” so that no individual can be "
                       "identified.") % {"below": scope.min_cell - 1, "limit": scope.min_cell})
    return notes


def _facts(job: ReportJob, scope: stats.StatisticsScope, period_text: str) -> list[tuple[str, str]]:
    return [
        (_("Consortium"), job.consortium.name),
        (_("Period"), period_text),
        (_("Small numbers"), _("Masked (for a wider audience)") if scope.masks_everything
         else _("Not masked (for the coordination team only)")),
    ]


def _period_text(period: Period) -> str:
    first = formats.date_format(period.first_day, "j F")
    return f"{first} – {formats.date_format(period.last_day, 'j F Y')}"


def _as_of(period: Period) -> date:
    """The date the plan's indicators are shown on: the period's last day, or today if that is earlier."""
    return min(period.last_day, timezone.localdate())


# --- The tertial report ------------------------------------------------------------------------

def build_tertial(job: ReportJob, progress=None) -> Report:
    year, tertial = job.parameters["year"], job.parameters["tertial"]
    scope = stats.statistics_scope(job.requested_by, job.consortium, public=job.masked)
    step = _Steps(progress, 4)
    step(_("Counting participants"))
    return tertial_document(job, stats.tertial_report(scope, year, tertial), step)


def tertial_document(job: ReportJob, data: stats.TertialReport, step=None) -> Report:
    """The tertial report's document (tables, charts, facts) from its figures."""
    step = step or _Steps(None, 3)
    scope, year = data.scope, data.year
    step(_("Assembling the tables"))
    t_label, y_label = data.period.label, data.year_to_date.label
    tables = [_summary([(t_label, data.tertial_tables[None].total), (y_label, data.year_tables[None].total)],
                       _("Summary"))]
    for cut in stats.REPORT_CUTS:
        tables.append(_cut_table(cut, [data.tertial_tables[cut], data.year_tables[cut]], [
            (0, "participants", _h("participants", t_label)), (0, "registrations", _h("registrations", t_label)),
            (1, "participants", _h("participants", y_label)), (1, "registrations", _h("registrations", y_label)),
            (1, "hours", _h("hours", y_label)),
        ], chart_columns=(1, 3)))
    tables.append(_cut_table(Cut.FOCUS_AREA, [data.focus_areas], [
        (0, "participants", _h("participants", y_label)), (0, "registrations", _h("registrations", y_label)),
        (0, "hours", _h("hours", y_label)),
    ], chart_columns=(1,), note=_("An activity with several focus areas counts in each of them.")))
    tables.append(_trend_table(data.trend))
    tables.append(_members_without_participants(data.members, data.year_to_date))
    tables.append(_myndighet(data.myndighet))
    step(_("The annual plan's indicators"))
    indicators = _indicators(job.consortium, year, _as_of(data.year_to_date), scope)
    if indicators is not None:
        tables.append(indicators)
    step(_("Assembling the tables"))
    return Report(
        title=job.title, subtitle=job.consortium.name, generated_at=timezone.now(), tables=tables,
        facts=_facts(job, scope, f"{t_label}: {_period_text(data.period)}"), notes=_notes(scope),
    )


def _trend_table(trend: list[stats.TrendPoint]) -> Table:
    rows = [[p.period.label, p.own.participants, p.year_to_date.participants, p.own.registrations,
             p.own.hours] for p in trend]
    return Table(
        title=_("The year's tertials"), sheet=_("Tertials"),
        headers=[_("Tertial"), _m("participants"), _("Participants, year to date"), _m("registrations"),
                 _m("hours")],
        rows=rows, chart="bar" if rows else "", chart_columns=(1, 2),
    )


# --- The year-end report -------------------------------------------------------------------------

def build_year_end(job: ReportJob, progress=None) -> Report:
    year = job.parameters["year"]
    scope = stats.statistics_scope(job.requested_by, job.consortium, public=job.masked)
    whole, previous = Period.for_year(year), Period.for_year(year - 1)
    cuts = [*stats.REPORT_CUTS]
    step = _Steps(progress, 9)
    per_tertial = []
    for n in (1, 2, 3):
        step(_("Counting participants in T%(tertial)s") % {"tertial": n})
        per_tertial.append(stats.participation_tables(scope, Period.for_tertial(year, n), cuts))
    step(_("Counting participants in the year"))
    year_tables = stats.participation_tables(scope, whole, [*cuts, Cut.FOCUS_AREA])
    step(_("Counting participants last year"))
    last_year = stats.participation_tables(scope, previous, cuts)
    labels = [f"T{n}" for n in (1, 2, 3)]
    summary_rows = [(f"{labels[i]} {year}", per_tertial[i][None].total) for i in range(3)]
    summary_rows += [(str(year), year_tables[None].total), (str(year - 1), last_year[None].total)]
    tables = [_summary(summary_rows, _("Summary"))]
    for cut in cuts:
        sources = [per_tertial[0][cut], per_tertial[1][cut], per_tertial[2][cut], year_tables[cut], last_year[cut]]
        table = _cut_table(cut, sources, [
            (0, "participants", _h("participants", f"T1 {year}")),
            (1, "participants", _h("participants", f"T2 {year}")),
            (2, "participants", _h("participants", f"T3 {year}")),
            (3, "participants", _h("participants", str(year))),
            (3, "registrations", _h("registrations", str(year))),
            (3, "hours", _h("hours", str(year))),
            (4, "participants", _h("participants", str(year - 1))),
        ], chart_columns=(4, 7))
        for row in [*table.rows, table.total]:
            row.append(change(row[4], row[7]))
        table.headers.append(_("Change in participants (%)"))
        table.percent_columns = (8,)
        tables.append(table)
    focus = year_tables[Cut.FOCUS_AREA]
    tables.append(_cut_table(Cut.FOCUS_AREA, [focus], [
        (0, "participants", _h("participants", str(year))), (0, "registrations", _h("registrations", str(year))),
        (0, "hours", _h("hours", str(year))),
    ], chart_columns=(1,), note=_("An activity with several focus areas counts in each of them.")))
    step(_("The year's tertials"))
    tables.append(_trend_table(stats.tertial_trend(scope, year, year)))
    step(_("Members without participants"))
    tables.append(_members_without_participants(stats.member_participation(scope, whole), whole))
    step(_("Case officers"))
    tables.append(_myndighet(stats.myndighet_comparison(scope, whole)))
    step(_("The annual plan's indicators"))
    indicators = _indicators(job.consortium, year, _as_of(whole), scope)
    if indicators is not None:
        tables.append(indicators)
    return Report(
        title=job.title, subtitle=job.consortium.name, generated_at=timezone.now(), tables=tables,
        facts=_facts(job, scope, _period_text(whole)), notes=_notes(scope),
    )


# --- The report for a municipality or city district ------------------------------------------------

def build_municipality(job: ReportJob, progress=None) -> Report:
    year, tertial = job.parameters["year"], job.parameters.get("tertial")
    org = job.organisation
    # Always for a wider audience: every small cell is masked, also the organisation's own.
    own = stats.statistics_scope(job.requested_by, job.consortium, org, public=True)
    consortium = stats.statistics_scope(job.requested_by, job.consortium, public=True)
    main = Period.year_to_date(year, tertial) if tertial else Period.for_year(year)
    extra = Period.for_tertial(year, tertial) if tertial else main.previous_year()
    has_districts = org.type == Organisation.Type.KOMMUN and Organisation.objects.filter(
        parent=org, type=Organisation.Type.STADSDEL).exists()
    own_cuts = [*([Cut.DISTRICT] if has_districts else []), *COUNT_CUTS, Cut.FOCUS_AREA]
    step = _Steps(progress, 6)
    step(_("Counting the organisation's participants"))
    own_main = stats.participation_tables(own, main, own_cuts)
    step(_("Counting the organisation's participants"))
    own_extra = stats.participation_tables(own, extra, own_cuts)
    step(_("Counting the consortium's participants"))
    all_main = stats.participation_tables(consortium, main, [*COUNT_CUTS, Cut.FOCUS_AREA])
    m_label, e_label = main.label, extra.label
    everyone = _("The consortium")
    own_total, all_total = own_main[None].total, all_main[None].total
    tables = [Table(
        title=_("%(organisation)s in the consortium") % {"organisation": org.name}, sheet=_("Summary"),
        headers=[_("Period"), *[_m(m) for m in stats.MEASURES]],
        rows=[[f"{org.name} {m_label}", *own_total.values()],
              [f"{org.name} {e_label}", *own_extra[None].total.values()],
              [f"{everyone} {m_label}", *all_total.values()]],
    )]
    own_share = share(own_total.participants, all_total.participants)
    if Cut.DISTRICT in own_cuts:
        tables.append(_cut_table(Cut.DISTRICT, [own_main[Cut.DISTRICT], own_extra[Cut.DISTRICT]], [
            (0, "participants", _h("participants", m_label)), (0, "registrations", _h("registrations", m_label)),
            (0, "hours", _h("hours", m_label)), (1, "participants", _h("participants", e_label)),
        ], chart_columns=(1, 4)))
    for cut in [*COUNT_CUTS, Cut.FOCUS_AREA]:
        table = _cut_table(cut, [own_main[cut], own_extra[cut], all_main[cut]], [
            (0, "participants", f"{org.name}: {_h('participants', m_label)}"),
            (0, "registrations", f"{org.name}: {_h('registrations', m_label)}"),
            (1, "participants", f"{org.name}: {_h('participants', e_label)}"),
            (2, "participants", f"{everyone}: {_h('participants', m_label)}"),
        ], chart_columns=(1, 4), note=_("The organisation beside the whole consortium (in aggregate)."))
        for row in [*table.rows, table.total]:
            row.append(share(row[1], row[4]))
        table.headers.append(_("%(organisation)s's share (%%)") % {"organisation": org.name})
        table.percent_columns = (5,)
        tables.append(table)
    step(_("The year's tertials"))
    trend = stats.tertial_trend(own, year - 1, year)
    this_year = {p.period.tertial: p.own.participants for p in trend if p.period.year == year}
    last_year = {p.period.tertial: p.own.participants for p in trend if p.period.year == year - 1}
    last_tertial = tertial or 3
    tables.append(Table(
        title=_("Participants per tertial, this year and last"), sheet=_("Tertials"),
        headers=[_("Tertial"), _m("participants") + f" {year}", _m("participants") + f" {year - 1}"],
        rows=[[f"T{n}", this_year.get(n, 0) if n <= last_tertial else None, last_year.get(n, 0)]
              for n in (1, 2, 3)],
        chart="bar", chart_columns=(1, 2),
    ))
    step(_("The annual plan's indicators"))
    indicators = _indicators(job.consortium, year, _as_of(main), own)
    if indicators is not None:
        tables.append(indicators)
    step(_("Assembling the tables"))
    facts = _facts(job, own, _period_text(main))
    facts.insert(1, (pgettext("report", "Organisation"), org.name))
    if own_share is not None:
        facts.append((_("Share of the consortium's participants"),
                      formats.number_format(own_share, decimal_pos=1) + " %"))
    return Report(
        title=job.title, subtitle=job.consortium.name, generated_at=timezone.now(), tables=tables,
        facts=facts, notes=_notes(own),
    )


BUILDERS = {
    ReportJob.Kind.TERTIAL: build_tertial,
    ReportJob.Kind.YEAR_END: build_year_end,
    ReportJob.Kind.MUNICIPALITY: build_municipality,
}


def build(job: ReportJob, progress=None) -> Report:
    report = BUILDERS[job.kind](job, progress)
    report.filename = job.title
    return report
