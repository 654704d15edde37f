"""Reads of the organisation tree for views, pickers and exports."""

from django.db.models import Q, QuerySet

from larnav.accounts.permissions import Action, scope_organisations

from .models import Consortium, Membership, Organisation


def organisations_for(user, consortium: Consortium, *, action=Action.VIEW_ORGANISATIONS) -> QuerySet:
    qs = Organisation.objects.filter(consortium=consortium).select_related("parent", "municipality")
    return scope_organisations(user, qs, action)


def search_organisations(qs: QuerySet, *, query: str = "", type: str = "") -> QuerySet:
    if type in Organisation.Type.values:
        qs = qs.filter(type=type)
    for word in query.split():
        qs = qs.filter(
            Q(name__icontains=word) | Q(scb_code=word) | Q(provider_name__icontains=word) | Q(external_id=word)
        )
    return qs


def member_municipalities(consortium: Consortium, on_date) -> QuerySet:
    """Municipalities that are members of ``consortium`` on ``on_date``."""
    member_ids = Membership.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on_date), consortium=consortium, valid_from__lte=on_date
    ).values("organisation_id")
    return Organisation.objects.filter(pk__in=member_ids)
