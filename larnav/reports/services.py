"""Requesting reports and building them in the background.

``request_report`` checks that the user may have the report, records a
``ReportJob`` and enqueues ``larnav.reports.tasks.build_report`` when the
transaction commits. ``run_job`` builds it: it claims the job with one
conditional UPDATE (so a job enqueued twice is built once), assembles the
report (``larnav.reports.builders``), writing its progress as it goes, and
renders the PDF and the XLSX. A failure marks the job failed with a message
the requester can read (who may build it again); the traceback goes to the
log.

Who may have which report:

* the tertial and the year-end report of the consortium: anyone who may see
  the consortium's statistics (``VIEW_STATISTICS``), with small cells masked;
* the report of a municipality or city district: who may see that
  organisation's detailed statistics (``VIEW_DETAILED_STATISTICS`` there:
  its CKA and steering-group member, the coordinators), always masked, since
  it is meant to be passed on;
* without masking (for the coordination team's own use): ``MANAGE_REPORTS``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from larnav.accounts.permissions import Action, can
from larnav.notifications.jobs import enqueue_on_commit
from larnav.organisations.models import Organisation

from .models import ReportJob

logger = logging.getLogger(__name__)

REPORT_ORGANISATION_TYPES = (Organisation.Type.KOMMUN, Organisation.Type.STADSDEL)
# A job still running after this long lost its worker: it is marked failed and may be requested again.
STALE_RUNNING = timedelta(hours=1)
# A job still waiting after this long is enqueued again (its first enqueue may have been lost).
STALE_QUEUED = timedelta(minutes=10)
TERTIAL_START_MONTH = {1: 1, 2: 5, 3: 9}


@dataclass(frozen=True)
class ReportRequest:
    kind: str
    year: int
    tertial: int | None = None  # tertial report: 1–3; municipality report: 1–3 or None for the year
    organisation: Organisation | None = None
    masked: bool = True


def _period_started(year: int, tertial: int | None, today: date) -> bool:
    return date(year, TERTIAL_START_MONTH[tertial or 1], 1) <= today


def title_for(kind: str, year: int, tertial: int | None, organisation: Organisation | None) -> str:
    if kind == ReportJob.Kind.TERTIAL:
        return _("Tertial report T%(tertial)s %(year)s") % {"tertial": tertial, "year": year}
    if kind == ReportJob.Kind.YEAR_END:
        return _("Year-end report %(year)s") % {"year": year}
    period = f"T{tertial} {year}" if tertial else str(year)
    return _("Report for %(organisation)s, %(period)s") % {"organisation": organisation.name, "period": period}


def check_request(user, consortium, request: ReportRequest, *, today: date | None = None) -> None:
    """Raise PermissionDenied or ValidationError unless ``user`` may have the report asked for."""
    today = today or timezone.localdate()
    if request.kind not in ReportJob.Kind.values:
        raise ValidationError({"kind": _("Choose a report.")})
    if not can(user, Action.VIEW_STATISTICS):
        raise PermissionDenied
    if not request.masked and not can(user, Action.MANAGE_REPORTS):
        raise PermissionDenied
    errors = {}
    if request.kind == ReportJob.Kind.TERTIAL and request.tertial not in (1, 2, 3):
        errors["tertial"] = _("Choose a tertial.")
    if request.kind == ReportJob.Kind.YEAR_END and request.tertial is not None:
        errors["tertial"] = _("The year-end report covers the whole year: choose no tertial.")
    if request.kind == ReportJob.Kind.MUNICIPALITY:
        org = request.organisation
        if org is None:
            errors["organisation"] = _("Choose a municipality or city district.")
        elif org.consortium_id != consortium.pk or org.type not in REPORT_ORGANISATION_TYPES:
            errors["organisation"] = _("Choose a municipality or city district of the consortium.")
        elif not can(user, Action.VIEW_DETAILED_STATISTICS, org):
            raise PermissionDenied
        if not request.masked:
            errors["masked"] = _("A municipality's report is meant to be passed on: small numbers are always "
                                 "masked in it.")
    if request.tertial is not None and request.tertial not in (1, 2, 3):
        errors["tertial"] = _("Choose a tertial.")
    if "tertial" not in errors and not _period_started(request.year, request.tertial, today):
        errors["year"] = _("The period has not started yet.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def request_report(user, consortium, request: ReportRequest, *, today: date | None = None) -> ReportJob:
    from .tasks import build_report

    check_request(user, consortium, request, today=today)
    parameters = {"year": request.year, "tertial": request.tertial, "masked": request.masked}
    job = ReportJob.objects.create(
        consortium=consortium, requested_by=user, kind=request.kind, parameters=parameters,
        organisation=request.organisation if request.kind == ReportJob.Kind.MUNICIPALITY else None,
        title=title_for(request.kind, request.year, request.tertial, request.organisation),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    enqueue_on_commit(build_report, job.pk)
    return job


@transaction.atomic
def retry_job(job: ReportJob) -> ReportJob:
    """Queue a failed job again."""
    from .tasks import build_report

    if job.status != ReportJob.Status.FAILED:
        raise ValidationError(_("Only a report that failed can be built again."))
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.QUEUED, progress=0, step="", error="",
                                               started_at=None, finished_at=None)
    enqueue_on_commit(build_report, job.pk)
    job.refresh_from_db()
    return job


def delete_job(job: ReportJob) -> None:
    job.delete()


class _Progress:
    """Writes a job's progress (0–100) and current step; each write commits at once."""

    def __init__(self, job_id: int, low: int = 2, high: int = 90):
        self.job_id, self.low, self.high = job_id, low, high

    def __call__(self, done: int, total: int, step: str = "") -> None:
        share = done / total if total else 1
        percent = int(self.low + (self.high - self.low) * share)
        ReportJob.objects.filter(pk=self.job_id).update(progress=percent, step=str(step)[:200])


