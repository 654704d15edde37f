"""The SQL behind the statistics: one request, one statement (two with focus areas on SQLite).

A ``Request`` asks for figures of several *groups* at once. A group is a cut
(or None, the total) under a condition (or None, every registration counted):
"by municipality", "by occupation during T2", "by municipality, case officers
only". ``run`` answers with the figures of every group.

Two engines give the same answers (a test compares them on PostgreSQL):

* ``_portable`` (SQLite, and the reference): the counted registrations as a
  common table expression, and one ``GROUP BY`` per group, joined with UNION
  ALL. Distinct participants are ``COUNT(DISTINCT person)`` per group.
* ``_single_pass`` (PostgreSQL): the registrations are read and joined once.
  The additive measures are grouped once at the finest grain the groups need
  and then rolled up with GROUPING SETS. Distinct participants come from one
  row per person (a hash aggregate): for a cut with few values (operating
  form, function, gender, activity type, tertial, focus area) a bit mask of
  the values the person attended under, counted bit by bit; for a cut with
  many values (municipality, district, workplace, occupation) the smallest
  and largest value, so that everyone with a single value is counted by a
  GROUP BY over persons and only the few with several (someone who changed
  workplace) are looked up row by row. Nothing is sorted per group, nothing is
  counted with DISTINCT over the registrations.
"""

# This module builds SQL text: only table names, generated aliases, integers and choice values
# (checked by _literal) are interpolated; every value that comes from a request is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.db import connection, transaction

from larnav.attendance.models import PRESENT_STATUSES, AttendanceRecord
from larnav.catalog.models import Activity, FocusArea, Session
from larnav.organisations.models import Organisation
from larnav.people.models import Person
from larnav.registrations.models import Registration, Status

from .periods import TIME_ZONE_NAME, Period, tertial_key

COUNTED_STATUSES = (Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW)
# Settings for the reporting statements (PostgreSQL), for their transaction only: hash tables of a
# few tens of MB instead of spilling to disk; no JIT compilation (it costs seconds and saves nothing
# here); and hash joins only. The planner cannot know how many rows the intermediate results hold
# (it guesses 200) and would otherwise loop over one of them for every row of another.
SESSION_SETTINGS = ("SET LOCAL work_mem = '96MB'", "SET LOCAL jit = off", "SET LOCAL enable_nestloop = off",
                    "SET LOCAL enable_mergejoin = off")


class Cut(StrEnum):
    MUNICIPALITY = "municipality"
    DISTRICT = "district"
    WORKPLACE = "workplace"
    DRIFTFORM = "driftform"
    FUNKTION = "funktion"
    ROLE = "role"
    GENDER = "gender"
    ACTIVITY_TYPE = "activity_type"
    FOCUS_AREA = "focus_area"
    TERTIAL = "tertial"


# Cuts by an id (many values) and by a vocabulary (few values).
ID_CUTS = frozenset({Cut.MUNICIPALITY, Cut.DISTRICT, Cut.WORKPLACE, Cut.ROLE})
VOCABULARIES = {
    Cut.DRIFTFORM: tuple(Organisation.Driftform.values),
    Cut.FUNKTION: tuple(Organisation.Funktion.values),
    Cut.GENDER: tuple(Person.Gender.values),
    Cut.ACTIVITY_TYPE: tuple(Activity.Type.values),
}
# (expression, joins it needs); joins: w = workplace, d = city district, p = person, a = activity.
COLUMNS = {
    Cut.MUNICIPALITY: ("r.municipality_id", ()),
    Cut.DISTRICT: ("d.id", ("w", "d")),
    Cut.WORKPLACE: ("r.workplace_id", ()),
    Cut.DRIFTFORM: ("NULLIF(w.driftform, '')", ("w",)),
    Cut.FUNKTION: ("NULLIF(w.funktion, '')", ("w",)),
    Cut.ROLE: ("p.occupation_id", ("p",)),
    Cut.GENDER: ("NULLIF(p.gender, '')", ("p",)),
    Cut.ACTIVITY_TYPE: ("a.type", ("a",)),
}


@dataclass(frozen=True)
class Filters:
    """Narrow the registrations counted (all optional)."""

    driftform: str = ""
    funktion: str = ""
    activity_type: str = ""
    occupation_id: int | None = None
    gender: str = ""

    @property
    def empty(self) -> bool:
        return not (self.driftform or self.funktion or self.activity_type or self.occupation_id or self.gender)


