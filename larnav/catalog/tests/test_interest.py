"""The interest list (intresseanmälan): sign-up, demand, and the e-mail when a session opens."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from larnav.catalog import selectors, services
from larnav.catalog.models import InterestRegistration, Session
from larnav.catalog.testing import make_session

pytestmark = pytest.mark.django_db


def open_inputs(session):
    return [services.OccasionInput(start=o.start, end=o.end, place=o.place, pk=o.pk) for o in session.occasions.all()]


def test_anonymous_visitors_register_interest_with_consent(client, catalog):
    url = f"/utbud/{catalog.akk.pk}/intresse/"
    response = client.post(url, {"name": "Kim Ek", "email": "kim@example.se"})
    assert response.status_code == 400 and "consent" in response.context["interest_form"].errors
    assert not InterestRegistration.objects.exists()
    response = client.post(url, {"name": "Kim Ek", "email": "KIM@example.se", "consent": "on"})
    assert response.status_code == 302
    registration = InterestRegistration.objects.get()
    assert (registration.email, registration.person, registration.consent_at is not None) == (
        "kim@example.se", None, True)
    # The same address again: the same friendly answer, still one row.
    assert client.post(url, {"name": "Kim", "email": "kim@example.se", "consent": "on"}).status_code == 302
    assert InterestRegistration.objects.count() == 1
    assert selectors.interest_count(catalog.akk) == 1


def test_signed_in_people_register_as_themselves_and_can_leave(client, catalog):
    client.force_login(catalog.deltagare)
    url = f"/utbud/{catalog.akk.pk}/intresse/"
    assert client.post(url).status_code == 302
    registration = InterestRegistration.objects.get()
    assert registration.person == catalog.anna and registration.email == "anna@huddinge.se"
    page = client.get(f"/utbud/{catalog.akk.pk}/")
    assert page.context["my_interest"] == registration
    client.post(url, {"withdraw": "1"})
    assert not InterestRegistration.objects.exists()


def test_no_interest_list_while_a_session_is_open(client, catalog):
    make_session(catalog.akk, status=Session.Status.OPEN)
    assert client.get(f"/utbud/{catalog.akk.pk}/").context["show_interest"] is False
    with pytest.raises(ValidationError):
        services.register_interest(catalog.akk, name="Kim", email="kim@example.se", consent=True)
    # A planned (not yet open) session does not stop it.
    make_session(catalog.bemotande, status=Session.Status.PLANNED)
    services.register_interest(catalog.bemotande, name="Kim", email="kim@example.se", consent=True)


def test_the_interest_list_is_told_first_when_a_session_opens(catalog, django_capture_on_commit_callbacks):
    services.register_interest(catalog.akk, name="Kim Ek", email="kim@example.se", consent=True, language="en")
    services.register_interest(catalog.akk, person=catalog.anna)
    session = make_session(catalog.akk, status=Session.Status.PLANNED)
    assert mail.outbox == []
    session.status = Session.Status.OPEN
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.save_session(session, occasions=open_inputs(session))
    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["anna@huddinge.se", "kim@example.se"]
    english = next(m for m in mail.outbox if m.to == ["kim@example.se"])
    assert "AKK" in english.subject and f"/utbud/tillfalle/{session.pk}/" in english.body
    assert selectors.interest_count(catalog.akk) == 0
    assert selectors.interest_count(catalog.akk, waiting_only=False) == 2
    assert set(InterestRegistration.objects.values_list("notified_session", flat=True)) == {session.pk}
    # Opening another session later tells nobody twice.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        make_session(catalog.akk, days=90, status=Session.Status.OPEN)
    assert mail.outbox == []


def test_nothing_is_sent_when_the_change_rolls_back(catalog, django_capture_on_commit_callbacks):
    from django.db import transaction

    services.register_interest(catalog.akk, name="Kim Ek", email="kim@example.se", consent=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                make_session(catalog.akk, status=Session.Status.OPEN)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []
    assert selectors.interest_count(catalog.akk) == 1


def test_a_local_only_session_tells_only_its_own_staff(catalog, django_capture_on_commit_callbacks):
    services.register_interest(catalog.akk, person=catalog.anna)  # Huddinge
    services.register_interest(catalog.akk, person=catalog.tove)  # Täby
    services.register_interest(catalog.akk, name="Kim", email="kim@example.se", consent=True)  # unknown
    with django_capture_on_commit_callbacks(execute=True):
        make_session(catalog.akk, owner_municipality=catalog.huddinge, local_staff_only=True)
    assert [m.to for m in mail.outbox] == [["anna@huddinge.se"]]
    assert selectors.interest_count(catalog.akk) == 2


def test_demand_and_the_interest_list_page(client, catalog):
    services.register_interest(catalog.akk, person=catalog.anna)
    services.register_interest(catalog.akk, name="Kim", email="kim@example.se", consent=True)
    demand = {a.title: (a.interest_waiting, a.interest_total) for a in selectors.activities_with_demand(
        catalog.consortium)}
    assert demand["AKK – alternativ och kompletterande kommunikation"] == (2, 2)
    assert demand["Bemötande och förhållningssätt"] == (0, 0)
    client.force_login(catalog.samordnare)
    page = client.get(f"/utbud/{catalog.akk.pk}/intresselista/")
    assert b"anna@huddinge.se" in page.content and b"kim@example.se" in page.content
    for user in (catalog.cka_huddinge, catalog.cka_taby, catalog.deltagare):
        client.force_login(user)
        assert client.get(f"/utbud/{catalog.akk.pk}/intresselista/").status_code == 403
