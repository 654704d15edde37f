"""Reads of the needs inventory for pages, the aggregated view and exports.

Who sees what:

* the coordinator (``MANAGE_NEEDS``) sees every campaign and every answer;
* a CKA (``SUBMIT_NEEDS``, scoped) sees the answers of the municipality or
  district in their scope, and a colleague they invited sees that one answer;
* the steering group (``VIEW_NEEDS_SUMMARY``) sees the aggregated view.

Every figure of the aggregated view is computed in the database (GROUP BY).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from larnav.accounts.models import Role, RoleAssignment, User
from larnav.accounts.permissions import Action, access_for, can, same_consortium, scope_by_workplace
from larnav.catalog.models import Activity, FocusArea
from larnav.catalog.text import swedish_sort_key
from larnav.organisations.models import Organisation
from larnav.organisations.selectors import member_municipalities
from larnav.people.models import Occupation

from .models import Campaign, Contributor, Event, NeedAnswer, NeedItem, Submission

S = Submission.Status


# --- Who takes part ----------------------------------------------------------------

def participant_organisations(consortium, on_date) -> QuerySet:
    """The organisations that answer: every member kommun, except that a kommun with city
    district administrations answers through its districts (as Stockholm does)."""
    members = member_municipalities(consortium, on_date).filter(type=Organisation.Type.KOMMUN, is_active=True)
    districts = Organisation.objects.filter(type=Organisation.Type.STADSDEL, is_active=True, parent__in=members)
    return Organisation.objects.filter(
        Q(pk__in=members.exclude(pk__in=districts.values("parent_id"))) | Q(pk__in=districts.values("pk"))
    )


def municipal_contacts(organisation) -> QuerySet:
    """The active CKA users responsible for ``organisation`` (scoped to it or to its kommun)."""
    user_ids = RoleAssignment.objects.filter(
        RoleAssignment.active_q(), role=Role.CKA, organisation_id__in=organisation.ancestors_path_ids()
    ).values("user_id")
    return User.objects.filter(pk__in=user_ids, is_active=True).exclude(email="").order_by("last_name", "pk")


# --- Access ------------------------------------------------------------------------

@dataclass(frozen=True)
class SubmissionAccess:
    view: bool = False
    edit_items: bool = False  # add and change needs, when the campaign and the status allow it
    submit: bool = False  # submit, invite and remove colleagues: the municipality's CKA
    manage: bool = False  # the coordinator: reopen, link needs to the offer

    @property
    def is_contributor_only(self) -> bool:
        return self.edit_items and not self.submit


def submission_access(user, submission: Submission) -> SubmissionAccess:
    if not getattr(user, "is_authenticated", False) or not same_consortium(user, submission.consortium_id):
        return SubmissionAccess()
    access = access_for(user)
    manage = access.can(Action.MANAGE_NEEDS, submission.organisation)
    cka = access.can(Action.SUBMIT_NEEDS, submission.organisation)
    contributor = not cka and Contributor.objects.filter(submission=submission, user=user).exists()
    return SubmissionAccess(view=manage or cka or contributor, edit_items=cka or contributor, submit=cka,
                            manage=manage)


def can_manage(user) -> bool:
    return can(user, Action.MANAGE_NEEDS)


def can_view_summary(user) -> bool:
    return can(user, Action.VIEW_NEEDS_SUMMARY) or can(user, Action.MANAGE_NEEDS)


def submissions_for(user, consortium) -> QuerySet:
    """The submissions the user may open: all for the coordinator, their own municipality's
    for a CKA, the ones they were invited to for a colleague."""
    qs = Submission.objects.filter(consortium=consortium)
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if can(user, Action.MANAGE_NEEDS):
        return qs
    scoped = scope_by_workplace(user, qs, Action.SUBMIT_NEEDS, workplace_field="organisation")
    return qs.filter(Q(pk__in=scoped.values("pk")) | Q(pk__in=Contributor.objects.filter(user=user).values(
        "submission_id")))


def campaigns_for(user, consortium) -> QuerySet:
    qs = Campaign.objects.filter(consortium=consortium)
    if can_view_summary(user):
        return qs
    return qs.filter(pk__in=submissions_for(user, consortium).values("campaign_id"))


def open_submissions_for(user, consortium, today=None) -> list[Submission]:
    """For the start page: the user's own answers in campaigns that take answers today."""
    today = today or timezone.localdate()
    if consortium is None or not getattr(user, "is_authenticated", False):
        return []
    qs = submissions_for(user, consortium) if not can(user, Action.MANAGE_NEEDS) else Submission.objects.none()
    return list(
        qs.filter(campaign__status=Campaign.Status.OPEN, campaign__opens__lte=today, campaign__deadline__gte=today)
        .select_related("campaign", "organisation").order_by("campaign__deadline", "organisation__name")[:10]
    )


