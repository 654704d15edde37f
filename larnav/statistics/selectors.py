"""Participation statistics: every figure the dashboards, the API and the reports show.

Which registrations count, and where
------------------------------------
A registration is placed in a period by the **local (Europe/Stockholm) date of
its session's first occasion** (``Session.first_start``): a course that starts
on 30 April belongs to T1 even if its last day is in May, and a session
without occasions belongs to no period. It is placed in an organisation by
the snapshots taken when the person registered (``Registration.workplace`` and
``Registration.municipality``), not by where the person works today. Role
(yrkesroll) and gender are the person's current ones.

The measures, precisely
-----------------------
Only registrations that hold or held a seat count: status ``confirmed``,
``completed`` or ``no_show``. Waiting-list places, pending, declined, expired
and cancelled (also late-cancelled) registrations are not in any figure.

* **registrations** – the number of such registrations.
* **attended** – those where the person was present: ``completed``, or a
  ``no_show`` / ``confirmed`` registration with at least one occasion marked
  attended or partly.
* **participants** – the number of *distinct persons* with at least one
  attended registration. Participants are never summed across rows: a person
  counts once in each row where they attended and once in the total, so the
  rows of a cut may add up to more than the total (someone who changed
  workplace, took two kinds of activity, ...).
* **completed** – registrations with status ``completed`` (the completion rule
  was met and the hours credited).
* **no_shows** – registrations with status ``no_show``.
* **hours** – the sum of ``hours_credited`` (only completed registrations carry
  hours).

Every row of a cut covers a disjoint set of registrations, so registrations,
attended, completed, no-shows and hours of the rows add up to the total
exactly; a row "–" (no municipality, no gender given, ...) keeps it so. The
one exception is the focus-area cut: an activity with two focus areas counts
in both, and one without any in "No focus area".

Periods and time zones
----------------------
Periods are local dates (``larnav.statistics.periods``). Both databases filter
``start <= first_start < end`` with the UTC instants of local midnight; the
tertial of a registration is computed in PostgreSQL with ``AT TIME ZONE
'Europe/Stockholm'`` and on SQLite by comparing with the tertials' UTC
boundaries computed in Python. Both give the same answers (tested).

Who sees what
-------------
``statistics_scope`` asks the permission layer. ``VIEW_STATISTICS`` gives the
consortium in aggregate (a CKA, the steering group);
``VIEW_DETAILED_STATISTICS`` gives an organisation in detail (the viewer's own
municipality or district; a coordinator everything), including the drill-down
to its workplaces. In an aggregate view, cells of rows the viewer has no
detail rights for are masked: a count from 1 to ``LARNAV_STATISTICS_MIN_CELL
- 1`` (default 5) is shown as "<5", and the hours of a row with fewer
participants than that as well. Material for a wider audience
(``public=True``) masks every row and the totals the same way. Zero is shown
as zero.

Performance
-----------
Aggregation happens in the database, a table per GROUP BY, never a loop over
rows in Python. On PostgreSQL ``participation_tables`` computes many cuts in a
single statement (GROUPING SETS over one scan); on SQLite it sends one UNION
ALL statement. Every selector sends a constant number of queries whatever
the size of the data. The indexes are in this app's migrations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from larnav.accounts.permissions import Action, access_for
from larnav.catalog.models import Activity, FocusArea
from larnav.organisations.models import Membership, Organisation
from larnav.people.models import Occupation, Person

from . import queries
from .periods import Period, tertial_key
from .queries import COUNTED_STATUSES, NO_FILTERS, Cut, Figures, Filters

__all__ = ["COUNTED_STATUSES", "NO_FILTERS", "Cut", "Figures", "Filters"]
MEASURES = ("registrations", "participants", "attended", "completed", "no_shows", "hours")
COUNT_MEASURES = ("registrations", "participants", "attended", "completed", "no_shows")
MEASURE_LABELS = {
    "registrations": pgettext_lazy("statistics", "Registrations"),
    "participants": pgettext_lazy("statistics", "Participants"),
    "attended": pgettext_lazy("statistics", "Attended"),
    "completed": pgettext_lazy("statistics", "Completed"),
    "no_shows": pgettext_lazy("statistics", "No-shows"),
    "hours": pgettext_lazy("statistics", "Hours"),
}
MASK = "<5"  # replaced by f"<{min_cell}" when the minimum is configured otherwise
NONE_KEY = "none"


def min_cell() -> int:
    """The smallest count shown in aggregate material (setting LARNAV_STATISTICS_MIN_CELL, default 5)."""
    return max(int(getattr(settings, "LARNAV_STATISTICS_MIN_CELL", 5)), 1)


CUT_LABELS = {
    Cut.MUNICIPALITY: _("Municipality"),
    Cut.DISTRICT: _("City district"),
    Cut.WORKPLACE: _("Workplace"),
    Cut.DRIFTFORM: _("Operating form"),
    Cut.FUNKTION: _("Function"),
    Cut.ROLE: _("Occupation"),
    Cut.GENDER: _("Gender"),
    Cut.ACTIVITY_TYPE: _("Activity type"),
    Cut.FOCUS_AREA: _("Focus area"),
    Cut.TERTIAL: _("Tertial"),
}


def cut_label(cut: Cut) -> str:
    return str(CUT_LABELS[cut])


ORGANISATION_CUTS = frozenset({Cut.MUNICIPALITY, Cut.DISTRICT, Cut.WORKPLACE})
# Cuts whose rows do not partition the registrations (see the module docstring).
OVERLAPPING_CUTS = frozenset({Cut.FOCUS_AREA})
# The cuts of the tertial report, in the order the report shows them.
REPORT_CUTS = (Cut.MUNICIPALITY, Cut.DISTRICT, Cut.DRIFTFORM, Cut.FUNKTION, Cut.ROLE, Cut.GENDER,
               Cut.ACTIVITY_TYPE)


# --- Who sees what ---------------------------------------------------------------------

@dataclass(frozen=True)
class StatisticsScope:
    """What a viewer looks at, and how much detail they get.

    ``organisation`` None is the whole consortium. ``detailed`` means no masking
    at all; otherwise rows of organisations under one of ``detail_paths`` are
    shown unmasked and every other cell is masked. ``public`` masks everything
    (material for a wider audience), whatever the viewer's rights.
    """

    consortium_id: int
    organisation: Organisation | None = None
    detailed: bool = False
    detail_paths: tuple[str, ...] = ()
    public: bool = False
    min_cell: int = 5

    @classmethod
    def internal(cls, consortium_id: int, organisation: Organisation | None = None, *,
                 public: bool = False) -> StatisticsScope:
        """A scope for jobs without a viewer (benchmarks, scheduled reports): full detail unless public."""
        return cls(consortium_id, organisation, detailed=True, public=public, min_cell=min_cell())

    @property
    def masks_everything(self) -> bool:
        return self.public or not self.detailed

    @property
    def can_drill_down(self) -> bool:
        """May the viewer see the organisation's workplaces one by one?"""
        return self.detailed and not self.public

    def row_is_detailed(self, organisation_path: str | None) -> bool:
        if self.public:
            return False
        if self.detailed:
            return True
        return bool(organisation_path) and any(organisation_path.startswith(p) for p in self.detail_paths)

    def as_public(self) -> StatisticsScope:
        return replace(self, public=True)


