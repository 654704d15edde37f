"""Importing persons: matching, validation, scope, and what is (never) written."""

import pytest
from django.core.exceptions import PermissionDenied

from larnav.accounts.models import Role
from larnav.core.testing import make_occupation, make_user
from larnav.imports import services
from larnav.imports.models import ImportBatch
from larnav.people.models import Person

from .helpers import PERSON_HEADER, csv_bytes, error_codes, person_row, persons_batch, xlsx_bytes

pytestmark = pytest.mark.django_db


def apply(batch, user, only_valid=False):
    return services.apply_batch(batch, user, only_valid=only_valid)


def test_valid_file_previews_then_imports(region):
    batch = persons_batch(region.samordnare, region, [
        person_row("Lisa", "Larsson", "Lisa@Huddinge.se", "Solgården", "stödassistent", "kvinna", "sv", "A-17"),
        person_row("Omar", "Ali", "omar@taby.se", "Tibble", "Support assistant", "man", "en"),
    ])
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert batch.counts == {"new": 2, "update": 0, "unchanged": 0, "error": 0}
    assert not Person.objects.filter(email__in=["lisa@huddinge.se", "omar@taby.se"]).exists()

    outcome = apply(batch, region.samordnare)
    assert outcome.applied
    lisa = Person.objects.get(email="lisa@huddinge.se")
    assert (lisa.workplace, lisa.occupation, lisa.gender, lisa.language, lisa.external_id) == (
        region.solgarden, region.occupation, "kvinna", "sv", "A-17"
    )
    omar = Person.objects.get(email="omar@taby.se")
    assert (omar.workplace, omar.occupation, omar.language) == (region.tibble, region.occupation, "en")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.results == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 0}
    assert batch.rows == []


def test_reimport_updates_instead_of_duplicating_matching_email_case_insensitively(region):
    header = PERSON_HEADER[:4]
    rows = [["Anna", "Åström-Ek", "ANNA@huddinge.se", "Ekbacken"]]
    batch = persons_batch(region.samordnare, region, rows, header=header)
    assert batch.counts["update"] == 1
    assert apply(batch, region.samordnare).applied
    assert Person.objects.filter(email__iexact="anna@huddinge.se").count() == 1
    region.anna.refresh_from_db()
    assert (region.anna.last_name, region.anna.workplace) == ("Åström-Ek", region.ekbacken)
    assert region.anna.occupation == region.occupation  # a column that is not in the file is not touched

    again = persons_batch(region.samordnare, region, rows, header=header)
    assert again.counts == {"new": 0, "update": 0, "unchanged": 1, "error": 0}


def test_empty_cell_in_a_present_column_clears_the_value(region):
    header = ["förnamn", "efternamn", "e-post", "arbetsplats", "yrkesroll"]
    batch = persons_batch(region.samordnare, region, [["Anna", "Åström", "anna@huddinge.se", "Solgården", ""]],
                          header=header)
    assert apply(batch, region.samordnare).applied
    region.anna.refresh_from_db()
    assert region.anna.occupation is None


def test_update_of_a_person_with_an_account_keeps_the_account_in_step(region):
    batch = persons_batch(region.samordnare, region, [person_row("Annie", "Åström", "anna@huddinge.se")])
    assert apply(batch, region.samordnare).applied
    region.deltagare.refresh_from_db()
    assert region.deltagare.first_name == "Annie"


def test_nothing_is_written_when_the_file_has_errors(region):
    before = set(Person.objects.values_list("pk", "first_name", "workplace_id"))
    batch = persons_batch(region.samordnare, region, [
        person_row("Ny", "Person", "ny@huddinge.se"),
        person_row("Anna", "Ändrad", "anna@huddinge.se"),
        person_row("Fel", "Rad", "inte-en-adress"),
    ])
    assert batch.counts == {"new": 1, "update": 1, "unchanged": 0, "error": 1}
    outcome = apply(batch, region.samordnare)
    assert not outcome.applied and outcome.reason == "has_errors"
    assert set(Person.objects.values_list("pk", "first_name", "workplace_id")) == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


