"""The API's reads. Every query is limited to one consortium, and personal
data additionally goes through the permission layer.

Searches use ``icontains``: it folds å, ä and ö on PostgreSQL (UPPER under a
UTF-8 locale) and on SQLite (larnav.core.db replaces LIKE with a Unicode one).
"""

from datetime import datetime

from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Collate
from django.utils import timezone

from larnav.accounts.permissions import Action, scope_persons
from larnav.catalog.models import Activity, FocusArea, Occasion, Session
from larnav.catalog.selectors import CatalogFilters, filter_activities
from larnav.organisations.models import Organisation
from larnav.people.models import Occupation, Person

from .schemas import PUBLIC_ACTIVITY_STATUSES, STOCKHOLM


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


# --- Catalogue (public: drafts never appear) ---------------------------------------

def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value, STOCKHOLM) if timezone.is_naive(value) else value


def _title_order():
    # sort_title is a key for byte-wise comparison (Swedish order); PostgreSQL's collation is not byte-wise.
    return Collate("sort_title", "C") if connection.vendor == "postgresql" else F("sort_title")


def activities(consortium_id, filters) -> QuerySet:
    qs = Activity.objects.filter(consortium_id=consortium_id, status=filters.status)
    qs = filter_activities(qs, CatalogFilters(q=filters.search or "", type=filters.type or "",
                                              level=filters.level or ""))
    if filters.focus_area:
        qs = qs.filter(focus_areas__id=filters.focus_area)
    if filters.occupation:
        qs = qs.filter(target_occupations__code=filters.occupation)
    return (
        qs.select_related("provider_municipality")
        .prefetch_related(
            Prefetch("focus_areas", queryset=FocusArea.objects.order_by("sort_order", "name").only("pk", "name")),
            Prefetch("target_occupations", queryset=Occupation.objects.order_by("sort_order", "code").only("code")),
        )
        .order_by(_title_order(), "pk")
    )


def _public_sessions(consortium_id) -> QuerySet:
    return (
        Session.objects.filter(consortium_id=consortium_id, activity__status__in=PUBLIC_ACTIVITY_STATUSES)
        # The title through the join the filter needs anyway: no Activity rows (with their long texts) loaded.
        .annotate(activity_title=F("activity__title"))
        .prefetch_related(Prefetch("occasions", queryset=Occasion.objects.order_by("start", "pk")))
    )


def sessions(consortium_id, filters) -> QuerySet:
    qs = _public_sessions(consortium_id)
    if filters.activity:
        qs = qs.filter(activity_id=filters.activity)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.starts_after:
        qs = qs.filter(first_start__gte=_aware(filters.starts_after))
    if filters.starts_before:
        qs = qs.filter(first_start__lt=_aware(filters.starts_before))
    if filters.has_free_seats is not None:
        # The same expression as the catalogue's index (capacity - confirmed_count).
        qs = qs.alias(free_seat_count=F("capacity") - F("confirmed_count"))
        qs = qs.filter(free_seat_count__gt=0) if filters.has_free_seats else qs.filter(free_seat_count__lte=0)
    return qs.order_by(F("first_start").asc(nulls_last=True), "pk")


def session(consortium_id, pk) -> Session | None:
    return _public_sessions(consortium_id).prefetch_related("quotas").filter(pk=pk).first()


def session_for_staff(consortium_id, pk) -> Session | None:
    """A session of the consortium whatever its activity's status (staff lists include drafts)."""
    return Session.objects.filter(consortium_id=consortium_id, pk=pk).first()
