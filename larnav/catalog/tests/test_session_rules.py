"""The rules for sessions, enforced by the service whoever calls it (views, API, imports)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from larnav.catalog import services
from larnav.catalog.models import Occasion, Session
from larnav.catalog.testing import future_day, make_session, occasion
from larnav.core.testing import make_consortium, make_kommun

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


def new_session(activity, **fields):
    fields.setdefault("capacity", 20)
    return Session(activity=activity, consortium=activity.consortium, **fields)


def test_an_occasion_must_end_after_it_starts(catalog):
    day = future_day()
    bad = services.OccasionInput(start=services.local_datetime(day, time(13)), end=services.local_datetime(day, time(9)),
                                 place="Sal 1")
    with pytest.raises(ValidationError) as exc:
        services.save_session(new_session(catalog.bemotande), occasions=[bad])
    assert "must end after it starts" in " ".join(errors_of(exc)["occasions"])
    assert not Session.objects.exists()


def test_overlapping_occasions_are_refused(catalog):
    day = future_day()
    with pytest.raises(ValidationError) as exc:
        services.save_session(new_session(catalog.bemotande), occasions=[
            occasion(day, time(9), time(12)), occasion(day, time(11), time(15)),
        ])
    assert "overlap" in " ".join(errors_of(exc)["occasions"])


def test_occasions_entered_out_of_order_are_stored_in_order(catalog):
    later, earlier = future_day(40), future_day(20)
    session = make_session(catalog.bemotande, occasions=[occasion(later), occasion(earlier)])
    starts = list(session.occasions.values_list("start", flat=True))
    assert starts == sorted(starts)
    assert session.first_start == starts[0] and session.last_end.date() == later


def test_an_occasion_needs_a_place_or_a_link(catalog):
    with pytest.raises(ValidationError) as exc:
        services.save_session(new_session(catalog.bemotande), occasions=[occasion(future_day(), place="")])
    assert "place or a digital link" in " ".join(errors_of(exc)["occasions"])


def test_a_new_session_in_the_past_is_refused_but_an_existing_one_can_be_edited(catalog):
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.save_session(new_session(catalog.bemotande), occasions=[occasion(yesterday)])
    assert "in the past" in " ".join(errors_of(exc)["occasions"])
    # A session that has taken place can still be corrected (e.g. its place).
    session = make_session(catalog.bemotande, days=10)
    Occasion.objects.filter(session=session).update(start=timezone.now() - timedelta(days=3, hours=3),
                                                    end=timezone.now() - timedelta(days=3))
    session.refresh_from_db()
    past = session.occasions.get()
    services.save_session(session, occasions=[services.OccasionInput(
        start=past.start, end=past.end, place="Rätt sal", pk=past.pk)])
    assert session.occasions.get().place == "Rätt sal"


@pytest.mark.parametrize("capacity", [0, -5, 10_001, 1_000_000])
def test_absurd_capacity_is_refused(catalog, capacity):
    with pytest.raises(ValidationError) as exc:
        services.save_session(new_session(catalog.bemotande, capacity=capacity), occasions=[occasion(future_day())])
    assert "capacity" in errors_of(exc)


def test_capacity_cannot_drop_below_the_confirmed_participants(catalog):
    session = make_session(catalog.bemotande, capacity=20)
    Session.objects.filter(pk=session.pk).update(confirmed_count=12)  # as the registration service would
    session.refresh_from_db()
    session.capacity = 10
    with pytest.raises(ValidationError) as exc:
        services.save_session(session, occasions=[services.OccasionInput(
            start=o.start, end=o.end, place=o.place, pk=o.pk) for o in session.occasions.all()])
    message = " ".join(errors_of(exc)["capacity"])
    assert "12 participants are already confirmed" in message and "cannot be lower than 12" in message
    session.refresh_from_db()
    assert session.capacity == 20
    # Down to exactly the confirmed number is fine, and the session is then full.
    session.capacity = 12
    services.save_session(session, occasions=[services.OccasionInput(
        start=o.start, end=o.end, place=o.place, pk=o.pk) for o in session.occasions.all()])
    session.refresh_from_db()
    assert (session.capacity, session.status, session.confirmed_count) == (12, Session.Status.FULL, 12)


def test_saving_never_overwrites_the_seat_counters(catalog):
    session = make_session(catalog.bemotande, capacity=20)
    stale = Session.objects.get(pk=session.pk)
    Session.objects.filter(pk=session.pk).update(confirmed_count=5, waitlist_count=2)  # a registration meanwhile
    stale.name = "Grupp A"
    services.save_session(stale, occasions=[services.OccasionInput(
        start=o.start, end=o.end, place=o.place, pk=o.pk) for o in session.occasions.all()])
    session.refresh_from_db()
    assert (session.name, session.confirmed_count, session.waitlist_count) == ("Grupp A", 5, 2)


def test_a_session_with_registrations_cannot_be_deleted(catalog):
    session = make_session(catalog.bemotande)
    Session.objects.filter(pk=session.pk).update(waitlist_count=1)
    with pytest.raises(ValidationError) as exc:
        services.delete_session(session)
    assert "Cancel it instead" in " ".join(exc.value.messages)
    assert Session.objects.filter(pk=session.pk).exists()
    Session.objects.filter(pk=session.pk).update(waitlist_count=0)
    services.delete_session(session)
    assert not Session.objects.filter(pk=session.pk).exists()


def test_quotas_must_fit_the_capacity_and_belong_to_the_consortium(catalog):
    with pytest.raises(ValidationError) as exc:
        make_session(catalog.bemotande, capacity=10, quotas=[(catalog.huddinge, 11)])
    assert "more than the capacity" in " ".join(errors_of(exc)["quotas"])
    # Quotas cap each municipality's seats, so together they may exceed the capacity.
    make_session(catalog.bemotande, capacity=10, quotas=[(catalog.huddinge, 6), (catalog.taby, 6)])
    other = make_kommun(make_consortium("Annan samverkan"), "Falun", "2080")
    with pytest.raises(ValidationError) as exc:
        make_session(catalog.bemotande, capacity=10, quotas=[(other, 2)])
    assert "not a municipality of this consortium" in " ".join(errors_of(exc)["quotas"])
    with pytest.raises(ValidationError):
        make_session(catalog.bemotande, capacity=10, quotas=[(catalog.huddinge, 2), (catalog.huddinge, 3)])
    session = make_session(catalog.bemotande, capacity=10, quotas=[(catalog.huddinge, 4), (catalog.sodermalm, 3)])
    assert {(q.municipality.name, q.seats) for q in session.quotas.all()} == {("Huddinge", 4), ("Södermalm", 3)}


def test_a_local_only_session_needs_an_owner_and_no_foreign_quota(catalog):
    with pytest.raises(ValidationError) as exc:
        make_session(catalog.bemotande, local_staff_only=True)
    assert "local_staff_only" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        make_session(catalog.bemotande, owner_municipality=catalog.huddinge, local_staff_only=True,
                     quotas=[(catalog.taby, 2)])
    assert "quotas" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        make_session(catalog.bemotande, owner_municipality=catalog.solgarden)  # a workplace cannot own a session
    assert "owner_municipality" in errors_of(exc)


def test_registration_must_close_before_the_first_occasion(catalog):
    day = future_day(20)
    with pytest.raises(ValidationError) as exc:
        make_session(catalog.bemotande, occasions=[occasion(day)],
                     registration_closes=services.local_datetime(day, time(10)))
    assert "registration_closes" in errors_of(exc)
    with pytest.raises(ValidationError) as exc:
        make_session(catalog.bemotande, occasions=[occasion(day)],
                     registration_opens=services.local_datetime(day - timedelta(days=5), time(8)),
                     registration_closes=services.local_datetime(day - timedelta(days=6), time(8)))
    assert "registration_closes" in errors_of(exc)


def test_full_follows_the_counters(catalog):
    session = make_session(catalog.bemotande, capacity=3, status=Session.Status.OPEN)
    assert session.status == Session.Status.OPEN and session.free_seats == 3
    Session.objects.filter(pk=session.pk).update(confirmed_count=3)
    session.refresh_from_db()
    assert session.free_seats == 0
    session.capacity = 5
    services.save_session(session, occasions=[services.OccasionInput(
        start=o.start, end=o.end, place=o.place, pk=o.pk) for o in session.occasions.all()])
    session.refresh_from_db()
    assert (session.status, session.free_seats) == (Session.Status.OPEN, 2)


def test_series_keeps_local_wall_clock_time_across_the_end_of_summer_time(catalog, settings):
    # Tuesdays 13 Oct, 27 Oct and 10 Nov 2026; summer time ends on Sunday 25 October 2026.
    template = new_session(catalog.bemotande)
    sessions = services.create_series(
        template, first_day=date(2026, 10, 13), interval_weeks=2, count=3, start_time=time(13), end_time=time(16),
        place="Kulturhuset, Sal 2", one_session=True, now=datetime(2026, 9, 1, tzinfo=STOCKHOLM),
    )
    occasions = list(sessions[0].occasions.order_by("start"))
    assert [timezone.localtime(o.start, STOCKHOLM).strftime("%Y-%m-%d %H:%M") for o in occasions] == [
        "2026-10-13 13:00", "2026-10-27 13:00", "2026-11-10 13:00"]
    assert [o.start.astimezone(ZoneInfo("UTC")).hour for o in occasions] == [11, 12, 12]
    assert all(timezone.localtime(o.end, STOCKHOLM).hour == 16 for o in occasions)


def test_series_as_separate_sessions_every_second_tuesday_six_times(catalog):
    first = future_day(7)
    first += timedelta(days=(1 - first.weekday()) % 7)  # the next Tuesday
    sessions = services.create_series(
        new_session(catalog.bemotande, capacity=12), first_day=first, interval_weeks=2, count=6,
        start_time=time(9, 30), end_time=time(11), digital_link="https://teams.example/m/1",
    )
    assert len(sessions) == 6
    days = [timezone.localtime(s.first_start).date() for s in sessions]
    assert days == [first + timedelta(weeks=2 * i) for i in range(6)]
    assert all(d.weekday() == 1 for d in days)
    assert len({s.uid for s in sessions}) == 6 and all(s.is_digital and not s.is_physical for s in sessions)


def test_a_series_with_a_past_date_creates_nothing(catalog):
    with pytest.raises(ValidationError):
        services.create_series(new_session(catalog.bemotande), first_day=timezone.localdate() - timedelta(days=1),
                               interval_weeks=1, count=3, start_time=time(9), end_time=time(10), place="Sal")
    assert not Session.objects.exists()


@pytest.mark.parametrize("interval, count", [(0, 3), (1, 0), (53, 2), (1, 500)])
def test_absurd_series_are_refused(catalog, interval, count):
    with pytest.raises(ValidationError):
        services.create_series(new_session(catalog.bemotande), first_day=future_day(), interval_weeks=interval,
                               count=count, start_time=time(9), end_time=time(10), place="Sal")


def test_copy_moves_every_occasion_and_keeps_wall_clock_time_across_dst(catalog):
    now = datetime(2026, 9, 1, tzinfo=STOCKHOLM)
    source = Session(activity=catalog.bemotande, consortium=catalog.consortium, capacity=15, status="open")
    services.save_session(source, occasions=[
        occasion(date(2026, 10, 20), time(9), time(12)), occasion(date(2026, 10, 22), time(13), time(16)),
    ], quotas=[(catalog.huddinge, 5)], trainers=[catalog.utbildare], now=now)
    Session.objects.filter(pk=source.pk).update(confirmed_count=7)
    source.refresh_from_db()
    copy = services.copy_session(source, date(2027, 3, 30), now=now)  # after summer time begins (28 March 2027)
    local = [timezone.localtime(o.start, STOCKHOLM) for o in copy.occasions.order_by("start")]
    assert [(d.date(), d.hour) for d in local] == [(date(2027, 3, 30), 9), (date(2027, 4, 1), 13)]
    assert copy.uid != source.uid and copy.sequence == 0 and copy.confirmed_count == 0
    assert copy.status == Session.Status.PLANNED
    assert list(copy.trainers.all()) == [catalog.utbildare]
    assert [(q.municipality_id, q.seats) for q in copy.quotas.all()] == [(catalog.huddinge.pk, 5)]


def test_a_copy_into_the_past_is_refused(catalog):
    source = make_session(catalog.bemotande)
    with pytest.raises(ValidationError):
        services.copy_session(source, timezone.localdate() - timedelta(days=7))


def test_cancelling_sets_the_status_and_raises_the_sequence(catalog):
    session = make_session(catalog.bemotande)
    before = session.sequence
    services.cancel_session(session)
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED and session.sequence == before + 1 and session.cancelled_at
    services.cancel_session(session)  # twice is harmless
    session.refresh_from_db()
    assert session.sequence == before + 1


def test_completed_sessions(catalog):
    session = make_session(catalog.bemotande, days=2)
    assert services.complete_finished_sessions(now=timezone.now() + timedelta(days=5)) == 1
    session.refresh_from_db()
    assert session.status == Session.Status.COMPLETED
    with pytest.raises(ValidationError):
        services.cancel_session(session)
