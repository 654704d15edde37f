import pytest
from django.core.exceptions import ValidationError

from larnav.core.testing import make_org
from larnav.organisations.models import Organisation
from larnav.organisations.services import save_organisation

pytestmark = pytest.mark.django_db
T = Organisation.Type


def test_paths_and_municipality_follow_the_tree(region):
    assert region.huddinge.path == f"{region.huddinge.pk}/"
    assert region.solgarden.path == f"{region.huddinge.pk}/{region.aldre.pk}/{region.solgarden.pk}/"
    assert region.solgarden.municipality == region.huddinge
    assert region.huddinge.municipality == region.huddinge
    assert region.solgarden.is_within(region.huddinge)
    assert not region.solgarden.is_within(region.taby)


def test_moving_a_subtree_rewrites_every_descendant(region):
    region.aldre.parent = region.taby
    save_organisation(region.aldre)
    region.solgarden.refresh_from_db()
    assert region.solgarden.path == f"{region.taby.pk}/{region.aldre.pk}/{region.solgarden.pk}/"
    assert region.solgarden.municipality == region.taby


@pytest.mark.parametrize("type,parent_attr,fields,field", [
    (T.ENHET, None, {"driftform": "kommunal"}, "parent"),
    (T.KOMMUN, "huddinge", {"scb_code": "0999"}, "parent"),
    (T.FORVALTNING, "solgarden", {}, "parent"),
    (T.KOMMUN, None, {}, "scb_code"),
    (T.ENHET, "huddinge", {"driftform": "enskild"}, "provider_name"),
    (T.ENHET, "huddinge", {}, "driftform"),
    (T.ENHET, "huddinge", {"driftform": "kommunal", "scb_code": "0126"}, "scb_code"),
])
def test_invalid_placements_are_refused(region, type, parent_attr, fields, field):
    parent = getattr(region, parent_attr) if parent_attr else None
    org = Organisation(consortium=region.consortium, type=type, name="X", parent=parent, **fields)
    with pytest.raises(ValidationError) as excinfo:
        save_organisation(org)
    assert field in excinfo.value.message_dict


def test_an_organisation_cannot_move_below_itself(region):
    region.aldre.parent = region.solgarden
    region.aldre.type = T.ENHET  # even a type that could sit below an enhet's parent
    with pytest.raises(ValidationError):
        save_organisation(region.aldre)


def test_scb_code_is_unique_within_a_consortium(region):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(consortium=region.consortium, type=T.KOMMUN, name="Dubblett", scb_code="0126")


def test_organisation_pages_are_scoped(client, region):
    client.force_login(region.cka_taby)
    assert client.get(f"/organisationer/{region.tibble.pk}/").status_code == 200
    assert client.get(f"/organisationer/{region.solgarden.pk}/").status_code == 404
    listing = client.get("/organisationer/").content.decode()
    assert "Tibble" in listing and "Solgården" not in listing


def test_coordinator_creates_a_workplace_with_validation(client, region):
    client.force_login(region.samordnare)
    response = client.post("/organisationer/ny/", {"type": "enhet", "name": "Nya gruppbostaden",
                                                   "parent": region.huddinge.pk, "driftform": "enskild",
                                                   "funktion": "utforare", "is_active": "on"})
    assert response.status_code == 200
    assert "provider_name" in response.context["form"].errors
    response = client.post("/organisationer/ny/", {"type": "enhet", "name": "Nya gruppbostaden",
                                                   "parent": region.huddinge.pk, "driftform": "enskild",
                                                   "provider_name": "Nytida AB", "funktion": "utforare",
                                                   "is_active": "on"})
    assert response.status_code == 302
    created = Organisation.objects.get(name="Nya gruppbostaden")
    assert created.municipality == region.huddinge


def test_cka_cannot_edit_organisations(client, region):
    client.force_login(region.cka_huddinge)
    assert client.get(f"/organisationer/{region.solgarden.pk}/andra/").status_code == 403


def test_list_survives_garbage_parameters(client, region):
    client.force_login(region.samordnare)
    response = client.get("/organisationer/", {"type": "<script>", "sort": "password", "page": "-1", "q": "ö" * 200})
    assert response.status_code == 200


def test_make_org_helper_defaults(region):
    org = make_org(region.consortium, T.ENHET, "Hjälpare", region.taby)
    assert org.driftform == "kommunal"


def test_an_organisation_with_children_cannot_change_type(region):
    region.aldre.type = T.STADSDEL
    with pytest.raises(ValidationError) as excinfo:
        save_organisation(region.aldre)
    assert "type" in excinfo.value.message_dict
