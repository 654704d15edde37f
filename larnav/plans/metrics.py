"""The metrics computed indicators can name (see ``larnav.plans.registry``).

Every metric is computed by the statistics selectors (``larnav.statistics``),
so an indicator counts exactly what the statistics pages and the reports
count: a *participant* is a distinct person with at least one attended
registration in the period, a registration is placed in the period by its
session's first day, and in an organisation by where the person worked when
they registered (see the selectors' docstring). Indicators are figures for
the whole consortium, computed in full detail; only their breakdowns are
masked for viewers without detail rights.

The evaluation average is registered only when the surveys app
(``larnav.surveys``) is installed. Not here: the attendance at governance
meetings (styrgrupp, CKA-träffar), which do not exist in Lärnav yet (enter it
by hand as a manual indicator).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from larnav.organisations.models import Organisation
from larnav.statistics import selectors as stats

from .registry import Breakdown, Metric, metric, register

ONE_DECIMAL = Decimal("0.1")


def _scope(consortium):
    return stats.StatisticsScope.internal(consortium.pk)


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _participants_by_municipality(consortium, period, *, viewer) -> Breakdown:
    """Participants of every municipality in the period, masked as ``viewer``'s rights require."""
    scope = stats.statistics_scope(viewer, consortium)
    table = stats.participation(scope, period, stats.Cut.MUNICIPALITY)
    return Breakdown(stats.cut_label(stats.Cut.MUNICIPALITY), str(stats.MEASURE_LABELS["participants"]),
                     [(row.label, row.participants) for row in table.rows])


@metric("members_with_participants_share",
        label=_("Share of member municipalities with participants"),
        description=_("The share (%) of the municipalities that were members of the consortium at some time "
                      "in the period that had at least one participant in it."),
        unit="%", cumulative=True)
def members_with_participants_share(consortium, period) -> Decimal | None:
    """100 × (member municipalities with ≥ 1 participant) / (member municipalities); None without members.

    A municipality is a member in the period if a membership of it is valid on
    at least one day of the period.
    """
    rows = [r for r in stats.member_participation(_scope(consortium), period) if not r.is_district]
    return _share(sum(1 for r in rows if r.has_participants), len(rows))


@metric("members_and_districts_with_participants_share",
        label=_("Share of municipalities and city districts with participants"),
        description=_("The share (%) of the member municipalities and city district administrations that had "
                      "at least one participant in the period. A municipality with city districts counts as "
                      "its districts, each on its own."),
        unit="%", cumulative=True)
def members_and_districts_with_participants_share(consortium, period) -> Decimal | None:
    """100 × (units with ≥ 1 participant) / (units), where the units are the member municipalities without
    city districts and the city districts of member municipalities; None without members."""
    rows = stats.member_participation(_scope(consortium), period)
    with_districts = {r.organisation.municipality_id for r in rows if r.is_district}
    units = [r for r in rows if r.is_district or r.organisation.pk not in with_districts]
    return _share(sum(1 for r in units if r.has_participants), len(units))


@metric("participants",
        label=pgettext_lazy("metric", "Participants"),
        description=_("The number of distinct persons who attended at least one activity in the period, "
                      "shown per municipality beside it."),
        unit=_("participants"), cumulative=True, breakdown=_participants_by_municipality, counts_persons=True)
def participants(consortium, period) -> Decimal:
    """Distinct persons with at least one attended registration in the period (the statistics' total)."""
    return Decimal(stats.participation(_scope(consortium), period).total.participants)


@metric("hours",
        label=_("Hours of competence development"),
        description=_("The hours credited for completed activities in the period, summed over every "
                      "participant."),
        unit=_("hours"), cumulative=True)
def hours(consortium, period) -> Decimal:
    """The sum of the hours credited to completed registrations in the period."""
    return Decimal(stats.participation(_scope(consortium), period).total.hours)


@metric("attendance_share",
        label=_("Share of registrations that attended"),
        description=_("The share (%) of the registrations that held a seat in the period (confirmed, completed "
                      "or no-show; not cancelled) where the person attended."),
        unit="%", cumulative=False)
def attendance_share(consortium, period) -> Decimal | None:
    """100 × attended / registrations that held a seat; None without registrations."""
    total = stats.participation(_scope(consortium), period).total
    return _share(total.attended, total.registrations)


_MYNDIGHET = stats.Filters(funktion=Organisation.Funktion.MYNDIGHET)


@metric("case_officer_participants",
        label=_("Participants from case officers' units"),
        description=_("The number of distinct participants in the period who work at units with the function "
                      "authority (myndighet: LSS and social services case officers)."),
        unit=_("participants"), cumulative=True, counts_persons=True)
def case_officer_participants(consortium, period) -> Decimal:
    """Distinct participants whose workplace (when they registered) has the funktion myndighet."""
    return Decimal(stats.participation(_scope(consortium), period, filters=_MYNDIGHET).total.participants)


@metric("case_officer_change",
        label=_("Change in case officers' participation from last year"),
        description=_("How much (%) the number of participants from case officers' units changed from the same "
                      "period one year earlier. No value when there were none then."),
        unit="%", cumulative=False)
def case_officer_change(consortium, period) -> Decimal | None:
    """100 × (this period − the same period last year) / the same period last year, for the participants
    from units with the funktion myndighet; None when last year had none."""
    comparison = stats.compare_with_previous_year(_scope(consortium), period, None, _MYNDIGHET)
    now, before = comparison.total.current.participants, comparison.total.previous.participants
    if not before:
        return None
    return (Decimal(100) * (now - before) / before).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def evaluation_average(consortium, period) -> Decimal | None:
    """The average of the overall scores in the course evaluations of sessions held in the period
    (``larnav.surveys.selectors.evaluation_average`` over the whole consortium); None when there are
    fewer answers than the surveys' minimum group size."""
    from larnav.surveys.selectors import evaluation_average as average

    rows = average(consortium, period=period, group_by=())
    if not rows or rows[0].get("average") is None:
        return None
    return Decimal(rows[0]["average"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


EVALUATION_AVERAGE = Metric(
    key="evaluation_average", label=_("Evaluation average"),
    description=_("The average of the overall scores that participants gave in the course evaluations of the "
                  "sessions held in the period. No value while there are too few answers to show."),
    unit=_("points"), cumulative=False, compute=evaluation_average)

if apps.is_installed("larnav.surveys"):
    register(EVALUATION_AVERAGE)
