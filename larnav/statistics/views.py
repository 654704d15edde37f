from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from larnav.accounts.permissions import Action
from larnav.core.permissions import require

from . import exports, selectors
from .charts import dashboard
from .forms import DashboardForm
from .queries import Cut


def _selection(request):
    """The form and the dashboard of the request's selection; the board is None while the form has errors.

    PermissionDenied (403) for an organisation the viewer may not open in detail.
    """
    organisations = selectors.detail_organisations(request.user, request.consortium)
    form = DashboardForm(request.GET, consortium=request.consortium, organisations=organisations)
    board = None
    if not form.is_bound or form.is_valid():
        period, cut, organisation = form.selection()
        scope = selectors.statistics_scope(request.user, request.consortium, organisation)
        if cut == Cut.WORKPLACE and not scope.can_drill_down:
            form.add_error("cut", _("Choose your municipality or city district to see its workplaces."))
        else:
            board = dashboard(scope, period, cut)
    return form, board


def _page(request, form, board, *, status=200):
    query = request.GET.copy()
    query.pop("organisation", None)
    query.pop("cut", None)
    return render(request, "statistics/dashboard.html", {
        "form": form, "board": board, "drill_query": query.urlencode(), "export_query": request.GET.urlencode(),
    }, status=status)


@require(Action.VIEW_STATISTICS)
def dashboard_view(request):
    form, board = _selection(request)
    return _page(request, form, board)


@require(Action.VIEW_STATISTICS)
def dashboard_export(request, fmt):
    """The dashboard's selection as XLSX or CSV; a bad selection shows the page with its errors (400)."""
    if fmt not in exports.FORMATS:
        raise Http404
    form, board = _selection(request)
    if board is None:
        return _page(request, form, board, status=400)
    return exports.response(board, fmt, request.consortium.name)
