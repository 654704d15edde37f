"""An indicator's status against its target: met, on track or not met.

The rule (``assess``), for a value measured from 1 January of the plan year
up to a date (the *as-of* date), and a target with a direction ("at least"
or "at most"):

* No value yet: no status ("no value"). No target: no status ("no target").
* *Reached* means value ≥ target for "at least" and value ≤ target for
  "at most".
* When the plan year is over (the as-of date is 31 December or later): **met**
  if reached, else **not met**.
* While the year runs, it depends on what kind of figure the indicator is:

  - A *count* (cumulative: it only grows during the year, such as the number
    of participants or the share of member municipalities that have had at
    least one participant) is compared with the pace of the year. The
    *expected* value by now is target × elapsed share of the year (days
    from 1 January to the as-of date, inclusive, over the days of the year).

    "At least": reached → **met** (a count cannot fall back); value ≥
    expected → **on track**; else **not met** (behind pace).
    "At most": exceeded → **not met** (it cannot come back); value ≤
    expected → **on track**; else **not met** (at this pace it will pass
    the ceiling).

  - A *level* (a share or an average that can move either way, such as the
    evaluation average or attendance at meetings): reached → **on track**
    (whether it is met is decided when the year is over); else **not met**.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    MET = "met", _("Met")
    ON_TRACK = "on_track", _("On track")
    NOT_MET = "not_met", _("Not met")
    NO_VALUE = "no_value", _("No value yet")
    NO_TARGET = "no_target", _("No target")


class Direction(models.TextChoices):
    AT_LEAST = "at_least", _("At least")
    AT_MOST = "at_most", _("At most")


@dataclass(frozen=True)
class Assessment:
    status: Status
    explanation: str
    expected: Decimal | None = None  # for counts during the year: the value the pace of the year asks for

    @property
    def label(self):
        return self.status.label

    @property
    def is_judged(self) -> bool:
        return self.status in (Status.MET, Status.ON_TRACK, Status.NOT_MET)


def elapsed_share(year: int, as_of: date) -> Decimal:
    """Share of the plan year ``year`` that has passed on ``as_of`` (that day included), 0–1."""
    first = date(year, 1, 1)
    if as_of < first:
        return Decimal(0)
    days = 366 if calendar.isleap(year) else 365
    passed = (as_of - first).days + 1
    return Decimal(1) if passed >= days else Decimal(passed) / Decimal(days)


def _fmt(value: Decimal) -> str:
    places = 0 if value == value.to_integral_value() else 1
    return number_format(value.quantize(Decimal(1) if places == 0 else Decimal("0.1")), decimal_pos=places,
                         force_grouping=True)


def assess(value: Decimal | None, target: Decimal | None, direction: str, *, cumulative: bool,
           elapsed: Decimal) -> Assessment:
    """The status of ``value`` against ``target`` when ``elapsed`` (0–1) of the plan year has passed."""
    if value is None:
        return Assessment(Status.NO_VALUE, gettext("There is no value for the period yet."))
    if target is None:
        return Assessment(Status.NO_TARGET, gettext("The indicator has no target; the value is followed up as it is."))
    value, target = Decimal(value), Decimal(target)
    at_least = direction == Direction.AT_LEAST
    reached = value >= target if at_least else value <= target
    if elapsed >= 1:
        if reached:
            return Assessment(Status.MET, gettext("The year is over and the target was reached."))
        return Assessment(Status.NOT_MET, gettext("The year is over and the target was not reached."))
    if not cumulative:
        if reached:
            return Assessment(Status.ON_TRACK, gettext(
                "The target is reached so far; whether it is met is decided when the year is over."))
        return Assessment(Status.NOT_MET, gettext("The value does not reach the target so far."))
    expected = target * elapsed
    numbers = {"expected": _fmt(expected), "target": _fmt(target)}
    if at_least:
        if reached:
            return Assessment(Status.MET, gettext("The target is reached (a count cannot fall back)."), expected)
        if value >= expected:
            return Assessment(Status.ON_TRACK, gettext(
                "Keeps pace with the year: %(expected)s of %(target)s were expected by now.") % numbers, expected)
        return Assessment(Status.NOT_MET, gettext(
            "Behind the pace of the year: %(expected)s of %(target)s were expected by now.") % numbers, expected)
    if not reached:
        return Assessment(Status.NOT_MET, gettext("The ceiling is passed (a count cannot come back)."), expected)
    if value <= expected:
        return Assessment(Status.ON_TRACK, gettext(
            "Within the pace of the year: at most %(expected)s of %(target)s by now.") % numbers, expected)
    return Assessment(Status.NOT_MET, gettext(
        "Faster than the year allows: at most %(expected)s of %(target)s by now; at this pace the ceiling "
        "will be passed.") % numbers, expected)
