"""Request parameters and response bodies: these make up the OpenAPI document."""

from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel, model_validator
from pydantic_core import PydanticCustomError

from larnav.catalog.models import Activity, Session
from larnav.core.validators import reject_personnummer
from larnav.organisations.models import Organisation
from larnav.registrations.models import Status as RegistrationStatusChoices

from .pagination import PageParams, page_schema

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MAX_ID = 2**63 - 1  # larger ids cannot exist (64-bit keys) and would overflow SQLite


def _no_control_characters(value: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        # NUL in particular: PostgreSQL refuses it in a query (a 500 otherwise).
        raise PydanticCustomError("control_characters", "The value contains control characters.")
    return value.strip()


SearchText = Annotated[str, Field(max_length=200), AfterValidator(_no_control_characters)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def choices(field_choices) -> type:
    """A Literal of a TextChoices' values: an inline enum in the OpenAPI document."""
    return Literal[tuple(field_choices.values)]


OrganisationType = choices(Organisation.Type)
Driftform = choices(Organisation.Driftform)
Funktion = choices(Organisation.Funktion)


def _blank_to_none(value):
    return value or None


class Out(BaseModel):
    """Response bodies are built as dicts (see the serializers below) and checked by pydantic alone,
    without ninja's attribute resolution, which would dominate the time of a 500-row page."""


# --- Errors ----------------------------------------------------------------------

class ErrorOut(Out):
    code: str = Field(..., description="Stable, machine-readable error code.", examples=["not_found"])
    message: str = Field(..., description="Message for people: Swedish, or English with Accept-Language: en.")


class ParameterErrorOut(Out):
    parameter: str
    location: str = Field(..., examples=["query"])
    type: str = Field(..., description="Kind of error, e.g. missing, less_than_equal, enum.")
    message: str


class ValidationErrorOut(ErrorOut):
    errors: list[ParameterErrorOut]


ERRORS_PUBLIC = {401: ErrorOut, 422: ValidationErrorOut}
ERRORS_SCOPED = {401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}
ERRORS_NOT_FOUND = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
ERRORS_WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


# --- Organisations -----------------------------------------------------------------

class OrganisationFilters(PageParams):
    type: OrganisationType | None = Field(None, description="Only organisations of this type.")
    search: SearchText | None = Field(
        None, description="Words that must each occur in the name or the provider's name "
                          "(case-insensitive, å ä ö included), or equal the SCB code.",
    )
    parent: Id | None = Field(None, description="Only the direct children of this organisation.")
    municipality: Id | None = Field(None, description="Only organisations in this municipality's tree.")


class OrganisationOut(Out):
    id: int
    type: OrganisationType
    name: str
    scb_code: str | None = Field(None, description="Four-digit SCB municipality code (municipalities only).")
    parent_id: int | None
    municipality_id: int | None = Field(None, description="The municipality at the root of the tree.")
    driftform: Driftform | None = Field(None, description="Operating form (workplaces).")
    provider_name: str | None = Field(None, description="The provider running a privately run workplace.")
    funktion: Funktion | None = Field(None, description="Function (workplaces).")


OrganisationPage = page_schema(OrganisationOut)


# --- Persons -----------------------------------------------------------------------

class PersonFilters(PageParams):
    search: SearchText | None = Field(None, description="Words that must each occur in the name or e-mail.")
    organisation: Id | None = Field(
        None, description="Only persons whose workplace is this organisation or lies below it."
    )
    active: bool | None = Field(None, description="true: only active persons; false: only inactive.")


class PersonOut(Out):
    id: int
    first_name: str
    last_name: str
    email: str
    workplace_id: int | None
    occupation: str | None = Field(None, description="Code of the occupation (yrkesroll), e.g. stodassistent.")
    is_active: bool


PersonPage = page_schema(PersonOut)


# --- Catalogue ---------------------------------------------------------------------

def _local(value):
    """Times are given in Swedish local time, with their UTC offset."""
    return timezone.localtime(value, STOCKHOLM) if value else None


def _number(value):
    return float(value) if value is not None else None


ActivityType = choices(Activity.Type)
ActivityLevel = choices(Activity.Level)
SessionStatus = choices(Session.Status)
PUBLIC_ACTIVITY_STATUSES = (Activity.Status.PUBLISHED, Activity.Status.ARCHIVED)


class ActivityFilters(PageParams):
    type: ActivityType | None = Field(None, description="Only activities of this type.")
    level: ActivityLevel | None = Field(None, description="Only activities at this level.")
    focus_area: Id | None = Field(None, description="Only activities with this focus area (id).")
    occupation: Annotated[str, Field(max_length=60, pattern=r"^[-a-z0-9_]+$")] | None = Field(
        None, description="Only activities aimed at this occupation (code, e.g. stodassistent).",
    )
    search: SearchText | None = Field(
        None, description="Words that must each occur in the title, description, focus areas or provider "
                          "(case-insensitive).",
    )
    status: Literal["published", "archived"] = Field(
        "published", description="published (the current offer, default) or archived. Drafts are never listed.",
    )


class FocusAreaOut(Out):
    id: int
    name: str


class ActivityOut(Out):
    id: int
    type: ActivityType
    title: str
    description: str = Field(..., description="Markdown (CommonMark, without HTML).")
    level: ActivityLevel | None
    status: Literal["published", "archived"]
    focus_areas: list[FocusAreaOut]
    target_occupations: list[str] = Field(..., description="Occupation codes; empty means everyone.")
    target_funktion: Funktion | None
    hours: float | None = Field(..., description="Hours credited.")
    credits: float | None
    credit_unit: choices(Activity.CreditUnit) | None
    price: float = Field(..., description="Price per participant in SEK.")
    provider_kind: choices(Activity.ProviderKind)
    provider: str = Field(..., description="Who gives the activity, for display.")
    language_notes: str | None
    published_at: datetime | None


ActivityPage = page_schema(ActivityOut)


class SessionFilters(PageParams):
    activity: Id | None = Field(None, description="Only sessions of this activity.")
    status: SessionStatus | None = Field(None, description="Only sessions with this status.")
    starts_after: datetime | None = Field(
        None, description="Only sessions whose first occasion starts at or after this time "
                          "(a date means midnight; times without an offset are Swedish time).",
    )
    starts_before: datetime | None = Field(
        None, description="Only sessions whose first occasion starts before this time.",
    )
    has_free_seats: bool | None = Field(
        None, description="true: only sessions with free seats; false: only sessions without.",
    )


class OccasionOut(Out):
    start: datetime
    end: datetime
    place: str | None
    address: str | None
    is_digital: bool = Field(..., description="Held online. The link is given to registered participants only.")


class SessionOut(Out):
    id: int
    activity_id: int
    activity_title: str
    name: str | None = Field(..., description='Label of the session, e.g. "Spring group".')
    status: SessionStatus
    capacity: int
    confirmed_count: int
    waitlist_count: int
    free_seats: int
    registration_opens: datetime | None
    registration_closes: datetime | None
    cancellation_deadline: datetime | None
    requires_approval: bool = Field(..., description="Registrations must be approved by the participant's manager.")
    owner_municipality_id: int | None = Field(..., description="The municipality of a local session; null if regional.")
    local_staff_only: bool
    first_start: datetime | None
    last_end: datetime | None
    is_digital: bool
    is_physical: bool
    occasions: list[OccasionOut]


class QuotaOut(Out):
    municipality_id: int
    seats: int


class SessionDetailOut(SessionOut):
    quotas: list[QuotaOut] = Field(..., description="Seats reserved for one municipality's staff.")


SessionPage = page_schema(SessionOut)


# --- Registrations -----------------------------------------------------------------

def _django_validator(validator, kind: str, message: str):
    def check(value):
        try:
            validator(value)
        except DjangoValidationError:
            raise PydanticCustomError(kind, message) from None
        return value

    return AfterValidator(check)


PersonName = Annotated[
    str, Field(min_length=1, max_length=100), AfterValidator(_no_control_characters),
    _django_validator(reject_personnummer, "personnummer", "Looks like a personal identity number."),
]
Email = Annotated[
    str, Field(max_length=254), AfterValidator(_no_control_characters),
    _django_validator(validate_email, "email", "Not an e-mail address."),
]
OccupationCode = Annotated[str, Field(max_length=60, pattern=r"^[-a-z0-9_]+$")]
RegistrationStatus = choices(RegistrationStatusChoices)


class RegistrationIn(Schema):
    """Either an existing person (``person_id``), or a person's details: one already known by
    e-mail address is used as they are, a new address becomes a new person."""

    person_id: Id | None = Field(None, description="A person you may register (see /persons).")
    first_name: PersonName | None = None
    last_name: PersonName | None = None
    email: Email | None = None
    workplace_id: Id | None = Field(None, description="The person's workplace; one where you may register staff.")
    occupation: OccupationCode | None = Field(None, description="Occupation code, e.g. stodassistent.")
    role: OccupationCode | None = Field(None, description="The same as occupation (the yrkesroll); either may be used.")

    @model_validator(mode="after")
    def _person_or_details(self):
        details = (self.first_name, self.last_name, self.email, self.workplace_id)
        if self.person_id is None and not all(details):
            raise PydanticCustomError("person_required", "Give person_id, or the person's details.")
        if self.person_id is not None and any((*details, self.occupation)):
            raise PydanticCustomError("person_required", "Give person_id, or the person's details, not both.")
        return self


class RegistrationListOut(Out):
    id: int
    person_id: int
    first_name: str
    last_name: str
    email: str
    workplace_id: int | None
    municipality_id: int | None
    status: str
    waitlist_position: int | None
    created_at: str


class RegistrationPage(Out):
    count: int
    next: str | None
    previous: str | None
    results: list[RegistrationListOut]


class CancelOut(Out):
    status: str = Field(..., description="cancelled or late_cancelled (after the session's cancellation deadline).")
    promoted_registration_id: int | None = Field(
        ..., description="The waitlisted registration that got the freed seat, if any.")


class AttendanceIn(Schema):
    occasion_id: Id
    status: str = Field(..., description="attended, partly, absent or excused.")


class AttendanceOut(Out):
    registration_id: int
    occasion_id: int
    status: str
    registration_status: str = Field(..., description="The registration's status after completion was decided.")


class RegistrationOut(Out):
    id: int
    session_id: int
    person_id: int
    status: RegistrationStatus = Field(
        ..., description="confirmed, waitlisted or pending_approval (when the session needs a manager's approval).",
    )
    waitlist_position: int | None = Field(..., description="Place on the waiting list, from 1.")
    created: bool = Field(..., description="false if the person was already registered (that registration is given).")


# --- Serializers: rows to the dicts described above --------------------------------
#
# Plain functions rather than ninja resolvers: a page of 500 rows is built in a
# few milliseconds, and pydantic then checks the dicts against the schemas.

def organisation_dict(o) -> dict:
    return {
        "id": o.pk, "type": o.type, "name": o.name, "scb_code": o.scb_code or None, "parent_id": o.parent_id,
        "municipality_id": o.municipality_id, "driftform": o.driftform or None,
        "provider_name": o.provider_name or None, "funktion": o.funktion or None,
    }


def person_dict(p) -> dict:
    return {
        "id": p.pk, "first_name": p.first_name, "last_name": p.last_name, "email": p.email,
        "workplace_id": p.workplace_id, "occupation": p.occupation.code if p.occupation_id else None,
        "is_active": p.is_active,
    }


def activity_dict(a) -> dict:
    return {
        "id": a.pk, "type": a.type, "title": a.title, "description": a.description, "level": a.level or None,
        "status": a.status,
        "focus_areas": [{"id": fa.pk, "name": fa.name} for fa in a.focus_areas.all()],
        "target_occupations": [occupation.code for occupation in a.target_occupations.all()],
        "target_funktion": a.target_funktion or None, "hours": _number(a.hours), "credits": _number(a.credits),
        "credit_unit": a.credit_unit or None, "price": _number(a.price), "provider_kind": a.provider_kind,
        "provider": str(a.provider_display), "language_notes": a.language_notes or None,
        "published_at": _local(a.published_at),
    }


def occasion_dict(o) -> dict:
    return {"start": _local(o.start), "end": _local(o.end), "place": o.place or None,
            "address": o.address or None, "is_digital": bool(o.digital_link)}


def session_dict(s) -> dict:
    return {
        "id": s.pk, "activity_id": s.activity_id, "activity_title": s.activity_title, "name": s.name or None,
        "status": s.status, "capacity": s.capacity, "confirmed_count": s.confirmed_count,
        "waitlist_count": s.waitlist_count, "free_seats": s.free_seats,
        "registration_opens": _local(s.registration_opens), "registration_closes": _local(s.registration_closes),
        "cancellation_deadline": _local(s.cancellation_deadline), "requires_approval": s.requires_approval,
        "owner_municipality_id": s.owner_municipality_id, "local_staff_only": s.local_staff_only,
        "first_start": _local(s.first_start), "last_end": _local(s.last_end), "is_digital": s.is_digital,
        "is_physical": s.is_physical, "occasions": [occasion_dict(o) for o in s.occasions.all()],
    }


def session_detail_dict(s) -> dict:
    return {**session_dict(s),
            "quotas": [{"municipality_id": q.municipality_id, "seats": q.seats} for q in s.quotas.all()]}


# --- Statistics --------------------------------------------------------------------

StatisticsGroupBy = Literal["municipality", "district", "driftform", "funktion", "role", "gender", "activity_type",
                            "focus_area", "tertial"]
# A count, or "<5" where a small cell is masked (aggregate views for those without detail rights).
Count = int | str


class ParticipationParams(Schema):
    from_: date = Field(..., alias="from", description="First day of the period (Swedish local date), e.g. 2026-01-01.")
    to: date = Field(..., description="Last day of the period, included, e.g. 2026-04-30.")
    group_by: StatisticsGroupBy | None = Field(
        None, description="The cut; without it only the totals. role is the occupation (yrkesroll).")
    organisation: Id | None = Field(
        None, description="Only this organisation and what lies below it (needs detailed statistics rights there).")


class ParticipationRow(Out):
    key: str = Field(..., description="Stable key: an organisation id, a code, 2026-T1, or none.")
    label: str
    registrations: Count
    participants: Count = Field(..., description="Distinct persons who attended; never to be summed across rows.")
    attended: Count
    completed: Count
    no_shows: Count
    hours: float | str = Field(..., description="Hours credited.")


class ParticipationOut(Out):
    period_from: date
    period_to: date
    group_by: str | None
    masked: bool = Field(..., description='True if some cells are shown as "<5" (small cells).')
    rows: list[ParticipationRow]
    totals: ParticipationRow


def participation_row_dict(row) -> dict:
    hours = row.hours if isinstance(row.hours, str) else float(row.hours)
    return {"key": row.key, "label": row.label, "registrations": row.registrations,
            "participants": row.participants, "attended": row.attended, "completed": row.completed,
            "no_shows": row.no_shows, "hours": hours}
