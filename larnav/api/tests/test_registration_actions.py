"""Listing, cancelling and attendance through the API, and e-mail verification by token kind."""

from datetime import timedelta

import pytest
from django.utils import timezone

from larnav.catalog.models import Occasion, Session
from larnav.registrations import services
from larnav.registrations.models import Status
from larnav.registrations.testing import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, make_token, bearer):
    tokens = {}

    def call(method, user, path, body=None):
        if user.pk not in tokens:
            tokens[user.pk] = make_token(user)
        kwargs = {"headers": bearer(tokens[user.pk])}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(client, method)(f"/api/v1{path}", **kwargs)

    return call


def test_coordinator_token_confirms_and_others_need_email_verification(api, region):
    session = make_session(region.consortium, capacity=5)
    body = {"email": "ny1@huddinge.se", "first_name": "Ny", "last_name": "Ett",
            "workplace_id": region.solgarden.pk, "role": "stodassistent"}
    first = api("post", region.samordnare, f"/sessions/{session.pk}/registrations", body)
    assert first.status_code == 201 and first.json()["status"] == "confirmed"
    again = api("post", region.samordnare, f"/sessions/{session.pk}/registrations", body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = api("post", region.cka_huddinge, f"/sessions/{session.pk}/registrations",
                {**body, "email": "ny2@huddinge.se"})
    assert other.status_code == 201 and other.json()["status"] == "pending_verification"


def test_list_is_scoped_and_shows_waitlist_positions(api, region):
    session = make_session(region.consortium, capacity=1)
    for person in (region.anna, region.tove, region.erik):
        services.register(session.pk, person)
    everyone = api("get", region.samordnare, f"/sessions/{session.pk}/registrations").json()
    assert [r["waitlist_position"] for r in everyone["results"]] == [None, 1, 2]
    taby = api("get", region.cka_taby, f"/sessions/{session.pk}/registrations").json()
    assert [r["email"] for r in taby["results"]] == ["tove@taby.se"]
    assert api("get", region.deltagare, f"/sessions/{session.pk}/registrations").status_code == 403


def test_cancel_promotes_and_reports_it(api, region):
    session = make_session(region.consortium, capacity=1)
    first = services.register(session.pk, region.anna).registration
    second = services.register(session.pk, region.erik).registration
    assert api("post", region.cka_taby, f"/registrations/{first.pk}/cancel").status_code == 404
    response = api("post", region.cka_huddinge, f"/registrations/{first.pk}/cancel")
    assert response.json() == {"status": "cancelled", "promoted_registration_id": second.pk}
    again = api("post", region.cka_huddinge, f"/registrations/{first.pk}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_trainer_marks_attendance_and_completion_is_decided(api, region):
    session = make_session(region.consortium, capacity=5)
    session.trainers.add(region.utbildare)
    reg = services.register(session.pk, region.anna).registration
    occasion = session.occasions.get()
    # The occasion took place yesterday.
    start = timezone.now() - timedelta(days=1)
    Occasion.objects.filter(pk=occasion.pk).update(start=start, end=start + timedelta(hours=3))
    Session.objects.filter(pk=session.pk).update(first_start=start, last_end=start + timedelta(hours=3))
    bad = api("post", region.utbildare, f"/registrations/{reg.pk}/attendance",
              {"occasion_id": occasion.pk, "status": "maybe"})
    assert bad.status_code == 422
    assert api("post", region.deltagare, f"/registrations/{reg.pk}/attendance",
               {"occasion_id": occasion.pk, "status": "attended"}).status_code == 404
    response = api("post", region.utbildare, f"/registrations/{reg.pk}/attendance",
                   {"occasion_id": occasion.pk, "status": "attended"})
    assert response.status_code == 200, response.content
    assert response.json()["registration_status"] == Status.COMPLETED
