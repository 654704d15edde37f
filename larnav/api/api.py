"""The JSON API, version 1, mounted at /api/v1/.

The OpenAPI document is served at /api/v1/openapi.json. There is no
interactive docs page: ninja's loads Swagger UI from a CDN, and the product
serves every asset itself.
"""

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Query
from ninja.renderers import JSONRenderer
from ninja.responses import Status

from larnav.accounts.permissions import Action, can
from larnav.registrations.services import waitlist_position

from . import errors, schemas, selectors, services
from .auth import OPTIONAL_SECURITY, caller, consortium_id_for, token_optional, token_required
from .pagination import PageParams, paginate
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
    outcome = services.register_for_session(user, consortium_id_for(request), pk, payload)
    registration = outcome.registration
    position = outcome.waitlist_position if outcome.created else waitlist_position(registration)
    return Status(201 if outcome.created else 200, {
        "id": registration.pk, "session_id": registration.session_id, "person_id": registration.person_id,
        "status": registration.status, "waitlist_position": position, "created": outcome.created,
    })


@api.get("/sessions/{int:pk}/registrations", auth=token_required,
         response={200: schemas.RegistrationPage, **ERRORS_WRITE}, tags=["registrations"],
         url_name="session_registration_list", operation_id="listRegistrations",
         summary="The registrations of a session that you may see")
def list_registrations(request: HttpRequest, pk: int, params: Query[PageParams]):
    """All of them for coordinators and the session's trainers; otherwise those of staff in
    your scope (a CKA's municipality, a manager's unit). Waiting-list positions from 1."""
    from larnav.registrations import selectors as registration_selectors
    from larnav.registrations.models import Status as RegStatus

    user = caller(request)
    consortium_id = consortium_id_for(request)
    session = selectors.session_for_staff(consortium_id, pk)
    if session is None:
        raise Http404
    qs = registration_selectors.session_participants(user, session)
    if not qs.exists() and not (can(user, Action.MANAGE_CATALOG) or can(user, Action.VIEW_PERSONS)
                                or session.trainers.filter(pk=user.pk).exists()):
        raise errors.forbidden()
    positions = {}
    waiting = session.registrations.filter(status=RegStatus.WAITLISTED).order_by("queued_at", "pk")
    for index, reg_id in enumerate(waiting.values_list("pk", flat=True), start=1):
        positions[reg_id] = index

    def row(r):
        return {"id": r.pk, "person_id": r.person_id, "first_name": r.person.first_name,
                "last_name": r.person.last_name, "email": r.person.email, "workplace_id": r.workplace_id,
                "municipality_id": r.municipality_id, "status": r.status,
                "waitlist_position": positions.get(r.pk), "created_at": r.created_at.isoformat()}

    return paginate(request, qs.order_by("created_at", "pk"), params, row)


@api.post("/registrations/{int:pk}/cancel", auth=token_required,
          response={200: schemas.CancelOut, **ERRORS_WRITE}, tags=["registrations"],
          url_name="registration_cancel", operation_id="cancelRegistration", summary="Cancel a registration")
def cancel_registration(request: HttpRequest, pk: int):
    """Coordinators cancel any registration; CKA and managers those of their staff. A freed seat
    goes at once to the first on the waiting list who fits the quota. 409 if already cancelled."""
    from larnav.registrations import services as registrations

    user = caller(request)
    reg = services.registration_for(user, consortium_id_for(request), pk, Action.REGISTER_OTHERS)
    if reg is None:
        raise Http404
    outcome = registrations.cancel(reg.pk, user, reason="API")
    promoted = outcome.promoted[0].pk if outcome.promoted else None
    return {"status": outcome.registration.status, "promoted_registration_id": promoted}


@api.post("/registrations/{int:pk}/attendance", auth=token_required,
          response={200: schemas.AttendanceOut, **ERRORS_WRITE}, tags=["registrations"],
          url_name="registration_attendance", operation_id="markAttendance",
          summary="Mark attendance for one occasion")
def mark_attendance(request: HttpRequest, pk: int, payload: schemas.AttendanceIn):
    """For the session's trainers and coordinators. When the session's last occasion has ended and
    every occasion has attendance, completion is decided (completed with hours, or no-show)."""
    from larnav.attendance import services as attendance
    from larnav.attendance.models import AttendanceStatus
    from larnav.registrations.models import Registration

    user = caller(request)
    reg = services.registration_for(user, consortium_id_for(request), pk, None)
    if reg is None:
        raise Http404
    if payload.status not in AttendanceStatus.values:
        raise errors.ApiError(422, "invalid", gettext_lazy("Allowed values: %(values)s.")
                              % {"values": ", ".join(AttendanceStatus.values)})
    if not reg.session.occasions.filter(pk=payload.occasion_id).exists():
        raise Http404
    try:
        attendance.save_attendance(payload.occasion_id, {reg.pk: payload.status}, user)
    except attendance.AttendanceError as exc:
        raise errors.ApiError(409, "attendance_refused", str(exc)) from exc
    reg = Registration.objects.get(pk=reg.pk)
    return {"registration_id": reg.pk, "occasion_id": payload.occasion_id, "status": payload.status,
            "registration_status": reg.status}


MAX_STATISTICS_DAYS = 366 * 10


@api.get("/statistics/participation", auth=token_required,
         response={200: schemas.ParticipationOut, **ERRORS_SCOPED}, tags=["statistics"],
         url_name="statistics_participation", operation_id="getParticipation", summary="Participation statistics")
def statistics_participation(request: HttpRequest, params: Query[schemas.ParticipationParams]):
    """Registrations, participants, attended, completed, no-shows and hours for a period, by a cut.

    The measures are defined in the statistics module: a registration belongs to
    the period of its session's first occasion (Swedish local date). Needs a
    token whose user may view statistics (coordinator, steering group, CKA).
    Without ``organisation`` the whole consortium, where cells of organisations
    outside the user's detailed rights are shown as "<5" when below five; with
    it that organisation in detail (403 outside the user's rights). 422 with
    ``code`` invalid_period when ``to`` is before ``from`` or the period is
    longer than ten years.
    """
    from django.core.exceptions import PermissionDenied

    from larnav.organisations.models import Organisation
    from larnav.statistics import selectors as statistics
    from larnav.statistics.periods import Period

    user = caller(request)
    consortium_id = consortium_id_for(request)
    if params.to < params.from_:
        raise errors.ApiError(422, "invalid_period", gettext_lazy("The end date must not be before the start date."))
    if (params.to - params.from_).days > MAX_STATISTICS_DAYS:
        raise errors.ApiError(422, "invalid_period", gettext_lazy("The period may be at most ten years long."))
    organisation = None
    if params.organisation:
        organisation = Organisation.objects.filter(pk=params.organisation, consortium_id=consortium_id).first()
        if organisation is None:
            raise Http404
    try:
        scope = statistics.statistics_scope(user, consortium_id, organisation)
    except PermissionDenied:
        raise errors.forbidden() from None
    cut = statistics.Cut(params.group_by) if params.group_by else None
    table = statistics.participation(scope, Period.custom(params.from_, params.to), cut)
    return {
        "period_from": params.from_, "period_to": params.to, "group_by": params.group_by, "masked": table.masked,
        "rows": [schemas.participation_row_dict(r) for r in table.rows],
        "totals": schemas.participation_row_dict(table.total),
    }
