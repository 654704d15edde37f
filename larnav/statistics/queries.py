"""The SQL behind the statistics: one request, one statement (two with focus areas on SQLite; on
PostgreSQL one per share of the persons, run at once on several connections: see ``run_all``).

A ``Request`` asks for figures of several *groups* at once. A group is a cut
(or None, the total) under a condition (or None, every registration counted):
"by municipality", "by occupation during T2", "by municipality, case officers
only". ``run`` answers with the figures of every group.

Two engines give the same answers (a test compares them on PostgreSQL):

* ``_portable`` (SQLite, and the reference): the counted registrations as a
  common table expression, and one ``GROUP BY`` per group, joined with UNION
  ALL. Distinct participants are ``COUNT(DISTINCT person)`` per group.
* ``_single_pass`` (PostgreSQL): the registrations are read once (``base``,
  materialised), through the period's sessions from the covering index where
  the whole consortium, or a municipality holding a large share of it, is
  counted; what the cuts need of the workplace and the person is copied onto
  the registration, so nothing is joined per row but the period's sessions,
  whose values (and conditions on them) are computed once per session. Each
  row carries its status (attended, completed,
  no-show), a presence bit per condition and, per cut with few values
  (operating form, function, gender, activity type, tertial, focus area), the
  bit of its value, once for all rows and once per condition the cut is asked
  under, packed in one or two bigint words; cuts with many values
  (municipality, district, workplace, occupation) are columns. The additive
  measures are summed once at two small grains (where: organisation cuts,
  operating form, function; who and what: occupation, gender, activity type,
  tertial) and by activity for focus areas, in one hashed GROUPING SETS pass,
  then every group of a grain in one more (a FILTER column per condition).
  Distinct participants come from one row per person who
  attended (a hash aggregate of one BIT_OR per word and the smallest and
  largest value of each many-valued cut): persons are counted per 12-bit
  chunk of the words and per value of each many-valued cut (GROUPING SETS
  over persons), and the bits are read back per group; everyone with a
  single value of a cut is counted there, and only the few with several
  (someone who changed workplace) are looked up row by row. Nothing is sorted
  per group, nothing is counted with DISTINCT over the registrations.
"""

# This module builds SQL text: only table names, generated aliases, integers and choice values
# (checked by _literal) are interpolated; every value that comes from a request is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import json
import queue
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.db import connection, connections, transaction

from larnav.catalog.models import Activity, FocusArea, Session
from larnav.organisations.models import Organisation
from larnav.people.models import Person
from larnav.registrations.models import Registration, Status

