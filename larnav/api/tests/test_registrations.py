"""POST /api/v1/sessions/{id}/registrations: registering others, within the caller's scope."""

import pytest
from django.db import connection

from larnav.catalog.models import Activity, Session
from larnav.core.testing import make_consortium
from larnav.people.models import Person
from larnav.registrations.models import Registration
from larnav.registrations.testing import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(region):
    return make_session(region.consortium, capacity=2)


@pytest.fixture
def post(client, make_token, bearer):
    tokens = {}

    def post(user, session_id, body, **headers):
        if user is not None and user.pk not in tokens:
            tokens[user.pk] = make_token(user)
        auth = bearer(tokens[user.pk]) if user is not None else {}
        return client.post(f"/api/v1/sessions/{session_id}/registrations", body if isinstance(body, str) else body,
                           content_type="application/json", headers={**auth, **headers})

    return post


def new_person(region, email="ny@huddinge.se", workplace=None, **extra):
    return {"first_name": "Nina", "last_name": "Ny", "email": email,
            "workplace_id": (workplace or region.solgarden).pk, **extra}


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    return response.json()


def test_a_cka_registers_staff_of_their_municipality(region, session, post):
    response = post(region.cka_huddinge, session.pk, {"person_id": region.anna.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    registration = Registration.objects.get()
    assert body == {"id": registration.pk, "session_id": session.pk, "person_id": region.anna.pk,
                    "status": "confirmed", "waitlist_position": None, "created": True}
    assert registration.registered_by == region.cka_huddinge
    session.refresh_from_db()
    assert session.confirmed_count == 1


def test_a_repeat_gives_the_existing_registration(region, session, post):
    first = post(region.cka_huddinge, session.pk, {"person_id": region.anna.pk}).json()
    again = post(region.cka_huddinge, session.pk, {"person_id": region.anna.pk})
    assert again.status_code == 200
    assert again.json() == {**first, "created": False}
    assert Registration.objects.count() == 1


def test_seats_then_waiting_list_in_arrival_order(region, session, post):
    statuses = [post(region.samordnare, session.pk, new_person(region, f"p{n}@huddinge.se")).json()
                for n in range(4)]
    assert [(s["status"], s["waitlist_position"]) for s in statuses] == [
        ("confirmed", None), ("confirmed", None), ("waitlisted", 1), ("waitlisted", 2)]
    session.refresh_from_db()
    assert (session.confirmed_count, session.waitlist_count) == (2, 2)


def test_sessions_that_need_approval(region, post):
    session = make_session(region.consortium, requires_approval=True)
    body = post(region.chef_solgarden, session.pk, {"person_id": region.anna.pk}).json()
    assert body["status"] == "pending_approval"


def test_a_new_person_is_created_at_a_workplace_in_scope(region, session, post):
    response = post(region.cka_huddinge, session.pk, new_person(region, "  Nina.Ny@Huddinge.se ",
                                                                occupation="stodassistent"))
    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=response.json()["person_id"])
    assert (person.first_name, person.last_name, person.email) == ("Nina", "Ny", "nina.ny@huddinge.se")
    assert person.workplace == region.solgarden and person.occupation == region.occupation


def test_a_known_address_is_that_person_unchanged(region, session, post):
    response = post(region.cka_huddinge, session.pk,
                    new_person(region, "ANNA@huddinge.se", region.ekbacken, first_name="Annika"))
    assert response.status_code == 201
    assert response.json()["person_id"] == region.anna.pk
    region.anna.refresh_from_db()
    assert region.anna.first_name == "Anna" and region.anna.workplace == region.solgarden


# --- Scope ------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["deltagare", "utbildare", "styrgrupp_taby"])
def test_roles_that_may_not_register_others_get_403(region, session, post, who):
    assert_error(post(getattr(region, who), session.pk, {"person_id": region.anna.pk}), 403, "forbidden")
    assert not Registration.objects.exists()


def test_anonymous_is_401(region, session, post):
    assert_error(post(None, session.pk, {"person_id": region.anna.pk}), 401, "authentication_required")


def test_a_signed_in_browser_without_a_token_is_401(client, region, session):
    client.force_login(region.samordnare)
    response = client.post(f"/api/v1/sessions/{session.pk}/registrations", {"person_id": region.anna.pk},
                           content_type="application/json")
    assert response.status_code == 401


def test_a_täby_cka_cannot_register_huddinge_staff(region, session, post):
    body = assert_error(post(region.cka_taby, session.pk, {"person_id": region.anna.pk}), 422,
                        "invalid_parameters")
    assert body["errors"][0]["parameter"] == "person_id"
    assert body["errors"][0]["type"] == "unknown_person"
    # The same answer as for an id that does not exist: nothing is revealed.
    unknown = post(region.cka_taby, session.pk, {"person_id": 987654}).json()
    assert unknown == body
    assert not Registration.objects.exists()


def test_a_täby_cka_cannot_create_persons_at_huddinge_workplaces(region, session, post):
    body = assert_error(post(region.cka_taby, session.pk, new_person(region)), 422, "invalid_parameters")
    assert body["errors"][0]["parameter"] == "workplace_id"
    assert not Person.objects.filter(email="ny@huddinge.se").exists()


def test_a_known_address_outside_the_scope_is_refused(region, session, post):
    assert_error(post(region.cka_taby, session.pk, new_person(region, "anna@huddinge.se", region.tibble)),
                 403, "forbidden")
    assert not Registration.objects.exists()


def test_a_manager_registers_only_their_own_unit(region, session, post):
    assert post(region.chef_solgarden, session.pk, {"person_id": region.anna.pk}).status_code == 201
    assert post(region.chef_solgarden, session.pk, {"person_id": region.erik.pk}).status_code == 422


# --- The session --------------------------------------------------------------------------

def test_unknown_draft_and_foreign_sessions_are_404(region, session, post):
    draft = make_session(region.consortium)
    Activity.objects.filter(pk=draft.activity_id).update(status=Activity.Status.DRAFT)
    foreign = make_session(make_consortium("Annan", slug="annan-reg"))
    for session_id in (987654, draft.pk, foreign.pk, 2**70):
        assert_error(post(region.samordnare, session_id, {"person_id": region.anna.pk}), 404, "not_found")
    assert not Registration.objects.exists()


def test_a_session_not_open_is_409_and_leaves_no_new_person(region, session, post):
    Session.objects.filter(pk=session.pk).update(status=Session.Status.PLANNED)
    assert_error(post(region.cka_huddinge, session.pk, new_person(region)), 409, "session_not_open")
    assert not Person.objects.filter(email="ny@huddinge.se").exists()
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CANCELLED)
    assert_error(post(region.cka_huddinge, session.pk, {"person_id": region.anna.pk}), 409, "session_cancelled")


