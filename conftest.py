import pytest


@pytest.fixture
def region(db):
    """A small consortium: Huddinge, Stockholm (with Södermalm) and Täby, staff and users of every role."""
    from larnav.core.testing import Region

    return Region()


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres_only are deselected, not skipped, on SQLite: the
    PostgreSQL run of the same suite executes them (and on CI that run is required)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("postgres_only") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
