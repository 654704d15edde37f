import csv
import io
import re

import pytest
from django.core import mail

from larnav.core.testing import make_user
from larnav.people.models import Person
from larnav.registrations import services
from larnav.registrations.models import Question, Registration, Status
from larnav.registrations.testing import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(region):
    return make_session(region.consortium, capacity=1)


def test_signed_in_participant_registers_with_answers(client, region, session):
    Question.objects.create(activity=session.activity, text="Behöver du specialkost?", kind="yes_no", required=True)
    client.force_login(region.deltagare)
    url = f"/anmalan/tillfalle/{session.pk}/"
    response = client.post(url, {"consent": "on"})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(url, {"consent": "on", f"q{session.activity.questions.get().pk}": "ja",
                                 "expected_benefit": "Bättre bemötande"})
    reg = Registration.objects.get()
    assert reg.person == region.anna and reg.status == Status.CONFIRMED
    assert reg.answers == {"Behöver du specialkost?": "ja"}
    assert reg.registered_by == region.deltagare
    # A repeated submission returns the existing registration.
    client.post(url, {"consent": "on", f"q{session.activity.questions.get().pk}": "ja"})
    assert Registration.objects.count() == 1


def test_anonymous_registration_counts_after_the_email_link(client, region, session,
                                                            django_capture_on_commit_callbacks):
    url = f"/anmalan/tillfalle/{session.pk}/"
    data = {"first_name": "Nils", "last_name": "Nyström", "email": "Nils@Huddinge.se",
            "workplace": region.solgarden.pk, "occupation": region.occupation.pk, "consent": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    reg = Registration.objects.get()
    assert reg.status == Status.PENDING_VERIFICATION
    assert reg.person.email == "nils@huddinge.se"
    link = re.search(r"https?://[^/]+(/anmalan/bekrafta/\S+/)", mail.outbox[-1].body).group(1)
    assert client.get(link).status_code == 200
    reg.refresh_from_db()
    assert reg.status == Status.PENDING_VERIFICATION  # opening the link alone changes nothing
    client.post(link)
    reg.refresh_from_db()
    assert reg.status == Status.CONFIRMED
    assert response.status_code == 200


def test_anonymous_form_refuses_personnummer_and_missing_consent(client, region, session):
    response = client.post(f"/anmalan/tillfalle/{session.pk}/", {
        "first_name": "198501011234", "last_name": "X", "email": "x@y.se", "workplace": region.solgarden.pk,
        "occupation": region.occupation.pk})
    errors = response.context["form"].errors
    assert "first_name" in errors and "consent" in errors
    assert not Person.objects.filter(email="x@y.se").exists()


def test_participant_cancels_from_the_emailed_link_after_confirming(client, region, session):
    reg = services.register(session.pk, region.anna).registration
    waiting = services.register(session.pk, region.erik).registration
    page = client.get(f"/anmalan/min-anmalan/{reg.token}/")
    assert page.status_code == 200
    assert client.get(f"/anmalan/min-anmalan/{reg.token}/?avboka=1").status_code == 200
    reg.refresh_from_db()
    assert reg.status == Status.CONFIRMED
    client.post(f"/anmalan/min-anmalan/{reg.token}/")
    reg.refresh_from_db()
    waiting.refresh_from_db()
    assert reg.status == Status.CANCELLED and waiting.status == Status.CONFIRMED


def test_unknown_tokens_are_404(client, region):
    assert client.get("/anmalan/min-anmalan/nonsense/").status_code == 404
    assert client.post("/anmalan/bekrafta/nonsense/").status_code == 404


def test_manager_approves_only_own_staff(client, region):
    session = make_session(region.consortium, requires_approval=True)
    own = services.register(session.pk, region.anna).registration
    other = services.register(session.pk, region.tove).registration
    client.force_login(region.chef_solgarden)
    page = client.get("/anmalan/godkannanden/")
    assert [r.pk for r in page.context["pending"]] == [own.pk]
    assert client.post(f"/anmalan/godkannanden/{other.pk}/godkann/").status_code == 404
    client.post(f"/anmalan/godkannanden/{own.pk}/godkann/", {"message": "Självklart"})
    own.refresh_from_db()
    assert own.status == Status.CONFIRMED and own.decision_message == "Självklart"


def test_my_pages_show_bookings_positions_and_hours(client, region, session):
    services.register(session.pk, region.erik)
    services.register(session.pk, region.anna)
    client.force_login(region.deltagare)
    page = client.get("/anmalan/mina-sidor/")
    assert page.status_code == 200
    upcoming = page.context["upcoming"]
    assert upcoming[0].status == Status.WAITLISTED and upcoming[0].position == 1


def test_colleagues_are_registered_with_a_result_each(client, region):
    session = make_session(region.consortium, capacity=1)
    client.force_login(region.cka_huddinge)
    response = client.post(f"/anmalan/tillfalle/{session.pk}/kollegor/",
                           {"persons": [region.anna.pk, region.erik.pk]})
    results = response.context["results"]
    assert [r["registration"].status for r in results] == [Status.CONFIRMED, Status.WAITLISTED]
    # Someone outside the scope cannot be smuggled in.
    response = client.post(f"/anmalan/tillfalle/{session.pk}/kollegor/", {"persons": [region.tove.pk]})
    assert "persons" in response.context["form"].errors


def test_participant_lists_and_exports_are_scoped(client, region):
    session = make_session(region.consortium)
    for person in (region.anna, region.tove):
        services.register(session.pk, person)
    client.force_login(region.cka_taby)
    page = client.get(f"/anmalan/tillfalle/{session.pk}/deltagare/")
    assert [r.person for r in page.context["registrations"]] == [region.tove]
    text = b"".join(client.get(f"/anmalan/tillfalle/{session.pk}/deltagare.csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [r[2] for r in rows[1:]] == ["tove@taby.se"]
    client.force_login(region.samordnare)
    page = client.get(f"/anmalan/tillfalle/{session.pk}/deltagare/")
    assert len(page.context["registrations"]) == 2


def test_trainer_sees_own_session_but_not_others(client, region):
    session = make_session(region.consortium)
    other = make_session(region.consortium)
    session.trainers.add(region.utbildare)
    services.register(session.pk, region.anna)
    client.force_login(region.utbildare)
    assert len(client.get(f"/anmalan/tillfalle/{session.pk}/deltagare/").context["registrations"]) == 1
    assert client.get(f"/anmalan/tillfalle/{other.pk}/deltagare/").status_code == 404
    participant = make_user(region.consortium, username="p2", person=region.tove)
    client.force_login(participant)
    assert client.get(f"/anmalan/tillfalle/{session.pk}/deltagare/").status_code == 404


def test_coordinator_cancels_with_confirmation_and_the_queue_moves(client, region):
    session = make_session(region.consortium, capacity=1)
    first = services.register(session.pk, region.anna).registration
    second = services.register(session.pk, region.erik).registration
    client.force_login(region.samordnare)
    assert client.get(f"/anmalan/anmalan/{first.pk}/avboka/").status_code == 200
    client.post(f"/anmalan/anmalan/{first.pk}/avboka/", {"reason": "Dubbelbokad"})
    second.refresh_from_db()
    assert second.status == Status.CONFIRMED
    assert first.events.last().reason == "Dubbelbokad"


def test_coordinator_manages_registration_questions(client, region, session):
    client.force_login(region.samordnare)
    url = f"/anmalan/aktivitet/{session.activity_id}/fragor/"
    response = client.post(url, {"text": "Kost?", "kind": "choice", "choices": "Vegetarisk", "sort_order": 1})
    assert "choices" in response.context["form"].errors
    client.post(url, {"text": "Kost?", "kind": "choice", "choices": "Vegetarisk\nVegansk", "sort_order": 1})
    question = Question.objects.get()
    assert client.get(f"/anmalan/fraga/{question.pk}/ta-bort/").status_code == 200
    assert Question.objects.exists()
    client.post(f"/anmalan/fraga/{question.pk}/ta-bort/")
    assert not Question.objects.exists()
    client.force_login(region.cka_huddinge)
    assert client.get(url).status_code == 403


def test_staff_see_a_registration_with_its_history_within_scope(client, region, session):
    reg = services.register(session.pk, region.anna, registered_by=region.cka_huddinge,
                            answers={"Kost?": "Vegansk"}).registration
    client.force_login(region.cka_huddinge)
    page = client.get(f"/anmalan/anmalan/{reg.pk}/")
    assert page.status_code == 200 and "Vegansk" in page.content.decode()
    assert len(page.context["events"]) == 1
    client.force_login(region.cka_taby)
    assert client.get(f"/anmalan/anmalan/{reg.pk}/").status_code == 404
