"""The JSON API, version 1, mounted at /api/v1/.

The OpenAPI document is served at /api/v1/openapi.json. There is no
interactive docs page: ninja's loads Swagger UI from a CDN, and the product
serves every asset itself.
"""

from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Query
from ninja.renderers import JSONRenderer
from ninja.responses import Status

from larnav.accounts.permissions import Action, can
from larnav.registrations.services import waitlist_position

from . import errors, schemas, selectors, services
from .auth import OPTIONAL_SECURITY, caller, consortium_id_for, token_optional, token_required
from .pagination import paginate
from .schemas import (
    ERRORS_NOT_FOUND,
    ERRORS_PUBLIC,
    ERRORS_SCOPED,
    ERRORS_WRITE,
    ActivityFilters,
    ActivityPage,
    OrganisationFilters,
    OrganisationPage,
    PersonFilters,
    PersonPage,
    RegistrationIn,
    RegistrationOut,
    SessionDetailOut,
    SessionFilters,
    SessionPage,
)

DESCRIPTION = """\
The JSON API of Lärnav.

**Authentication.** Send an API token as `Authorization: Bearer <token>`.
Signed-in users create tokens under *My account → API tokens*, operators with
`manage.py createapitoken`. A token sees exactly what its user may see, within
the user's consortium. Public catalogue and organisation data needs no token;
without one, the consortium served at the host name is used. A wrong or
revoked token is always refused (401), also where no token is needed.

**Errors** are JSON: `{"code": "not_found", "message": "Hittades inte."}`.
`code` is stable; `message` is Swedish, or English when `Accept-Language`
prefers `en`. Invalid parameters give 422 with one entry per parameter in
`errors`.

**Lists** are paginated: `page` (from 1) and `page_size` (default 100, at most
500); the answer is `{"count", "next", "previous", "results"}`.
"""


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Lärnav API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api_v1",
    openapi_url="/openapi.json",
    docs_url=None,
    renderer=Renderer(),
)
errors.register(api)


@api.get("/organisations", auth=token_optional, response={200: OrganisationPage, **ERRORS_PUBLIC},
         tags=["organisations"], openapi_extra=OPTIONAL_SECURITY, url_name="organisations",
         operation_id="listOrganisations", summary="List organisations")
def list_organisations(request: HttpRequest, filters: Query[OrganisationFilters]):
    """Member organisations (municipalities, administrations, workplaces) of the consortium.

    Reference data for forms such as a workplace picker; it contains no
    personal data and needs no token. Only active organisations are listed,
    ordered by name.
    """
    return paginate(request, selectors.organisations(consortium_id_for(request), filters), filters,
                    schemas.organisation_dict)


@api.get("/persons", auth=token_required, response={200: PersonPage, **ERRORS_SCOPED},
         tags=["persons"], url_name="persons", operation_id="listPersons", summary="List persons")
def list_persons(request: HttpRequest, filters: Query[PersonFilters]):
    """Persons whose workplace lies in the token user's scope for viewing persons.

    Needs a token whose user may view persons (coordinator, CKA, manager,
    workplace learning representative); others get 403. A CKA sees their own
    municipality's staff only.
    """
    user = caller(request)
    if not can(user, Action.VIEW_PERSONS):
        raise errors.forbidden()
    return paginate(request, selectors.persons(user, consortium_id_for(request), filters), filters,
                    schemas.person_dict)


@api.get("/activities", auth=token_optional, response={200: ActivityPage, **ERRORS_PUBLIC},
         tags=["catalogue"], openapi_extra=OPTIONAL_SECURITY, url_name="activities",
         operation_id="listActivities", summary="List activities")
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]):
    """Activities in the consortium's offer (published, or archived on request), in Swedish title order.

    Public: needs no token. Drafts are never listed.
    """
    return paginate(request, selectors.activities(consortium_id_for(request), filters), filters,
                    schemas.activity_dict)


@api.get("/sessions", auth=token_optional, response={200: SessionPage, **ERRORS_PUBLIC},
         tags=["catalogue"], openapi_extra=OPTIONAL_SECURITY, url_name="sessions",
         operation_id="listSessions", summary="List sessions")
def list_sessions(request: HttpRequest, filters: Query[SessionFilters]):
    """Sessions (kurstillfällen) of published and archived activities, by start time.

    Public: needs no token. Cancelled and completed sessions are included
    with their status; filter with ``status``. Seat counts are live; digital
    links are never given here.
    """
    return paginate(request, selectors.sessions(consortium_id_for(request), filters), filters,
                    schemas.session_dict)


@api.get("/sessions/{int:pk}", auth=token_optional, response={200: SessionDetailOut, **ERRORS_NOT_FOUND},
         tags=["catalogue"], openapi_extra=OPTIONAL_SECURITY, url_name="session",
         operation_id="getSession", summary="Get a session")
def get_session(request: HttpRequest, pk: int):
    """One session with its occasions, seat counts and municipal quotas.

    404 for an unknown session, another consortium's, or one of a draft activity.
    """
    session = selectors.session(consortium_id_for(request), pk)
    if session is None:
        raise Http404
    return schemas.session_detail_dict(session)


@api.post("/sessions/{int:pk}/registrations", auth=token_required,
          response={200: RegistrationOut, 201: RegistrationOut, **ERRORS_WRITE}, tags=["registrations"],
          url_name="session_registrations", operation_id="createRegistration",
          summary="Register a person for a session")
def create_registration(request: HttpRequest, pk: int, payload: RegistrationIn):
    """Register someone in your scope (a colleague, your staff) for a session.

    Needs a token whose user may register others (CKA, manager, workplace
    learning representative, coordinator), for the person's workplace. The
    seat rules are the same as on the web: confirmed while there are seats
    (and the municipality's quota allows), otherwise waitlisted in arrival
    order, or pending approval when the session needs a manager's approval.
    201 for a new registration; 200 with the existing one when the person is
    already registered. 409 with ``code`` session_not_open or
    session_cancelled when the session takes no registrations; 403 not_eligible
    when a local session is for another municipality's staff.
    """
    user = caller(request)
    if not can(user, Action.REGISTER_OTHERS):
        raise errors.forbidden()
    consortium_id = consortium_id_for(request)
    if not selectors.session_exists(consortium_id, pk):
        raise Http404
    outcome = services.register_for_session(user, consortium_id, pk, payload)
    registration = outcome.registration
    return Status(201 if outcome.created else 200, {
        "id": registration.pk, "session_id": registration.session_id, "person_id": registration.person_id,
        "status": registration.status, "waitlist_position": waitlist_position(registration),
        "created": outcome.created,
    })
