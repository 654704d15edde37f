"""The public catalog: search, filters, sorting, paging, and sane answers to garbage."""

import re
import uuid
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from larnav.catalog.models import Activity, Occasion, Session
from larnav.catalog.testing import future_day, make_activity, make_session, occasion
from larnav.catalog.text import fold, render_markdown, swedish_sort_key

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [a.title for a in response.context["page"].object_list]


def test_the_catalog_needs_no_sign_in_and_hides_drafts(client, catalog):
    response = client.get("/utbud/")
    assert response.status_code == 200
    assert set(titles(response)) == {"Bemötande och förhållningssätt", "Återhämtning i socialpsykiatrin",
                                     "AKK – alternativ och kompletterande kommunikation"}
    assert client.get(f"/utbud/{catalog.utkast.pk}/").status_code == 404
    client.force_login(catalog.samordnare)
    assert client.get(f"/utbud/{catalog.utkast.pk}/").status_code == 200


@pytest.mark.parametrize("query, expected", [
    ("återhämtning", "Återhämtning i socialpsykiatrin"),
    ("ÅTERHÄMTNING", "Återhämtning i socialpsykiatrin"),
    ("Återhämtning SOCIALPSYKIATRIN", "Återhämtning i socialpsykiatrin"),
    ("bemötande", "Bemötande och förhållningssätt"),
    ("BEMÖTANDE", "Bemötande och förhållningssätt"),
    ("förhållningssätt", "Bemötande och förhållningssätt"),
    ("LÅGAFFEKTIVT", "Bemötande och förhållningssätt"),  # in the description
    ("ekonomisk trygghet", "Återhämtning i socialpsykiatrin"),  # the focus area's name
    ("akk", "AKK – alternativ och kompletterande kommunikation"),
])
def test_search_folds_swedish_letters(client, catalog, query, expected):
    assert titles(client.get("/utbud/", {"q": query})) == [expected]


def test_search_finds_compound_words_and_nothing_for_strangers(client, catalog):
    assert titles(client.get("/utbud/", {"q": "socialpsyk"})) == ["Återhämtning i socialpsykiatrin"]
    assert titles(client.get("/utbud/", {"q": "ämnesomsättning"})) == []
    # å, ä and ö are letters of their own, not a, a and o.
    assert titles(client.get("/utbud/", {"q": "aterhamtning"})) == []


@pytest.mark.postgres_only
def test_postgres_search_stems_swedish_words(client, catalog):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's Swedish text search")
    make_activity(catalog.consortium, "Dokumentationen i vardagen")
    # "dokumentationer" is no substring of the title, but both words stem to "dokumentation".
    assert titles(client.get("/utbud/", {"q": "dokumentationer"})) == ["Dokumentationen i vardagen"]


def test_the_search_text_is_kept_up_to_date(client, catalog):
    catalog.focus_lss.name = "Funktionsstöd enligt LSS"
    from larnav.catalog.services import save_focus_area

    save_focus_area(catalog.focus_lss)
    assert titles(client.get("/utbud/", {"q": "funktionsstöd"})) == ["Bemötande och förhållningssätt"]


def test_filters_by_type_level_focus_and_role(client, catalog):
    assert titles(client.get("/utbud/", {"type": "seminarium"})) == ["Återhämtning i socialpsykiatrin"]
    assert titles(client.get("/utbud/", {"level": "grund"})) == ["Bemötande och förhållningssätt"]
    assert titles(client.get("/utbud/", {"focus": catalog.focus_lss.pk})) == ["Bemötande och förhållningssätt"]
    assert titles(client.get("/utbud/", {"role": catalog.occupation.pk})) == [
        "AKK – alternativ och kompletterande kommunikation"]
    both = client.get("/utbud/", {"type": "kurs", "focus": catalog.focus_lss.pk, "q": "bemötande"})
    assert titles(both) == ["Bemötande och förhållningssätt"]


def test_session_filters(client, catalog):
    month_day = (timezone.localdate().replace(day=1) + timedelta(days=70)).replace(day=15)
    make_session(catalog.bemotande, occasions=[occasion(month_day, link="https://teams.example/x", place="")],
                 capacity=5)
    make_session(catalog.atervinning, occasions=[occasion(future_day(200))], owner_municipality=catalog.huddinge,
                 capacity=5)
    full = make_session(catalog.akk, occasions=[occasion(month_day + timedelta(days=1))], capacity=5)
    Session.objects.filter(pk=full.pk).update(confirmed_count=5)
    month = month_day.strftime("%Y-%m")
    assert set(titles(client.get("/utbud/", {"month": month}))) == {
        "Bemötande och förhållningssätt", "AKK – alternativ och kompletterande kommunikation"}
    assert titles(client.get("/utbud/", {"mode": "digital"})) == ["Bemötande och förhållningssätt"]
    assert set(titles(client.get("/utbud/", {"mode": "physical"}))) == {
        "Återhämtning i socialpsykiatrin", "AKK – alternativ och kompletterande kommunikation"}
    assert titles(client.get("/utbud/", {"scope": "local"})) == ["Återhämtning i socialpsykiatrin"]
    assert set(titles(client.get("/utbud/", {"scope": "regional"}))) == {
        "Bemötande och förhållningssätt", "AKK – alternativ och kompletterande kommunikation"}
    assert set(titles(client.get("/utbud/", {"free": "on"}))) == {
        "Bemötande och förhållningssätt", "Återhämtning i socialpsykiatrin"}
    assert titles(client.get("/utbud/", {"free": "on", "month": month})) == ["Bemötande och förhållningssätt"]