def statistics_scope(user, consortium, organisation: Organisation | None = None, *,
                     public: bool = False) -> StatisticsScope:
    """The scope ``user`` may look at; PermissionDenied if they may not.

    Without an organisation: the consortium, in detail for a coordinator and in
    aggregate (masked) for anyone else with VIEW_STATISTICS. With one: that
    organisation in detail, for viewers with VIEW_DETAILED_STATISTICS there.
    """
    access = access_for(user)
    if not access.can(Action.VIEW_STATISTICS):
        raise PermissionDenied
    consortium_id = getattr(consortium, "pk", consortium)
    if not access.is_superuser and access.consortium_id != consortium_id:
        raise PermissionDenied
    detail = access.grant(Action.VIEW_DETAILED_STATISTICS)
    if organisation is not None:
        if organisation.consortium_id != consortium_id or not access.can(
                Action.VIEW_DETAILED_STATISTICS, organisation):
            raise PermissionDenied
        return StatisticsScope(consortium_id, organisation, detailed=True, detail_paths=(organisation.path,),
                               public=public, min_cell=min_cell())
    return StatisticsScope(consortium_id, None, detailed=detail.consortium_wide,
                           detail_paths=tuple(sorted(detail.paths)), public=public, min_cell=min_cell())


def detail_organisations(user, consortium) -> list[Organisation]:
    """The organisations ``user`` may open in detail, for a picker: all municipalities and city
    districts for a coordinator, otherwise the roots of their detail grants."""
    access = access_for(user)
    grant = access.grant(Action.VIEW_DETAILED_STATISTICS)
    qs = Organisation.objects.filter(consortium=consortium, type__in=(
        Organisation.Type.KOMMUN, Organisation.Type.STADSDEL, Organisation.Type.FORVALTNING))
    if grant.empty:
        return []
    if not grant.consortium_wide:
        q = Q()
        for path in grant.paths:
            q |= Q(path__startswith=path)
        qs = qs.filter(q)
    else:
        qs = qs.exclude(type=Organisation.Type.FORVALTNING)
    return sorted(qs.only("pk", "name", "type", "path", "consortium_id", "municipality_id"),
                  key=lambda o: (o.path.count("/"), _sort_key(o.name)))


