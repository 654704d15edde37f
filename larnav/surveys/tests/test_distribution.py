"""Distribution: who gets a round, the automatic evaluation after a session, e-mail and reminders."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from larnav.attendance import services as attendance
from larnav.attendance.models import AttendanceRecord, AttendanceStatus
from larnav.attendance.testing import make_course, shift_timeline
from larnav.notifications.models import OutgoingMessage
from larnav.registrations import services as registrations
from larnav.registrations.models import Registration, Status
from larnav.surveys import services
from larnav.surveys.errors import SurveyError
from larnav.surveys.models import ActivityEvaluation, Invitation, Survey
from larnav.surveys.testing import K, course_evaluation, make_round, make_template

pytestmark = pytest.mark.django_db


def deliver():
    """Send what the outbox holds (in a test, on-commit wake-ups of earlier transactions never run)."""
    from larnav.notifications.outbox import deliver_due

    while deliver_due(worker_id="test").claimed:
        pass


def simple(region, **fields):
    return make_template(region.consortium, {"kind": K.SCALE, "text_sv": "Betyg"}, **fields)


@pytest.fixture
def finished(region):
    """A two-occasion course that ended an hour ago: Anna attended, Erik was absent from both, Sara's
    attendance was never taken, Tove cancelled."""
    session = make_course(region.consortium, starts_in_hours=(24, 48), title="Lågaffektivt bemötande")
    regs = {p: registrations.register(session.pk, p).registration for p in
            (region.anna, region.erik, region.sara, region.tove)}
    registrations.cancel(regs[region.tove].pk, None)
    shift_timeline(session, -timedelta(hours=48 + 3 + 1))
    for occasion in session.occasions.all():
        AttendanceRecord.objects.create(consortium=region.consortium, registration=regs[region.anna],
                                        occasion=occasion, status=AttendanceStatus.ATTENDED,
                                        marked_at=timezone.now())
        AttendanceRecord.objects.create(consortium=region.consortium, registration=regs[region.erik],
                                        occasion=occasion, status=AttendanceStatus.ABSENT, marked_at=timezone.now())
    attendance.refresh_present(Registration.objects.filter(session=session))  # as the attendance services do
    return session


def invited(survey):
    return set(Invitation.objects.filter(survey=survey).values_list("email", flat=True))


def test_the_attendees_of_a_session_are_those_who_took_part(region, finished):
    survey = make_round(simple(region), target=Survey.Target.SESSION, session=finished)
    assert invited(survey) == {"anna@huddinge.se", "sara@stockholm.se"}
    Registration.objects.filter(session=finished, person=region.anna).update(status=Status.COMPLETED)
    assert {r.email for r in services.recipients_for(survey)} == {"anna@huddinge.se", "sara@stockholm.se"}


def test_role_groups_reach_users_and_can_be_limited_to_organisations(region):
    survey = make_round(simple(region), target=Survey.Target.ROLES, roles=["cka"])
    assert Invitation.objects.filter(survey=survey).count() == 3
    assert set(Invitation.objects.filter(survey=survey).values_list("user__username", flat=True)) == {
        "cka-huddinge", "cka-taby", "cka-sodermalm"}
    stockholm_only = make_round(simple(region), target=Survey.Target.ROLES, roles=["cka"],
                                organisations=[region.stockholm])
    assert list(Invitation.objects.filter(survey=stockholm_only).values_list("user__username", flat=True)) == [
        "cka-sodermalm"]


def test_organisations_reach_their_staff_once(region):
    survey = make_round(simple(region), target=Survey.Target.ORGANISATIONS,
                        organisations=[region.huddinge, region.aldre])
    assert invited(survey) == {"anna@huddinge.se", "erik@ekbacken.se"}


def test_sending_invites_once_and_mails_through_the_outbox(region, django_capture_on_commit_callbacks):
    template = simple(region, name="CKA-enkät 2026")
    with django_capture_on_commit_callbacks(execute=True):
        survey = make_round(template, target=Survey.Target.ROLES, roles=["cka"], title="CKA-enkät 2026")
    assert OutgoingMessage.objects.filter(kind="survey_invitation").count() == 3
    assert len([m for m in mail.outbox if "/enkater/svara/" in m.body]) == 3
    message = next(m for m in mail.outbox if m.to == [region.cka_huddinge.email])
    assert message.subject == "Enkät: CKA-enkät 2026"
    token = Invitation.objects.get(survey=survey, user=region.cka_huddinge).token
    assert f"/enkater/svara/{token}/" in message.body and "anonyma" in message.body
    assert Invitation.objects.filter(survey=survey, last_mailed_at__isnull=False).count() == 3
    with pytest.raises(SurveyError):
        services.send_survey(survey.pk)
    assert Invitation.objects.filter(survey=survey).count() == 3


def test_a_round_without_recipients_is_not_sent(region):
    empty = make_template(region.consortium, {"kind": K.YES_NO})
    survey = make_round(empty, target=Survey.Target.ROLES, roles=["kontaktperson"], send=False)
    with pytest.raises(SurveyError):
        services.send_survey(survey.pk)
    survey.refresh_from_db()
    assert survey.sent_at is None and not survey.version.is_frozen


def test_reminders_go_only_to_those_who_have_not_answered(region):
    template = simple(region)
    survey = make_round(template, target=Survey.Target.ROLES, roles=["cka"], remind_after_days=3,
                        max_reminders=1)
    huddinge = Invitation.objects.get(survey=survey, user=region.cka_huddinge)
    services.submit_response(survey.pk, {}, invitation_token=huddinge.token)
    # Just mailed: nobody is reminded yet, by hand or by the job.
    assert services.remindable_count(survey) == 0
    assert services.send_due_mail()["reminders"] == 0
    later = timezone.now() + timedelta(days=3, minutes=1)
    assert services.send_due_mail(now=later) == {"invitations": 0, "reminders": 2}
    deliver()
    reminders = [m for m in mail.outbox if m.subject.startswith("Påminnelse")]
    assert sorted(m.to[0] for m in reminders) == sorted([region.cka_taby.email, region.cka_sodermalm.email])
    assert set(Invitation.objects.filter(survey=survey).values_list("reminders_sent", flat=True)) == {0, 1}
    # At most one reminder: the next run sends nothing.
    assert services.send_due_mail(now=later + timedelta(days=5))["reminders"] == 0
    # A reminder by hand is still possible (once a day).
    assert services.remind(survey.pk, now=later + timedelta(days=1)) == 2


def test_a_scheduled_round_mails_when_it_opens(region):
    survey = make_round(simple(region), target=Survey.Target.ROLES, roles=["cka"],
                        opens_at=timezone.now() + timedelta(days=2))
    assert not OutgoingMessage.objects.exists()
    assert services.send_due_mail()["invitations"] == 0
    assert services.send_due_mail(now=timezone.now() + timedelta(days=2, minutes=1))["invitations"] == 3
    assert not Invitation.objects.filter(survey=survey, last_mailed_at__isnull=True).exists()


# --- The automatic evaluation ---------------------------------------------------------------------------------

def test_a_session_that_has_ended_gets_its_evaluation_once(region, finished, django_capture_on_commit_callbacks):
    evaluation = course_evaluation(region.consortium)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("survey_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115
    survey = Survey.objects.get(session=finished)
    assert survey.automatic and survey.version.template == evaluation and survey.anonymous
    assert survey.version.is_frozen
    assert survey.title.startswith("Lågaffektivt bemötande (")
    assert invited(survey) == {"anna@huddinge.se", "sara@stockholm.se"}
    evaluations = [m for m in mail.outbox if "/enkater/svara/" in m.body]
    assert [m.subject for m in evaluations] == ["Hur var det? Utvärdera Lågaffektivt bemötande"] * 2
    assert services.create_due_evaluations() == []
    assert Survey.objects.filter(session=finished).count() == 1


def test_the_activity_names_its_evaluation_or_none(region, finished):
    course_evaluation(region.consortium)
    own = simple(region, name="Egen utvärdering", kind="course_evaluation")
    services.set_activity_evaluation(finished.activity, ActivityEvaluation.Mode.TEMPLATE, own)
    [survey] = services.create_due_evaluations()
    assert survey.version.template == own
    Survey.objects.filter(pk=survey.pk).delete()
    services.set_activity_evaluation(finished.activity, ActivityEvaluation.Mode.NONE, None)
    assert services.create_due_evaluations() == []


def test_the_consortium_switch_turns_automatic_evaluations_off(region, finished):
    from larnav.notifications import services as notification_services

    course_evaluation(region.consortium)
    notification_services.save_settings(region.consortium, reminder_days=2, send_evaluation_invitations=False)
    assert services.create_due_evaluations() == []
    notification_services.save_settings(region.consortium, reminder_days=2, send_evaluation_invitations=True)
    [survey] = services.create_due_evaluations()
    assert survey.session == finished


def test_old_sessions_and_cancelled_sessions_are_not_evaluated(region, finished):
    course_evaluation(region.consortium)
    shift_timeline(finished, -timedelta(days=services.EVALUATION_WINDOW_DAYS + 1))
    assert services.create_due_evaluations() == []
    shift_timeline(finished, timedelta(days=services.EVALUATION_WINDOW_DAYS + 1))
    finished.status = "cancelled"
    finished.save(update_fields=["status"])
    assert services.create_due_evaluations() == []


def test_the_evaluation_uses_the_latest_version_in_use_not_a_draft(region, finished):
    evaluation = course_evaluation(region.consortium)
    first = services.latest_version(evaluation)
    services.freeze(first)
    draft = services.new_version(evaluation)
    [survey] = services.create_due_evaluations()
    assert survey.version == first
    draft.refresh_from_db()
    assert not draft.is_frozen


def test_the_periodic_job_is_registered():
    from larnav.notifications.schedule import periodic_jobs

    assert "larnav.surveys.tasks.survey_jobs" in {job.task_path for job in periodic_jobs()}