def test_a_local_session_for_another_municipalitys_staff_is_403(region, post):
    session = make_session(region.consortium, owner_municipality=region.stockholm, local_staff_only=True)
    assert_error(post(region.samordnare, session.pk, {"person_id": region.anna.pk}), 403, "not_eligible")
    assert post(region.samordnare, session.pk, {"person_id": region.sara.pk}).status_code == 201


# --- Validation ---------------------------------------------------------------------------

@pytest.mark.parametrize("body,parameter,kind", [
    ({}, "", "person_required"),
    ({"first_name": "Nina", "email": "n@x.se"}, "", "person_required"),
    ({"person_id": 1, "first_name": "Nina"}, "", "person_required"),
    ({"person_id": "x"}, "person_id", "int_parsing"),
    ({"first_name": "Nina 19800101-1234", "last_name": "Ny", "email": "n@x.se", "workplace_id": 1},
     "first_name", "personnummer"),
    ({"first_name": "Nina", "last_name": "Ny", "email": "inte-en-adress", "workplace_id": 1}, "email", "email"),
    ({"first_name": "", "last_name": "Ny", "email": "n@x.se", "workplace_id": 1}, "first_name", "string_too_short"),
    ({"first_name": "  ", "last_name": "Ny", "email": "n@x.se", "workplace_id": 1}, "", "person_required"),
    ({"first_name": "N\x00", "last_name": "Ny", "email": "n@x.se", "workplace_id": 1}, "first_name",
     "control_characters"),
])
def test_invalid_bodies_are_422(region, session, post, body, parameter, kind):
    result = assert_error(post(region.samordnare, session.pk, body), 422, "invalid_parameters")
    assert [(e["parameter"], e["type"]) for e in result["errors"]][:1] == [(parameter, kind)]
    assert all(e["location"] == "body" and e["message"] for e in result["errors"])
    assert not Registration.objects.exists()


