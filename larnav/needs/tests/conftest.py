import pytest

from larnav.catalog.testing import make_focus_area
from larnav.needs.testing import make_campaign, submission_of


@pytest.fixture
def themes(region):
    return {
        "lss": make_focus_area(region.consortium, "LSS"),
        "bemotande": make_focus_area(region.consortium, "Bemötande och förhållningssätt"),
        "akk": make_focus_area(region.consortium, "Kommunikation och AKK"),
    }


@pytest.fixture
def campaign(region, themes):
    return make_campaign(region.consortium, user=region.samordnare)


@pytest.fixture
def huddinge(campaign, region):
    return submission_of(campaign, region.huddinge)


@pytest.fixture
def taby(campaign, region):
    return submission_of(campaign, region.taby)


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are asserted in English (the message ids); the Swedish catalogue is checked elsewhere."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
