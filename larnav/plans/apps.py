from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "larnav.plans"
    label = "plans"
    verbose_name = _("Annual plan")

    def ready(self):
        from . import metrics  # noqa: F401 - registers the metrics computed indicators name
