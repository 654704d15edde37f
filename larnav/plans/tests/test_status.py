"""The rule that compares an indicator's value with its target (larnav.plans.status)."""

from datetime import date
from decimal import Decimal

import pytest

from larnav.plans.status import Status, assess, elapsed_share

D = Decimal


def test_elapsed_share_counts_days_of_the_plan_year():
    assert elapsed_share(2026, date(2025, 12, 31)) == 0
    assert elapsed_share(2026, date(2026, 1, 1)) == D(1) / D(365)
    assert elapsed_share(2026, date(2026, 4, 30)) == D(120) / D(365)
    assert elapsed_share(2026, date(2026, 12, 31)) == 1
    assert elapsed_share(2026, date(2027, 3, 1)) == 1
    assert elapsed_share(2028, date(2028, 12, 31)) == 1  # a leap year has 366 days
    assert elapsed_share(2028, date(2028, 1, 2)) == D(2) / D(366)


@pytest.mark.parametrize("value,target,direction,cumulative", [
    (None, D(10), "at_least", True),
    (None, D(10), "at_most", False),
])
def test_no_value_has_no_status(value, target, direction, cumulative):
    assessment = assess(value, target, direction, cumulative=cumulative, elapsed=D("0.5"))
    assert assessment.status == Status.NO_VALUE


def test_no_target_has_no_status():
    assessment = assess(D(12), None, "at_least", cumulative=True, elapsed=D("0.5"))
    assert assessment.status == Status.NO_TARGET


@pytest.mark.parametrize("value,direction,expected", [
    (D(100), "at_least", Status.MET),
    (D("99.9"), "at_least", Status.NOT_MET),
    (D(120), "at_least", Status.MET),
    (D(100), "at_most", Status.MET),
    (D("100.1"), "at_most", Status.NOT_MET),
    (D(0), "at_most", Status.MET),
])
def test_after_the_year_the_target_is_met_or_not(value, direction, expected):
    for cumulative in (True, False):
        assert assess(value, D(100), direction, cumulative=cumulative, elapsed=D(1)).status == expected


def test_a_count_that_reaches_its_target_during_the_year_is_met():
    """A count cannot fall: once it reaches an "at least" target, the target is met."""
    assert assess(D(200), D(200), "at_least", cumulative=True, elapsed=D("0.3")).status == Status.MET


def test_a_count_below_its_target_is_on_track_when_it_keeps_pace_with_the_year():
    # By the end of April (120 of 365 days), 200 × 120/365 ≈ 65.75 are expected.
    elapsed = D(120) / D(365)
    on_pace = assess(D(66), D(200), "at_least", cumulative=True, elapsed=elapsed)
    assert on_pace.status == Status.ON_TRACK
    assert on_pace.expected.quantize(D("0.01")) == D("65.75")
    behind = assess(D(65), D(200), "at_least", cumulative=True, elapsed=elapsed)
    assert behind.status == Status.NOT_MET


def test_a_count_with_a_ceiling_is_not_met_once_it_passes_the_ceiling():
    assert assess(D(11), D(10), "at_most", cumulative=True, elapsed=D("0.5")).status == Status.NOT_MET


def test_a_count_with_a_ceiling_is_on_track_while_it_stays_within_the_pace():
    assert assess(D(5), D(10), "at_most", cumulative=True, elapsed=D("0.5")).status == Status.ON_TRACK
    # Within the ceiling, but faster than the year: at this pace it will pass it.
    assert assess(D(6), D(10), "at_most", cumulative=True, elapsed=D("0.5")).status == Status.NOT_MET


def test_a_level_that_reaches_its_target_during_the_year_is_only_on_track():
    """A share or an average can still move: whether it is met is decided when the year is over."""
    assert assess(D("4.3"), D("4.0"), "at_least", cumulative=False, elapsed=D("0.5")).status == Status.ON_TRACK
    assert assess(D("3.9"), D("4.0"), "at_least", cumulative=False, elapsed=D("0.5")).status == Status.NOT_MET
    assert assess(D(8), D(10), "at_most", cumulative=False, elapsed=D("0.5")).status == Status.ON_TRACK
    assert assess(D(12), D(10), "at_most", cumulative=False, elapsed=D("0.5")).status == Status.NOT_MET


def test_before_the_year_starts_nothing_is_expected_of_a_count():
    assessment = assess(D(0), D(200), "at_least", cumulative=True, elapsed=D(0))
    assert assessment.status == Status.ON_TRACK
    assert assessment.expected == 0


def test_every_assessment_explains_itself():
    for args in [
        (D(66), D(200), "at_least", True, D("0.33")),
        (D(5), D(200), "at_least", True, D("0.33")),
        (D(250), D(200), "at_least", True, D("0.33")),
        (D(4), D(4), "at_least", False, D("0.5")),
        (D(4), D(4), "at_least", False, D(1)),
        (D(11), D(10), "at_most", True, D("0.5")),
        (None, D(10), "at_most", True, D("0.5")),
        (D(1), None, "at_most", True, D("0.5")),
    ]:
        value, target, direction, cumulative, elapsed = args
        assessment = assess(value, target, direction, cumulative=cumulative, elapsed=elapsed)
        assert str(assessment.explanation)
        assert str(assessment.label)