NO_FILTERS = Filters()


@dataclass(frozen=True)
class Condition:
    """A subset of the counted registrations, as SQL over the aliases of ``_from_clause``."""

    key: str
    sql: str
    params: tuple = ()
    joins: tuple = ()


def within(period: Period) -> Condition:
    """Registrations whose session starts in ``period`` (e.g. one tertial of a year-to-date request)."""
    return Condition(f"period:{period.key}", "(s.first_start >= %s AND s.first_start < %s)",
                     (_adapt(period.start), _adapt(period.end)))


MYNDIGHET = Condition("funktion:myndighet", f"w.funktion = '{Organisation.Funktion.MYNDIGHET}'", (), ("w",))

Group = tuple[Condition | None, Cut | None]


@dataclass(frozen=True)
class Request:
    consortium_id: int
    period: Period
    groups: tuple[Group, ...]
    organisation: Organisation | None = None
    filters: Filters = NO_FILTERS
    # Also count distinct participants from 1 January to the end of each tertial of the period.
    cumulative_tertials: bool = False


@dataclass(frozen=True)
class Figures:
    registrations: int = 0
    participants: int = 0
    attended: int = 0
    completed: int = 0
    no_shows: int = 0
    hours: Decimal = Decimal("0.0")


@dataclass
class Answer:
    # (condition key or None, cut or None) -> raw key -> figures; the total of a condition under the key None.
    figures: dict[tuple[str | None, Cut | None], dict[object, Figures]] = field(default_factory=dict)
    # tertial key (20262) -> distinct participants from 1 January of its year to its end.
    cumulative: dict[int, int] = field(default_factory=dict)

    def of(self, condition: Condition | None, cut: Cut | None) -> dict[object, Figures]:
        return self.figures.get((condition.key if condition else None, cut), {})

    def total(self, condition: Condition | None = None) -> Figures:
        return self.of(condition, None).get(None, Figures())


# --- Shared SQL -------------------------------------------------------------------------

def _adapt(value):
    return connection.ops.adapt_datetimefield_value(value)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _table(model) -> str:
    return model._meta.db_table


def _literal(value: str) -> str:
    if not re.fullmatch(r"[a-z_]+", value):  # choice values only; anything else is a parameter
        raise ValueError(value)
    return f"'{value}'"


def _tertials(period: Period) -> list[Period]:
    return period.tertials()


def _tertial_expression(period: Period) -> tuple[str, list]:
    """year * 10 + tertial of the session's first local date."""
    if _postgres():
        local = f"(s.first_start AT TIME ZONE '{TIME_ZONE_NAME}')"
        return (f"(CAST(EXTRACT(YEAR FROM {local}) AS integer) * 10 + CASE WHEN EXTRACT(MONTH FROM {local}) <= 4 "
                f"THEN 1 WHEN EXTRACT(MONTH FROM {local}) <= 8 THEN 2 ELSE 3 END)"), []
    tertials = _tertials(period)
    if len(tertials) == 1:  # SQLite has no CASE without a WHEN: one tertial is a constant
        return "%s", [tertial_key(tertials[0].year, tertials[0].tertial)]
    sql, params = "CASE", []
    for t in tertials[:-1]:
        sql += " WHEN s.first_start < %s THEN %s"
        params += [_adapt(t.end), tertial_key(t.year, t.tertial)]
    sql += " ELSE %s END"
    params.append(tertial_key(tertials[-1].year, tertials[-1].tertial))
    return sql, params


