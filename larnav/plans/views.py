from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from larnav.accounts.permissions import Action, can
from larnav.core.permissions import require

from . import registry, selectors, services
from .forms import AsOfForm, CopyPlanForm, GoalForm, IndicatorForm, PlanForm, ValueForm
from .models import Goal, Indicator, IndicatorValue, Plan


def _apply_errors(exc: ValidationError, form) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for name, field_messages in errors.items():
        form.add_error(name if name in form.fields else None, field_messages)


def _can_manage(request) -> bool:
    return can(request.user, Action.MANAGE_PLANS)


def _require_manage(request):
    if not _can_manage(request):
        raise PermissionDenied


def _plan(request, pk) -> Plan:
    return get_object_or_404(Plan, consortium=request.consortium, pk=pk)


def _goal(request, pk) -> Goal:
    return get_object_or_404(Goal.objects.select_related("plan"), plan__consortium=request.consortium, pk=pk)


def _indicator(request, pk) -> Indicator:
    return get_object_or_404(Indicator.objects.select_related("goal__plan"),
                             goal__plan__consortium=request.consortium, pk=pk)


def _as_of(request, plan: Plan):
    today = timezone.localdate()
    options = selectors.as_of_choices(plan.year, today)
    labels = {"today": _("Today"), "t1": _("End of tertial 1"), "t2": _("End of tertial 2"),
              "t3": _("End of the year")}
    choices = [(key, f"{labels[key]} ({formats.date_format(day, 'SHORT_DATE_FORMAT')})") for key, day in options]
    form = AsOfForm(request.GET or None, choices=choices)
    chosen = form.cleaned_data["per"] if form.is_valid() and form.cleaned_data["per"] else None
    dates = dict(options)
    if chosen is None:
        # Today while the year runs; else the end of the year (a past plan) or of its first tertial (a future one).
        chosen = "today" if "today" in dates else ("t3" if today.year > plan.year else "t1")
        form = AsOfForm(initial={"per": chosen}, choices=choices)
    return form, dates[chosen]


@require(Action.VIEW_STATISTICS)
def plan_list(request):
    plans = (selectors.plans_for(request.consortium)
             .annotate(goal_count=Count("goals", distinct=True), indicator_count=Count("goals__indicators")))
    return render(request, "plans/plan_list.html", {"plans": plans, "can_manage": _can_manage(request)})


@require(Action.MANAGE_PLANS)
def plan_edit(request, pk=None):
    plan = _plan(request, pk) if pk is not None else None
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        form.instance.consortium = request.consortium
        try:
            saved = services.save_plan(form.instance, user=request.user)
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("The plan is saved."))
            return redirect("plans:detail", pk=saved.pk)
    return render(request, "plans/plan_form.html", {"form": form, "plan": plan})


@require(Action.VIEW_STATISTICS)
def plan_detail(request, pk):
    plan = _plan(request, pk)
    as_of_form, as_of = _as_of(request, plan)
    results = selectors.plan_results(plan, as_of, mask_below=selectors.mask_for(request.user, request.consortium))
    return render(request, "plans/plan_detail.html", {
        "plan": plan, "results": results, "as_of": as_of, "as_of_form": as_of_form,
        "counts": selectors.status_counts(results), "can_manage": _can_manage(request),
        "copy_form": CopyPlanForm(initial={"year": plan.year + 1}),
    })


@require(Action.MANAGE_PLANS)
def plan_copy(request, pk):
    plan = _plan(request, pk)
    form = CopyPlanForm(request.POST or None, initial={"year": plan.year + 1})
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.copy_plan(plan, form.cleaned_data["year"], user=request.user)
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("The goals and indicators are copied into the plan for %(year)s.")
                             % {"year": copy.year})
            return redirect("plans:detail", pk=copy.pk)
    return render(request, "plans/plan_copy.html", {"form": form, "plan": plan})


def _confirm(request, *, title, question, obj, back, button=None):
    return render(request, "core/confirm.html", {
        "title": title, "question": question, "object": obj, "back": back, "button": button or _("Delete"),
        "danger": True,
    })


@require(Action.MANAGE_PLANS)
def plan_delete(request, pk):
    plan = _plan(request, pk)
    if request.method == "POST":
        services.delete_plan(plan)
        messages.success(request, _("The plan is deleted."))
        return redirect("plans:list")
    return _confirm(request, title=_("Delete plan"), obj=plan, back=reverse("plans:detail", args=[plan.pk]),
                    question=_("Delete the plan with all its goals, indicators and values entered by hand? "
                               "This cannot be undone."))


