"""manage.py generate_scale_data: bulk-written data that the statistics read like any other."""

import io

import pytest
from django.core.management import CommandError, call_command

from larnav.organisations.models import Consortium, Organisation
from larnav.people.models import Person
from larnav.registrations.models import Registration, Status
from larnav.statistics import selectors as s
from larnav.statistics.periods import Period

pytestmark = pytest.mark.django_db


def test_generates_a_consistent_data_set():
    out = io.StringIO()
    call_command("generate_scale_data", "--municipalities", "6", "--persons", "300", "--registrations", "3000",
                 "--first-year", "2025", "--last-year", "2026", "--slug", "prov", stdout=out)
    consortium = Consortium.objects.get(slug="prov")
    assert "registrations: 3 000" in out.getvalue()
    assert Organisation.objects.filter(consortium=consortium, type="kommun").count() == 6
    assert Person.objects.filter(consortium=consortium).count() == 300
    regs = Registration.objects.filter(consortium=consortium)
    assert regs.count() == 3000
    # Snapshots agree with the persons' workplaces; paths and municipalities are those of the tree.
    assert not regs.filter(workplace__isnull=True).exists()
    for org in Organisation.objects.filter(consortium=consortium, type="enhet")[:50]:
        assert org.path.endswith(f"{org.pk}/") and org.path.startswith(f"{org.municipality_id}/")
    assert not regs.exclude(status=Status.COMPLETED).filter(hours_credited__isnull=False).exists()
    scope = s.StatisticsScope.internal(consortium.pk)
    tables = s.participation_tables(scope, Period.for_year(2025), [s.Cut.MUNICIPALITY, s.Cut.FUNKTION])
    total = tables[None].total
    year = Period.for_year(2025)
    assert total.registrations == regs.filter(
        status__in=s.COUNTED_STATUSES, session__first_start__gte=year.start, session__first_start__lt=year.end).count()
    assert sum(r.registrations for r in tables[s.Cut.MUNICIPALITY].rows) == total.registrations
    assert total.participants > 0 and total.hours > 0
    # New rows get ids after the generated ones.
    assert Person.objects.create(consortium=consortium, first_name="Ny", last_name="Person",
                                 email="ny@example.se").pk > 300


def test_refuses_an_existing_slug_and_nonsense():
    call_command("generate_scale_data", "--municipalities", "1", "--persons", "5", "--registrations", "10",
                 "--slug", "prov", stdout=io.StringIO())
    with pytest.raises(CommandError, match="exists already"):
        call_command("generate_scale_data", "--slug", "prov", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("generate_scale_data", "--persons", "0", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("generate_scale_data", "--first-year", "2027", "--last-year", "2026", stdout=io.StringIO())