# --- Results ---------------------------------------------------------------------------

Value = int | Decimal | str


@dataclass
class Row:
    """One row of a table; its values are masked as the scope requires."""

    key: str
    label: str
    registrations: Value = 0
    participants: Value = 0
    attended: Value = 0
    completed: Value = 0
    no_shows: Value = 0
    hours: Value = Decimal("0")
    masked: bool = False
    organisation_id: int | None = None  # for organisation cuts: the row's organisation (drill-down)
    drillable: bool = False  # the viewer may open this organisation in detail

    def value(self, measure: str) -> Value:
        return getattr(self, measure)

    def values(self, measures: Sequence[str] = MEASURES) -> list[Value]:
        return [getattr(self, m) for m in measures]

    def as_dict(self, measures: Sequence[str] = MEASURES) -> dict:
        return {"key": self.key, "label": self.label, **{m: getattr(self, m) for m in measures}}


@dataclass
class Table:
    """The figures of one cut for one period: rows (sorted) and the total."""

    cut: Cut | None
    period: Period
    rows: list[Row]
    total: Row
    min_cell: int = 5

    @property
    def masked(self) -> bool:
        return self.total.masked or any(r.masked for r in self.rows)

    @property
    def title(self) -> str:
        return cut_label(self.cut) if self.cut else gettext("Total")

    @property
    def rows_add_up(self) -> bool:
        """True when the rows partition the registrations (every cut but focus areas)."""
        return self.cut not in OVERLAPPING_CUTS

    def header(self, measures: Sequence[str] = MEASURES) -> list[str]:
        return [self.title, *[str(MEASURE_LABELS[m]) for m in measures]]

    def lists(self, measures: Sequence[str] = MEASURES, with_total: bool = True) -> list[list[Value]]:
        """Rows as plain lists (label first) for exports; the total last."""
        rows = [[r.label, *r.values(measures)] for r in self.rows]
        if with_total:
            rows.append([gettext("Total"), *self.total.values(measures)])
        return rows


# --- Labels and order ------------------------------------------------------------------

def _sort_key(text: str):
    from larnav.catalog.text import swedish_sort_key

    return swedish_sort_key(text or "")


@dataclass
class _Key:
    key: str
    label: str
    order: tuple
    organisation: Organisation | None = None


