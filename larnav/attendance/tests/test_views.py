"""Attendance pages: who may take attendance, the list form, the trainer's page and the rule page."""

from datetime import timedelta

import pytest

from larnav.attendance.models import AttendanceRecord, CompletionRule
from larnav.attendance.testing import make_course, shift_timeline
from larnav.registrations import services as registration_services
from larnav.registrations.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(region, trainer):
    """A one-occasion course that ended yesterday; Anna and Erik confirmed, Sara cancelled, Tove waiting."""
    session = make_course(region.consortium, starts_in_hours=[24], trainers=[trainer], capacity=3)
    regs = {p.first_name: registration_services.register(session.pk, p).registration
            for p in (region.anna, region.erik, region.sara, region.tove)}
    assert regs["Tove"].status == Status.WAITLISTED
    registration_services.cancel(regs["Sara"].pk)  # her seat goes to Tove
    shift_timeline(session, -timedelta(days=2))
    session.regs = regs
    return session


def _url(course):
    return f"/narvaro/traff/{course.occasions.get().pk}/"


def test_trainer_sees_only_confirmed_participants_in_name_order(client, region, trainer, course):
    client.force_login(trainer)
    response = client.get(_url(course))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Åström, Anna" in body and "Öberg, Erik" in body
    assert "Tove" in body  # promoted when Sara cancelled
    assert "Lind, Sara" not in body
    assert body.index("Berg, Tove") < body.index("Åström, Anna") < body.index("Öberg, Erik")
    # One radio group (fieldset) per participant, four choices each.
    assert body.count('class="att-row') == 3
    assert body.count('type="radio"') == 12


def test_trainer_saves_the_list_and_completion_is_decided(client, region, trainer, course):
    client.force_login(trainer)
    anna, erik, tove = course.regs["Anna"], course.regs["Erik"], course.regs["Tove"]
    response = client.post(_url(course), {f"r{anna.pk}": "attended", f"r{erik.pk}": "absent"}, follow=True)
    assert response.status_code == 200
    assert dict(AttendanceRecord.objects.values_list("registration_id", "status")) == {
        anna.pk: "attended", erik.pk: "absent"}
    assert AttendanceRecord.objects.get(registration=anna).marked_by == trainer
    for reg in (anna, erik, tove):
        reg.refresh_from_db()
    assert anna.status == Status.COMPLETED
    assert erik.status == Status.NO_SHOW
    assert tove.status == Status.NO_SHOW  # left unmarked on a list that was taken
    assert "Completion is decided" in response.content.decode()
    # The saved choices are shown when the list is opened again.
    body = client.get(_url(course)).content.decode()
    assert body.count("checked") == 2


def test_save_and_mark_the_rest_attended(client, region, trainer, course):
    client.force_login(trainer)
    erik = course.regs["Erik"]
    client.post(_url(course), {f"r{erik.pk}": "excused", "rest": "attended"})
    assert dict(AttendanceRecord.objects.values_list("registration__person__first_name", "status")) == {
        "Anna": "attended", "Erik": "excused", "Tove": "attended"}


def test_an_invalid_choice_saves_nothing(client, region, trainer, course):
    client.force_login(trainer)
    response = client.post(_url(course), {f"r{course.regs['Anna'].pk}": "present-ish"})
    assert response.status_code == 400
    assert not AttendanceRecord.objects.exists()


def test_coordinator_may_take_attendance(client, region, course):
    client.force_login(region.samordnare)
    assert client.get(_url(course)).status_code == 200
    client.post(_url(course), {f"r{course.regs['Anna'].pk}": "partly"})
    assert AttendanceRecord.objects.get().status == "partly"


@pytest.mark.parametrize("who", ["other_trainer", "participant", "cka_huddinge", "chef_solgarden"])
def test_others_cannot_see_or_mark_attendance(client, region, course, other_trainer, who):
    user = other_trainer if who == "other_trainer" else getattr(region, who, None) or region.deltagare
    client.force_login(user)
    anna = course.regs["Anna"]
    occasion = course.occasions.get()
    for url in (_url(course), f"/narvaro/tillfalle/{course.pk}/", f"/narvaro/traff/{occasion.pk}/namnlista.pdf",
                f"/narvaro/traff/{occasion.pk}/incheckning/"):
        assert client.get(url).status_code == 404, url
    assert client.post(_url(course), {f"r{anna.pk}": "attended"}).status_code == 404
    assert client.post(f"/narvaro/tillfalle/{course.pk}/avgor/").status_code == 404
    assert not AttendanceRecord.objects.exists()
    anna.refresh_from_db()
    assert anna.status == Status.CONFIRMED