def test_only_valid_rows_when_explicitly_chosen(region):
    batch = persons_batch(region.samordnare, region, [
        person_row("Ny", "Person", "ny@huddinge.se"),
        person_row("Fel", "Rad", "fel@huddinge.se", "Okänd enhet"),
    ])
    outcome = apply(batch, region.samordnare, only_valid=True)
    assert outcome.applied
    assert Person.objects.filter(email="ny@huddinge.se").exists()
    assert not Person.objects.filter(email="fel@huddinge.se").exists()
    batch.refresh_from_db()
    assert batch.results == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 1}


def test_row_errors_name_row_and_column(region):
    batch = persons_batch(region.samordnare, region, [
        person_row("", "Larsson", "a@huddinge.se"),
        person_row("B", "Berg", "b@huddinge.se", "Finns inte", "astronaut", "robot", "fi"),
    ])
    assert sorted(error_codes(batch)) == [
        (2, "first_name", "required"),
        (3, "gender", "invalid_choice"),
        (3, "language", "invalid_choice"),
        (3, "occupation", "unknown_occupation"),
        (3, "workplace", "unknown_workplace"),
    ]


def test_duplicate_emails_in_the_file_are_errors_on_every_occurrence(region):
    batch = persons_batch(region.samordnare, region, [
        person_row("A", "A", "dubbel@huddinge.se"),
        person_row("B", "B", "annan@huddinge.se"),
        person_row("C", "C", "DUBBEL@huddinge.se"),
    ])
    assert [e for e in error_codes(batch) if e[2] == "duplicate_email"] == [
        (2, "email", "duplicate_email"), (4, "email", "duplicate_email"),
    ]
    assert batch.preview["errors"][0][3] == {"rows": "2, 4"}


def test_personnummer_in_any_cell_is_refused_and_never_stored(region):
    batch = persons_batch(region.samordnare, region, [
        person_row("Lisa", "Larsson", "lisa@huddinge.se", external_id="19850101-1234"),
        person_row("850101-1234", "Berg", "berg@huddinge.se"),
    ])
    assert ("personnummer") in [code for _r, _f, code in error_codes(batch)]
    assert sorted((r, f) for r, f, c in error_codes(batch) if c == "personnummer") == [
        (2, "external_id"), (3, "first_name"),
    ]
    stored = ImportBatch.objects.filter(pk=batch.pk).values_list("rows", "preview").get()
    assert "1234" not in repr(stored)
    apply(batch, region.samordnare, only_valid=True)
    assert not Person.objects.filter(external_id__contains="1234").exists()


def test_formulas_are_refused_in_csv_and_xlsx(region):
    rows = [PERSON_HEADER, person_row("=cmd|' /C calc'!A0", "Berg", "a@huddinge.se"),
            person_row("Lisa", "+SUM(1;2)", "b@huddinge.se"), person_row("Sam", "@SUM(A1)", "c@huddinge.se")]
    for content, name in ((csv_bytes(rows), "p.csv"), (xlsx_bytes(rows), "p.xlsx")):
        batch = persons_batch(region.samordnare, region, [], content=content, name=name)
        assert error_codes(batch) == [
            (2, "first_name", "formula"), (3, "last_name", "formula"), (4, "last_name", "formula"),
        ], name
        assert "cmd" not in repr(batch.rows)


def test_workplace_by_id_external_id_or_unique_name(region):
    region.tibble.external_id = "HR-TIB"
    region.tibble.save()
    batch = persons_batch(region.samordnare, region, [
        person_row("A", "A", "a@x.se", str(region.solgarden.pk)),
        person_row("B", "B", "b@x.se", "HR-TIB"),
        person_row("C", "C", "c@x.se", "ringvägen"),
        person_row("D", "D", "d@x.se", "Huddinge"),
    ])
    assert error_codes(batch) == [(5, "workplace", "not_a_workplace")]
    apply(batch, region.samordnare, only_valid=True)
    assert Person.objects.get(email="a@x.se").workplace == region.solgarden
    assert Person.objects.get(email="b@x.se").workplace == region.tibble
    assert Person.objects.get(email="c@x.se").workplace == region.ringvagen


