"""QR self check-in: the trainer's code, its window, and who can use it."""

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings

from larnav.attendance import services
from larnav.attendance.models import AttendanceRecord
from larnav.attendance.testing import make_course, shift_timeline
from larnav.catalog.models import Occasion
from larnav.registrations import services as registration_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(region, trainer):
    """An occasion under way: it started ten minutes ago and lasts three hours. Anna is registered."""
    session = make_course(region.consortium, starts_in_hours=[24], trainers=[trainer])
    session.anna = registration_services.register(session.pk, region.anna).registration
    shift_timeline(session, -timedelta(hours=24, minutes=10))
    return session


def _code_url(client, trainer, occasion):
    client.force_login(trainer)
    response = client.get(f"/narvaro/traff/{occasion.pk}/incheckning/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and 'role="img"' in body
    url = re.search(r'href="https?://testserver(/narvaro/checka-in/[^"]+/)"', body).group(1)
    client.logout()  # which also forgets the cookies: choose English again
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return url


def test_a_registered_participant_checks_in(client, region, trainer, course):
    occasion = course.occasions.get()
    url = _code_url(client, trainer, occasion)
    client.force_login(region.deltagare)  # Anna
    response = client.get(url)
    assert response.status_code == 200 and 'type="submit"' in response.content.decode()
    assert not AttendanceRecord.objects.exists()  # opening the link alone changes nothing
    response = client.post(url)
    assert "You are checked in" in response.content.decode()
    record = AttendanceRecord.objects.get()
    assert (record.registration, record.occasion, record.status, record.method, record.marked_by) == (
        course.anna, occasion, "attended", "check_in", region.deltagare)
    # Scanning again is harmless.
    response = client.post(url)
    assert "already recorded: Attended" in response.content.decode()
    assert AttendanceRecord.objects.count() == 1


def test_check_in_does_not_override_the_trainer(client, region, trainer, course):
    occasion = course.occasions.get()
    services.save_attendance(occasion.pk, {course.anna.pk: "excused"}, trainer)
    url = _code_url(client, trainer, occasion)
    client.force_login(region.deltagare)
    assert "already recorded: Excused" in client.post(url).content.decode()
    assert AttendanceRecord.objects.get().status == "excused"


def test_someone_not_registered_gets_a_clear_message(client, region, trainer, course, tove_user):
    url = _code_url(client, trainer, course.occasions.get())
    for user in (tove_user, region.cka_huddinge):  # a participant not registered; staff without a person
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403
        assert "You do not have a confirmed registration" in response.content.decode()
        assert client.post(url).status_code == 403
    assert not AttendanceRecord.objects.exists()


def test_a_cancelled_registration_cannot_check_in(client, region, trainer, course):
    url = _code_url(client, trainer, course.occasions.get())
    registration_services.cancel(course.anna.pk)
    client.force_login(region.deltagare)
    assert client.post(url).status_code == 403
    assert not AttendanceRecord.objects.exists()


def test_anonymous_visitors_are_asked_to_sign_in(client, region, trainer, course):
    url = _code_url(client, trainer, course.occasions.get())
    response = client.get(url)
    assert response.status_code == 200 and "Sign in to check in" in response.content.decode()
    assert "/konto/logga-in/?next=" in response.content.decode()
    response = client.post(url)
    assert response.status_code == 302 and "/konto/logga-in/" in response["Location"]
    assert not AttendanceRecord.objects.exists()


def test_the_code_works_from_half_an_hour_before_until_the_end(region, trainer, course):
    occasion = course.occasions.get()
    token = services.check_in_token(occasion)
    start, end = occasion.start, occasion.end
    assert services.read_check_in_token(token, now=start - timedelta(minutes=31)).outcome == "not_open"
    assert services.read_check_in_token(token, now=start - timedelta(minutes=29)).outcome == "checked_in"
    assert services.read_check_in_token(token, now=end).outcome == "checked_in"
    assert services.read_check_in_token(token, now=end + timedelta(seconds=1)).outcome == "closed"


def test_after_the_end_check_in_is_closed(client, region, trainer, course):
    occasion = course.occasions.get()
    url = _code_url(client, trainer, occasion)
    with mock.patch("django.utils.timezone.now", return_value=occasion.end + timedelta(minutes=1)):
        client.force_login(region.deltagare)
        response = client.post(url)
        assert response.status_code == 410 and "has closed" in response.content.decode()
        assert not AttendanceRecord.objects.exists()
        # The trainer's page no longer shows a code either.
        client.force_login(trainer)
        body = client.get(f"/narvaro/traff/{occasion.pk}/incheckning/").content.decode()
        assert "<svg" not in body and "has closed" in body


def test_an_expired_signature_is_refused(client, region, trainer, course):
    occasion = course.occasions.get()
    # A code signed four hours ago (longer than the whole check-in window) is too old, although it names
    # an occasion that is under way now.
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 4 * 3600):
        token = services.check_in_token(occasion)
    client.force_login(region.deltagare)
    response = client.post(f"/narvaro/checka-in/{token}/")
    assert response.status_code == 410
    assert not AttendanceRecord.objects.exists()


def test_a_tampered_or_moved_code_is_invalid(client, region, trainer, course):
    occasion = course.occasions.get()
    token = services.check_in_token(occasion)
    client.force_login(region.deltagare)
    other = Occasion.objects.create(session=course, start=occasion.start, end=occasion.end, place="Sal B")
    forged = token.replace(f"{occasion.pk}.", f"{other.pk}.", 1)
    for bad in (forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense-token"):
        response = client.post(f"/narvaro/checka-in/{bad}/")
        assert response.status_code == 400 and "not valid" in response.content.decode()
    # Moving the occasion makes its earlier codes invalid.
    Occasion.objects.filter(pk=occasion.pk).update(start=occasion.start + timedelta(minutes=5))
    assert client.post(f"/narvaro/checka-in/{token}/").status_code == 400
    assert not AttendanceRecord.objects.exists()


def test_before_the_window_the_trainer_sees_when_it_opens(client, region, trainer):
    session = make_course(region.consortium, starts_in_hours=[24], trainers=[trainer])
    client.force_login(trainer)
    body = client.get(f"/narvaro/traff/{session.occasions.get().pk}/incheckning/").content.decode()
    assert "Check-in opens" in body and "<svg" not in body


def test_check_ins_show_on_the_trainers_list(client, region, trainer, course):
    occasion = course.occasions.get()
    url = _code_url(client, trainer, occasion)
    client.force_login(region.deltagare)
    client.post(url)
    client.force_login(trainer)
    body = client.get(f"/narvaro/traff/{occasion.pk}/").content.decode()
    assert "Checked in with the QR code." in body
    assert re.search(rf'name="r{course.anna.pk}" value="attended"[^>]*checked', body)
