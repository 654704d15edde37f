"""Import batches: an uploaded file, parsed and previewed, waiting for confirmation.

The file itself is never kept. A batch holds the screened rows (cells that
were refused, such as formulas and personnummer, are not stored), the
preview computed from them, and after confirmation a summary of what was
written. The rows are dropped once the batch is applied or discarded.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from larnav.organisations.models import Consortium


class ImportBatch(models.Model):
    class Kind(models.TextChoices):
        PERSONS = "persons", _("Persons")
        ORGANISATIONS = "organisations", _("Organisations")

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Waiting for confirmation")
        APPLIED = "applied", _("Imported")
        DISCARDED = "discarded", _("Discarded")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="import_batches")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_batches",
        verbose_name=_("uploaded by"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("file format"), max_length=10)
    encoding = models.CharField(_("character encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("separator"), max_length=5, blank=True)
    # field name -> the heading as written in the file, so errors name the column the user sees.
    columns = models.JSONField(default=dict)
    # [{"row": 2, "values": {field: text}, "rejected": {field: code}, "errors": [code]}]
    rows = models.JSONField(default=list)
    # {"counts": {...}, "errors": [[row, field, code, params]], "changes": [...], "errors_total": n, ...}
    preview = models.JSONField(default=dict)
    results = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    applied_at = models.DateTimeField(_("imported"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["uploaded_by", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.file_name}"

    @property
    def counts(self) -> dict:
        return self.preview.get("counts", {})

    @property
    def has_errors(self) -> bool:
        return bool(self.counts.get("error"))

    @property
    def valid_count(self) -> int:
        counts = self.counts
        return counts.get("new", 0) + counts.get("update", 0) + counts.get("unchanged", 0)
