"""Importing the organisation tree: matching, parents in any order, placement rules, permissions."""

import pytest
from django.core.exceptions import PermissionDenied

from larnav.imports import services
from larnav.imports.models import ImportBatch
from larnav.organisations.models import Organisation

from .helpers import error_codes, orgs_batch

pytestmark = pytest.mark.django_db


def org(id="", typ="", namn="", scb="", parent="", ext="", driftform="", provider="", funktion=""):
    return [id, typ, namn, scb, parent, ext, driftform, provider, funktion]


def apply(batch, user, only_valid=False):
    return services.apply_batch(batch, user, only_valid=only_valid)


def test_parents_defined_later_in_the_file_are_created_first(region):
    batch = orgs_batch(region.samordnare, region, [
        org(typ="enhet", namn="Gula villan", parent="HR-SOC", ext="HR-GV", driftform="kommunal", funktion="utförare"),
        org(typ="förvaltning", namn="Socialförvaltningen", parent="0127", ext="HR-SOC"),
        org(typ="kommun", namn="Botkyrka", scb="127"),  # Excel dropped the leading zero
    ])
    assert batch.counts == {"new": 3, "update": 0, "unchanged": 0, "error": 0}
    assert not Organisation.objects.filter(name="Botkyrka").exists()
    assert apply(batch, region.samordnare).applied
    botkyrka = Organisation.objects.get(scb_code="0127")
    social = Organisation.objects.get(external_id="HR-SOC")
    villan = Organisation.objects.get(external_id="HR-GV")
    assert social.parent == botkyrka and villan.parent == social
    assert villan.path == f"{botkyrka.pk}/{social.pk}/{villan.pk}/"
    assert villan.municipality == botkyrka
    assert (villan.driftform, villan.funktion) == ("kommunal", "utforare")


def test_reimport_matches_on_scb_code_then_external_id_and_updates(region):
    region.ekbacken.external_id = "HR-EK"
    region.ekbacken.save()
    rows = [
        org(typ="kommun", namn="Huddinge kommun", scb="0126"),
        org(typ="enhet", namn="Ekbacken äldreboende", parent="0126", ext="HR-EK", driftform="enskild",
            provider="Omsorgsbolaget AB", funktion="hsl"),
    ]
    batch = orgs_batch(region.samordnare, region, rows)
    assert batch.counts == {"new": 0, "update": 2, "unchanged": 0, "error": 0}
    count = Organisation.objects.count()
    assert apply(batch, region.samordnare).applied
    assert Organisation.objects.count() == count
    region.huddinge.refresh_from_db()
    region.ekbacken.refresh_from_db()
    assert region.huddinge.name == "Huddinge kommun"
    assert (region.ekbacken.name, region.ekbacken.funktion) == ("Ekbacken äldreboende", "hsl")
    assert orgs_batch(region.samordnare, region, rows).counts["unchanged"] == 2


def test_match_on_larnav_id_and_move_under_another_parent_keeps_paths_right(region):
    batch = orgs_batch(region.samordnare, region, [
        org(id=str(region.aldre.pk), typ="förvaltning", namn="Äldreomsorgen", parent="0180"),
    ])
    assert batch.counts["update"] == 1
    assert apply(batch, region.samordnare).applied
    region.solgarden.refresh_from_db()
    assert region.solgarden.path == f"{region.stockholm.pk}/{region.aldre.pk}/{region.solgarden.pk}/"
    assert region.solgarden.municipality == region.stockholm


def test_unknown_id_scb_code_and_parent(region):
    batch = orgs_batch(region.samordnare, region, [
        org(id="999999", typ="enhet", namn="X", parent="0126", driftform="kommunal"),
        org(typ="förvaltning", namn="Y", parent="9999"),
        org(typ="kommun", namn="Z", scb="12345"),
        org(id="abc", typ="kommun", namn="W", scb="0999"),
    ])
    assert sorted(error_codes(batch)) == [
        (2, "id", "unknown_id"),
        (3, "parent", "unknown_parent"),
        (4, "scb_code", "invalid_scb_code"),
        (5, "id", "invalid_id"),
    ]


def test_placement_rules_come_from_the_organisation_service(region):
    batch = orgs_batch(region.samordnare, region, [
        org(typ="enhet", namn="Utan driftform", parent="0126"),
        org(typ="enhet", namn="Privat utan namn", parent="0126", driftform="enskild"),
        org(typ="förvaltning", namn="Under enhet", parent=str(region.solgarden.pk)),
        org(typ="kommun", namn="Utan kod"),
        org(typ="planet", namn="Jorden"),
    ])
    assert sorted(error_codes(batch)) == [
        (2, "driftform", "invalid"),
        (3, "provider_name", "invalid"),
        (4, "parent", "invalid"),
        (5, "scb_code", "invalid"),
        (6, "type", "invalid_choice"),
    ]


