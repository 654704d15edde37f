"""Reports built in the background: the tertial report, the year-end report (bokslut) and the report per
municipality, each as a PDF with charts and as an XLSX workbook.

A ``ReportJob`` is one request for a report: who asked, which report with
which parameters, and how far building it has come (``status`` and
``progress``). The built files are kept in the database (``pdf``, ``xlsx``),
so that any web process can serve what any worker built, without a shared
file system; they are deleted with the job after the retention period
(``LARNAV_REPORT_RETENTION_DAYS``).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from larnav.organisations.models import Consortium, Organisation


class ReportJob(models.Model):
    class Kind(models.TextChoices):
        TERTIAL = "tertial", _("Tertial report")
        YEAR_END = "year_end", _("Year-end report")
        MUNICIPALITY = "municipality", _("Report for a municipality")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be built")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_jobs",
                                     verbose_name=_("requested by"))
    kind = models.CharField(_("report"), max_length=20, choices=Kind.choices)
    # {"year": 2026, "tertial": 1, "masked": true}; a municipality report also names "organisation".
    parameters = models.JSONField(_("parameters"), default=dict)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="+", verbose_name=_("municipality or district"))
    title = models.CharField(_("title"), max_length=300)
    language = models.CharField(max_length=8, default="sv")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=[MaxValueValidator(100)])
    step = models.CharField(_("step"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    xlsx = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="report_job_queue_idx"),
            models.Index(fields=["consortium", "requested_by", "-created_at"], name="report_job_owner_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_job_progress_max_100"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def masked(self) -> bool:
        return bool(self.parameters.get("masked", True))