def run_job(job_id: int) -> bool:
    """Build the report of job ``job_id`` if it is waiting; True if this call built it.

    A job that is not waiting (already built, being built by another worker,
    failed, or deleted) is left alone.
    """
    from . import builders
    from .pdf import render_pdf
    from .xlsx import render_xlsx

    claimed = ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.QUEUED).update(
        status=ReportJob.Status.RUNNING, started_at=timezone.now(), progress=1, step="", error="")
    if not claimed:
        return False
    job = ReportJob.objects.select_related("consortium", "organisation", "requested_by").get(pk=job_id)
    try:
        with translation.override(job.language):
            progress = _Progress(job.pk)
            report = builders.build(job, progress=progress)
            ReportJob.objects.filter(pk=job.pk).update(progress=92, step=_("Drawing the PDF"))
            pdf = render_pdf(report)
            ReportJob.objects.filter(pk=job.pk).update(progress=97, step=_("Writing the workbook"))
            xlsx = render_xlsx(report)
    except Exception:
        logger.exception("Report job %s failed", job_id)
        with translation.override(job.language):
            message = _("The report could not be built. Try again; if it fails again, tell the coordinators "
                        "(the error is logged).")
        ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.FAILED, error=message,
                                                   finished_at=timezone.now(), step="")
        return False
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.DONE, progress=100, step="", pdf=pdf,
                                               xlsx=xlsx, finished_at=timezone.now())
    return True


def sweep(now=None) -> dict[str, int]:
    """Housekeeping: enqueue jobs that waited too long again, fail jobs whose worker died, delete old jobs."""
    from .tasks import build_report

    now = now or timezone.now()
    lost = ReportJob.objects.filter(status=ReportJob.Status.RUNNING, started_at__lt=now - STALE_RUNNING)
    interrupted = lost.update(
        status=ReportJob.Status.FAILED, finished_at=now, step="",
        error=_("Building the report was interrupted. Build it again."))
    waiting = list(ReportJob.objects.filter(status=ReportJob.Status.QUEUED, created_at__lt=now - STALE_QUEUED)
                   .values_list("pk", flat=True))
    for pk in waiting:
        enqueue_on_commit(build_report, pk)
    expired, _details = ReportJob.objects.filter(
        created_at__lt=now - timedelta(days=settings.LARNAV_REPORT_RETENTION_DAYS)).delete()
    return {"interrupted": interrupted, "requeued": len(waiting), "deleted": expired}