from .periods import Period, tertial_key

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
# (expression, joins it needs); joins: a = activity. The workplace's city district, operating form
# and function, and the person's occupation and gender, are copied onto the registration.
COLUMNS = {
    Cut.MUNICIPALITY: ("r.municipality_id", ()),
    Cut.DISTRICT: ("r.district_id", ()),
    Cut.WORKPLACE: ("r.workplace_id", ()),
    Cut.DRIFTFORM: ("NULLIF(r.driftform, '')", ()),
    Cut.FUNKTION: ("NULLIF(r.funktion, '')", ()),
    Cut.ROLE: ("r.occupation_id", ()),
    Cut.GENDER: ("NULLIF(r.gender, '')", ()),
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
    """A subset of the counted registrations, as SQL over the aliases of ``_from_clause``: over the
    session alone (``of_session``, alias s) or over the registration (alias r)."""

    key: str
    sql: str
    params: tuple = ()
    of_session: bool = False


def within(period: Period) -> Condition:
    """Registrations whose session starts in ``period`` (e.g. one tertial of a year-to-date request)."""
    return Condition(f"period:{period.key}", "(s.first_start >= %s AND s.first_start < %s)",
                     (_adapt(period.start), _adapt(period.end)), of_session=True)


MYNDIGHET = Condition("funktion:myndighet", f"r.funktion = '{Organisation.Funktion.MYNDIGHET}'")

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


def _below(org: Organisation) -> str:
    """A LIKE pattern for the paths of the organisations below (and including) ``org``."""
    return org.path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _tertials(period: Period) -> list[Period]:
    return period.tertials()


def _tertial_expression(period: Period, column: str = "s.first_start", values: Sequence | None = None
                        ) -> tuple[str, list]:
    """SQL: which tertial of ``period`` the session starts in, by comparing its start with the tertials'
    ends (local midnights, computed here): ``values[i]`` for the i-th (default year * 10 + tertial).
    A comparison per tertial costs far less than converting each start to local time."""
    tertials = _tertials(period)
    if values is None:
        values = [tertial_key(t.year, t.tertial) for t in tertials]
    if len(tertials) == 1:  # SQLite has no CASE without a WHEN: one tertial is a constant
        return "%s", [values[0]]
    sql, params = "CASE", []
    for t, value in zip(tertials[:-1], values, strict=False):
        sql += f" WHEN {column} < %s THEN %s"
        params += [_adapt(t.end), value]
    sql += " ELSE %s END"
    params.append(values[-1])
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
            params.append(_below(org))
    f = request.filters
    for value, column, join in ((f.driftform, "r.driftform", None), (f.funktion, "r.funktion", None),
                                (f.activity_type, "a.type", "a"), (f.occupation_id, "r.occupation_id", None),
                                (f.gender, "r.gender", None)):
        if value:
            if join:
                joins.add(join)
            where.append(f"{column} = %s")
            params.append(value)
    sql = [f"FROM {_table(Registration)} r JOIN {_table(Session)} s ON s.id = r.session_id"]
    if "w" in joins:
        sql.append(f"LEFT JOIN {_table(Organisation)} w ON w.id = r.workplace_id")
    if "a" in joins:
        sql.append(f"JOIN {_table(Activity)} a ON a.id = s.activity_id")
    if "f" in joins:
        sql.append(f"LEFT JOIN {_table(Activity.focus_areas.through)} f ON f.activity_id = s.activity_id")
    return " ".join(sql), " AND ".join(where), params


def _attended_sql() -> str:
    """1 if the person was present: completed, or marked attended/partly on an occasion.

    ``Registration.present`` says the latter; the attendance services keep it in step with the
    attendance records. Only counted registrations (confirmed, completed, no-show) are asked."""
    return f"CASE WHEN r.status = {_literal(Status.COMPLETED)} OR r.present THEN 1 ELSE 0 END"


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


@dataclass
class _Plan:
    """Statements whose rows together answer a request, and how to read them. Each statement runs in
    a transaction of its own, in any order or at the same time."""

    statements: list[tuple[str, list]]
    assemble: Callable[[list], Answer]


def run(request: Request) -> Answer:
    return run_all([request])[0]


def run_all(requests: Sequence[Request]) -> list[Answer]:
    """Answer several requests.

    On PostgreSQL a large registration table is counted on ``LARNAV_STATISTICS_CONNECTIONS``
    connections at once: a request read through the period's sessions is split into as many shares
    of the persons (every figure, distinct participants included, is a sum over disjoint persons).
    A request read by an index of its own (a small municipality's, the workplaces of a function)
    stays whole beside others, on a connection of its own: each share would read all its index
    entries again. Each connection takes the next statement until none is left. PostgreSQL cannot
    run these statements in parallel itself (it does not parallelise GROUPING SETS). Inside a
    transaction everything runs on its connection, since no other connection could see what it has
    written."""
    shares = _shares()
    answers: list[Answer | None] = []
    planned = []
    for request in requests:
        if not request.groups and not request.cumulative_tertials:
            answers.append(Answer())
        elif _postgres() and _single_pass_possible(request):
            answers.append(None)
            planned.append(request)
        else:
            answers.append(_portable(request))
    plans: dict[int, _Plan] = {}
    connections_wanted = shares
    for i, request in enumerate(requests):
        if answers[i] is None:
            through = _through_sessions(request)
            split = shares if through or len(planned) == 1 else 1
            plans[i] = _single_pass(request, split, through)
            if shares > 1 and split == 1:
                connections_wanted += 1
    jobs = [(i, statement) for i, plan in plans.items() for statement in plan.statements]
    rows: dict[int, list] = defaultdict(list)
    for (i, _statement), result in zip(jobs, _fetch_all([s for _i, s in jobs], connections_wanted), strict=True):
        rows[i] += result
    for i, plan in plans.items():
        answers[i] = plan.assemble(rows[i])
    return answers


# Below this many registrations (the planner's estimate) a second connection costs more than it saves.
PARALLEL_MIN_REGISTRATIONS = 200_000


def _shares() -> int:
    wanted = settings.LARNAV_STATISTICS_CONNECTIONS
    if wanted <= 1 or not _postgres() or connection.in_atomic_block:
        return 1
    return wanted if _estimated_registrations() >= PARALLEL_MIN_REGISTRATIONS else 1


def _estimated_registrations() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [_table(Registration)])
        row = cursor.fetchone()
    return row[0] if row else 0


def _fetch_all(statements: list[tuple[str, list]], connections_wanted: int) -> list[list]:
    """The rows of each statement, each run with the reporting settings in a transaction of its own;
    on up to ``connections_wanted`` connections at once (this thread's and new ones, closed after)."""

    def fetch(sql, params):
        def rows_of(cursor):
            cursor.execute(sql, params)
            return cursor.fetchall()

        return _in_transaction(rows_of)

    if connections_wanted <= 1 or len(statements) <= 1:
        return [fetch(*statement) for statement in statements]
    results: list = [None] * len(statements)
    pending: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(len(statements)):
        pending.put(i)
    failures: list[BaseException] = []

    def work():
        while not failures:
            try:
                i = pending.get_nowait()
            except queue.Empty:
                return
            try:
                results[i] = fetch(*statements[i])
            except BaseException as error:  # re-raised in the calling thread below
                failures.append(error)

    def work_on_own_connection():
        try:
            work()
        finally:
            connections.close_all()  # this thread's connections only

    helpers = [threading.Thread(target=work_on_own_connection, daemon=True)
               for _ in range(min(connections_wanted, len(statements)) - 1)]
    for helper in helpers:
        helper.start()
    work()
    for helper in helpers:
        helper.join()
    if failures:
        raise failures[0]
    return results


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
WORD_BITS = 63  # bits 0..62 of a bigint; the sign bit is never used, so every word is >= 0
CHUNK_BITS = 12  # persons are counted per chunk of a word: at most 4096 distinct values each


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


