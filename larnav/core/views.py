from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from larnav.accounts.permissions import Action, access_for
from larnav.needs import selectors as needs_selectors

from . import selectors


def home(request):
    if not request.user.is_authenticated:
        return render(request, "core/home_anonymous.html")
    access = access_for(request.user)
    context = {
        "figures": selectors.start_page_figures(request.user, request.consortium),
        "role_summaries": selectors.role_summaries(request.user),
        "can_manage_users": access.can(Action.MANAGE_USERS),
        "can_import": access.can(Action.IMPORT_PERSONS) or access.can(Action.IMPORT_ORGANISATIONS),
        "can_view_persons": access.can(Action.VIEW_PERSONS),
        "can_view_organisations": access.can(Action.VIEW_ORGANISATIONS),
        "person": request.user.person,
        "can_approve": access.can(Action.APPROVE_REGISTRATIONS),
        "can_teach": access.can(Action.TEACH) or access.can(Action.MANAGE_CATALOG),
        "can_manage_catalog": access.can(Action.MANAGE_CATALOG) or access.can(Action.MANAGE_LOCAL_CATALOG),
        "pending_approvals": selectors.pending_approval_count(request.user),
        "pending_surveys": selectors.pending_survey_count(request.user),
        "can_survey": access.can(Action.MANAGE_SURVEYS) or access.can(Action.VIEW_SURVEY_RESULTS),
        "open_needs": needs_selectors.open_submissions_for(request.user, request.consortium),
    }
    return render(request, "core/home.html", context)


def accessibility(request):
    return render(request, "core/accessibility.html")


def privacy(request):
    return render(request, "core/privacy.html")


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse({"status": "error", "database": "unavailable", "detail": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "engine": connection.vendor})