def test_anonymous_visitors_are_sent_to_sign_in(client, course):
    response = client.get(_url(course))
    assert response.status_code == 302 and "/konto/logga-in/" in response["Location"]
    assert client.post(_url(course), {}).status_code == 302


def test_a_trainer_of_another_consortium_cannot_reach_the_session(client, region, course):
    from larnav.accounts.models import Role
    from larnav.core.testing import make_consortium, make_user

    elsewhere = make_consortium("Annan samverkan")
    stranger = make_user(elsewhere, Role.SAMORDNARE, username="annan-samordnare")
    course.trainers.add(stranger)  # even if wrongly added as a trainer
    client.force_login(stranger)
    assert client.get(_url(course)).status_code == 404


def test_the_list_cannot_be_saved_before_the_occasion(client, region, trainer):
    session = make_course(region.consortium, starts_in_hours=[24], trainers=[trainer])
    anna = registration_services.register(session.pk, region.anna).registration
    client.force_login(trainer)
    url = f"/narvaro/traff/{session.occasions.get().pk}/"
    body = client.get(url).content.decode()
    assert "Attendance can be taken from" in body and "disabled" in body
    client.post(url, {f"r{anna.pk}": "attended"})
    assert not AttendanceRecord.objects.exists()


def test_the_session_page_shows_attendance_and_outcome(client, region, trainer, course):
    client.force_login(trainer)
    url = f"/narvaro/tillfalle/{course.pk}/"
    body = client.get(url).content.decode()
    assert "Attendance not taken" in body and "Every occasion" in body
    client.post(_url(course), {f"r{course.regs['Anna'].pk}": "attended"})
    body = client.get(url).content.decode()
    assert "Attendance taken" in body and "100 %" in body and "Completed" in body
    # A trainer cannot change the rule; a coordinator gets the link.
    assert "/regel/" not in body
    client.force_login(region.samordnare)
    assert f"/narvaro/aktivitet/{course.activity_id}/regel/" in client.get(url).content.decode()


def test_deciding_from_the_session_page(client, region, trainer, course):
    anna = course.regs["Anna"]
    AttendanceRecord.objects.create(consortium=region.consortium, registration=anna,
                                    occasion=course.occasions.get(), status="attended",
                                    marked_at=course.last_end)
    client.force_login(trainer)
    response = client.post(f"/narvaro/tillfalle/{course.pk}/avgor/", follow=True)
    assert "Completion is decided: 1 completed, 2 did not attend." in response.content.decode()
    anna.refresh_from_db()
    assert anna.status == Status.COMPLETED


def test_trainers_page_lists_own_sessions_only(client, region, trainer, other_trainer, course):
    upcoming = make_course(region.consortium, title="Lågaffektivt bemötande", trainers=[trainer])
    make_course(region.consortium, title="Någon annans kurs", trainers=[other_trainer])
    client.force_login(trainer)
    response = client.get("/narvaro/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Lågaffektivt bemötande" in body and "Motiverande samtal" in body
    assert "Någon annans kurs" not in body
    assert body.index("My upcoming sessions") < body.index("Lågaffektivt") < body.index("My recent sessions")
    assert f"/narvaro/traff/{upcoming.occasions.first().pk}/" in body
    # A coordinator also sees every session of the consortium in the window.
    client.force_login(region.samordnare)
    assert "Någon annans kurs" in client.get("/narvaro/").content.decode()
    # A participant has no such page.
    client.force_login(region.deltagare)
    assert client.get("/narvaro/").status_code == 403


def test_coordinator_sets_the_completion_rule(client, region, trainer, course):
    url = f"/narvaro/aktivitet/{course.activity_id}/regel/"
    client.force_login(trainer)
    assert client.get(url).status_code == 403
    client.force_login(region.samordnare)
    body = client.get(url).content.decode()
    assert "default rule" in body
    response = client.post(url, {"kind": "share"})
    assert response.status_code == 200 and "Give the share" in response.content.decode()
    response = client.post(url, {"kind": "share", "share_percent": "80", "session": str(course.pk)})
    assert response.status_code == 302 and response["Location"] == f"/narvaro/tillfalle/{course.pk}/"
    rule = CompletionRule.objects.get()
    assert (rule.kind, rule.share_percent, rule.updated_by) == ("share", 80, region.samordnare)
    assert "At least 80 % of the occasions" in client.get(f"/narvaro/tillfalle/{course.pk}/").content.decode()
