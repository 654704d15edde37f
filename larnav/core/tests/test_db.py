import pytest

from larnav.core.db import unicode_like
from larnav.people.models import Person


@pytest.mark.parametrize("pattern,value,expected", [
    ("%öberg%", "Erik Öberg", True),
    ("%ÅSTRÖM%", "anna åström", True),
    ("a_b", "AxB", True),
    ("a\\%b", "a%b", True),
    ("a\\%b", "axb", False),
    ("12/%", "12/40/", True),
    ("12/%", "112/40/", False),
])
def test_unicode_like(pattern, value, expected):
    assert unicode_like(pattern, value, "\\") is expected


@pytest.mark.django_db
def test_icontains_folds_swedish_letters_on_every_engine(region):
    assert set(Person.objects.filter(last_name__icontains="öBERG").values_list("email", flat=True)) == {
        "erik@ekbacken.se"
    }
    assert Person.objects.filter(last_name__icontains="ÅSTRÖM").count() == 1
