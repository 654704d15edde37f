"""Demo registrations: bookings, waiting lists, approvals and a history of completed courses.

Past sessions get completed registrations and no-shows written directly (the
service refuses registrations for sessions that have taken place, as it
should); upcoming sessions are booked through the registration service, so the
counters, waiting lists and approvals are exactly what real use would give.
Idempotent: a consortium that already has registrations is left as it is.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from larnav.accounts.models import User
from larnav.catalog.models import Session
from larnav.people.models import Person

from . import services
from .errors import RegistrationError
from .models import Registration, RegistrationEvent, Status


def _pick(rng, persons, n, exclude=()):
    chosen = []
    excluded = set(exclude)
    for person in rng.sample(persons, min(len(persons), n + len(excluded))):
        if person.pk not in excluded:
            chosen.append(person)
        if len(chosen) == n:
            break
    return chosen


@transaction.atomic
def _past(session, persons, rng) -> int:
    regs = []
    hours = session.activity.hours
    for person in _pick(rng, persons, int(session.capacity * rng.uniform(0.55, 0.95))):
        completed = rng.random() < 0.9
        queued = session.first_start - timedelta(days=rng.randint(10, 60))
        regs.append(Registration(
            consortium_id=session.consortium_id, session=session, person=person,
            status=Status.COMPLETED if completed else Status.NO_SHOW, queued_at=queued,
            hours_credited=hours if completed else None, **services.person_details(person),
        ))
    Registration.objects.bulk_create(regs)
    Registration.objects.filter(pk__in=[r.pk for r in regs]).update(created_at=timezone.now())
    RegistrationEvent.objects.bulk_create(
        RegistrationEvent(registration=r, from_status=Status.CONFIRMED, to_status=r.status, reason="Demo")
        for r in regs
    )
    return len(regs)


@transaction.atomic  # one commit for the whole demo: each booking is a savepoint inside it
def seed_registrations(consortium, rng: random.Random, now=None) -> dict[str, int]:
    now = now or timezone.now()
    if Registration.objects.filter(consortium=consortium).exists():
        return {"registrations": Registration.objects.filter(consortium=consortium).count()}
    persons = list(Person.objects.filter(consortium=consortium, is_active=True).select_related("workplace__parent"))
    demo_person = User.objects.filter(consortium=consortium, username="deltagare").values_list(
        "person_id", flat=True).first()
    reserved = {demo_person} if demo_person else set()
    sessions = list(Session.objects.filter(consortium=consortium).select_related("activity", "owner_municipality")
                    .order_by("first_start", "pk"))
    created = 0
    for session in sessions:
        if session.last_end and session.last_end < now and session.status == Session.Status.COMPLETED:
            created += _past(session, [p for p in persons if p.pk not in reserved], rng)
        elif session.status in (Session.Status.OPEN, Session.Status.FULL):
            share = rng.choice([0.1, 0.25, 0.4, 0.6, 1.1, 1.25])
            for person in _pick(rng, persons, int(session.capacity * share), exclude=reserved):
                try:
                    services.register(session.pk, person)
                    created += 1
                except RegistrationError:
                    continue
    created += _seed_demo_participant(consortium, sessions, demo_person, now)
    return {"registrations": created}


def _seed_demo_participant(consortium, sessions, person_id, now) -> int:
    """The demo participant has a booking, a waiting-list place and a completed course."""
    if person_id is None:
        return 0
    person = Person.objects.select_related("workplace__parent").get(pk=person_id)
    made = 0
    past = [s for s in sessions if s.status == Session.Status.COMPLETED]
    if past:
        made += _past_for(past[-1], person)
    upcoming = [s for s in sessions if s.status in (Session.Status.OPEN, Session.Status.FULL)
                and not s.requires_approval and not s.local_staff_only]
    full = [s for s in upcoming if Session.objects.get(pk=s.pk).status == Session.Status.FULL]
    for session in ([s for s in upcoming if s not in full][:1] + full[:1]):
        try:
            services.register(session.pk, person)
            made += 1
        except RegistrationError:
            continue
    return made


def _past_for(session, person) -> int:
    reg = Registration.objects.create(
        consortium_id=session.consortium_id, session=session, person=person, status=Status.COMPLETED,
        queued_at=session.first_start - timedelta(days=20), hours_credited=session.activity.hours,
        **services.person_details(person),
    )
    RegistrationEvent.objects.create(registration=reg, from_status=Status.CONFIRMED, to_status=Status.COMPLETED,
                                     reason="Demo")
    return 1
