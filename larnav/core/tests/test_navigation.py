"""The main menu: links and groups of links, filtered per link, the current page marked."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import translation

from larnav.accounts.models import Role
from larnav.accounts.permissions import Action
from larnav.core.navigation import NavGroup, NavLink, items_for, links_in
from larnav.core.testing import make_user

pytestmark = pytest.mark.django_db

FOLLOW_UP = ["/statistik/", "/verksamhetsplan/", "/rapporter/", "/enkater/", "/behovsinventering/"]
REGISTERS = ["/organisationer/", "/personer/", "/import/", "/konto/anvandare/"]


def menu(user, path="/", entries=None):
    request = RequestFactory().get(path)
    request.user = user
    return items_for(request, entries)


def shape(items):
    """A link as its address, a group as (key, [addresses])."""
    return [(item["key"], [link["url"] for link in item["links"]]) if "links" in item else item["url"]
            for item in items]


def current(items):
    """The active entries (a group by its key) and the links marked as the current page."""
    entries = [item["key"] if "links" in item else item["url"] for item in items if item["active"]]
    return entries, [link["url"] for link in links_in(items) if link["active"]]


def test_a_visitor_who_is_not_signed_in_sees_the_offer_only():
    assert shape(menu(AnonymousUser())) == ["/utbud/"]


def test_a_participant_keeps_a_flat_menu(region):
    assert shape(menu(region.deltagare)) == ["/", "/utbud/", "/anmalan/mina-sidor/", "/konto/"]


def test_a_coordinator_sees_groups_instead_of_a_long_row(region):
    assert shape(menu(region.samordnare)) == [
        "/", "/utbud/", "/anmalan/godkannanden/", "/narvaro/", "/utbud/hantera/",
        ("follow-up", FOLLOW_UP),
        ("communication", ["/nyhetsbrev/", "/utskick/"]),
        ("registers", REGISTERS),
        "/konto/",
    ]


def test_the_groups_have_their_swedish_and_english_names(region):
    with translation.override("sv"):
        assert [str(item["label"]) for item in menu(region.samordnare) if "links" in item] == [
            "Uppföljning", "Kommunikation", "Register"]
    with translation.override("en"):
        assert [str(item["label"]) for item in menu(region.samordnare) if "links" in item] == [
            "Follow-up", "Communication", "Registers"]


def test_permissions_filter_the_links_inside_a_group(region):
    """A CKA follows up and keeps the register of their own staff, but manages no users and sends nothing."""
    assert shape(menu(region.cka_taby)) == [
        "/", "/utbud/", "/utbud/hantera/", ("follow-up", FOLLOW_UP),
        ("registers", ["/organisationer/", "/personer/", "/import/"]), "/konto/",
    ]
    assert shape(menu(region.chef_solgarden)) == [
        "/", "/utbud/", "/anmalan/godkannanden/", ("registers", ["/organisationer/", "/personer/"]), "/konto/",
    ]


def test_a_group_with_one_visible_link_is_that_link(region):
    """A trainer's only follow-up link is the surveys; the steering group's only register the organisations."""
    assert shape(menu(region.utbildare)) == ["/", "/utbud/", "/narvaro/", "/enkater/", "/konto/"]
    assert shape(menu(region.styrgrupp_taby)) == ["/", "/utbud/", ("follow-up", FOLLOW_UP), "/organisationer/", "/konto/"]


def test_a_group_with_no_visible_link_disappears(region):
    entries = [
        NavLink("Start", "core:home"),
        NavGroup("Admin", "admin", (NavLink("Users", "accounts:user_list", (Action.MANAGE_USERS,)),
                                    NavLink("Messages", "notifications:outbox", (Action.MANAGE_NOTIFICATIONS,)))),
        NavGroup("Mine", "mine", (NavLink("Pages", "registrations:mine", needs_person=True),
                                  NavLink("Users", "accounts:user_list", (Action.MANAGE_USERS,)))),
    ]
    assert shape(menu(region.cka_taby, entries=entries)) == ["/"]
    assert shape(menu(region.deltagare, entries=entries)) == ["/", "/anmalan/mina-sidor/"]
    assert shape(menu(region.samordnare, entries=entries)) == [
        "/", ("admin", ["/konto/anvandare/", "/utskick/"]), "/konto/anvandare/"]  # no person: one link left


def test_the_group_holding_the_current_page_is_marked(region):
    assert current(menu(region.samordnare, "/personer/12/")) == (["registers"], ["/personer/"])
    assert current(menu(region.samordnare, "/rapporter/")) == (["follow-up"], ["/rapporter/"])
    assert current(menu(region.samordnare, "/")) == (["/"], ["/"])
    assert current(menu(region.samordnare, "/okand-sida/")) == ([], [])


def test_only_the_closest_link_is_current(region):
    """/utbud/hantera/ is under /utbud/ and /konto/anvandare/ under /konto/: the longer address wins."""
    assert current(menu(region.samordnare, "/utbud/hantera/kurs/3/")) == (["/utbud/hantera/"], ["/utbud/hantera/"])
    assert current(menu(region.samordnare, "/utbud/kurs/3/")) == (["/utbud/"], ["/utbud/"])
    assert current(menu(region.samordnare, "/konto/anvandare/")) == (["registers"], ["/konto/anvandare/"])
    assert current(menu(region.samordnare, "/konto/")) == (["/konto/"], ["/konto/"])


def test_the_menu_costs_one_query_for_the_users_rights(region, django_assert_num_queries):
    user = make_user(region.consortium, Role.SAMORDNARE)
    with django_assert_num_queries(1):
        menu(user)


def test_the_page_renders_groups_as_disclosures_and_marks_the_current_one(client, region):
    client.force_login(region.samordnare)
    html = client.get("/personer/").content.decode()
    nav = html[html.index('<nav class="main-nav"'):html.index("</nav>")]
    assert nav.count("<details") == 3 and nav.count("<summary") == 3
    assert '<details class="nav-group nav-group--current" data-nav-group>' in nav
    assert '<summary aria-current="true">Register</summary>' in nav
    assert '<a href="/personer/" aria-current="page">Personer</a>' in nav
    assert nav.count("aria-current") == 2
    assert "larnav/nav.js" in html


def test_a_participants_page_has_no_disclosure(client, region):
    client.force_login(region.deltagare)
    html = client.get("/").content.decode()
    nav = html[html.index('<nav class="main-nav"'):html.index("</nav>")]
    assert "<details" not in nav
    assert '<a href="/" aria-current="page">Start</a>' in nav
