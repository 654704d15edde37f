"""The annual plan: plans, goals, indicators, values entered by hand and their status on a date."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from larnav.plans import selectors, services
from larnav.plans.models import Goal, Indicator, IndicatorValue, Plan
from larnav.plans.status import Status

pytestmark = pytest.mark.django_db
D = Decimal


def make_plan(consortium, year=2026, **fields) -> Plan:
    return services.save_plan(Plan(consortium=consortium, year=year, **fields))


def make_goal(plan, title="Alla kommuner deltar") -> Goal:
    return services.save_goal(Goal(plan=plan, title=title))


def make_indicator(goal, **fields) -> Indicator:
    fields.setdefault("name", "Indikator")
    return services.save_indicator(Indicator(goal=goal, **fields))


def test_a_plan_without_title_is_named_after_its_year(region):
    assert make_plan(region.consortium).title == "Verksamhetsplan 2026"


def test_one_plan_per_consortium_and_year(region):
    make_plan(region.consortium)
    with pytest.raises(ValidationError) as exc:
        make_plan(region.consortium)
    assert "year" in exc.value.message_dict
    from larnav.core.testing import make_consortium

    make_plan(make_consortium("Annan samverkan"))  # another consortium may have its own 2026 plan


def test_a_computed_indicator_needs_a_registered_measure(region):
    goal = make_goal(make_plan(region.consortium))
    with pytest.raises(ValidationError) as exc:
        make_indicator(goal, kind=Indicator.Kind.COMPUTED, metric="no_such_measure")
    assert "metric" in exc.value.message_dict


def test_a_computed_indicator_takes_unit_and_kind_of_figure_from_its_measure(region, fake_metric):
    goal = make_goal(make_plan(region.consortium))
    indicator = make_indicator(goal, kind=Indicator.Kind.COMPUTED, metric=fake_metric.key, unit="kr",
                               cumulative=False, target=D(100))
    assert (indicator.unit, indicator.cumulative) == ("deltagare", True)


def test_a_manual_indicator_has_no_measure(region, fake_metric):
    goal = make_goal(make_plan(region.consortium))
    indicator = make_indicator(goal, kind=Indicator.Kind.MANUAL, metric=fake_metric.key, unit="%")
    assert indicator.metric == ""
    assert indicator.unit == "%"


def test_values_are_entered_only_for_manual_indicators_within_the_plan_year(region, fake_metric):
    goal = make_goal(make_plan(region.consortium))
    manual = make_indicator(goal, kind=Indicator.Kind.MANUAL, unit="%", target=D(80))
    computed = make_indicator(goal, kind=Indicator.Kind.COMPUTED, metric=fake_metric.key)
    today = date(2026, 6, 1)
    with pytest.raises(ValidationError):
        services.add_value(computed, value=D(1), measured_on=date(2026, 3, 1), today=today)
    with pytest.raises(ValidationError) as exc:
        services.add_value(manual, value=D(1), measured_on=date(2025, 12, 31), today=today)
    assert "2026" in exc.value.message_dict["measured_on"][0]
    with pytest.raises(ValidationError) as exc:
        services.add_value(manual, value=D(1), measured_on=date(2026, 6, 2), today=today)
    assert "measured_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.add_value(manual, value=D(1), measured_on=date(2026, 3, 1), comment="Anna 19800101-1234",
                           today=today)
    assert "comment" in exc.value.message_dict
    services.add_value(manual, value=D(75), measured_on=date(2026, 3, 1), comment="CKA-träff mars", today=today)
    assert IndicatorValue.objects.get().comment == "CKA-träff mars"


def test_a_manual_indicator_shows_the_latest_value_on_or_before_the_date(region):
    plan = make_plan(region.consortium)
    indicator = make_indicator(make_goal(plan), kind=Indicator.Kind.MANUAL, unit="%", target=D(80))
    today = date(2026, 12, 31)
    services.add_value(indicator, value=D(60), measured_on=date(2026, 2, 10), today=today)
    services.add_value(indicator, value=D(85), measured_on=date(2026, 9, 15), today=today)
    services.add_value(indicator, value=D(70), measured_on=date(2026, 4, 20), today=today)

    def result(as_of):
        return selectors.indicator_result(indicator, 2026, as_of, consortium=region.consortium)

    assert result(date(2026, 1, 31)).assessment.status == Status.NO_VALUE
    assert result(date(2026, 4, 30)).value == D(70)
    assert result(date(2026, 4, 30)).assessment.status == Status.NOT_MET
    assert result(date(2026, 10, 1)).value == D(85)
    assert result(date(2026, 10, 1)).assessment.status == Status.ON_TRACK  # a level: decided at year end
    assert result(date(2026, 12, 31)).assessment.status == Status.MET
    assert result(date(2027, 2, 1)).value == D(85)  # after the year: the year's last value


def test_a_computed_indicator_is_measured_from_new_year_to_the_date(region, fake_metric):
    plan = make_plan(region.consortium)
    indicator = make_indicator(make_goal(plan), kind=Indicator.Kind.COMPUTED, metric=fake_metric.key,
                               target=D(100))
    fake_metric.state["value"] = D(40)
    result = selectors.indicator_result(indicator, 2026, date(2026, 4, 30), consortium=region.consortium)
    assert fake_metric.calls == [(region.consortium.pk, date(2026, 1, 1), date(2026, 4, 30))]
    assert result.value == D(40)
    assert result.assessment.status == Status.ON_TRACK  # 100 × 120/365 ≈ 33 expected by the end of April
    result = selectors.indicator_result(indicator, 2026, date(2027, 1, 15), consortium=region.consortium)
    assert fake_metric.calls[-1] == (region.consortium.pk, date(2026, 1, 1), date(2026, 12, 31))
    assert result.assessment.status == Status.NOT_MET


def test_an_indicator_whose_measure_is_gone_shows_no_value(region, fake_metric):
    plan = make_plan(region.consortium)
    indicator = make_indicator(make_goal(plan), kind=Indicator.Kind.COMPUTED, metric=fake_metric.key,
                               target=D(100))
    Indicator.objects.filter(pk=indicator.pk).update(metric="removed_measure")
    indicator.refresh_from_db()
    result = selectors.indicator_result(indicator, 2026, date(2026, 5, 1), consortium=region.consortium)
    assert result.metric_missing
    assert result.assessment.status == Status.NO_VALUE


def test_plan_results_compute_each_measure_once_in_few_queries(region, fake_metric, django_assert_max_num_queries):
    plan = make_plan(region.consortium)
    for g in range(3):
        goal = make_goal(plan, title=f"Mål {g}")
        for _i in range(2):
            make_indicator(goal, kind=Indicator.Kind.COMPUTED, metric=fake_metric.key, target=D(10))
            manual = make_indicator(goal, kind=Indicator.Kind.MANUAL, target=D(3), unit="st")
            services.add_value(manual, value=D(2), measured_on=date(2026, 2, 1), today=date(2026, 3, 1))
    with django_assert_max_num_queries(5):
        results = selectors.plan_results(plan, date(2026, 3, 1))
    assert len(fake_metric.calls) == 1
    assert [len(g.indicators) for g in results] == [4, 4, 4]
    manual_values = {r.value for g in results for r in g.indicators if not r.indicator.is_computed}
    assert manual_values == {D(2)}


def test_copying_a_plan_copies_goals_and_indicators_but_not_values(region, fake_metric):
    plan = make_plan(region.consortium, introduction="Syfte")
    goal = make_goal(plan)
    make_indicator(goal, kind=Indicator.Kind.COMPUTED, metric=fake_metric.key, target=D(26))
    manual = make_indicator(goal, kind=Indicator.Kind.MANUAL, target=D(80), unit="%")
    services.add_value(manual, value=D(50), measured_on=date(2026, 2, 1), today=date(2026, 3, 1))
    copy = services.copy_plan(plan, 2027)
    assert copy.title == "Verksamhetsplan 2027"
    assert copy.introduction == "Syfte"
    assert [g.title for g in copy.goals.all()] == ["Alla kommuner deltar"]
    copied = Indicator.objects.filter(goal__plan=copy).order_by("pk")
    assert [(i.kind, i.target, i.unit) for i in copied] == [
        ("computed", D(26), "deltagare"), ("manual", D(80), "%")]
    assert not IndicatorValue.objects.filter(indicator__goal__plan=copy).exists()
    assert IndicatorValue.objects.filter(indicator=manual).count() == 1
    with pytest.raises(ValidationError):
        services.copy_plan(plan, 2027)


def test_deleting_a_plan_deletes_its_goals_indicators_and_values(region):
    plan = make_plan(region.consortium)
    manual = make_indicator(make_goal(plan), kind=Indicator.Kind.MANUAL, target=D(1))
    services.add_value(manual, value=D(1), measured_on=date(2026, 1, 2), today=date(2026, 1, 3))
    services.delete_plan(plan)
    assert not Goal.objects.exists() and not Indicator.objects.exists() and not IndicatorValue.objects.exists()


def test_the_year_of_a_plan_with_values_cannot_change(region):
    plan = make_plan(region.consortium)
    manual = make_indicator(make_goal(plan), kind=Indicator.Kind.MANUAL, target=D(1))
    plan.year = 2027
    services.save_plan(plan)  # no values yet: the year may change
    services.add_value(manual, value=D(1), measured_on=date(2027, 1, 2), today=date(2027, 1, 3))
    plan.year = 2028
    with pytest.raises(ValidationError) as exc:
        services.save_plan(plan)
    assert "year" in exc.value.message_dict
    assert Plan.objects.get(pk=plan.pk).year == 2027
