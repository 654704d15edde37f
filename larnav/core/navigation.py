"""The main navigation, filtered by what the visitor may do."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from larnav.accounts.permissions import Action, access_for


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    actions: tuple[Action, ...] = ()  # any of these grants the item; () = everyone the item is shown to
    public: bool = False  # shown to visitors who are not signed in too
    needs_person: bool = False  # only for users linked to a person (they have bookings of their own)


NAV_ITEMS: list[NavItem] = [
    NavItem(_("Start"), "core:home"),
    NavItem(_("Catalog"), "catalog:list", public=True),
    NavItem(_("My pages"), "registrations:mine", needs_person=True),
    NavItem(_("Approvals"), "registrations:approvals", (Action.APPROVE_REGISTRATIONS,)),
    NavItem(_("Attendance"), "attendance:my_sessions", (Action.TEACH, Action.MANAGE_CATALOG)),
    NavItem(_("Manage the offer"), "catalog:manage", (Action.MANAGE_CATALOG, Action.MANAGE_LOCAL_CATALOG)),
    NavItem(_("Surveys"), "surveys:home", (Action.MANAGE_SURVEYS, Action.VIEW_SURVEY_RESULTS, Action.TEACH)),
    NavItem(_("Annual plan"), "plans:list", (Action.VIEW_STATISTICS,)),
    NavItem(_("Reports"), "reports:index", (Action.VIEW_STATISTICS,)),
    NavItem(_("Needs inventory"), "needs:index",
            (Action.SUBMIT_NEEDS, Action.MANAGE_NEEDS, Action.VIEW_NEEDS_SUMMARY)),
    NavItem(_("Newsletters"), "newsletters:list", (Action.MANAGE_NEWSLETTERS,)),
    NavItem(_("Organisations"), "organisations:list", (Action.VIEW_ORGANISATIONS,)),
    NavItem(_("Persons"), "people:list", (Action.VIEW_PERSONS,)),
    NavItem(_("Import"), "imports:start", (Action.IMPORT_PERSONS, Action.IMPORT_ORGANISATIONS)),
    NavItem(_("Users and roles"), "accounts:user_list", (Action.MANAGE_USERS,)),
    NavItem(_("Messages"), "notifications:outbox", (Action.MANAGE_NOTIFICATIONS,)),
    NavItem(_("My account"), "accounts:profile"),
]


def items_for(request) -> list[dict]:
    user = request.user
    signed_in = user.is_authenticated
    access = access_for(user) if signed_in else None
    current = request.path
    items = []
    for item in NAV_ITEMS:
        if not signed_in and not item.public:
            continue
        if item.actions and not any(access.can(a) for a in item.actions):
            continue
        if item.needs_person and not (signed_in and user.person_id):
            continue
        url = reverse(item.url_name)
        active = current == url if url == "/" else current.startswith(url)
        items.append({"label": item.label, "url": url, "active": active})
    return items