def _keys_for(cut: Cut, raw_keys: Iterable, consortium_id: int) -> dict[object, _Key]:
    """Labels and sort order for the raw keys of one cut (one query at most)."""
    raw_keys = list(raw_keys)
    result: dict[object, _Key] = {}
    none_label = {
        Cut.MUNICIPALITY: _("No municipality"), Cut.DISTRICT: _("Not in a city district"),
        Cut.WORKPLACE: _("No workplace"), Cut.DRIFTFORM: _("Not stated"), Cut.FUNKTION: _("Not stated"),
        Cut.ROLE: _("No occupation"), Cut.GENDER: _("Not stated"), Cut.ACTIVITY_TYPE: _("Not stated"),
        Cut.FOCUS_AREA: _("No focus area"), Cut.TERTIAL: _("Not stated"),
    }[cut]
    last = (1,)
    if cut in ORGANISATION_CUTS:
        ids = [k for k in raw_keys if k is not None]
        orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=ids).only(
            "pk", "name", "path", "type", "consortium_id", "municipality_id", "parent_id")}
        for k in ids:
            org = orgs.get(k)
            name = org.name if org else str(k)
            result[k] = _Key(str(k), name, (0, _sort_key(name)), org)
    elif cut == Cut.ROLE:
        ids = [k for k in raw_keys if k is not None]
        for occupation in Occupation.objects.filter(pk__in=ids):
            result[occupation.pk] = _Key(occupation.code, occupation.name,
                                         (0, occupation.sort_order, _sort_key(occupation.name)))
    elif cut == Cut.FOCUS_AREA:
        ids = [k for k in raw_keys if k is not None]
        for area in FocusArea.objects.filter(pk__in=ids):
            result[area.pk] = _Key(str(area.pk), area.name, (0, area.sort_order, _sort_key(area.name)))
    elif cut == Cut.TERTIAL:
        for k in raw_keys:
            if k is not None:
                year, n = divmod(int(k), 10)
                result[k] = _Key(f"{year}-T{n}", f"T{n} {year}", (0, int(k)))
    else:
        choices = {
            Cut.DRIFTFORM: Organisation.Driftform, Cut.FUNKTION: Organisation.Funktion,
            Cut.GENDER: Person.Gender, Cut.ACTIVITY_TYPE: Activity.Type,
        }[cut]
        order = {value: i for i, value in enumerate(choices.values)}
        for k in raw_keys:
            if k in order:
                result[k] = _Key(k, str(choices(k).label), (0, order[k]))
    for k in raw_keys:
        if k not in result:
            result[k] = _Key(NONE_KEY if k in (None, "") else str(k), str(none_label), last)
    return result


# --- Masking ---------------------------------------------------------------------------

def _mask_row(key: str, label: str, figures: Figures, masked: bool, limit: int, **extra) -> Row:
    if not masked:
        return Row(key, label, figures.registrations, figures.participants, figures.attended,
                   figures.completed, figures.no_shows, figures.hours, False, **extra)
    text = f"<{limit}"
    values = {}
    hit = False
    for m in COUNT_MEASURES:
        v = getattr(figures, m)
        if 0 < v < limit:
            values[m] = text
            hit = True
        else:
            values[m] = v
    if 0 < figures.participants < limit and figures.hours:
        values["hours"] = text
        hit = True
    else:
        values["hours"] = figures.hours
    return Row(key, label, masked=hit, **values, **extra)


def _table(scope: StatisticsScope, period: Period, cut: Cut | None, total: Figures,
           per_key: dict[object, Figures]) -> Table:
    limit = scope.min_cell
    total_row = _mask_row("total", gettext("Total"), total, scope.masks_everything, limit)
    if cut is None:
        return Table(None, period, [], total_row, limit)
    keys = _keys_for(cut, per_key.keys(), scope.consortium_id)
    rows = []
    for raw, figures in sorted(per_key.items(), key=lambda item: keys[item[0]].order):
        k = keys[raw]
        org = k.organisation
        detailed = scope.row_is_detailed(org.path if org else None) if cut in ORGANISATION_CUTS \
            else not scope.masks_everything
        extra = {}
        if org is not None:
            extra = {"organisation_id": org.pk, "drillable": scope.row_is_detailed(org.path)}
        rows.append(_mask_row(k.key, k.label, figures, not detailed, limit, **extra))
    return Table(cut, period, rows, total_row, limit)


