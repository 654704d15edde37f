"""A registration carries its workplace's city district, operating form and function (what the
statistics count by), and they follow the workplace when it is changed or moved."""

import importlib
from datetime import date, timedelta

import pytest
from django.db import connection

from larnav.api.queries import workplace_and_occupation
from larnav.organisations.models import Organisation
from larnav.organisations.services import save_organisation
from larnav.registrations import services
from larnav.registrations.models import Registration
from larnav.registrations.testing import make_session
from larnav.statistics import queries
from larnav.statistics.periods import Period

pytestmark = pytest.mark.django_db


def copied(person) -> set:
    return set(Registration.objects.filter(person=person).values_list("district_id", "driftform", "funktion"))


@pytest.fixture
def booked(region):
    """Anna (Solgården, under an administration), Erik (Ekbacken, privately run), Sara (Ringvägen,
    in the city district Södermalm) and Tove (Tibble), each registered for two sessions."""
    for _ in range(2):
        session = make_session(region.consortium)
        for person in (region.anna, region.erik, region.sara, region.tove):
            services.register(session.pk, person)
    return region


def test_a_registration_copies_its_workplaces_district_operating_form_and_function(booked):
    assert copied(booked.anna) == {(None, "kommunal", "utforare")}
    assert copied(booked.erik) == {(None, "enskild", "utforare")}
    assert copied(booked.sara) == {(booked.sodermalm.pk, "kommunal", "utforare")}


def test_the_api_reads_the_district_with_the_workplace(booked, django_assert_num_queries):
    workplace = workplace_and_occupation(booked.consortium.pk, booked.ringvagen.pk, None)
    with django_assert_num_queries(0):
        details = services.workplace_details(workplace)
    assert details == {"district_id": booked.sodermalm.pk, "driftform": "kommunal", "funktion": "utforare"}


def test_a_changed_workplace_changes_its_registrations_and_no_others(booked):
    booked.tibble.funktion = Organisation.Funktion.MYNDIGHET
    booked.tibble.driftform = Organisation.Driftform.ENSKILD
    booked.tibble.provider_name = "Omsorgsbolaget AB"
    save_organisation(booked.tibble)
    assert copied(booked.tove) == {(None, "enskild", "myndighet")}
    assert copied(booked.anna) == {(None, "kommunal", "utforare")}


def test_a_workplace_moved_into_or_out_of_a_city_district_takes_its_registrations_along(booked):
    norr = save_organisation(Organisation(consortium=booked.consortium, type=Organisation.Type.STADSDEL,
                                          name="Norrmalm", parent=booked.stockholm))
    booked.ringvagen.parent = norr
    save_organisation(booked.ringvagen)
    assert copied(booked.sara) == {(norr.pk, "kommunal", "utforare")}
    booked.ringvagen.parent = booked.stockholm
    save_organisation(booked.ringvagen)
    assert copied(booked.sara) == {(None, "kommunal", "utforare")}


def test_the_statistics_follow_the_workplace(booked):
    """Case officers are counted by the copy: Tibble becoming an authority's unit counts Tove as one."""
    request = queries.Request(booked.consortium.pk, _around_today(), ((None, None),),
                              filters=queries.Filters(funktion=Organisation.Funktion.MYNDIGHET))
    assert queries.run(request).total().registrations == 0
    booked.tibble.funktion = Organisation.Funktion.MYNDIGHET
    save_organisation(booked.tibble)
    assert queries.run(request).total().registrations == 2


def _around_today() -> Period:
    today = date.today()
    return Period.custom(today - timedelta(days=365), today + timedelta(days=365))


def test_the_migration_copies_them_for_existing_registrations(booked):
    Registration.objects.update(district=None, driftform="", funktion="")
    migration = importlib.import_module("larnav.registrations.migrations.0006_workplace_details")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL)
    assert copied(booked.sara) == {(booked.sodermalm.pk, "kommunal", "utforare")}
    assert copied(booked.erik) == {(None, "enskild", "utforare")}
