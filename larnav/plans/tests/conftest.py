from decimal import Decimal

import pytest

from larnav.plans import registry


@pytest.fixture
def fake_metric():
    """A registered metric whose value the test sets; it counts how often it is computed."""
    calls = []
    state = {"value": Decimal(40)}

    def compute(consortium, period):
        calls.append((consortium.pk, period.first_day, period.last_day))
        return state["value"]

    item = registry.Metric(key="test_metric", label="Testmått", description="Ett mått för testerna.",
                           unit="deltagare", cumulative=True, compute=compute)
    registry.register(item)
    yield type("FakeMetric", (), {"item": item, "calls": calls, "state": state, "key": "test_metric"})
    registry.unregister("test_metric")