def test_unknown_occupation_is_422(region, session, post):
    result = assert_error(post(region.samordnare, session.pk, new_person(region, occupation="astronaut")), 422,
                          "invalid_parameters")
    assert result["errors"][0]["parameter"] == "occupation"
    assert not Person.objects.filter(email="ny@huddinge.se").exists()


def test_a_body_that_is_not_json_is_400_json(region, session, post):
    body = assert_error(post(region.samordnare, session.pk, "{not json"), 400, "bad_request")
    assert body["message"]
    assert not Registration.objects.exists()


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "", "null"])
def test_a_body_that_is_not_a_json_object_is_422(region, session, post, raw):
    assert_error(post(region.samordnare, session.pk, raw), 422, "invalid_parameters")
    assert not Registration.objects.exists()


def test_messages_follow_accept_language(region, session, post):
    Session.objects.filter(pk=session.pk).update(status=Session.Status.PLANNED)
    response = post(region.samordnare, session.pk, {"person_id": region.anna.pk}, **{"Accept-Language": "en"})
    assert response.json()["message"] == "Registration for this session is not open."
    assert response["Content-Language"] == "en"


# --- Queries --------------------------------------------------------------------------------

# One registration through the API, in statements: the token with its user and the user's role
# assignments (one statement), then in one transaction (a savepoint inside the test's own transaction): the
# workplace with the occupation and the person by address (one statement), [the new person], the session's row
# lock, [one read of a known person's active registration and the municipality's quota], the
# writes (the registration, its history event and the session's counters), the participant's
# e-mail in the outbox.
TRANSACTION = 2  # SAVEPOINT and RELEASE here; BEGIN and COMMIT in production
# The registration's writes: one statement on PostgreSQL, three on SQLite (no INSERT in a CTE).
WRITES = 1 if connection.vendor == "postgresql" else 3


@pytest.mark.parametrize("how,expected", [
    ("new address", 1 + TRANSACTION + 5 + WRITES),
    ("known address", 1 + TRANSACTION + 4 + WRITES),
    ("person_id", 1 + TRANSACTION + 4 + WRITES),
])
def test_one_registration_takes_a_fixed_number_of_queries(region, post, how, expected,
                                                          django_assert_num_queries):
    session = make_session(region.consortium, capacity=5)
    post(region.samordnare, session.pk, new_person(region, "first@huddinge.se"))  # stamps the token's last use
    body = {"new address": new_person(region, occupation="stodassistent"),
            "known address": new_person(region, "ANNA@huddinge.se", occupation="stodassistent"),
            "person_id": {"person_id": region.anna.pk}}[how]
    with django_assert_num_queries(expected):
        response = post(region.samordnare, session.pk, body)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "confirmed"


def test_a_waitlisted_registration_learns_its_place_without_further_queries(region, post,
                                                                             django_assert_num_queries):
    session = make_session(region.consortium, capacity=1)
    first = post(region.samordnare, session.pk, new_person(region, "first@huddinge.se")).json()
    second = post(region.samordnare, session.pk, new_person(region, "second@huddinge.se")).json()
    assert (first["status"], second["status"], second["waitlist_position"]) == ("confirmed", "waitlisted", 1)
    with django_assert_num_queries(1 + TRANSACTION + 4 + WRITES):  # no quota read once the session is full
        third = post(region.samordnare, session.pk, new_person(region, "third@huddinge.se")).json()
    assert (third["status"], third["waitlist_position"]) == ("waitlisted", 2)
    # The same place as counted afterwards from the waiting list.
    from larnav.registrations.services import waitlist_position
    assert waitlist_position(Registration.objects.get(pk=third["id"])) == 2


def test_the_workplace_statement_reads_the_person_behind_the_address(region):
    from larnav.api.queries import workplace_and_occupation

    c = region.consortium.pk
    known = workplace_and_occupation(c, region.solgarden.pk, None, " ANNA@Huddinge.se ")
    assert known.pk == region.solgarden.pk and known.person_with_email == region.anna
    assert known.person_with_email.workplace_id == region.anna.workplace_id
    unknown = workplace_and_occupation(c, region.solgarden.pk, "stodassistent", "nobody@huddinge.se")
    assert unknown.person_with_email is None and unknown.occupation_pk == region.occupation.pk
    assert not hasattr(workplace_and_occupation(c, region.solgarden.pk, None), "person_with_email")
    other = make_consortium("Annat förbund", slug="annat")
    assert workplace_and_occupation(other.pk, region.solgarden.pk, None, "anna@huddinge.se") is None
