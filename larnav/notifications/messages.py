"""Lärnav's own message kinds: registrations, sessions, reminders, evaluations, accounts.

Every value is read from the database when the message is sent, from the
registration (or account) the outbox row names, so a message always tells
about its own registration's session as it is now. A kind whose reason has
gone by send time (the registration was cancelled before its reminder, the
sign-in link expired) returns None and the row is marked "not sent".
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import ical
from .kinds import MessageKind, Placeholder, register

# --- Placeholders shared by the registration messages ----------------------------------------------

P_FIRST_NAME = Placeholder("first_name", gettext_lazy("The participant's first name"), "Anna")
P_FULL_NAME = Placeholder("full_name", gettext_lazy("The participant's full name"), "Anna Andersson")
P_ACTIVITY = Placeholder("activity", gettext_lazy("The activity's title (and the session's label)"),
                         "Motiverande samtal – grundkurs")
P_DATES = Placeholder("dates", gettext_lazy("Every occasion: date, time and place, one per line"),
                      "tisdag 3 mars 2026, 09:00–12:00, Huddinge kommunhus, sal Kvarnen")
P_FIRST_DATE = Placeholder("first_date", gettext_lazy("Date and time of the first occasion"), "3 mars 2026 09:00")
P_CANCEL_BY = Placeholder("cancel_by", gettext_lazy("The sentence about the last day to cancel (empty if there is none)"),
                          "Avboka senast 24 februari 2026 23:59 om du inte kan komma.")
P_MANAGE_URL = Placeholder("manage_url", gettext_lazy("Link where the participant sees or cancels the registration"),
                           "https://larnav.example.se/anmalan/min-anmalan/…/")
P_VERIFY_URL = Placeholder("verify_url", gettext_lazy("Link that confirms the e-mail address"),
                           "https://larnav.example.se/anmalan/bekrafta/…/")
P_CATALOG_URL = Placeholder("catalog_url", gettext_lazy("Link to the catalog"), "https://larnav.example.se/utbud/")
P_CONSORTIUM = Placeholder("consortium", gettext_lazy("The consortium's name"), "Forum Carpe")
P_MANAGER_MESSAGE = Placeholder("manager_message", gettext_lazy("The manager's message with its heading (empty if none)"),
                                "Meddelande från din chef: Vi tar det i höst i stället.")

REGISTRATION_PLACEHOLDERS = (P_FIRST_NAME, P_FULL_NAME, P_ACTIVITY, P_DATES, P_FIRST_DATE, P_CANCEL_BY,
                             P_MANAGE_URL, P_CATALOG_URL, P_CONSORTIUM)


def _absolute(path: str) -> str:
    return settings.BASE_URL + path


def _when(value) -> str:
    return formats.date_format(timezone.localtime(value), "j F Y H:i")


def _registration(message):
    from larnav.registrations.models import Registration

    pk = message.context.get("registration")
    if pk is None:
        return None
    # Read once per rendering: the values and the calendar share it (with the occasions).
    cached = getattr(message, "_larnav_registration", None)
    if cached is not None and cached.pk == pk:
        return cached
    reg = (Registration.objects.select_related("person", "session__activity", "session__consortium", "consortium")
           .prefetch_related("session__occasions").filter(pk=pk).first())
    message._larnav_registration = reg
    return reg


def occasion_lines(session, occasions, *, show_link: bool) -> str:
    lines = []
    for o in occasions:
        start, end = timezone.localtime(o.start), timezone.localtime(o.end)
        line = f"{formats.date_format(start, 'l j F Y')}, {start:%H:%M}–{end:%H:%M}"
        if o.place:
            line += f", {o.place}"
            if o.address:
                line += f", {o.address}"
        if o.digital_link:
            line += f", {o.digital_link}" if show_link else ", " + _("digital")
        lines.append(line)
    return "\n".join(lines)


def registration_values(reg, *, show_link: bool | None = None) -> dict[str, str]:
    from larnav.registrations.models import Status

    session = reg.session
    occasions = list(session.occasions.all())
    if show_link is None:
        show_link = reg.status in (Status.CONFIRMED, Status.COMPLETED)
    title = session.activity.title + (f" – {session.name}" if session.name else "")
    cancel_by = ""
    if session.cancellation_deadline:
        cancel_by = _("Cancel by %(when)s if you cannot come; after that the cancellation is late and may be "
                      "charged.") % {"when": _when(session.cancellation_deadline)}
    return {
        "first_name": reg.person.first_name,
        "full_name": reg.person.full_name,
        "activity": title,
        "dates": occasion_lines(session, occasions, show_link=show_link),
        "first_date": _when(occasions[0].start) if occasions else "",
        "cancel_by": cancel_by,
        "manage_url": _absolute(reverse("registrations:manage", args=[reg.token])),
        "verify_url": _absolute(reverse("registrations:verify", args=[reg.token])),
        "catalog_url": _absolute("/utbud/"),
        "consortium": str(reg.consortium),
        "manager_message": (_("Message from your manager:") + " " + reg.decision_message)
        if reg.decision_message else "",
    }


def _values_when(*statuses, extra=None):
    """Values for a registration message, or None when the registration is no longer in ``statuses``."""

    def values(message):
        reg = _registration(message)
        if reg is None or (statuses and reg.status not in statuses):
            return None
        result = registration_values(reg)
        if extra is not None:
            result.update(extra(reg, message))
        return result

    return values


def _invitation(method: str):
    def calendar(message):
        reg = _registration(message)
        if reg is None:
            return None
        return ical.invitation(reg.session, method=method, attendee_email=message.to_email,
                               attendee_name=message.to_name)

    return calendar


def _invitation_if_seat(message):
    """An invitation when the registration holds a seat now, else nothing."""
    from larnav.registrations.models import Status

    reg = _registration(message)
    if reg is None or reg.status != Status.CONFIRMED:
        return None
    return ical.invitation(reg.session, method="REQUEST", attendee_email=message.to_email,
                           attendee_name=message.to_name)


PARTICIPANT = gettext_lazy("Participant")


def _about_registration(*, key, order, label, subject, body, audience=PARTICIPANT,
                        placeholders=REGISTRATION_PLACEHOLDERS, values=None, **more):
    """Register a message about one registration (``context["registration"]``): previewed against
    a real registration, with its placeholders, and sent while the registration exists unless
    ``values`` decides otherwise."""
    register(MessageKind(key=key, order=order, label=label, audience=audience, preview_source="registration",
                         placeholders=placeholders, subject=subject, body=body,
                         values=values or _values_when(), **more))


# --- The participant's messages --------------------------------------------------------------------

_about_registration(
    key="registration_verify", order=10, label=gettext_lazy("Registration received: confirm your e-mail address"),
    help_text=gettext_lazy("Sent when someone registers without being signed in: the registration counts only once "
                 "they follow the link."),
    placeholders=(*REGISTRATION_PLACEHOLDERS, P_VERIFY_URL),
    subject=gettext_lazy("Confirm your registration: {{ activity }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nWe have received your registration for:\n\n**{{ activity }}**\n\n"
            "{{ dates }}\n\nConfirm your e-mail address with this link. Until you do, the registration does not "
            "count:\n\n{{ verify_url }}\n\nIf you did not register, you can ignore this message; the "
            "registration then expires."),
    values=_values_when("pending_verification"),
)

_about_registration(
    key="registration_received", order=11, label=gettext_lazy("Registration received, waiting for the manager"),
    subject=gettext_lazy("Registration received, waiting for your manager: {{ activity }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nYour registration has been received. Your manager must approve it before "
            "it gets a seat; we tell you when they have decided.\n\n**{{ activity }}**\n\n{{ dates }}\n\n"
            "See or cancel your registration: {{ manage_url }}"),
)

_about_registration(
    key="registration_confirmed", order=12, label=gettext_lazy("Seat confirmed"),
    help_text=gettext_lazy("Carries a calendar invitation."),
    subject=gettext_lazy("Your seat is confirmed: {{ activity }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nWelcome! You have a seat on:\n\n**{{ activity }}**\n\n{{ dates }}\n\n"
            "{{ cancel_by }}\n\nSee or cancel your registration: {{ manage_url }}"),
    calendar=_invitation_if_seat,
)

_about_registration(
    key="registration_waitlisted", order=13, label=gettext_lazy("On the waiting list"),
    subject=gettext_lazy("You are on the waiting list: {{ activity }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nThe session is full, so you are on the waiting list. If a seat becomes "
            "free you get it in turn, and we tell you at once.\n\n**{{ activity }}**\n\n{{ dates }}\n\n"
            "See your place in the queue, or leave the waiting list: {{ manage_url }}"),
)

_about_registration(
    key="registration_promoted", order=14, label=gettext_lazy("Seat from the waiting list"),
    help_text=gettext_lazy("Carries a calendar invitation."),
    subject=gettext_lazy("You got a seat from the waiting list: {{ activity }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nA seat became free and it is now yours:\n\n**{{ activity }}**\n\n"
            "{{ dates }}\n\n{{ cancel_by }}\n\nIf you can no longer come, cancel as soon as possible so that the "
            "next person on the waiting list gets the seat: {{ manage_url }}"),
    calendar=_invitation_if_seat,
)


def _approval_outcome(reg, message):
    from larnav.registrations.models import Status

    if reg.status == Status.CONFIRMED:
        text = _("You have a seat.")
    elif reg.status == Status.WAITLISTED:
        text = _("The session is full, so you are on the waiting list; if a seat becomes free you get it in turn.")
    else:
        text = ""
    return {"outcome": text}


P_OUTCOME = Placeholder("outcome", gettext_lazy("What the approval led to: a seat or a place on the waiting list"),
                        "Du har fått en plats.")

_about_registration(
    key="registration_approved", order=15, label=gettext_lazy("Approved by the manager"),
    help_text=gettext_lazy("Carries a calendar invitation when there is a seat."),
    placeholders=(*REGISTRATION_PLACEHOLDERS, P_OUTCOME, P_MANAGER_MESSAGE),
    subject=gettext_lazy("Your registration is approved: {{ activity }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nYour manager has approved your registration for:\n\n**{{ activity }}**\n\n"
            "{{ dates }}\n\n{{ outcome }}\n\n{{ manager_message }}\n\n{{ cancel_by }}\n\n"
            "See or cancel your registration: {{ manage_url }}"),
    values=_values_when(extra=_approval_outcome),
    calendar=_invitation_if_seat,
)

_about_registration(
    key="registration_declined", order=16, label=gettext_lazy("Declined by the manager"),
    placeholders=(*REGISTRATION_PLACEHOLDERS, P_MANAGER_MESSAGE),
    subject=gettext_lazy("Your registration was not approved: {{ activity }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nYour manager did not approve your registration for:\n\n**{{ activity }}**"
            "\n\n{{ dates }}\n\n{{ manager_message }}"),
)

_about_registration(
    key="registration_cancelled", order=17, label=gettext_lazy("Registration cancelled"),
    help_text=gettext_lazy("Removes the event from the calendar of those who had a seat."),
    subject=gettext_lazy("Your registration is cancelled: {{ activity }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nYour registration is cancelled:\n\n**{{ activity }}**\n\n{{ dates }}"),
    calendar=lambda m: _invitation("CANCEL")(m) if m.context.get("had_seat") else None,
)

_about_registration(
    key="registration_late_cancelled", order=18, label=gettext_lazy("Registration cancelled late"),
    help_text=gettext_lazy("Removes the event from the participant's calendar."),
    subject=gettext_lazy("Your registration is cancelled: {{ activity }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nYour registration is cancelled:\n\n**{{ activity }}**\n\n{{ dates }}\n\n"
            "The cancellation came after the last day to cancel, so it is recorded as a late cancellation."),
    calendar=lambda m: _invitation("CANCEL")(m) if m.context.get("had_seat", True) else None,
)

_about_registration(
    key="session_changed", order=20, label=gettext_lazy("Session changed"), audience=gettext_lazy("Participants with a seat"),
    help_text=gettext_lazy("Sent when the date, time, place or title of a session changes; updates the calendar event."),
    subject=gettext_lazy("Changed: {{ activity }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nThe session you have a seat on has changed. This is how it is now:\n\n"
            "**{{ activity }}**\n\n{{ dates }}\n\nThe event in your calendar is updated. If you can no longer "
            "come, cancel your registration: {{ manage_url }}"),
    values=_values_when("confirmed"),
    calendar=_invitation_if_seat,
)

_about_registration(
    key="session_cancelled", order=21, label=gettext_lazy("Session cancelled"), audience=gettext_lazy("Everyone registered"),
    help_text=gettext_lazy("Removes the event from the calendar of those who had a seat."),
    subject=gettext_lazy("Cancelled: {{ activity }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nUnfortunately this session is cancelled, and so is your registration:\n\n"
            "**{{ activity }}**\n\n{{ dates }}\n\nWe are sorry for the trouble. Look in the catalog for another "
            "session: {{ catalog_url }}"),
    calendar=lambda m: _invitation("CANCEL")(m) if m.context.get("had_seat") else None,
)


def _reminder_values(message):
    from larnav.catalog.models import Session
    from larnav.registrations.models import Status

    reg = _registration(message)
    if (reg is None or reg.status != Status.CONFIRMED or reg.session.status == Session.Status.CANCELLED
            or reg.session.first_start is None or reg.session.first_start <= timezone.now()):
        return None
    return registration_values(reg)


_about_registration(
    key="session_reminder", order=22, label=gettext_lazy("Reminder before the session"),
    audience=gettext_lazy("Participants with a seat"),
    help_text=gettext_lazy("Sent the number of days before the first occasion that is set below."),
    subject=gettext_lazy("Reminder: {{ activity }}, {{ first_date }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nA reminder that you have a seat on:\n\n**{{ activity }}**\n\n{{ dates }}\n\n"
            "{{ cancel_by }}\n\nIf you cannot come, cancel so that someone else gets the seat: {{ manage_url }}"),
    values=_reminder_values,
)

P_EVALUATION_URL = Placeholder("evaluation_url", gettext_lazy("Link to the evaluation"),
                               "https://larnav.example.se/anmalan/min-anmalan/…/")

# Another app (evaluations) may supply the link by setting this to a function of the registration.
evaluation_link = None


def _evaluation_values(message):
    from larnav.registrations.models import Status

    reg = _registration(message)
    if reg is None or reg.status not in (Status.CONFIRMED, Status.COMPLETED):
        return None
    values = registration_values(reg)
    values["evaluation_url"] = evaluation_link(reg) if evaluation_link else values["manage_url"]
    return values


_about_registration(
    key="evaluation_invitation", order=23, label=gettext_lazy("Evaluation after the last occasion"),
    audience=gettext_lazy("Participants with a seat"),
    placeholders=(*REGISTRATION_PLACEHOLDERS, P_EVALUATION_URL),
    subject=gettext_lazy("How was it? {{ activity }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nThank you for taking part in **{{ activity }}**. Tell us what you "
            "thought: it takes a few minutes and helps us plan what comes next.\n\n{{ evaluation_url }}"),
    values=_evaluation_values,
)

# --- The manager's messages ------------------------------------------------------------------------

P_MANAGER_FIRST_NAME = Placeholder("manager_first_name", gettext_lazy("The manager's first name"), "Maria")
P_APPROVALS_URL = Placeholder("approvals_url", gettext_lazy("Link to the manager's approvals"),
                              "https://larnav.example.se/anmalan/godkannanden/")
P_BENEFIT = Placeholder("expected_benefit", gettext_lazy("The participant's expected benefit with its heading (empty if none)"),
                        "Förväntad nytta: Bättre samtal med brukarna.")


def _approval_values(message):
    from larnav.accounts.models import User
    from larnav.registrations.models import Status

    reg = _registration(message)
    if reg is None or reg.status != Status.PENDING_APPROVAL:
        return None
    values = registration_values(reg)
    manager = User.objects.filter(pk=message.context.get("manager")).first()
    values["manager_first_name"] = manager.first_name if manager else ""
    values["approvals_url"] = _absolute(reverse("registrations:approvals"))
    values["expected_benefit"] = (_("Expected benefit:") + " " + reg.expected_benefit) if reg.expected_benefit else ""
    return values


MANAGER_PLACEHOLDERS = (P_MANAGER_FIRST_NAME, P_FULL_NAME, P_ACTIVITY, P_DATES, P_FIRST_DATE, P_BENEFIT,
                        P_APPROVALS_URL, P_CONSORTIUM)

_about_registration(
    key="approval_requested", order=30, label=gettext_lazy("Approval requested"), audience=gettext_lazy("Manager"),
    placeholders=MANAGER_PLACEHOLDERS,
    subject=gettext_lazy("Approve a registration: {{ full_name }}"),
    body=gettext_lazy("Hello {{ manager_first_name }},\n\n{{ full_name }} has registered for the session below, which needs "
            "the manager's approval.\n\n**{{ activity }}**\n\n{{ dates }}\n\n{{ expected_benefit }}\n\n"
            "Approve or decline: {{ approvals_url }}"),
    values=_approval_values,
)

_about_registration(
    key="approval_reminder", order=31, label=gettext_lazy("Reminder of a waiting approval"), audience=gettext_lazy("Manager"),
    placeholders=MANAGER_PLACEHOLDERS,
    subject=gettext_lazy("Reminder: approve a registration: {{ full_name }}"),
    body=gettext_lazy("Hello {{ manager_first_name }},\n\n{{ full_name }} is still waiting for your decision on the session "
            "below. Unless it is approved in time, the registration expires.\n\n**{{ activity }}**\n\n{{ dates }}"
            "\n\n{{ expected_benefit }}\n\nApprove or decline: {{ approvals_url }}"),
    values=_approval_values,
)

# --- Accounts and the catalog ----------------------------------------------------------------------

P_USER_FIRST_NAME = Placeholder("first_name", gettext_lazy("The recipient's first name"), "Anna")
P_SIGN_IN_URL = Placeholder("sign_in_url", gettext_lazy("The one-time sign-in link"), "https://larnav.example.se/…")
P_MINUTES = Placeholder("minutes", gettext_lazy("How many minutes the link works"), "30")


def _sign_in_values(message):
    from larnav.accounts.models import SignInLink

    link = SignInLink.objects.select_related("user").filter(pk=message.context.get("link")).first()
    token = message.context.get("token")
    if link is None or not token or link.used_at is not None or link.expires_at <= timezone.now():
        return None  # too late: a stale sign-in link is worse than none
    return {
        "first_name": link.user.first_name,
        "sign_in_url": _absolute(reverse("accounts:link_sign_in", args=[token])),
        "minutes": str(settings.SIGN_IN_LINK_MAX_AGE_MINUTES),
        "consortium": str(link.user.consortium) if link.user.consortium_id else "Lärnav",
    }


register(MessageKind(
    key="sign_in_link", order=40, label=gettext_lazy("Sign-in link"), audience=gettext_lazy("Anyone who asks for a link"),
    help_text=gettext_lazy("The link is never stored in the outbox: the copy there shows it blanked out."),
    placeholders=(P_USER_FIRST_NAME, P_SIGN_IN_URL, P_MINUTES, P_CONSORTIUM),
    subject=gettext_lazy("Your sign-in link to {{ consortium }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nSign in to {{ consortium }} with this link. It works once, for "
            "{{ minutes }} minutes:\n\n{{ sign_in_url }}\n\nIf you did not ask for a link, you can ignore this "
            "message."),
    values=_sign_in_values,
    secret=frozenset({"sign_in_url"}),
))

P_PASSWORD_URL = Placeholder("password_url", gettext_lazy("The link where the new user chooses a password"),
                             "https://larnav.example.se/…")


def _password_link_values(message):
    """An invitation or a password reset: the link where the user chooses a password."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from larnav.accounts.models import User

    user = User.objects.select_related("consortium").filter(pk=message.context.get("user"), is_active=True).first()
    if user is None:
        return None
    # The token is made now, at sending, so no secret waits in the outbox.
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = _absolute(reverse("accounts:password_reset_confirm", args=[uid, default_token_generator.make_token(user)]))
    return {"first_name": user.first_name, "username": user.username, "password_url": url,
            "consortium": str(user.consortium) if user.consortium_id else "Lärnav"}


