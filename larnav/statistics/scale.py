"""A national-size data set for benchmarks and for trying the reports.

``generate(municipalities=290, persons=300_000, registrations=3_000_000)``
builds, in a consortium of its own, all of Sweden's municipalities (the
three largest with city districts), workplaces (about 30 % privately run;
providers, authority units and HSL), staff with occupations and gender, an
offer of activities with focus areas, sessions over three years with their
occasions, registrations with outcomes and hours, and attendance for the
sessions that have taken place.

Rows are written in bulk: PostgreSQL's COPY, and multi-row INSERTs on SQLite.
Ids are assigned here (so that paths and foreign keys are known without a
round trip) and the sequences are moved past them afterwards. The data is
drawn from a seeded random generator: the same arguments give the same data.
"""

from __future__ import annotations

import csv
import json
import random
import secrets
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.db import connection, models, transaction
from django.utils import timezone

from larnav.attendance.models import PRESENT_STATUSES, AttendanceRecord
from larnav.catalog.models import Activity, FocusArea, Occasion, Session
from larnav.catalog.text import swedish_sort_key
from larnav.organisations.models import Consortium, Membership, Organisation
from larnav.people.models import Occupation, Person
from larnav.registrations.models import Registration, Status

from .periods import STOCKHOLM

MUNICIPALITIES_CSV = Path(__file__).resolve().parent.parent / "core" / "data" / "municipalities.csv"
DISTRICT_CITIES = {"0180": 11, "1480": 10, "1280": 5}  # Stockholm, Göteborg, Malmö: city districts
FOCUS_AREAS = ["Bemötande och förhållningssätt", "Delaktighet och inflytande", "Kommunikation",
               "Lågaffektivt bemötande", "Psykisk ohälsa", "Neuropsykiatriska funktionsnedsättningar",
               "Dokumentation", "Hälsa och livsstil", "Lagar och styrning", "Digitalisering"]
ACTIVITY_TYPES = [  # (type, weight, hours choices, seats)
    (Activity.Type.KURS, 30, ("6", "12", "18", "24"), (15, 30)),
    (Activity.Type.FORELASNING, 15, ("2", "3"), (40, 120)),
    (Activity.Type.SEMINARIUM, 15, ("3", "6"), (20, 60)),
    (Activity.Type.NATVERKSTRAFF, 10, ("2.5", "3"), (10, 30)),
    (Activity.Type.KONFERENS, 3, ("6", "12"), (80, 200)),
    (Activity.Type.STUDIECIRKEL, 7, ("10", "15"), (6, 12)),
    (Activity.Type.WEBBINARIUM, 17, ("1", "1.5", "2"), (50, 150)),
    (Activity.Type.POANGGIVANDE, 3, ("200",), (20, 35)),
]
GENDERS = [(Person.Gender.WOMAN, 78), (Person.Gender.MAN, 18), (Person.Gender.OTHER, 1), ("", 3)]
FIRST_NAMES = ["Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Sofia", "Elin", "Ida", "Johanna",
               "Fatima", "Amira", "Leila", "Hanna", "Malin", "Erik", "Lars", "Johan", "Ahmed", "Mikael",
               "Anders", "Ali", "Karl", "Peter", "Daniel"]
LAST_NAMES = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
              "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Öberg",
              "Åberg", "Lindqvist", "Hussein", "Mohammed", "Ali", "Berg", "Lund", "Ek"]


