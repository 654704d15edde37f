import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from fpdf import FPDF

from larnav.core.charts import _nice_max, bar_chart, format_value, line_chart, share_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart):
    return ET.fromstring(chart.svg_document.split("\n", 1)[1])


def test_bar_chart_draws_one_bar_per_value_and_lists_the_figures():
    chart = bar_chart("Deltagare per kommun", ["Huddinge", "Nacka", "Täby"], [("Deltagare", [12, 30, "<5"])])
    root = parse(chart)
    bars = [r for r in root.iter(f"{SVG}rect")]
    assert len(bars) == 3
    # The masked cell is drawn as nothing and shown as it is.
    assert float(bars[2].get("height")) == 0
    assert chart.rows == [["Huddinge", "12"], ["Nacka", "30"], ["Täby", "<5"]]
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Deltagare per kommun"


def test_bar_heights_are_proportional_to_the_values():
    chart = bar_chart("t", ["a", "b"], [("n", [10, 20])])
    a, b = (float(r.get("height")) for r in parse(chart).iter(f"{SVG}rect"))
    assert b == pytest.approx(2 * a)


def test_many_categories_become_horizontal_bars():
    categories = [f"Kommun {i}" for i in range(10)]
    chart = bar_chart("t", categories, [("n", list(range(10)))])
    assert chart.horizontal
    widths = [float(r.get("width")) for r in parse(chart).iter(f"{SVG}rect")]
    assert widths == sorted(widths) and widths[0] == 0


def test_text_is_escaped_in_labels_and_title():
    chart = bar_chart("<script>", ["A & B <i>"], [("n", [1])])
    assert "<script>" not in chart.svg and "&lt;script&gt;" in chart.svg
    parse(chart)  # still well-formed


def test_series_must_match_the_categories():
    with pytest.raises(ValueError):
        bar_chart("t", ["a", "b"], [("n", [1])])


def test_line_chart_skips_missing_points():
    chart = line_chart("Per tertial", ["T1", "T2", "T3"], [("2025", [3, None, 5]), ("2026", [4, 6, 8])])
    root = parse(chart)
    assert len(list(root.iter(f"{SVG}circle"))) == 5
    assert chart.rows[1] == ["T2", "–", "6"]
    assert chart.header == ["", "2025", "2026"]


def test_share_chart_segments_fill_the_row():
    chart = share_chart("Driftform", ["Huddinge"], [("Kommunal", [30]), ("Enskild", [10])])
    widths = [float(r.get("width")) for r in parse(chart).iter(f"{SVG}rect")][:2]
    assert widths[0] == pytest.approx(3 * widths[1])
    assert "75 %" in chart.svg


def test_numbers_follow_the_language():
    with translation.override("sv"):
        assert format_value(1234567) == "1\xa0234\xa0567"
        assert format_value(Decimal("4.25")) == "4,2" or format_value(Decimal("4.25")) == "4,3"
    with translation.override("en"):
        assert format_value(1234) == "1,234"
        assert format_value(4.5) == "4.5"
    assert format_value(None) == "–"


@pytest.mark.parametrize("value,expected", [(0, 1), (7, 10), (12, 20), (180, 200), (2400, 2500), (0.3, 0.5)])
def test_axis_maximum_is_round(value, expected):
    assert _nice_max(value) == pytest.approx(expected)


def test_include_renders_figure_with_a_table():
    chart = bar_chart("Deltagare", ["Huddinge"], [("Antal", [3])])
    with translation.override("sv"):
        html = render_to_string("core/includes/chart.html", {"chart": chart})
    assert "<figure" in html and '<th scope="row">Huddinge</th>' in html and "<svg" in html


def test_empty_chart_says_so():
    with translation.override("en"):
        html = render_to_string("core/includes/chart.html", {"chart": bar_chart("t", [], [("n", [])])})
    assert "<svg" not in html and "No figures" in html


def test_the_standalone_document_embeds_in_a_pdf():
    chart = bar_chart("Deltagare", ["Huddinge", "Nacka"], [("Antal", [3, 4]), ("I fjol", [2, 5])])
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(chart.svg_document.encode()), x=10, y=10, w=180)
    assert bytes(pdf.output()).startswith(b"%PDF")
