from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from larnav.accounts.permissions import Action, can, scope_persons
from larnav.core.listing import paginate, sort_queryset
from larnav.core.permissions import require
from larnav.people.models import Person

from . import selectors
from .forms import OrganisationFilterForm, OrganisationForm
from .models import Organisation
from .services import save_organisation

SORTS = {"name": ("name",), "type": ("type", "name"), "municipality": ("municipality__name", "name")}


@require(Action.VIEW_ORGANISATIONS)
def organisation_list(request):
    form = OrganisationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.organisations_for(request.user, request.consortium)
    qs = selectors.search_organisations(qs, query=filters.get("q", ""), type=filters.get("type", ""))
    if filters.get("driftform"):
        qs = qs.filter(driftform=filters["driftform"])
    qs, sort = sort_queryset(qs, request.GET.get("sort", ""), SORTS, "name")
    return render(request, "organisations/list.html", {
        "form": form, "page": paginate(request, qs), "sort": sort,
        "can_manage": can(request.user, Action.MANAGE_ORGANISATIONS),
    })


@require(Action.VIEW_ORGANISATIONS)
def organisation_detail(request, pk):
    org = get_object_or_404(selectors.organisations_for(request.user, request.consortium), pk=pk)
    children = (
        selectors.organisations_for(request.user, request.consortium)
        .filter(parent=org)
        .annotate(staff_count=Count("staff"))
        .order_by("name")
    )
    staff_count = None
    if can(request.user, Action.VIEW_PERSONS, org):
        staff_count = scope_persons(request.user, Person.objects.filter(workplace__path__startswith=org.path)).count()
    return render(request, "organisations/detail.html", {
        "org": org, "children": children, "staff_count": staff_count,
        "can_manage": can(request.user, Action.MANAGE_ORGANISATIONS, org),
        "ancestors": Organisation.objects.filter(pk__in=org.ancestors_path_ids()[:-1]).order_by("path"),
    })


@require(Action.MANAGE_ORGANISATIONS)
def organisation_edit(request, pk=None):
    org = None
    if pk is not None:
        org = get_object_or_404(
            selectors.organisations_for(request.user, request.consortium, action=Action.MANAGE_ORGANISATIONS), pk=pk
        )
    form = OrganisationForm(request.POST or None, instance=org, consortium=request.consortium)
    if request.method == "POST" and form.is_valid():
        org = save_organisation(form.instance)
        messages.success(request, _("The organisation is saved."))
        return redirect("organisations:detail", pk=org.pk)
    return render(request, "organisations/edit.html", {"form": form, "org": org})
