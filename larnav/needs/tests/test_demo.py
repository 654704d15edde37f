"""The demo needs inventories: realistic states, linked to the offer, idempotent and cheap."""

import random

import pytest

from larnav.accounts.models import Role
from larnav.catalog.demo import seed_catalog
from larnav.core.testing import make_user
from larnav.needs.demo import seed_needs
from larnav.needs.models import Campaign, NeedAnswer, NeedItem, Submission

pytestmark = pytest.mark.django_db
S = Submission.Status


def snapshot():
    return sorted(NeedItem.objects.values_list("submission__campaign__title", "submission__organisation__name",
                                               "title", "estimated_staff", "priority"))


def test_seed_needs_gives_both_campaigns_in_every_state_once(region, django_assert_max_num_queries):
    seed_catalog(region.consortium, random.Random(1))
    with django_assert_max_num_queries(60):
        counts = seed_needs(region.consortium, random.Random(3))
    assert counts["campaigns"] == 2 and counts["needs"] > 0
    current = Campaign.objects.get(title="Behovsinventering 2027")
    assert current.accepts_answers()
    states = dict(current.submissions.values_list("organisation__name", "status"))
    assert states == {"Huddinge": S.DRAFT, "Täby": S.SUBMITTED, "Södermalm": S.NOT_STARTED}
    assert NeedItem.objects.filter(submission__organisation=region.huddinge, submission__campaign=current).exists()
    last = Campaign.objects.get(title="Behovsinventering 2026")
    assert last.status == Campaign.Status.CLOSED
    assert NeedAnswer.objects.filter(need__submission__campaign=last).exists()
    assert NeedItem.objects.filter(target_occupations__code="lss-handlaggare").exists() or \
        NeedItem.objects.filter(target_occupations__isnull=False).exists()
    first = snapshot()
    again = seed_needs(region.consortium, random.Random(3))
    assert again["campaigns"] == 0 and snapshot() == first


def test_seed_needs_without_a_catalog_writes_no_needs(region):
    make_user(region.consortium, Role.SAMORDNARE)
    counts = seed_needs(region.consortium, random.Random(3))
    assert counts["needs"] == 0 and counts["total_campaigns"] == 2
