"""Background jobs of the needs inventory, run by ``manage.py worker``."""

from larnav.notifications.jobs import background_task


@background_task(max_attempts=3)
def send_reminders() -> dict:
    """Remind municipal contacts whose answers are due (hourly; each answer at most once a day)."""
    from . import services

    return {"reminded": services.send_reminders()}
