import pytest
from django.core.cache import cache

from larnav.accounts.models import Role
from larnav.core.testing import make_person, make_user


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english(request):
    """Pages in English, the language of the message ids, so assertions hold whatever the Swedish catalogue says."""
    from django.conf import settings
    from django.utils import translation

    if "client" in request.fixturenames:
        request.getfixturevalue("client").cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def trainer(region):
    return region.utbildare


@pytest.fixture
def other_trainer(region):
    return make_user(region.consortium, Role.UTBILDARE, username="annan-utbildare")


@pytest.fixture
def lukasz(region):
    return make_person(region.consortium, region.ringvagen, "Łukasz", "Wiśniewski", "lukasz@stockholm.se")


@pytest.fixture
def erik_user(region):
    return make_user(region.consortium, Role.DELTAGARE, username="erik", person=region.erik)


@pytest.fixture
def tove_user(region):
    return make_user(region.consortium, Role.DELTAGARE, username="tove", person=region.tove)