# --- Public selectors ------------------------------------------------------------------

def _request(scope: StatisticsScope, period: Period, groups, filters: Filters = NO_FILTERS,
             organisation=..., cumulative: bool = False) -> queries.Request:
    return queries.Request(
        consortium_id=scope.consortium_id, period=period, groups=tuple(groups),
        organisation=scope.organisation if organisation is ... else organisation, filters=filters,
        cumulative_tertials=cumulative,
    )


def _tables_from(scope: StatisticsScope, period: Period, answer: queries.Answer, cuts: Sequence[Cut],
                 condition: queries.Condition | None = None) -> dict[Cut | None, Table]:
    tables: dict[Cut | None, Table] = {None: _table(scope, period, None, answer.total(condition), {})}
    for cut in cuts:
        tables[cut] = _table(scope, period, cut, answer.total(condition), answer.of(condition, cut))
    return tables


def participation(scope: StatisticsScope, period: Period, cut: Cut | None = None,
                  filters: Filters = NO_FILTERS) -> Table:
    """The figures of one cut (or only the total, ``cut`` None) for a period."""
    return participation_tables(scope, period, [cut] if cut else [], filters)[cut]


def participation_tables(scope: StatisticsScope, period: Period, cuts: Sequence[Cut],
                         filters: Filters = NO_FILTERS) -> dict[Cut | None, Table]:
    """Several cuts of the same period at once (one statement; a second for focus areas on SQLite).

    The answer maps each cut to its table, and None to the total alone.
    """
    cuts = list(dict.fromkeys(Cut(c) for c in cuts))
    if Cut.WORKPLACE in cuts and not scope.can_drill_down:
        raise PermissionDenied
    answer = queries.run(_request(scope, period, [(None, None), *[(None, c) for c in cuts]], filters))
    return _tables_from(scope, period, answer, cuts)


@dataclass
class TrendPoint:
    """One tertial: its own figures, and the year's cumulative figures up to its end."""

    period: Period
    own: Row
    year_to_date: Row


def _trend_points(scope: StatisticsScope, tertials: Sequence[Period], own: dict, cumulative: dict[int, int]
                  ) -> list[TrendPoint]:
    points = []
    limit, masked = scope.min_cell, scope.masks_everything
    running, year = Figures(), None
    for t in tertials:
        if t.year != year:
            running, year = Figures(), t.year
        key = tertial_key(t.year, t.tertial)
        f = own.get(key, Figures())
        running = Figures(running.registrations + f.registrations, cumulative.get(key, 0),
                          running.attended + f.attended, running.completed + f.completed,
                          running.no_shows + f.no_shows, running.hours + f.hours)
        points.append(TrendPoint(
            t, _mask_row(t.key, t.label, f, masked, limit),
            _mask_row(f"{t.key}-ytd", Period.year_to_date(t.year, t.tertial).label, running, masked, limit),
        ))
    return points


def tertial_trend(scope: StatisticsScope, first_year: int, last_year: int,
                  filters: Filters = NO_FILTERS) -> list[TrendPoint]:
    """Every tertial from T1 ``first_year`` to T3 ``last_year``, on its own and cumulative (one statement)."""
    span = Period.custom(Period.for_year(first_year).first_day, Period.for_year(last_year).last_day)
    answer = queries.run(_request(scope, span, [(None, Cut.TERTIAL)], filters, cumulative=True))
    return _trend_points(scope, span.tertials(), answer.of(None, Cut.TERTIAL), answer.cumulative)


@dataclass
class MemberRow:
    """A member organisation (or a city district of one) and its participation in a period."""

    organisation: Organisation
    participants: Value
    registrations: Value
    has_participants: bool
    is_district: bool = False


