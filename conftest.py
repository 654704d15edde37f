import pytest


@pytest.fixture
def region(db):
    """A small consortium: Huddinge, Stockholm (with Södermalm) and Täby, staff and users of every role."""
    from larnav.core.testing import Region

    return Region()
