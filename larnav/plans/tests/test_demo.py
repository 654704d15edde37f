"""The demo's 2026 plan: Forum Carpe's goals and indicators, seeded once."""

from datetime import date

import pytest

from larnav.plans import registry, selectors
from larnav.plans.demo import seed_plan
from larnav.plans.models import Indicator, IndicatorValue, Plan
from larnav.plans.status import Status

pytestmark = pytest.mark.django_db


def test_the_demo_plan_has_forum_carpes_goals_and_is_seeded_once(region):
    assert seed_plan(region.consortium, today=date(2026, 5, 1)) == {"goals": 4, "created": 1}
    plan = Plan.objects.get(consortium=region.consortium, year=2026)
    assert [g.title for g in plan.goals.all()][:2] == [
        "Forum Carpe har en effektiv struktur för länssamverkan",
        "Alla kommuner och stadsdelsförvaltningar drar nytta av att ingå i samverkan"]
    indicators = Indicator.objects.filter(goal__plan=plan)
    assert indicators.count() == 7
    assert all(registry.get_metric(i.metric) for i in indicators if i.is_computed)
    # Only values dated on or before the day of seeding: February and April, not September.
    assert IndicatorValue.objects.filter(indicator__goal__plan=plan).count() == 3
    assert seed_plan(region.consortium, today=date(2026, 10, 1)) == {"goals": 4, "created": 0}
    assert IndicatorValue.objects.filter(indicator__goal__plan=plan).count() == 3


def test_the_demo_plan_has_a_status_for_every_indicator(region):
    seed_plan(region.consortium, today=date(2026, 5, 1))
    plan = Plan.objects.get(consortium=region.consortium, year=2026)
    results = [r for g in selectors.plan_results(plan, date(2026, 4, 30)) for r in g.indicators]
    statuses = {r.indicator.name: r.assessment.status for r in results}
    assert statuses["Andel av de inbjudna som närvarat vid CKA-träffar och styrgruppsträffar"] == Status.ON_TRACK
    assert statuses["Andel CKA som i slutet av året känner sig förtrogna med Forum Carpes verksamhet"] \
        == Status.NO_VALUE