@dataclass
class Summary:
    consortium: Consortium
    counts: dict[str, int]
    seconds: dict[str, float]

    def lines(self) -> list[str]:
        parts = [f"{name}: {n:,}".replace(",", " ") for name, n in self.counts.items()]
        return [f"Consortium {self.consortium.slug} (id {self.consortium.pk})", *parts,
                "Times: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())]


# --- Bulk writing ------------------------------------------------------------------------

def utc_text(value: datetime) -> str:
    """An aware datetime as the naive UTC text both databases read (Django keeps PostgreSQL sessions in UTC)."""
    return str(value.astimezone(UTC).replace(tzinfo=None))


def plain(value):
    """A value as a string or number that COPY and SQLite's executemany both take as is."""
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class BulkWriter:
    """Writes rows of one model: COPY on PostgreSQL, executemany elsewhere.

    ``columns`` name model fields (attnames); every other concrete field but the
    automatic id gets its default, computed once (auto_now fields: the load's
    start). Rows hold plain values (see ``plain``); pass ``convert=True`` to
    have them converted (for small tables).
    """

    def __init__(self, now: datetime):
        self.now = now
        self.postgres = connection.vendor == "postgresql"

    def next_id(self, model) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608 - table name
            return cursor.fetchone()[0] + 1

    def _defaults(self, model, columns: Sequence[str]) -> tuple[list[str], list]:
        names, values = [], []
        for f in model._meta.concrete_fields:
            if f.attname in columns or isinstance(f, models.AutoField):
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = self.now
            elif f.has_default():
                if callable(f.default) and f.default not in (dict, list):
                    raise ValueError(f"{model.__name__}.{f.name} needs a value of its own")
                value = f.get_default()
            elif f.null:
                value = None
            elif isinstance(f, (models.CharField, models.TextField)):
                value = ""
            else:
                raise ValueError(f"{model.__name__}.{f.name} needs a value")
            names.append(f.column)
            values.append(plain(value))
        return names, values

    def write(self, model, columns: Sequence[str], rows: Iterable[Sequence], convert: bool = False) -> int:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        extra_names, extra_values = self._defaults(model, columns)
        names = [connection.ops.quote_name(n) for n in [fields[c].column for c in columns] + extra_names]
        table = model._meta.db_table
        if convert:
            rows = (tuple(plain(v) for v in row) for row in rows)
        count = 0
        if self.postgres:
            constant = "".join("\t" + (r"\N" if v is None else str(v)) for v in extra_values)
            sql = f"COPY {table} ({', '.join(names)}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                buffer = []
                for row in rows:
                    buffer.append("\t".join([r"\N" if v is None else str(v) for v in row]) + constant + "\n")
                    count += 1
                    if len(buffer) >= 50_000:
                        copy.write("".join(buffer))
                        buffer.clear()
                if buffer:
                    copy.write("".join(buffer))
            return count
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
        batch = []
        with connection.cursor() as cursor:
            for row in rows:
                batch.append((*row, *extra_values))
                count += 1
                if len(batch) >= 5_000:
                    cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)
        return count

    def reset_sequences(self, models_: Iterable) -> None:
        if not self.postgres:
            return
        with connection.cursor() as cursor:
            for model in models_:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - table name
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")


class _IndexesSetAside:
    """PostgreSQL's advice for loading a lot of data: drop foreign keys and indexes first, build them after.

    Checking a deferred foreign key row by row at commit and updating a dozen
    indexes per row cost far more than one validating scan and one sorted
    index build each. The statements run in the load's transaction, so a failed
    load leaves everything as it was. Primary keys and check constraints stay.
    """

    def __init__(self, models_):
        self.tables = [m._meta.db_table for m in models_]
        self.recreate: list[str] = []

    def __enter__(self):
        if connection.vendor != "postgresql":
            return self
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u') ORDER BY contype DESC",
                [self.tables])
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS ("
                "SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('u', 'p', 'x'))",
                [self.tables])
            indexes = cursor.fetchall()
            q = connection.ops.quote_name
            # Pending deferred checks (of rows written so far) would forbid the ALTER TABLEs: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table, name, _definition, _kind in constraints:
                cursor.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {q(name)}")
            self.recreate = [d for _n, d in indexes] + [
                f"ALTER TABLE {q(t)} ADD CONSTRAINT {q(n)} {d}" for t, n, d, kind in sorted(
                    constraints, key=lambda c: c[3] == "f")]
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None and self.recreate:
            with connection.cursor() as cursor:
                for statement in self.recreate:
                    cursor.execute(statement)
        return False


# --- The data ----------------------------------------------------------------------------