def _member_organisations(scope: StatisticsScope, period: Period) -> tuple[list[Organisation], list[Organisation]]:
    """Member municipalities (membership valid on some day of the period) and their city districts,
    inside the scope's organisation."""
    members = list(
        Organisation.objects.filter(
            consortium_id=scope.consortium_id,
            pk__in=Membership.objects.filter(consortium_id=scope.consortium_id, valid_from__lte=period.last_day)
            .exclude(valid_to__lt=period.first_day).values("organisation_id"),
        ).only("pk", "name", "path", "type", "consortium_id", "municipality_id")
    )
    districts = list(Organisation.objects.filter(
        consortium_id=scope.consortium_id, type=Organisation.Type.STADSDEL,
        municipality_id__in=[m.pk for m in members], is_active=True,
    ).only("pk", "name", "path", "type", "consortium_id", "municipality_id"))
    if scope.organisation is not None:
        inside = scope.organisation.path
        members = [m for m in members if m.path.startswith(inside)]
        districts = [d for d in districts if d.path.startswith(inside)]
    return members, districts


def _member_rows(scope: StatisticsScope, members, districts, by_municipality: dict, by_district: dict
                 ) -> list[MemberRow]:
    rows = []
    limit = scope.min_cell
    for org, figures, is_district in (
            [(m, by_municipality.get(m.pk, Figures()), False) for m in members]
            + [(d, by_district.get(d.pk, Figures()), True) for d in districts]):
        row = _mask_row(str(org.pk), org.name, figures, not scope.row_is_detailed(org.path), limit)
        rows.append(MemberRow(org, row.participants, row.registrations, figures.participants > 0, is_district))
    names = {m.pk: m.name for m in members}
    rows.sort(key=lambda r: (
        _sort_key(names.get(r.organisation.municipality_id, r.organisation.name) if r.is_district
                  else r.organisation.name),
        r.is_district, _sort_key(r.organisation.name)))
    return rows


def member_participation(scope: StatisticsScope, period: Period) -> list[MemberRow]:
    """Every member municipality with its figures, and the city districts of member municipalities,
    which report on their own (Forum Carpe counts "kommun och stadsdelsförvaltning")."""
    members, districts = _member_organisations(scope, period)
    answer = queries.run(_request(scope, period, [(None, Cut.MUNICIPALITY), (None, Cut.DISTRICT)]))
    return _member_rows(scope, members, districts, answer.of(None, Cut.MUNICIPALITY),
                        answer.of(None, Cut.DISTRICT))


def members_without_participants(scope: StatisticsScope, period: Period) -> list[MemberRow]:
    """Members (and their city districts) with no participant in the period: the annual plan's goal
    is that every member takes part."""
    return [r for r in member_participation(scope, period) if not r.has_participants]


@dataclass
class ComparisonRow:
    key: str
    label: str
    current: Row
    previous: Row


@dataclass
class Comparison:
    """A cut for a period beside the same period one year earlier."""

    period: Period
    previous_period: Period
    cut: Cut | None
    rows: list[ComparisonRow]
    total: ComparisonRow


def _comparison(period: Period, cut: Cut | None, now: dict[Cut | None, Table],
                before: dict[Cut | None, Table]) -> Comparison:
    rows = []
    if cut is not None:
        current_rows = {r.key: r for r in now[cut].rows}
        previous_rows = {r.key: r for r in before[cut].rows}
        for key in [*current_rows, *[k for k in previous_rows if k not in current_rows]]:
            current = current_rows.get(key) or _empty_like(previous_rows[key])
            previous = previous_rows.get(key) or _empty_like(current_rows[key])
            rows.append(ComparisonRow(key, current.label, current, previous))
    total = ComparisonRow("total", gettext("Total"), now[None].total, before[None].total)
    return Comparison(period, period.previous_year(), cut, rows, total)


