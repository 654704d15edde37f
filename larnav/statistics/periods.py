"""Reporting periods: tertials (T1 jan–apr, T2 maj–aug, T3 sep–dec), year to date, years.

A period is a range of Europe/Stockholm *local dates*, first and last day
included. Its ``start`` and ``end`` are the UTC instants of local midnight at
the start of the first day and after the last day, so that a period can be
used as a half-open range ``start <= t < end`` on any database; the
PostgreSQL queries additionally compute local dates with ``AT TIME ZONE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.utils import timezone

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TIME_ZONE_NAME = "Europe/Stockholm"

# First month of each tertial.
TERTIAL_FIRST_MONTH = {1: 1, 2: 5, 3: 9}


class PeriodKind(StrEnum):
    TERTIAL = "tertial"          # one tertial on its own
    YEAR_TO_DATE = "ytd"         # 1 January to the end of a tertial (cumulative)
    YEAR = "year"
    CUSTOM = "custom"


def tertial_of(day: date) -> int:
    """1, 2 or 3: the tertial a local date falls in."""
    return 1 if day.month <= 4 else 2 if day.month <= 8 else 3


def local_midnight(day: date) -> datetime:
    """The aware instant of local midnight at the start of ``day`` in Stockholm."""
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM)


def today() -> date:
    return timezone.localtime(timezone.now(), STOCKHOLM).date()


def _tertial_bounds(year: int, n: int) -> tuple[date, date]:
    if n not in TERTIAL_FIRST_MONTH:
        raise ValueError("A tertial is 1, 2 or 3.")
    first = date(year, TERTIAL_FIRST_MONTH[n], 1)
    last = date(year + 1, 1, 1) - timedelta(days=1) if n == 3 else date(year, TERTIAL_FIRST_MONTH[n + 1], 1) - timedelta(days=1)
    return first, last


@dataclass(frozen=True)
class Period:
    first_day: date
    last_day: date
    kind: PeriodKind = PeriodKind.CUSTOM
    year: int | None = None
    tertial: int | None = None

    def __post_init__(self):
        if self.last_day < self.first_day:
            raise ValueError("A period cannot end before it starts.")

    # --- Constructors -----------------------------------------------------------------

    @classmethod
    def for_tertial(cls, year: int, n: int) -> Period:
        first, last = _tertial_bounds(year, n)
        return cls(first, last, PeriodKind.TERTIAL, year, n)

    @classmethod
    def year_to_date(cls, year: int, n: int) -> Period:
        """1 January up to and including the last day of tertial ``n`` (cumulative)."""
        _first, last = _tertial_bounds(year, n)
        return cls(date(year, 1, 1), last, PeriodKind.YEAR_TO_DATE, year, n)

    @classmethod
    def for_year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), PeriodKind.YEAR, year, None)

    @classmethod
    def custom(cls, first_day: date, last_day: date) -> Period:
        return cls(first_day, last_day, PeriodKind.CUSTOM)

    @classmethod
    def current_tertial(cls, day: date | None = None) -> Period:
        day = day or today()
        return cls.for_tertial(day.year, tertial_of(day))

    # --- Instants ---------------------------------------------------------------------

    @property
    def start(self) -> datetime:
        """Local midnight at the start of the first day (aware)."""
        return local_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        """Local midnight after the last day (aware): the period is ``start <= t < end``."""
        return local_midnight(self.last_day + timedelta(days=1))

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end

    # --- Related periods --------------------------------------------------------------

    def previous_year(self) -> Period:
        """The same period one year earlier (29 February becomes 28 February)."""
        def back(day: date) -> date:
            try:
                return day.replace(year=day.year - 1)
            except ValueError:
                return day.replace(year=day.year - 1, day=28)

        return Period(back(self.first_day), back(self.last_day), self.kind,
                      self.year - 1 if self.year else None, self.tertial)

    def tertials(self) -> list[Period]:
        """The tertials (each on its own) that overlap this period, in order."""
        result = []
        year, n = self.first_day.year, tertial_of(self.first_day)
        while True:
            t = Period.for_tertial(year, n)
            if t.first_day > self.last_day:
                return result
            result.append(t)
            year, n = (year + 1, 1) if n == 3 else (year, n + 1)

    # --- Display ----------------------------------------------------------------------

    @property
    def key(self) -> str:
        """A short stable key: 2026-T1, 2026-T1-ytd (T1 cumulative), 2026, or 2026-01-01--2026-03-31."""
        if self.kind == PeriodKind.TERTIAL:
            return f"{self.year}-T{self.tertial}"
        if self.kind == PeriodKind.YEAR_TO_DATE:
            return f"{self.year}-T{self.tertial}-ytd"
        if self.kind == PeriodKind.YEAR:
            return str(self.year)
        return f"{self.first_day.isoformat()}--{self.last_day.isoformat()}"

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.TERTIAL:
            return f"T{self.tertial} {self.year}"
        if self.kind == PeriodKind.YEAR_TO_DATE:
            if self.tertial == 1:
                return f"T1 {self.year}"
            return f"T1–T{self.tertial} {self.year}"
        if self.kind == PeriodKind.YEAR:
            return str(self.year)
        return f"{self.first_day.isoformat()} – {self.last_day.isoformat()}"

    def __str__(self):
        return self.label


def tertial_key(year: int, n: int) -> int:
    """The integer the queries group tertials by: 20261 for T1 2026."""
    return year * 10 + n


def parse_period_key(key: str) -> Period | None:
    """The inverse of ``Period.key`` for tertials, years to date and years; None if it is not one."""
    try:
        parts = key.split("-")
        if len(parts) == 1:
            return Period.for_year(int(parts[0]))
        if len(parts) in (2, 3) and parts[1][:1] == "T":
            year, n = int(parts[0]), int(parts[1][1:])
            if len(parts) == 3:
                return Period.year_to_date(year, n) if parts[2] == "ytd" else None
            return Period.for_tertial(year, n)
    except ValueError:
        return None
    return None
