"""The statistics dashboard: who sees what, masking, drill-down and bad input."""

from datetime import datetime

import pytest

from larnav.accounts.models import Role
from larnav.core.testing import make_person, make_user
from larnav.statistics.periods import STOCKHOLM, today
from larnav.statistics.testing import make_dated_session, register

pytestmark = pytest.mark.django_db

URL = "/statistik/"
YEAR = today().year


@pytest.fixture
def data(region):
    """In T1 of this year: Huddinge Anna and Erik (2 participants); Täby: Tove and 5 more at Tibble."""
    session = make_dated_session(region.consortium, datetime(YEAR, 3, 3, 9, tzinfo=STOCKHOLM))
    register(session, region.anna)
    register(session, region.erik)
    for i in range(5):
        register(session, make_person(region.consortium, region.tibble, last_name=f"Tibble{i}"))
    register(session, region.tove)
    return region


def rows(response):
    return {r.label: r for r in response.context["board"].table.rows}


def test_a_coordinator_sees_every_figure(client, data):
    client.force_login(data.samordnare)
    response = client.get(URL, {"year": YEAR, "period": "T1"})
    assert response.status_code == 200
    board = response.context["board"]
    assert board.total.participants == 8 and board.total.registrations == 8
    assert rows(response)["Huddinge"].participants == 2
    assert not board.table.masked
    html = response.content.decode()
    assert "<svg" in html and "<table" in html
    # Every municipality may be opened, and the workplaces of Huddinge are listed there.
    assert f"organisation={data.huddinge.pk}" in html
    drill = client.get(URL, {"year": YEAR, "period": "T1", "organisation": data.huddinge.pk})
    assert drill.status_code == 200
    assert set(rows(drill)) == {"Solgården", "Ekbacken"}
    # Shares by operating form: Ekbacken is run privately, the rest by the municipality.
    driftform = drill.context["board"].shares[0]
    assert len(driftform.series) == 2


def test_a_cka_sees_the_consortium_masked_and_the_own_municipality_in_detail(client, data):
    client.force_login(data.cka_taby)
    response = client.get(URL, {"year": YEAR, "period": "T1"})
    assert response.status_code == 200
    table_rows = rows(response)
    assert table_rows["Huddinge"].participants == "<5"
    assert table_rows["Täby"].participants == 6
    assert response.context["board"].total.participants == 8
    html = response.content.decode()
    assert "&lt;5" in html
    assert f"organisation={data.taby.pk}" in html
    assert f"organisation={data.huddinge.pk}" not in html
    own = client.get(URL, {"year": YEAR, "period": "T1", "organisation": data.taby.pk})
    assert own.status_code == 200
    assert rows(own)["Tibble"].participants == 6
    assert not own.context["board"].table.masked


def test_a_cka_may_not_drill_into_another_municipality(client, data):
    client.force_login(data.cka_taby)
    response = client.get(URL, {"year": YEAR, "period": "T1", "organisation": data.huddinge.pk})
    assert response.status_code == 403
    # Nor ask for every workplace of the consortium.
    response = client.get(URL, {"year": YEAR, "period": "T1", "cut": "workplace"})
    assert response.status_code == 200
    assert response.context["board"] is None
    assert "Välj din kommun eller stadsdel" in response.content.decode()


def test_a_participant_gets_403(client, data):
    client.force_login(make_user(data.consortium, Role.DELTAGARE, username="tove", person=data.tove))
    assert client.get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, data):
    response = client.get(URL)
    assert response.status_code == 302 and "next=" in response["Location"]


@pytest.mark.parametrize("params", [
    {"year": "1999", "period": "T1"}, {"year": "tjugo", "period": "T1"}, {"year": str(YEAR), "period": "T4"},
    {"year": str(YEAR), "period": "T1", "cut": "personnummer"}, {"year": str(YEAR), "organisation": "x"},
    {"year": str(YEAR), "organisation": "999999"},
])
def test_bad_input_gives_a_swedish_form_error(client, data, params):
    client.force_login(data.samordnare)
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response.context["board"] is None
    assert response.context["form"].errors
    assert "Välj" in response.content.decode()


def test_the_first_visit_shows_this_year_so_far(client, data):
    client.force_login(data.samordnare)
    response = client.get(URL)
    board = response.context["board"]
    assert board.period.year == YEAR and board.period.first_day.month == 1
    assert board.total.registrations == 8
    assert board.trend.categories[0] == f"T1 {YEAR - 1}"
    assert all(int(label[-4:]) < YEAR or int(label[1]) <= (today().month - 1) // 4 + 1
               for label in board.trend.categories)  # no tertial that has not begun
    assert "Statistik" in response.content.decode()


def test_members_without_participants_are_listed(client, data):
    client.force_login(data.samordnare)
    response = client.get(URL, {"year": YEAR, "period": "T1"})
    names = [m.organisation.name for m in response.context["board"].without_participants]
    assert "Huddinge" not in names and "Täby" not in names


def test_the_dashboard_sends_a_constant_number_of_queries(client, data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(data.samordnare)
    params = {"year": YEAR, "period": "year"}
    client.get(URL, params)  # warm up the session and the caches
    with CaptureQueriesContext(connection) as few:
        client.get(URL, params)
    # More people, workplaces and sessions give more rows, not more queries.
    more = make_dated_session(data.consortium, datetime(YEAR, 9, 9, 9, tzinfo=STOCKHOLM))
    for org in (data.solgarden, data.ringvagen, data.tibble, data.ekbacken):
        for i in range(3):
            register(more, make_person(data.consortium, org, last_name=f"Fler{org.pk}{i}"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, params)
    assert response.context["board"].total.registrations == 20
    assert len(many) == len(few)
