import random
from datetime import timedelta

import pytest
from django.utils import timezone

from larnav.catalog.models import Session
from larnav.core.testing import make_person
from larnav.registrations.demo import seed_registrations
from larnav.registrations.models import Registration, Status
from larnav.registrations.testing import make_session

pytestmark = pytest.mark.django_db


def test_demo_registrations_are_consistent_and_idempotent(region):
    for _ in range(40):
        make_person(region.consortium, region.tibble)
    upcoming = [make_session(region.consortium, capacity=5) for _ in range(4)]
    past = make_session(region.consortium, capacity=10, days_ahead=-20)
    Session.objects.filter(pk=past.pk).update(status=Session.Status.COMPLETED,
                                              last_end=timezone.now() - timedelta(days=19))
    first = seed_registrations(region.consortium, random.Random(1))
    assert seed_registrations(region.consortium, random.Random(1)) == {"registrations": first["registrations"]}
    for session in Session.objects.filter(pk__in=[s.pk for s in upcoming]):
        regs = Registration.objects.filter(session=session)
        assert session.confirmed_count == regs.filter(status=Status.CONFIRMED).count() <= session.capacity
        assert session.waitlist_count == regs.filter(status=Status.WAITLISTED).count()
    assert set(Registration.objects.filter(session=past).values_list("status", flat=True)) <= {
        Status.COMPLETED, Status.NO_SHOW}
    assert Registration.objects.filter(person=region.anna).count() >= 1  # the demo participant has history
