"""The demo region: python manage.py seed_demo."""

import csv
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from larnav.accounts.models import Role, RoleAssignment, User
from larnav.accounts.permissions import scope_persons
from larnav.core import demo
from larnav.core.validators import looks_like_personnummer
from larnav.organisations.models import Consortium, Membership, Organisation
from larnav.people.models import Occupation, Person

T = Organisation.Type
PERSONS, WORKPLACES = 240, 60

STADSDELAR = {
    "Bromma", "Enskede-Årsta-Vantör", "Farsta", "Hägersten-Älvsjö", "Hässelby-Vällingby", "Järva",
    "Kungsholmen", "Norra innerstaden", "Skarpnäck", "Skärholmen", "Södermalm",
}


def seed(**options):
    out = StringIO()
    call_command("seed_demo", persons=PERSONS, workplaces=WORKPLACES, stdout=out, skip_catalog=True, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    output = seed()
    return Consortium.objects.get(slug="forum-carpe"), output


def snapshot():
    """Everything the seed writes, without timestamps and surrogate keys where they could differ."""
    return {
        "consortia": list(Consortium.objects.values_list("slug", "name", "contact_email").order_by("slug")),
        "orgs": list(Organisation.objects.values_list(
            "id", "type", "name", "parent_id", "municipality_id", "path", "scb_code", "external_id",
            "driftform", "provider_name", "funktion").order_by("id")),
        "memberships": list(Membership.objects.values_list(
            "organisation_id", "valid_from", "valid_to", "funding_share").order_by("id")),
        "persons": list(Person.objects.values_list(
            "id", "email", "first_name", "last_name", "workplace_id", "occupation_id", "gender", "language",
            "external_id").order_by("id")),
        "users": list(User.objects.values_list(
            "id", "username", "consortium_id", "person_id", "is_staff", "email").order_by("id")),
        "roles": list(RoleAssignment.objects.values_list(
            "user_id", "role", "organisation_id", "consortium_id", "valid_from").order_by("id")),
        "occupations": list(Occupation.objects.values_list("code", "name_sv").order_by("code")),
    }


def test_all_26_municipalities_of_stockholms_lan_with_their_scb_codes(seeded):
    consortium, _ = seeded
    kommuner = Organisation.objects.filter(consortium=consortium, type=T.KOMMUN)
    assert kommuner.count() == 26
    by_code = dict(kommuner.values_list("scb_code", "name"))
    with (demo.DATA_DIR / "municipalities.csv").open(encoding="utf-8") as f:
        expected = {r["municipality_code"]: r["municipality_name_short"]
                    for r in csv.DictReader(f) if r["county_code"] == "01"}
    assert by_code == expected
    assert by_code["0180"] == "Stockholm"
    assert by_code["0126"] == "Huddinge"
    assert by_code["0160"] == "Täby"
    assert by_code["0114"] == "Upplands Väsby"

    memberships = Membership.objects.filter(consortium=consortium)
    assert memberships.count() == 26
    assert set(memberships.values_list("valid_from", flat=True)) == {demo.MEMBER_FROM}
    assert sum(memberships.values_list("funding_share", flat=True)) == Decimal("100")
    stockholm = memberships.get(organisation__scb_code="0180").funding_share
    assert stockholm == max(memberships.values_list("funding_share", flat=True))


def test_stockholm_has_its_11_district_administrations(seeded):
    consortium, _ = seeded
    stockholm = Organisation.objects.get(consortium=consortium, scb_code="0180")
    districts = Organisation.objects.filter(consortium=consortium, type=T.STADSDEL)
    assert set(districts.values_list("name", flat=True)) == STADSDELAR
    assert set(districts.values_list("parent_id", flat=True)) == {stockholm.pk}
    # The other municipalities have one or two administrations, and no districts.
    others = Organisation.objects.filter(consortium=consortium, type=T.FORVALTNING)
    assert not others.filter(parent=stockholm).exists()
    for kommun in Organisation.objects.filter(consortium=consortium, type=T.KOMMUN).exclude(pk=stockholm.pk):
        assert 1 <= others.filter(parent=kommun).count() <= 2, kommun


def test_workplaces_operating_form_and_function(seeded):
    consortium, _ = seeded
    enheter = Organisation.objects.filter(consortium=consortium, type=T.ENHET)
    assert enheter.count() == WORKPLACES
    enskild = enheter.filter(driftform=Organisation.Driftform.ENSKILD)
    assert 0.20 <= enskild.count() / enheter.count() <= 0.40
    assert not enskild.filter(provider_name="").exists()
    assert not enheter.filter(driftform=Organisation.Driftform.KOMMUNAL).exclude(provider_name="").exists()
    # Authority and health care are never privately run; every function occurs.
    assert not enskild.exclude(funktion=Organisation.Funktion.UTFORARE).exists()
    assert set(enheter.values_list("funktion", flat=True)) == set(Organisation.Funktion.values)
    assert not enheter.filter(external_id="").exists()
    assert enheter.filter(external_id__regex=r"^ENH-\d{4}-\d{3}$").count() == WORKPLACES
    # Every municipality and every district has at least one workplace.
    for org in Organisation.objects.filter(consortium=consortium, type__in=[T.KOMMUN, T.STADSDEL]):
        assert enheter.filter(path__startswith=org.path).exists(), org


def test_every_workplace_sits_right_in_the_tree(seeded):
    consortium, _ = seeded
    orgs = {o.pk: o for o in Organisation.objects.filter(consortium=consortium)}
    for org in orgs.values():
        if org.type == T.KOMMUN:
            assert org.parent_id is None
            assert org.path == f"{org.pk}/"
            assert org.municipality_id == org.pk
        else:
            parent = orgs[org.parent_id]
            assert org.path == f"{parent.path}{org.pk}/", org
            assert org.municipality_id == parent.municipality_id, org
            if org.type == T.ENHET:
                assert org.external_id[4:8] == orgs[org.municipality_id].scb_code, org


def test_persons_have_plausible_roles_names_and_no_personnummer(seeded):
    consortium, _ = seeded
    persons = Person.objects.filter(consortium=consortium)
    assert persons.count() == PERSONS
    assert not persons.filter(workplace__isnull=True).exists()
    assert not persons.filter(occupation__isnull=True).exists()
    # One manager per workplace.
    enheter = Organisation.objects.filter(consortium=consortium, type=T.ENHET)
    assert persons.filter(occupation__code="enhetschef").count() == enheter.count()
    for enhet in enheter:
        assert persons.filter(workplace=enhet, occupation__code="enhetschef").count() == 1
    assert persons.filter(occupation__code="stodassistent").count() > persons.filter(
        occupation__code="sjukskoterska").count()
    with_gender = persons.exclude(gender="")
    assert 0.8 <= with_gender.count() / persons.count() <= 0.97
    assert with_gender.filter(gender=Person.Gender.WOMAN).count() > with_gender.count() / 2
    assert set(persons.values_list("language", flat=True)) <= {"sv", "en"}
    for p in persons:
        for value in (p.first_name, p.last_name, p.email, p.external_id):
            assert not looks_like_personnummer(value), (p.pk, value)
        assert p.email == p.email.lower()
        assert p.email.isascii(), p.email
        assert p.email.endswith(".se")
    emails = list(persons.values_list("email", flat=True))
    assert len(emails) == len(set(emails))
    assert persons.filter(first_name__regex="[åäöÅÄÖ]").exists() or persons.filter(
        last_name__regex="[åäöÅÄÖ]").exists()


def test_a_demo_user_for_every_role_with_the_right_scope(seeded):
    consortium, output = seeded
    users = {u.username: u for u in User.objects.filter(consortium=consortium)}
    expected = {
        "samordnare": (Role.SAMORDNARE, None),
        "styrgrupp": (Role.STYRGRUPP, "Huddinge"),
        "kontaktperson": (Role.KONTAKTPERSON, "Nacka"),
        "cka-huddinge": (Role.CKA, "Huddinge"),
        "cka-taby": (Role.CKA, "Täby"),
        "cka-sodermalm": (Role.CKA, "Södermalm"),
        "chef": (Role.CHEF, "workplace"),
        "ombud": (Role.KOMPETENSOMBUD, "workplace"),
        "utbildare": (Role.UTBILDARE, None),
        "deltagare": (Role.DELTAGARE, None),
    }
    assert set(expected) <= set(users)
    assert {role for role, _ in expected.values()} == set(Role)
    chef_unit = RoleAssignment.objects.get(user=users["chef"]).organisation
    assert chef_unit.type == T.ENHET
    assert chef_unit.municipality.scb_code == "0126"
    assert chef_unit.driftform == Organisation.Driftform.KOMMUNAL
    for username, (role, scope) in expected.items():
        user = users[username]
        assert user.check_password("demo"), username
        assert user.is_active and not user.is_superuser
        assignments = list(RoleAssignment.objects.filter(user=user))
        assert len(assignments) == 1, username
        a = assignments[0]
        a.full_clean()
        assert (a.role, a.consortium_id) == (role, consortium.pk)
        if scope is None:
            assert a.organisation is None, username
        elif scope == "workplace":
            assert a.organisation == chef_unit
        else:
            assert a.organisation.name == scope
            assert a.organisation.type in (T.KOMMUN, T.STADSDEL)
        assert username in output
    assert users["samordnare"].is_staff
    assert users["samordnare"].has_perm("organisations.change_organisation")
    assert not users["samordnare"].has_perm("accounts.change_user")
    assert not any(u.is_staff for name, u in users.items() if name != "samordnare")
    # Staff users are linked to persons of the demo workplace.
    chef, ombud, deltagare = users["chef"].person, users["ombud"].person, users["deltagare"].person
    assert chef.occupation.code == "enhetschef"
    assert {chef.workplace, ombud.workplace, deltagare.workplace} == {chef_unit}
    assert len({chef.pk, ombud.pk, deltagare.pk}) == 3
    assert users["chef"].get_full_name() == chef.full_name
    assert all(users[name].person is None for name in expected if name not in ("chef", "ombud", "deltagare"))


def test_the_output_has_a_summary_and_warns_about_demo_passwords(seeded):
    _, output = seeded
    assert "municipalities   26" in output
    assert "districts        11" in output
    assert f"workplaces       {WORKPLACES} (" in output
    assert f"persons          {PERSONS}" in output
    assert "WARNING" in output and '"demo"' in output


def test_a_cka_sees_only_their_own_municipalitys_persons(seeded):
    consortium, _ = seeded
    huddinge = Organisation.objects.get(consortium=consortium, scb_code="0126")
    cka = User.objects.get(username="cka-huddinge")
    visible = scope_persons(cka, Person.objects.all())
    assert visible.exists()
    assert set(visible.values_list("workplace__municipality_id", flat=True)) == {huddinge.pk}
    assert visible.count() == Person.objects.filter(workplace__municipality=huddinge).count()

    sodermalm = Organisation.objects.get(consortium=consortium, type=T.STADSDEL, name="Södermalm")
    visible = scope_persons(User.objects.get(username="cka-sodermalm"), Person.objects.all())
    assert visible.exists()
    assert all(p.workplace.is_within(sodermalm) for p in visible.select_related("workplace"))

    assert not scope_persons(User.objects.get(username="deltagare"), Person.objects.all()).exists()
    assert scope_persons(User.objects.get(username="samordnare"), Person.objects.all()).count() == PERSONS


def test_running_twice_changes_nothing(seeded):
    before = snapshot()
    seed()
    assert snapshot() == before


def test_the_plan_is_deterministic():
    a = demo.make_plan(persons=PERSONS, workplaces=WORKPLACES)
    b = demo.make_plan(persons=PERSONS, workplaces=WORKPLACES)
    assert [(u.external_id, u.name, u.driftform, u.provider_name, u.staff) for u in a.units] == [
        (u.external_id, u.name, u.driftform, u.provider_name, u.staff) for u in b.units]
    assert [(p.email, p.occupation, p.gender) for p in a.persons] == [
        (p.email, p.occupation, p.gender) for p in b.persons]


def test_the_vocabulary_is_loaded_by_the_migration(db):
    codes = set(Occupation.objects.values_list("code", flat=True))
    assert {"stodassistent", "stodpedagog", "boendestodjare", "personlig-assistent", "underskoterska",
            "lss-handlaggare", "bistandshandlaggare", "enhetschef", "sjukskoterska", "arbetsterapeut",
            "fysioterapeut"} <= codes


@pytest.mark.parametrize("persons,workplaces", [(100, 10), (50, 40)])
def test_too_small_a_region_is_refused(db, persons, workplaces):
    with pytest.raises(CommandError):
        call_command("seed_demo", persons=persons, workplaces=workplaces, stdout=StringIO(), skip_catalog=True)
    assert not Consortium.objects.filter(slug="forum-carpe").exists()


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
def test_refuses_to_run_where_mail_would_really_be_sent(db):
    with pytest.raises(CommandError, match="SMTP"):
        call_command("seed_demo", persons=PERSONS, workplaces=WORKPLACES, stdout=StringIO(), skip_catalog=True)
    assert not Consortium.objects.filter(slug="forum-carpe").exists()
