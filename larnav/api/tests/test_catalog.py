"""GET /api/v1/activities, /sessions and /sessions/{id}: the public catalogue."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from larnav.catalog import services as catalog
from larnav.catalog.models import Activity, FocusArea, Session
from larnav.core.testing import make_consortium, make_kommun

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ACTIVITIES = "/api/v1/activities"
SESSIONS = "/api/v1/sessions"


def day(offset: int) -> date:
    return timezone.localdate() + timedelta(days=offset)


def make_activity(consortium, title, status=Activity.Status.PUBLISHED, *, focus_areas=(), occupations=(),
                  **fields):
    fields.setdefault("type", Activity.Type.KURS)
    activity = catalog.save_activity(Activity(consortium=consortium, title=title, **fields),
                                     focus_areas=list(focus_areas), target_occupations=list(occupations))
    if status != Activity.Status.DRAFT:
        catalog.set_activity_status(activity, Activity.Status.PUBLISHED)
    if status == Activity.Status.ARCHIVED:
        catalog.set_activity_status(activity, Activity.Status.ARCHIVED)
    activity.refresh_from_db()
    return activity


def make_session(activity, first_day, *, days=1, capacity=20, confirmed=0, waitlist=0, status="open",
                 place="Huddinge kommunhus", link="", **fields):
    occasions = [
        catalog.OccasionInput(start=catalog.local_datetime(first_day + timedelta(days=n), time(9)),
                              end=catalog.local_datetime(first_day + timedelta(days=n), time(12)),
                              place=place if n == 0 or not link else "", digital_link=link if n > 0 else "")
        for n in range(days)
    ]
    session = catalog.save_session(Session(activity=activity, capacity=capacity, status=status, **fields),
                                   occasions=occasions)
    if confirmed or waitlist:
        # The registration service keeps these; set them as it would.
        Session.objects.filter(pk=session.pk).update(
            confirmed_count=confirmed, waitlist_count=waitlist,
            status="full" if status == "open" and confirmed >= capacity else status,
        )
        session.refresh_from_db()
    return session


class Catalogue:
    def __init__(self, region):
        c = region.consortium
        self.focus = FocusArea.objects.create(consortium=c, name="Bemötande")
        self.other_focus = FocusArea.objects.create(consortium=c, name="Dokumentation")
        self.bemotande = make_activity(c, "Lågaffektivt bemötande", focus_areas=[self.focus],
                                       occupations=[region.occupation], level="grund", hours=Decimal("6"),
                                       price=Decimal("500"), description="Om **bemötande**.")
        self.arende = make_activity(c, "Ärendehantering i LSS", type=Activity.Type.SEMINARIUM,
                                    level="fordjupning", focus_areas=[self.other_focus])
        self.avtal = make_activity(c, "Avtal och upphandling", type=Activity.Type.FORELASNING)
        self.draft = make_activity(c, "Hemligt utkast", Activity.Status.DRAFT)
        self.archived = make_activity(c, "Arkiverad kurs")
        self.s_archived = catalog.cancel_session(make_session(self.archived, day(5)))
        catalog.set_activity_status(self.archived, Activity.Status.ARCHIVED)
        self.s1 = make_session(self.bemotande, day(10), days=2, confirmed=5,
                               link="https://meet.example.se/hemlig-lank")
        self.s2 = make_session(self.bemotande, day(40), capacity=10, confirmed=10, waitlist=3)
        self.s3 = make_session(self.arende, day(20), status="planned", capacity=15,
                               owner_municipality=region.huddinge, name="Huddingegruppen")
        self.s_draft = make_session(self.draft, day(15))
        other = make_consortium("Annan", slug="annan-katalog")
        self.other_activity = make_activity(other, "Annan samverkans kurs")
        make_kommun(other, "Mora", "2062")
        self.s_other = make_session(self.other_activity, day(12))


@pytest.fixture
def cat(region):
    return Catalogue(region)


def titles(response):
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- Activities ---------------------------------------------------------------------

def test_activities_are_the_published_offer_in_swedish_order(client, cat):
    assert titles(client.get(ACTIVITIES)) == ["Avtal och upphandling", "Lågaffektivt bemötande",
                                              "Ärendehantering i LSS"]


def test_drafts_never_appear(client, cat, region, make_token, bearer):
    for headers in ({}, bearer(make_token(region.samordnare))):
        for status in ("published", "archived"):
            assert "Hemligt utkast" not in titles(client.get(ACTIVITIES, {"status": status}, headers=headers))
        assert cat.s_draft.pk not in ids(client.get(SESSIONS, headers=headers))
        assert client.get(f"{SESSIONS}/{cat.s_draft.pk}", headers=headers).status_code == 404
    assert client.get(ACTIVITIES, {"status": "draft"}).status_code == 422


def test_archived_activities_on_request(client, cat):
    assert titles(client.get(ACTIVITIES, {"status": "archived"})) == ["Arkiverad kurs"]


def test_activity_fields(client, cat, region):
    row = {r["title"]: r for r in client.get(ACTIVITIES).json()["results"]}["Lågaffektivt bemötande"]
    assert row["id"] == cat.bemotande.pk
    assert row["type"] == "kurs" and row["level"] == "grund" and row["status"] == "published"
    assert row["description"] == "Om **bemötande**."
    assert row["focus_areas"] == [{"id": cat.focus.pk, "name": "Bemötande"}]
    assert row["target_occupations"] == ["stodassistent"]
    assert row["hours"] == 6 and row["price"] == 500 and row["credits"] is None
    assert row["provider_kind"] == "own" and row["provider"]
    assert datetime.fromisoformat(row["published_at"]).utcoffset() is not None
    assert "contact_email" not in row


def test_activity_filters(client, cat):
    assert titles(client.get(ACTIVITIES, {"type": "seminarium"})) == ["Ärendehantering i LSS"]
    assert titles(client.get(ACTIVITIES, {"level": "grund"})) == ["Lågaffektivt bemötande"]
    assert titles(client.get(ACTIVITIES, {"focus_area": cat.other_focus.pk})) == ["Ärendehantering i LSS"]
    assert titles(client.get(ACTIVITIES, {"occupation": "stodassistent"})) == ["Lågaffektivt bemötande"]
    assert titles(client.get(ACTIVITIES, {"occupation": "okand"})) == []


@pytest.mark.parametrize("query", ["ÄRENDE", "ärendehantering", "lss", "BEMÖTANDE lågaffektivt"])
def test_activity_search_folds_swedish_letters(client, cat, query):
    assert len(titles(client.get(ACTIVITIES, {"search": query}))) == 1


def test_activities_of_other_consortia_never_appear(client, cat, region, make_token, bearer):
    assert "Annan samverkans kurs" not in titles(client.get(ACTIVITIES))
    assert "Annan samverkans kurs" not in titles(client.get(ACTIVITIES, headers=bearer(make_token(region.cka_taby))))


def test_activity_pagination(client, cat):
    page1 = client.get(ACTIVITIES, {"page_size": 2}).json()
    assert page1["count"] == 3 and len(page1["results"]) == 2
    page2 = client.get(page1["next"]).json()
    assert [r["title"] for r in page2["results"]] == ["Ärendehantering i LSS"] and page2["next"] is None


# --- Sessions ----------------------------------------------------------------------------

def test_sessions_in_start_order(client, cat):
    assert ids(client.get(SESSIONS)) == [cat.s_archived.pk, cat.s1.pk, cat.s3.pk, cat.s2.pk]


def test_session_fields_and_no_digital_link(client, cat):
    response = client.get(SESSIONS)
    assert "meet.example.se" not in response.content.decode()
    row = response.json()["results"][1]
    assert row["id"] == cat.s1.pk and row["activity_id"] == cat.bemotande.pk
    assert row["activity_title"] == "Lågaffektivt bemötande"
    assert (row["capacity"], row["confirmed_count"], row["waitlist_count"], row["free_seats"]) == (20, 5, 0, 15)
    assert row["status"] == "open" and row["name"] is None and row["owner_municipality_id"] is None
    assert row["is_digital"] is True and row["is_physical"] is True
    assert len(row["occasions"]) == 2
    first, second = row["occasions"]
    assert first["place"] == "Huddinge kommunhus" and first["is_digital"] is False
    assert second["place"] is None and second["is_digital"] is True
    start = datetime.fromisoformat(first["start"])
    assert start == catalog.local_datetime(day(10), time(9))
    assert start.utcoffset() == start.astimezone(STOCKHOLM).utcoffset()  # Swedish local time
    assert datetime.fromisoformat(row["first_start"]) == start


def test_full_session_counts(client, cat):
    row = {r["id"]: r for r in client.get(SESSIONS).json()["results"]}[cat.s2.pk]
    assert (row["confirmed_count"], row["waitlist_count"], row["free_seats"], row["status"]) == (10, 3, 0, "full")


def test_session_filters(client, cat):
    assert ids(client.get(SESSIONS, {"activity": cat.arende.pk})) == [cat.s3.pk]
    assert ids(client.get(SESSIONS, {"has_free_seats": "true"})) == [cat.s_archived.pk, cat.s1.pk, cat.s3.pk]
    assert ids(client.get(SESSIONS, {"has_free_seats": "false"})) == [cat.s2.pk]
    assert ids(client.get(SESSIONS, {"status": "planned"})) == [cat.s3.pk]
    assert ids(client.get(SESSIONS, {"starts_after": day(15).isoformat()})) == [cat.s3.pk, cat.s2.pk]
    assert ids(client.get(SESSIONS, {"starts_before": day(15).isoformat()})) == [cat.s_archived.pk, cat.s1.pk]
    assert ids(client.get(SESSIONS, {"starts_after": day(15).isoformat(),
                                     "starts_before": day(30).isoformat()})) == [cat.s3.pk]


def test_start_filters_use_swedish_time_unless_an_offset_is_given(client, cat):
    nine = f"{day(10).isoformat()}T09:00"
    assert ids(client.get(SESSIONS, {"starts_after": nine, "starts_before": day(11).isoformat()})) == [cat.s1.pk]
    assert ids(client.get(SESSIONS, {"starts_after": f"{day(10).isoformat()}T09:01",
                                     "starts_before": day(11).isoformat()})) == []
    utc_start = catalog.local_datetime(day(10), time(9)).astimezone(ZoneInfo("UTC"))
    assert ids(client.get(SESSIONS, {"starts_after": utc_start.isoformat(),
                                     "starts_before": day(11).isoformat()})) == [cat.s1.pk]


@pytest.mark.parametrize("query", ["starts_after=yesterday", "starts_before=2025-13-01", "has_free_seats=maybe",
                                   "activity=abc", "status=draft", "activity=0"])
def test_session_garbage_parameters_are_422(client, cat, query):
    response = client.get(f"{SESSIONS}?{query}")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_parameters"
    assert response.json()["errors"][0]["parameter"] == query.split("=")[0]


def test_sessions_of_other_consortia_never_appear(client, cat, region, make_token, bearer):
    assert cat.s_other.pk not in ids(client.get(SESSIONS))
    assert client.get(f"{SESSIONS}/{cat.s_other.pk}").status_code == 404
    token = bearer(make_token(region.samordnare))
    assert client.get(f"{SESSIONS}/{cat.s_other.pk}", headers=token).status_code == 404


def test_session_detail(client, cat, region):
    Session.objects.filter(pk=cat.s3.pk).update(confirmed_count=4, waitlist_count=0)
    catalog.save_session(Session.objects.get(pk=cat.s3.pk), occasions=[
        catalog.OccasionInput(start=o.start, end=o.end, place=o.place, pk=o.pk) for o in cat.s3.occasions.all()
    ], quotas=[(region.huddinge, 5)])
    response = client.get(f"{SESSIONS}/{cat.s3.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == cat.s3.pk and body["name"] == "Huddingegruppen"
    assert (body["capacity"], body["confirmed_count"], body["waitlist_count"], body["free_seats"]) == (15, 4, 0, 11)
    assert body["status"] == "planned"
    assert body["owner_municipality_id"] == region.huddinge.pk
    assert body["quotas"] == [{"municipality_id": region.huddinge.pk, "seats": 5}]
    assert [o["place"] for o in body["occasions"]] == ["Huddinge kommunhus"]


def test_sessions_of_archived_activities_stay_public_with_their_status(client, cat):
    response = client.get(f"{SESSIONS}/{cat.s_archived.pk}")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert ids(client.get(SESSIONS, {"status": "cancelled"})) == [cat.s_archived.pk]


@pytest.mark.parametrize("path", ["/api/v1/sessions/999999", f"/api/v1/sessions/{2**70}", "/api/v1/sessions/abc"])
def test_unknown_sessions_are_404_json(client, cat, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- Constant queries ---------------------------------------------------------------------

def _count(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(queries), response.json()["count"]


def _grow_catalogue(region, focus, start, count):
    for n in range(start, start + count):
        activity = make_activity(region.consortium, f"Kurs {n:03}", focus_areas=[focus],
                                 occupations=[region.occupation])
        make_session(activity, day(50 + n), days=2, link="https://meet.example.se/x")


@pytest.mark.parametrize("url,params", [
    (ACTIVITIES, {"page_size": 500}),
    (ACTIVITIES, {"page_size": 500, "search": "kurs", "focus_area": "FOCUS"}),
    (SESSIONS, {"page_size": 500}),
    (SESSIONS, {"page_size": 500, "has_free_seats": "true", "starts_after": "2000-01-01"}),
])
def test_query_count_is_the_same_for_10_and_200_rows(client, region, url, params):
    focus = FocusArea.objects.create(consortium=region.consortium, name="Allt")
    params = {k: (focus.pk if v == "FOCUS" else v) for k, v in params.items()}
    _grow_catalogue(region, focus, 0, 10)
    queries_10, rows_10 = _count(client, url, params)
    _grow_catalogue(region, focus, 10, 190)
    queries_200, rows_200 = _count(client, url, params)
    assert (rows_10, rows_200) == (10, 200)
    assert queries_10 == queries_200


def test_session_detail_query_count_does_not_grow_with_occasions(client, cat, region):
    with CaptureQueriesContext(connection) as few:
        client.get(f"{SESSIONS}/{cat.s1.pk}")
    many = make_session(cat.bemotande, day(60), days=30, link="https://meet.example.se/y")
    with CaptureQueriesContext(connection) as lots:
        response = client.get(f"{SESSIONS}/{many.pk}")
    assert len(response.json()["occasions"]) == 30
    assert len(few) == len(lots)
