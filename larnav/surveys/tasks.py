"""The surveys' periodic job: evaluations after sessions, invitations of rounds that opened, reminders."""

from larnav.notifications.jobs import background_task


@background_task(max_attempts=3)
def survey_jobs() -> dict:
    """Create and send the evaluations of sessions that have just ended; mail what is due."""
    from . import services

    created = services.create_due_evaluations()
    mailed = services.send_due_mail()
    return {"evaluations": len(created), **mailed}
