"""The one permission layer.

Every view, export and API endpoint asks here. Two questions are answered:

* ``can(user, action, organisation=None)`` – may this user do ``action``,
  for this organisation (or anywhere, when no organisation is given)?
* ``scope_*(user, queryset, action)`` – narrow a queryset to the rows the user
  may see for ``action``.

A user's rights come from their active role assignments. Each role grants a
set of actions; each assignment carries a scope: the whole consortium, or an
organisation and everything below it in the tree. Rights never cross
consortia. Superusers are platform operators and see everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Q, QuerySet


class Action(StrEnum):
    # Organisation tree and people (personal data).
    VIEW_ORGANISATIONS = "view_organisations"
    MANAGE_ORGANISATIONS = "manage_organisations"
    VIEW_PERSONS = "view_persons"
    MANAGE_PERSONS = "manage_persons"
    EXPORT_PERSONS = "export_persons"
    IMPORT_ORGANISATIONS = "import_organisations"
    IMPORT_PERSONS = "import_persons"
    REGISTER_OTHERS = "register_others"
    APPROVE_REGISTRATIONS = "approve_registrations"
    # Aggregated figures (no personal data).
    VIEW_STATISTICS = "view_statistics"
    VIEW_DETAILED_STATISTICS = "view_detailed_statistics"
    # Consortium administration.
    MANAGE_USERS = "manage_users"
    MANAGE_CATALOG = "manage_catalog"
    MANAGE_LOCAL_CATALOG = "manage_local_catalog"
    TEACH = "teach"
    # Surveys: build templates, distribute rounds, see every result and export responses.
    MANAGE_SURVEYS = "manage_surveys"
    # Aggregated survey results for the respondents within the user's scope (never who answered).
    VIEW_SURVEY_RESULTS = "view_survey_results"
    # Newsletters: compose and send to a segment, subscribers, blocked addresses, the delivery log.
    MANAGE_NEWSLETTERS = "manage_newsletters"
    # The outbox, failed jobs and message templates (personal data of everyone mailed).
    MANAGE_NOTIFICATIONS = "manage_notifications"
    # The annual plan (verksamhetsplan): goals, indicators, targets and values entered by hand.
    MANAGE_PLANS = "manage_plans"
    # Reports: every report built in the consortium, and reports for internal use without small-cell masking.
    MANAGE_REPORTS = "manage_reports"
    # Needs inventory (behovsinventering).
    MANAGE_NEEDS = "manage_needs"  # open campaigns, see every answer, reopen, link needs to the offer
    SUBMIT_NEEDS = "submit_needs"  # answer for one's own municipality or district
    VIEW_NEEDS_SUMMARY = "view_needs_summary"  # the aggregated view and its exports


from .models import Role, RoleAssignment  # noqa: E402

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.SAMORDNARE: frozenset(Action),
    Role.STYRGRUPP: frozenset({Action.VIEW_ORGANISATIONS, Action.VIEW_STATISTICS, Action.VIEW_DETAILED_STATISTICS,
                               Action.VIEW_SURVEY_RESULTS, Action.VIEW_NEEDS_SUMMARY}),
    Role.KONTAKTPERSON: frozenset(
        {Action.VIEW_ORGANISATIONS, Action.VIEW_STATISTICS, Action.VIEW_DETAILED_STATISTICS,
         Action.VIEW_SURVEY_RESULTS, Action.VIEW_NEEDS_SUMMARY}
    ),
    Role.CKA: frozenset({
        Action.VIEW_ORGANISATIONS, Action.VIEW_PERSONS, Action.MANAGE_PERSONS, Action.EXPORT_PERSONS,
        Action.IMPORT_PERSONS, Action.REGISTER_OTHERS, Action.VIEW_STATISTICS,
        Action.VIEW_DETAILED_STATISTICS, Action.MANAGE_LOCAL_CATALOG, Action.VIEW_SURVEY_RESULTS,
        Action.SUBMIT_NEEDS,
    }),
    Role.CHEF: frozenset({
        Action.VIEW_ORGANISATIONS, Action.VIEW_PERSONS, Action.EXPORT_PERSONS, Action.REGISTER_OTHERS,
        Action.APPROVE_REGISTRATIONS,
    }),
    Role.KOMPETENSOMBUD: frozenset({Action.VIEW_ORGANISATIONS, Action.VIEW_PERSONS, Action.REGISTER_OTHERS}),
    Role.UTBILDARE: frozenset({Action.TEACH}),
    Role.DELTAGARE: frozenset(),
}

# Actions that are about the consortium as a whole even when a role is scoped:
# a CKA sees aggregated statistics for everyone, personal data only for their own.
# The needs summary is aggregated over every member, whoever on the steering group asks.
CONSORTIUM_WIDE_FOR_ANY_SCOPE = frozenset({Action.VIEW_STATISTICS, Action.VIEW_NEEDS_SUMMARY})


@dataclass
class Grant:
    consortium_wide: bool = False
    paths: set[str] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not self.consortium_wide and not self.paths


class Access:
    """A user's effective rights, computed once (one query) and cached on the user."""

    def __init__(self, user, assignments=None):
        """``assignments``: the user's active role assignments (objects with ``role``,
        ``consortium_id`` and ``organisation``), when already read; else one query reads them."""
        self.user = user
        self.is_superuser = bool(getattr(user, "is_superuser", False) and user.is_active)
        self.consortium_id = getattr(user, "consortium_id", None)
        self.roles: set[str] = set()
        self._grants: dict[Action, Grant] = {}
        self.scopes: list[tuple[str, object]] = []
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return
        if assignments is None:
            assignments = (
                RoleAssignment.objects.filter(RoleAssignment.active_q(), user=user)
                .select_related("organisation")
                .only("role", "consortium_id", "organisation__path", "organisation__name", "organisation__type")
            )
        for assignment in assignments:
            if self.consortium_id and assignment.consortium_id != self.consortium_id:
                continue
            self.roles.add(assignment.role)
            self.scopes.append((assignment.role, assignment.organisation))
            for action in ROLE_ACTIONS.get(assignment.role, ()):
                grant = self._grants.setdefault(action, Grant())
                if assignment.organisation is None or action in CONSORTIUM_WIDE_FOR_ANY_SCOPE:
                    grant.consortium_wide = True
                else:
                    grant.paths.add(assignment.organisation.path)

    def grant(self, action: Action) -> Grant:
        if self.is_superuser:
            return Grant(consortium_wide=True)
        return self._grants.get(action, Grant())

    def has_role(self, *roles: str) -> bool:
        return (self.is_superuser and Role.SAMORDNARE in roles) or bool(self.roles.intersection(roles))

    def can(self, action: Action, organisation=None) -> bool:
        grant = self.grant(action)
        if grant.empty:
            return False
        if organisation is None:
            return True
        if not self.is_superuser and organisation.consortium_id != self.consortium_id:
            return False
        return grant.consortium_wide or any(organisation.path.startswith(p) for p in grant.paths)

    def organisation_q(self, action: Action, prefix: str = "") -> Q | None:
        """A Q matching organisations (via ``prefix``) inside the grant; None means nothing."""
        grant = self.grant(action)
        if grant.empty:
            return None
        if self.is_superuser:
            return Q()
        q = Q(**{f"{prefix}consortium_id": self.consortium_id})
        if grant.consortium_wide:
            return q
        paths = Q()
        for path in sorted(grant.paths):
            paths |= Q(**{f"{prefix}path__startswith": path})
        return q & paths


