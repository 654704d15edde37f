"""Background jobs of the reports (see ``larnav.notifications.jobs``)."""

from django.utils.translation import gettext_lazy as _

from larnav.notifications.jobs import background_task

from . import services


@background_task(label=_("Build a report"), max_attempts=1)
def build_report(job_id: int) -> bool:
    """Build one requested report. A failure is recorded on the job itself, where its requester sees it."""
    return services.run_job(job_id)


@background_task(label=_("Tidy up report jobs"), max_attempts=1)
def sweep_reports() -> dict:
    """Every ten minutes: enqueue lost jobs again, fail interrupted ones, delete expired ones."""
    return services.sweep()
