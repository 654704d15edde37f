"""Reads for the start pages."""

from django.db.models import Count, Q

from larnav.accounts.models import Role
from larnav.accounts.permissions import Action, access_for, scope_organisations, scope_persons
from larnav.organisations.models import Organisation
from larnav.people.models import Person


def start_page_figures(user, consortium) -> dict:
    """Counts for the signed-in user's start page, each within the user's scope."""
    access = access_for(user)
    figures = {}
    if access.can(Action.VIEW_ORGANISATIONS):
        orgs = scope_organisations(user, Organisation.objects.filter(consortium=consortium))
        figures.update(orgs.aggregate(
            municipalities=Count("pk", filter=Q(type=Organisation.Type.KOMMUN)),
            districts=Count("pk", filter=Q(type=Organisation.Type.STADSDEL)),
            workplaces=Count("pk", filter=Q(type=Organisation.Type.ENHET)),
            private_workplaces=Count(
                "pk", filter=Q(type=Organisation.Type.ENHET, driftform=Organisation.Driftform.ENSKILD)
            ),
        ))
    if access.can(Action.VIEW_PERSONS):
        figures["persons"] = scope_persons(user, Person.objects.filter(consortium=consortium)).count()
    return figures


def role_summaries(user) -> list[dict]:
    """The user's roles with their scope, for the start page heading."""
    access = access_for(user)
    summaries = []
    for role, organisation in access.scopes:
        summaries.append({"role": Role(role).label, "code": role, "scope": organisation})
    summaries.sort(key=lambda s: list(Role.values).index(s["code"]))
    return summaries


def pending_survey_count(user) -> int:
    """How many open surveys wait for this user's answers."""
    from larnav.surveys.selectors import pending_for

    return pending_for(user).count()


def pending_approval_count(user) -> int:
    """How many registrations wait for this manager's decision (0 for others)."""
    if not access_for(user).can(Action.APPROVE_REGISTRATIONS):
        return 0
    from larnav.registrations.selectors import pending_approvals

    return pending_approvals(user).count()
