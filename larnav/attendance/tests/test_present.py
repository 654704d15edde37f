"""Registration.present (marked attended or partly on some occasion) follows every attendance write."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps

from larnav.attendance import services
from larnav.attendance.models import PRESENT_STATUSES, AttendanceRecord
from larnav.attendance.testing import make_course, shift_timeline
from larnav.catalog import services as catalog_services
from larnav.registrations import services as registration_services
from larnav.registrations.models import Registration

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _present(reg) -> bool:
    return Registration.objects.get(pk=reg.pk).present


def _flags_match_records():
    """The flag of every registration is what its attendance records say."""
    marked = set(AttendanceRecord.objects.filter(status__in=PRESENT_STATUSES)
                 .values_list("registration_id", flat=True))
    for pk, present in Registration.objects.values_list("pk", "present"):
        assert present == (pk in marked), pk


@pytest.fixture
def course(region, trainer):
    """Two occasions, both over; Anna and Erik registered."""
    session = make_course(region.consortium, starts_in_hours=[24, 48], trainers=[trainer])
    session.anna = registration_services.register(session.pk, region.anna).registration
    session.erik = registration_services.register(session.pk, region.erik).registration
    shift_timeline(session, -4 * DAY)
    return session


def test_the_attendance_list_sets_and_clears_it(region, trainer, course):
    first, second = course.occasions.order_by("start")
    assert not _present(course.anna) and not _present(course.erik)
    services.save_attendance(first.pk, {course.anna.pk: "attended", course.erik.pk: "absent"}, trainer)
    assert _present(course.anna) and not _present(course.erik)
    services.save_attendance(second.pk, {course.erik.pk: "partly"}, trainer)
    assert _present(course.erik)
    # Corrected: Anna was not there after all; Erik excused on the second occasion.
    services.save_attendance(first.pk, {course.anna.pk: "excused"}, trainer)
    services.save_attendance(second.pk, {course.erik.pk: "excused"}, trainer)
    assert not _present(course.anna) and not _present(course.erik)
    _flags_match_records()


@pytest.fixture
def checking_in(region, trainer):
    """One occasion that began ten minutes ago, Anna registered: (Anna's registration, the occasion)."""
    session = make_course(region.consortium, starts_in_hours=[24], trainers=[trainer])
    anna = registration_services.register(session.pk, region.anna).registration
    shift_timeline(session, -timedelta(hours=24, minutes=10))
    return anna, session.occasions.get()


def test_self_check_in_sets_it(region, checking_in):
    anna, occasion = checking_in
    result = services.check_in(services.check_in_token(occasion), region.deltagare)
    assert result.outcome == services.CheckIn.CHECKED_IN
    assert _present(anna)
    _flags_match_records()


def test_check_in_leaves_the_trainers_mark_alone(region, trainer, checking_in):
    anna, occasion = checking_in
    services.save_attendance(occasion.pk, {anna.pk: "absent"}, trainer)
    result = services.check_in(services.check_in_token(occasion), region.deltagare)
    assert result.outcome == services.CheckIn.ALREADY_MARKED
    assert not _present(anna)


def test_removing_the_occasion_someone_attended_clears_it(region, trainer, course):
    first, second = course.occasions.order_by("start")
    services.save_attendance(first.pk, {course.anna.pk: "attended", course.erik.pk: "absent"}, trainer)
    services.save_attendance(second.pk, {course.anna.pk: "absent", course.erik.pk: "attended"}, trainer)
    assert _present(course.anna) and _present(course.erik)
    keep = [catalog_services.OccasionInput(start=second.start, end=second.end, place=second.place, pk=second.pk)]
    course.refresh_from_db()
    catalog_services.save_session(course, occasions=keep, now=second.start - DAY * 10)
    assert not _present(course.anna) and _present(course.erik)
    _flags_match_records()


def test_the_migration_fills_it_from_the_records(region, trainer, course):
    first = course.occasions.order_by("start").first()
    services.save_attendance(first.pk, {course.anna.pk: "partly", course.erik.pk: "absent"}, trainer)
    Registration.objects.update(present=False)
    migration = importlib.import_module("larnav.registrations.migrations.0002_present")
    migration.fill_present(apps, None)
    assert _present(course.anna) and not _present(course.erik)
    _flags_match_records()
