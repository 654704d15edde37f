"""The registry of metrics that computed indicators name.

A metric is a documented function ``compute(consortium, period)`` that
returns one number for the consortium and the period (a
``larnav.statistics.periods.Period``), aggregated in the database, or
``None`` when the data has nothing to say (no members, no answers). A metric
may also have a ``breakdown(consortium, period, viewer=user)`` (for example
the participants of every municipality, masked as the viewer's rights
require) that the indicator's page shows beside the value.

Metrics register themselves with ``@metric(...)`` in ``larnav.plans.metrics``
when the app is ready; a metric that needs another app is only registered
when that app is installed. An indicator that names a metric that is not
registered (its app was removed) keeps its definition and shows no value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise

Compute = Callable[..., Decimal | None]


@dataclass(frozen=True)
class Breakdown:
    """Figures beside a metric's value: a heading for the categories and (category, value) rows."""

    category_heading: str
    value_heading: str
    rows: list[tuple[str, int | Decimal]]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str | Promise
    description: str | Promise
    unit: str | Promise
    cumulative: bool
    compute: Compute
    breakdown: Callable[..., Breakdown] | None = None
    # A count of persons: shown as "<5" (below the statistics' minimum) to viewers and in material
    # for whom the statistics mask small cells.
    counts_persons: bool = False

    def value(self, consortium, period) -> Decimal | None:
        result = self.compute(consortium, period)
        return None if result is None else Decimal(result)


_REGISTRY: dict[str, Metric] = {}


def metric(key: str, *, label, description, unit, cumulative: bool, breakdown=None, counts_persons=False):
    """Register the decorated function as the metric ``key``."""

    def decorator(function: Compute) -> Compute:
        register(Metric(key=key, label=label, description=description, unit=unit, cumulative=cumulative,
                        compute=function, breakdown=breakdown, counts_persons=counts_persons))
        return function

    return decorator


def register(item: Metric) -> None:
    if item.key in _REGISTRY and _REGISTRY[item.key].compute is not item.compute:
        raise ValueError(f"metric {item.key!r} is registered twice")
    _REGISTRY[item.key] = item


def unregister(key: str) -> None:
    _REGISTRY.pop(key, None)


def get_metric(key: str) -> Metric | None:
    return _REGISTRY.get(key)


def all_metrics() -> list[Metric]:
    return sorted(_REGISTRY.values(), key=lambda m: str(m.label))


def choices() -> list[tuple[str, str]]:
    return [(m.key, str(m.label)) for m in all_metrics()]
