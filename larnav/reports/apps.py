from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "larnav.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from larnav.notifications.schedule import register_periodic

        register_periodic("reports.sweep", "larnav.reports.tasks.sweep_reports", timedelta(minutes=10))