def test_ambiguous_workplace_name(region):
    from larnav.core.testing import make_org

    make_org(region.consortium, "enhet", "Solgården", region.taby)
    batch = persons_batch(region.samordnare, region, [person_row(workplace="Solgården")])
    assert error_codes(batch) == [(2, "workplace", "ambiguous_workplace")]


def test_cka_cannot_import_into_a_workplace_outside_scope_and_is_told_it_is_unknown(region):
    batch = persons_batch(region.cka_huddinge, region, [
        person_row("A", "A", "a@huddinge.se", "Solgården"),
        person_row("B", "B", "b@taby.se", "Tibble"),
        person_row("C", "C", "c@taby.se", str(region.tibble.pk)),
    ])
    assert error_codes(batch) == [(3, "workplace", "unknown_workplace"), (4, "workplace", "unknown_workplace")]


def test_cka_cannot_take_over_a_person_outside_scope(region):
    batch = persons_batch(region.cka_huddinge, region, [person_row("Tove", "Berg", "tove@taby.se", "Solgården")])
    assert error_codes(batch) == [(2, "email", "email_taken")]
    apply(batch, region.cka_huddinge, only_valid=True)
    region.tove.refresh_from_db()
    assert region.tove.workplace == region.tibble


def test_users_without_the_right_cannot_import(region):
    with pytest.raises(PermissionDenied):
        persons_batch(region.chef_solgarden, region, [person_row()])
    with pytest.raises(PermissionDenied):
        services.create_batch(user=region.cka_huddinge, consortium=region.consortium, kind="organisations",
                              uploaded=None)


def test_only_the_uploader_may_apply(region):
    batch = persons_batch(region.samordnare, region, [person_row()])
    other = make_user(region.consortium, Role.SAMORDNARE)
    with pytest.raises(PermissionDenied):
        apply(batch, other)


def test_applying_twice_writes_once(region):
    batch = persons_batch(region.samordnare, region, [person_row()])
    assert apply(batch, region.samordnare).applied
    outcome = apply(batch, region.samordnare)
    assert not outcome.applied and outcome.reason == "not_pending"
    assert Person.objects.filter(email="lisa@huddinge.se").count() == 1


def test_apply_revalidates_against_the_database_as_it_is_then(region):
    batch = persons_batch(region.samordnare, region, [person_row(workplace="Ringvägen")])
    region.ringvagen.name = "Ringvägen 2"  # renamed after the preview: the name no longer finds it
    region.ringvagen.save()
    outcome = apply(batch, region.samordnare)
    assert not outcome.applied and outcome.reason == "has_errors"
    batch.refresh_from_db()
    assert error_codes(batch) == [(2, "workplace", "unknown_workplace")]
    assert not Person.objects.filter(email="lisa@huddinge.se").exists()


def test_occupation_matches_code_and_names_in_both_languages(region):
    make_occupation("enhetschef", "Enhetschef", "Unit manager")
    batch = persons_batch(region.samordnare, region, [
        person_row("A", "A", "a@x.se", occupation="ENHETSCHEF"),
        person_row("B", "B", "b@x.se", occupation="unit manager"),
        person_row("C", "C", "c@x.se", occupation="Stödassistent"),
    ])
    assert batch.counts["error"] == 0
    apply(batch, region.samordnare)
    assert set(Person.objects.filter(email__in=["a@x.se", "b@x.se"]).values_list("occupation__code", flat=True)) == {
        "enhetschef"
    }


def test_missing_columns_refuse_the_whole_file(region):
    from larnav.imports.errors import ImportFileError

    with pytest.raises(ImportFileError) as info:
        persons_batch(region.samordnare, region, [["Lisa", "Larsson"]], header=["förnamn", "efternamn"])
    assert info.value.code == "missing_columns"
    assert not ImportBatch.objects.exists()


def test_query_count_does_not_grow_with_rows(region, django_assert_max_num_queries):
    rows = [person_row(f"P{i}", "Test", f"p{i}@huddinge.se") for i in range(300)]
    with django_assert_max_num_queries(12):
        batch = persons_batch(region.samordnare, region, rows)
    assert batch.counts["new"] == 300
    with django_assert_max_num_queries(20):
        assert apply(batch, region.samordnare).applied
    assert Person.objects.filter(last_name="Test").count() == 300
