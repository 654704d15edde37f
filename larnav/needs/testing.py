"""Builders for needs-inventory tests: a campaign open today with the consortium's themes."""

from contextlib import contextmanager
from datetime import timedelta
from email.utils import parseaddr

from django.utils import timezone

from larnav.catalog.testing import make_focus_area

from . import services
from .models import Campaign, NeedItem, Submission


def make_campaign(consortium, *, title="Behovsinventering 2027", year=2027, opens_in=-5, deadline_in=20,
                  reminder_days=7, user=None) -> Campaign:
    today = timezone.localdate()
    campaign = Campaign(consortium=consortium, title=title, year=year, opens=today + timedelta(days=opens_in),
                        deadline=today + timedelta(days=deadline_in), reminder_days=reminder_days)
    if campaign.deadline < today:
        # The service refuses a new campaign whose deadline has passed: create it open, then move it.
        deadline = campaign.deadline
        campaign.deadline = today
        services.save_campaign(campaign, user=user)
        Campaign.objects.filter(pk=campaign.pk).update(deadline=deadline)
        campaign.refresh_from_db()
        return campaign
    return services.save_campaign(campaign, user=user)


def submission_of(campaign, organisation) -> Submission:
    return Submission.objects.get(campaign=campaign, organisation=organisation)


def make_item(submission, user, *, theme=None, title=None, staff=10, priority=1, occupations=(), **fields) -> NeedItem:
    theme = theme or make_focus_area(submission.campaign.consortium)
    item = NeedItem(title=title or f"Behov {NeedItem.objects.count() + 1}", theme=theme, estimated_staff=staff,
                    priority=priority, **fields)
    return services.save_item(submission.pk, item, target_occupations=list(occupations), user=user)


def address(message) -> str:
    """The one recipient's bare e-mail address of a sent message ("Name <a@b.se>" -> "a@b.se")."""
    (recipient,) = message.to
    return parseaddr(recipient)[1]


@contextmanager
def delivered():
    """Hand the mail queued inside the block to the mail backend at its end, as the worker would after
    the commit (a test's transaction never commits)."""
    from larnav.notifications.outbox import deliver_due

    yield
    deliver_due()
