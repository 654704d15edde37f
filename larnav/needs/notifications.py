"""E-mail about the needs inventory: reminders, invitations, receipts and reopenings.

Every message goes through ``deliver_later``, which writes it to the outbox
(``larnav.notifications.outbox``) in the same transaction as the change that
caused it: a rolled-back change sends nothing, nothing is rendered while the
submission's row lock is held, and a failed send never undoes a change. The
texts are message kinds a coordinator may reword; each message is rendered in
its recipient's language when it is sent, from the database as it is then (a
reminder for an answer submitted in the meantime is not sent at all).
"""

from django.conf import settings
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from larnav.notifications.kinds import MessageKind, Placeholder, register
from larnav.notifications.outbox import queue_message

PLACEHOLDERS = (
    Placeholder("organisation", _("The municipality or district"), "Huddinge"),
    Placeholder("campaign", _("The needs inventory"), "Behovsinventering 2027"),
    Placeholder("deadline", _("The deadline"), "31 januari 2027"),
    Placeholder("need_count", _("Needs entered so far"), "3"),
    Placeholder("url", _("Link to the answers"), "https://larnav.example.se/behovsinventering/svar/1/"),
    Placeholder("consortium", _("The consortium"), "Forum Carpe"),
)


def _submission(message):
    from .models import Submission

    return (Submission.objects.select_related("campaign", "campaign__consortium", "organisation")
            .filter(pk=message.context.get("submission")).first())


def _values(message, *, unless_submitted=False) -> dict[str, str] | None:
    submission = _submission(message)
    if submission is None or (unless_submitted and submission.is_submitted):
        return None
    campaign = submission.campaign
    return {
        "organisation": submission.organisation.name,
        "campaign": campaign.title,
        "deadline": formats.date_format(campaign.deadline, "DATE_FORMAT"),
        "need_count": str(submission.items.count()),
        "url": settings.BASE_URL + reverse("needs:submission", args=[submission.pk]),
        "consortium": campaign.consortium.name,
        "inviter": message.context.get("inviter", ""),
        "reason": message.context.get("reason", ""),
    }


REMINDER = register(MessageKind(
    key="needs_reminder", label=_("Needs inventory: reminder"),
    audience=_("Municipal contacts (CKA) whose answers are not submitted"),
    placeholders=PLACEHOLDERS,
    subject=_("Reminder: {{ campaign }} – the deadline is {{ deadline }}"),
    body=_("Hello,\n\nThe answers of {{ organisation }} to {{ campaign }} are not submitted yet. The deadline is "
           "{{ deadline }}. Needs entered so far: {{ need_count }}.\n\nAdd your needs and submit the answers "
           "here:\n{{ url }}\n\nRegards,\n{{ consortium }}"),
    values=lambda message: _values(message, unless_submitted=True),
    order=400,
))

INVITED = register(MessageKind(
    key="needs_invited", label=_("Needs inventory: a colleague is invited"),
    audience=_("Colleagues a municipal contact invites"),
    placeholders=(*PLACEHOLDERS, Placeholder("inviter", _("Who invited"), "Sofia Eklund")),
    subject=_("You are invited to contribute to {{ campaign }}"),
    body=_("Hello,\n\n{{ inviter }} has invited you to add the needs of your staff to the answers of "
           "{{ organisation }} in {{ campaign }}. The deadline is {{ deadline }}.\n\nSign in to Lärnav (with your "
           "password, or with a sign-in link sent to this address) and open:\n{{ url }}\n\nRegards,\n"
           "{{ consortium }}"),
    values=_values, order=401,
))

SUBMITTED = register(MessageKind(
    key="needs_submitted", label=_("Needs inventory: receipt"),
    audience=_("The municipal contact who submitted"),
    placeholders=PLACEHOLDERS,
    subject=_("Received: {{ campaign }}"),
    body=_("Hello,\n\nThank you! The answers of {{ organisation }} to {{ campaign }} are submitted, with "
           "{{ need_count }} needs.\n\nYou can read them here:\n{{ url }}\n\nRegards,\n{{ consortium }}"),
    values=_values, order=402,
))

REOPENED = register(MessageKind(
    key="needs_reopened", label=_("Needs inventory: answers reopened"),
    audience=_("Municipal contacts (CKA) whose answers the coordinators reopen"),
    placeholders=(*PLACEHOLDERS, Placeholder("reason", _("The coordinators' reason"), "Lägg till HSL-behoven")),
    subject=_("Your answers to {{ campaign }} are open for changes"),
    body=_("Hello,\n\nThe coordinators have reopened the answers of {{ organisation }} to {{ campaign }} for "
           "changes. Their reason:\n\n{{ reason }}\n\nChange the answers and submit them again here:\n{{ url }}\n\n"
           "Regards,\n{{ consortium }}"),
    values=_values, order=403,
))


def deliver_later(kind: MessageKind, users, submission, *, dedupe: str = "", **context) -> None:
    """Queue ``kind`` about ``submission`` to each user, in the current transaction.

    The one place that hands needs-inventory mail to the mail system."""
    for user in users:
        queue_message(kind.key, to=user, context={"submission": submission.pk, **context},
                      consortium=submission.consortium_id,
                      dedupe_key=f"{kind.key}:{submission.pk}:{user.pk}:{dedupe}" if dedupe else None)


def reminder(submission, users, day) -> None:
    deliver_later(REMINDER, users, submission, dedupe=day.isoformat())


def contributor_invited(contributor) -> None:
    inviter = contributor.invited_by.display_name if contributor.invited_by else ""
    deliver_later(INVITED, [contributor.user], contributor.submission, inviter=inviter)


def submitted(submission, users) -> None:
    deliver_later(SUBMITTED, users, submission)


def reopened(submission, users, reason: str) -> None:
    deliver_later(REOPENED, users, submission, reason=reason)
