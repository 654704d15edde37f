from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from larnav.accounts.permissions import Action, can
from larnav.core.exports import export_response
from larnav.core.listing import paginate, sort_queryset
from larnav.core.permissions import require
from larnav.organisations.selectors import organisations_for

from . import selectors, services
from .forms import PersonFilterForm, PersonForm

SORTS = {
    "name": ("last_name", "first_name"),
    "email": ("email",),
    "workplace": ("workplace__name", "last_name"),
    "occupation": ("occupation__sort_order", "last_name"),
}


def _filtered(request):
    orgs = organisations_for(request.user, request.consortium, action=Action.VIEW_PERSONS)
    form = PersonFilterForm(request.GET or None, organisations=orgs)
    filters = form.cleaned_data if form.is_valid() else {}
    active = {"": True, "all": None, "inactive": False}.get(filters.get("active", ""), True)
    qs = selectors.filter_persons(
        selectors.persons_for(request.user, request.consortium),
        query=filters.get("q", ""), organisation=filters.get("organisation"),
        occupation=filters.get("occupation"), active=active,
    )
    qs, sort = sort_queryset(qs, request.GET.get("sort", ""), SORTS, "name")
    return form, qs, sort


@require(Action.VIEW_PERSONS)
def person_list(request):
    form, qs, sort = _filtered(request)
    return render(request, "people/list.html", {
        "form": form, "page": paginate(request, qs), "sort": sort,
        "can_export": can(request.user, Action.EXPORT_PERSONS),
        "can_manage": can(request.user, Action.MANAGE_PERSONS),
    })


@require(Action.EXPORT_PERSONS)
def person_export(request, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, qs, _sort = _filtered(request)
    qs = qs.filter(pk__in=selectors.persons_for(request.user, request.consortium, Action.EXPORT_PERSONS))
    filename = f"personer-{timezone.localdate():%Y-%m-%d}"
    return export_response(fmt, filename, selectors.EXPORT_HEADERS, selectors.export_rows(qs), title="Personer")


@require(Action.VIEW_PERSONS)
def person_detail(request, pk):
    person = get_object_or_404(selectors.persons_for(request.user, request.consortium), pk=pk)
    return render(request, "people/detail.html", {
        "person": person,
        "can_manage": selectors.persons_for(request.user, request.consortium, Action.MANAGE_PERSONS)
        .filter(pk=person.pk)
        .exists(),
    })


@require(Action.MANAGE_PERSONS)
def person_edit(request, pk=None):
    person = None
    if pk is not None:
        person = get_object_or_404(
            selectors.persons_for(request.user, request.consortium, Action.MANAGE_PERSONS), pk=pk
        )
    workplaces = organisations_for(request.user, request.consortium, action=Action.MANAGE_PERSONS)
    form = PersonForm(request.POST or None, instance=person, consortium=request.consortium, workplaces=workplaces)
    if request.method == "POST" and form.is_valid():
        person = services.save_person(form.instance)
        messages.success(request, _("The person is saved."))
        return redirect("people:detail", pk=person.pk)
    return render(request, "people/edit.html", {"form": form, "person": person})


@require(Action.MANAGE_PERSONS)
def person_set_active(request, pk):
    person = get_object_or_404(selectors.persons_for(request.user, request.consortium, Action.MANAGE_PERSONS), pk=pk)
    if request.method != "POST":
        return render(request, "people/confirm_active.html", {"person": person})
    services.set_active(person, not person.is_active)
    if person.is_active:
        messages.success(request, _("%(name)s is active again.") % {"name": person.full_name})
    else:
        messages.success(request, _("%(name)s is inactivated.") % {"name": person.full_name})
    return redirect("people:detail", pk=person.pk)

