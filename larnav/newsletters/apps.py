from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewslettersConfig(AppConfig):
    name = "larnav.newsletters"
    label = "newsletters"
    verbose_name = _("Newsletters")

    def ready(self):
        from larnav.notifications.schedule import register_periodic

        from . import notices  # noqa: F401 - registers the subscription messages with the outbox

        # Starts newsletters whose time has come and resumes any a stopped worker left unfinished.
        register_periodic("newsletters_due", "larnav.newsletters.tasks.newsletters_due", timedelta(minutes=1))
