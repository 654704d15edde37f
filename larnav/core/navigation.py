"""The main navigation, filtered by what the visitor may do.

The menu is a list of entries; an entry is a link or a group of links under a label (rendered as a
disclosure menu). Permissions are per link. A group nobody may use disappears, and a group in which
the visitor may use one link only is shown as that plain link, so a small role never gets a menu
holding a single item. :func:`items_for` returns the finished structure; the template only renders it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from larnav.accounts.permissions import Action, access_for


@dataclass(frozen=True)
class NavLink:
    label: str | Promise
    url_name: str
    actions: tuple[Action, ...] = ()  # any of these grants the link; () = everyone the menu is shown to
    public: bool = False  # shown to visitors who are not signed in too
    needs_person: bool = False  # only for users linked to a person (they have bookings of their own)


@dataclass(frozen=True)
class NavGroup:
    label: str | Promise
    key: str  # stable, language-independent name (an id in the page, a handle for tests)
    links: tuple[NavLink, ...]


NAV_ITEMS: list[NavLink | NavGroup] = [
    NavLink(_("Start"), "core:home"),
    NavLink(_("Catalog"), "catalog:list", public=True),
    NavLink(_("My pages"), "registrations:mine", needs_person=True),
    NavLink(_("Approvals"), "registrations:approvals", (Action.APPROVE_REGISTRATIONS,)),
    NavLink(_("Attendance"), "attendance:my_sessions", (Action.TEACH, Action.MANAGE_CATALOG)),
    NavLink(_("Manage the offer"), "catalog:manage", (Action.MANAGE_CATALOG, Action.MANAGE_LOCAL_CATALOG)),
    NavGroup(_("Follow-up"), "follow-up", (
        NavLink(_("Statistics"), "statistics:dashboard", (Action.VIEW_STATISTICS,)),
        NavLink(_("Annual plan"), "plans:list", (Action.VIEW_STATISTICS,)),
        NavLink(_("Reports"), "reports:index", (Action.VIEW_STATISTICS,)),
        NavLink(_("Surveys"), "surveys:home", (Action.MANAGE_SURVEYS, Action.VIEW_SURVEY_RESULTS, Action.TEACH)),
        NavLink(_("Needs inventory"), "needs:index",
                (Action.SUBMIT_NEEDS, Action.MANAGE_NEEDS, Action.VIEW_NEEDS_SUMMARY)),
    )),
    NavGroup(_("Communication"), "communication", (
        NavLink(_("Newsletters"), "newsletters:list", (Action.MANAGE_NEWSLETTERS,)),
        NavLink(_("Messages"), "notifications:outbox", (Action.MANAGE_NOTIFICATIONS,)),
    )),
    NavGroup(_("Registers"), "registers", (
        NavLink(_("Organisations"), "organisations:list", (Action.VIEW_ORGANISATIONS,)),
        NavLink(_("Persons"), "people:list", (Action.VIEW_PERSONS,)),
        NavLink(_("Import"), "imports:start", (Action.IMPORT_PERSONS, Action.IMPORT_ORGANISATIONS)),
        NavLink(_("Users and roles"), "accounts:user_list", (Action.MANAGE_USERS,)),
    )),
    NavLink(_("My account"), "accounts:profile"),
]


def items_for(request, entries: Iterable[NavLink | NavGroup] | None = None) -> list[dict]:
    """The menu for this request.

    Each entry is ``{"label", "url", "active"}`` for a link, or
    ``{"label", "key", "links": [link, ...], "active"}`` for a group of two or more links.
    One link at most is active: the one whose address is the longest prefix of the current path
    (so "Manage the offer" is current under /utbud/hantera/, not "Catalog" as well); its group is active too.
    """
    user = request.user
    signed_in = user.is_authenticated
    access = access_for(user) if signed_in else None

    def visible(link: NavLink) -> bool:
        if not signed_in:
            return link.public
        if link.actions and not any(access.can(a) for a in link.actions):
            return False
        return not link.needs_person or bool(user.person_id)

    def entry(link: NavLink) -> dict:
        return {"label": link.label, "url": reverse(link.url_name), "active": False}

    items: list[dict] = []
    for item in NAV_ITEMS if entries is None else entries:
        if isinstance(item, NavGroup):
            links = [entry(link) for link in item.links if visible(link)]
            if len(links) > 1:
                items.append({"label": item.label, "key": item.key, "links": links, "active": False})
            else:
                items.extend(links)  # nothing to show, or one link: no menu around it
        elif visible(item):
            items.append(entry(item))
    _mark_current(items, request.path)
    return items


def links_in(items: list[dict]) -> Iterator[dict]:
    """Every link of a menu built by :func:`items_for`, those inside groups included, in menu order."""
    for item in items:
        yield from item.get("links", [item])


def _mark_current(items: list[dict], path: str) -> None:
    def matches(url: str) -> bool:
        return path == url if url == "/" else path.startswith(url)

    best = None
    for item in items:
        for link in item.get("links", [item]):
            if matches(link["url"]) and (best is None or len(link["url"]) > len(best[1]["url"])):
                best = (item, link)
    if best is not None:
        group, link = best
        link["active"] = True
        group["active"] = True