# --- One submission ----------------------------------------------------------------

def submission_items(submission: Submission) -> QuerySet:
    return (
        submission.items.select_related("theme", "created_by", "updated_by")
        .prefetch_related("target_occupations", Prefetch("answers", NeedAnswer.objects.select_related("activity")))
        .order_by("priority", "-estimated_staff", "pk")
    )


def submission_events(submission: Submission) -> QuerySet:
    return submission.events.select_related("actor").order_by("-at", "-pk")


def campaign_events(campaign: Campaign) -> QuerySet:
    return Event.objects.filter(campaign=campaign, submission__isnull=True).select_related("actor").order_by(
        "-at", "-pk")


def themes(consortium) -> QuerySet:
    return FocusArea.objects.filter(consortium=consortium, is_active=True)


# --- The campaign's status per municipality ------------------------------------------

STATUS_SORTS = {
    "organisation": ("organisation__name",),
    "status": ("status", "organisation__name"),
    "items": ("item_count", "organisation__name"),
    "staff": ("staff_total", "organisation__name"),
    "submitted": ("submitted_at", "organisation__name"),
}


def campaign_submissions(campaign: Campaign, *, status: str = "") -> QuerySet:
    qs = campaign.submissions.select_related("organisation", "organisation__municipality", "submitted_by").annotate(
        item_count=Count("items", distinct=True), staff_total=Sum("items__estimated_staff"))
    if status in S.values:
        qs = qs.filter(status=status)
    return qs


def status_counts(campaign: Campaign) -> dict:
    counts = {s: 0 for s in S.values}
    for row in campaign.submissions.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts[s] for s in S.values)
    return counts


# --- The aggregated view -------------------------------------------------------------

@dataclass
class SummaryFilters:
    include_drafts: bool = False
    theme: FocusArea | None = None
    priority: int | None = None
    funktion: str = ""
    level: str = ""
    organisation: Organisation | None = None
    answered: str = ""  # "", "yes", "no"
    query: str = ""


def summary_items(campaign: Campaign, f: SummaryFilters | None = None) -> QuerySet:
    """The needs the aggregated view counts: those of submitted answers (and drafts, if asked)."""
    f = f or SummaryFilters()
    statuses = [S.SUBMITTED, S.DRAFT] if f.include_drafts else [S.SUBMITTED]
    qs = NeedItem.objects.filter(submission__campaign=campaign, submission__status__in=statuses)
    if f.theme is not None:
        qs = qs.filter(theme=f.theme)
    if f.priority:
        qs = qs.filter(priority=f.priority)
    if f.funktion:
        qs = qs.filter(funktion=f.funktion)
    if f.level:
        qs = qs.filter(level=f.level)
    if f.organisation is not None:
        qs = qs.filter(submission__organisation=f.organisation)
    answered = NeedAnswer.objects.filter(need=OuterRef("pk"))
    if f.answered == "yes":
        qs = qs.filter(Exists(answered))
    elif f.answered == "no":
        qs = qs.filter(~Exists(answered))
    for word in f.query.split()[:8]:
        qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word))
    return qs


def _org_sort(org) -> str:
    return swedish_sort_key(org.name)


def totals(items: QuerySet) -> dict:
    result = items.order_by().aggregate(
        items=Count("pk"), staff=Sum("estimated_staff"),
        organisations=Count("submission__organisation", distinct=True),
    )
    result["unanswered"] = items.filter(~Exists(NeedAnswer.objects.filter(need=OuterRef("pk")))).count()
    result["staff"] = result["staff"] or 0
    return result


