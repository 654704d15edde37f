import pytest

from larnav.api import services


@pytest.fixture
def make_token():
    def make(user, name="Integration"):
        return services.create_token(user, name)[1]

    return make


@pytest.fixture
def bearer():
    def headers(token):
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def token_pages(settings):
    """The token pages, mounted where the root URLconf mounts them (also before it does)."""
    settings.ROOT_URLCONF = "larnav.api.tests.urls"
