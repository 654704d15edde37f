"""iCalendar feeds, parsed back with the icalendar library."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar

from larnav.catalog import services
from larnav.catalog.models import CalendarFeedToken, Session
from larnav.catalog.testing import future_day, make_session, occasion

pytestmark = pytest.mark.django_db


def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return calendar


def events(calendar) -> list:
    return list(calendar.walk("VEVENT"))


def inputs_of(session):
    return [services.OccasionInput(start=o.start, end=o.end, place=o.place, address=o.address,
                                   digital_link=o.digital_link, pk=o.pk) for o in session.occasions.all()]


def test_a_session_calendar_has_one_event_per_occasion(client, catalog):
    day = future_day(30)
    session = make_session(catalog.bemotande, occasions=[
        occasion(day, time(9), time(12), place="Huddinge kommunhus", address="Kommunalvägen 28, Huddinge"),
        occasion(day + timedelta(days=14), time(13), time(16), place="Huddinge kommunhus"),
    ])
    found = events(parse(client.get(f"/utbud/tillfalle/{session.pk}/kalender.ics")))
    assert len(found) == 2
    first, second = found
    occasions = list(session.occasions.order_by("start"))
    assert str(first["UID"]) == f"{session.uid}-{occasions[0].pk}@larnav"
    assert first.decoded("DTSTART") == occasions[0].start.astimezone(UTC)
    assert first.decoded("DTEND") == occasions[0].end.astimezone(UTC)
    assert first.decoded("DTSTART").tzinfo is not None
    assert "Bemötande och förhållningssätt (1/2)" == str(first["SUMMARY"])
    assert str(first["LOCATION"]) == "Huddinge kommunhus, Kommunalvägen 28, Huddinge"
    assert str(first["URL"]).endswith(f"/utbud/tillfalle/{session.pk}/")
    assert first["STATUS"] == "CONFIRMED" and int(first["SEQUENCE"]) == 0
    assert first["DTSTAMP"]
    assert str(second["UID"]) != str(first["UID"])


def test_uid_is_stable_and_sequence_rises_when_the_time_changes(client, catalog):
    session = make_session(catalog.bemotande)
    url = f"/utbud/tillfalle/{session.pk}/kalender.ics"
    before = events(parse(client.get(url)))[0]
    # A change a calendar does not show leaves SEQUENCE alone.
    session.capacity = 25
    services.save_session(session, occasions=inputs_of(session))
    same = events(parse(client.get(url)))[0]
    assert int(same["SEQUENCE"]) == int(before["SEQUENCE"])
    # Moving the occasion raises SEQUENCE and keeps the UID.
    moved = inputs_of(session)
    moved[0].start += timedelta(hours=1)
    moved[0].end += timedelta(hours=1)
    services.save_session(session, occasions=moved)
    after = events(parse(client.get(url)))[0]
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART") == before.decoded("DTSTART") + timedelta(hours=1)
    # Renaming the activity changes every event's SUMMARY: SEQUENCE again.
    catalog.bemotande.title = "Bemötande i vardagen"
    services.save_activity(catalog.bemotande)
    renamed = events(parse(client.get(url)))[0]
    assert str(renamed["SUMMARY"]) == "Bemötande i vardagen" and int(renamed["SEQUENCE"]) == int(after["SEQUENCE"]) + 1


def test_a_cancelled_session_is_cancelled_in_calendars(client, catalog):
    session = make_session(catalog.bemotande)
    feed_before = events(parse(client.get("/utbud/kalender.ics")))
    services.cancel_session(session)
    event = events(parse(client.get(f"/utbud/tillfalle/{session.pk}/kalender.ics")))[0]
    assert event["STATUS"] == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1
    # Subscribers of the catalog feed get the cancellation too.
    feed_after = events(parse(client.get("/utbud/kalender.ics")))
    assert [str(e["UID"]) for e in feed_after] == [str(e["UID"]) for e in feed_before]
    assert feed_after[0]["STATUS"] == "CANCELLED"


def test_the_catalog_feed_follows_the_filters(client, catalog):
    make_session(catalog.bemotande, occasions=[occasion(future_day(10), link="https://teams.example/a", place="")])
    make_session(catalog.akk, occasions=[occasion(future_day(12))])
    make_session(catalog.atervinning, days=14,
                 owner_municipality=catalog.taby)
    everything = events(parse(client.get("/utbud/kalender.ics")))
    assert len(everything) == 3
    digital = events(parse(client.get("/utbud/kalender.ics", {"mode": "digital"})))
    assert [str(e["SUMMARY"]) for e in digital] == ["Bemötande och förhållningssätt"]
    searched = events(parse(client.get("/utbud/kalender.ics", {"q": "AKK"})))
    assert [str(e["SUMMARY"]) for e in searched] == ["AKK – alternativ och kompletterande kommunikation"]
    local = events(parse(client.get("/utbud/kalender.ics", {"scope": "local"})))
    assert [str(e["SUMMARY"]) for e in local] == ["Återhämtning i socialpsykiatrin"]


def test_digital_links_never_reach_public_calendars_or_pages(client, catalog):
    link = "https://teams.microsoft.com/l/meetup-join/hemlig"
    session = make_session(catalog.bemotande, occasions=[occasion(future_day(10), link=link, place="")],
                           trainers=[catalog.utbildare])
    assert link not in client.get("/utbud/kalender.ics").content.decode()
    assert link not in client.get(f"/utbud/tillfalle/{session.pk}/kalender.ics").content.decode()
    assert link not in client.get(f"/utbud/tillfalle/{session.pk}/").content.decode()
    event = events(parse(client.get(f"/utbud/tillfalle/{session.pk}/kalender.ics")))[0]
    assert str(event["LOCATION"]) in ("Digital", "Digitalt")
    client.force_login(catalog.deltagare)
    assert link not in client.get(f"/utbud/tillfalle/{session.pk}/").content.decode()
    client.force_login(catalog.utbildare)
    assert link in client.get(f"/utbud/tillfalle/{session.pk}/").content.decode()
    assert link in client.get(f"/utbud/tillfalle/{session.pk}/kalender.ics").content.decode()


def test_the_personal_feed_lives_at_a_secret_revocable_address(client, catalog):
    link = "https://teams.example/utbildare"
    taught = make_session(catalog.bemotande, trainers=[catalog.utbildare],
                          occasions=[occasion(future_day(9), link=link, place="")])
    make_session(catalog.akk)  # not theirs
    client.force_login(catalog.utbildare)
    response = client.post("/utbud/kalender/", {"action": "create"})
    url = response.context["new_url"]
    assert url.startswith("http://testserver/utbud/kalender/") and url.endswith(".ics")
    raw = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(raw) >= 40
    assert not CalendarFeedToken.objects.filter(token_hash__contains=raw).exists()  # only a hash is stored
    client.logout()
    feed = parse(client.get(url.removeprefix("http://testserver")))
    found = events(feed)
    assert len(found) == 1 and str(found[0]["UID"]).startswith(str(taught.uid))
    assert link in str(found[0]["LOCATION"])  # the feed's owner may see it
    # A new address revokes the old one.
    client.force_login(catalog.utbildare)
    newer = client.post("/utbud/kalender/", {"action": "create"}).context["new_url"]
    client.logout()
    assert client.get(url.removeprefix("http://testserver")).status_code == 404
    assert client.get(newer.removeprefix("http://testserver")).status_code == 200
    client.force_login(catalog.utbildare)
    client.post("/utbud/kalender/", {"action": "revoke"})
    client.logout()
    assert client.get(newer.removeprefix("http://testserver")).status_code == 404
    assert client.get("/utbud/kalender/nonsense.ics").status_code == 404


def test_the_personal_feed_keeps_cancelled_sessions(client, catalog):
    session = make_session(catalog.bemotande, trainers=[catalog.utbildare])
    raw = services.create_feed_token(catalog.utbildare)
    services.cancel_session(session)
    event = events(parse(client.get(f"/utbud/kalender/{raw}.ics")))[0]
    assert event["STATUS"] == "CANCELLED"


def test_times_are_utc_in_the_feed_and_right_across_dst(client, catalog):
    now = datetime(2026, 9, 1, tzinfo=UTC)
    template = Session(activity=catalog.bemotande, consortium=catalog.consortium, capacity=10)
    [session] = services.create_series(template, first_day=date(2026, 10, 20), interval_weeks=1, count=2,
                                       start_time=time(13), end_time=time(15), place="Sal", one_session=True, now=now)
    found = events(parse(client.get(f"/utbud/tillfalle/{session.pk}/kalender.ics")))
    assert [e.decoded("DTSTART") for e in found] == [datetime(2026, 10, 20, 11, tzinfo=UTC),
                                                     datetime(2026, 10, 27, 12, tzinfo=UTC)]
    assert b"DTSTART:20261020T110000Z" in client.get(f"/utbud/tillfalle/{session.pk}/kalender.ics").content
