"""Register, be waitlisted, someone cancels, the first in the queue is promoted and sees it."""

import re

from django.core import mail
from playwright.sync_api import expect

from larnav.core.testing import make_user
from larnav.registrations.testing import make_session

from .conftest import sign_in


def test_waitlisted_participant_is_promoted_when_another_cancels(page, live_server, region):
    session = make_session(region.consortium, capacity=1, title="Lågaffektivt bemötande")
    tove = make_user(region.consortium, username="tove", person=region.tove)

    # Anna takes the only seat.
    sign_in(page, "deltagare")
    page.goto(f"/utbud/tillfalle/{session.pk}/")
    page.get_by_role("link", name="Anmäl dig").click()
    page.get_by_label(re.compile("Jag har läst integritetsmeddelandet")).check()
    page.get_by_role("button", name="Skicka anmälan").click()
    expect(page.get_by_text("Du har fått en plats.")).to_be_visible()
    page.get_by_role("button", name="Logga ut").click()

    # Tove is waitlisted as number 1.
    sign_in(page, tove.username)
    page.goto(f"/utbud/tillfalle/{session.pk}/")
    page.get_by_role("link", name="Ställ dig på väntelistan").click()
    page.get_by_label(re.compile("Jag har läst integritetsmeddelandet")).check()
    page.get_by_role("button", name="Skicka anmälan").click()
    expect(page.get_by_text(re.compile("plats 1 på väntelistan"))).to_be_visible()
    page.get_by_role("button", name="Logga ut").click()

    # Anna cancels from the link in her confirmation e-mail.
    manage = re.search(r"https?://[^/]+(/anmalan/min-anmalan/\S+/)", mail.outbox[0].body).group(1)
    page.goto(manage)
    page.get_by_role("link", name="Avboka anmälan").click()
    page.get_by_role("button", name="Ja, avboka min anmälan").click()
    expect(page.get_by_text("Din anmälan är avbokad.")).to_be_visible()

    # Tove has been told, and sees her seat on My pages.
    assert any("tove@taby.se" in m.to for m in mail.outbox if "väntelistan" in m.subject)
    sign_in(page, tove.username)
    page.goto("/anmalan/mina-sidor/")
    expect(page.get_by_role("cell", name="Bekräftad")).to_be_visible()