def by_theme(items: QuerySet) -> list[dict]:
    """Needs, staff and municipalities per theme, with how many no activity answers yet."""
    unanswered = ~Exists(NeedAnswer.objects.filter(need=OuterRef("pk")))
    rows = (items.order_by().values("theme_id").annotate(
        items=Count("pk"), staff=Sum("estimated_staff"),
        organisations=Count("submission__organisation", distinct=True),
        unanswered=Count("pk", filter=Q(unanswered)),
    ))
    rows = list(rows)
    names = FocusArea.objects.in_bulk([r["theme_id"] for r in rows])
    for row in rows:
        row["theme"] = names[row["theme_id"]]
    rows.sort(key=lambda r: (-r["staff"], r["theme"].sort_order, swedish_sort_key(r["theme"].name)))
    return rows


def theme_by_organisation(items: QuerySet) -> dict:
    """The theme × municipality table: estimated staff (and number of needs) per cell."""
    cells = list(items.order_by().values("submission__organisation_id", "theme_id").annotate(
        items=Count("pk"), staff=Sum("estimated_staff")))
    theme_map = FocusArea.objects.in_bulk({c["theme_id"] for c in cells})
    org_map = Organisation.objects.in_bulk({c["submission__organisation_id"] for c in cells})
    theme_list = sorted(theme_map.values(), key=lambda t: (t.sort_order, swedish_sort_key(t.name)))
    orgs = sorted(org_map.values(), key=_org_sort)
    lookup = {(c["submission__organisation_id"], c["theme_id"]): c for c in cells}
    rows = []
    for org in orgs:
        row_cells = [lookup.get((org.pk, t.pk)) for t in theme_list]
        rows.append({
            "organisation": org,
            "cells": [{"staff": c["staff"], "items": c["items"]} if c else None for c in row_cells],
            "staff": sum(c["staff"] for c in row_cells if c),
            "items": sum(c["items"] for c in row_cells if c),
        })
    column_totals = []
    for i, _theme in enumerate(theme_list):
        column = [r["cells"][i] for r in rows if r["cells"][i]]
        column_totals.append({"staff": sum(c["staff"] for c in column), "items": sum(c["items"] for c in column)})
    return {"themes": theme_list, "rows": rows, "totals": column_totals,
            "staff": sum(r["staff"] for r in rows), "items": sum(r["items"] for r in rows)}


def by_occupation(items: QuerySet) -> list[dict]:
    """Needs and staff per target occupation; needs for every occupation form a row of their own.
    A need for several occupations counts once under each of them."""
    rows = list(items.order_by().values("target_occupations").annotate(
        items=Count("pk", distinct=True), staff=Sum("estimated_staff"),
        organisations=Count("submission__organisation", distinct=True),
    ))
    occupations = Occupation.objects.in_bulk([r["target_occupations"] for r in rows if r["target_occupations"]])
    for row in rows:
        row["occupation"] = occupations.get(row["target_occupations"])
    rows.sort(key=lambda r: (r["occupation"] is None, -r["staff"],
                             r["occupation"].sort_order if r["occupation"] else 0))
    return rows


def _by_choice(items: QuerySet, field: str, choices) -> list[dict]:
    labels = dict(choices)
    rows = list(items.order_by().values(field).annotate(items=Count("pk"), staff=Sum("estimated_staff"))
                .order_by(field))
    for row in rows:
        row["value"] = row[field]
        row["label"] = labels.get(row[field]) if row[field] not in ("", None) else None
    order = [value for value, _label in choices]
    rows.sort(key=lambda r: order.index(r["value"]) if r["value"] in order else len(order))
    return rows


def by_priority(items: QuerySet) -> list[dict]:
    return _by_choice(items, "priority", NeedItem.Priority.choices)


def by_level(items: QuerySet) -> list[dict]:
    return _by_choice(items, "level", Activity.Level.choices)


def by_funktion(items: QuerySet) -> list[dict]:
    return _by_choice(items, "funktion", Organisation.Funktion.choices)


