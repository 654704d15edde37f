"""Attendance (närvaro) per occasion, and the rule that turns it into completion.

* ``AttendanceRecord`` – whether one registration attended one occasion of its
  session: attended, partly, absent or excused. Marked by a trainer of the
  session or a coordinator on the occasion's list, or by the participant
  through the occasion's QR check-in.
* ``CompletionRule`` – what share of the occasions a participant must attend
  for the activity to count as completed. An activity without a rule uses
  the default: every occasion.

How completion is decided (``larnav.attendance.services.evaluate_session``):

* Only occasions that are *applicable* to a registration count. An occasion
  that had ended before the registration got its seat (the first time it was
  confirmed; else ``queued_at``; else ``created_at``) is not applicable: a late
  registration is never counted absent from what happened before it. If such
  a participant is nevertheless marked attended or partly, the occasion counts
  (it can only raise their share).
* Each applicable occasion scores attended = 1, partly = 0.5, absent = 0,
  excused = 0, not marked = 0. An excused absence does **not** shrink the
  denominator: the certificate states that the participant took part in the
  activity and credits its hours, which an absence does not earn, excused or
  not. (Excused matters for fees and statistics, not for completion.)
* The share is score / applicable occasions; the registration is completed
  when the share reaches the rule's percentage (100 % for "every occasion"),
  and is otherwise a no-show.
* A session is decided only when its last occasion has ended and attendance
  has been taken on every occasion (at least one record exists for it). A
  correction re-decides it; deciding is idempotent.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from larnav.organisations.models import Consortium


class AttendanceStatus(models.TextChoices):
    ATTENDED = "attended", _("Attended")
    PARTLY = "partly", _("Partly")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


# Half points, so that the share is computed in integers: attended 2/2, partly 1/2.
HALF_POINTS = {
    AttendanceStatus.ATTENDED: 2,
    AttendanceStatus.PARTLY: 1,
    AttendanceStatus.ABSENT: 0,
    AttendanceStatus.EXCUSED: 0,
}
PRESENT_STATUSES = (AttendanceStatus.ATTENDED, AttendanceStatus.PARTLY)


class AttendanceRecord(models.Model):
    class Method(models.TextChoices):
        LIST = "list", _("Attendance list")
        CHECK_IN = "check_in", _("Self check-in")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    registration = models.ForeignKey("registrations.Registration", on_delete=models.CASCADE,
                                     related_name="attendance_records", verbose_name=_("registration"))
    occasion = models.ForeignKey("catalog.Occasion", on_delete=models.CASCADE, related_name="attendance_records",
                                 verbose_name=_("occasion"))
    status = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus.choices)
    method = models.CharField(_("marked through"), max_length=10, choices=Method.choices, default=Method.LIST)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("marked by"))
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        ordering = ["occasion", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "occasion"], name="attendance_one_per_occasion"),
        ]
        indexes = [
            models.Index(fields=["occasion", "status"], name="attendance_occasion_idx"),
            models.Index(fields=["consortium", "status"], name="attendance_stats_idx"),
        ]

    def __str__(self):
        return f"{self.registration_id} @ {self.occasion_id}: {self.status}"


class CompletionRule(models.Model):
    class Kind(models.TextChoices):
        ALL_OCCASIONS = "all_occasions", _("Every occasion")
        SHARE = "share", _("A share of the occasions")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    activity = models.OneToOneField("catalog.Activity", on_delete=models.CASCADE, related_name="completion_rule",
                                    verbose_name=_("activity"))
    kind = models.CharField(_("the participant must attend"), max_length=20, choices=Kind.choices,
                            default=Kind.ALL_OCCASIONS)
    share_percent = models.PositiveSmallIntegerField(
        _("share of the occasions (%)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Attended counts as a whole occasion, partly as half, absent and excused as none."),
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("completion rule")
        verbose_name_plural = _("completion rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="all_occasions") | Q(share_percent__gte=1, share_percent__lte=100),
                name="completion_rule_share_in_range",
                violation_error_message=_("Give a share between 1 and 100 per cent."),
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.SHARE:
            return _("At least %(percent)s %% of the occasions") % {"percent": self.share_percent}
        return str(self.Kind.ALL_OCCASIONS.label)

    @property
    def required_percent(self) -> int:
        return self.share_percent if self.kind == self.Kind.SHARE and self.share_percent else 100

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.SHARE and not self.share_percent:
            raise ValidationError({"share_percent": _("Give the share of the occasions that must be attended.")})
        if self.kind == self.Kind.ALL_OCCASIONS:
            self.share_percent = None


def rule_for(activity) -> CompletionRule:
    """The activity's rule, or an unsaved default (every occasion)."""
    try:
        return activity.completion_rule
    except CompletionRule.DoesNotExist:
        return CompletionRule(activity=activity, consortium_id=activity.consortium_id,
                              kind=CompletionRule.Kind.ALL_OCCASIONS)