def _from_clause(request: Request, joins: set[str]) -> tuple[str, str, list]:
    """FROM ... and WHERE ...: the counted registrations of the request's consortium, period, scope and filters."""
    counted = ", ".join(_literal(s) for s in COUNTED_STATUSES)
    where = ["r.consortium_id = %s", f"r.status IN ({counted})", "s.first_start >= %s", "s.first_start < %s"]
    params: list = [request.consortium_id, _adapt(request.period.start), _adapt(request.period.end)]
    org = request.organisation
    if org is not None:
        if org.type == Organisation.Type.KOMMUN:
            where.append("r.municipality_id = %s")
            params.append(org.pk)
        else:
            joins.add("w")
            where.append("w.path LIKE %s")
            params.append(org.path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    f = request.filters
    for value, column, join in ((f.driftform, "w.driftform", "w"), (f.funktion, "w.funktion", "w"),
                                (f.activity_type, "a.type", "a"), (f.occupation_id, "p.occupation_id", "p"),
                                (f.gender, "p.gender", "p")):
        if value:
            joins.add(join)
            where.append(f"{column} = %s")
            params.append(value)
    if "d" in joins:
        joins.add("w")
    sql = [f"FROM {_table(Registration)} r JOIN {_table(Session)} s ON s.id = r.session_id"]
    if "w" in joins:
        sql.append(f"LEFT JOIN {_table(Organisation)} w ON w.id = r.workplace_id")
    if "d" in joins:
        sql.append(f"LEFT JOIN {_table(Organisation)} d ON d.id = w.parent_id "
                   f"AND d.type = {_literal(Organisation.Type.STADSDEL)}")
    if "p" in joins:
        sql.append(f"JOIN {_table(Person)} p ON p.id = r.person_id")
    if "a" in joins:
        sql.append(f"JOIN {_table(Activity)} a ON a.id = s.activity_id")
    if "f" in joins:
        sql.append(f"LEFT JOIN {_table(Activity.focus_areas.through)} f ON f.activity_id = s.activity_id")
    return " ".join(sql), " AND ".join(where), params


def _attended_sql() -> str:
    """1 if the person was present: completed, or marked attended/partly on an occasion.

    The attendance records are looked up only for the few registrations that are not completed,
    one index probe each (the partial index statistics_attendance_present_idx). A scalar subquery
    with LIMIT, not EXISTS: PostgreSQL would plan an EXISTS as a hash of every attendance record
    (seconds at national scale)."""
    present = ", ".join(_literal(s) for s in PRESENT_STATUSES)
    return (f"CASE WHEN r.status = {_literal(Status.COMPLETED)} THEN 1 "
            f"WHEN r.status IN ({_literal(Status.NO_SHOW)}, {_literal(Status.CONFIRMED)}) THEN COALESCE(("
            f"SELECT 1 FROM {_table(AttendanceRecord)} ar WHERE ar.registration_id = r.id "
            f"AND ar.status IN ({present}) LIMIT 1), 0) ELSE 0 END")


def _measures_sql() -> str:
    return (f"r.person_id AS person_id, {_attended_sql()} AS att, "
            f"CASE WHEN r.status = {_literal(Status.COMPLETED)} THEN 1 ELSE 0 END AS cmp, "
            f"CASE WHEN r.status = {_literal(Status.NO_SHOW)} THEN 1 ELSE 0 END AS nos, "
            f"r.hours_credited AS hrs")


def _figures(n, p, a, c, ns, h) -> Figures:
    hours = Decimal(str(h)) if isinstance(h, float) else Decimal(h or 0)
    return Figures(int(n or 0), int(p or 0), int(a or 0), int(c or 0), int(ns or 0), hours.quantize(Decimal("0.1")))


def _raw_key(cut: Cut | None, value):
    """Keys come back as text from the single-pass statement; give them the type of the column."""
    if value is None or cut is None:
        return None
    if cut in ID_CUTS or cut in (Cut.TERTIAL, Cut.FOCUS_AREA):
        return int(value)
    return str(value)


def _in_transaction(function):
    """Run ``function(cursor)`` with the reporting settings (PostgreSQL) in a transaction of its own."""
    with transaction.atomic(), connection.cursor() as cursor:
        if _postgres():
            for statement in SESSION_SETTINGS:
                cursor.execute(statement)
        return function(cursor)


def run(request: Request) -> Answer:
    if not request.groups and not request.cumulative_tertials:
        return Answer()
    if _postgres() and _single_pass_possible(request):
        return _single_pass(request)
    return _portable(request)


# --- The portable engine ------------------------------------------------------------------

AGGREGATES = ("COUNT(*), COUNT(DISTINCT CASE WHEN att = 1 THEN person_id END), COALESCE(SUM(att), 0), "
              "COALESCE(SUM(cmp), 0), COALESCE(SUM(nos), 0), COALESCE(SUM(hrs), 0)")


def _portable(request: Request) -> Answer:
    answer = Answer()
    plain = [g for g in request.groups if g[1] != Cut.FOCUS_AREA]
    focus = [g for g in request.groups if g[1] == Cut.FOCUS_AREA]
    for groups, extra_join in ((plain, None), (focus, "f")):
        if groups or (extra_join is None and request.cumulative_tertials):
            _portable_statement(request, groups, extra_join, answer)
    return answer


def _portable_statement(request: Request, groups: Sequence[Group], extra_join: str | None, answer: Answer) -> None:
    joins: set[str] = {extra_join} if extra_join else set()
    conditions = list(dict.fromkeys(c for c, _cut in groups if c is not None))
    cuts = list(dict.fromkeys(cut for _c, cut in groups if cut is not None))
    columns, select_params = [], []
    for j, condition in enumerate(conditions):
        columns.append(f"CASE WHEN {condition.sql} THEN 1 ELSE 0 END AS c{j}")
        select_params += condition.params
        joins.update(condition.joins)
    for i, cut in enumerate(cuts):
        if cut == Cut.TERTIAL:
            expression, params = _tertial_expression(request.period)
            select_params += params
        elif cut == Cut.FOCUS_AREA:
            expression = "f.focusarea_id"
        else:
            expression, needed = COLUMNS[cut]
            joins.update(needed)
        columns.append(f"{expression} AS k{i}")
    tertial_column = None
    if request.cumulative_tertials and extra_join is None:
        if Cut.TERTIAL in cuts:
            tertial_column = f"k{cuts.index(Cut.TERTIAL)}"
        else:
            expression, params = _tertial_expression(request.period)
            select_params += params
            columns.append(f"{expression} AS kt")
            tertial_column = "kt"
    from_sql, where_sql, where_params = _from_clause(request, joins)
    selected = ", ".join([_measures_sql(), *columns])
    base = f"SELECT {selected} {from_sql} WHERE {where_sql}"
    arms = []
    for index, (condition, cut) in enumerate(groups):
        where = f" WHERE c{conditions.index(condition)} = 1" if condition else ""
        if cut is None:
            arms.append(f"SELECT {index}, NULL, {AGGREGATES} FROM base{where}")
        else:
            k = f"k{cuts.index(cut)}"
            arms.append(f"SELECT {index}, CAST({k} AS text), {AGGREGATES} FROM base{where} GROUP BY {k}")
    if tertial_column:
        # Each person's first attended tertial of each year: how many are new in each tertial.
        arms.append(f"SELECT -1, CAST(first_key AS text), COUNT(*), 0, 0, 0, 0, 0 FROM (SELECT MIN({tertial_column}) AS first_key "
                    f"FROM base WHERE att = 1 GROUP BY person_id, CAST({tertial_column} / 10 AS integer)) firsts "
                    f"GROUP BY first_key")
    sql = f"WITH base AS ({base}) " + " UNION ALL ".join(arms)

    def fetch(cursor):
        cursor.execute(sql, select_params + where_params)
        return cursor.fetchall()

    new_by_tertial: dict[int, int] = {}
    for row in _in_transaction(fetch):
        index, key, values = row[0], row[1], row[2:]
        if index == -1:
            new_by_tertial[int(key)] = int(values[0])
            continue
        condition, cut = groups[index]
        answer.figures.setdefault((condition.key if condition else None, cut), {})[
            _raw_key(cut, key)] = _figures(*values)
    for condition, cut in groups:
        answer.figures.setdefault((condition.key if condition else None, cut), {})
    if tertial_column:
        answer.cumulative = _cumulate(request.period, new_by_tertial)


def _cumulate(period: Period, new_by_tertial: dict[int, int]) -> dict[int, int]:
    """Participants from 1 January to the end of each tertial, from the number new in each tertial."""
    result, running, year = {}, 0, None
    for t in _tertials(period):
        if t.year != year:
            running, year = 0, t.year
        running += new_by_tertial.get(tertial_key(t.year, t.tertial), 0)
        result[tertial_key(t.year, t.tertial)] = running
    return result


# --- The single-pass engine (PostgreSQL) -----------------------------------------------------

MAX_BITS = 62


def _single_pass_possible(request: Request) -> bool:
    if len(_tertials(request.period)) > MAX_BITS:
        return False
    if any(cut == Cut.FOCUS_AREA for _c, cut in request.groups):
        return FocusArea.objects.filter(consortium_id=request.consortium_id).count() < MAX_BITS
    return True


@dataclass
class _Bits:
    """The bit of each value of a few-valued cut; the last bit stands for "no value"."""

    keys: list  # raw key of each bit, None for "no value"

    def key_of(self, bit: int):
        return self.keys[bit.bit_length() - 1]

    @property
    def none_bit(self) -> int:
        return 1 << (len(self.keys) - 1)

    def case(self, expression: str) -> str:
        """SQL: the bit of ``expression``'s value (for vocabularies)."""
        cases = " ".join(f"WHEN {_literal(v)} THEN {1 << i}" for i, v in enumerate(self.keys[:-1]))
        return f"CAST(CASE {expression} {cases} ELSE {self.none_bit} END AS bigint)"


def _vocabulary_bits(cut: Cut) -> _Bits:
    return _Bits([*VOCABULARIES[cut], None])


def _single_pass(request: Request) -> Answer:
    """See the module docstring. Aliases: r registration, s the period's sessions, w workplaces, p person."""
    groups = list(request.groups)
    conditions = list(dict.fromkeys(c for c, _cut in groups if c is not None))
    cuts = list(dict.fromkeys(cut for _c, cut in groups if cut is not None))
    if request.cumulative_tertials and Cut.TERTIAL not in cuts:
        cuts.append(Cut.TERTIAL)
    needs = set()
    for condition in conditions:
        needs.update(condition.joins)
    f = request.filters
    if f.driftform or f.funktion:
        needs.add("w")
    if f.occupation_id or f.gender:
        needs.add("p")
    org = request.organisation
    if org is not None and org.type != Organisation.Type.KOMMUN:
        needs.add("w")
    for cut in cuts:
        if cut in (Cut.DISTRICT, Cut.DRIFTFORM, Cut.FUNKTION):
            needs.add("w")
        if cut in (Cut.ROLE, Cut.GENDER):
            needs.add("p")

    # The period's sessions, with what the cuts need of them computed once per session.
    tertials = _tertials(request.period)
    tertial_bits = _Bits([*[tertial_key(t.year, t.tertial) for t in tertials], None])
    local, _params = _tertial_expression(request.period)
    local = local.replace("s.first_start", "s0.first_start")
    first = tertials[0]
    position = f"(({local}) / 10 - {first.year}) * 3 + MOD({local}, 10) - {first.tertial}"
    type_bits = _vocabulary_bits(Cut.ACTIVITY_TYPE)
    focus_ids: list[int] = []
    if Cut.FOCUS_AREA in cuts:
        focus_ids = list(FocusArea.objects.filter(consortium_id=request.consortium_id).order_by("pk")
                         .values_list("pk", flat=True))
    focus_bits = _Bits([*focus_ids, None])
    session_cols = ["s0.id", "s0.activity_id", "s0.first_start", f"CAST(1 AS bigint) << ({position}) AS tertial_bit",
                    f"{type_bits.case('a0.type')} AS type_bit"]
    session_from = (f"FROM {_table(Session)} s0 JOIN {_table(Activity)} a0 ON a0.id = s0.activity_id")
    if focus_ids:
        through = _table(Activity.focus_areas.through)
        positions = " ".join(f"WHEN {pk} THEN CAST({1 << n} AS bigint)" for n, pk in enumerate(focus_ids))
        session_from += (f" LEFT JOIN (SELECT activity_id, BIT_OR(CASE focusarea_id {positions} ELSE 0 END) AS mask "
                         f"FROM {through} GROUP BY activity_id) fm ON fm.activity_id = s0.activity_id")
        session_cols.append(f"COALESCE(fm.mask, {focus_bits.none_bit}) AS focus_mask")
    else:
        session_cols.append(f"CAST({focus_bits.none_bit} AS bigint) AS focus_mask")
    session_where = ["s0.consortium_id = %s", "s0.first_start >= %s", "s0.first_start < %s"]
    params: list = [request.consortium_id, _adapt(request.period.start), _adapt(request.period.end)]
    if f.activity_type:
        session_where.append("a0.type = %s")
        params.append(f.activity_type)
    # Subqueries, not CTEs: OFFSET 0 keeps their expressions computed once per session / workplace, and
    # unlike a CTE the planner still sees the ids' statistics (it would otherwise hash the registrations).
    sessions = (f"(SELECT {', '.join(session_cols)} {session_from} WHERE {' AND '.join(session_where)} "
                f"OFFSET 0) s")
    ctes = []

    # Workplaces with their operating form, function and city district.
    drift_bits, funk_bits = _vocabulary_bits(Cut.DRIFTFORM), _vocabulary_bits(Cut.FUNKTION)
    inner_w = bool(f.driftform or f.funktion or (org is not None and org.type != Organisation.Type.KOMMUN))
    if "w" in needs:
        w_where = ["w0.consortium_id = %s"]
        params.append(request.consortium_id)
        for value, column in ((f.driftform, "w0.driftform"), (f.funktion, "w0.funktion")):
            if value:
                w_where.append(f"{column} = %s")
                params.append(value)
        if org is not None and org.type != Organisation.Type.KOMMUN:
            w_where.append("w0.path LIKE %s")
            params.append(org.path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        drift_case = drift_bits.case("NULLIF(w0.driftform, '')")
        funk_case = funk_bits.case("NULLIF(w0.funktion, '')")
        workplaces = (
            f"(SELECT w0.id, w0.funktion, {drift_case} AS driftform_bit, {funk_case} AS funktion_bit, "
            f"d0.id AS district_id FROM {_table(Organisation)} w0 LEFT JOIN {_table(Organisation)} d0 "
            f"ON d0.id = w0.parent_id AND d0.type = {_literal(Organisation.Type.STADSDEL)} "
            f"WHERE {' AND '.join(w_where)} OFFSET 0) w")
    gender_bits = _vocabulary_bits(Cut.GENDER)
    key_sql = {
        Cut.MUNICIPALITY: "r.municipality_id",
        Cut.DISTRICT: "w.district_id",
        Cut.WORKPLACE: "r.workplace_id",
        Cut.ROLE: "p.occupation_id",
        Cut.DRIFTFORM: f"COALESCE(w.driftform_bit, {drift_bits.none_bit})",
        Cut.FUNKTION: f"COALESCE(w.funktion_bit, {funk_bits.none_bit})",
        Cut.GENDER: gender_bits.case("NULLIF(p.gender, '')"),
        Cut.ACTIVITY_TYPE: "s.type_bit",
        Cut.TERTIAL: "s.tertial_bit",
        Cut.FOCUS_AREA: "s.activity_id",
    }
    bits = {Cut.DRIFTFORM: drift_bits, Cut.FUNKTION: funk_bits, Cut.GENDER: gender_bits,
            Cut.ACTIVITY_TYPE: type_bits, Cut.TERTIAL: tertial_bits, Cut.FOCUS_AREA: focus_bits}

    columns, select_params = [], []
    for j, condition in enumerate(conditions):
        columns.append(f"CASE WHEN {condition.sql} THEN 1 ELSE 0 END AS c{j}")
        select_params += condition.params
    for i, cut in enumerate(cuts):
        columns.append(f"{key_sql[cut]} AS k{i}")
        if cut == Cut.FOCUS_AREA:
            columns.append(f"s.focus_mask AS fm{i}")
    joins = [f"FROM {_table(Registration)} r JOIN {sessions} ON s.id = r.session_id"]
    if "w" in needs:
        joins.append(f"{'JOIN' if inner_w else 'LEFT JOIN'} {workplaces} ON w.id = r.workplace_id")
    if "p" in needs:
        joins.append(f"JOIN {_table(Person)} p ON p.id = r.person_id")
    counted = ", ".join(_literal(s) for s in COUNTED_STATUSES)
    where = ["r.consortium_id = %s", f"r.status IN ({counted})"]
    where_params: list = [request.consortium_id]
    if org is not None and org.type == Organisation.Type.KOMMUN:
        where.append("r.municipality_id = %s")
        where_params.append(org.pk)
    for value, column in ((f.occupation_id, "p.occupation_id"), (f.gender, "p.gender")):
        if value:
            where.append(f"{column} = %s")
            where_params.append(value)
    measures = (f"r.person_id AS person_id, {_attended_sql()} AS att, "
                f"CASE WHEN r.status = {_literal(Status.COMPLETED)} THEN 1 ELSE 0 END AS cmp, "
                f"CASE WHEN r.status = {_literal(Status.NO_SHOW)} THEN 1 ELSE 0 END AS nos, "
                f"CAST(COALESCE(r.hours_credited, 0) * 10 AS integer) AS h10")
    ctes.append(f"base AS MATERIALIZED (SELECT {', '.join([measures, *columns])} {' '.join(joins)} "
                f"WHERE {' AND '.join(where)})")
    params = select_params + params + where_params  # SELECT list, then FROM (sessions, workplaces), then WHERE

    c_cols = [f"c{j}" for j in range(len(conditions))]
    k_cols = [f"k{i}" for i, cut in enumerate(cuts) if cut != Cut.FOCUS_AREA]
    sums = "COUNT(*) AS n, SUM(att) AS a, SUM(cmp) AS cm, SUM(nos) AS ns, SUM(h10) AS h"
    arms = []
    blank = "NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint"

    def grouping_arms(source: str, cte: str, value_cols: list[str], sets: list[tuple[int, list[str], str, str]],
                      aggregates: str, outputs: str, kind: str):
        """One hashed GROUPING SETS pass over ``source``; an arm per set picks its rows by GROUPING()."""
        grouping = f"GROUPING({', '.join(value_cols)})" if value_cols else "0"
        set_sql = ", ".join(f"({', '.join(members)})" for _g, members, _w, _k in sets)
        ctes.append(f"{cte} AS (SELECT {grouping} AS gg{''.join(', ' + c for c in value_cols)}, {aggregates} "
                    f"FROM {source} GROUP BY GROUPING SETS ({set_sql}))")
        for g, members, wanted, key in sets:
            mask = sum(1 << (len(value_cols) - 1 - value_cols.index(c)) for c in value_cols if c not in members)
            arms.append(f"SELECT '{kind}', {g}, {key}, {outputs} FROM {cte} WHERE gg = {mask}{wanted}")

    # Additive measures: the finest grain the groups need, then a GROUPING SET per group.
    fine_cols = c_cols + k_cols
    plain = [(g, cond, cut) for g, (cond, cut) in enumerate(groups) if cut != Cut.FOCUS_AREA]
    if plain:
        ctes.append(f"fine AS (SELECT {''.join(c + ', ' for c in fine_cols)}{sums} FROM base"
                    f"{' GROUP BY ' + ', '.join(fine_cols) if fine_cols else ''})")
        sets = []
        for g, condition, cut in plain:
            members = ([f"c{conditions.index(condition)}"] if condition else []) + (
                [f"k{cuts.index(cut)}"] if cut else [])
            wanted = f" AND c{conditions.index(condition)} = 1" if condition else ""
            sets.append((g, members, wanted, f"CAST(k{cuts.index(cut)} AS text)" if cut else "NULL"))
        grouping_arms("fine", "rolled", fine_cols, sets,
                      "SUM(n) AS n, SUM(a) AS a, SUM(cm) AS cm, SUM(ns) AS ns, SUM(h) AS h",
                      "n, a, cm, ns, h, NULL::bigint", "S")
    focus = [(g, cond) for g, (cond, cut) in enumerate(groups) if cut == Cut.FOCUS_AREA]
    if focus:
        through = _table(Activity.focus_areas.through)
        k = f"k{cuts.index(Cut.FOCUS_AREA)}"
        ctes.append(f"by_activity AS (SELECT {''.join(c + ', ' for c in c_cols)}{k} AS aid, {sums} FROM base "
                    f"GROUP BY {''.join(c + ', ' for c in c_cols)}{k})")
        for g, condition in focus:
            wanted = f" WHERE x.c{conditions.index(condition)} = 1" if condition else ""
            arms.append(f"SELECT 'S', {g}, CAST(f.focusarea_id AS text), SUM(x.n), SUM(x.a), SUM(x.cm), "
                        f"SUM(x.ns), SUM(x.h), NULL::bigint FROM by_activity x LEFT JOIN {through} f "
                        f"ON f.activity_id = x.aid{wanted} GROUP BY f.focusarea_id")

    # Distinct participants: one row per person who attended, then a GROUPING SET per group over them.
    person_cols, person_sets, id_groups = [], [], []
    for g, (condition, cut) in enumerate(groups):
        flag = f"c{conditions.index(condition)} = 1" if condition else "TRUE"
        if cut is None:
            person_cols.append(f"MAX(CASE WHEN {flag} THEN 1 ELSE 0 END) AS v{g}")
        elif cut in ID_CUTS:
            x = f"CASE WHEN {flag} THEN COALESCE(k{cuts.index(cut)}, -1) END"
            # NULL: nothing attended under the condition; -2: several values (looked up in "several").
            person_cols.append(f"CASE WHEN MIN({x}) IS NULL THEN NULL WHEN MIN({x}) = MAX({x}) THEN MIN({x}) "
                               f"ELSE -2 END AS v{g}")
            id_groups.append((g, condition, cut))
        elif cut == Cut.FOCUS_AREA:
            person_cols.append(f"BIT_OR(CASE WHEN {flag} THEN fm{cuts.index(cut)} ELSE 0 END) AS v{g}")
        else:
            person_cols.append(f"BIT_OR(CASE WHEN {flag} THEN k{cuts.index(cut)} ELSE 0 END) AS v{g}")
        person_sets.append((g, [f"v{g}"], "", f"CAST(v{g} AS text)"))
    if request.cumulative_tertials:
        person_cols.append(f"BIT_OR(k{cuts.index(Cut.TERTIAL)}) AS vt")
        person_sets.append((-1, ["vt"], "", "CAST(vt AS text)"))
    ctes.append(f"people AS MATERIALIZED (SELECT person_id, {', '.join(person_cols)} FROM base WHERE att = 1 "
                f"GROUP BY person_id)")
    grouping_arms("people", "counted", [c for _g, [c], _w, _k in person_sets], person_sets, "COUNT(*) AS n",
                  f"{blank}, n", "Q")
    if id_groups:
        several = " OR ".join(f"v{g} = -2" for g, _c, _cut in id_groups)
        ctes.append(f"several AS MATERIALIZED (SELECT b.* FROM base b WHERE b.att = 1 AND b.person_id IN ("
                    f"SELECT person_id FROM people WHERE {several}))")
        for g, condition, cut in id_groups:
            wanted = f" AND b.c{conditions.index(condition)} = 1" if condition else ""
            k = f"b.k{cuts.index(cut)}"
            arms.append(f"SELECT 'P', {g}, CAST({k} AS text), {blank}, COUNT(DISTINCT b.person_id) FROM several b "
                        f"WHERE b.person_id IN (SELECT person_id FROM people WHERE v{g} = -2){wanted} GROUP BY {k}")
    sql = f"WITH {', '.join(ctes)} " + " UNION ALL ".join(arms)

    def fetch(cursor):
        cursor.execute(sql, params)
        return cursor.fetchall()

    def raw(cut, text):
        if text is None:
            return None
        value = int(text)
        if cut in bits and cut != Cut.FOCUS_AREA:
            return bits[cut].key_of(value)
        return value

    sums_by: dict[int, dict] = defaultdict(dict)
    participants: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    seen_in_tertials: dict[int, int] = defaultdict(int)  # tertial mask -> persons
    for kind, g, key, n, a, cm, ns, h, p in _in_transaction(fetch):
        cut = groups[g][1] if g >= 0 else Cut.TERTIAL
        if kind == "S":
            sums_by[g][raw(cut, key)] = (n, a, cm, ns, Decimal(h or 0) / 10)
        elif kind == "P":
            participants[g][raw(cut, key)] += int(p)
        elif key is not None:  # "Q": persons per value of v{g}
            value = int(key)
            if g == -1:
                seen_in_tertials[value] += int(p)
            elif cut is None:
                if value == 1:
                    participants[g][None] += int(p)
            elif cut in ID_CUTS:
                if value != -2:
                    participants[g][None if value == -1 else value] += int(p)
            else:
                for n_bit in range(len(bits[cut].keys)):
                    if value & (1 << n_bit):
                        participants[g][bits[cut].keys[n_bit]] += int(p)
    answer = Answer()
    for g, (condition, cut) in enumerate(groups):
        figures = {key: _figures(n, participants[g].get(key, 0), a, cm, ns, h)
                   for key, (n, a, cm, ns, h) in sums_by[g].items()}
        if cut is None and None not in figures:
            figures[None] = Figures()
        answer.figures[(condition.key if condition else None, cut)] = figures
    if request.cumulative_tertials:
        year_masks: dict[int, int] = {}
        cumulative = {}
        for n_bit, t in enumerate(tertials):
            year_masks[t.year] = year_masks.get(t.year, 0) | (1 << n_bit)
            prefix = year_masks[t.year]
            cumulative[tertial_key(t.year, t.tertial)] = sum(
                count for mask, count in seen_in_tertials.items() if mask & prefix)
        answer.cumulative = cumulative
    return answer
