"""Reads for the reports' pages. A job and its files are seen by its requester and the coordinators only."""

from __future__ import annotations

from django.utils import timezone

from larnav.accounts.permissions import Action, can, scope_organisations
from larnav.organisations.models import Organisation

from .models import ReportJob
from .services import REPORT_ORGANISATION_TYPES

LIST_FIELDS = ("pdf", "xlsx")


def sees_all_reports(user) -> bool:
    return can(user, Action.MANAGE_REPORTS)


def jobs_for(user, consortium):
    """The jobs ``user`` may see: their own; every job of the consortium for the coordinators."""
    jobs = (ReportJob.objects.filter(consortium=consortium).defer(*LIST_FIELDS)
            .select_related("requested_by", "organisation"))
    if not sees_all_reports(user):
        jobs = jobs.filter(requested_by=user)
    return jobs.order_by("-created_at", "-pk")


def job_for(user, consortium, pk, *, with_files: bool = False) -> ReportJob | None:
    jobs = jobs_for(user, consortium)
    if with_files:
        jobs = jobs.defer(None)
    return jobs.filter(pk=pk).first()


def report_organisations(user, consortium):
    """Municipalities and city districts ``user`` may have a report for, in Swedish order."""
    qs = Organisation.objects.filter(consortium=consortium, type__in=REPORT_ORGANISATION_TYPES, is_active=True)
    return scope_organisations(user, qs, Action.VIEW_DETAILED_STATISTICS).order_by("name")


def year_choices(today=None) -> list[int]:
    today = today or timezone.localdate()
    return list(range(today.year, today.year - 6, -1))