register(MessageKind(
    key="account_invitation", order=41, label=gettext_lazy("Invitation to a new account"), audience=gettext_lazy("New staff user"),
    help_text=gettext_lazy("The link is never stored in the outbox: the copy there shows it blanked out."),
    placeholders=(P_USER_FIRST_NAME, Placeholder("username", gettext_lazy("The user name"), "anna.andersson"),
                  P_PASSWORD_URL, P_CONSORTIUM),
    subject=gettext_lazy("Your account in {{ consortium }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nAn account has been created for you in {{ consortium }}. Your user name is "
            "{{ username }}. Choose a password with this link:\n\n{{ password_url }}"),
    values=_password_link_values,
    secret=frozenset({"password_url"}),
))


register(MessageKind(
    key="password_reset", order=42, label=gettext_lazy("Password reset"), audience=gettext_lazy("Staff user who asked for it"),
    help_text=gettext_lazy("Sent when someone asks for a new password for an account with a password. The link is "
                           "never stored in the outbox and stops working once the password is changed."),
    placeholders=(P_USER_FIRST_NAME, Placeholder("username", gettext_lazy("The user name"), "anna.andersson"),
                  P_PASSWORD_URL, P_CONSORTIUM),
    subject=gettext_lazy("A new password for {{ consortium }}"),
    body=gettext_lazy("Hello {{ first_name }},\n\nSomeone asked to reset the password of your account {{ username }} in "
                      "{{ consortium }}. Choose a new password with this link:\n\n{{ password_url }}\n\n"
                      "If you did not ask for this, you can ignore this message."),
    values=_password_link_values,
    secret=frozenset({"password_url"}),
))