@dataclass
class _Field:
    """Bits of the per-registration masks (the words m0, m1, ...).

    ``cut`` None is one bit: the registration is under ``condition`` (a presence bit). Otherwise the
    field holds the bit of the registration's value of ``cut`` (several for focus areas), or nothing
    when ``condition`` is given and the registration is not under it. OR-ed over a person's attended
    registrations the field says under which values the person attended."""

    condition: int | None  # index into the conditions
    cut: Cut | None
    width: int
    word: int = 0
    offset: int = 0

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.offset


# Which cuts' values come from where: the period's sessions (s), computed once per session, or the
# registration (r: the workplace's and the person's details are copied onto it), once per row.
SESSION_CUTS = (Cut.ACTIVITY_TYPE, Cut.TERTIAL, Cut.FOCUS_AREA)
REGISTRATION_CUTS = {Cut.DRIFTFORM: "r.driftform", Cut.FUNKTION: "r.funktion", Cut.GENDER: "r.gender"}  # their columns
# Additive measures are first summed at two fine grains, each with few distinct keys: where the
# registration was made (organisation cuts, operating form, function) and who and what
# (occupation, gender, activity type, tertial); focus areas by activity.
WHERE_CUTS = frozenset({Cut.MUNICIPALITY, Cut.DISTRICT, Cut.WORKPLACE, Cut.DRIFTFORM, Cut.FUNKTION})
# Functions held by a small share of workplaces (case officers, health care): a request filtered on
# one of them reads its registrations from the workplace's index, which carries the counted columns
# (registration_workplace_idx: an index-only scan, 1.2 s -> 0.5 s for last year's case officers at
# national scale); for the common function (utförare) reading through the sessions is faster.
FEW_WORKPLACES = frozenset({Organisation.Funktion.MYNDIGHET, Organisation.Funktion.HSL})
# An id cut whose value is the person's own: one value per person, never "several".
PERSON_CUTS = frozenset({Cut.ROLE})


# Bits 0-2 of word 0: attended, completed, no-show.
ATTENDED_BIT, COMPLETED_BIT, NO_SHOW_BIT = 1, 2, 4
STATUS_BITS = 3


def _layout(fields: list[_Field]) -> int:
    """Place the fields in words after the status bits (in order, none split across words); the
    number of words."""
    word, used = 0, STATUS_BITS
    for f in fields:
        if used + f.width > WORD_BITS:
            word, used = word + 1, 0
        f.word, f.offset = word, used
        used += f.width
    return word + 1


_SHARE = object()  # in a statement's parameters: the number of the share of the persons it counts


# What the counting reads of a registration: all of it is in registration_queue_idx and
# registration_workplace_idx (PostgreSQL).
COUNTED_COLUMNS = ("person_id", "hours_credited", "status", "present", "municipality_id", "workplace_id",
                   "occupation_id", "gender", "district_id", "driftform", "funktion")


# A municipality holding at least this share of its consortium's registrations is read through the
# sessions too: reading the period's index entries costs about the same for any municipality, reading
# its own registrations grows with them (national scale: equal at 5 %; 31 %: 2.5 s -> 1.85 s).
THROUGH_SESSIONS_MIN_SHARE = 0.05


def _through_sessions(request: Request) -> bool:
    """Whether to read the registrations through the period's sessions: unless an index on the
    registrations finds fewer of them (a small municipality's; the few workplaces of a function)."""
    if request.filters.funktion in FEW_WORKPLACES:
        return False
    org = request.organisation
    if org is None:
        return True
    return org.type == Organisation.Type.KOMMUN and _municipality_share(request) >= THROUGH_SESSIONS_MIN_SHARE


def _municipality_share(request: Request) -> float:
    """The planner's estimate of the share of the consortium's registrations made in the request's
    municipality (from the column statistics: no registration is read)."""
    def estimate(where: str, params: list) -> float:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {_table(Registration)} r WHERE {where}", params)
            plan = cursor.fetchone()[0]
        return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"]

    everyone = estimate("r.consortium_id = %s", [request.consortium_id])
    own = estimate("r.consortium_id = %s AND r.municipality_id = %s", [request.consortium_id, request.organisation.pk])
    return own / everyone if everyone else 0.0


