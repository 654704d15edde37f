"""The dashboard's exports: the same selection, figures and masking as the page, the same permissions."""

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from larnav.accounts.models import Role
from larnav.core.testing import make_person, make_user
from larnav.registrations.models import Status
from larnav.statistics.periods import STOCKHOLM, Period, today
from larnav.statistics.selectors import MEASURES
from larnav.statistics.testing import make_dated_session, register

pytestmark = pytest.mark.django_db

PAGE = "/statistik/"
XLSX = "/statistik/export.xlsx"
CSV = "/statistik/export.csv"
YEAR = today().year
T1 = {"year": YEAR, "period": "T1"}


@pytest.fixture
def data(region):
    """In T1 of this year: Huddinge Anna and Erik (2 participants, one no-show); Täby: Tove and 5 more."""
    session = make_dated_session(region.consortium, datetime(YEAR, 3, 3, 9, tzinfo=STOCKHOLM), hours="7.5")
    register(session, region.anna)
    register(session, region.erik, Status.NO_SHOW, present_on=1)
    for i in range(5):
        register(session, make_person(region.consortium, region.tibble, last_name=f"Tibble{i}"))
    register(session, region.tove)
    return region


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content), read_only=True)


def sheet_rows(book, title):
    return [list(row) for row in book[title].iter_rows(values_only=True)]


def as_cells(values):
    """Row values as the workbook holds them: whole hours as integers, masked cells as text."""
    return [int(v) if hasattr(v, "to_integral_value") and v == v.to_integral_value() else
            float(v) if hasattr(v, "to_integral_value") else v for v in values]


def text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_the_workbook_holds_every_table_of_the_page_with_the_same_figures(client, data):
    client.force_login(data.samordnare)
    board = client.get(PAGE, T1).context["board"]
    response = client.get(XLSX, T1)
    assert response["Content-Disposition"] == f'attachment; filename="statistik-kommun-{YEAR}-T1.xlsx"'
    book = workbook(response)
    assert book.sheetnames == ["Om rapporten", "Kommun", "Per tertial", "Driftform", "Funktion",
                               "Utan deltagare"]

    kommun = sheet_rows(book, "Kommun")
    assert kommun[0] == ["Kommun", "Anmälningar", "Deltagare", "Närvarande", "Genomförda", "Uteblivna", "Timmar"]
    assert kommun[1:-1] == [[r.label, *as_cells(r.values(MEASURES))] for r in board.table.rows]
    assert kommun[-1] == ["Totalt", *as_cells(board.total.values(MEASURES))]
    assert kommun[-1][1:3] == [8, 8]  # numbers, not text
    assert dict((r[0], r[-1]) for r in kommun[1:])["Huddinge"] == 7.5  # Anna's hours; Erik did not come

    for title, table in zip(["Driftform", "Funktion"], board.share_tables, strict=True):
        rows = sheet_rows(book, title)
        assert rows[1:] == [[r.label, *as_cells(r.values(MEASURES))] for r in table.rows] + [
            ["Totalt", *as_cells(table.total.values(MEASURES))]]

    trend = sheet_rows(book, "Per tertial")
    assert trend[0][0] == "Tertial"
    assert [r[0] for r in trend[1:]] == board.trend.categories
    assert [r[2] for r in trend[1:]] == dict(board.trend.series)["Deltagare"]

    members = [r[0] for r in sheet_rows(book, "Utan deltagare")[1:]]
    assert members == [m.organisation.name for m in board.without_participants]

    about = dict((r[0], r[1] if len(r) > 1 else None) for r in sheet_rows(book, "Om rapporten")[1:] if r)
    assert about["Period"].startswith(f"T1 {YEAR} (1 januari – 30 april {YEAR})")
    assert about["Omfattning"] == "Hela samverkan"
    assert about["Samverkan"] == data.consortium.name
    assert about["Små tal"].startswith("Inga siffror är maskerade")