def compare_with_previous_year(scope: StatisticsScope, period: Period, cut: Cut | None = None,
                               filters: Filters = NO_FILTERS) -> Comparison:
    """``cut`` for ``period`` and for the same period last year, row by row."""
    cuts = [cut] if cut else []
    return _comparison(period, cut, participation_tables(scope, period, cuts, filters),
                       participation_tables(scope, period.previous_year(), cuts, filters))


def _empty_like(row: Row) -> Row:
    return Row(row.key, row.label, organisation_id=row.organisation_id, drillable=row.drillable)


MYNDIGHET_FILTER = Filters(funktion=Organisation.Funktion.MYNDIGHET)


def myndighet_comparison(scope: StatisticsScope, period: Period) -> Comparison:
    """Case officers' (myndighet) participation per municipality, beside the same period last year."""
    return compare_with_previous_year(scope, period, Cut.MUNICIPALITY, MYNDIGHET_FILTER)


@dataclass
class TertialReport:
    """Every table of the tertial report for tertial ``tertial`` of ``year``.

    ``tertial_tables`` are the tertial on its own, ``year_tables`` 1 January to
    its end (cumulative); each maps a cut of REPORT_CUTS (and None, the total)
    to a Table. ``trend`` holds the year's tertials so far, ``members`` every
    member with its participants this year, ``myndighet`` case officers'
    participation per municipality against the same period last year.
    """

    year: int
    tertial: int
    period: Period
    year_to_date: Period
    tertial_tables: dict[Cut | None, Table]
    year_tables: dict[Cut | None, Table]
    focus_areas: Table
    trend: list[TrendPoint]
    members: list[MemberRow]
    myndighet: Comparison
    scope: StatisticsScope = field(repr=False, default=None)

    @property
    def members_without_participants(self) -> list[MemberRow]:
        return [m for m in self.members if not m.has_participants]


def tertial_report(scope: StatisticsScope, year: int, tertial: int) -> TertialReport:
    """All tables of the report for one tertial: the tertial on its own and the year to date by
    every report cut, focus areas, the year's tertials, members without participants and
    case officers' participation against last year.

    Two requests do the counting: everything about this year in one pass over its registrations
    (two statements on SQLite), and case officers' registrations of the same period last year.
    On PostgreSQL a large data set is counted on several connections at once (``queries.run_all``).
    """
    period = Period.for_tertial(year, tertial)
    ytd = Period.year_to_date(year, tertial)
    this_tertial = queries.within(period)
    myndighet = queries.MYNDIGHET
    groups = [(None, None), *[(None, c) for c in (*REPORT_CUTS, Cut.FOCUS_AREA, Cut.TERTIAL)],
              (this_tertial, None), *[(this_tertial, c) for c in REPORT_CUTS],
              (myndighet, None), (myndighet, Cut.MUNICIPALITY)]
    previous = ytd.previous_year()
    answer, before = queries.run_all([
        _request(scope, ytd, groups, cumulative=True),
        _request(scope, previous, [(None, None), (None, Cut.MUNICIPALITY)], MYNDIGHET_FILTER)])
    year_tables = _tables_from(scope, ytd, answer, [*REPORT_CUTS, Cut.FOCUS_AREA])
    focus = year_tables.pop(Cut.FOCUS_AREA)
    members, districts = _member_organisations(scope, ytd)
    return TertialReport(
        year=year, tertial=tertial, period=period, year_to_date=ytd,
        tertial_tables=_tables_from(scope, period, answer, REPORT_CUTS, this_tertial),
        year_tables=year_tables, focus_areas=focus,
        trend=_trend_points(scope, ytd.tertials(), answer.of(None, Cut.TERTIAL), answer.cumulative),
        members=_member_rows(scope, members, districts, answer.of(None, Cut.MUNICIPALITY),
                             answer.of(None, Cut.DISTRICT)),
        myndighet=_comparison(ytd, Cut.MUNICIPALITY,
                              _tables_from(scope, ytd, answer, [Cut.MUNICIPALITY], myndighet),
                              _tables_from(scope, previous, before, [Cut.MUNICIPALITY])),
        scope=scope,
    )