def test_children_of_an_invalid_row_are_not_imported_and_say_why(region):
    batch = orgs_batch(region.samordnare, region, [
        org(typ="förvaltning", namn="Trasig", parent="okänd", ext="HR-T"),
        org(typ="enhet", namn="Barn", parent="HR-T", driftform="kommunal"),
        org(typ="kommun", namn="Nykvarn", scb="0140"),
    ])
    assert error_codes(batch) == [(2, "parent", "unknown_parent"), (3, "parent", "parent_row_invalid")]
    before = Organisation.objects.count()
    assert not apply(batch, region.samordnare).applied
    assert Organisation.objects.count() == before
    assert apply(batch, region.samordnare, only_valid=True).applied
    assert Organisation.objects.count() == before + 1
    assert Organisation.objects.filter(scb_code="0140").exists()


def test_circular_parents_are_reported(region):
    batch = orgs_batch(region.samordnare, region, [
        org(typ="förvaltning", namn="A", parent="HR-B", ext="HR-A"),
        org(typ="förvaltning", namn="B", parent="HR-A", ext="HR-B"),
        org(typ="förvaltning", namn="C", parent="HR-C", ext="HR-C"),
    ])
    assert error_codes(batch) == [
        (2, "parent", "parent_cycle"), (3, "parent", "parent_cycle"), (4, "parent", "parent_is_self"),
    ]


def test_duplicates_in_the_file_and_taken_keys(region):
    region.tibble.external_id = "HR-TIB"
    region.tibble.save()
    batch = orgs_batch(region.samordnare, region, [
        org(typ="kommun", namn="Nacka", scb="0182"),
        org(typ="kommun", namn="Nacka igen", scb="0182"),
        org(typ="kommun", namn="Sundbyberg", scb="0183", ext="HR-TIB"),  # matched on SCB code: new
    ])
    assert error_codes(batch) == [
        (2, "scb_code", "duplicate_key"), (3, "scb_code", "duplicate_key"), (4, "external_id", "external_id_taken"),
    ]


def test_type_of_an_existing_organisation_is_not_changed_by_import(region):
    batch = orgs_batch(region.samordnare, region, [
        org(id=str(region.aldre.pk), typ="stadsdelsförvaltning", namn="Äldreomsorgen", parent="0126"),
    ])
    assert error_codes(batch) == [(2, "type", "type_change")]


def test_model_values_and_english_words_are_accepted(region):
    batch = orgs_batch(region.samordnare, region, [
        org(typ="stadsdel", namn="Kungsholmen", parent="0180", ext="KH"),
        org(typ="Workplace", namn="Fridhem", parent="KH", driftform="Private", provider="Bolaget AB",
            funktion="beställare"),
    ])
    assert batch.counts["error"] == 0
    assert apply(batch, region.samordnare).applied
    fridhem = Organisation.objects.get(name="Fridhem")
    assert (fridhem.type, fridhem.driftform, fridhem.funktion) == ("enhet", "enskild", "myndighet")


def test_organisation_import_needs_the_coordinators_right(region):
    with pytest.raises(PermissionDenied):
        orgs_batch(region.cka_huddinge, region, [org(typ="kommun", namn="X", scb="0999")])


def test_personnummer_and_formulas_in_organisation_files(region):
    batch = orgs_batch(region.samordnare, region, [
        org(typ="kommun", namn="=HYPERLINK(\"http://x\")", scb="0999"),
        org(typ="enhet", namn="Enhet", parent="0126", ext="19850101-1234", driftform="kommunal"),
    ])
    assert error_codes(batch) == [(2, "name", "formula"), (3, "external_id", "personnummer")]
    assert "1234" not in repr(ImportBatch.objects.filter(pk=batch.pk).values_list("rows", "preview").get())


def _failing_save_for(name):
    from larnav.organisations.services import save_organisation

    def save(org):
        if org.name == name:
            from django.core.exceptions import ValidationError

            raise ValidationError({"parent": "moved meanwhile"})
        return save_organisation(org)

    return save


def test_a_failure_while_writing_undoes_the_whole_import(region, monkeypatch):
    batch = orgs_batch(region.samordnare, region, [
        org(typ="kommun", namn="Nykvarn", scb="0140"),
        org(typ="förvaltning", namn="Trasig", parent="0140", ext="HR-T"),
        org(typ="enhet", namn="Barn", parent="HR-T", driftform="kommunal"),
    ])
    monkeypatch.setattr(services, "save_organisation", _failing_save_for("Trasig"))
    outcome = apply(batch, region.samordnare)
    assert not outcome.applied and outcome.reason == "has_errors"
    assert not Organisation.objects.filter(scb_code="0140").exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert error_codes(batch) == [(3, "parent", "invalid"), (4, "parent", "parent_row_invalid")]


def test_with_only_valid_rows_a_failure_while_writing_skips_the_row_and_its_children(region, monkeypatch):
    batch = orgs_batch(region.samordnare, region, [
        org(typ="kommun", namn="Nykvarn", scb="0140"),
        org(typ="förvaltning", namn="Trasig", parent="0140", ext="HR-T"),
        org(typ="enhet", namn="Barn", parent="HR-T", driftform="kommunal"),
    ])
    monkeypatch.setattr(services, "save_organisation", _failing_save_for("Trasig"))
    assert apply(batch, region.samordnare, only_valid=True).applied
    assert Organisation.objects.filter(scb_code="0140").exists()
    assert not Organisation.objects.filter(name__in=["Trasig", "Barn"]).exists()
    batch.refresh_from_db()
    assert batch.results == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 2}
