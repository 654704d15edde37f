"""Coordinators, CKA and trainers: who may create and change what, through the pages."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone

from larnav.catalog import selectors
from larnav.catalog.models import Activity, FocusArea, Session
from larnav.catalog.testing import future_day, make_session, occasion

pytestmark = pytest.mark.django_db


def session_post(day, **overrides):
    data = {
        "name": "", "capacity": "20", "status": "open", "owner_municipality": "", "registration_opens": "",
        "registration_closes": "", "cancellation_deadline": "",
        "occ-TOTAL_FORMS": "2", "occ-INITIAL_FORMS": "0", "occ-MIN_NUM_FORMS": "0", "occ-MAX_NUM_FORMS": "60",
        "occ-0-day": day.isoformat(), "occ-0-start_time": "09:00", "occ-0-end_time": "12:00",
        "occ-0-place": "Huddinge kommunhus", "occ-0-address": "", "occ-0-digital_link": "",
        "quota-TOTAL_FORMS": "0", "quota-INITIAL_FORMS": "0", "quota-MIN_NUM_FORMS": "0",
        "quota-MAX_NUM_FORMS": "300",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_and_publishes_an_activity(client, catalog):
    client.force_login(catalog.samordnare)
    response = client.post("/utbud/hantera/ny/", {
        "type": "poanggivande", "title": "Socialpsykiatri, 7,5 hp", "description": "Högskolekurs.",
        "level": "fordjupning", "focus_areas": [catalog.focus_lss.pk], "target_occupations": [catalog.occupation.pk],
        "credits": "7.5", "credit_unit": "hp", "price": "4500", "provider_kind": "procured",
        "provider_name": "Ersta Sköndal Bräcke högskola", "hours": "", "contact_email": "kurs@example.se",
    })
    assert response.status_code == 302, response.context["form"].errors
    activity = Activity.objects.get(title="Socialpsykiatri, 7,5 hp")
    assert activity.status == Activity.Status.DRAFT and activity.created_by == catalog.samordnare
    assert "ersta sköndal bräcke högskola" in activity.search_text
    assert list(client.get("/utbud/", {"q": "socialpsykiatri, 7"}).context["page"].object_list) == []
    assert client.post(f"/utbud/{activity.pk}/status/", {"status": "published"}).status_code == 302
    activity.refresh_from_db()
    assert activity.status == Activity.Status.PUBLISHED and activity.published_at


def test_activity_form_rules(client, catalog):
    client.force_login(catalog.samordnare)
    base = {"type": "kurs", "title": "Kurs", "price": "0", "provider_kind": "own"}
    errors = client.post("/utbud/hantera/ny/", {**base, "credits": "7.5"}).context["form"].errors
    assert "credits" in errors
    errors = client.post("/utbud/hantera/ny/", {**base, "type": "poanggivande"}).context["form"].errors
    assert "credits" in errors and "credit_unit" in errors
    errors = client.post("/utbud/hantera/ny/", {**base, "price": "-1"}).context["form"].errors
    assert "price" in errors
    errors = client.post("/utbud/hantera/ny/", {**base, "provider_kind": "procured"}).context["form"].errors
    assert "provider_name" in errors
    errors = client.post("/utbud/hantera/ny/", {**base, "focus_areas": ["99999"]}).context["form"].errors
    assert "Unknown focus area" in str(errors["focus_areas"])
    errors = client.post("/utbud/hantera/ny/", {**base, "title": "Kurs för 19800101-1234"}).context["form"].errors
    assert "title" in errors
    assert not Activity.objects.filter(title__startswith="Kurs").exists()


def test_a_focus_area_of_another_consortium_is_unknown(client, catalog):
    from larnav.catalog.testing import make_focus_area
    from larnav.core.testing import make_consortium

    foreign = make_focus_area(make_consortium("Annan"), "Främmande")
    inactive = FocusArea.objects.create(consortium=catalog.consortium, name="Gammalt", is_active=False)
    client.force_login(catalog.samordnare)
    for area in (foreign, inactive):
        response = client.post(f"/utbud/{catalog.bemotande.pk}/andra/", {
            "type": "kurs", "title": "Bemötande", "price": "0", "provider_kind": "own", "focus_areas": [area.pk]})
        assert "Unknown focus area" in str(response.context["form"].errors["focus_areas"])


def test_coordinator_creates_a_session_with_occasions_and_quota(client, catalog):
    client.force_login(catalog.samordnare)
    day = future_day(21)
    data = session_post(day, **{
        "occ-1-day": day.isoformat(), "occ-1-start_time": "13:00", "occ-1-end_time": "15:00",
        "occ-1-place": "", "occ-1-digital_link": "https://teams.microsoft.com/l/x",
        "quota-TOTAL_FORMS": "1", "quota-0-municipality": catalog.huddinge.pk, "quota-0-seats": "5",
        "trainers": [catalog.utbildare.pk],
    })
    response = client.post(f"/utbud/{catalog.bemotande.pk}/nytt-tillfalle/", data)
    assert response.status_code == 302, (response.context["form"].errors, response.context["occasion_errors"])
    session = Session.objects.get()
    assert session.occasions.count() == 2 and session.is_digital and session.is_physical
    assert session.quotas.get().seats == 5 and list(session.trainers.all()) == [catalog.utbildare]
    assert session.owner_municipality is None


def test_session_form_errors_are_shown_beside_the_form(client, catalog):
    client.force_login(catalog.samordnare)
    past = timezone.localdate() - timedelta(days=2)
    response = client.post(f"/utbud/{catalog.bemotande.pk}/nytt-tillfalle/", session_post(past))
    assert response.status_code == 200
    assert any("in the past" in e for e in response.context["occasion_errors"])
    response = client.post(f"/utbud/{catalog.bemotande.pk}/nytt-tillfalle/",
                           session_post(future_day(), capacity="20000"))
    assert "capacity" in response.context["form"].errors
    response = client.post(f"/utbud/{catalog.bemotande.pk}/nytt-tillfalle/",
                           session_post(future_day(), capacity="-3"))
    assert "capacity" in response.context["form"].errors
    response = client.post(f"/utbud/{catalog.bemotande.pk}/nytt-tillfalle/",
                           session_post(future_day(), **{"occ-0-end_time": "08:00"}))
    assert any("must end after it starts" in e for e in response.context["occasion_errors"])
    assert not Session.objects.exists()


def test_lowering_capacity_below_confirmed_is_explained_on_the_page(client, catalog):
    session = make_session(catalog.bemotande, capacity=20)
    Session.objects.filter(pk=session.pk).update(confirmed_count=15)
    client.force_login(catalog.samordnare)
    page = client.get(f"/utbud/tillfalle/{session.pk}/andra/")
    assert page.status_code == 200
    o = session.occasions.get()
    local = timezone.localtime(o.start)
    data = session_post(local.date(), capacity="10", **{
        "occ-INITIAL_FORMS": "1", "occ-0-id": o.pk, "occ-0-start_time": local.strftime("%H:%M"),
        "occ-0-end_time": timezone.localtime(o.end).strftime("%H:%M")})
    response = client.post(f"/utbud/tillfalle/{session.pk}/andra/", data)
    assert response.status_code == 200
    assert "15 participants are already confirmed" in str(response.context["form"].errors["capacity"])
    assert re.search(r'<input[^>]*name="capacity"[^>]*aria-describedby="[^"]*id_capacity_error',
                     response.content.decode())


def test_cka_creates_local_sessions_for_their_own_municipality_only(client, catalog):
    client.force_login(catalog.cka_huddinge)
    form = client.get(f"/utbud/{catalog.bemotande.pk}/nytt-tillfalle/").context["form"]
    assert list(form.fields["owner_municipality"].queryset) == [catalog.huddinge]
    # Regional (no owner) is refused for a CKA...
    response = client.post(f"/utbud/{catalog.bemotande.pk}/nytt-tillfalle/", session_post(future_day()))
    assert "owner_municipality" in response.context["form"].errors
    # ...and so is another municipality.
    response = client.post(f"/utbud/{catalog.bemotande.pk}/nytt-tillfalle/",
                           session_post(future_day(), owner_municipality=catalog.taby.pk))
    assert "owner_municipality" in response.context["form"].errors
    response = client.post(f"/utbud/{catalog.bemotande.pk}/nytt-tillfalle/",
                           session_post(future_day(), owner_municipality=catalog.huddinge.pk, local_staff_only="on"))
    assert response.status_code == 302
    session = Session.objects.get()
    assert session.owner_municipality == catalog.huddinge and session.local_staff_only
    # Drafts are not theirs to give.
    assert client.get(f"/utbud/{catalog.utkast.pk}/nytt-tillfalle/").status_code == 403


def test_cka_of_taby_cannot_touch_huddinges_local_session(client, catalog):
    session = make_session(catalog.bemotande, owner_municipality=catalog.huddinge)
    regional = make_session(catalog.akk)
    client.force_login(catalog.cka_taby)
    for url in (f"/utbud/tillfalle/{session.pk}/andra/", f"/utbud/tillfalle/{session.pk}/stall-in/",
                f"/utbud/tillfalle/{session.pk}/ta-bort/", f"/utbud/tillfalle/{session.pk}/kopiera/",
                f"/utbud/tillfalle/{regional.pk}/andra/"):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    session.refresh_from_db()
    assert session.status == Session.Status.OPEN
    assert not selectors.can_manage_session(catalog.cka_taby, session)
    assert selectors.can_manage_session(catalog.cka_huddinge, session)
    assert not selectors.can_manage_session(catalog.cka_huddinge, regional)
    # Huddinge's own CKA may.
    client.force_login(catalog.cka_huddinge)
    assert client.get(f"/utbud/tillfalle/{session.pk}/andra/").status_code == 200


def test_others_cannot_manage_the_catalog(client, catalog):
    session = make_session(catalog.bemotande)
    for user in (catalog.deltagare, catalog.utbildare, catalog.chef_solgarden, catalog.styrgrupp_taby):
        client.force_login(user)
        for url in ("/utbud/hantera/ny/", f"/utbud/{catalog.bemotande.pk}/andra/",
                    f"/utbud/{catalog.bemotande.pk}/nytt-tillfalle/", f"/utbud/tillfalle/{session.pk}/andra/",
                    f"/utbud/{catalog.bemotande.pk}/intresselista/", "/utbud/fokusomraden/"):
            assert client.get(url).status_code == 403, (user, url)
    client.logout()
    assert client.get("/utbud/hantera/").status_code == 302  # to sign in


def test_cancel_asks_first(client, catalog):
    session = make_session(catalog.bemotande)
    client.force_login(catalog.samordnare)
    page = client.get(f"/utbud/tillfalle/{session.pk}/stall-in/")
    assert page.status_code == 200 and b"button--danger" in page.content
    session.refresh_from_db()
    assert session.status == Session.Status.OPEN
    assert client.post(f"/utbud/tillfalle/{session.pk}/stall-in/").status_code == 302
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED and session.sequence == 1


def test_delete_needs_confirmation_and_is_refused_with_registrations(client, catalog):
    session = make_session(catalog.bemotande)
    Session.objects.filter(pk=session.pk).update(confirmed_count=1)
    client.force_login(catalog.samordnare)
    page = client.get(f"/utbud/tillfalle/{session.pk}/ta-bort/")
    assert b"Cancel it instead" in page.content and b"button--danger" not in page.content
    client.post(f"/utbud/tillfalle/{session.pk}/ta-bort/")
    assert Session.objects.filter(pk=session.pk).exists()
    Session.objects.filter(pk=session.pk).update(confirmed_count=0)
    assert b"button--danger" in client.get(f"/utbud/tillfalle/{session.pk}/ta-bort/").content
    assert client.post(f"/utbud/tillfalle/{session.pk}/ta-bort/").status_code == 302
    assert not Session.objects.filter(pk=session.pk).exists()


def test_copy_and_series_pages(client, catalog):
    session = make_session(catalog.bemotande)
    client.force_login(catalog.samordnare)
    new_day = future_day(60)
    response = client.post(f"/utbud/tillfalle/{session.pk}/kopiera/", {"first_day": new_day.isoformat(), "name": "B"})
    assert response.status_code == 302
    copy = Session.objects.exclude(pk=session.pk).get()
    assert timezone.localtime(copy.first_start).date() == new_day and copy.name == "B"
    response = client.post(f"/utbud/{catalog.akk.pk}/serie/", {
        "capacity": "10", "status": "planned", "first_day": future_day(10).isoformat(), "interval_weeks": "2",
        "count": "6", "start_time": "13:00", "end_time": "15:30", "place": "Nacka stadshus", "one_session": "one",
    })
    assert response.status_code == 302, (response.context["form"].errors, response.context["series"].errors)
    circle = Session.objects.get(activity=catalog.akk)
    assert circle.occasions.count() == 6
    assert timezone.localtime(circle.last_end).time() == time(15, 30)


def test_activity_status_rules(client, catalog):
    make_session(catalog.bemotande)
    client.force_login(catalog.samordnare)
    page = client.post(f"/utbud/{catalog.bemotande.pk}/status/", {"status": "archived"})
    assert b"cancel them before archiving" in page.content
    catalog.bemotande.refresh_from_db()
    assert catalog.bemotande.status == Activity.Status.PUBLISHED
    assert client.post(f"/utbud/{catalog.akk.pk}/status/", {"status": "archived"}).status_code == 302
    assert list(client.get("/utbud/", {"q": "AKK"}).context["page"].object_list) == []


def test_trainers_see_their_own_sessions(client, catalog):
    mine = make_session(catalog.bemotande, trainers=[catalog.utbildare])
    make_session(catalog.akk)
    client.force_login(catalog.utbildare)
    response = client.get("/utbud/mina-tillfallen/", follow=True)
    assert response.redirect_chain == [("/narvaro/", 301)]
    assert [s.pk for s in response.context["upcoming"]] == [mine.pk]
    client.force_login(catalog.deltagare)
    assert client.get("/utbud/mina-tillfallen/").status_code == 403


def test_manage_pages(client, catalog):
    make_session(catalog.bemotande, owner_municipality=catalog.huddinge)
    client.force_login(catalog.samordnare)
    response = client.get("/utbud/hantera/", {"status": "draft"})
    assert [a.title for a in response.context["page"].object_list] == ["Utkast om dokumentation"]
    assert client.get("/utbud/hantera/", {"sort": "nonsense", "page": "x"}).status_code == 200
    client.force_login(catalog.cka_huddinge)
    response = client.get("/utbud/hantera/")
    assert [s.activity.title for s in response.context["sessions"]] == ["Bemötande och förhållningssätt"]
    client.force_login(catalog.cka_taby)
    assert list(client.get("/utbud/hantera/").context["sessions"]) == []


def test_focus_areas_are_managed_by_coordinators(client, catalog):
    client.force_login(catalog.samordnare)
    assert client.post("/utbud/fokusomraden/ny/", {"name": "Delaktighet", "sort_order": "10",
                                                    "is_active": "on"}).status_code == 302
    response = client.post("/utbud/fokusomraden/ny/", {"name": "delaktighet", "sort_order": "10"})
    assert "name" in response.context["form"].errors
    assert client.get("/utbud/fokusomraden/").status_code == 200


def test_occasion_place_and_link_sync_keeps_ids(client, catalog):
    session = make_session(catalog.bemotande, occasions=[occasion(future_day(10)), occasion(future_day(11))])
    ids = sorted(session.occasions.values_list("pk", flat=True))
    from larnav.catalog import services

    inputs = [services.OccasionInput(start=o.start, end=o.end, place="Ny sal", pk=o.pk)
              for o in session.occasions.all()]
    services.save_session(session, occasions=inputs[:1])
    assert list(session.occasions.values_list("pk", "place")) == [(ids[0], "Ny sal")]
