from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "larnav.needs"
    label = "needs"
    verbose_name = _("Needs inventory")

    def ready(self):
        from . import notifications  # noqa: F401 - registers the message kinds
