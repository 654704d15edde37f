"""The annual plan's pages: who may see and change what, and what the coordinator meets."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from larnav.core.testing import make_consortium, make_user
from larnav.plans import services
from larnav.plans.models import Goal, Indicator, IndicatorValue, Plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(region):
    plan = services.save_plan(Plan(consortium=region.consortium, year=2026))
    goal = services.save_goal(Goal(plan=plan, title="Effektiv länssamverkan"))
    indicator = services.save_indicator(Indicator(goal=goal, name="Närvaro vid CKA-träffar", kind="manual",
                                                  unit="%", target=Decimal(80)))
    services.add_value(indicator, value=Decimal("62.5"), measured_on=date(2026, 3, 12), comment="Marsträffen",
                       today=date(2026, 3, 12))
    return plan


def test_the_coordinator_records_a_goal_and_an_indicator_and_sees_its_status(client, region, fake_metric):
    client.force_login(region.samordnare)
    response = client.post(reverse("plans:create"), {"year": "2026", "title": "", "introduction": ""})
    plan = Plan.objects.get(consortium=region.consortium, year=2026)
    assert response.status_code == 302
    response = client.post(reverse("plans:goal_create", args=[plan.pk]), {
        "title": "Alla kommuner drar nytta av samverkan", "expected_result": "Alla deltar", "follow_up": "",
        "sort_order": "10"})
    goal = plan.goals.get()
    assert response.status_code == 302
    response = client.post(reverse("plans:indicator_create", args=[goal.pk]), {
        "name": "Deltagare", "kind": "computed", "metric": fake_metric.key, "target": "30",
        "direction": "at_least", "unit": "", "sort_order": "10"})
    indicator = goal.indicators.get()
    assert response.status_code == 302
    assert indicator.unit == "deltagare"
    fake_metric.state["value"] = Decimal(45)
    page = client.get(reverse("plans:detail", args=[plan.pk]), {"per": "t1"}).content.decode()
    assert "Alla kommuner drar nytta av samverkan" in page
    assert "Deltagare" in page
    assert "plan-status--met" in page


def test_a_computed_indicator_without_a_measure_is_refused_with_a_message(client, region, plan):
    client.force_login(region.samordnare)
    goal = plan.goals.get()
    response = client.post(reverse("plans:indicator_create", args=[goal.pk]), {
        "name": "Deltagare", "kind": "computed", "metric": "", "target": "30", "direction": "at_least",
        "sort_order": "10"})
    assert response.status_code == 200
    assert response.context["form"].errors["metric"]
    assert goal.indicators.count() == 1


def test_the_coordinator_enters_a_value_by_hand(client, region, plan):
    client.force_login(region.samordnare)
    indicator = Indicator.objects.get(goal__plan=plan)
    response = client.post(reverse("plans:indicator", args=[indicator.pk]), {
        "value": "81", "measured_on": "2026-01-20", "comment": "Januariträffen"})
    assert response.status_code == 302
    assert indicator.values.count() == 2
    bad = client.post(reverse("plans:indicator", args=[indicator.pk]), {
        "value": "81", "measured_on": "2025-06-01", "comment": ""})
    assert bad.status_code == 200
    assert bad.context["value_form"].errors["measured_on"]
    assert indicator.values.count() == 2


def test_deleting_asks_first(client, region, plan):
    client.force_login(region.samordnare)
    entry = IndicatorValue.objects.get()
    page = client.get(reverse("plans:value_delete", args=[entry.pk]))
    assert page.status_code == 200 and IndicatorValue.objects.exists()
    assert client.post(reverse("plans:value_delete", args=[entry.pk])).status_code == 302
    assert not IndicatorValue.objects.exists()
    assert client.get(reverse("plans:delete", args=[plan.pk])).status_code == 200
    assert Plan.objects.exists()
    client.post(reverse("plans:delete", args=[plan.pk]))
    assert not Plan.objects.exists()


def test_the_steering_group_and_ckas_see_the_plan_but_cannot_change_it(client, region, plan):
    indicator = Indicator.objects.get(goal__plan=plan)
    for user in (region.styrgrupp_taby, region.cka_huddinge):
        client.force_login(user)
        page = client.get(reverse("plans:detail", args=[plan.pk]))
        assert page.status_code == 200
        assert "Närvaro vid CKA-träffar" in page.content.decode()
        assert reverse("plans:goal_create", args=[plan.pk]) not in page.content.decode()
        detail = client.get(reverse("plans:indicator", args=[indicator.pk]))
        assert detail.status_code == 200 and detail.context["value_form"] is None
        assert client.post(reverse("plans:indicator", args=[indicator.pk]),
                           {"value": "1", "measured_on": "2026-01-02"}).status_code == 403
        for name, args in [("plans:create", []), ("plans:edit", [plan.pk]), ("plans:delete", [plan.pk]),
                           ("plans:goal_create", [plan.pk]), ("plans:indicator_edit", [indicator.pk])]:
            assert client.get(reverse(name, args=args)).status_code == 403, name
    assert IndicatorValue.objects.count() == 1


def test_participants_and_trainers_do_not_see_plans(client, region, plan):
    for user in (region.deltagare, region.utbildare, region.chef_solgarden):
        client.force_login(user)
        assert client.get(reverse("plans:list")).status_code == 403
        assert client.get(reverse("plans:detail", args=[plan.pk])).status_code == 403


def test_another_consortiums_plan_is_not_found(client, region, plan):
    other = make_consortium("Yrkesresan")
    client.force_login(make_user(other, "samordnare"))
    assert client.get(reverse("plans:detail", args=[plan.pk])).status_code == 404
    assert client.post(reverse("plans:delete", args=[plan.pk])).status_code == 404
    assert Plan.objects.filter(pk=plan.pk).exists()


def test_the_list_has_an_empty_state_and_the_detail_shows_entered_values(client, region):
    client.force_login(region.samordnare)
    page = client.get(reverse("plans:list")).content.decode()
    assert "Ny verksamhetsplan" in page or "New annual plan" in page
    plan = services.save_plan(Plan(consortium=region.consortium, year=2026))
    goal = services.save_goal(Goal(plan=plan, title="Mål"))
    indicator = services.save_indicator(Indicator(goal=goal, name="Andel förtrogna CKA", kind="manual",
                                                  unit="%", target=Decimal(90)))
    services.add_value(indicator, value=Decimal("72.5"), measured_on=date(2026, 2, 1), comment="Enkät",
                       today=date(2026, 2, 1))
    page = client.get(reverse("plans:indicator", args=[indicator.pk]), {"per": "t1"}).content.decode()
    assert "72,5" in page and "Enkät" in page


def test_small_counts_of_persons_are_masked_for_viewers_without_detail(client, region, plan):
    from datetime import datetime

    from larnav.statistics.periods import STOCKHOLM
    from larnav.statistics.testing import make_dated_session, register

    session = make_dated_session(region.consortium, datetime(2026, 2, 3, 9, tzinfo=STOCKHOLM))
    for person in (region.anna, region.erik, region.tove):
        register(session, person)
    goal = plan.goals.get()
    services.save_indicator(Indicator(goal=goal, name="Antal deltagare", kind="computed", metric="participants",
                                      target=Decimal(10)))
    client.force_login(region.samordnare)
    page = client.get(reverse("plans:detail", args=[plan.pk]), {"per": "t1"}).content.decode()
    assert "3\u00a0deltagare" in page
    client.force_login(region.cka_taby)
    page = client.get(reverse("plans:detail", args=[plan.pk]), {"per": "t1"}).content.decode()
    assert "&lt;5\u00a0deltagare" in page and "3\u00a0deltagare" not in page
