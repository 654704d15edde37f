"""A report's content, independent of its format: a title, facts about it and a list of tables.

The builders (``larnav.reports.builders``) assemble a ``Report``; the
renderers turn the same ``Report`` into a PDF (``larnav.reports.pdf``) and an
XLSX workbook (``larnav.reports.xlsx``), so both always hold the same
figures. Cells are numbers (int or Decimal), ``None`` (no figure, "–") or
text: the category in the first column, or a masked small cell such as "<5".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from larnav.core.charts import Chart, bar_chart, line_chart, share_chart

Cell = int | Decimal | str | None


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    sheet: str = ""  # the XLSX sheet's name (unique, at most 31 characters); the title if empty
    note: str = ""
    total: list[Cell] | None = None  # a totals row, shown last and in bold
    chart: str = ""  # "bar", "line" or "share": drawn from the rows in the PDF; "" for none
    chart_columns: tuple[int, ...] = ()  # which columns the chart shows (default: every number column)
    percent_columns: tuple[int, ...] = ()  # columns that hold shares in per cent (formatted so)
    empty_text: str = ""
    # Relative column widths in the PDF; 0 leaves a column out of the PDF (the XLSX has every column).
    pdf_widths: tuple[float, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.rows

    def chart_of(self) -> Chart | None:
        """The table's chart (for the PDF), or None."""
        if not self.chart or self.is_empty:
            return None
        columns = self.chart_columns or tuple(range(1, len(self.headers)))
        categories = [str(row[0]) for row in self.rows]
        series = [(self.headers[c], [row[c] for row in self.rows]) for c in columns]
        make = {"bar": bar_chart, "line": line_chart, "share": share_chart}[self.chart]
        unit = "%" if columns and all(c in self.percent_columns for c in columns) else ""
        return make(self.title, categories, series, unit=unit)


@dataclass
class Report:
    title: str
    subtitle: str
    generated_at: datetime
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value) shown first
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # shown after the facts: masking, definitions
    filename: str = "rapport"
