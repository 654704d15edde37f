"""The coordinators' pages: outbox, failed jobs, template editor; scoped to those who manage messages."""

import pytest
from django.core import mail

from larnav.core.testing import make_consortium, make_user
from larnav.notifications import outbox
from larnav.notifications.models import (
    JobFailure,
    MessageStatus,
    MessageTemplate,
    NotificationSettings,
    OutgoingMessage,
)
from larnav.registrations import services as registrations
from larnav.registrations.testing import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(region):
    session = make_session(region.consortium, title="Lågaffektivt bemötande")
    registrations.register(session.pk, region.anna)
    registrations.register(session.pk, region.erik)
    outbox.deliver_due()
    return session


def test_only_those_who_manage_messages_see_the_outbox(client, region, sent):
    assert client.get("/utskick/").status_code == 302  # to sign in
    for user in (region.cka_huddinge, region.chef_solgarden, region.deltagare):
        client.force_login(user)
        assert client.get("/utskick/").status_code == 403
    row = OutgoingMessage.objects.first()
    client.force_login(region.cka_huddinge)
    assert client.get(f"/utskick/meddelande/{row.pk}/").status_code == 403
    # A coordinator of another consortium sees none of these messages.
    from larnav.accounts.models import Role

    other = make_user(make_consortium("Annan samverkan", "annan"), Role.SAMORDNARE, username="annan")
    client.force_login(other)
    assert "anna@huddinge.se" not in client.get("/utskick/").content.decode()
    assert client.get(f"/utskick/meddelande/{row.pk}/").status_code == 404


def test_the_outbox_lists_searches_and_filters(client, region, sent, django_assert_max_num_queries):
    client.force_login(region.samordnare)
    page = client.get("/utskick/").content.decode()
    assert "anna@huddinge.se" in page and "erik@ekbacken.se" in page and "Din plats är bekräftad" in page
    page = client.get("/utskick/?q=erik").content.decode()
    assert "erik@ekbacken.se" in page and "anna@huddinge.se" not in page
    assert "anna@huddinge.se" not in client.get("/utskick/?status=failed").content.decode()
    assert "Inget meddelande matchar filtret." in client.get("/utskick/?status=failed").content.decode()
    assert "anna@huddinge.se" in client.get("/utskick/?kind=registration_confirmed&sort=-recipient").content.decode()
    # Garbage in filters is ignored, not an error.
    assert client.get("/utskick/?since=igår&until=2026-13-45&sort=nonsense&page=x").status_code == 200
    # The page costs the same number of queries however many messages there are.
    with django_assert_max_num_queries(12):
        client.get("/utskick/")


def test_the_outbox_pages_its_list(client, region):
    for i in range(55):
        outbox.queue_message("sign_in_link", to=f"p{i}@example.se", consortium=region.consortium)
    client.force_login(region.samordnare)
    first = client.get("/utskick/").content.decode()
    assert "55 meddelanden" in first and 'rel="next"' in first
    assert 'rel="prev"' in client.get("/utskick/?page=2").content.decode()


def test_a_message_shows_what_was_sent(client, region, sent):
    client.force_login(region.samordnare)
    row = OutgoingMessage.objects.get(to_email="anna@huddinge.se")
    page = client.get(f"/utskick/meddelande/{row.pk}/").content.decode()
    assert "Hej Anna!" in page and "BEGIN:VCALENDAR" in page
    assert str(row.uuid) in page
    assert "Skicka igen" not in page  # it was sent


def test_a_failed_message_is_listed_with_its_reason_and_can_be_sent_again(client, region,
                                                                         django_capture_on_commit_callbacks):
    session = make_session(region.consortium)
    registrations.register(session.pk, region.anna)
    OutgoingMessage.objects.update(status=MessageStatus.FAILED, attempts=6, last_error="SMTPDataError: 554 nej")
    client.force_login(region.samordnare)
    page = client.get("/utskick/misslyckade/").content.decode()
    assert "554 nej" in page and "anna@huddinge.se" in page
    row = OutgoingMessage.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/utskick/meddelande/{row.pk}/skicka-igen/", {"next": "/utskick/misslyckade/"})
    assert response.status_code == 302 and response["Location"] == "/utskick/misslyckade/"
    row.refresh_from_db()
    assert row.status == MessageStatus.SENT and [m.to for m in mail.outbox] == [["anna@huddinge.se"]]
    # Sending again is only for failed messages.
    client.post(f"/utskick/meddelande/{row.pk}/skicka-igen/")
    assert len(mail.outbox) == 1


