"""The signature list and the certificate (PDF), certificate codes and the public verification page."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from larnav.attendance import pdf, selectors, services
from larnav.attendance.testing import make_course, shift_timeline
from larnav.core.testing import make_person, pdf_content
from larnav.registrations import services as registration_services
from larnav.registrations.models import Registration, Status

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> bytes:
    """The page content of a PDF, which must be complete."""
    assert content.rstrip().endswith(b"%%EOF")
    return pdf_content(content)


def page_count(content: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", content))


def shows(content: bytes, text: str) -> bool:
    """Built-in PDF fonts are written in cp1252: that is how the text appears in the stream."""
    return text.encode("cp1252") in pdf_text(content)


@pytest.fixture
def course(region, trainer, lukasz):
    session = make_course(region.consortium, starts_in_hours=[24], trainers=[trainer], title="Bemötande i LSS")
    for person in (region.anna, region.erik, lukasz):
        registration_services.register(session.pk, person)
    shift_timeline(session, -timedelta(days=2))
    return session


# --- Text for the built-in fonts ------------------------------------------------------

def test_swedish_letters_stay_and_others_are_replaced_safely():
    assert pdf.pdf_text("Åsa Öberg-Ängström – ”citat” 100 €") == "Åsa Öberg-Ängström – ”citat” 100 €"
    assert pdf.pdf_text("Łukasz Wiśniewski") == "Lukasz Wisniewski"
    assert pdf.pdf_text("Đorđe Őry Ħal") == "Dorde Ory Hal"
    assert pdf.pdf_text("李 小龙") == "? ??"
    assert pdf.pdf_text("tab\there\x00") == "tab here"
    assert pdf.pdf_text(None) == ""


# --- Signature list ---------------------------------------------------------------------

def test_signature_list_has_every_participant_and_room_to_sign(client, region, trainer, course):
    client.force_login(trainer)
    occasion = course.occasions.get()
    response = client.get(f"/narvaro/traff/{occasion.pk}/namnlista.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    content = response.content
    assert page_count(content) == 1
    for text in ("Bemötande i LSS", "Åström, Anna", "Öberg, Erik", "Wisniewski, Lukasz", "Solgården", "Ekbacken",
                 "Ringvägen", "Huddinge kommunhus, sal Kvarnen", "Kommunalvägen 28", "Signature"):
        assert shows(content, text), text
    assert not shows(content, "anna@huddinge.se")  # no e-mail addresses on a paper passed round the room


def test_a_long_signature_list_runs_over_pages(region, course):
    for n in range(45):
        person = make_person(region.consortium, region.solgarden, f"Deltagare{n}", f"Ek{n:02d}")
        Registration.objects.create(consortium=region.consortium, session=course, person=person,
                                    status=Status.CONFIRMED, workplace=region.solgarden)
    occasion = course.occasions.get()
    registrations = selectors.by_name(selectors.listed_registrations(course))
    content = pdf.signature_list(occasion, registrations, compress=False)
    assert page_count(content) >= 2
    assert content.count(b"(Signature)") >= 2  # the heading row is repeated on every page
    assert b"Wisniewski, Lukasz" in content


def test_a_digital_occasion_has_no_signature_list(client, region, trainer, course):
    from larnav.catalog.models import Occasion

    Occasion.objects.filter(session=course).update(place="", digital_link="https://meet.example.se/x")
    client.force_login(trainer)
    assert client.get(f"/narvaro/traff/{course.occasions.get().pk}/namnlista.pdf").status_code == 404


# --- Certificates ------------------------------------------------------------------------

def _complete(session, trainer, *people_regs):
    services.save_attendance(session.occasions.get().pk, {reg.pk: "attended" for reg in people_regs}, trainer)
    for reg in people_regs:
        reg.refresh_from_db()
        assert reg.status == Status.COMPLETED


def _reg(session, person):
    return Registration.objects.get(session=session, person=person)


def test_participant_downloads_a_certificate_with_a_stable_code(client, region, trainer, course):
    anna = _reg(course, region.anna)
    _complete(course, trainer, anna)
    changed_at = anna.status_changed_at
    client.force_login(region.deltagare)  # Anna's account
    response = client.get(f"/narvaro/intyg/{anna.token}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    anna.refresh_from_db()
    code = anna.certificate_code
    assert re.fullmatch(r"[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{10}", code)
    assert anna.status_changed_at == changed_at and anna.status == Status.COMPLETED
    content = response.content
    assert page_count(content) == 1
    for text in ("Anna Åström", "Bemötande i LSS", "6.0", "Testsamverkan", f"{code[:5]}-{code[5:]}",
                 f"/narvaro/intygskontroll/?kod={code}", "Certificate"):
        assert shows(content, text), text
    # Downloading again keeps the code.
    client.get(f"/narvaro/intyg/{anna.token}/")
    anna.refresh_from_db()
    assert anna.certificate_code == code


def test_a_name_outside_cp1252_still_gives_a_certificate(region, trainer, course, lukasz):
    reg = _reg(course, lukasz)
    _complete(course, trainer, reg)
    code = services.ensure_certificate_code(reg.pk)
    reg = selectors.certificate_registration(reg.token)
    content = pdf.certificate(reg, code=code, verify_url="https://larnav.example.se/x", compress=False)
    assert content.startswith(b"%PDF-") and b"Lukasz Wisniewski" in content


def test_no_certificate_before_completion(client, region, trainer, course):
    anna = _reg(course, region.anna)
    client.force_login(region.deltagare)
    response = client.get(f"/narvaro/intyg/{anna.token}/")
    assert response.status_code == 404
    assert "is issued once the activity is completed" in response.content.decode()
    anna.refresh_from_db()
    assert anna.certificate_code is None
    with pytest.raises(services.AttendanceError):
        services.ensure_certificate_code(anna.pk)


def test_only_the_participant_and_coordinators_get_the_certificate(client, region, trainer, course, erik_user):
    anna = _reg(course, region.anna)
    _complete(course, trainer, anna)
    url = f"/narvaro/intyg/{anna.token}/"
    assert client.get(url).status_code == 302  # sign in first
    for user in (erik_user, trainer, region.cka_taby):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(region.samordnare)
    assert client.get(url).status_code == 200
    assert client.get("/narvaro/intyg/nonsense-token/").status_code == 404


def test_certificate_codes_are_unique(region, trainer, course):
    regs = [_reg(course, p) for p in (region.anna, region.erik)]
    _complete(course, trainer, *regs)
    codes = {services.ensure_certificate_code(r.pk) for r in regs}
    assert len(codes) == 2


# --- Verification --------------------------------------------------------------------------

def test_a_valid_code_shows_name_activity_date_and_hours_and_nothing_else(client, region, trainer, course):
    anna = _reg(course, region.anna)
    _complete(course, trainer, anna)
    code = services.ensure_certificate_code(anna.pk)
    typed = f" {code[:5].lower()}-{code[5:]} "  # as someone might type it
    response = client.get("/narvaro/intygskontroll/", {"kod": typed})
    body = response.content.decode()
    assert response.status_code == 200
    assert "The certificate is valid" in body
    assert "Anna Åström" in body and "Bemötande i LSS" in body and "<dd>6.0</dd>" in body
    assert timezone.localtime(course.first_start).strftime("%Y") in body
    for secret in ("anna@huddinge.se", "Solgården", "Huddinge kommunhus", anna.token):
        assert secret not in body


def test_an_unknown_code_says_so(client, region):
    response = client.get("/narvaro/intygskontroll/", {"kod": "ABCDE-23456"})
    assert response.status_code == 404
    assert "No valid certificate has this code" in response.content.decode()
    assert client.get("/narvaro/intygskontroll/").status_code == 200  # the empty form


def test_a_certificate_stops_verifying_when_completion_is_corrected(client, region, trainer, course):
    anna = _reg(course, region.anna)
    _complete(course, trainer, anna)
    code = services.ensure_certificate_code(anna.pk)
    services.save_attendance(course.occasions.get().pk, {anna.pk: "absent"}, trainer)
    response = client.get("/narvaro/intygskontroll/", {"kod": code})
    assert response.status_code == 404 and "Åström" not in response.content.decode()


def test_guessing_codes_is_slowed_down(client, region, trainer, course):
    anna = _reg(course, region.anna)
    _complete(course, trainer, anna)
    code = services.ensure_certificate_code(anna.pk)
    from larnav.attendance.views import VERIFY_LIMIT

    for n in range(VERIFY_LIMIT):
        assert client.get("/narvaro/intygskontroll/", {"kod": f"AAAAA{n:05d}"}).status_code == 404
    response = client.get("/narvaro/intygskontroll/", {"kod": code})
    assert response.status_code == 429 and "Too many checks" in response.content.decode()
    assert "Åström" not in response.content.decode()
    # Another address is not affected, and the limit lifts with time (the cache entry expires).
    assert client.get("/narvaro/intygskontroll/", {"kod": code}, REMOTE_ADDR="10.1.2.3").status_code == 200
    cache.clear()
    assert client.get("/narvaro/intygskontroll/", {"kod": code}).status_code == 200
