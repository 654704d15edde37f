"""Every write to newsletters, subscriptions and the list of blocked addresses.

The rules:

* A newsletter is edited only as a draft. Scheduling it (now or at a time)
  only marks it; the sending itself (choosing the recipients, one delivery row
  per address, the batches) happens in the background worker
  (``larnav.newsletters.delivery``), never in a web request.
* Subscribing is double opt-in: a subscription waits (``pending``) until the
  link e-mailed to the address is followed, within ``CONFIRMATION_DAYS``. The
  same answer is given whether or not an address was known, so the form tells
  nobody who subscribes.
* Unsubscribing blocks the address for every newsletter of the consortium
  (a ``Suppression``): it is never sent a newsletter again, including the rest
  of one that is being sent right now. Only the owner of the address lifts
  that, by subscribing again and confirming.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import selectors
from .errors import (
    AlreadyBlocked,
    ExpiredLink,
    InvalidLink,
    NoRecipients,
    NotEditable,
    NotRunning,
    NotScheduled,
)
from .models import Delivery, Newsletter, Subscription, Suppression, new_token

CONFIRMATION_DAYS = 7
# A second confirmation mail to the same address within this time is not sent (no mail bombing by form).
RESEND_PAUSE = timedelta(minutes=2)


# --- Newsletters -----------------------------------------------------------------------------------

def _lock(newsletter_id: int) -> Newsletter:
    return Newsletter.objects.select_for_update().select_related("consortium").get(pk=newsletter_id)


@transaction.atomic
def save_draft(newsletter: Newsletter, *, occupations=(), organisations=(), focus_areas=(), user=None) -> Newsletter:
    if newsletter.pk:
        current = _lock(newsletter.pk)
        if not current.is_editable:
            raise NotEditable
    else:
        newsletter.status = Newsletter.Status.DRAFT
        newsletter.created_by = user if getattr(user, "pk", None) else None
    newsletter.roles = sorted(set(newsletter.roles or ()))
    newsletter.save()
    newsletter.occupations.set(occupations)
    newsletter.organisations.set(organisations)
    newsletter.focus_areas.set(focus_areas)
    return newsletter


@transaction.atomic
def delete_draft(newsletter_id: int) -> None:
    newsletter = _lock(newsletter_id)
    if not newsletter.is_editable:
        raise NotEditable
    newsletter.delete()


@transaction.atomic
def copy_newsletter(newsletter: Newsletter, user) -> Newsletter:
    """A new draft with the same text and recipients (to send again, or to reuse as a start)."""
    copy = Newsletter(
        consortium=newsletter.consortium, subject=newsletter.subject, body=newsletter.body,
        language=newsletter.language, include_staff=newsletter.include_staff, roles=list(newsletter.roles),
        include_subscribers=newsletter.include_subscribers,
    )
    return save_draft(copy, occupations=newsletter.occupations.all(), organisations=newsletter.organisations.all(),
                      focus_areas=newsletter.focus_areas.all(), user=user)


def schedule(newsletter_id: int, user, send_at=None) -> Newsletter:
    """Send the draft now (``send_at`` None or past) or at ``send_at``; the worker does the sending."""
    from .tasks import send_newsletter

    with transaction.atomic():
        newsletter = _lock(newsletter_id)
        if not newsletter.is_editable:
            raise NotEditable
        if selectors.count_segment(selectors.Segment.of(newsletter)).total == 0:
            raise NoRecipients
        now = timezone.now()
        newsletter.send_at = send_at if send_at and send_at > now else now
        newsletter.status = Newsletter.Status.SCHEDULED
        newsletter.scheduled_by = user if getattr(user, "pk", None) else None
        newsletter.save(update_fields=["send_at", "status", "scheduled_by", "updated_at"])
        _enqueue_on_commit(send_newsletter, newsletter.pk, run_after=newsletter.send_at)
    return newsletter


def _enqueue_on_commit(task, *args, run_after=None) -> None:
    from larnav.notifications.jobs import enqueue_on_commit

    if run_after is not None and run_after > timezone.now():
        from django_tasks import default_task_backend

        if default_task_backend.supports_defer:
            task = task.using(run_after=run_after)
        else:
            return  # the worker's periodic check starts it when it is due
    enqueue_on_commit(task, *args)


@transaction.atomic
def unschedule(newsletter_id: int) -> Newsletter:
    """Back to a draft, as long as sending has not started."""
    newsletter = _lock(newsletter_id)
    if newsletter.status != Newsletter.Status.SCHEDULED:
        raise NotScheduled
    newsletter.status = Newsletter.Status.DRAFT
    newsletter.send_at = None
    newsletter.scheduled_by = None
    newsletter.save(update_fields=["status", "send_at", "scheduled_by", "updated_at"])
    return newsletter


@transaction.atomic
def stop(newsletter_id: int) -> int:
    """Stop a scheduled or running newsletter: nobody not yet sent to gets it. Returns how many were spared."""
    newsletter = _lock(newsletter_id)
    if newsletter.status not in (Newsletter.Status.SCHEDULED, Newsletter.Status.SENDING):
        raise NotRunning
    now = timezone.now()
    spared = Delivery.objects.filter(newsletter=newsletter, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.STOPPED, error="", next_attempt_at=None)
    newsletter.status = Newsletter.Status.STOPPED
    newsletter.finished_at = now
    newsletter.save(update_fields=["status", "finished_at", "updated_at"])
    return spared


def send_test(newsletter: Newsletter, addresses: list[str], language: str) -> None:
    """Send test copies to ``addresses`` (the coordinator's own, usually) from the worker."""
    from .tasks import send_test_copies

    _enqueue_on_commit(send_test_copies, newsletter.pk, list(addresses), language)


# --- Subscriptions ---------------------------------------------------------------------------------

def subscribe(consortium, *, email: str, name: str = "", language: str = "sv", municipality=None,
              focus_areas=()) -> None:
    """Ask for the newsletter. Sends a confirmation link (or, if already subscribed, a reminder)."""
    from . import notices

    email = email.strip().lower()
    now = timezone.now()
    with transaction.atomic():
        block = Suppression.objects.filter(consortium=consortium, email=email).first()
        if block is not None and block.reason != Suppression.Reason.UNSUBSCRIBED:
            return  # blocked by a coordinator or refused by the mail server: no mail at all
        subscription = Subscription.objects.select_for_update().filter(consortium=consortium, email=email).first()
        if subscription is not None and subscription.confirmation_sent_at and \
                now - subscription.confirmation_sent_at < RESEND_PAUSE:
            return
        if subscription is not None and subscription.status == Subscription.Status.CONFIRMED:
            subscription.confirmation_sent_at = now
            subscription.save(update_fields=["confirmation_sent_at"])
            notices.already_subscribed(subscription)
            return
        if subscription is None:
            subscription = Subscription(consortium=consortium, email=email)
        subscription.name = name.strip()
        subscription.language = language if language in ("sv", "en") else "sv"
        subscription.municipality = municipality
        subscription.status = Subscription.Status.PENDING
        subscription.token = new_token()
        subscription.confirmation_sent_at = now
        subscription.unsubscribed_at = None
        try:
            with transaction.atomic():
                subscription.save()
        except IntegrityError:  # the same address at the same moment in another request
            return
        subscription.focus_areas.set(focus_areas)
        notices.confirm_subscription(subscription)


def subscription_for_token(token: str) -> Subscription:
    subscription = Subscription.objects.select_related("consortium", "municipality").filter(token=token).first()
    if subscription is None or not token:
        raise InvalidLink
    return subscription


@transaction.atomic
def confirm_subscription(token: str) -> Subscription:
    subscription = subscription_for_token(token)
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.status == Subscription.Status.CONFIRMED:
        return subscription
    if subscription.status != Subscription.Status.PENDING:
        raise InvalidLink
    sent = subscription.confirmation_sent_at or subscription.created_at
    if timezone.now() - sent > timedelta(days=CONFIRMATION_DAYS):
        raise ExpiredLink
    subscription.status = Subscription.Status.CONFIRMED
    subscription.confirmed_at = timezone.now()
    subscription.save(update_fields=["status", "confirmed_at"])
    # The owner of the address asked again and proved it: an earlier unsubscription no longer holds.
    Suppression.objects.filter(consortium_id=subscription.consortium_id, email=subscription.email,
                               reason=Suppression.Reason.UNSUBSCRIBED).delete()
    return subscription


@transaction.atomic
def update_subscription(token: str, *, name: str, language: str, municipality, focus_areas) -> Subscription:
    subscription = subscription_for_token(token)
    if subscription.status != Subscription.Status.CONFIRMED:
        raise InvalidLink
    subscription.name = name.strip()
    subscription.language = language if language in ("sv", "en") else "sv"
    subscription.municipality = municipality
    subscription.save(update_fields=["name", "language", "municipality"])
    subscription.focus_areas.set(focus_areas)
    return subscription


def _block(consortium_id: int, email: str, reason: str, *, newsletter_id=None, note="", user=None) -> Suppression:
    """Block ``email`` and take it out of every newsletter still being sent (one transaction)."""
    email = email.strip().lower()
    suppression, _created = Suppression.objects.get_or_create(
        consortium_id=consortium_id, email=email,
        defaults={"reason": reason, "newsletter_id": newsletter_id, "note": note[:300],
                  "created_by": user if getattr(user, "pk", None) else None},
    )
    Delivery.objects.filter(consortium_id=consortium_id, email=email, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SUPPRESSED, next_attempt_at=None)
    return suppression


def unsubscribe(consortium_id: int, email: str, *, newsletter_id=None) -> None:
    """The owner of ``email`` wants no more newsletters. Safe to repeat."""
    with transaction.atomic():
        _block(consortium_id, email, Suppression.Reason.UNSUBSCRIBED, newsletter_id=newsletter_id)
        Subscription.objects.filter(consortium_id=consortium_id, email=email.strip().lower()).exclude(
            status=Subscription.Status.UNSUBSCRIBED).update(
            status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now())


def delivery_for_token(token: str) -> Delivery:
    delivery = Delivery.objects.select_related("newsletter", "consortium").filter(token=token).first()
    if delivery is None or not token:
        raise InvalidLink
    return delivery


def unsubscribe_by_delivery(token: str) -> Delivery:
    """One-click unsubscribe from a newsletter's link (RFC 8058)."""
    delivery = delivery_for_token(token)
    unsubscribe(delivery.consortium_id, delivery.email, newsletter_id=delivery.newsletter_id)
    return delivery


def unsubscribe_by_subscription(token: str) -> Subscription:
    subscription = subscription_for_token(token)
    unsubscribe(subscription.consortium_id, subscription.email)
    subscription.refresh_from_db()
    return subscription


def block_address(consortium, email: str, *, note: str = "", user=None) -> Suppression:
    with transaction.atomic():
        if Suppression.objects.filter(consortium=consortium, email=email.strip().lower()).exists():
            raise AlreadyBlocked
        return _block(consortium.pk, email, Suppression.Reason.MANUAL, note=note, user=user)


def block_bounced(consortium_id: int, email: str, *, newsletter_id=None, note: str = "") -> None:
    """The recipient's mail server said the address does not exist: stop sending to it."""
    with transaction.atomic():
        _block(consortium_id, email, Suppression.Reason.BOUNCED, newsletter_id=newsletter_id, note=note)


@transaction.atomic
def unblock(suppression: Suppression) -> None:
    suppression.delete()