def test_a_failed_job_can_be_run_again(client, region, django_capture_on_commit_callbacks):
    failure = JobFailure.objects.create(job_key="k1", task_path="larnav.notifications.tasks.decide_completion",
                                        args_kwargs={"args": [], "kwargs": {}}, error="OperationalError: boom",
                                        traceback="Traceback: secret detail")
    client.force_login(region.samordnare)
    page = client.get("/utskick/misslyckade/").content.decode()
    # The job and the reason in the reader's language; the exception as technical details.
    assert "Avgör genomförande efter sista träffen" in page and "Jobbet avbröts av ett fel." in page
    assert "OperationalError: boom" in page and "secret detail" not in page  # tracebacks: operators only
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/utskick/misslyckade/jobb/{failure.pk}/kor-igen/").status_code == 302
    failure.refresh_from_db()
    assert failure.state == JobFailure.State.RESOLVED and failure.retried_by == region.samordnare
    assert client.get(f"/utskick/misslyckade/jobb/{failure.pk}/kor-igen/").status_code == 405


def test_a_job_left_by_a_stopped_worker_is_explained_in_swedish(client, region):
    JobFailure.objects.create(job_key="k2", task_path="larnav.reports.tasks.build_report",
                              args_kwargs={"args": [1], "kwargs": {}}, cause=JobFailure.Cause.ABANDONED,
                              error="AbandonedJob: The worker stopped before the job ended.")
    JobFailure.objects.create(job_key="k3", task_path="larnav.gone.tasks.removed_job", args_kwargs={},
                              error="ImportError: gone")
    client.force_login(region.samordnare)
    page = client.get("/utskick/misslyckade/").content.decode()
    assert "Skapa en rapport" in page and "Arbetsprocessen som körde jobbet stoppades" in page
    assert "larnav.gone.tasks.removed_job" in page  # a job that no longer exists is named by its path
    client.cookies["django_language"] = "en"
    page = client.get("/utskick/misslyckade/").content.decode()
    assert "Build a report" in page and "The worker running the job stopped" in page


def test_a_template_with_an_unknown_placeholder_is_not_saved(client, region):
    client.force_login(region.samordnare)
    url = "/utskick/mallar/registration_confirmed/sv/"
    response = client.post(url, {"subject": "Välkommen {{ first_name }}", "body": "Hej {{ förnamn }} {{ x",
                                 "action": "save"})
    page = response.content.decode()
    assert response.status_code == 200 and "Okänd platshållare {{ förnamn }}" in page
    assert "Klammerparenteserna går inte ihop" in page
    assert not MessageTemplate.objects.exists()


def test_a_coordinator_edits_a_text_previews_it_against_a_real_registration_and_it_is_used(
        client, region, django_capture_on_commit_callbacks):
    session = make_session(region.consortium, title="Lågaffektivt bemötande")
    reg = registrations.register(session.pk, region.erik).registration
    client.force_login(region.samordnare)
    url = "/utskick/mallar/registration_confirmed/sv/"
    draft = {"subject": "Plats klar: {{ activity }}", "body": "Hej {{ first_name }}, välkommen!\n\n{{ dates }}",
             "registration": reg.pk, "action": "preview"}
    page = client.post(url, draft).content.decode()
    assert "Plats klar: Lågaffektivt bemötande" in page and "Hej Erik, välkommen!" in page
    assert not MessageTemplate.objects.exists()  # a preview saves nothing
    response = client.post(url, {**draft, "action": "save"})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        registrations.register(session.pk, region.anna)
    assert "Plats klar: Lågaffektivt bemötande" in [m.subject for m in mail.outbox]
    assert "Egen text" in client.get("/utskick/mallar/").content.decode()
    # Back to the built-in text, after a confirmation page.
    assert "Ta bort vår text" in client.get(url + "aterstall/").content.decode()
    client.post(url + "aterstall/")
    assert not MessageTemplate.objects.exists()


def test_unknown_kind_or_language_is_404(client, region):
    client.force_login(region.samordnare)
    assert client.get("/utskick/mallar/no_such/sv/").status_code == 404
    assert client.get("/utskick/mallar/registration_confirmed/de/").status_code == 404


def test_reminder_days_are_set_on_the_templates_page(client, region):
    client.force_login(region.samordnare)
    response = client.post("/utskick/mallar/", {"reminder_days": "5", "send_evaluation_invitations": ""})
    assert response.status_code == 302
    saved = NotificationSettings.objects.get(consortium=region.consortium)
    assert saved.reminder_days == 5 and not saved.send_evaluation_invitations
    page = client.post("/utskick/mallar/", {"reminder_days": "99"}).content.decode()
    assert "30" in page and NotificationSettings.objects.get().reminder_days == 5
