"""Reads for the annual plan's pages and the reports.

``plan_results(plan, as_of)`` gives every goal of a plan with its indicators'
values and statuses on a date: computed indicators from their metric over 1
January of the plan year up to the as-of date (or 31 December, whichever is
earlier), manual indicators from the latest value entered on or before it.
Each metric is computed once, however many indicators name it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone
from django.utils.formats import number_format

from larnav.statistics.periods import Period

from . import registry
from .models import Goal, Indicator, IndicatorValue, Plan
from .status import Assessment, Status, assess, elapsed_share


def format_number(value: Decimal | None, unit: str = "") -> str:
    """A value as shown: Swedish number format, decimals only when there are any, then the unit."""
    if value is None:
        return "–"
    value = Decimal(value)
    if value == value.to_integral_value():
        text = number_format(int(value), force_grouping=True)
    else:
        places = 1 if value == value.quantize(Decimal("0.1")) else 2
        text = number_format(value, decimal_pos=places, force_grouping=True)
    unit = str(unit or "")
    if not unit:
        return text
    return f"{text}\u00a0{unit}"


def plans_for(consortium):
    return Plan.objects.filter(consortium=consortium).order_by("-year")


def plan_for_year(consortium, year: int) -> Plan | None:
    return Plan.objects.filter(consortium=consortium, year=year).first()


def period_of(plan_year: int, as_of: date) -> tuple[date, date]:
    """The period an indicator is measured over on ``as_of``: 1 January up to as-of, within the year."""
    start, year_end = date(plan_year, 1, 1), date(plan_year, 12, 31)
    return start, min(max(as_of, start), year_end)


@dataclass
class IndicatorResult:
    indicator: Indicator
    value: Decimal | None
    assessment: Assessment
    metric: registry.Metric | None = None
    measured_on: date | None = None  # manual: the date of the value shown
    comment: str = ""
    mask_below: int | None = None  # the statistics' minimum cell, when small person counts are masked

    @property
    def masked(self) -> bool:
        """A small count of persons, hidden from viewers for whom the statistics mask small cells."""
        return bool(self.mask_below and self.metric is not None and self.metric.counts_persons
                    and self.value is not None and 0 < self.value < self.mask_below)

    @property
    def shown_value(self):
        """The value as a cell: the number, or "<5" when it is masked."""
        return f"<{self.mask_below}" if self.masked else self.value

    @property
    def value_display(self) -> str:
        if self.masked:
            return f"<{self.mask_below}\u00a0{self.indicator.unit}".strip()
        return format_number(self.value, self.indicator.unit)

    @property
    def target_display(self) -> str:
        if self.indicator.target is None:
            return "–"
        return f"{self.indicator.get_direction_display()} {format_number(self.indicator.target, self.indicator.unit)}"

    @property
    def expected_display(self) -> str:
        return format_number(self.assessment.expected, self.indicator.unit) if self.assessment.expected is not None else ""

    @property
    def metric_missing(self) -> bool:
        return self.indicator.is_computed and self.metric is None


@dataclass
class GoalResult:
    goal: Goal
    indicators: list[IndicatorResult] = field(default_factory=list)


class _Metrics:
    """Computes each metric once per consortium and period."""

    def __init__(self, consortium):
        self.consortium = consortium
        self._values: dict[tuple[str, date, date], Decimal | None] = {}

    def value(self, found: registry.Metric, start: date, end: date) -> Decimal | None:
        key = (found.key, start, end)
        if key not in self._values:
            self._values[key] = found.value(self.consortium, Period.custom(start, end))
        return self._values[key]


def _latest_values(indicator_ids, year: int, as_of: date) -> dict[int, IndicatorValue]:
    """The latest value entered by hand on or before ``as_of`` in the plan year, per indicator."""
    start, end = period_of(year, as_of)
    if as_of < start:
        return {}
    latest = (IndicatorValue.objects.filter(indicator=OuterRef("pk"), measured_on__gte=start, measured_on__lte=end)
              .order_by("-measured_on", "-created_at", "-pk").values("pk")[:1])
    ids = (Indicator.objects.filter(pk__in=indicator_ids).annotate(latest=Subquery(latest))
           .values_list("latest", flat=True))
    return {v.indicator_id: v for v in IndicatorValue.objects.filter(pk__in=[i for i in ids if i])}


def indicator_result(indicator: Indicator, year: int, as_of: date, *, metrics: _Metrics | None = None,
                     latest: dict[int, IndicatorValue] | None = None, consortium=None,
                     mask_below: int | None = None) -> IndicatorResult:
    start, end = period_of(year, as_of)
    elapsed = elapsed_share(year, as_of)
    if indicator.is_computed:
        found = registry.get_metric(indicator.metric)
        value = None
        if found is not None and as_of >= start:
            metrics = metrics or _Metrics(consortium)
            value = metrics.value(found, start, end)
        cumulative = found.cumulative if found else indicator.cumulative
        assessment = assess(value, indicator.target, indicator.direction, cumulative=cumulative, elapsed=elapsed)
        return IndicatorResult(indicator, value, assessment, metric=found, mask_below=mask_below)
    if latest is None:
        latest = _latest_values([indicator.pk], year, as_of)
    entry = latest.get(indicator.pk)
    value = entry.value if entry else None
    assessment = assess(value, indicator.target, indicator.direction, cumulative=indicator.cumulative,
                        elapsed=elapsed)
    return IndicatorResult(indicator, value, assessment, measured_on=entry.measured_on if entry else None,
                           comment=entry.comment if entry else "")


def plan_results(plan: Plan, as_of: date | None = None, *, mask_below: int | None = None) -> list[GoalResult]:
    """Every goal of ``plan`` with its indicators' values and statuses on ``as_of`` (default today).

    With ``mask_below``, computed counts of persons below it are shown as "<5" (see ``mask_for``).
    """
    as_of = as_of or timezone.localdate()
    goals = list(plan.goals.prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by(
        "sort_order", "pk"))))
    manual_ids = [i.pk for g in goals for i in g.indicators.all() if not i.is_computed]
    latest = _latest_values(manual_ids, plan.year, as_of) if manual_ids else {}
    metrics = _Metrics(plan.consortium)
    return [
        GoalResult(goal, [indicator_result(i, plan.year, as_of, metrics=metrics, latest=latest,
                                           mask_below=mask_below) for i in goal.indicators.all()])
        for goal in goals
    ]


def flat_results(plan: Plan, as_of: date | None = None, *, mask_below: int | None = None
                 ) -> list[tuple[Goal, IndicatorResult]]:
    return [(g.goal, r) for g in plan_results(plan, as_of, mask_below=mask_below) for r in g.indicators]


def mask_for(user, consortium) -> int | None:
    """The minimum cell below which ``user`` sees small counts of persons masked (None: sees them all).

    The same rule as the statistics: who does not see the consortium in detail sees its small counts masked.
    """
    from larnav.statistics.selectors import statistics_scope

    scope = statistics_scope(user, consortium)
    return scope.min_cell if scope.masks_everything else None


def status_counts(results: list[GoalResult]) -> list[tuple[Status, int]]:
    """How many indicators have each status, in the order met, on track, not met, no value, no target."""
    counts = {status: 0 for status in Status}
    for goal in results:
        for result in goal.indicators:
            counts[result.assessment.status] += 1
    return [(status, count) for status, count in counts.items() if count]


def indicator_values(indicator: Indicator):
    return indicator.values.select_related("entered_by").order_by("-measured_on", "-created_at", "-pk")


def as_of_choices(year: int, today: date) -> list[tuple[str, date]]:
    """Dates a plan's status can be shown on: today (in the year), the end of each tertial, the year's end."""
    choices = []
    for key, end in (("t1", date(year, 4, 30)), ("t2", date(year, 8, 31)), ("t3", date(year, 12, 31))):
        choices.append((key, end))
    if date(year, 1, 1) <= today <= date(year, 12, 31):
        choices.insert(0, ("today", today))
    return choices


def breakdown_chart(result: IndicatorResult, year: int, as_of: date, consortium, viewer):
    """The chart (with its table) of a computed indicator's breakdown, masked for ``viewer``; or None."""
    from larnav.core.charts import bar_chart

    if result.metric is None or result.metric.breakdown is None or as_of < date(year, 1, 1):
        return None
    start, end = period_of(year, as_of)
    breakdown = result.metric.breakdown(consortium, Period.custom(start, end), viewer=viewer)
    return bar_chart(f"{result.metric.label}: {breakdown.category_heading.lower()}",
                     categories=[label for label, _value in breakdown.rows],
                     series=[(breakdown.value_heading, [v for _label, v in breakdown.rows])])