def test_cancelled_and_past_sessions_are_not_listed(client, catalog):
    from larnav.catalog.services import cancel_session

    cancel_session(make_session(catalog.bemotande))
    past = make_session(catalog.akk, days=3)
    Occasion.objects.filter(session=past).update(start=timezone.now() - timedelta(days=2, hours=2),
                                                 end=timezone.now() - timedelta(days=2))
    Session.objects.filter(pk=past.pk).update(first_start=timezone.now() - timedelta(days=2, hours=2),
                                              last_end=timezone.now() - timedelta(days=2))
    response = client.get("/utbud/")
    assert all(a.listed_sessions == [] for a in response.context["page"].object_list)


def test_sorting_by_date_and_by_title_in_swedish_order(client, catalog):
    make_session(catalog.akk, days=5)
    make_session(catalog.bemotande, days=50)
    make_activity(catalog.consortium, "Ödmjukhet i mötet")
    make_activity(catalog.consortium, "Ärendehantering")
    make_activity(catalog.consortium, "Zonterapi")
    by_date = titles(client.get("/utbud/"))
    assert by_date[:2] == ["AKK – alternativ och kompletterande kommunikation", "Bemötande och förhållningssätt"]
    by_title = titles(client.get("/utbud/", {"sort": "title"}))
    assert by_title == ["AKK – alternativ och kompletterande kommunikation", "Bemötande och förhållningssätt",
                        "Zonterapi", "Återhämtning i socialpsykiatrin", "Ärendehantering", "Ödmjukhet i mötet"]


def test_swedish_sort_key_and_fold():
    words = ["ö", "Ä", "å", "z", "A", "é", "ü", "y"]
    assert sorted(words, key=swedish_sort_key) == ["A", "é", "ü", "y", "z", "å", "Ä", "ö"]
    assert fold("ÅSA ÖBERG Ärlig") == "åsa öberg ärlig"


@pytest.mark.parametrize("params", [
    {"type": "<script>"}, {"level": "99"}, {"focus": "abc"}, {"focus": "999999"}, {"role": "-1"},
    {"month": "2026-13"}, {"month": "1999-01"}, {"month": "x"}, {"scope": "mars"}, {"mode": "telepati"},
    {"free": "kanske"}, {"sort": "-price"}, {"page": "9999"}, {"page": "abc"}, {"q": "x" * 5000},
    {"q": "%_\\'\"; DROP TABLE"}, {"focus": ["1", "2"]},
])
def test_garbage_parameters_give_the_default_never_an_error(client, catalog, params):
    response = client.get("/utbud/", params)
    assert response.status_code == 200
    assert client.get("/utbud/kalender.ics", params).status_code == 200


def test_every_filter_combination_is_a_shareable_url(client, catalog):
    make_session(catalog.bemotande, days=20)
    params = {"q": "bemötande", "type": "kurs", "level": "grund", "focus": catalog.focus_lss.pk, "scope": "regional",
              "mode": "physical", "free": "on"}
    response = client.get("/utbud/", params)
    assert titles(response) == ["Bemötande och förhållningssätt"]
    html = response.content.decode()
    # The form shows the choices again, and the calendar feed carries the same filters.
    assert 'value="bemötande"' in html
    feed = response.context["feed_url"]
    assert feed.startswith("/utbud/kalender.ics?") and "q=bem%C3%B6tande" in feed and "focus=" in feed
    assert "BEGIN:VEVENT" in client.get(feed).content.decode()


