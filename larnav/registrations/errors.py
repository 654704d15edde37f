"""Why a registration action was refused: a stable code for the API and a message for people."""

from django.utils.translation import gettext_lazy as _

from larnav.core.exceptions import Refused


class RegistrationError(Refused):
    code = "registration_error"
    status = 409
    message = _("The registration could not be made.")


class SessionNotFound(RegistrationError):
    code = "not_found"
    status = 404
    message = _("Not found.")


class SessionNotOpen(RegistrationError):
    code = "session_not_open"
    message = _("Registration for this session is not open.")


class SessionCancelled(RegistrationError):
    code = "session_cancelled"
    message = _("The session is cancelled.")


class NotEligible(RegistrationError):
    code = "not_eligible"
    status = 403
    message = _("This session is only for staff of the municipality that arranges it.")


class InvalidTransition(RegistrationError):
    code = "invalid_transition"
    message = _("The registration cannot be changed that way in its current state.")


class CapacityBelowBooked(RegistrationError):
    code = "capacity_below_booked"
    status = 422
