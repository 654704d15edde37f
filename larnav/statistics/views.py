from django.shortcuts import render
from django.utils.translation import gettext as _

from larnav.accounts.permissions import Action
from larnav.core.permissions import require

from . import selectors
from .charts import dashboard
from .forms import DashboardForm
from .queries import Cut


@require(Action.VIEW_STATISTICS)
def dashboard_view(request):
    organisations = selectors.detail_organisations(request.user, request.consortium)
    form = DashboardForm(request.GET, consortium=request.consortium, organisations=organisations)
    board = None
    if not form.is_bound or form.is_valid():
        period, cut, organisation = form.selection()
        # PermissionDenied (403) for an organisation the viewer may not open in detail.
        scope = selectors.statistics_scope(request.user, request.consortium, organisation)
        if cut == Cut.WORKPLACE and not scope.can_drill_down:
            form.add_error("cut", _("Choose your municipality or city district to see its workplaces."))
        else:
            board = dashboard(scope, period, cut)
    query = request.GET.copy()
    query.pop("organisation", None)
    query.pop("cut", None)
    return render(request, "statistics/dashboard.html", {
        "form": form, "board": board, "drill_query": query.urlencode(),
    })
