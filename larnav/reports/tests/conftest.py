from datetime import datetime
from decimal import Decimal

import pytest

from larnav.core.testing import make_person
from larnav.plans import services as plans
from larnav.plans.models import Goal, Indicator, Plan
from larnav.registrations.models import Status
from larnav.statistics.periods import STOCKHOLM
from larnav.statistics.testing import make_dated_session, register


def local(*args):
    return datetime(*args, tzinfo=STOCKHOLM)


@pytest.fixture
def data(region):
    """2026: T1 – Anna and Erik (Huddinge), Sara (Södermalm) and seven at Tibble (Täby);
    T2 – Anna again and three more at Tibble. 2025: two at Tibble. A plan for 2026."""
    c = region.consortium
    spring = make_dated_session(c, local(2026, 3, 10, 9), hours="6")
    register(spring, region.anna)
    register(spring, region.erik)
    register(spring, region.sara)
    tibble = [make_person(c, region.tibble, "Tibble", f"Person{i}") for i in range(10)]
    for person in tibble[:7]:
        register(spring, person)
    summer = make_dated_session(c, local(2026, 6, 2, 9), hours="3")
    register(summer, region.anna)
    for person in tibble[7:]:
        register(summer, person)
    last_year = make_dated_session(c, local(2025, 10, 1, 9))
    for person in tibble[:2]:
        register(last_year, person)
    register(summer, region.tove, Status.NO_SHOW)
    plan = plans.save_plan(Plan(consortium=c, year=2026))
    goal = plans.save_goal(Goal(plan=plan, title="Alla kommuner drar nytta av samverkan"))
    plans.save_indicator(Indicator(goal=goal, name="Andel medlemmar med deltagare", kind="computed",
                                   metric="members_with_participants_share", target=Decimal(100)))
    plans.save_indicator(Indicator(goal=goal, name="Deltagare", kind="computed", metric="participants",
                                   target=Decimal(20)))
    return region
