"""Real SMTP: a newsletter delivered to a local aiosmtpd server, parsed as a mail client would."""

import socket
from email import message_from_bytes
from email.policy import default as default_policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.test import Client

from larnav.core.testing import make_person
from larnav.newsletters import delivery
from larnav.newsletters.models import Delivery, Suppression
from larnav.newsletters.testing import make_newsletter, start_sending

pytestmark = pytest.mark.django_db


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((session.peer, envelope.rcpt_tos, envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_sink(settings):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield sink
    finally:
        controller.stop()


def test_a_newsletter_over_smtp(region, smtp_sink, settings):
    settings.LARNAV_NEWSLETTER_BATCH_SIZE = 3
    region.consortium.contact_email = "info@samverkan.se"
    region.consortium.save()
    for i in range(6):
        make_person(region.consortium, region.tibble, email=f"staff{i}@taby.se", language="en" if i % 2 else "sv")
    newsletter = start_sending(make_newsletter(
        region.consortium, include_staff=True, subject="Höstens utbud är här",
        body="## Nytt i utbudet\n\n- Bemötande i LSS\n- **Lågaffektivt** bemötande\n\n"
             "[Läs mer](https://example.se/utbud)",
    ))
    report = delivery.run(newsletter.pk)
    assert report.sent == 10 and report.finished

    assert len(smtp_sink.messages) == 10
    assert len({peer for peer, _, _ in smtp_sink.messages}) == 1  # one connection across every batch
    by_address = {rcpt[0]: content for _, rcpt, content in smtp_sink.messages}
    assert sorted(by_address) == sorted(Delivery.objects.values_list("email", flat=True))

    parsed = message_from_bytes(by_address["staff1@taby.se"], policy=default_policy)
    row = Delivery.objects.get(email="staff1@taby.se")
    link = f"http://127.0.0.1:8000/nyhetsbrev/u/{row.token}/"
    assert parsed["Subject"] == "Höstens utbud är här"
    assert parsed["To"].addresses[0].addr_spec == "staff1@taby.se"
    assert parsed["From"].addresses[0].display_name == str(region.consortium)
    assert parsed["List-Unsubscribe"].split(",")[0].strip() == f"<{link}>"
    assert "mailto:info@samverkan.se" in parsed["List-Unsubscribe"]
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["List-Id"] and parsed["Message-ID"]
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "- **Lågaffektivt** bemötande" in text and link in text
    assert "<strong>Lågaffektivt</strong>" in html and f'href="{link}"' in html
    assert '<a href="https://example.se/utbud"' in html
    # staff1 reads English: the frame is English, the author's text Swedish.
    assert "Unsubscribe" in text and "Newsletter from" in text
    swedish = message_from_bytes(by_address["staff0@taby.se"], policy=default_policy)
    assert "Avsluta prenumerationen" in swedish.get_body(("plain",)).get_content()

    # The mail client's one-click POST (RFC 8058): no cookie, no CSRF token, no sign-in.
    client = Client(enforce_csrf_checks=True)
    response = client.post(urlsplit(link).path, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert Suppression.objects.filter(email="staff1@taby.se", reason=Suppression.Reason.UNSUBSCRIBED).exists()