@require(Action.MANAGE_PLANS)
def goal_edit(request, pk=None, plan_pk=None):
    goal = _goal(request, pk) if pk is not None else None
    plan = goal.plan if goal else _plan(request, plan_pk)
    if goal is None:
        last = plan.goals.order_by("-sort_order").values_list("sort_order", flat=True).first()
        goal = Goal(plan=plan, sort_order=(last or 0) + 10)
    form = GoalForm(request.POST or None, instance=goal)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_goal(form.instance)
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("The goal is saved."))
            return redirect(reverse("plans:detail", args=[plan.pk]) + f"#goal-{form.instance.pk}")
    return render(request, "plans/goal_form.html", {"form": form, "goal": goal, "plan": plan})


@require(Action.MANAGE_PLANS)
def goal_delete(request, pk):
    goal = _goal(request, pk)
    if request.method == "POST":
        services.delete_goal(goal)
        messages.success(request, _("The goal is deleted."))
        return redirect("plans:detail", pk=goal.plan_id)
    return _confirm(request, title=_("Delete goal"), obj=goal, back=reverse("plans:detail", args=[goal.plan_id]),
                    question=_("Delete the goal with its indicators and their values? This cannot be undone."))


@require(Action.MANAGE_PLANS)
def indicator_edit(request, pk=None, goal_pk=None):
    indicator = _indicator(request, pk) if pk is not None else None
    goal = indicator.goal if indicator else _goal(request, goal_pk)
    if indicator is None:
        last = goal.indicators.order_by("-sort_order").values_list("sort_order", flat=True).first()
        indicator = Indicator(goal=goal, sort_order=(last or 0) + 10)
    form = IndicatorForm(request.POST or None, instance=indicator)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_indicator(form.instance)
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("The indicator is saved."))
            return redirect("plans:indicator", pk=form.instance.pk)
    return render(request, "plans/indicator_form.html", {
        "form": form, "indicator": indicator if indicator.pk else None, "goal": goal, "plan": goal.plan,
        "measures": registry.all_metrics(),
    })


@require(Action.VIEW_STATISTICS)
def indicator_detail(request, pk):
    indicator = _indicator(request, pk)
    plan = indicator.goal.plan
    as_of_form, as_of = _as_of(request, plan)
    result = selectors.indicator_result(indicator, plan.year, as_of, consortium=request.consortium,
                                        mask_below=selectors.mask_for(request.user, request.consortium))
    value_form = None
    if _can_manage(request) and not indicator.is_computed:
        value_form = ValueForm(request.POST or None)
        if request.method == "POST" and value_form.is_valid():
            data = value_form.cleaned_data
            try:
                services.add_value(indicator, value=data["value"], measured_on=data["measured_on"],
                                   comment=data["comment"], user=request.user)
            except ValidationError as exc:
                _apply_errors(exc, value_form)
            else:
                messages.success(request, _("The value is saved."))
                return redirect("plans:indicator", pk=indicator.pk)
    elif request.method == "POST":
        raise PermissionDenied
    breakdown = selectors.breakdown_chart(result, plan.year, as_of, request.consortium, request.user)
    return render(request, "plans/indicator_detail.html", {
        "indicator": indicator, "plan": plan, "goal": indicator.goal, "result": result, "as_of": as_of,
        "as_of_form": as_of_form, "value_form": value_form, "can_manage": _can_manage(request),
        "values": selectors.indicator_values(indicator) if not indicator.is_computed else None,
        "breakdown": breakdown,
    })


@require(Action.MANAGE_PLANS)
def indicator_delete(request, pk):
    indicator = _indicator(request, pk)
    plan_pk = indicator.goal.plan_id
    if request.method == "POST":
        services.delete_indicator(indicator)
        messages.success(request, _("The indicator is deleted."))
        return redirect("plans:detail", pk=plan_pk)
    return _confirm(request, title=_("Delete indicator"), obj=indicator,
                    back=reverse("plans:indicator", args=[indicator.pk]),
                    question=_("Delete the indicator and the values entered for it? This cannot be undone."))


@require(Action.MANAGE_PLANS)
def value_delete(request, pk):
    entry = get_object_or_404(IndicatorValue.objects.select_related("indicator"),
                              indicator__goal__plan__consortium=request.consortium, pk=pk)
    back = reverse("plans:indicator", args=[entry.indicator_id])
    if request.method == "POST":
        services.delete_value(entry)
        messages.success(request, _("The value is deleted."))
        return redirect(back)
    return _confirm(request, title=_("Delete value"), obj=entry, back=back,
                    question=_("Delete this value? The indicator then shows the latest value before it."))
