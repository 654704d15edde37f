from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "larnav.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self):
        from larnav.notifications import services as notification_services
        from larnav.notifications.schedule import register_periodic

        from . import notifications  # noqa: F401 – registers the survey message kinds

        # Session evaluations are ours (with the personal survey link): the generic invitation stands down.
        notification_services.evaluations_sent_by = self.name
        # Evaluations go out within half an hour of a session's last occasion.
        register_periodic("survey_jobs", "larnav.surveys.tasks.survey_jobs", timedelta(minutes=30))
