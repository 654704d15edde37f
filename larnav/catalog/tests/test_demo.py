"""The demo catalog: about 150 activities and 400 sessions, deterministic and idempotent."""

import random
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from larnav.catalog.demo import seed_catalog
from larnav.catalog.models import Activity, FocusArea, InterestRegistration, Session

pytestmark = pytest.mark.django_db


def snapshot(consortium):
    return sorted(Session.objects.filter(consortium=consortium).values_list(
        "uid", "activity__title", "first_start", "last_end", "capacity", "status", "is_digital"))


def test_seed_catalog_is_realistic_deterministic_and_idempotent(region):
    counts = seed_catalog(region.consortium, random.Random(7))
    assert 140 <= counts["activities"] <= 160 and 350 <= counts["sessions"] <= 450
    first = snapshot(region.consortium)
    again = seed_catalog(region.consortium, random.Random(7))
    assert again == counts and snapshot(region.consortium) == first

    sessions = Session.objects.filter(consortium=region.consortium)
    now = timezone.now()
    assert sessions.filter(last_end__lt=now, status=Session.Status.COMPLETED).count() > 50
    assert sessions.filter(first_start__gt=now, status=Session.Status.OPEN).count() > 50
    assert sessions.filter(status=Session.Status.CANCELLED).exists()
    assert sessions.filter(is_digital=True).count() > 20
    assert sessions.filter(owner_municipality__isnull=False).exists()
    assert not sessions.filter(first_start__date__lt=date(2026, 1, 1)).exists()
    assert not sessions.filter(last_end__date__gt=date(2027, 12, 31)).exists()
    titles = set(Activity.objects.filter(consortium=region.consortium).values_list("title", flat=True))
    assert {"Delaktighetsmodellen – utbildning för samtalsledare", "Nätverk för arbetsterapeuter",
            "Nätverk för fysioterapeuter", "Nätverk för sjuksköterskor", "Socialpsykiatri, 7,5 hp",
            "Lågaffektivt bemötande"} <= titles
    credits = Activity.objects.get(consortium=region.consortium, title="Socialpsykiatri, 7,5 hp")
    assert (credits.type, str(credits.credits), credits.credit_unit) == ("poanggivande", "7.5", "hp")
    assert FocusArea.objects.filter(consortium=region.consortium, name="Arbetsliv och ekonomisk trygghet").exists()
    assert Activity.objects.filter(focus_areas__name="Arbetsliv och ekonomisk trygghet",
                                   type="seminarium").exists()
    assert InterestRegistration.objects.filter(consortium=region.consortium).exists()

    # From scratch with the same seed: the same catalog.
    InterestRegistration.objects.all().delete()
    Session.objects.all().delete()
    Activity.objects.all().delete()
    seed_catalog(region.consortium, random.Random(7))
    assert snapshot(region.consortium) == first


def test_the_command_names_its_consortium(region):
    from io import StringIO

    out = StringIO()
    call_command("seed_catalog", "--consortium", region.consortium.slug, stdout=out)
    assert re.search(r"activities: 1[45]\d\n", out.getvalue())
    with pytest.raises(Exception, match="No such consortium"):
        call_command("seed_catalog", "--consortium", "finns-inte", stdout=StringIO())
