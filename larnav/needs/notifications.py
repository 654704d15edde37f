"""E-mail about the needs inventory: reminders, invitations, receipts and reopenings.

Every message goes through ``deliver_later``: nothing is rendered or sent
before the change that caused it is committed, a rolled-back change sends
nothing, and a failed send never undoes a change. Each message is rendered in
its recipient's language.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

logger = logging.getLogger(__name__)


def _send(template: str, email: str, language: str, context: dict) -> None:
    with translation.override(language or "sv"):
        subject = " ".join(render_to_string(f"needs/email/{template}_subject.txt", context).split())
        body = render_to_string(f"needs/email/{template}.txt", context)
    send_mail(subject, body, None, [email], fail_silently=False)


def deliver_later(template: str, recipients: list[tuple[str, str]], context: Callable[[], dict]) -> None:
    """Send ``template`` to each (e-mail, language) once the current transaction commits.

    The one place that hands needs-inventory mail to the mail system."""
    recipients = [(email, language) for email, language in recipients if email]
    if not recipients:
        return

    def deliver():
        values = context()
        for email, language in recipients:
            _send(template, email, language, {**values, "recipient_email": email})

    transaction.on_commit(deliver)


def _submission_context(submission_id: int) -> Callable[[], dict]:
    def build() -> dict:
        from .models import Submission

        submission = Submission.objects.select_related("campaign", "organisation", "campaign__consortium",
                                                       "submitted_by").get(pk=submission_id)
        return {
            "submission": submission,
            "campaign": submission.campaign,
            "consortium": submission.campaign.consortium,
            "url": settings.BASE_URL + reverse("needs:submission", args=[submission.pk]),
            "item_count": submission.items.count(),
        }

    return build


def _recipients(users) -> list[tuple[str, str]]:
    return [(u.email, u.language) for u in users if u.email]


def reminder(submission, users) -> None:
    deliver_later("reminder", _recipients(users), _submission_context(submission.pk))


def contributor_invited(contributor) -> None:
    build = _submission_context(contributor.submission_id)
    inviter = contributor.invited_by

    def context():
        return {**build(), "inviter": inviter}

    deliver_later("invited", _recipients([contributor.user]), context)


def submitted(submission, users) -> None:
    deliver_later("submitted", _recipients(users), _submission_context(submission.pk))


def reopened(submission, users, reason: str) -> None:
    build = _submission_context(submission.pk)

    def context():
        return {**build(), "reason": reason}

    deliver_later("reopened", _recipients(users), context)
