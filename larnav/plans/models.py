"""The annual plan (verksamhetsplan): goals, their indicators and targets.

* ``Plan`` – one per consortium and year.
* ``Goal`` – a goal of the plan (mål), with its expected result (förväntat
  resultat) and how it is followed up (uppföljning).
* ``Indicator`` – how a goal is measured: either *computed* from the data by
  a metric of the registry (``larnav.plans.metrics``), or *manual*, entered
  by hand as ``IndicatorValue`` rows. It has a target with a direction (at
  least / at most) and a unit; ``cumulative`` says whether the figure only
  grows during the year (a count) or can move either way (a level), which
  the status rule needs (``larnav.plans.status``).
* ``IndicatorValue`` – a value entered by hand: the value on a date, with a
  comment. The latest entry on or before the as-of date is the indicator's
  value.

Writes go through ``larnav.plans.services``.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from larnav.core.validators import reject_personnummer
from larnav.organisations.models import Consortium

from .status import Direction

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_VALUE = Decimal("999999999.99")


class Plan(models.Model):
    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="plans")
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)])
    title = models.CharField(_("title"), max_length=200, validators=[reject_personnummer])
    introduction = models.TextField(_("introduction"), blank=True, validators=[reject_personnummer],
                                    help_text=_("The plan's purpose and direction, in a few paragraphs."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("annual plan")
        verbose_name_plural = _("annual plans")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["consortium", "year"], name="plan_one_per_year",
                                    violation_error_message=_("There is already a plan for this year.")),
        ]

    def __str__(self):
        return self.title


class Goal(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("goal"), max_length=300, validators=[reject_personnummer])
    expected_result = models.TextField(_("expected result"), blank=True, validators=[reject_personnummer])
    follow_up = models.TextField(_("follow-up"), blank=True, validators=[reject_personnummer],
                                 help_text=_("How the goal is followed up: statistics, surveys, meetings."))
    sort_order = models.PositiveIntegerField(_("sort order"), default=100)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.title


class Indicator(models.Model):
    class Kind(models.TextChoices):
        COMPUTED = "computed", _("Computed from the data")
        MANUAL = "manual", _("Entered by hand")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=300, validators=[reject_personnummer])
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COMPUTED)
    metric = models.CharField(_("measure"), max_length=60, blank=True,
                              help_text=_("What the value is computed from (computed indicators only)."))
    target = models.DecimalField(
        _("target"), max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(-MAX_VALUE), MaxValueValidator(MAX_VALUE)],
        help_text=_("Leave empty to follow the value up without a target."))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices,
                                 default=Direction.AT_LEAST)
    unit = models.CharField(_("unit"), max_length=30, blank=True, validators=[reject_personnummer],
                            help_text=_('For example "%", "participants" or "points".'))
    cumulative = models.BooleanField(
        _("the value grows during the year"), default=False,
        help_text=_("Tick for a count (it is compared with the pace of the year); leave empty for a share or "
                    "an average, which can move either way."))
    sort_order = models.PositiveIntegerField(_("sort order"), default=100)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="manual", metric="") | Q(kind="computed") & ~Q(metric=""),
                name="indicator_metric_iff_computed"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_computed(self) -> bool:
        return self.kind == self.Kind.COMPUTED


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2,
                                validators=[MinValueValidator(-MAX_VALUE), MaxValueValidator(MAX_VALUE)])
    measured_on = models.DateField(_("date"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000, validators=[reject_personnummer])
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["-measured_on", "-created_at", "-pk"]
        indexes = [models.Index(fields=["indicator", "measured_on"], name="indicator_value_date_idx")]

    def __str__(self):
        return f"{self.indicator}: {self.value} ({self.measured_on})"
