from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "larnav.attendance"
    label = "attendance"
    verbose_name = _("Attendance")

    def ready(self):
        from . import receivers  # noqa: F401 - connects the signal receivers
