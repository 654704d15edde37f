"""Background jobs of the needs inventory, run by ``manage.py worker``."""

from django.utils.translation import gettext_lazy as _

from larnav.notifications.jobs import background_task


@background_task(label=_("Remind municipal contacts whose answers are due"), max_attempts=3)
def send_reminders() -> dict:
    """Remind municipal contacts whose answers are due (hourly; each answer at most once a day)."""
    from . import services

    return {"reminded": services.send_reminders()}