# --- Needs list ("behov -> utbud") -----------------------------------------------------

NEED_SORTS = {
    "priority": ("priority", "-estimated_staff"),
    "staff": ("estimated_staff", "priority"),
    "organisation": ("submission__organisation__name", "priority"),
    "theme": ("theme__sort_order", "theme__name", "priority"),
    "title": ("title",),
}


def need_list(items: QuerySet) -> QuerySet:
    return items.select_related("theme", "submission__organisation", "submission__organisation__municipality") \
        .prefetch_related("target_occupations", Prefetch("answers", NeedAnswer.objects.select_related("activity")))


def linkable_activities(consortium, need: NeedItem, query: str = "") -> QuerySet:
    """Activities to link a need to: by search, or else those of the need's theme; archived ones never."""
    from larnav.catalog.selectors import managed_activities

    qs = managed_activities(consortium, query=query).exclude(status=Activity.Status.ARCHIVED)
    if not query.strip():
        qs = qs.filter(focus_areas=need.theme)
    return qs.exclude(pk__in=need.answers.values("activity_id")).order_by("sort_title", "pk")


# --- Exports ----------------------------------------------------------------------------

def _export_items(items: QuerySet) -> QuerySet:
    return need_list(items).select_related("submission").order_by(
        "submission__organisation__name", "priority", "-estimated_staff", "pk")


XLSX_NEED_HEADERS = ["Kommun/stadsdel", "Kommunkod", "Status", "Tema", "Behov", "Yrkesroller", "Funktion",
                     "Nivå", "Antal personal", "Prioritet", "Beskrivning", "Besvaras av"]


def xlsx_need_rows(items: QuerySet):
    for item in _export_items(items).iterator(chunk_size=500):
        org = item.submission.organisation
        yield [
            org.name, _scb(org), item.submission.get_status_display(), item.theme.name, item.title,
            ", ".join(o.name_sv for o in item.target_occupations.all()) or "Alla yrkesroller",
            item.get_funktion_display() or "Alla", item.get_level_display() or "", item.estimated_staff,
            item.priority, item.description, "; ".join(a.activity.title for a in item.answers.all()),
        ]


def _scb(org) -> str:
    """The SCB code of the kommun an organisation belongs to (Stockholm's for its districts)."""
    municipality = org.municipality if org.municipality_id and org.municipality_id != org.pk else org
    return municipality.scb_code


# Stable column names for the national level: never renamed, new columns only appended.
NATIONAL_COLUMNS = [
    "inventering", "ar", "kommunkod", "kommun", "organisation", "organisationstyp", "status", "inlamnad",
    "tema", "behov", "yrkesroll_koder", "yrkesroller", "funktion", "niva", "antal_personal", "prioritet",
    "beskrivning", "besvaras_av",
]


def national_rows(campaign: Campaign, items: QuerySet):
    for item in _export_items(items).select_related("submission__organisation__municipality").iterator(
            chunk_size=500):
        submission = item.submission
        org = submission.organisation
        municipality = org.municipality if org.municipality_id else org
        occupations = list(item.target_occupations.all())
        yield [
            campaign.title, campaign.year, _scb(org), municipality.name, org.name, org.type, submission.status,
            timezone.localtime(submission.submitted_at).date().isoformat() if submission.submitted_at else "",
            item.theme.name, item.title, "|".join(o.code for o in occupations),
            "|".join(o.name_sv for o in occupations), item.funktion, item.level, item.estimated_staff,
            item.priority, item.description, "|".join(a.activity.title for a in item.answers.all()),
        ]


STATUS_HEADERS = ["Kommun/stadsdel", "Kommunkod", "Status", "Inlämnad", "Antal behov", "Antal personal"]


def status_rows(campaign: Campaign):
    rows = sorted(campaign_submissions(campaign), key=lambda s: _org_sort(s.organisation))
    for s in rows:
        yield [
            s.organisation.name, _scb(s.organisation), s.get_status_display(),
            timezone.localtime(s.submitted_at).strftime("%Y-%m-%d %H:%M") if s.submitted_at else "",
            s.item_count, s.staff_total or 0,
        ]
