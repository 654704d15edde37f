"""Request parameters and response bodies: these make up the OpenAPI document."""

from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from larnav.organisations.models import Organisation

from .pagination import PageParams, page_schema

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


# --- Errors ----------------------------------------------------------------------

class ErrorOut(Schema):
    code: str = Field(..., description="Stable, machine-readable error code.", examples=["not_found"])
    message: str = Field(..., description="Message for people: Swedish, or English with Accept-Language: en.")


class ParameterErrorOut(Schema):
    parameter: str
    location: str = Field(..., examples=["query"])
    type: str = Field(..., description="Kind of error, e.g. missing, less_than_equal, enum.")
    message: str


class ValidationErrorOut(ErrorOut):
    errors: list[ParameterErrorOut]


ERRORS_PUBLIC = {401: ErrorOut, 422: ValidationErrorOut}
ERRORS_SCOPED = {401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}


# --- Organisations -----------------------------------------------------------------

class OrganisationFilters(PageParams):
    type: OrganisationType | None = Field(None, description="Only organisations of this type.")
    search: SearchText | None = Field(
        None, description="Words that must each occur in the name or the provider's name "
                          "(case-insensitive, å ä ö included), or equal the SCB code.",
    )
    parent: Id | None = Field(None, description="Only the direct children of this organisation.")
    municipality: Id | None = Field(None, description="Only organisations in this municipality's tree.")


class OrganisationOut(Schema):
    id: int
    type: OrganisationType
    name: str
    scb_code: str | None = Field(None, description="Four-digit SCB municipality code (municipalities only).")
    parent_id: int | None
    municipality_id: int | None = Field(None, description="The municipality at the root of the tree.")
    driftform: Driftform | None = Field(None, description="Operating form (workplaces).")
    provider_name: str | None = Field(None, description="The provider running a privately run workplace.")
    funktion: Funktion | None = Field(None, description="Function (workplaces).")

    @staticmethod
    def resolve_scb_code(obj):
        return _blank_to_none(obj.scb_code)

    @staticmethod
    def resolve_driftform(obj):
        return _blank_to_none(obj.driftform)

    @staticmethod
    def resolve_funktion(obj):
        return _blank_to_none(obj.funktion)

    @staticmethod
    def resolve_provider_name(obj):
        return _blank_to_none(obj.provider_name)


OrganisationPage = page_schema(OrganisationOut)


# --- Persons -----------------------------------------------------------------------

class PersonFilters(PageParams):
    search: SearchText | None = Field(None, description="Words that must each occur in the name or e-mail.")
    organisation: Id | None = Field(
        None, description="Only persons whose workplace is this organisation or lies below it."
    )
    active: bool | None = Field(None, description="true: only active persons; false: only inactive.")


class PersonOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    workplace_id: int | None
    occupation: str | None = Field(None, description="Code of the occupation (yrkesroll), e.g. stodassistent.")
    is_active: bool

    @staticmethod
    def resolve_occupation(obj):
        return obj.occupation.code if obj.occupation_id else None


PersonPage = page_schema(PersonOut)
