"""Writes to the annual plan. Every write is transactional and the rules live here.

A rule broken raises ``django.core.exceptions.ValidationError`` with messages
keyed by field name.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import registry
from .models import Goal, Indicator, IndicatorValue, Plan


def _tidy(text: str) -> str:
    return " ".join((text or "").split())


def _clean(instance, exclude=()):
    instance.full_clean(exclude=list(exclude), validate_constraints=False)


@transaction.atomic
def save_plan(plan: Plan, *, user=None) -> Plan:
    plan.title = _tidy(plan.title) or _("Annual plan %(year)s") % {"year": plan.year}
    _clean(plan, exclude=["consortium"])
    if plan.pk is not None:
        old_year = Plan.objects.filter(pk=plan.pk).values_list("year", flat=True).first()
        if old_year is not None and old_year != plan.year and IndicatorValue.objects.filter(
                indicator__goal__plan=plan).exists():
            raise ValidationError({"year": _(
                "The plan has values entered for %(year)s, so its year cannot change. Copy the plan to the new "
                "year instead.") % {"year": old_year}})
    clash = Plan.objects.filter(consortium_id=plan.consortium_id, year=plan.year).exclude(pk=plan.pk)
    if clash.exists():
        raise ValidationError({"year": _("There is already a plan for %(year)s.") % {"year": plan.year}})
    if plan.pk is None and user is not None and user.is_authenticated:
        plan.created_by = user
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:  # a plan for the year was saved at the same moment
        raise ValidationError({"year": _("There is already a plan for %(year)s.") % {"year": plan.year}}) from exc
    return plan


@transaction.atomic
def delete_plan(plan: Plan) -> None:
    plan.delete()


@transaction.atomic
def copy_plan(plan: Plan, year: int, *, user=None) -> Plan:
    """A new plan for ``year`` with the goals and indicators of ``plan`` (and none of its values)."""
    copy = Plan(consortium_id=plan.consortium_id, year=year, introduction=plan.introduction,
                title=plan.title.replace(str(plan.year), str(year)) if str(plan.year) in plan.title else "")
    save_plan(copy, user=user)
    for goal in plan.goals.prefetch_related("indicators"):
        indicators = list(goal.indicators.all())
        goal.pk, goal.plan = None, copy
        goal.save()
        for indicator in indicators:
            indicator.pk, indicator.goal = None, goal
            indicator.save()
    return copy


@transaction.atomic
def save_goal(goal: Goal) -> Goal:
    goal.title = _tidy(goal.title)
    _clean(goal, exclude=["plan"])
    goal.save()
    return goal


@transaction.atomic
def delete_goal(goal: Goal) -> None:
    goal.delete()


@transaction.atomic
def save_indicator(indicator: Indicator) -> Indicator:
    """Save an indicator. A computed one takes its unit and kind of figure from its metric."""
    indicator.name = _tidy(indicator.name)
    indicator.unit = _tidy(indicator.unit)
    if indicator.kind == Indicator.Kind.COMPUTED:
        found = registry.get_metric(indicator.metric)
        if found is None:
            raise ValidationError({"metric": _("Choose what the value is computed from.")})
        indicator.unit = str(found.unit)
        indicator.cumulative = found.cumulative
    else:
        indicator.metric = ""
    _clean(indicator, exclude=["goal"])
    indicator.save()
    return indicator


@transaction.atomic
def delete_indicator(indicator: Indicator) -> None:
    indicator.delete()


def _plan_year(indicator: Indicator) -> int:
    return Plan.objects.filter(goals__indicators=indicator).values_list("year", flat=True).get()


@transaction.atomic
def add_value(indicator: Indicator, *, value, measured_on: date, comment: str = "", user=None,
              today: date | None = None) -> IndicatorValue:
    """Record a value entered by hand for a manual indicator."""
    if indicator.kind != Indicator.Kind.MANUAL:
        raise ValidationError(_("The value of a computed indicator comes from the data; it cannot be entered."))
    year = _plan_year(indicator)
    today = today or timezone.localdate()
    errors = {}
    if measured_on.year != year:
        errors["measured_on"] = _("The date must be in the plan's year, %(year)s.") % {"year": year}
    elif measured_on > today:
        errors["measured_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    entry = IndicatorValue(indicator=indicator, value=value, measured_on=measured_on, comment=comment.strip(),
                           entered_by=user if user is not None and user.is_authenticated else None)
    _clean(entry, exclude=["indicator"])
    entry.save()
    return entry


@transaction.atomic
def delete_value(entry: IndicatorValue) -> None:
    entry.delete()
