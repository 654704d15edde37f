"""The registration rules under random sequences of actions (hypothesis stateful testing)."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from larnav.catalog.models import Session, SessionQuota
from larnav.core.testing import Region, make_person
from larnav.registrations import services
from larnav.registrations.errors import RegistrationError
from larnav.registrations.models import ACTIVE_STATUSES, Registration, Status
from larnav.registrations.testing import make_session


class SeatMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each example runs in its own transaction, rolled back in teardown().
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.region = Region()
        r = self.region
        self.session = make_session(r.consortium, capacity=3, requires_approval=False)
        self.approval_session = make_session(r.consortium, capacity=2, requires_approval=True)
        SessionQuota.objects.create(session=self.session, municipality=r.huddinge, seats=2)
        workplaces = [r.solgarden, r.ekbacken, r.tibble, r.ringvagen]
        self.persons = [make_person(r.consortium, workplaces[i % 4]) for i in range(8)]
        self.sessions = [self.session, self.approval_session]

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def mine(self):
        return Registration.objects.filter(session__in=self.sessions)

    @rule(person=st.integers(0, 7), which=st.integers(0, 1), verified=st.booleans())
    def register(self, person, which, verified):
        services.register(self.sessions[which].pk, self.persons[person], verified=verified)

    @rule(index=st.integers(0, 40))
    def cancel(self, index):
        regs = list(self.mine().filter(status__in=ACTIVE_STATUSES).order_by("pk"))
        if regs:
            services.cancel(regs[index % len(regs)].pk)

    @rule(index=st.integers(0, 40), approve=st.booleans())
    def decide(self, index, approve):
        regs = list(self.mine().filter(status=Status.PENDING_APPROVAL).order_by("pk"))
        if regs:
            reg = regs[index % len(regs)]
            (services.approve if approve else services.decline)(reg.pk, self.region.chef_solgarden)

    @rule(index=st.integers(0, 40))
    def confirm_email(self, index):
        regs = list(self.mine().filter(status=Status.PENDING_VERIFICATION).order_by("pk"))
        if regs:
            services.confirm_email(regs[index % len(regs)].token)

    @rule(which=st.integers(0, 1), capacity=st.integers(1, 6))
    def set_capacity(self, which, capacity):
        try:
            services.set_capacity(self.sessions[which].pk, capacity)
        except RegistrationError:
            session = Session.objects.get(pk=self.sessions[which].pk)
            assert capacity < session.confirmed_count

    @invariant()
    def seats_are_never_oversold_and_counters_match(self):
        for session in Session.objects.filter(pk__in=[s.pk for s in self.sessions]):
            regs = Registration.objects.filter(session=session)
            confirmed = regs.filter(status=Status.CONFIRMED).count()
            waiting = regs.filter(status=Status.WAITLISTED).count()
            assert session.confirmed_count == confirmed <= session.capacity
            assert session.waitlist_count == waiting

    @invariant()
    def nobody_waits_for_a_seat_they_could_have(self):
        for session in Session.objects.filter(pk__in=[s.pk for s in self.sessions]):
            if session.confirmed_count >= session.capacity:
                continue
            quotas = dict(session.quotas.values_list("municipality_id", "seats"))
            for reg in Registration.objects.filter(session=session, status=Status.WAITLISTED):
                quota = quotas.get(reg.municipality_id)
                assert quota is not None, "a waitlisted person without quota while seats are free"
                used = Registration.objects.filter(session=session, status=Status.CONFIRMED,
                                                   municipality_id=reg.municipality_id).count()
                assert used >= quota

    @invariant()
    def one_active_registration_per_person_and_session(self):
        for session in self.sessions:
            active = Registration.objects.filter(session=session, status__in=ACTIVE_STATUSES)
            assert active.count() == active.values("person").distinct().count()

    @invariant()
    def approval_is_never_skipped(self):
        for reg in Registration.objects.filter(session=self.approval_session,
                                               status__in=[Status.CONFIRMED, Status.WAITLISTED]):
            assert reg.approver_id is not None


@pytest.mark.django_db
def test_registration_rules_hold_for_any_sequence_of_actions():
    run_state_machine_as_test(SeatMachine, settings=settings(
        max_examples=25, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    ))
