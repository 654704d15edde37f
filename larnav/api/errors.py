"""The API's error format and language.

Every error is JSON with a stable, English ``code`` for programs and a
``message`` for people::

    {"code": "not_found", "message": "Hittades inte."}

Invalid parameters (422) add ``errors``, one entry per parameter. Messages
are Swedish unless the request's Accept-Language prefers English; unlike the
web pages (which ignore Accept-Language and follow the language switch), an
API client states its language in the header.
"""

import logging
import re
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation.trans_real import parse_accept_lang_header
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

logger = logging.getLogger("larnav.api")

API_LANGUAGES = ("sv", "en")
DEFAULT_API_LANGUAGE = "sv"


class ApiError(Exception):
    """An error with a status, a stable code and a (lazily translated) message."""

    def __init__(self, status: int, code: str, message):
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


class InvalidToken(ApiError):
    def __init__(self):
        super().__init__(401, "invalid_token", gettext_lazy("The API token is invalid or has been revoked."))


def api_language(request: HttpRequest) -> str:
    """Swedish, unless the client's Accept-Language prefers English."""
    try:
        preferences = parse_accept_lang_header(request.headers.get("Accept-Language", "")[:255])
    except ValueError:
        return DEFAULT_API_LANGUAGE
    for code, _quality in preferences:
        primary = code.split("-")[0]
        if primary in API_LANGUAGES:
            return primary
    return DEFAULT_API_LANGUAGE


def error_response(status: int, code: str, message, **extra) -> HttpResponse:
    body = {"code": code, "message": str(message), **extra}
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


# --- Validation errors -------------------------------------------------------

def _parameter_message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This parameter is required.")
    if kind in ("less_than_equal", "less_than"):
        return _("The value may be at most %(limit)s.") % {"limit": ctx.get("le", ctx.get("lt"))}
    if kind in ("greater_than_equal", "greater_than"):
        return _("The value must be at least %(limit)s.") % {"limit": ctx.get("ge", ctx.get("gt"))}
    if kind == "string_too_long":
        return _("The value may be at most %(limit)s characters long.") % {"limit": ctx.get("max_length")}
    if kind in ("enum", "literal_error"):
        values = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return _("Allowed values: %(values)s.") % {"values": ", ".join(values)}
    if kind == "control_characters":
        return _("The value contains characters that are not allowed.")
    if kind == "string_too_short":
        return _("The value must not be empty.")
    if kind == "personnummer":
        return _("Personal identity numbers (personnummer) must not be stored in Lärnav.")
    if kind == "email":
        return _("Enter a valid email address.")
    if kind == "person_required":
        return _("Give either person_id, or first_name, last_name, email and workplace_id.")
    if kind == "unknown_person":
        return _("No person with this id among those you may register.")
    if kind == "unknown_workplace":
        return _("No workplace with this id among those where you may register staff.")
    if kind == "unknown_occupation":
        return _("No occupation with this code.")
    if kind in ("json_invalid", "model_attributes_type", "dict_type", "model_type"):
        return _("The body must be a JSON object.")
    if kind.startswith("int_"):
        return _("The value must be a whole number.")
    if kind.startswith(("datetime_", "date_")):
        return _("The value must be a date (2025-03-31) or a date and time (2025-03-31T09:00).")
    if kind.startswith("bool_"):
        return _("The value must be true or false.")
    return _("The value is not valid.")


# The views' schema arguments: ninja puts their names between the source and the field.
SCHEMA_ARGUMENTS = {"filters", "payload", "params"}


def _parameter_name(loc) -> tuple[str, str]:
    location = str(loc[0]) if loc else ""
    names = [str(part) for part in loc[1:] if str(part) not in SCHEMA_ARGUMENTS]
    return location, (".".join(names) if names else "")


def validation_error(request, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location, name = _parameter_name(error.get("loc", ()))
        errors.append({"parameter": name, "location": location, "type": error.get("type", ""),
                       "message": _parameter_message(error)})
    return error_response(422, "invalid_parameters", _("One or more parameters are invalid."), errors=errors)


# --- Handlers registered on the NinjaAPI -------------------------------------

def api_error(request, exc: ApiError) -> HttpResponse:
    return error_response(exc.status, exc.code, exc.message)


def authentication_error(request, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        401, "authentication_required",
        _("This endpoint needs an API token, sent as the header Authorization: Bearer <token>."),
    )


def not_found(request, exc=None, **kwargs) -> HttpResponse:
    return error_response(404, "not_found", _("Not found."))


def http_error(request, exc: HttpError) -> HttpResponse:
    if isinstance(exc, Throttled):
        return error_response(429, "too_many_requests", _("Too many requests. Try again later."))
    if exc.status_code == 400:  # ninja could not parse the body
        return error_response(400, "bad_request", _("The request body could not be read: send a JSON object."))
    codes = {400: "bad_request", 401: "authentication_required", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed"}
    return error_response(exc.status_code, codes.get(exc.status_code, "error"), _("The request failed."))


def registration_error(request, exc) -> HttpResponse:
    """The registrations service's refusals carry their own status, code and message."""
    return error_response(exc.status, exc.code, exc.message)


def server_error(request, exc: Exception) -> HttpResponse:
    logger.error("API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, "server_error", _("Something went wrong on our side. Try again later."))


def register(api) -> None:
    from larnav.registrations.errors import RegistrationError

    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(RegistrationError, registration_error)
    api.add_exception_handler(AuthenticationError, authentication_error)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(Exception, server_error)


def forbidden() -> ApiError:
    return ApiError(403, "forbidden", gettext_lazy("Your roles do not give access to this data."))


def method_not_allowed() -> HttpResponse:
    return error_response(405, "method_not_allowed", _("This method is not allowed here."))


def with_language(view):
    """Wrap a view: answer in the API language, and in JSON for 405."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        language = api_language(request)
        with translation.override(language):
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                response = not_found(request)
            if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
                allow = response.get("Allow")
                response = method_not_allowed()
                if allow:
                    response["Allow"] = allow
        response["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language", "Authorization"))
        if getattr(getattr(request, "auth", None), "is_authenticated", False):
            # Answers to a token may hold personal data: no cache, shared or private, keeps them.
            patch_cache_control(response, private=True, no_store=True)
        return response

    return wrapped
