"""Survey e-mail: invitations and reminders, through the outbox.

``queue_survey_mail`` is the one way survey mail leaves Lärnav: it writes one
outbox row per message in the transaction that sends the round or the
reminders (``larnav.notifications.outbox``), and the outbox delivers it after
the commit, with retries. The invitation records when it was last mailed and
how many reminders it has had at the same moment, in the same transaction.

Three message kinds, whose texts coordinators may edit: the evaluation of a
session, the invitation to any other survey, and the reminder. Their values
are read when the message is sent, in the recipient's language.

For an anonymous round, a reminder is sent even if its recipient answered
between queuing and sending: skipping it would record, on the outbox row,
roughly when that person answered.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from larnav.notifications import kinds, outbox

EVALUATION = "survey_evaluation"
INVITATION = "survey_invitation"
REMINDER = "survey_reminder"

PLACEHOLDERS = (
    kinds.Placeholder("first_name", gettext_lazy("The recipient's first name"), "Anna"),
    kinds.Placeholder("survey", gettext_lazy("The survey's title"), "CKA-enkät 2026"),
    kinds.Placeholder("activity", gettext_lazy("The activity evaluated (empty for other surveys)"),
                      "Bemötande i LSS"),
    kinds.Placeholder("link", gettext_lazy("The recipient's personal link to the survey"),
                      "https://larnav.example.se/enkater/svara/…/"),
    kinds.Placeholder("closes", gettext_lazy("When the survey closes"), "15 december 2026 23:59"),
    kinds.Placeholder("privacy", gettext_lazy("Whether the answers are anonymous or stored with the name"),
                      "Your answers are anonymous."),
)


def invitation_url(invitation) -> str:
    return settings.BASE_URL + reverse("surveys:respond", args=[invitation.token])


def _values(message) -> dict[str, str] | None:
    from .models import Invitation

    invitation = (Invitation.objects.select_related("survey__session__activity", "person", "user")
                  .filter(pk=message.context.get("invitation")).first())
    if invitation is None:
        return None
    survey = invitation.survey
    if not survey.is_open(timezone.now()):
        return None  # closed meanwhile: an invitation to a closed survey only annoys
    if invitation.answered and not survey.anonymous:
        return None
    person, user = invitation.person, invitation.user
    activity = survey.session.activity.title if survey.session_id else ""
    closes = formats.date_format(timezone.localtime(survey.closes_at), "DATETIME_FORMAT")
    if survey.anonymous:
        privacy = _("Your answers are anonymous: they are stored without your name or anything else that links "
                    "them to you. We only note that you have answered, so that you get no reminders.")
    else:
        privacy = _("Your answers are stored with your name, so that we can follow them up.")
    return {
        "first_name": person.first_name if person else (user.first_name if user else ""),
        "survey": survey.title,
        "activity": activity,
        "link": invitation_url(invitation),
        "closes": closes,
        "privacy": privacy,
    }


kinds.register(kinds.MessageKind(
    key=EVALUATION,
    label=gettext_lazy("Course evaluation"),
    audience=gettext_lazy("Attendees, after a session's last occasion"),
    placeholders=PLACEHOLDERS,
    subject=gettext_lazy("How was it? Evaluate {{ activity }}"),
    body=gettext_lazy(
        "Hello {{ first_name }},\n\n"
        "thank you for taking part in {{ activity }}. Please tell us what you thought of it: your evaluation "
        "helps us improve the offer. It takes a few minutes.\n\n"
        "Answer here: {{ link }}\n\n"
        "The evaluation is open until {{ closes }}.\n\n"
        "{{ privacy }}\n\n"
        "The link is personal: please do not forward this e-mail."),
    values=_values,
    order=60,
))

kinds.register(kinds.MessageKind(
    key=INVITATION,
    label=gettext_lazy("Survey invitation"),
    audience=gettext_lazy("Everyone a survey is sent to"),
    placeholders=PLACEHOLDERS,
    subject=gettext_lazy("Survey: {{ survey }}"),
    body=gettext_lazy(
        "Hello {{ first_name }},\n\n"
        "you are invited to answer the survey “{{ survey }}”. Your answers matter to us.\n\n"
        "Answer here: {{ link }}\n\n"
        "The survey is open until {{ closes }}.\n\n"
        "{{ privacy }}\n\n"
        "The link is personal: please do not forward this e-mail."),
    values=_values,
    order=61,
))

kinds.register(kinds.MessageKind(
    key=REMINDER,
    label=gettext_lazy("Survey reminder"),
    audience=gettext_lazy("Those who have not answered a survey"),
    placeholders=PLACEHOLDERS,
    subject=gettext_lazy("Reminder: {{ survey }}"),
    body=gettext_lazy(
        "Hello {{ first_name }},\n\n"
        "you have not answered “{{ survey }}” yet. It takes only a few minutes, and every answer counts. "
        "If you have answered in the last few minutes, thank you, and please ignore this reminder.\n\n"
        "Answer here: {{ link }}\n\n"
        "The survey closes {{ closes }}.\n\n"
        "{{ privacy }}"),
    values=_values,
    order=62,
))


def queue_survey_mail(invitation_ids, *, reminder: bool, now=None) -> int:
    """Queue the invitation (or a reminder) for each of these invitations in the current transaction.

    Returns how many were queued. The invitations' ``last_mailed_at`` (and
    ``reminders_sent``) change in the same transaction."""
    from django.db.models import F

    from .models import Invitation

    ids = list(invitation_ids)
    if not ids:
        return 0
    now = now or timezone.now()
    rows = (Invitation.objects.filter(pk__in=ids).exclude(email="")
            .values_list("pk", "email", "language", "reminders_sent", "survey__consortium_id",
                         "survey__session_id"))
    queued = []
    for pk, email, language, reminders_sent, consortium_id, session_id in rows:
        if reminder:
            kind, key = REMINDER, f"survey-invitation:{pk}:reminder:{reminders_sent + 1}"
        else:
            kind, key = (EVALUATION if session_id else INVITATION), f"survey-invitation:{pk}:invitation"
        outbox.queue_message(kind, to=email, context={"invitation": pk}, consortium=consortium_id,
                             language=language or "sv", dedupe_key=key)
        queued.append(pk)
    updates = {"last_mailed_at": now}
    if reminder:
        updates["reminders_sent"] = F("reminders_sent") + 1
    Invitation.objects.filter(pk__in=queued).update(**updates)
    return len(queued)