def same_consortium(user, consortium_id) -> bool:
    """Is ``user`` (signed in) a member of the consortium ``consortium_id`` (or a platform operator)?"""
    access = access_for(user)
    return access.is_superuser or (access.consortium_id is not None and access.consortium_id == consortium_id)


def remember_access(user, assignments) -> Access:
    """Compute ``user``'s rights from their active role ``assignments``, read with the user
    (larnav.accounts.queries), and keep them on the user as ``access_for`` does."""
    access = user._larnav_access = Access(user, assignments)
    return access


def access_for(user) -> Access:
    cached = getattr(user, "_larnav_access", None)
    if cached is None:
        cached = Access(user)
        try:
            user._larnav_access = cached
        except AttributeError:  # AnonymousUser tolerates attributes, but be safe
            pass
    return cached


def can(user, action: Action, organisation=None) -> bool:
    return access_for(user).can(action, organisation)


def scope_organisations(user, qs: QuerySet, action: Action = Action.VIEW_ORGANISATIONS) -> QuerySet:
    q = access_for(user).organisation_q(action)
    return qs.none() if q is None else qs.filter(q)


def scope_by_workplace(
    user, qs: QuerySet, action: Action, workplace_field: str = "workplace", consortium_field: str = "consortium"
) -> QuerySet:
    """Scope a queryset whose rows point at a workplace through ``workplace_field``.

    A consortium-wide grant includes rows without a workplace; a scoped grant
    never does (they belong to no one's organisation).
    """
    access = access_for(user)
    q = access.organisation_q(action, prefix=f"{workplace_field}__")
    if q is None:
        return qs.none()
    if access.is_superuser:
        return qs
    if access.grant(action).consortium_wide:
        return qs.filter(**{f"{consortium_field}_id": access.consortium_id})
    return qs.filter(q)


def scope_persons(user, qs: QuerySet, action: Action = Action.VIEW_PERSONS) -> QuerySet:
    """Persons whose workplace lies in the user's scope for ``action``."""
    return scope_by_workplace(user, qs, action)
