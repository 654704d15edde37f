from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "larnav.needs"
    label = "needs"
    verbose_name = _("Needs inventory")

    def ready(self):
        from datetime import timedelta

        from larnav.notifications.schedule import register_periodic

        from . import notifications  # noqa: F401 - registers the message kinds

        # Hourly, so a worker that was down catches up the same day; the service reminds once a day.
        register_periodic("needs_reminders", "larnav.needs.tasks.send_reminders", timedelta(hours=1))
