"""The main navigation, filtered by what the signed-in user may do."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from larnav.accounts.permissions import Action, access_for


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    actions: tuple[Action, ...] = ()  # any of these grants the item; () = every signed-in user
    staff_only: bool = False


NAV_ITEMS: list[NavItem] = [
    NavItem(_("Start"), "core:home"),
    NavItem(_("Organisations"), "organisations:list", (Action.VIEW_ORGANISATIONS,)),
    NavItem(_("Persons"), "people:list", (Action.VIEW_PERSONS,)),
    NavItem(_("Import"), "imports:start", (Action.IMPORT_PERSONS, Action.IMPORT_ORGANISATIONS)),
    NavItem(_("Users and roles"), "accounts:user_list", (Action.MANAGE_USERS,)),
    NavItem(_("My account"), "accounts:profile"),
]


def items_for(request) -> list[dict]:
    user = request.user
    if not user.is_authenticated:
        return []
    access = access_for(user)
    current = request.path
    items = []
    for item in NAV_ITEMS:
        if item.actions and not any(access.can(a) for a in item.actions):
            continue
        url = reverse(item.url_name)
        active = current == url if url == "/" else current.startswith(url)
        items.append({"label": item.label, "url": url, "active": active})
    return items
