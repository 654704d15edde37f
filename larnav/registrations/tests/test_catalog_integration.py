"""The catalog's changes reach the registration rules, and bookings reach the catalog."""

import pytest
from django.core import mail
from icalendar import Calendar

from larnav.catalog import services as catalog_services
from larnav.catalog import testing as catalog_testing
from larnav.catalog.selectors import can_see_digital_link
from larnav.notifications.testing import sent_to
from larnav.registrations import services
from larnav.registrations.models import Registration, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(region):
    activity = catalog_testing.make_activity(region.consortium, "Digital AKK-kurs")
    day = catalog_testing.future_day(20)
    return catalog_testing.make_session(
        activity, capacity=1, occasions=[catalog_testing.occasion(day, place="", link="https://teams.example/akk")])


def _occasions(session):
    return [catalog_services.OccasionInput(start=o.start, end=o.end, place=o.place, address=o.address,
                                           digital_link=o.digital_link, pk=o.pk)
            for o in session.occasions.all()]


def test_raising_capacity_in_the_catalog_promotes_from_the_waiting_list(region, session):
    services.register(session.pk, region.anna)
    waiting = services.register(session.pk, region.erik).registration
    session.refresh_from_db()
    session.capacity = 2
    catalog_services.save_session(session, occasions=_occasions(session))
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED
    session.refresh_from_db()
    assert (session.confirmed_count, session.waitlist_count) == (2, 0)


def test_cancelling_a_session_in_the_catalog_cancels_and_tells_everyone(region, session,
                                                                        django_capture_on_commit_callbacks):
    services.register(session.pk, region.anna)
    services.register(session.pk, region.erik)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.cancel_session(session, actor=region.samordnare)
    assert set(Registration.objects.values_list("status", flat=True)) == {Status.CANCELLED}
    assert sent_to("session_cancelled") == ["anna@huddinge.se", "erik@ekbacken.se"]


def test_booked_participants_see_the_digital_link_and_others_do_not(client, region, session):
    services.register(session.pk, region.anna)
    assert can_see_digital_link(region.deltagare, session)
    client.force_login(region.deltagare)
    assert "https://teams.example/akk" in client.get(f"/utbud/tillfalle/{session.pk}/").content.decode()
    client.force_login(region.cka_taby)
    assert "https://teams.example/akk" not in client.get(f"/utbud/tillfalle/{session.pk}/").content.decode()
    client.logout()
    assert "https://teams.example/akk" not in client.get(f"/utbud/tillfalle/{session.pk}/").content.decode()


def test_personal_feed_holds_own_bookings(client, region, session):
    services.register(session.pk, region.anna)
    token = catalog_services.create_feed_token(region.deltagare)
    response = client.get(f"/utbud/kalender/{token}.ics")
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1 and "Digital AKK-kurs" in str(events[0]["SUMMARY"])
    assert "teams.example" in calendar.to_ical().decode()


def test_session_page_offers_registration_and_shows_own_status(client, region, session):
    page = client.get(f"/utbud/tillfalle/{session.pk}/").content.decode()
    assert f"/anmalan/tillfalle/{session.pk}/" in page
    services.register(session.pk, region.anna)
    client.force_login(region.deltagare)
    response = client.get(f"/utbud/tillfalle/{session.pk}/")
    assert response.context["own_registration"].status == Status.CONFIRMED