def _municipalities(n: int) -> list[dict[str, str]]:
    with MUNICIPALITIES_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if n > len(rows):
        # More than Sweden has: number the extra ones.
        extra = [{"municipality_code": f"{9000 + i:04d}", "municipality_name_short": f"Kommun {i + 1}"}
                 for i in range(n - len(rows))]
        rows += extra
    return rows[:n]


def _weights(rng: random.Random, n: int) -> list[float]:
    """Municipality sizes: a few large, many small (log-normal, as Swedish populations are)."""
    return [rng.lognormvariate(0, 1.1) for _ in range(n)]


def _allocate(total: int, weights: Sequence[float], minimum: int = 1) -> list[int]:
    scale = sum(weights)
    counts = [max(minimum, int(total * w / scale)) for w in weights]
    diff = total - sum(counts)
    order = sorted(range(len(weights)), key=lambda i: -weights[i])
    i = 0
    while diff != 0 and order:
        j = order[i % len(order)]
        if diff > 0:
            counts[j] += 1
            diff -= 1
        elif counts[j] > minimum:
            counts[j] -= 1
            diff += 1
        i += 1
        if i > 10 * len(order) and diff < 0:
            break
    return counts


def _weekday_start(rng: random.Random, first: date, last: date) -> datetime:
    span = (last - first).days
    while True:
        day = first + timedelta(days=rng.randrange(span + 1))
        if day.weekday() < 5:
            break
    start = rng.choice((time(8, 30), time(9, 0), time(10, 0), time(13, 0), time(13, 30)))
    return datetime.combine(day, start, tzinfo=STOCKHOLM)


