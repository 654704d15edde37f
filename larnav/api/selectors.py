"""The API's reads. Every query is limited to one consortium, and personal
data additionally goes through the permission layer.

Searches use ``icontains``: it folds å, ä and ö on PostgreSQL (UPPER under a
UTF-8 locale) and on SQLite (larnav.core.db replaces LIKE with a Unicode one).
"""

from django.db.models import Q, QuerySet, Subquery

from larnav.accounts.permissions import Action, scope_persons
from larnav.organisations.models import Organisation
from larnav.people.models import Person


def organisations(consortium_id, filters) -> QuerySet:
    """Active organisations of the consortium. Reference data: no personal data."""
    qs = Organisation.objects.filter(consortium_id=consortium_id, is_active=True)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.parent:
        qs = qs.filter(parent_id=filters.parent)
    if filters.municipality:
        qs = qs.filter(municipality_id=filters.municipality)
    for word in (filters.search or "").split():
        qs = qs.filter(Q(name__icontains=word) | Q(provider_name__icontains=word) | Q(scb_code=word))
    return qs.order_by("name", "pk")


def persons(user, consortium_id, filters) -> QuerySet:
    """Persons of the consortium whose workplace lies in the user's VIEW_PERSONS scope."""
    qs = scope_persons(user, Person.objects.filter(consortium_id=consortium_id), Action.VIEW_PERSONS)
    if filters.organisation:
        # A subquery rather than a lookup first: one query, and an unknown id simply matches nothing.
        path = Organisation.objects.filter(pk=filters.organisation, consortium_id=consortium_id).values("path")
        qs = qs.filter(workplace__path__startswith=Subquery(path[:1]))
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    for word in (filters.search or "").split():
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word))
    return qs.select_related("occupation").order_by("last_name", "first_name", "pk")