def test_session_page_shows_seats_and_waiting_list(client, catalog, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    session = make_session(catalog.bemotande, capacity=30)
    Session.objects.filter(pk=session.pk).update(confirmed_count=26, waitlist_count=0)
    response = client.get(f"/utbud/tillfalle/{session.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "<dt>Seats left</dt><dd>4</dd>" in text and "<dt>Waiting list</dt><dd>0 people</dd>" in text
    Session.objects.filter(pk=session.pk).update(confirmed_count=30, waitlist_count=3)
    text = client.get(f"/utbud/tillfalle/{session.pk}/").content.decode()
    assert "<dt>Seats left</dt><dd>0</dd>" in text and "<dt>Waiting list</dt><dd>3 people</dd>" in text
    listing = client.get("/utbud/").content.decode()
    assert "Full" in listing and "3 on the waiting list" in listing


def test_markdown_description_is_rendered_and_html_never_runs(client, catalog):
    catalog.bemotande.description = (
        "## Innehåll\n\n- **Bemötande**\n- [Läs mer](https://forumcarpe.se)\n\n"
        "<script>alert('x')</script>\n\n[klick](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    catalog.bemotande.save()
    html = client.get(f"/utbud/{catalog.bemotande.pk}/").content.decode()
    assert "<strong>Bemötande</strong>" in html
    assert "<h4>Innehåll</h4>" in html  # headings start below the page's own
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<img" not in html
    assert 'href="javascript' not in html
    assert 'rel="noopener noreferrer nofollow"' in html
    rendered = str(render_markdown("<b>fet</b> <iframe src=x></iframe>"))
    assert "<b>" not in rendered and "<iframe" not in rendered and "&lt;b&gt;" in rendered


def _bulk_catalog(consortium, sessions: int, per_activity: int = 10):
    """Many activities and sessions at once (bulk_create), as the query-count test needs."""
    activities = Activity.objects.bulk_create([
        Activity(consortium=consortium, type="kurs", title=f"Kurs {i}", sort_title=f"kurs {i:05d}",
                 search_text=f"kurs {i}", status="published")
        for i in range(max(sessions // per_activity, 1))
    ])
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=3)
    rows = []
    for i in range(sessions):
        first = start + timedelta(days=i % 300)
        rows.append(Session(consortium=consortium, activity=activities[i % len(activities)], capacity=20,
                            status="open", uid=uuid.uuid4(), first_start=first, last_end=first + timedelta(hours=3),
                            is_physical=True, confirmed_count=i % 25 if i % 25 <= 20 else 20))
    created = Session.objects.bulk_create(rows, batch_size=500)
    Occasion.objects.bulk_create([
        Occasion(session=s, start=s.first_start, end=s.last_end, place="Sal") for s in created
    ], batch_size=500)
    return activities


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/utbud/", "/utbud/?free=on&mode=physical&sort=title",
                                 "/utbud/?q=kurs&page=2", "/utbud/kalender.ics"])
def test_the_catalog_takes_the_same_number_of_queries_at_10_and_1000_sessions(client, region, url):
    _bulk_catalog(region.consortium, 10, per_activity=1)
    small = _count_queries(client, url)
    _bulk_catalog(region.consortium, 990)
    assert Session.objects.count() == 1000
    large = _count_queries(client, url)
    assert small == large
    assert large <= 10


def test_the_month_choices_start_this_month(client, catalog):
    form = client.get("/utbud/").context["form"]
    values = [v for v, _label in form.fields["month"].choices if v]
    assert values[0] == timezone.localdate().strftime("%Y-%m") and len(values) == 24


def test_occasion_times_are_shown_in_stockholm_time(client, catalog):
    session = make_session(catalog.bemotande, occasions=[occasion(future_day(30), time(13, 15), time(15, 45))])
    html = client.get(f"/utbud/tillfalle/{session.pk}/").content.decode()
    assert "13:15" in html and "15:45" in html


def test_the_optional_result_cache_serves_repeats_and_forgets_on_writes(client, catalog, settings,
                                                                         django_capture_on_commit_callbacks):
    from django.core.cache import cache

    cache.clear()
    settings.LARNAV_CATALOG_CACHE_SECONDS = 60
    session = make_session(catalog.bemotande, capacity=10)
    first = _count_queries(client, "/utbud/?q=bem%C3%B6tande")
    repeat = _count_queries(client, "/utbud/?q=bem%C3%B6tande")
    assert repeat < first
    assert "Bemötande och förhållningssätt</a></h3>" in client.get("/utbud/?q=bemötande").content.decode()
    # A catalog write makes the cached lists unreachable once it commits.
    with django_capture_on_commit_callbacks(execute=True):
        from larnav.catalog.services import cancel_session

        cancel_session(session)
    html = client.get("/utbud/?q=bem%C3%B6tande").content.decode()
    assert "seats left" not in html and "platser kvar" not in html
    # Another language or another question is another entry.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "1 activity" in client.get("/utbud/?q=bem%C3%B6tande").content.decode()
    cache.clear()


def test_cached_whole_pages_carry_each_visitors_own_csrf_token(client, catalog, settings):
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    settings.LARNAV_CATALOG_CACHE_SECONDS = 60
    make_session(catalog.bemotande)
    pages = []
    for _ in range(3):
        visitor = Client(enforce_csrf_checks=True)
        response = visitor.get("/utbud/")
        html = response.content.decode()
        assert "larnav-catalog-csrf-placeholder" not in html
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        assert settings.CSRF_COOKIE_NAME in response.cookies
        # The language switch works with the token the (possibly cached) page carried.
        switched = visitor.post("/i18n/setlang/", {"language": "en", "next": "/utbud/",
                                                   "csrfmiddlewaretoken": token})
        assert switched.status_code == 302
        pages.append(html.replace(token, ""))
    refused = Client(enforce_csrf_checks=True)
    refused.get("/utbud/")
    assert refused.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": "x" * 64}).status_code == 403
    assert pages[0] == pages[1] == pages[2]  # the same page, apart from the token
    # Signed-in visitors get their own page around the cached results.
    client.force_login(catalog.samordnare)
    assert "Manage the catalog" in client.get("/utbud/").content.decode()
    cache.clear()