def _single_pass(request: Request, shares: int = 1, through: bool | None = None) -> _Plan:
    """See the module docstring. Aliases: r registration, s the period's sessions, w workplaces.

    With ``shares`` > 1, one statement per share of the persons (``person_id`` modulo ``shares``);
    ``through``: whether to read through the period's sessions (default: ``_through_sessions``)."""
    if through is None:
        through = _through_sessions(request)
    groups = list(request.groups)
    conditions = list(dict.fromkeys(c for c, _cut in groups if c is not None))
    cuts = list(dict.fromkeys(cut for _c, cut in groups if cut is not None))
    if request.cumulative_tertials and Cut.TERTIAL not in cuts:
        cuts.append(Cut.TERTIAL)
    f = request.filters
    org = request.organisation
    # A district's or workplace's scope is the workplaces below it (w); a municipality's is a column.
    scoped_below = org is not None and org.type != Organisation.Type.KOMMUN

    # The bits: a presence bit per condition, then per vocabulary cut a field for all registrations
    # and one per condition it is asked under.
    tertials = _tertials(request.period)
    focus_ids: list[int] = []
    if Cut.FOCUS_AREA in cuts:
        focus_ids = list(FocusArea.objects.filter(consortium_id=request.consortium_id).order_by("pk")
                         .values_list("pk", flat=True))
    bits = {Cut.DRIFTFORM: _vocabulary_bits(Cut.DRIFTFORM), Cut.FUNKTION: _vocabulary_bits(Cut.FUNKTION),
            Cut.GENDER: _vocabulary_bits(Cut.GENDER), Cut.ACTIVITY_TYPE: _vocabulary_bits(Cut.ACTIVITY_TYPE),
            Cut.TERTIAL: _Bits([*[tertial_key(t.year, t.tertial) for t in tertials], None]),
            Cut.FOCUS_AREA: _Bits([*focus_ids, None])}
    vocab_cuts = [cut for cut in cuts if cut in bits]
    id_cuts = [cut for cut in cuts if cut in ID_CUTS]
    fields: dict[tuple[int | None, Cut | None], _Field] = {}
    for j in range(len(conditions)):
        fields[(j, None)] = _Field(j, None, 1)
    for cut in vocab_cuts:
        fields[(None, cut)] = _Field(None, cut, len(bits[cut].keys))
    for condition, cut in groups:
        if condition is not None and cut in bits:
            j = conditions.index(condition)
            fields.setdefault((j, cut), _Field(j, cut, len(bits[cut].keys)))
    words = _layout(list(fields.values()))

    # What is computed once per registration: read through the sessions, in the subquery that reads
    # the index (``per_row``, each value once however often it is used); otherwise where it is used.
    per_row: dict[str, tuple[str, Sequence]] = {}
    select_params: list = []

    def row_value(name: str, sql: str, params: Sequence = ()) -> str:
        if not through:
            select_params.extend(params)
            return f"({sql})"
        per_row.setdefault(name, (sql, params))
        return f"r.{name}"

    # The period's sessions, with what the cuts need of them computed once per session.
    position, position_params = _tertial_expression(request.period, "s.first_start", range(len(tertials)))
    values = {  # unshifted bit(s) of each vocabulary cut's value, in the subquery of its source
        Cut.ACTIVITY_TYPE: bits[Cut.ACTIVITY_TYPE].case("x.type"),
        Cut.TERTIAL: "(CAST(1 AS bigint) << x.tpos)",
        Cut.FOCUS_AREA: f"COALESCE(x.fmask, {bits[Cut.FOCUS_AREA].none_bit})",
    }

    def registration_value(cut: Cut) -> str:
        # The column itself, not COLUMNS' NULLIF: a blank value falls to "no value" in the CASE anyway.
        return row_value(f"b_{cut}", bits[cut].case(REGISTRATION_CUTS[cut]))

    def contribution(source_cuts, word: int, condition: int | None) -> str | None:
        """SQL: the fields of ``source_cuts`` in ``word`` for ``condition`` (None: unconditioned), shifted."""
        terms = [f"({values[fd.cut] if fd.cut in values else registration_value(fd.cut)} << {fd.offset})"
                 for fd in fields.values() if fd.word == word and fd.condition == condition and fd.cut in source_cuts]
        return " | ".join(terms) or None

    variants = [None, *range(len(conditions))]
    session_cols = ["x.id", "x.activity_id", "x.first_start"]
    for word in range(words):
        for v in variants:
            suffix = f"m{word}" + ("" if v is None else f"c{v}")
            if (sql := contribution(SESSION_CUTS, word, v)) is not None:
                session_cols.append(f"{sql} AS {suffix}")
    session_from = (f"FROM {_table(Session)} s JOIN {_table(Activity)} a0 ON a0.id = s.activity_id")
    inner = ["s.id", "s.activity_id", "s.first_start", "a0.type",
             f"{'fm.mask' if focus_ids else 'CAST(NULL AS bigint)'} AS fmask", f"{position} AS tpos"]
    params: list = [*position_params]
    for j, condition in enumerate(conditions):
        if condition.of_session:  # a condition on the session: decided once per session
            session_cols.append(f"x.c{j}")
            inner.append(f"({condition.sql}) AS c{j}")
            params += condition.params
    if focus_ids:
        through_table = _table(Activity.focus_areas.through)
        positions = " ".join(f"WHEN {pk} THEN CAST({1 << n} AS bigint)" for n, pk in enumerate(focus_ids))
        session_from += (f" LEFT JOIN (SELECT activity_id, BIT_OR(CASE focusarea_id {positions} ELSE 0 END) AS mask "
                         f"FROM {through_table} GROUP BY activity_id) fm ON fm.activity_id = s.activity_id")
    session_where = ["s.consortium_id = %s", "s.first_start >= %s", "s.first_start < %s"]
    params += [request.consortium_id, _adapt(request.period.start), _adapt(request.period.end)]
    if f.activity_type:
        session_where.append("a0.type = %s")
        params.append(f.activity_type)
    # Subqueries, not CTEs: OFFSET 0 keeps their expressions computed once per session, and unlike a
    # CTE the planner still sees the ids' statistics (it would otherwise hash the registrations).
    # The inner one computes the tertial once per session, the outer one the shifted bits from it.
    sessions = (f"(SELECT {', '.join(session_cols)} FROM (SELECT {', '.join(inner)} {session_from} "
                f"WHERE {' AND '.join(session_where)} OFFSET 0) x OFFSET 0) s")
    session_params = params

    # One row per counted registration: the person, the measures, the id cuts' values (-1 for none)
    # and the words.
    columns = []
    k = {cut: f"k{i}" for i, cut in enumerate(id_cuts)}
    for cut in id_cuts:
        columns.append(f"COALESCE({COLUMNS[cut][0]}, -1) AS {k[cut]}")
    if Cut.FOCUS_AREA in cuts:
        columns.append("s.activity_id AS aid")
    status = row_value("st", f"CASE r.status WHEN {_literal(Status.COMPLETED)} THEN {ATTENDED_BIT | COMPLETED_BIT} "
                             f"WHEN {_literal(Status.NO_SHOW)} THEN CASE WHEN r.present THEN {ATTENDED_BIT | NO_SHOW_BIT} "
                             f"ELSE {NO_SHOW_BIT} END ELSE CASE WHEN r.present THEN {ATTENDED_BIT} ELSE 0 END END")
    for word in range(words):
        terms = [status] if word == 0 else []
        for v in variants:
            suffix = "" if v is None else f"c{v}"
            parts = []
            if v is not None and (presence := fields[(v, None)]).word == word:
                parts.append(str(1 << presence.offset))
            if contribution(SESSION_CUTS, word, v) is not None:
                parts.append(f"s.m{word}{suffix}")
            if (sql := contribution(REGISTRATION_CUTS, word, v)) is not None:
                parts.append(sql)
            if not parts:
                continue
            if v is None:
                terms.extend(parts)
            else:
                condition = conditions[v]
                holds = f"s.c{v}" if condition.of_session else row_value(f"c{v}", condition.sql, condition.params)
                terms.append(f"CASE WHEN {holds} THEN {' | '.join(parts)} ELSE 0 END")
        columns.append(f"CAST({' | '.join(terms) or '0'} AS bigint) AS m{word}")
    counted = ", ".join(_literal(s) for s in COUNTED_STATUSES)
    where = ["r.consortium_id = %s", f"r.status IN ({counted})"]
    where_params: list = [request.consortium_id]
    if org is not None and org.type == Organisation.Type.KOMMUN:
        where.append("r.municipality_id = %s")
        where_params.append(org.pk)
    for value, column in ((f.occupation_id, "r.occupation_id"), (f.gender, "r.gender"),
                          (f.driftform, "r.driftform"), (f.funktion, "r.funktion")):
        if value:
            where.append(f"{column} = %s")
            where_params.append(value)
    if f.funktion in FEW_WORKPLACES:
        # From the workplace index alone (it carries the counted columns), instead of every registration hashed.
        where.append(f"r.workplace_id = ANY(ARRAY(SELECT id FROM {_table(Organisation)} "
                     f"WHERE consortium_id = %s AND funktion = %s))")
        where_params += [request.consortium_id, f.funktion]
    if shares > 1:
        # Every figure is a sum over persons, so the shares' figures add up.
        where.append("MOD(r.person_id, %s) = %s")
        where_params += [shares, _SHARE]
    if through:
        # The period's sessions drive: each one's counted registrations are read from the covering
        # index (registration_queue_idx), instead of every year's registrations being read and hashed
        # against the period's sessions. OFFSET 0 keeps the subquery a probe per session, and what
        # is computed per registration computed once.
        # Only what the rows need is read out: every column copied is work on each row.
        needed = ["r.person_id", "r.hours_credited", *(COLUMNS[cut][0] for cut in id_cuts)]
        if scoped_below:
            needed.append("r.workplace_id")
        read = list(dict.fromkeys(needed)) + [f"{sql} AS {name}" for name, (sql, _params) in per_row.items()]
        read_params = [p for _sql, params in per_row.values() for p in params]
        joins = [f"FROM {sessions} CROSS JOIN LATERAL (SELECT {', '.join(read)} "
                 f"FROM {_table(Registration)} r WHERE r.session_id = s.id AND {' AND '.join(where)} OFFSET 0) r"]
        from_params, where, where_params = session_params + read_params + where_params, [], []
    else:
        joins = [f"FROM {_table(Registration)} r JOIN {sessions} ON s.id = r.session_id"]
        from_params = session_params
    if scoped_below:
        joins.append(f"JOIN (SELECT w.id FROM {_table(Organisation)} w WHERE w.consortium_id = %s AND w.path LIKE %s "
                     f"OFFSET 0) w ON w.id = r.workplace_id")
        from_params = from_params + [request.consortium_id, _below(org)]
    measures = "r.person_id AS pid, CAST(COALESCE(r.hours_credited, 0) * 10 AS integer) AS h10"
    ctes = [f"base AS MATERIALIZED (SELECT {', '.join([measures, *columns])} {' '.join(joins)}"
            + (f" WHERE {' AND '.join(where)})" if where else ")")]
    params = select_params + from_params + where_params  # the SELECT list, FROM, then WHERE

    presence_masks = [0] * words
    for j in range(len(conditions)):
        presence_masks[fields[(j, None)].word] |= fields[(j, None)].mask

    def in_condition(j: int | None, alias: str = "") -> str:
        if j is None:
            return ""
        fd = fields[(j, None)]
        return f" AND {alias}m{fd.word} & {fd.mask} <> 0"

    arms = []
    blank = "NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint"

    # Additive measures: summed once at the fine grains (GROUPING SETS, hashed), then per group.
    fine_sets: dict[str, list[Cut]] = {"o": [], "v": []}  # where (organisation), what (person, activity)
    for cut in cuts:
        if cut != Cut.FOCUS_AREA:
            fine_sets["o" if cut in WHERE_CUTS else "v"].append(cut)
    plain = [(g, cond, cut) for g, (cond, cut) in enumerate(groups) if cut != Cut.FOCUS_AREA]
    focus = [(g, cond) for g, (cond, cut) in enumerate(groups) if cut == Cut.FOCUS_AREA]
    set_columns: dict[str, list[str]] = {}
    keyed = []  # (alias, expression) for the fine grains' keys
    for name, set_cuts in fine_sets.items():
        masks = list(presence_masks)
        masks[0] |= ATTENDED_BIT | COMPLETED_BIT | NO_SHOW_BIT
        for cut in set_cuts:
            if cut in bits:
                fd = fields[(None, cut)]
                masks[fd.word] |= fd.mask
        cols = [k[cut] for cut in set_cuts if cut in ID_CUTS]
        for word, mask in enumerate(masks):
            if mask:
                keyed.append((f"{name}{word}", f"m{word} & {mask}"))
                cols.append(f"{name}{word}")
        if set_cuts or name == "o":
            set_columns[name] = cols
    if focus:
        masks = list(presence_masks)
        masks[0] |= ATTENDED_BIT | COMPLETED_BIT | NO_SHOW_BIT
        set_columns["focus"] = ["aid", *[f"fo{word}" for word, mask in enumerate(masks) if mask]]
        keyed += [(f"fo{word}", f"m{word} & {mask}") for word, mask in enumerate(masks) if mask]
    all_cols = list(dict.fromkeys(c for cols in set_columns.values() for c in cols))
    sums = "COUNT(*) AS n, SUM(h10) AS h"
    source = f"(SELECT b.*{''.join(f', {e} AS {a}' for a, e in keyed)} FROM base b) b"
    grouping = f"GROUPING({', '.join(all_cols)})" if all_cols else "0"
    set_sql = ", ".join(f"({', '.join(cols)})" for cols in set_columns.values())
    ctes.append(f"fine AS (SELECT {grouping} AS gg{''.join(', ' + c for c in all_cols)}, {sums} FROM {source} "
                f"GROUP BY GROUPING SETS ({set_sql}))")

    def gg_of(name: str) -> int:
        cols = set_columns[name]
        return sum(1 << (len(all_cols) - 1 - i) for i, c in enumerate(all_cols) if c not in cols)

    def rolled(status: str, alias: str = "") -> str:
        """The measures of the fine rows summed; ``status`` is their word 0 (with the status bits)."""
        return (f"SUM({alias}n), SUM({alias}n) FILTER (WHERE {status} & {ATTENDED_BIT} <> 0), "
                f"SUM({alias}n) FILTER (WHERE {status} & {COMPLETED_BIT} <> 0), "
                f"SUM({alias}n) FILTER (WHERE {status} & {NO_SHOW_BIT} <> 0), SUM({alias}h)")

    def field_sql(fd: _Field, alias: str) -> str:
        return f"({alias}{fd.word} & {fd.mask})"

    # Per fine grain, every group's sums in one hashed pass: a GROUPING SETS over its rows with the
    # measures of each condition as FILTER columns, turned into one row per group and key.
    for name in ("o", "v"):
        asked = [(g, condition, cut) for g, condition, cut in plain
                 if ("o" if cut is None or cut in WHERE_CUTS else "v") == name]
        if not asked:
            continue
        keys: dict[Cut, str] = {}  # cut -> its key in the fine rows
        for _g, _condition, cut in asked:
            if cut is not None and cut not in keys:
                keys[cut] = k[cut] if cut in ID_CUTS else field_sql(fields[(None, cut)], name)
        aliases = {cut: f"e{i}" for i, cut in enumerate(keys)}
        variants_asked = list(dict.fromkeys(conditions.index(c) if c else None for _g, c, _cut in asked))
        measures = []
        for v in variants_asked:
            wanted = "TRUE" if v is None else f"{name}{fields[(v, None)].word} & {fields[(v, None)].mask} <> 0"
            suffix = "" if v is None else f"c{v}"
            measures += [f"SUM(n) FILTER (WHERE {wanted}) AS n{suffix}",
                         *[f"SUM(n) FILTER (WHERE {wanted} AND {name}0 & {bit} <> 0) AS {m}{suffix}"
                           for m, bit in (("a", ATTENDED_BIT), ("c", COMPLETED_BIT), ("x", NO_SHOW_BIT))],
                         f"SUM(h) FILTER (WHERE {wanted}) AS h{suffix}"]
        grouped = list(aliases.values())
        sets = list(dict.fromkeys(() if cut is None else (aliases[cut],) for _g, _c, cut in asked))

        def set_id(cut, grouped=grouped, aliases=aliases):
            return sum(1 << (len(grouped) - 1 - i) for i, a in enumerate(grouped) if cut is None or a != aliases[cut])

        rows = []
        for g, condition, cut in asked:
            suffix = "" if condition is None else f"c{conditions.index(condition)}"
            key = "CAST(NULL AS text)" if cut is None else f"CAST(t.{aliases[cut]} AS text)"
            rows.append(f"({g}, {set_id(cut)}, {key}, t.n{suffix}, t.a{suffix}, t.c{suffix}, t.x{suffix}, t.h{suffix})")
        grouping_id = f"GROUPING({', '.join(grouped)})" if grouped else "0"
        keyed_rows = "".join(f", {expression} AS {aliases[cut]}" for cut, expression in keys.items())
        arms.append(
            f"SELECT 'S', u.g, u.key, u.n, u.a, u.c, u.x, u.h, NULL::bigint FROM (SELECT {grouping_id} AS gs, "
            f"{', '.join([*grouped, *measures])} FROM (SELECT f.*{keyed_rows} FROM fine f WHERE gg = {gg_of(name)}) f "
            f"GROUP BY GROUPING SETS ({', '.join('(' + ', '.join(c) + ')' for c in sets)})) t "
            f"CROSS JOIN LATERAL (VALUES {', '.join(rows)}) u(g, gs, key, n, a, c, x, h) "
            f"WHERE u.gs = t.gs AND u.n IS NOT NULL")
    if focus:
        through_table = _table(Activity.focus_areas.through)
        for g, condition in focus:
            j = conditions.index(condition) if condition else None
            wanted = "" if j is None else f" AND x.fo{fields[(j, None)].word} & {fields[(j, None)].mask} <> 0"
            arms.append(f"SELECT 'S', {g}, CAST(f.focusarea_id AS text), {rolled('x.fo0', 'x.')}, NULL::bigint "
                        f"FROM fine x LEFT JOIN {through_table} f "
                        f"ON f.activity_id = x.aid WHERE x.gg = {gg_of('focus')}{wanted} GROUP BY f.focusarea_id")

    # Distinct participants: one row per person who attended (the words OR-ed, each id cut's smallest
    # and largest value), counted per chunk of the words and per id value (GROUPING SETS, hashed).
    varying = [cut for cut in id_cuts if cut not in PERSON_CUTS]
    per_person = [f"BIT_OR(m{word}) AS m{word}" for word in range(words)]
    for cut in id_cuts:
        per_person.append(f"MIN({k[cut]}) AS {k[cut]}")
        if cut in varying:
            per_person.append(f"MAX({k[cut]}) AS x{k[cut]}")
    ctes.append(f"people AS MATERIALIZED (SELECT pid, {', '.join(per_person)} FROM base "
                f"WHERE m0 & {ATTENDED_BIT} <> 0 GROUP BY pid)")
    chunks = []  # (word, offset, width)
    cumulative_field = fields[(None, Cut.TERTIAL)] if request.cumulative_tertials else None
    wanted_fields = {(conditions.index(c) if c else None, cut) for c, cut in groups if c is not None or cut}
    for word in range(words):
        current = None
        for fd in sorted((fd for fd in fields.values() if fd.word == word and (
                (fd.condition, fd.cut) in wanted_fields or fd is cumulative_field)), key=lambda fd: fd.offset):
            alone = fd is cumulative_field  # its values are needed whole, for the cumulative counts
            if (current is None or alone or current[3] or current[1] + current[2] != fd.offset
                    or current[2] + fd.width > CHUNK_BITS):
                current = [word, fd.offset, fd.width, alone]
                chunks.append(current)
            else:
                current[2] += fd.width
    keyed = [(f"q{i}", f"(m{word} >> {offset}) & {(1 << width) - 1}") for i, (word, offset, width, _a) in
             enumerate(chunks)]
    id_sets = []
    for cut in id_cuts:
        u = f"CASE WHEN {k[cut]} = x{k[cut]} THEN {k[cut]} ELSE -2 END" if cut in varying else k[cut]
        keyed.append((f"u{k[cut]}", u))
        cols = [f"u{k[cut]}"]
        if any(cond is not None for cond, c in groups if c == cut):
            cols += [f"pr{word}" for word, mask in enumerate(presence_masks) if mask]
        id_sets.append((cut, cols))
    keyed += [(f"pr{word}", f"m{word} & {mask}") for word, mask in enumerate(presence_masks) if mask]
    person_sets = [[f"q{i}"] for i in range(len(chunks))] + [cols for _cut, cols in id_sets] + [[]]
    p_cols = list(dict.fromkeys(c for cols in person_sets for c in cols))
    p_source = f"(SELECT {', '.join(e + ' AS ' + a for a, e in keyed) or '0 AS q'} FROM people) x"
    p_grouping = f"GROUPING({', '.join(p_cols)})" if p_cols else "0"
    ctes.append(f"counted AS (SELECT {p_grouping} AS gg{''.join(', ' + c for c in p_cols)}, COUNT(*) AS n "
                f"FROM {p_source} GROUP BY GROUPING SETS ({', '.join('(' + ', '.join(s) + ')' for s in person_sets)}))")

    def p_gg(cols: list[str]) -> int:
        return sum(1 << (len(p_cols) - 1 - i) for i, c in enumerate(p_cols) if c not in cols)

    for i in range(len(chunks)):
        arms.append(f"SELECT 'C', {i}, CAST(q{i} AS text), {blank}, n FROM counted WHERE gg = {p_gg([f'q{i}'])}")
    for n_set, (_cut, cols) in enumerate(id_sets):
        presence = " | ".join(c for c in cols[1:]) or "0"
        arms.append(f"SELECT 'I', {n_set}, CAST({cols[0]} AS text), {presence}, NULL::bigint, NULL::bigint, "
                    f"NULL::bigint, NULL::bigint, n FROM counted WHERE gg = {p_gg(cols)}")
    arms.append(f"SELECT 'T', 0, NULL, {blank}, n FROM counted WHERE gg = {p_gg([])}")
    several_groups = [(g, cond, cut) for g, (cond, cut) in enumerate(groups) if cut in varying]
    if several_groups:
        several = " OR ".join(f"{k[cut]} <> x{k[cut]}" for cut in varying)
        ctes.append(f"several AS MATERIALIZED (SELECT b.* FROM base b WHERE b.m0 & {ATTENDED_BIT} <> 0 AND b.pid IN ("
                    f"SELECT pid FROM people WHERE {several}))")
        for g, condition, cut in several_groups:
            j = conditions.index(condition) if condition else None
            arms.append(f"SELECT 'P', {g}, CAST(b.{k[cut]} AS text), {blank}, COUNT(DISTINCT b.pid) FROM several b "
                        f"WHERE b.pid IN (SELECT pid FROM people WHERE {k[cut]} <> x{k[cut]}){in_condition(j, 'b.')} "
                        f"GROUP BY b.{k[cut]}")
    sql = f"WITH {', '.join(ctes)} " + " UNION ALL ".join(arms)

    def assemble(rows) -> Answer:
        # Which group each bit of the words counts persons for: (group, raw key).
        by_bit: dict[tuple[int, int], list[tuple[int, object]]] = defaultdict(list)
        for g, (condition, cut) in enumerate(groups):
            j = conditions.index(condition) if condition else None
            if cut is None and j is not None:
                fd = fields[(j, None)]
                by_bit[(fd.word, fd.offset)].append((g, None))
            elif cut in bits:
                fd = fields[(j, cut)]
                for n_bit, key in enumerate(bits[cut].keys):
                    by_bit[(fd.word, fd.offset + n_bit)].append((g, key))

        def raw(cut, text):
            if text is None:
                return None
            value = int(text)
            if cut in ID_CUTS:
                return None if value == -1 else value
            if cut in bits and cut != Cut.FOCUS_AREA:
                return bits[cut].key_of(value >> fields[(None, cut)].offset)
            return value

        # The groups each total and each id cut's persons count for (with the presence mask of the
        # group's condition, 0 for none).
        totals = [g for g, (condition, cut) in enumerate(groups) if condition is None and cut is None]
        by_id_cut: dict[Cut, list[tuple[int, int]]] = defaultdict(list)
        for g, (condition, cut) in enumerate(groups):
            if cut in ID_CUTS:
                by_id_cut[cut].append((g, fields[(conditions.index(condition), None)].mask if condition else 0))
        sums_by: dict[int, dict] = defaultdict(dict)
        participants: dict[int, dict] = defaultdict(lambda: defaultdict(int))
        seen_in_tertials: dict[int, int] = defaultdict(int)  # tertial mask -> persons
        for kind, g, key, n, a, cm, ns, h, p in rows:
            if kind == "S":  # summed: each share of the persons (see run_all) has its own rows
                key = raw(groups[g][1], key)
                before = sums_by[g].get(key, (0, 0, 0, 0, Decimal(0)))
                sums_by[g][key] = (before[0] + (n or 0), before[1] + (a or 0), before[2] + (cm or 0),
                                   before[3] + (ns or 0), before[4] + Decimal(h or 0) / 10)
            elif kind == "P":
                participants[g][raw(groups[g][1], key)] += int(p)
            elif kind == "T":
                for g2 in totals:
                    participants[g2][None] += int(p)
            elif kind == "I":
                value = int(key)
                if value == -2:
                    continue
                present = int(n)
                for g2, mask in by_id_cut[id_sets[g][0]]:
                    if not mask or present & mask:
                        participants[g2][None if value == -1 else value] += int(p)
            else:  # "C": persons per value of a chunk
                word, offset, _width, _alone = chunks[g]
                value = int(key)
                if cumulative_field is not None and (word, offset) == (cumulative_field.word, cumulative_field.offset):
                    seen_in_tertials[value] += int(p)
                while value:
                    low = value & -value
                    for g2, raw_key in by_bit.get((word, offset + low.bit_length() - 1), ()):
                        participants[g2][raw_key] += int(p)
                    value ^= low
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

    return _Plan([(sql, [share if p is _SHARE else p for p in params]) for share in range(shares)], assemble)
