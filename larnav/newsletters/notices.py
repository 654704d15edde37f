"""The transactional e-mail of subscriptions, through the outbox (larnav.notifications).

Two kinds: the confirmation link of a new subscription (double opt-in) and,
when a confirmed subscriber subscribes again, a reminder that they already
are, with the link to change their subscription. Both are queued in the
transaction that records the request and rendered at send time from the
subscription as it is then: a confirmation for a subscription that was
confirmed or superseded in the meantime is not sent.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from larnav.notifications.kinds import MessageKind, Placeholder, register
from larnav.notifications.outbox import queue_message

from .models import Subscription

CONFIRM = "newsletter_confirm_subscription"
ALREADY = "newsletter_already_subscribed"


def _subscription(message, status):
    context = message.context or {}
    return Subscription.objects.select_related("consortium").filter(
        pk=context.get("subscription"), token=context.get("token", ""), status=status
    ).first()


def _confirm_values(message):
    from .services import CONFIRMATION_DAYS

    subscription = _subscription(message, Subscription.Status.PENDING)
    if subscription is None:
        return None
    return {
        "consortium": str(subscription.consortium),
        "confirm_url": settings.BASE_URL + reverse("newsletters:confirm", args=[subscription.token]),
        "days": str(CONFIRMATION_DAYS),
    }


def _already_values(message):
    subscription = _subscription(message, Subscription.Status.CONFIRMED)
    if subscription is None:
        return None
    return {
        "consortium": str(subscription.consortium),
        "manage_url": settings.BASE_URL + reverse("newsletters:subscription", args=[subscription.token]),
    }


CONSORTIUM = Placeholder("consortium", _("The consortium's name"), "Forum Carpe")

register(MessageKind(
    key=CONFIRM,
    label=_("Newsletter: confirm the subscription"),
    audience=_("Someone who asked for the newsletter"),
    placeholders=(
        CONSORTIUM,
        Placeholder("confirm_url", _("The link that confirms the subscription"),
                    "https://larnav.example.se/nyhetsbrev/prenumerera/bekrafta/…/"),
        Placeholder("days", _("How many days the link is valid"), "7"),
    ),
    subject=_("Confirm your subscription to the newsletter of {{ consortium }}"),
    body=_("Hello,\n\nSomeone, most likely you, asked for the newsletter of {{ consortium }} to be sent to "
           "this address. Confirm it with this link within {{ days }} days:\n\n{{ confirm_url }}\n\n"
           "If you did not ask for it, do nothing: without your confirmation nothing more is sent."),
    values=_confirm_values,
    order=300,
))

register(MessageKind(
    key=ALREADY,
    label=_("Newsletter: already subscribed"),
    audience=_("A subscriber who asked for the newsletter again"),
    placeholders=(
        CONSORTIUM,
        Placeholder("manage_url", _("The link to change or end the subscription"),
                    "https://larnav.example.se/nyhetsbrev/prenumeration/…/"),
    ),
    subject=_("You already subscribe to the newsletter of {{ consortium }}"),
    body=_("Hello,\n\nSomeone, most likely you, asked for the newsletter of {{ consortium }} to be sent to "
           "this address. It already is. To change your interests or to unsubscribe, use this link:\n\n"
           "{{ manage_url }}"),
    values=_already_values,
    order=301,
))


def _queue(kind: str, subscription: Subscription) -> None:
    queue_message(kind, to=subscription.email, consortium=subscription.consortium_id,
                  language=subscription.language,
                  context={"subscription": subscription.pk, "token": subscription.token})


def confirm_subscription(subscription: Subscription) -> None:
    _queue(CONFIRM, subscription)


def already_subscribed(subscription: Subscription) -> None:
    _queue(ALREADY, subscription)
