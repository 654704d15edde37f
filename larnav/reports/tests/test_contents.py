"""What the reports hold: the tables, numbers as numbers, masking for a wider audience, the PDF's text."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from larnav.core.testing import make_person
from larnav.reports import builders, services
from larnav.reports.models import ReportJob
from larnav.reports.pdf import render_pdf
from larnav.reports.xlsx import render_xlsx

pytestmark = pytest.mark.django_db


def job_for(user, kind, *, year=2026, tertial=None, organisation=None, masked=True) -> ReportJob:
    return services.request_report(user, user.consortium, services.ReportRequest(
        kind=kind, year=year, tertial=tertial, organisation=organisation, masked=masked))


def tables(report):
    return {t.sheet: t for t in report.tables}


def rows(table):
    return {row[0]: row[1:] for row in table.rows}


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_tertial_report_has_every_table(data):
    job = job_for(data.samordnare, "tertial", tertial=2, masked=False)
    report = builders.build(job)
    assert list(tables(report)) == [
        "Sammanfattning", "Kommuner", "Stadsdelar", "Driftform", "Funktion", "Yrkesroll", "Kön",
        "Aktivitetstyp", "Fokusområden", "Tertialer", "Utan deltagare", "Handläggare", "Indikatorer"]
    municipalities = tables(report)["Kommuner"]
    assert municipalities.headers == [
        "Kommun", "Deltagare T2 2026", "Anmälningar T2 2026", "Deltagare T1–T2 2026", "Anmälningar T1–T2 2026",
        "Timmar T1–T2 2026"]
    assert rows(municipalities) == {
        "Huddinge": [1, 1, 2, 3, Decimal("15.0")],
        "Stockholm": [0, 0, 1, 1, Decimal("6.0")],
        "Täby": [3, 4, 10, 11, Decimal("51.0")],
    }
    assert municipalities.total == ["Totalt", 4, 5, 13, 15, Decimal("72.0")]
    summary = tables(report)["Sammanfattning"]
    assert [r[0] for r in summary.rows] == ["T2 2026", "T1–T2 2026"]
    assert rows(tables(report)["Tertialer"])["T1 2026"][:2] == [10, 10]
    assert rows(tables(report)["Tertialer"])["T2 2026"][:2] == [4, 13]
    indicators = tables(report)["Indikatorer"]
    assert [r[1] for r in indicators.rows] == ["Andel medlemmar med deltagare", "Deltagare"]
    assert indicators.rows[0][2] == Decimal(100)  # all three members had participants by the end of August
    assert indicators.rows[1][2] == Decimal(13)


def test_a_report_for_a_wider_audience_masks_small_cells(data):
    job = job_for(data.samordnare, "tertial", tertial=2, masked=True)
    report = builders.build(job)
    assert rows(tables(report)["Kommuner"]) == {
        "Huddinge": ["<5", "<5", "<5", "<5", "<5"],
        "Stockholm": [0, 0, "<5", "<5", "<5"],
        "Täby": ["<5", "<5", 10, 11, Decimal("51.0")],
    }
    assert any("<5" in note for note in report.notes)


def test_members_without_participants_are_listed(data):
    data.tove.workplace = data.tibble
    job = job_for(data.samordnare, "tertial", tertial=1, masked=False)
    without = tables(builders.build(job))["Utan deltagare"]
    assert without.rows == []
    assert without.empty_text
    from larnav.core.testing import make_kommun

    make_kommun(data.consortium, "Nacka", "0182")
    without = tables(builders.build(job))["Utan deltagare"]
    assert without.rows == [["Nacka", "Kommun"]]


def test_the_year_end_report_has_a_column_per_tertial_and_last_year(data):
    job = job_for(data.samordnare, "year_end", masked=False)
    report = builders.build(job)
    municipalities = tables(report)["Kommuner"]
    assert municipalities.headers == [
        "Kommun", "Deltagare T1 2026", "Deltagare T2 2026", "Deltagare T3 2026", "Deltagare 2026",
        "Anmälningar 2026", "Timmar 2026", "Deltagare 2025", "Förändring i deltagare (%)"]
    assert rows(municipalities)["Täby"] == [7, 3, 0, 10, 11, Decimal("51.0"), 2, Decimal("400.0")]
    assert rows(municipalities)["Huddinge"][-1] is None  # no participants last year: no change to show
    assert [r[0] for r in tables(report)["Sammanfattning"].rows] == ["T1 2026", "T2 2026", "T3 2026", "2026",
                                                                     "2025"]


def test_the_municipality_report_shows_the_own_municipality_and_the_consortium_only_in_aggregate(data):
    job = job_for(data.cka_taby, "municipality", tertial=2, organisation=data.taby)
    report = builders.build(job)
    summary = tables(report)["Sammanfattning"]
    assert [r[0] for r in summary.rows] == ["Täby T1–T2 2026", "Täby T2 2026", "Samverkan T1–T2 2026"]
    assert summary.rows[0][1:3] == [11, 10]  # registrations, participants
    driftform = tables(report)["Driftform"]
    assert driftform.headers[-1] == "Täbys andel (%)"
    # Täby: 10 participants, 11 registrations, 3 in T2 (masked); the consortium: 12 in municipal operation.
    assert rows(driftform)["Kommunal regi"] == [10, 11, "<5", 12, Decimal("83.3")]
    assert rows(driftform)["Enskild regi"] == [0, 0, 0, "<5", None]
    assert ("Andel av samverkans deltagare", "76,9 %") in report.facts
    everything = [str(c) for t in report.tables for r in [t.headers, *t.rows] for c in r]
    assert not any("Huddinge" in c or "Stockholm" in c or "Södermalm" in c for c in everything)
    assert "Kommuner" not in tables(report) and "Utan deltagare" not in tables(report)


def test_the_report_of_a_municipality_with_districts_breaks_it_down_by_district(data):
    job = job_for(data.samordnare, "municipality", organisation=data.stockholm)
    report = builders.build(job)
    assert rows(tables(report)["Stadsdelar"]) == {"Södermalm": ["<5", "<5", "<5", 0]}


def test_xlsx_has_a_sheet_per_table_numbers_as_numbers_and_swedish_headers(data):
    report = builders.build(job_for(data.samordnare, "tertial", tertial=2, masked=True))
    workbook = load_workbook(io.BytesIO(render_xlsx(report)))
    assert workbook.sheetnames == ["Om rapporten", *[t.sheet for t in report.tables]]
    sheet = workbook["Kommuner"]
    assert [c.value for c in sheet[1]] == tables(report)["Kommuner"].headers
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= 10
    taby = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "Täby")
    assert taby[3].value == 10 and taby[3].data_type == "n"
    assert taby[1].value == "<5" and taby[1].data_type == "s"
    assert taby[5].value == 51 and taby[5].data_type == "n"
    total = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "Totalt")
    assert total[3].value == 13 and total[3].font.bold
    about = [c.value for row in workbook["Om rapporten"].iter_rows() for c in row if c.value]
    assert "Tertialrapport T2 2026" in about and data.consortium.name in about


def test_pdf_holds_the_titles_tables_and_masked_cells(data):
    report = builders.build(job_for(data.samordnare, "tertial", tertial=2, masked=True))
    text = pdf_text(render_pdf(report))
    assert "Tertialrapport T2 2026" in text
    for title in ("Deltagare per kommun", "Deltagare per driftform", "Deltagare per yrkesroll",
                  "Deltagare per aktivitetstyp", "Medlemmar utan deltagare", "Verksamhetsplanens indikatorer"):
        assert title in text
    assert "Täby" in text and "<5" in text
    assert "Sida 1 av" in text


def test_building_reports_progress(data):
    job = job_for(data.samordnare, "year_end", masked=False)
    seen = []
    builders.build(job, progress=lambda done, total, step: seen.append((done, total, step)))
    assert [done for done, _total, _step in seen] == list(range(1, len(seen) + 1))
    assert seen[-1][0] == seen[-1][1]
    assert all(step for _done, _total, step in seen)


def test_the_number_of_queries_does_not_grow_with_the_data(data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from larnav.core.testing import make_kommun, make_org
    from larnav.reports.tests.conftest import local
    from larnav.statistics.testing import make_dated_session, register

    def count(kind, **fields):
        job = job_for(data.samordnare, kind, **fields)
        with CaptureQueriesContext(connection) as queries:
            builders.build(job)
        return len(queries)

    before = {kind: count(kind, **fields) for kind, fields in [
        ("tertial", {"tertial": 2}), ("year_end", {}), ("municipality", {"organisation": data.huddinge})]}
    session = make_dated_session(data.consortium, local(2026, 4, 2, 9))
    for n in range(8):
        kommun = make_kommun(data.consortium, f"Kommun {n}", f"02{n:02d}")
        unit = make_org(data.consortium, "enhet", f"Enhet {n}", kommun)
        for i in range(3):
            register(session, make_person(data.consortium, unit, last_name=f"P{n}{i}"))
    after = {kind: count(kind, **fields) for kind, fields in [
        ("tertial", {"tertial": 2}), ("year_end", {}), ("municipality", {"organisation": data.huddinge})]}
    assert after == before
    # A fixed set of statements per report, whatever the data (above); this bound catches a loop.
    assert max(after.values()) <= 120, after