def test_a_cka_exports_the_consortium_masked_as_on_the_page(client, data):
    client.force_login(data.cka_taby)
    board = client.get(PAGE, T1).context["board"]
    book = workbook(client.get(XLSX, T1))
    kommun = {r[0]: r for r in sheet_rows(book, "Kommun")[1:]}
    page = {r.label: r for r in board.table.rows}
    assert page["Huddinge"].participants == "<5"
    # Huddinge's 2 participants, 2 registrations, 1 completed and 7.5 hours never leave the server.
    assert kommun["Huddinge"][1:] == ["<5", "<5", "<5", "<5", "<5", "<5"]
    assert kommun["Täby"][1:3] == [6, 6]
    assert kommun["Totalt"][1:3] == [8, 8]
    about = {r[0]: r[1] for r in sheet_rows(book, "Om rapporten")[1:] if r and len(r) > 1}
    assert "tal under 5 visas som ”<5”" in about["Små tal"]
    # The same in the CSV.
    lines = text(client.get(CSV, T1)).splitlines()
    assert "Huddinge;<5;<5;<5;<5;<5;<5" in lines
    assert not any(line.startswith("Huddinge;2") for line in lines)


def test_the_csv_is_the_breakdown_for_swedish_excel_with_its_total(client, data):
    client.force_login(data.samordnare)
    response = client.get(CSV, T1)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="statistik-kommun-{YEAR}-T1.csv"'
    body = text(response)
    assert body.startswith("\ufeffKommun;Anmälningar;Deltagare;Närvarande;Genomförda;Uteblivna;Timmar\r\n")
    lines = body.lstrip("\ufeff").splitlines()
    assert "Huddinge;2;2;2;1;1;7,5" in lines
    assert lines[-1] == "Totalt;8;8;8;7;1;52,5"


def test_a_drill_down_exports_the_workplaces_of_the_organisation(client, data):
    client.force_login(data.cka_taby)
    params = {"year": YEAR, "period": "ytd", "organisation": data.taby.pk}
    response = client.get(XLSX, params)
    ytd = Period.year_to_date(YEAR, (today().month - 1) // 4 + 1)
    suffix = f"{YEAR}-T1" if ytd.tertial == 1 else f"{YEAR}-T1-T{ytd.tertial}"
    assert response["Content-Disposition"] == f'attachment; filename="statistik-arbetsplats-taby-{suffix}.xlsx"'
    rows = sheet_rows(workbook(response), "Arbetsplats")
    assert rows[1][:3] == ["Tibble", 6, 6] and rows[-1][:3] == ["Totalt", 6, 6]


def test_a_cka_may_not_export_another_municipality_in_detail(client, data):
    client.force_login(data.cka_taby)
    for url in (XLSX, CSV):
        assert client.get(url, {**T1, "organisation": data.huddinge.pk}).status_code == 403
    # Nor every workplace of the consortium: the page's own error, with 400.
    response = client.get(XLSX, {**T1, "cut": "workplace"})
    assert response.status_code == 400
    assert "Välj din kommun eller stadsdel" in response.content.decode()


def test_only_viewers_of_statistics_may_export(client, data):
    assert client.get(XLSX).status_code == 302  # to sign in
    client.force_login(make_user(data.consortium, Role.DELTAGARE, username="tove", person=data.tove))
    assert client.get(XLSX).status_code == 403
    assert client.get(CSV).status_code == 403


@pytest.mark.parametrize("params", [
    {"year": "1999", "period": "T1"}, {"year": "tjugo", "period": "T1"}, {"year": str(YEAR), "period": "T4"},
    {"year": str(YEAR), "period": "T1", "cut": "personnummer"}, {"year": str(YEAR), "organisation": "x"},
    {"year": str(YEAR), "organisation": "999999"},
])
def test_bad_input_gives_the_swedish_form_error(client, data, params):
    client.force_login(data.samordnare)
    response = client.get(XLSX, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert response.context["form"].errors
    assert "Välj" in response.content.decode()


def test_an_unknown_format_is_not_found(client, data):
    client.force_login(data.samordnare)
    assert client.get("/statistik/export.pdf").status_code == 404


def test_the_page_links_to_both_files_of_its_selection(client, data):
    client.force_login(data.samordnare)
    html = client.get(PAGE, {**T1, "organisation": data.huddinge.pk}).content.decode()
    query = f"year={YEAR}&amp;period=T1&amp;organisation={data.huddinge.pk}"
    assert f'href="/statistik/export.xlsx?{query}"' in html
    assert f'href="/statistik/export.csv?{query}"' in html
    assert "Exportera till Excel" in html


def test_the_export_sends_as_many_queries_as_the_page(client, data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(data.samordnare)
    client.get(PAGE, T1)  # warm up the session and the caches
    with CaptureQueriesContext(connection) as page:
        client.get(PAGE, T1)
    with CaptureQueriesContext(connection) as export:
        workbook(client.get(XLSX, T1))
    assert len(export) == len(page)
