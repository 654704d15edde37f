"""Registrations through the API at the same moment: no session oversold, no address twice."""

import pytest
from django.db import connection

from larnav.api import services
from larnav.api.schemas import RegistrationIn
from larnav.people.models import Person
from larnav.registrations.models import Registration, Status
from larnav.registrations.services import waitlist_position
from larnav.registrations.testing import make_session
from larnav.registrations.tests.test_concurrency import run_in_threads

# Each test opens 50 connections at once: the modules' tests run one after another on one
# worker (--dist loadgroup), so that two of them never exceed the server's max_connections (100).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("fifty_connections")]


def details(region, email):
    return RegistrationIn(first_name="Nina", last_name="Ny", email=email, workplace_id=region.solgarden.pk)


def test_fifty_new_addresses_for_ten_seats(region):
    session = make_session(region.consortium, capacity=10)
    outcomes = []

    def register(n):
        outcomes.append(services.register_for_session(region.samordnare, region.consortium.pk, session.pk,
                                                      details(region, f"p{n}@huddinge.se")))

    errors = run_in_threads([lambda n=n: register(n) for n in range(50)])
    assert errors == [], f"{connection.vendor}: {errors[:3]}"
    session.refresh_from_db()
    assert (session.confirmed_count, session.waitlist_count) == (10, 40)
    assert Registration.objects.filter(session=session, status=Status.CONFIRMED).count() == 10
    # The place each was told is its place in the queue.
    waiting = [o for o in outcomes if o.registration.status == Status.WAITLISTED]
    assert sorted(o.waitlist_position for o in waiting) == list(range(1, 41))
    for outcome in waiting:
        assert outcome.waitlist_position == waitlist_position(outcome.registration)


def test_one_new_address_sent_ten_times_at_once_is_one_person_and_one_registration(region):
    session = make_session(region.consortium, capacity=10)
    outcomes = []
    errors = run_in_threads([
        lambda: outcomes.append(services.register_for_session(
            region.samordnare, region.consortium.pk, session.pk, details(region, "Samma@Huddinge.se")))
        for _ in range(10)
    ])
    assert errors == [], f"{connection.vendor}: {errors[:3]}"
    person = Person.objects.get(email="samma@huddinge.se")
    assert Registration.objects.filter(session=session).count() == 1
    assert sorted(o.created for o in outcomes) == [False] * 9 + [True]
    assert {o.registration.person_id for o in outcomes} == {person.pk}
