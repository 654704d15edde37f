"""Concurrent sign-ups never oversell a session, on PostgreSQL and on SQLite."""

import threading

import pytest
from django.db import connection, connections

from larnav.core.testing import make_person
from larnav.registrations import services
from larnav.registrations.models import Registration, Status
from larnav.registrations.testing import make_session

# Each test opens 50 connections at once: the modules' tests run one after another on one
# worker (--dist loadgroup), so that two of them never exceed the server's max_connections (100).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("fifty_connections")]


def run_in_threads(functions):
    barrier = threading.Barrier(len(functions))
    errors = []

    def worker(function):
        try:
            barrier.wait()
            function()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_fifty_threads_for_ten_seats(region):
    session = make_session(region.consortium, capacity=10)
    persons = [make_person(region.consortium, region.tibble) for _ in range(50)]
    errors = run_in_threads([lambda p=p: services.register(session.pk, p) for p in persons])
    assert errors == [], f"{connection.vendor}: {errors[:3]}"
    session.refresh_from_db()
    confirmed = Registration.objects.filter(session=session, status=Status.CONFIRMED).count()
    waiting = list(Registration.objects.filter(session=session, status=Status.WAITLISTED))
    assert confirmed == session.confirmed_count == 10
    assert len(waiting) == session.waitlist_count == 40
    assert sorted(services.waitlist_position(r) for r in waiting) == list(range(1, 41))


def test_cancellations_racing_registrations_keep_every_invariant(region):
    session = make_session(region.consortium, capacity=5)
    first = [make_person(region.consortium, region.tibble) for _ in range(10)]
    regs = [services.register(session.pk, p).registration for p in first]
    later = [make_person(region.consortium, region.tibble) for _ in range(20)]
    work = [lambda r=r: services.cancel(r.pk) for r in regs[:8]]
    work += [lambda p=p: services.register(session.pk, p) for p in later]
    errors = run_in_threads(work)
    assert errors == [], f"{connection.vendor}: {errors[:3]}"
    session.refresh_from_db()
    statuses = list(Registration.objects.filter(session=session).values_list("status", flat=True))
    assert statuses.count(Status.CONFIRMED) == session.confirmed_count == 5
    assert statuses.count(Status.WAITLISTED) == session.waitlist_count == 30 - 8 - 5
    # Whoever still waits arrived after everyone who got a seat from the queue.
    waiting = Registration.objects.filter(session=session, status=Status.WAITLISTED).order_by("queued_at")
    confirmed = Registration.objects.filter(session=session, status=Status.CONFIRMED).order_by("-queued_at")
    assert waiting.first().queued_at >= confirmed.first().queued_at
