"""Builders for tests: a small consortium with a realistic organisation tree.

Import these from any app's tests; the pytest fixtures in the root
``conftest.py`` wrap the most common ones.
"""

import itertools

from larnav.accounts.models import Role, RoleAssignment, User
from larnav.organisations.models import Consortium, Membership, Organisation
from larnav.organisations.services import save_organisation
from larnav.people.models import Occupation, Person

_seq = itertools.count(1)


def make_consortium(name="Testsamverkan", slug=None) -> Consortium:
    return Consortium.objects.create(name=name, short_name=name, slug=slug or f"c{next(_seq)}")


def make_org(consortium, type, name, parent=None, **fields) -> Organisation:
    if type == Organisation.Type.ENHET:
        fields.setdefault("driftform", Organisation.Driftform.KOMMUNAL)
        fields.setdefault("funktion", Organisation.Funktion.UTFORARE)
        if fields["driftform"] == Organisation.Driftform.ENSKILD:
            fields.setdefault("provider_name", "Omsorgsbolaget AB")
    org = Organisation(consortium=consortium, type=type, name=name, parent=parent, **fields)
    return save_organisation(org)


def make_kommun(consortium, name, scb_code, member_from="2020-01-01") -> Organisation:
    kommun = make_org(consortium, Organisation.Type.KOMMUN, name, scb_code=scb_code)
    Membership.objects.create(consortium=consortium, organisation=kommun, valid_from=member_from)
    return kommun


def make_occupation(code="stodassistent", sv="Stödassistent", en="Support assistant") -> Occupation:
    return Occupation.objects.get_or_create(code=code, defaults={"name_sv": sv, "name_en": en})[0]


def make_person(consortium, workplace, first_name="Anna", last_name=None, email=None, **fields) -> Person:
    n = next(_seq)
    return Person.objects.create(
        consortium=consortium,
        workplace=workplace,
        first_name=first_name,
        last_name=last_name or f"Andersson{n}",
        email=email or f"person{n}@example.se",
        **fields,
    )


def make_user(consortium, role=None, organisation=None, username=None, password="korrekt-hast-batteri", person=None):
    n = next(_seq)
    user = User.objects.create_user(
        username=username or f"user{n}",
        email=f"user{n}@example.se",
        password=password,
        consortium=consortium,
        person=person,
        first_name="Test",
        last_name=f"Användare{n}",
    )
    if role:
        RoleAssignment.objects.create(user=user, consortium=consortium, role=role, organisation=organisation)
    return user


class Region:
    """Two municipalities, one with a city district, workplaces and staff.

    huddinge (0126) -> Äldreomsorgen (förvaltning) -> Solgården (enhet, kommunal)
                    -> Ekbacken (enhet, enskild regi)
    stockholm (0180) -> Södermalm (stadsdel) -> Ringvägen (enhet)
    taby (0160) -> Tibble (enhet)
    """

    def __init__(self):
        T = Organisation.Type
        self.consortium = make_consortium()
        c = self.consortium
        self.huddinge = make_kommun(c, "Huddinge", "0126")
        self.aldre = make_org(c, T.FORVALTNING, "Äldreomsorgen", self.huddinge)
        self.solgarden = make_org(c, T.ENHET, "Solgården", self.aldre)
        self.ekbacken = make_org(c, T.ENHET, "Ekbacken", self.huddinge, driftform="enskild",
                                 provider_name="Omsorgsbolaget AB")
        self.stockholm = make_kommun(c, "Stockholm", "0180")
        self.sodermalm = make_org(c, T.STADSDEL, "Södermalm", self.stockholm)
        self.ringvagen = make_org(c, T.ENHET, "Ringvägen", self.sodermalm)
        self.taby = make_kommun(c, "Täby", "0160")
        self.tibble = make_org(c, T.ENHET, "Tibble", self.taby)
        self.occupation = make_occupation()
        self.anna = make_person(c, self.solgarden, "Anna", "Åström", "anna@huddinge.se", occupation=self.occupation)
        self.erik = make_person(c, self.ekbacken, "Erik", "Öberg", "erik@ekbacken.se")
        self.sara = make_person(c, self.ringvagen, "Sara", "Lind", "sara@stockholm.se")
        self.tove = make_person(c, self.tibble, "Tove", "Berg", "tove@taby.se")
        self.samordnare = make_user(c, Role.SAMORDNARE, username="samordnare")
        self.cka_huddinge = make_user(c, Role.CKA, self.huddinge, username="cka-huddinge")
        self.cka_taby = make_user(c, Role.CKA, self.taby, username="cka-taby")
        self.cka_sodermalm = make_user(c, Role.CKA, self.sodermalm, username="cka-sodermalm")
        self.chef_solgarden = make_user(c, Role.CHEF, self.solgarden, username="chef-solgarden")
        self.ombud_tibble = make_user(c, Role.KOMPETENSOMBUD, self.tibble, username="ombud-tibble")
        self.styrgrupp_taby = make_user(c, Role.STYRGRUPP, self.taby, username="styrgrupp-taby")
        self.utbildare = make_user(c, Role.UTBILDARE, username="utbildare")
        self.deltagare = make_user(c, Role.DELTAGARE, username="deltagare", person=self.anna)


def pdf_content(content: bytes) -> bytes:
    """The page content streams of a PDF, inflated: the raw drawing operators with their text strings.

    Read by pypdf, which takes each stream's length from its dictionary. Matching up to ``endstream``
    is not enough: compressed data can itself end in a CR or LF byte, and losing it corrupts the stream.
    """
    import io

    from pypdf import PdfReader

    assert content.startswith(b"%PDF-")
    return b"\n".join(page.get_contents().get_data() for page in PdfReader(io.BytesIO(content)).pages)
