"""What an import would do, row by row, without writing anything.

A planner turns a batch's stored rows into one :class:`RowPlan` per row:
new, update, unchanged or error, with the changes and the errors. The preview
shows the plans; applying computes them again inside the transaction (the
database may have changed since the preview) and writes the rows that are
fine. All lookups are done in a few queries for the whole file, never one
per row.

Scope comes from the permission layer only: a workplace or organisation the
user may not import into is treated exactly as one that does not exist.
"""

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.db.models.functions import Lower

from larnav.accounts.permissions import Action, access_for, scope_organisations, scope_persons
from larnav.organisations.models import Organisation
from larnav.organisations.services import validate_placement
from larnav.people.models import Occupation, Person

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
CHUNK = 500  # keeps IN (...) lists well inside every database's parameter limit


def fold(value: str) -> str:
    """Compare words regardless of case, accents and spacing: 'Förvaltning ' ~ 'forvaltning'."""
    decomposed = unicodedata.normalize("NFKD", " ".join(str(value).split()).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _choices(mapping: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {fold(word): value for value, words in mapping.items() for word in (value, *words)}


T, D, F = Organisation.Type, Organisation.Driftform, Organisation.Funktion
TYPE_WORDS = _choices({
    T.KOMMUN: ("municipality",),
    T.FORVALTNING: ("förvaltning", "administration"),
    T.STADSDEL: ("stadsdelsförvaltning", "city district administration", "city district"),
    T.ENHET: ("workplace", "unit"),
})
DRIFTFORM_WORDS = _choices({
    D.KOMMUNAL: ("kommunal regi", "municipal", "municipal operation"),
    D.ENSKILD: ("enskild regi", "privat", "privat regi", "private", "private operation"),
})
FUNKTION_WORDS = _choices({
    F.UTFORARE: ("utförare", "provider"),
    F.MYNDIGHET: ("beställare", "myndighet/beställare", "authority", "purchaser"),
    F.HSL: ("health care",),
})
GENDER_WORDS = _choices({
    Person.Gender.WOMAN: ("k", "woman", "female"),
    Person.Gender.MAN: ("m", "male"),
    Person.Gender.OTHER: ("other",),
})
LANGUAGE_WORDS = _choices({
    Person.Language.SV: ("svenska", "swedish"),
    Person.Language.EN: ("engelska", "english"),
})
# The spellings named in error messages: the import files' own vocabulary.
ALLOWED = {
    "type": "kommun, förvaltning, stadsdelsförvaltning, enhet",
    "driftform": "kommunal, enskild",
    "funktion": "utförare, myndighet, beställare, hsl",
    "gender": "kvinna, man, annat",
    "language": "sv, en",
}


class FieldError(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass
class RowPlan:
    row: int
    action: str = ""
    label: str = ""
    errors: list[tuple[str, str, dict]] = field(default_factory=list)  # (field, code, params)
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field, old, new)
    data: dict = field(default_factory=dict)  # parsed values of the present columns
    instance: object = None
    existing: object = None
    # Organisations only.
    parent_plan: "RowPlan | None" = None
    parent: object = None
    failed: bool = False

    def error(self, field_name: str, code: str, **params) -> None:
        self.errors.append((field_name, code, params))

    def field_failed(self, field_name: str) -> bool:
        return any(f == field_name for f, _code, _params in self.errors)

    @property
    def ok(self) -> bool:
        return not self.errors


def chunks(values, size=CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def text(value: str, max_length: int, required: bool = False) -> str:
    if not value:
        if required:
            raise FieldError("required")
        return ""
    if len(value) > max_length:
        raise FieldError("too_long", max=max_length)
    return value


def choice(value: str, words: dict[str, str], allowed: str, required: bool = False) -> str:
    if not value:
        if required:
            raise FieldError("required")
        return ""
    try:
        return words[fold(value)]
    except KeyError:
        raise FieldError("invalid_choice", value=value, allowed=allowed) from None


def model_errors(plan: RowPlan, exc: ValidationError) -> None:
    """Turn a model's ValidationError into row errors (messages already in words)."""
    for field_name, messages in exc.message_dict.items():
        for message in messages:
            plan.error("" if field_name == "__all__" else field_name, "invalid", message=str(message))


def _start(row: dict) -> RowPlan:
    plan = RowPlan(row=row["row"])
    for code in row.get("errors", []):
        plan.error("", code)
    for field_name, code in row.get("rejected", {}).items():
        plan.error(field_name, code)
    return plan


def _parse(plan: RowPlan, row: dict, present, parsers: dict) -> None:
    """Parse every present, not refused column with its parser; collect errors."""
    values = row.get("values", {})
    for field_name, parser in parsers.items():
        if field_name not in present or field_name in row.get("rejected", {}):
            continue
        try:
            plan.data[field_name] = parser(values.get(field_name, ""))
        except FieldError as exc:
            plan.error(field_name, exc.code, **exc.params)


def _mark_duplicates(plans: list[RowPlan], field_name: str, code: str) -> None:
    rows_by_value = defaultdict(list)
    for plan in plans:
        value = plan.data.get(field_name)
        if value not in (None, ""):
            rows_by_value[value].append(plan)
    for same in rows_by_value.values():
        if len(same) > 1:
            for plan in same:
                others = ", ".join(str(p.row) for p in same)
                plan.error(field_name, code, rows=others)


def finish(plans: list[RowPlan]) -> None:
    for plan in plans:
        if plan.errors:
            plan.action = ERROR


# --- Persons --------------------------------------------------------------------

PERSON_FIELDS = ("first_name", "last_name", "email", "workplace", "occupation", "gender", "language",
                 "external_id")


def _email(value: str) -> str:
    value = text(value, 254, required=True).lower()
    try:
        validate_email(value)
    except ValidationError:
        raise FieldError("invalid_email", value=value) from None
    return value


PERSON_PARSERS = {
    "first_name": lambda v: text(v, 100, required=True),
    "last_name": lambda v: text(v, 100, required=True),
    "email": _email,
    "workplace": lambda v: text(v, 200, required=True),
    "occupation": lambda v: text(v, 120),
    "gender": lambda v: choice(v, GENDER_WORDS, ALLOWED["gender"]),
    "language": lambda v: choice(v, LANGUAGE_WORDS, ALLOWED["language"]) or Person.Language.SV,
    "external_id": lambda v: text(v, 64),
}


class _OrgIndex:
    """Organisations findable by Lärnav id, external id and name."""

    def __init__(self, organisations):
        self.by_pk, self.by_external, self.by_name = {}, defaultdict(list), defaultdict(list)
        for org in organisations:
            self.by_pk[org.pk] = org
            if org.external_id:
                self.by_external[org.external_id].append(org)
            self.by_name[fold(org.name)].append(org)

    def by_id_or_external(self, value: str) -> dict:
        found = {}
        if value.isdigit() and not value.startswith("0") and int(value) in self.by_pk:
            org = self.by_pk[int(value)]
            found[org.pk] = org
        for org in self.by_external.get(value, []):
            found[org.pk] = org
        return found


def resolve_workplace(index: _OrgIndex, value: str):
    """The workplace (enhet) named by ``value``: Lärnav id, external id, or else a unique name."""
    found = index.by_id_or_external(value)
    if not found:
        named = index.by_name.get(fold(value), [])
        units = [o for o in named if o.type == Organisation.Type.ENHET]
        found = {o.pk: o for o in (units or named)}
    if not found:
        raise FieldError("unknown_workplace", value=value)
    if len(found) > 1:
        raise FieldError("ambiguous_workplace", value=value)
    org = next(iter(found.values()))
    if org.type != Organisation.Type.ENHET:
        raise FieldError("not_a_workplace", value=value)
    return org


def _linked_user(person):
    try:
        return person.user
    except ObjectDoesNotExist:
        return None


def plan_persons(rows: list[dict], present, consortium, user) -> list[RowPlan]:
    present = set(present)
    plans = []
    for row in rows:
        plan = _start(row)
        _parse(plan, row, present, PERSON_PARSERS)
        plans.append(plan)
    _mark_duplicates(plans, "email", "duplicate_email")

    workplaces = _OrgIndex(
        scope_organisations(user, Organisation.objects.filter(consortium=consortium), Action.IMPORT_PERSONS)
        .only("pk", "type", "name", "external_id", "consortium_id", "path")
    )
    occupations = {}
    for occupation in Occupation.objects.filter(is_active=True):
        for word in (occupation.code, occupation.name_sv, occupation.name_en):
            occupations.setdefault(fold(word), occupation)

    emails = {p.data["email"] for p in plans if p.data.get("email")}
    existing: dict[str, Person] = {}
    for part in chunks(emails):
        for person in (
            Person.objects.filter(consortium=consortium).annotate(email_lower=Lower("email"))
            .filter(email_lower__in=part).select_related("user", "workplace", "occupation")
        ):
            existing[person.email.lower()] = person
    in_scope = set()
    for part in chunks(p.pk for p in existing.values()):
        in_scope.update(
            scope_persons(user, Person.objects.filter(pk__in=part), Action.IMPORT_PERSONS).values_list("pk", flat=True)
        )

    for plan in plans:
        data = plan.data
        if data.get("workplace"):
            try:
                data["workplace"] = resolve_workplace(workplaces, data["workplace"])
            except FieldError as exc:
                del data["workplace"]
                plan.error("workplace", exc.code, **exc.params)
        if data.get("occupation"):
            occupation = occupations.get(fold(data["occupation"]))
            if occupation is None:
                plan.error("occupation", "unknown_occupation", value=data["occupation"])
            data["occupation"] = occupation
        elif "occupation" in data:
            data["occupation"] = None
        person = existing.get(data.get("email", ""))
        if person is not None and person.pk not in in_scope:
            # The address belongs to someone this user may not touch; say no more than the person form does.
            plan.error("email", "email_taken")
            person = None
        if plan.errors:
            continue
        _plan_person(plan, data, person, consortium)
    finish(plans)
    return plans


def _person_display(field_name: str, value) -> str:
    if value is None:
        return ""
    if field_name == "workplace":
        return value.name
    if field_name == "occupation":
        return value.code
    return str(value)


def _plan_person(plan: RowPlan, data: dict, person: Person | None, consortium) -> None:
    if person is None:
        person = Person(consortium=consortium)
        plan.action = NEW
    else:
        plan.existing = person
        plan.action = UPDATE
    for field_name, value in data.items():
        if plan.existing is None:
            plan.changes.append((field_name, "", _person_display(field_name, value)))
        else:
            old = getattr(person, field_name)
            same = (old or "").lower() == value if field_name == "email" else old == value
            if not same:
                plan.changes.append(
                    (field_name, _person_display(field_name, old), _person_display(field_name, value))
                )
        setattr(person, field_name, value)
    try:
        person.clean_fields(exclude=["consortium", "workplace", "occupation"])
    except ValidationError as exc:
        model_errors(plan, exc)
    if plan.existing is not None and not plan.changes:
        plan.action = UNCHANGED
    plan.instance = person
    plan.label = f"{person.full_name} <{person.email}>"


# --- Organisations --------------------------------------------------------------

ORG_FIELDS = ("type", "name", "scb_code", "external_id", "driftform", "provider_name", "funktion")


def _id(value: str):
    if not value:
        return None
    if not value.isdigit():
        raise FieldError("invalid_id")
    return int(value)


def _scb_code(value: str) -> str:
    if not value:
        return ""
    if value.isdigit() and len(value) < 4:
        return value.zfill(4)  # spreadsheets drop the leading zero of 0126
    if not (value.isdigit() and len(value) == 4):
        raise FieldError("invalid_scb_code")
    return value


ORG_PARSERS = {
    "id": _id,
    "type": lambda v: choice(v, TYPE_WORDS, ALLOWED["type"], required=True),
    "name": lambda v: text(v, 200, required=True),
    "scb_code": _scb_code,
    "parent": lambda v: text(v, 200),
    "external_id": lambda v: text(v, 64),
    "driftform": lambda v: choice(v, DRIFTFORM_WORDS, ALLOWED["driftform"]),
    "provider_name": lambda v: text(v, 200),
    "funktion": lambda v: choice(v, FUNKTION_WORDS, ALLOWED["funktion"]),
}


def _scb_candidates(value: str) -> set[str]:
    if value.isdigit() and len(value) <= 4:
        return {value.zfill(4)}
    return set()


class OrganisationPlanner:
    def __init__(self, consortium, user, present):
        self.consortium, self.user, self.present = consortium, user, set(present)
        self.may_create_roots = access_for(user).grant(Action.IMPORT_ORGANISATIONS).consortium_wide

    def plan(self, rows: list[dict]) -> tuple[list[RowPlan], list[RowPlan]]:
        """Return the plans in file order and in the order to write them (parents first)."""
        plans = []
        for row in rows:
            plan = _start(row)
            _parse(plan, row, self.present, ORG_PARSERS)
            plans.append(plan)
        for key in ("id", "scb_code", "external_id"):
            _mark_duplicates(plans, key, "duplicate_key")
        self._load(plans)
        for plan in plans:
            self._match(plan)
        self._index_file(plans)
        for plan in plans:
            self._resolve_parent(plan)
        order = self._order(plans)
        for plan in order:
            if plan.parent_plan is not None and not plan.parent_plan.ok and not plan.field_failed("parent"):
                plan.error("parent", "parent_row_invalid", row=plan.parent_plan.row)
            if plan.ok:
                self._build(plan)
        finish(plans)
        return plans, order

    # Existing organisations -----------------------------------------------------------------

    def _load(self, plans):
        ids, codes, externals = set(), set(), set()
        for plan in plans:
            if plan.data.get("id"):
                ids.add(plan.data["id"])
            if plan.data.get("scb_code"):
                codes.add(plan.data["scb_code"])
            if plan.data.get("external_id"):
                externals.add(plan.data["external_id"])
            ref = plan.data.get("parent") or ""
            if ref:
                externals.add(ref)
                codes.update(_scb_candidates(ref))
                if ref.isdigit() and not ref.startswith("0"):
                    ids.add(int(ref))
        everything = Organisation.objects.filter(consortium=self.consortium)
        found = {}
        for part_ids, part_codes, part_ext in self._query_parts(ids, codes, externals):
            query = Q(pk__in=part_ids) | Q(scb_code__in=part_codes) | Q(external_id__in=part_ext)
            for org in everything.filter(query).select_related("parent"):
                found[org.pk] = org
        in_scope = set()
        for part in chunks(found):
            in_scope.update(
                scope_organisations(self.user, everything.filter(pk__in=part), Action.IMPORT_ORGANISATIONS)
                .values_list("pk", flat=True)
            )
        # Uniqueness is consortium-wide; matching and parents only within the user's scope.
        self.scb_owner = {o.scb_code: o for o in found.values() if o.scb_code}
        self.external_owner = {o.external_id: o for o in found.values() if o.external_id}
        scoped = [o for o in found.values() if o.pk in in_scope]
        self.by_pk = {o.pk: o for o in scoped}
        self.by_scb = {o.scb_code: o for o in scoped if o.scb_code}
        self.by_external = {o.external_id: o for o in scoped if o.external_id}

    @staticmethod
    def _query_parts(ids, codes, externals):
        ids, codes, externals = list(ids), list(codes), list(externals)
        longest = max(len(ids), len(codes), len(externals), 1)
        third = CHUNK // 3
        for start in range(0, longest, third):
            yield ids[start:start + third], codes[start:start + third], externals[start:start + third]

    def _match(self, plan: RowPlan) -> None:
        """Find the existing organisation: by Lärnav id if given, else SCB code, else external id."""
        data = plan.data
        existing = None
        if data.get("id"):
            existing = self.by_pk.get(data["id"])
            if existing is None:
                plan.error("id", "unknown_id", value=data["id"])
        elif not plan.field_failed("id"):
            if data.get("scb_code"):
                existing = self.by_scb.get(data["scb_code"])
            elif data.get("external_id"):
                existing = self.by_external.get(data["external_id"])
        plan.existing = existing
        if existing is not None and data.get("type") and data["type"] != existing.type:
            plan.error("type", "type_change")
        owner = self.scb_owner.get(data.get("scb_code") or "")
        if owner is not None and owner != existing:
            plan.error("scb_code", "scb_code_taken", value=data["scb_code"])
        owner = self.external_owner.get(data.get("external_id") or "")
        if owner is not None and owner != existing:
            plan.error("external_id", "external_id_taken", value=data["external_id"])

    # Parents ----------------------------------------------------------------------------------

    @staticmethod
    def _identity(plan: RowPlan):
        return ("pk", plan.existing.pk) if plan.existing is not None else ("row", plan.row)

    def _index_file(self, plans):
        self.file_by_scb, self.file_by_external = defaultdict(list), defaultdict(list)
        for plan in plans:
            if plan.data.get("scb_code"):
                self.file_by_scb[plan.data["scb_code"]].append(plan)
            if plan.data.get("external_id"):
                self.file_by_external[plan.data["external_id"]].append(plan)
        self.plan_by_identity = {self._identity(p): p for p in plans}

    def _resolve_parent(self, plan: RowPlan) -> None:
        if "parent" not in self.present or plan.field_failed("parent") or "parent" not in plan.data:
            if plan.existing is not None:
                plan.parent = plan.existing.parent
            return
        ref = plan.data["parent"]
        if not ref:
            return
        candidates = {}
        if ref.isdigit() and not ref.startswith("0") and int(ref) in self.by_pk:
            org = self.by_pk[int(ref)]
            candidates[("pk", org.pk)] = org
        for code in _scb_candidates(ref):
            if code in self.by_scb:
                candidates[("pk", self.by_scb[code].pk)] = self.by_scb[code]
            for other in self.file_by_scb.get(code, []):
                candidates[self._identity(other)] = other
        if ref in self.by_external:
            candidates[("pk", self.by_external[ref].pk)] = self.by_external[ref]
        for other in self.file_by_external.get(ref, []):
            candidates[self._identity(other)] = other
        if not candidates:
            plan.error("parent", "unknown_parent", value=ref)
            return
        if len(candidates) > 1:
            plan.error("parent", "ambiguous_parent", value=ref)
            return
        identity, target = next(iter(candidates.items()))
        if identity == self._identity(plan):
            plan.error("parent", "parent_is_self")
            return
        in_file = self.plan_by_identity.get(identity)
        if in_file is not None:
            plan.parent_plan = in_file
        else:
            plan.parent = target

    def _order(self, plans: list[RowPlan]) -> list[RowPlan]:
        """Parents before children; rows whose parents refer to each other in a circle get an error."""
        order, state = [], {}
        for start in plans:
            chain, current = [], start
            while current is not None and current.row not in state:
                state[current.row] = "visiting"
                chain.append(current)
                current = current.parent_plan
            if current is not None and state[current.row] == "visiting":
                circle = chain[chain.index(current):]
                rows = ", ".join(str(p.row) for p in sorted(circle, key=lambda p: p.row))
                for plan in circle:
                    plan.error("parent", "parent_cycle", rows=rows)
            for plan in reversed(chain):
                state[plan.row] = "done"
                order.append(plan)
        return order

    # Instances and changes --------------------------------------------------------------------

    def _build(self, plan: RowPlan) -> None:
        data = plan.data
        existing = plan.existing
        org = existing if existing is not None else Organisation(consortium=self.consortium)
        changes = []
        for field_name in ORG_FIELDS:
            if field_name not in data:
                continue
            old = getattr(org, field_name) if existing is not None else ""
            if existing is None or old != data[field_name]:
                changes.append((field_name, old or "", data[field_name]))
            setattr(org, field_name, data[field_name])
        parent = plan.parent_plan.instance if plan.parent_plan is not None else plan.parent
        if "parent" in data:
            old_parent = existing.parent if existing is not None else None
            new_identity = (
                self._identity(plan.parent_plan) if plan.parent_plan is not None
                else ("pk", parent.pk) if parent is not None else None
            )
            old_identity = ("pk", old_parent.pk) if old_parent is not None else None
            if existing is None or new_identity != old_identity:
                changes.append(("parent", old_parent.name if old_parent else "", parent.name if parent else ""))
        org.parent = parent
        if existing is None and parent is None and not self.may_create_roots:
            plan.error("parent", "no_permission_root")
            return
        try:
            org.clean_fields(exclude=["consortium", "parent", "municipality", "path"])
            validate_placement(org)
        except ValidationError as exc:
            model_errors(plan, exc)
            return
        plan.instance = org
        plan.changes = changes
        plan.label = org.name
        plan.action = NEW if existing is None else (UPDATE if changes else UNCHANGED)


def plan_organisations(rows, present, consortium, user) -> tuple[list[RowPlan], list[RowPlan]]:
    return OrganisationPlanner(consortium, user, present).plan(rows)


def plan(kind: str, rows, present, consortium, user):
    """Plans in file order, and the order to write them in."""
    if kind == "organisations":
        return plan_organisations(rows, present, consortium, user)
    plans = plan_persons(rows, present, consortium, user)
    return plans, plans
