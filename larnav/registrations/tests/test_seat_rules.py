"""Seat allocation, waiting list, approval and cancellation rules."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from larnav.catalog.models import Session, SessionQuota
from larnav.core.testing import make_person
from larnav.notifications.testing import sent_to
from larnav.registrations import services
from larnav.registrations.errors import (
    CapacityBelowBooked,
    InvalidTransition,
    NotEligible,
    SessionCancelled,
    SessionNotOpen,
)
from larnav.registrations.models import Registration, Status
from larnav.registrations.testing import make_session

pytestmark = pytest.mark.django_db


def people(region, n, workplace=None):
    return [make_person(region.consortium, workplace or region.solgarden) for _ in range(n)]


def counters(session):
    session.refresh_from_db()
    return session.confirmed_count, session.waitlist_count


def test_confirmed_while_seats_remain_then_waitlisted_in_arrival_order(region):
    session = make_session(region.consortium, capacity=2)
    regs = [services.register(session.pk, p).registration for p in people(region, 4)]
    assert [r.status for r in regs] == [Status.CONFIRMED, Status.CONFIRMED, Status.WAITLISTED, Status.WAITLISTED]
    assert [services.waitlist_position(r) for r in regs] == [None, None, 1, 2]
    assert counters(session) == (2, 2)
    session.refresh_from_db()
    assert session.status == Session.Status.FULL


def test_a_repeated_registration_returns_the_existing_one(region):
    session = make_session(region.consortium)
    first = services.register(session.pk, region.anna)
    again = services.register(session.pk, region.anna)
    assert first.created and not again.created
    assert again.registration.pk == first.registration.pk
    assert Registration.objects.count() == 1
    assert counters(session) == (1, 0)


def test_cancellation_promotes_the_first_waitlisted_at_once(region, django_capture_on_commit_callbacks):
    session = make_session(region.consortium, capacity=1)
    a, b, c = (services.register(session.pk, p).registration for p in people(region, 3))
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.cancel(a.pk, reason="Sjuk")
    assert [r.pk for r in outcome.promoted] == [b.pk]
    b.refresh_from_db()
    c.refresh_from_db()
    assert b.status == Status.CONFIRMED and c.status == Status.WAITLISTED
    assert services.waitlist_position(c) == 1
    assert counters(session) == (1, 1)
    subjects = [m.subject for m in mail.outbox]
    assert any(b.person.email in m.to and "väntelistan" in m.subject for m in mail.outbox), subjects


def test_quota_caps_a_municipality_and_the_queue_skips_those_who_do_not_fit(region):
    session = make_session(region.consortium, capacity=3)
    SessionQuota.objects.create(session=session, municipality=region.huddinge, seats=1)
    h1, h2 = people(region, 2, region.solgarden)
    t1, t2 = people(region, 2, region.tibble)
    r_h1 = services.register(session.pk, h1).registration
    r_h2 = services.register(session.pk, h2).registration
    r_t1 = services.register(session.pk, t1).registration
    r_t2 = services.register(session.pk, t2).registration
    assert (r_h1.status, r_h2.status, r_t1.status, r_t2.status) == (
        Status.CONFIRMED, Status.WAITLISTED, Status.CONFIRMED, Status.CONFIRMED)
    # A Täby seat frees: the Huddinge person first in the queue still does not fit the quota.
    services.register(session.pk, make_person(region.consortium, region.tibble))  # waitlisted behind h2
    outcome = services.cancel(r_t1.pk)
    assert [r.person for r in outcome.promoted] != [h2]
    assert len(outcome.promoted) == 1 and outcome.promoted[0].municipality == region.taby
    r_h2.refresh_from_db()
    assert r_h2.status == Status.WAITLISTED


def test_approval_is_never_bypassed(region):
    session = make_session(region.consortium, capacity=1, requires_approval=True)
    pending = services.register(session.pk, region.anna).registration
    assert pending.status == Status.PENDING_APPROVAL
    assert counters(session) == (0, 0)
    services.set_capacity(session.pk, 5)
    services.fill_free_seats(session.pk)
    pending.refresh_from_db()
    assert pending.status == Status.PENDING_APPROVAL
    services.approve(pending.pk, region.chef_solgarden, "Bra för gruppen")
    pending.refresh_from_db()
    assert pending.status == Status.CONFIRMED
    assert pending.approver == region.chef_solgarden


def test_approved_registration_queues_when_full_and_decline_holds_no_seat(region):
    session = make_session(region.consortium, capacity=1, requires_approval=True)
    a, b, c = people(region, 3)
    ra, rb, rc = (services.register(session.pk, p).registration for p in (a, b, c))
    services.approve(ra.pk, region.chef_solgarden)
    services.approve(rb.pk, region.chef_solgarden)
    services.decline(rc.pk, region.chef_solgarden, "Inte nu")
    for r in (ra, rb, rc):
        r.refresh_from_db()
    assert (ra.status, rb.status, rc.status) == (Status.CONFIRMED, Status.WAITLISTED, Status.DECLINED)
    with pytest.raises(InvalidTransition):
        services.approve(rc.pk, region.chef_solgarden)


def test_unverified_registration_counts_only_after_confirmation(region):
    session = make_session(region.consortium, capacity=1)
    reg = services.register(session.pk, region.anna, verified=False).registration
    assert reg.status == Status.PENDING_VERIFICATION
    other = services.register(session.pk, region.erik).registration
    assert other.status == Status.CONFIRMED
    services.confirm_email(reg.token)
    reg.refresh_from_db()
    assert reg.status == Status.WAITLISTED
    assert services.confirm_email("nonsense") is None


def test_late_cancellation_after_the_deadline_unless_waived(region):
    session = make_session(region.consortium, cancellation_deadline=timezone.now() - timedelta(hours=1))
    a = services.register(session.pk, region.anna).registration
    b = services.register(session.pk, region.erik).registration
    assert services.cancel(a.pk).registration.status == Status.LATE_CANCELLED
    assert services.cancel(b.pk, region.samordnare, waive_late=True).registration.status == Status.CANCELLED
    with pytest.raises(InvalidTransition):
        services.cancel(a.pk)


def test_capacity_cannot_drop_below_booked_and_raising_promotes_in_order(region):
    session = make_session(region.consortium, capacity=2)
    regs = [services.register(session.pk, p).registration for p in people(region, 5)]
    with pytest.raises(CapacityBelowBooked):
        services.set_capacity(session.pk, 1)
    promoted = services.set_capacity(session.pk, 4)
    assert [r.pk for r in promoted] == [regs[2].pk, regs[3].pk]
    assert counters(session) == (4, 1)


def test_closed_cancelled_and_past_sessions_refuse_registrations(region):
    planned = make_session(region.consortium)
    Session.objects.filter(pk=planned.pk).update(status=Session.Status.PLANNED)
    with pytest.raises(SessionNotOpen):
        services.register(planned.pk, region.anna)
    later = make_session(region.consortium, registration_opens=timezone.now() + timedelta(days=1))
    with pytest.raises(SessionNotOpen):
        services.register(later.pk, region.anna)
    cancelled = make_session(region.consortium)
    Session.objects.filter(pk=cancelled.pk).update(status=Session.Status.CANCELLED)
    with pytest.raises(SessionCancelled):
        services.register(cancelled.pk, region.anna)
    past = make_session(region.consortium, days_ahead=-2)
    with pytest.raises(SessionNotOpen):
        services.register(past.pk, region.anna)
    assert Registration.objects.count() == 0


def test_local_session_for_own_staff_only(region):
    session = make_session(region.consortium, owner_municipality=region.huddinge, local_staff_only=True)
    assert services.register(session.pk, region.erik).registration.status == Status.CONFIRMED
    with pytest.raises(NotEligible):
        services.register(session.pk, region.tove)


def test_cancelling_a_session_cancels_and_tells_everyone(region, django_capture_on_commit_callbacks):
    session = make_session(region.consortium, capacity=1)
    a, b = (services.register(session.pk, p).registration for p in people(region, 2))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.cancel_all_for_session(session.pk, region.samordnare) == 2
    assert {r.status for r in Registration.objects.all()} == {Status.CANCELLED}
    assert len(sent_to("session_cancelled")) == 2
    assert counters(session) == (0, 0)


def test_every_change_is_in_the_history(region):
    session = make_session(region.consortium, capacity=1)
    a = services.register(session.pk, region.anna, registered_by=region.cka_huddinge).registration
    services.cancel(a.pk, region.samordnare, reason="Krock")
    events = list(a.events.values_list("from_status", "to_status", "actor__username", "reason"))
    assert events == [("", "confirmed", "cka-huddinge", "Registered"), ("confirmed", "cancelled", "samordnare", "Krock")]


def test_a_person_may_register_again_after_cancelling(region):
    session = make_session(region.consortium)
    first = services.register(session.pk, region.anna).registration
    services.cancel(first.pk)
    again = services.register(session.pk, region.anna)
    assert again.created and again.registration.pk != first.pk


def test_unconfirmed_and_unapproved_registrations_expire(region):
    session = make_session(region.consortium, requires_approval=True)
    open_session = make_session(region.consortium)
    unverified = services.register(open_session.pk, region.erik, verified=False).registration
    pending = services.register(session.pk, region.anna).registration
    assert services.expire_pending() == 0
    assert services.expire_pending(timezone.now() + timedelta(hours=49)) == 1
    unverified.refresh_from_db()
    assert unverified.status == Status.EXPIRED
    assert services.expire_pending(timezone.now() + timedelta(days=31)) == 1
    pending.refresh_from_db()
    assert pending.status == Status.EXPIRED
    assert services.confirm_email(unverified.token).status == Status.EXPIRED


def test_managers_are_reminded_of_waiting_approvals(region, django_capture_on_commit_callbacks):
    region.chef_solgarden.email = "chef@huddinge.se"
    region.chef_solgarden.save()
    session = make_session(region.consortium, requires_approval=True)
    services.register(session.pk, region.anna)
    assert services.remind_approvers() == 0
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_approvers(timezone.now() + timedelta(days=4)) == 1
    assert sent_to("approval_reminder") == ["chef@huddinge.se"]