def generate(*, municipalities: int = 290, persons: int = 300_000, registrations: int = 3_000_000,
             first_year: int | None = None, last_year: int | None = None, slug: str = "nationell-skala",
             attendance: bool = True, seed: int = 2026, now: datetime | None = None,
             progress: Callable[[str], None] = lambda message: None) -> Summary:
    """Build the data set in a new consortium ``slug``; ValueError if it exists already."""
    import time as clock

    if municipalities < 1 or persons < 1 or registrations < 0:
        raise ValueError("Give at least one municipality and one person.")
    if Consortium.objects.filter(slug=slug).exists():
        raise ValueError(f"A consortium with the slug {slug!r} exists already: use another --slug or a fresh database.")
    now = now or timezone.now()
    today = timezone.localtime(now, STOCKHOLM).date()
    last_year = last_year or today.year
    first_year = first_year or last_year - 2
    rng = random.Random(seed)
    writer = BulkWriter(now)
    seconds: dict[str, float] = {}
    counts: dict[str, int] = {}
    started = clock.monotonic()

    def lap(name):
        nonlocal started
        seconds[name] = clock.monotonic() - started
        started = clock.monotonic()
        progress(f"{name}: {seconds[name]:.1f} s")

    with transaction.atomic():
        consortium = Consortium.objects.create(name="Nationell skala (prov)", short_name="Nationell skala", slug=slug)
        c = consortium.pk

        # Organisations: kommun -> (förvaltningar | stadsdelar) -> enheter.
        towns = _municipalities(municipalities)
        weights = _weights(rng, len(towns))
        for i, town in enumerate(towns):
            if town["municipality_code"] in DISTRICT_CITIES:
                weights[i] = max(weights) * 3
        workplace_counts = _allocate(max(persons // 10, len(towns)), weights)
        org_id = writer.next_id(Organisation)
        orgs = []  # (id, type, name, parent_id, municipality_id, scb, ext, driftform, provider, funktion, path)
        workplaces = []  # (id, municipality_id, weight)
        copied = {}  # workplace id -> what its registrations copy: (city district id, driftform, funktion)
        kommun_ids = []
        for town, n_units in zip(towns, workplace_counts, strict=True):
            kid = org_id
            org_id += 1
            kommun_ids.append(kid)
            kpath = f"{kid}/"
            orgs.append((kid, Organisation.Type.KOMMUN, town["municipality_name_short"], None, kid,
                         town["municipality_code"], "", "", "", "", kpath))
            districts = DISTRICT_CITIES.get(town["municipality_code"], 0)
            parents = []
            if districts:
                for d in range(districts):
                    parents.append((org_id, f"{kpath}{org_id}/"))
                    orgs.append((org_id, Organisation.Type.STADSDEL, f"{town['municipality_name_short']} stadsdel {d + 1}",
                                 kid, kid, "", "", "", "", "", f"{kpath}{org_id}/"))
                    org_id += 1
            else:
                for name in ("Socialförvaltningen", "Vård- och omsorgsförvaltningen"):
                    parents.append((org_id, f"{kpath}{org_id}/"))
                    orgs.append((org_id, Organisation.Type.FORVALTNING, name, kid, kid, "", "", "", "", "",
                                 f"{kpath}{org_id}/"))
                    org_id += 1
            for u in range(n_units):
                roll = rng.random()
                funktion = (Organisation.Funktion.MYNDIGHET if roll < 0.12 else Organisation.Funktion.HSL
                            if roll < 0.2 else Organisation.Funktion.UTFORARE)
                private = funktion == Organisation.Funktion.UTFORARE and rng.random() < 0.36
                if private:
                    parent_id, parent_path = kid, kpath
                else:
                    parent_id, parent_path = parents[0 if funktion == Organisation.Funktion.MYNDIGHET
                                                     or len(parents) == 1 else 1 + u % (len(parents) - 1)]
                driftform = Organisation.Driftform.ENSKILD if private else Organisation.Driftform.KOMMUNAL
                orgs.append((org_id, Organisation.Type.ENHET, f"Enhet {u + 1} {town['municipality_name_short']}",
                             parent_id, kid, "", "", driftform, "Omsorgsbolaget AB" if private else "",
                             funktion, f"{parent_path}{org_id}/"))
                copied[org_id] = (parent_id if districts and parent_id != kid else None, driftform, funktion)
                workplaces.append((org_id, kid, funktion))
                org_id += 1
        counts["organisations"] = writer.write(
            Organisation,
            ["id", "consortium_id", "type", "name", "parent_id", "municipality_id", "scb_code", "external_id",
             "driftform", "provider_name", "funktion", "path"],
            ((o[0], c, *o[1:]) for o in orgs))
        member_from = date(first_year - 3, 1, 1)
        writer.write(Membership, ["organisation_id", "consortium_id", "valid_from"],
                     ((k, c, member_from) for k in kommun_ids), convert=True)
        lap("organisations")

        # The big tables are loaded without their indexes and foreign keys (built afterwards, in this
        # transaction: a failure rolls everything back).
        aside = _IndexesSetAside([Person, Session, Occasion, Registration, AttendanceRecord]).__enter__()

        # Persons: staff of the workplaces.
        occupations = list(Occupation.objects.filter(is_active=True).order_by("sort_order"))
        by_funktion = {
            Organisation.Funktion.UTFORARE: [o for o in occupations if o.sort_order < 100] or occupations,
            Organisation.Funktion.MYNDIGHET: [o for o in occupations if 100 <= o.sort_order < 200] or occupations,
            Organisation.Funktion.HSL: [o for o in occupations if 200 <= o.sort_order < 300] or occupations,
        }
        managers = [o for o in occupations if o.sort_order >= 300] or occupations
        gender_values = [g for g, _w in GENDERS]
        gender_weights = [w for _g, w in GENDERS]
        person_id = writer.next_id(Person)
        first_person = person_id
        person_rows = []
        person_workplace = []
        for i in range(persons):
            wp = workplaces[int(len(workplaces) * rng.random() ** 1.15) % len(workplaces)]
            pool = managers if rng.random() < 0.06 else by_funktion[wp[2]]
            occupation = pool[rng.randrange(len(pool))] if pool else None
            gender = rng.choices(gender_values, gender_weights)[0]
            person_rows.append((person_id + i, c, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES),
                                f"p{person_id + i}@skala.example.se", wp[0], occupation.pk if occupation else None,
                                gender))
            person_workplace.append((wp[0], wp[1], occupation.pk if occupation else None, gender))
        counts["persons"] = writer.write(
            Person, ["id", "consortium_id", "first_name", "last_name", "email", "workplace_id", "occupation_id",
                     "gender"], person_rows)
        del person_rows
        lap("persons")

        # The offer: focus areas, activities, sessions, occasions.
        focus_ids = []
        for i, name in enumerate(FOCUS_AREAS):
            focus_ids.append(FocusArea.objects.create(consortium=consortium, name=name, sort_order=10 * i).pk)
        n_sessions = max(1, registrations // 22)
        n_activities = max(1, min(4_000, n_sessions // 30))
        type_weights = [t[1] for t in ACTIVITY_TYPES]
        activity_id = writer.next_id(Activity)
        activities = []  # (id, spec, hours)
        activity_rows = []
        links = []
        for i in range(n_activities):
            spec = rng.choices(ACTIVITY_TYPES, type_weights)[0]
            hours = Decimal(rng.choice(spec[2]))
            title = f"{spec[0].label} {i + 1}: {rng.choice(FOCUS_AREAS)}"
            credits = (Decimal("7.5"), Activity.CreditUnit.HOGSKOLEPOANG) if spec[0] == Activity.Type.POANGGIVANDE \
                else (None, "")
            activity_rows.append((activity_id + i, c, spec[0], title, "", hours, credits[0], credits[1],
                                  Activity.Status.PUBLISHED, title.casefold(), swedish_sort_key(title), now))
            activities.append((activity_id + i, spec, str(hours)))
            for f in rng.sample(focus_ids, rng.choice((0, 1, 1, 2, 2, 3))):
                links.append((activity_id + i, f))
        writer.write(Activity, ["id", "consortium_id", "type", "title", "description", "hours", "credits",
                                "credit_unit", "status", "search_text", "sort_title", "published_at"],
                     activity_rows, convert=True)
        through = Activity.focus_areas.through
        writer.write(through, ["activity_id", "focusarea_id"], links)
        counts["activities"] = n_activities
        session_id = writer.next_id(Session)
        occasion_id = writer.next_id(Occasion)
        sessions = []  # (id, activity index, first_start, occasion ids, capacity, past, local kommun)
        session_rows, occasion_rows = [], []
        first_day, last_day = date(first_year, 1, 1), date(last_year, 12, 20)
        for i in range(n_sessions):
            a = activities[rng.randrange(len(activities))]
            start = _weekday_start(rng, first_day, last_day)
            n_occ = 1 if rng.random() < 0.7 else 2 if rng.random() < 0.66 else 3
            occ_ids, end = [], start
            for k in range(n_occ):
                begin = start + timedelta(days=7 * k)
                end = begin + timedelta(hours=3)
                occasion_rows.append((occasion_id, session_id + i, begin, end, "Kommunhuset"))
                occ_ids.append(occasion_id)
                occasion_id += 1
            past = end < now
            capacity = rng.randint(*a[1][3])
            local = kommun_ids[rng.randrange(len(kommun_ids))] if rng.random() < 0.25 else None
            sessions.append((session_id + i, a, start, occ_ids, capacity, past, local))
            session_rows.append((session_id + i, c, a[0], capacity, Session.Status.COMPLETED if past
                                 else Session.Status.OPEN, start, end, True, uuid.uuid4(),
                                 local))
        counts["sessions"] = writer.write(
            Session, ["id", "consortium_id", "activity_id", "capacity", "status", "first_start", "last_end",
                      "is_physical", "uid", "owner_municipality_id"], session_rows, convert=True)
        counts["occasions"] = writer.write(Occasion, ["id", "session_id", "start", "end", "place"], occasion_rows,
                                           convert=True)
        del session_rows, occasion_rows
        lap("catalog")

        # Registrations: seats filled from the whole region, or from the owner's staff for local sessions.
        persons_by_kommun: dict[int, list[int]] = {}
        for index, (_wp, kid, _occupation, _gender) in enumerate(person_workplace):
            persons_by_kommun.setdefault(kid, []).append(index)
        registration_id = writer.next_id(Registration)
        record_rows: list[tuple] = []
        per_session = _allocate(registrations, [s[4] for s in sessions], minimum=0) if registrations else \
            [0] * len(sessions)
        token = secrets.token_hex(6)

        def registration_rows():
            nonlocal registration_id
            for s, wanted in zip(sessions, per_session, strict=True):
                sid, a, start, occ_ids, capacity, past, local = s
                pool = persons_by_kommun.get(local) if local else None
                if pool and len(pool) < wanted * 2:
                    pool = None
                chosen: set[int] = set()
                size = len(pool) if pool else persons
                tries = 0
                while len(chosen) < min(wanted, size) and tries < wanted * 4:
                    tries += 1
                    index = int(size * rng.random() ** 1.4)
                    chosen.add(pool[index] if pool else index)
                queued = utc_text(start - timedelta(days=rng.randint(5, 60)))
                for index in chosen:
                    roll = rng.random()
                    if past:
                        status = (Status.COMPLETED if roll < 0.82 else Status.NO_SHOW if roll < 0.9
                                  else Status.CANCELLED if roll < 0.97 else Status.LATE_CANCELLED)
                    else:
                        status = (Status.CONFIRMED if roll < 0.85 else Status.WAITLISTED if roll < 0.93
                                  else Status.CANCELLED)
                    wp, kid, occupation, gender = person_workplace[index]
                    hours = a[2] if status == Status.COMPLETED else None
                    rid = registration_id
                    registration_id += 1
                    present = False
                    if attendance and status in (Status.COMPLETED, Status.NO_SHOW):
                        for k, occ in enumerate(occ_ids):
                            mark = ("attended" if status == Status.COMPLETED else
                                    "partly" if k == 0 and roll < 0.85 else "absent")
                            record_rows.append((rid, occ, mark))
                            present = present or mark in PRESENT_STATUSES
                    yield (rid, c, sid, first_person + index, status, wp, kid, occupation, gender, *copied[wp],
                           queued, f"{token}{rid:x}", hours, queued, queued, present)

        counts["registrations"] = writer.write(
            Registration, ["id", "consortium_id", "session_id", "person_id", "status", "workplace_id",
                           "municipality_id", "occupation_id", "gender", "district_id", "driftform", "funktion",
                           "queued_at", "token", "hours_credited", "created_at", "status_changed_at", "present"],
            registration_rows())
        lap("registrations")
        marked = utc_text(now)
        counts["attendance records"] = writer.write(
            AttendanceRecord, ["consortium_id", "registration_id", "occasion_id", "status", "marked_at"],
            ((c, rid, occ, mark, marked) for rid, occ, mark in record_rows)) if attendance else 0
        record_rows.clear()
        lap("attendance")
        aside.__exit__(None, None, None)
        lap("indexes and foreign keys")
        writer.reset_sequences([Organisation, Membership, Person, Activity, through, Session, Occasion,
                                Registration, AttendanceRecord, FocusArea])
        _update_session_counters(c)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for model in (Organisation, Person, Activity, Session, Occasion, Registration, AttendanceRecord):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    lap("analyze")
    return Summary(consortium, counts, seconds)


def _update_session_counters(consortium_id: int) -> None:
    """confirmed_count and waitlist_count as the registration service would keep them."""
    from django.db.models import Count, OuterRef, Q, Subquery
    from django.db.models.functions import Coalesce

    counts = (Registration.objects.filter(session=OuterRef("pk")).order_by().values("session")
              .annotate(confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)),
                        waiting=Count("pk", filter=Q(status=Status.WAITLISTED))))
    Session.objects.filter(consortium_id=consortium_id, status=Session.Status.OPEN).update(
        confirmed_count=Coalesce(Subquery(counts.values("confirmed")[:1]), 0),
        waitlist_count=Coalesce(Subquery(counts.values("waiting")[:1]), 0),
    )
