"""The completion rule: every occasion or a share, partly as half, late registrations, corrections."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from larnav.attendance import selectors, services
from larnav.attendance.models import AttendanceRecord, CompletionRule
from larnav.attendance.testing import make_course, shift_registrations, shift_timeline
from larnav.catalog.models import Occasion
from larnav.registrations import services as registration_services
from larnav.registrations.models import RegistrationEvent, Status

pytestmark = pytest.mark.django_db

A, P, X, E = "attended", "partly", "absent", "excused"
DAY = timedelta(days=1)


def _course_with(region, people, *, occasions=2, trainer=None, **kwargs):
    """A course with ``occasions`` occasions (a day apart), the people registered, then all of it moved
    into the past so that every occasion has ended."""
    session = make_course(region.consortium, starts_in_hours=[24 * (i + 1) for i in range(occasions)],
                          trainers=[trainer] if trainer else [], **kwargs)
    regs = {p.first_name: registration_services.register(session.pk, p).registration for p in people}
    shift_timeline(session, -(occasions + 2) * DAY)
    return session, regs


def _mark(session, marks_per_occasion, actor):
    """``marks_per_occasion``: one dict per occasion, registration -> status."""
    result = None
    for occasion, marks in zip(session.occasions.order_by("start"), marks_per_occasion, strict=True):
        result = services.save_attendance(occasion.pk, {reg.pk: status for reg, status in marks.items()}, actor)
    return result


def _status(reg):
    reg.refresh_from_db()
    return reg.status


def test_every_occasion_is_the_default_rule(region, trainer):
    session, regs = _course_with(region, [region.anna, region.erik], trainer=trainer)
    anna, erik = regs["Anna"], regs["Erik"]
    result = _mark(session, [{anna: A, erik: A}, {anna: A, erik: X}], trainer)
    assert result.decision.completed == 1 and result.decision.no_show == 1
    assert _status(anna) == Status.COMPLETED and anna.hours_credited == Decimal("6.0")
    assert _status(erik) == Status.NO_SHOW and erik.hours_credited is None
    # The outcome is recorded in the registration's history, by the trainer.
    event = RegistrationEvent.objects.filter(registration=anna).last()
    assert event.to_status == Status.COMPLETED and event.actor == trainer


def test_partly_counts_as_half_and_excused_stays_in_the_denominator(region, trainer, lukasz):
    people = [region.anna, region.erik, region.sara, region.tove, lukasz]
    session, regs = _course_with(region, people, occasions=4, trainer=trainer)
    CompletionRule.objects.create(consortium=region.consortium, activity=session.activity,
                                  kind=CompletionRule.Kind.SHARE, share_percent=75)
    anna, erik, sara, tove, lukasz_reg = (regs[p.first_name] for p in people)
    _mark(session, [
        {anna: A, erik: A, sara: A, tove: A, lukasz_reg: A},
        {anna: A, erik: A, sara: A, tove: A, lukasz_reg: A},
        {anna: A, erik: P, sara: P, tove: A, lukasz_reg: E},
        {anna: P, erik: P, sara: X, tove: E, lukasz_reg: E},
    ], trainer)
    assert _status(anna) == Status.COMPLETED  # 3.5 of 4 = 87.5 %
    assert _status(erik) == Status.COMPLETED  # 3 of 4 = 75 %: exactly enough
    assert _status(sara) == Status.NO_SHOW  # 2.5 of 4 = 62.5 %
    assert _status(tove) == Status.COMPLETED  # 3 of 4: the excused occasion counts as not attended
    assert _status(lukasz_reg) == Status.NO_SHOW  # 2 of 4: excused twice is still half the course
    progress = {row.registration.pk: row for row in selectors.session_progress(session).rows}
    assert progress[erik.pk].score == 3 and progress[erik.pk].share_percent == 75
    assert progress[sara.pk].share_percent == 62


def test_every_occasion_rule_is_not_met_by_partly(region, trainer):
    session, regs = _course_with(region, [region.anna], trainer=trainer)
    _mark(session, [{regs["Anna"]: A}, {regs["Anna"]: P}], trainer)
    assert _status(regs["Anna"]) == Status.NO_SHOW


def test_unmarked_occasion_counts_as_not_attended(region, trainer):
    session, regs = _course_with(region, [region.anna, region.erik], trainer=trainer)
    anna, erik = regs["Anna"], regs["Erik"]
    _mark(session, [{anna: A, erik: A}, {anna: A}], trainer)  # Erik left unmarked on the second occasion
    assert _status(anna) == Status.COMPLETED
    assert _status(erik) == Status.NO_SHOW


def test_nothing_is_decided_before_the_last_occasion_has_ended(region, trainer):
    session = make_course(region.consortium, starts_in_hours=[24, 48], trainers=[trainer])
    anna = registration_services.register(session.pk, region.anna).registration
    shift_timeline(session, -timedelta(hours=30))  # the first occasion is over, the second is tomorrow
    first, second = session.occasions.order_by("start")
    assert first.end < timezone.now() < second.start
    result = services.save_attendance(first.pk, {anna.pk: A}, trainer)
    assert result.saved == 1 and result.decision is None
    assert _status(anna) == Status.CONFIRMED
    assert services.evaluate_session(session.pk) is None


def test_nothing_is_decided_until_attendance_is_taken_for_every_occasion(region, trainer):
    session, regs = _course_with(region, [region.anna], trainer=trainer)
    first, second = session.occasions.order_by("start")
    result = services.save_attendance(second.pk, {regs["Anna"].pk: A}, trainer)
    assert result.decision is None
    assert _status(regs["Anna"]) == Status.CONFIRMED
    progress = selectors.session_progress(session)
    assert progress.untaken == [first] and not progress.decidable
    services.save_attendance(first.pk, {regs["Anna"].pk: A}, trainer)
    assert _status(regs["Anna"]) == Status.COMPLETED


def test_late_registration_is_not_marked_absent_for_what_came_before(region, trainer):
    session = make_course(region.consortium, starts_in_hours=[24, 48], trainers=[trainer])
    anna = registration_services.register(session.pk, region.anna).registration
    # Anna registered days ago; the first occasion took place yesterday, and Erik registers now.
    shift_registrations(session.registrations.all(), -5 * DAY)
    first = session.occasions.order_by("start").first()
    Occasion.objects.filter(pk=first.pk).update(start=first.start - 2 * DAY, end=first.end - 2 * DAY)
    erik = registration_services.register(session.pk, region.erik).registration
    assert erik.status == Status.CONFIRMED
    first.refresh_from_db()
    sheet = {row.registration.pk: row for row in selectors.occasion_sheet(first)}
    assert sheet[anna.pk].applicable and not sheet[erik.pk].applicable
    # Now the whole course ends; the trainer marks the first occasion without Erik.
    shift_timeline(session, -3 * DAY)
    first, second = session.occasions.order_by("start")
    services.save_attendance(first.pk, {anna.pk: A}, trainer)
    services.save_attendance(second.pk, {anna.pk: A, erik.pk: A}, trainer)
    assert _status(anna) == Status.COMPLETED
    assert _status(erik) == Status.COMPLETED  # 1 of 1 applicable occasion
    row = {r.registration.pk: r for r in selectors.session_progress(session).rows}[erik.pk]
    assert row.applicable == 1 and row.cells[first.pk] == "not_applicable"
    # Had he missed the second occasion too, he would be a no-show.
    services.save_attendance(second.pk, {erik.pk: X}, trainer)
    assert _status(erik) == Status.NO_SHOW


def test_a_late_participant_who_came_anyway_is_counted(region, trainer):
    session = make_course(region.consortium, starts_in_hours=[24, 48], trainers=[trainer])
    first = session.occasions.order_by("start").first()
    Occasion.objects.filter(pk=first.pk).update(start=first.start - 2 * DAY, end=first.end - 2 * DAY)
    erik = registration_services.register(session.pk, region.erik).registration
    shift_timeline(session, -3 * DAY)
    first, second = session.occasions.order_by("start")
    services.save_attendance(first.pk, {erik.pk: P}, trainer)
    services.save_attendance(second.pk, {erik.pk: A}, trainer)
    row = selectors.session_progress(session).rows[0]
    assert row.applicable == 2 and row.score == 1.5
    assert _status(erik) == Status.NO_SHOW  # every occasion he counts for, and partly is only half


def test_promotion_from_the_waiting_list_counts_from_when_the_seat_was_given(region, trainer):
    session = make_course(region.consortium, starts_in_hours=[24, 48], trainers=[trainer], capacity=1)
    anna = registration_services.register(session.pk, region.anna).registration
    erik = registration_services.register(session.pk, region.erik).registration
    assert erik.status == Status.WAITLISTED
    shift_timeline(session, -2 * DAY)  # the first occasion has taken place, with Erik still waiting
    registration_services.cancel(anna.pk, reason="Sjuk")
    assert _status(erik) == Status.CONFIRMED
    shift_timeline(session, -2 * DAY)
    first, second = session.occasions.order_by("start")
    assert not selectors.is_applicable(first, selectors.seat_since([erik])[erik.pk])
    # Nobody on the list could have come to the first occasion, so it need not be taken.
    result = services.save_attendance(second.pk, {erik.pk: A}, trainer)
    assert result.decision is not None and selectors.session_progress(session).untaken == []
    assert _status(erik) == Status.COMPLETED
    assert _status(anna) == Status.CANCELLED  # cancelled registrations are never decided


def test_a_correction_decides_again_and_deciding_again_changes_nothing(region, trainer):
    session, regs = _course_with(region, [region.anna, region.erik], trainer=trainer)
    anna, erik = regs["Anna"], regs["Erik"]
    _mark(session, [{anna: A, erik: A}, {anna: A, erik: A}], trainer)
    assert _status(erik) == Status.COMPLETED and erik.hours_credited == Decimal("6.0")
    events = RegistrationEvent.objects.count()
    # Deciding again with the same attendance writes nothing.
    decision = services.evaluate_session(session.pk)
    assert decision.completed == 2 and decision.changed == []
    assert services.save_attendance(session.occasions.last().pk, {anna.pk: A, erik.pk: A}, trainer).saved == 0
    assert RegistrationEvent.objects.count() == events
    # The trainer corrects Erik's second occasion: he was not there after all.
    second = session.occasions.order_by("start").last()
    result = services.save_attendance(second.pk, {erik.pk: X}, trainer)
    assert [r.pk for r in result.decision.changed] == [erik.pk]
    assert _status(erik) == Status.NO_SHOW and erik.hours_credited is None
    # ...and back again.
    services.save_attendance(second.pk, {erik.pk: A}, trainer)
    assert _status(erik) == Status.COMPLETED and erik.hours_credited == Decimal("6.0")
    assert list(RegistrationEvent.objects.filter(registration=erik).values_list("to_status", flat=True)[1:]) == [
        Status.COMPLETED, Status.NO_SHOW, Status.COMPLETED]
    assert AttendanceRecord.objects.filter(registration=erik).count() == 2


def test_changing_the_rule_decides_ended_sessions_again(region, trainer):
    session, regs = _course_with(region, [region.anna], trainer=trainer)
    anna = regs["Anna"]
    _mark(session, [{anna: A}, {anna: X}], trainer)
    assert _status(anna) == Status.NO_SHOW
    rule, changed = services.save_rule(session.activity, kind=CompletionRule.Kind.SHARE, share_percent=50,
                                       actor=region.samordnare)
    assert changed == 1 and rule.required_percent == 50
    assert _status(anna) == Status.COMPLETED
    rule, changed = services.save_rule(session.activity, kind=CompletionRule.Kind.ALL_OCCASIONS, share_percent=50,
                                       actor=region.samordnare)
    assert rule.share_percent is None and changed == 1
    assert _status(anna) == Status.NO_SHOW
    assert CompletionRule.objects.count() == 1


def test_a_share_rule_needs_a_share(region):
    from django.core.exceptions import ValidationError

    session = make_course(region.consortium)
    with pytest.raises(ValidationError):
        services.save_rule(session.activity, kind=CompletionRule.Kind.SHARE, share_percent=None,
                           actor=region.samordnare)
    with pytest.raises(ValidationError):
        services.save_rule(session.activity, kind=CompletionRule.Kind.SHARE, share_percent=101,
                           actor=region.samordnare)
    assert not CompletionRule.objects.exists()


def test_attendance_cannot_be_taken_long_before_an_occasion(region, trainer):
    session = make_course(region.consortium, starts_in_hours=[5], trainers=[trainer])
    anna = registration_services.register(session.pk, region.anna).registration
    with pytest.raises(services.AttendanceError):
        services.save_attendance(session.occasions.get().pk, {anna.pk: A}, trainer)
    # From half an hour before it starts, it can.
    shift_timeline(session, -timedelta(hours=4, minutes=40))
    assert services.save_attendance(session.occasions.get().pk, {anna.pk: A}, trainer).saved == 1


def test_only_registrations_with_a_seat_can_be_marked(region, trainer):
    session = make_course(region.consortium, starts_in_hours=[24], trainers=[trainer], capacity=1)
    registration_services.register(session.pk, region.anna)
    erik = registration_services.register(session.pk, region.erik).registration
    assert erik.status == Status.WAITLISTED
    shift_timeline(session, -2 * DAY)
    with pytest.raises(services.AttendanceError):
        services.save_attendance(session.occasions.get().pk, {erik.pk: A}, trainer)
    assert not AttendanceRecord.objects.exists()


def test_the_scheduled_run_decides_sessions_whose_attendance_was_taken_during_the_last_occasion(region, trainer):
    session = make_course(region.consortium, starts_in_hours=[1], trainers=[trainer])
    anna = registration_services.register(session.pk, region.anna).registration
    shift_timeline(session, -timedelta(hours=2))  # the occasion is under way
    assert services.save_attendance(session.occasions.get().pk, {anna.pk: A}, trainer).decision is None
    assert services.evaluate_finished_sessions() == 0  # not over yet
    shift_timeline(session, -timedelta(hours=3))
    from django.core.management import call_command

    call_command("decide_completion", verbosity=0)
    assert _status(anna) == Status.COMPLETED
    assert services.evaluate_finished_sessions() == 0  # nothing left to decide
