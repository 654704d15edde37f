import pytest

from larnav.catalog.testing import make_activity, make_focus_area


@pytest.fixture
def catalog(region):
    """The test region with two focus areas and three published activities (one draft)."""
    c = region.consortium
    region.focus_lss = make_focus_area(c, "LSS")
    region.focus_arbete = make_focus_area(c, "Arbetsliv och ekonomisk trygghet")
    region.bemotande = make_activity(c, "Bemötande och förhållningssätt", focus_areas=[region.focus_lss],
                                     level="grund", description="Om **lågaffektivt** bemötande i vardagen.")
    region.atervinning = make_activity(c, "Återhämtning i socialpsykiatrin", type="seminarium",
                                       focus_areas=[region.focus_arbete], level="fordjupning")
    region.akk = make_activity(c, "AKK – alternativ och kompletterande kommunikation", type="studiecirkel",
                               occupations=[region.occupation])
    region.utkast = make_activity(c, "Utkast om dokumentation", status="draft")
    return region


@pytest.fixture(autouse=True)
def english(client, settings):
    """Messages are asserted in English (the message ids); Swedish is the product's default."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
