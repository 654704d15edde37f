"""axe-core in Chromium: no serious or critical WCAG violations, in Swedish and English."""

import pytest

from .conftest import serious_violations, set_language, sign_in

ANONYMOUS_PAGES = ["/", "/konto/logga-in/", "/konto/inloggningslank/", "/tillganglighet/", "/integritet/",
                   "/konto/losenord/aterstall/"]
COORDINATOR_PAGES = ["/", "/personer/", "/organisationer/", "/import/", "/konto/"]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_public_pages_are_accessible(page, live_server, region, language):
    set_language(page, live_server.url, language)
    for path in ANONYMOUS_PAGES:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert serious_violations(page) == [], path


@pytest.mark.parametrize("language", ["sv", "en"])
def test_coordinator_pages_are_accessible(page, live_server, region, language):
    sign_in(page, "samordnare")  # signing in applies the user's saved language; choose after it
    set_language(page, live_server.url, language)
    for path in COORDINATOR_PAGES:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert serious_violations(page) == [], path


def test_sign_in_page_with_errors_is_accessible(page, live_server, region):
    page.goto("/konto/logga-in/")
    page.locator("#id_username").fill("samordnare")
    page.locator("#id_password").fill("fel")
    page.locator("form:has(#id_username) button[type=submit]").click()
    page.wait_for_selector(".errorlist, .message--error")
    assert serious_violations(page) == []


@pytest.fixture
def sent_newsletter(region):
    from larnav.newsletters import delivery
    from larnav.newsletters.testing import make_newsletter, make_subscription, start_sending

    make_subscription(region.consortium, "reader@example.se", municipality=region.taby)
    newsletter = start_sending(make_newsletter(region.consortium, include_staff=True, include_subscribers=True))
    delivery.run(newsletter.pk)
    draft = make_newsletter(region.consortium, include_staff=True, subject="Utkast")
    return newsletter, draft


@pytest.mark.parametrize("language", ["sv", "en"])
def test_newsletter_pages_are_accessible(page, live_server, region, sent_newsletter, language):
    from larnav.newsletters.models import Delivery

    newsletter, draft = sent_newsletter
    sign_in(page, "samordnare")
    set_language(page, live_server.url, language)
    for path in ["/nyhetsbrev/", "/nyhetsbrev/ny/", f"/nyhetsbrev/{draft.pk}/", f"/nyhetsbrev/{draft.pk}/andra/",
                 f"/nyhetsbrev/{draft.pk}/skicka/", f"/nyhetsbrev/{newsletter.pk}/",
                 f"/nyhetsbrev/{newsletter.pk}/logg/", "/nyhetsbrev/prenumeranter/", "/nyhetsbrev/sparrade/",
                 f"/nyhetsbrev/{draft.pk}/forhandsvisning/?sprak={language}"]:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language, path
        assert serious_violations(page) == [], path
    page.goto(f"/nyhetsbrev/{draft.pk}/skicka/")
    page.get_by_label("Vid en tid som jag väljer" if language == "sv" else "At a time I choose").check()
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_selector(".errorlist")
    assert serious_violations(page) == []

    page.context.clear_cookies()
    set_language(page, live_server.url, language)
    token = Delivery.objects.filter(newsletter=newsletter).first().token
    for path in ["/nyhetsbrev/prenumerera/", f"/nyhetsbrev/u/{token}/", "/nyhetsbrev/u/nonsense/"]:
        page.goto(path)
        assert serious_violations(page) == [], path
    page.goto("/nyhetsbrev/prenumerera/")
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_selector(".errorlist")
    assert serious_violations(page) == []


@pytest.mark.parametrize("language", ["sv", "en"])
def test_message_pages_are_accessible(page, live_server, region, language):
    """The outbox with a sent message, one message, the failed list and the template editor with its preview."""
    from larnav.notifications import outbox
    from larnav.notifications.models import OutgoingMessage
    from larnav.registrations import services
    from larnav.registrations.testing import make_session

    services.register(make_session(region.consortium).pk, region.anna)
    outbox.deliver_due()
    message = OutgoingMessage.objects.get()
    sign_in(page, "samordnare")
    set_language(page, live_server.url, language)
    for path in ["/utskick/", f"/utskick/meddelande/{message.pk}/", "/utskick/misslyckade/", "/utskick/mallar/",
                 "/utskick/mallar/registration_confirmed/sv/", "/utskick/mallar/registration_confirmed/sv/aterstall/"]:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert serious_violations(page) == [], path
    # The editor showing a refused placeholder.
    page.goto("/utskick/mallar/registration_confirmed/sv/")
    page.locator("#id_body").fill("Hej {{ okänd }}")
    page.locator("button[value=save]").click()
    page.wait_for_selector(".errorlist")
    assert serious_violations(page) == []
