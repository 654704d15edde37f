"""A registration carries its person's occupation and gender (what the statistics count by), and
they follow the person through every way a person is changed."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from larnav.core.testing import make_occupation
from larnav.imports import services as imports
from larnav.imports.tests.helpers import persons_batch
from larnav.people.services import save_person
from larnav.registrations import services
from larnav.registrations.models import Registration
from larnav.registrations.testing import make_session

pytestmark = pytest.mark.django_db


def copied(person) -> set:
    return set(Registration.objects.filter(person=person).values_list("occupation_id", "gender"))


@pytest.fixture
def booked(region):
    """Anna (a user's person) and Erik (no user), each registered for two sessions."""
    region.erik.gender = "man"
    save_person(region.erik)
    for _ in range(2):
        session = make_session(region.consortium)
        for person in (region.anna, region.erik):
            services.register(session.pk, person)
    return region


def test_a_registration_copies_its_persons_occupation_and_gender(booked):
    assert copied(booked.anna) == {(booked.occupation.pk, "")}
    assert copied(booked.erik) == {(None, "man")}


def test_a_changed_person_changes_their_registrations(booked):
    nurse = make_occupation("sjukskoterska", "Sjuksköterska", "Nurse")
    booked.erik.occupation, booked.erik.gender = nurse, "annat"
    save_person(booked.erik)
    assert copied(booked.erik) == {(nurse.pk, "annat")}
    assert copied(booked.anna) == {(booked.occupation.pk, "")}  # nobody else's


def test_an_import_changes_the_registrations_of_the_persons_it_changes(booked):
    header = ["förnamn", "efternamn", "e-post", "arbetsplats", "kön"]
    rows = [["Anna", "Åström", "anna@huddinge.se", "Solgården", "kvinna"],  # through save_person (a user)
            ["Erik", "Öberg", "erik@ekbacken.se", "Ekbacken", ""]]  # in bulk
    batch = persons_batch(booked.samordnare, booked, rows, header=header)
    assert batch.counts["update"] == 2
    assert imports.apply_batch(batch, booked.samordnare, only_valid=False).applied
    assert copied(booked.anna) == {(booked.occupation.pk, "kvinna")}
    assert copied(booked.erik) == {(None, "")}


def test_the_migration_copies_them_for_existing_registrations(booked):
    Registration.objects.update(occupation=None, gender="")
    migration = importlib.import_module("larnav.registrations.migrations.0003_person_details")

    def execute(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)

    migration.copy_person_details(apps, SimpleNamespace(connection=connection, execute=execute))
    assert copied(booked.anna) == {(booked.occupation.pk, "")}
    assert copied(booked.erik) == {(None, "man")}
