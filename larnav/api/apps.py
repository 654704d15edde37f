from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "larnav.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        from django.db.backends.signals import connection_created

        from .search import register_sqlite_function

        connection_created.connect(register_sqlite_function, dispatch_uid="larnav.api.sqlite_lower")
