"""Background jobs for newsletters, run by the worker (``manage.py worker``)."""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _

from larnav.notifications.jobs import background_task

from . import delivery

logger = logging.getLogger(__name__)


@background_task(label=_("Send a newsletter"), max_attempts=1, priority=5)
def send_newsletter(newsletter_id: int) -> dict:
    """Send (more of) one newsletter; hands over to a fresh job after a number of batches."""
    report = delivery.run(newsletter_id)
    if report.more:
        send_newsletter.enqueue(newsletter_id)
    if report.claimed or report.finished:
        logger.info("Newsletter %s: %s", newsletter_id, report.as_dict())
    return report.as_dict()


@background_task(label=_("Start newsletters whose time has come"), max_attempts=1)
def newsletters_due() -> list[int]:
    """The periodic check: start newsletters whose time has come, resume those a worker left unfinished."""
    due = delivery.due_newsletters()
    for newsletter_id in due:
        send_newsletter.enqueue(newsletter_id)
    return due


@background_task(label=_("Send a newsletter's test copies"), max_attempts=3)
def send_test_copies(newsletter_id: int, addresses: list[str], language: str) -> int:
    """Send a draft's test copies to the coordinator who asked."""
    return delivery.send_tests(newsletter_id, addresses, language)
