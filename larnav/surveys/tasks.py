"""The surveys' periodic job: evaluations after sessions, invitations of rounds that opened, reminders."""

from django.utils.translation import gettext_lazy as _

from larnav.notifications.jobs import background_task


@background_task(label=_("Create and send evaluations"), max_attempts=3)
def survey_jobs() -> dict:
    """Create and send the evaluations of sessions that have just ended; mail what is due."""
    from . import services

    created = services.create_due_evaluations()
    mailed = services.send_due_mail()
    return {"evaluations": len(created), **mailed}