def _interest_values(message):
    from larnav.catalog.models import InterestRegistration, Session

    session = Session.objects.select_related("activity", "consortium").filter(
        pk=message.context.get("session")).first()
    if session is None or session.status not in (Session.Status.OPEN, Session.Status.FULL):
        return None
    interest = InterestRegistration.objects.filter(pk=message.context.get("interest")).first()
    occasions = list(session.occasions.all())
    return {
        "name": interest.name if interest else "",
        "activity": session.activity.title + (f" – {session.name}" if session.name else ""),
        "dates": occasion_lines(session, occasions, show_link=False),
        "session_url": _absolute(reverse("catalog:session", args=[session.pk])),
        "consortium": str(session.consortium),
    }


register(MessageKind(
    key="interest_session_open", order=42, label=gettext_lazy("A session one asked about is open"),
    audience=gettext_lazy("The activity's interest list"),
    placeholders=(Placeholder("name", gettext_lazy("The name the person left"), "Anna Andersson"), P_ACTIVITY, P_DATES,
                  Placeholder("session_url", gettext_lazy("Link to the session"),
                              "https://larnav.example.se/utbud/tillfalle/12/"), P_CONSORTIUM),
    subject=gettext_lazy("A session of {{ activity }} is open for registration"),
    body=gettext_lazy("Hello {{ name }},\n\nYou asked to hear when **{{ activity }}** gets a session. One is now open for "
            "registration:\n\n{{ dates }}\n\n{{ session_url }}\n\nYou were on the interest list and are told "
            "before the session is announced more widely. You will not get more e-mail about this interest "
            "registration."),
    values=_interest_values,
))
