from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from larnav.accounts.permissions import Action
from larnav.core.exports import export_response
from larnav.core.listing import paginate
from larnav.core.permissions import require

from . import columns, selectors, services
from .errors import ImportFileError
from .forms import ConfirmForm, UploadForm
from .models import ImportBatch
from .readers import max_bytes
from .uploads import SizeLimitUploadHandler, request_too_large

IMPORT_ACTIONS = (Action.IMPORT_PERSONS, Action.IMPORT_ORGANISATIONS)
ERRORS_PER_PAGE = 50
CHANGES_PER_PAGE = 25


def _kinds(user) -> list[str]:
    return [kind for kind in ImportBatch.Kind.values if services.may_import(user, kind)]


def _render_start(request, form, status=200):
    return render(request, "imports/start.html", {
        "form": form,
        "kinds": [
            {"kind": kind, "label": ImportBatch.Kind(kind).label, "columns": columns.COLUMNS[kind]}
            for kind in _kinds(request.user)
        ],
        "recent": selectors.own_batches(request.user, request.consortium)[:5],
    }, status=status)


@csrf_exempt  # the CSRF check runs in _upload, after the size guards are in place
@require(*IMPORT_ACTIONS)
def start(request):
    """The upload page. A POST is checked for size before its body is read."""
    if request.method == "POST":
        if request_too_large(request, max_bytes()):
            form = UploadForm(kinds=_kinds(request.user))
            form.refuse_file(ImportFileError("too_large", max=max_bytes()).message)
            return _render_start(request, form)
        handler = SizeLimitUploadHandler(max_bytes(), request)
        request.upload_handlers.insert(0, handler)
        return _upload(request, handler)
    return _render_start(request, UploadForm(kinds=_kinds(request.user)))


@csrf_protect
def _upload(request, handler):
    form = UploadForm(request.POST, request.FILES, kinds=_kinds(request.user))
    if handler.exceeded:
        form.refuse_file(ImportFileError("too_large", max=max_bytes()).message)
        return _render_start(request, form)
    if form.is_valid():
        try:
            batch = services.create_batch(
                user=request.user, consortium=request.consortium,
                kind=form.cleaned_data["kind"], uploaded=form.cleaned_data["file"],
            )
        except ImportFileError as exc:
            form.refuse_file(exc.message)
        else:
            return redirect("imports:batch", batch_id=batch.pk)
    return _render_start(request, form)


def _batch_page(request, batch, confirm_form=None):
    errors = selectors.error_rows(batch)
    preview = batch.preview
    changes_page = Paginator(preview.get("changes", []), CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "imports/batch.html", {
        "batch": batch,
        "counts": batch.counts,
        "errors_page": Paginator(errors, ERRORS_PER_PAGE).get_page(request.GET.get("fel")),
        "errors_total": preview.get("errors_total", 0),
        "changes_page": changes_page,
        "changes": selectors.change_rows(batch, list(changes_page.object_list)),
        "changes_total": preview.get("changes_total", 0),
        "is_owner": batch.uploaded_by_id == request.user.pk,
        "confirm_form": confirm_form or ConfirmForm(batch=batch),
    })


@require(*IMPORT_ACTIONS)
def batch_detail(request, batch_id):
    """Preview (before confirmation) or result (after) of one upload."""
    return _batch_page(request, selectors.batch_for(request.user, request.consortium, batch_id))


@require_POST
@require(*IMPORT_ACTIONS)
def batch_apply(request, batch_id):
    batch = selectors.batch_for(request.user, request.consortium, batch_id)
    if batch.uploaded_by_id != request.user.pk:
        raise Http404
    if batch.status != ImportBatch.Status.PREVIEWED:
        messages.info(request, _("This import has already been completed or discarded."))
        return redirect("imports:batch", batch_id=batch.pk)
    form = ConfirmForm(request.POST, batch=batch)
    if not form.is_valid():
        return _batch_page(request, batch, confirm_form=form)
    outcome = services.apply_batch(batch, request.user, only_valid=form.only_valid)
    if outcome.applied:
        messages.success(request, _("The import is done."))
    elif outcome.reason == "has_errors":
        messages.error(request, _(
            "The data in Lärnav changed since the preview and some rows are no longer valid. Nothing was "
            "imported. Check the preview again."
        ))
    elif outcome.reason == "nothing_valid":
        messages.error(request, _("No row can be imported. Nothing was imported."))
    elif outcome.reason == "conflict":
        messages.error(request, _(
            "Someone changed the same data at the same time. Nothing was imported. Please try again."
        ))
    else:
        messages.info(request, _("This import has already been completed or discarded."))
    return redirect("imports:batch", batch_id=batch.pk)


@require_POST
@require(*IMPORT_ACTIONS)
def batch_discard(request, batch_id):
    batch = selectors.batch_for(request.user, request.consortium, batch_id)
    if batch.uploaded_by_id != request.user.pk:
        raise Http404
    if services.discard_batch(batch, request.user):
        messages.success(request, _("The import was discarded. Nothing was imported."))
        return redirect("imports:start")
    messages.info(request, _("This import has already been completed or discarded."))
    return redirect("imports:batch", batch_id=batch.pk)


@require(*IMPORT_ACTIONS)
def history(request):
    return render(request, "imports/history.html", {
        "page": paginate(request, selectors.own_batches(request.user, request.consortium)),
    })


@require(*IMPORT_ACTIONS)
def download_template(request, kind, fmt):
    """An empty file with the column headings, to fill in or to compare an HR export with."""
    if kind not in ImportBatch.Kind.values or fmt not in ("csv", "xlsx"):
        raise Http404
    if not services.may_import(request.user, kind):
        raise Http404
    filename = {"persons": "import-personer", "organisations": "import-organisationer"}[kind]
    title = {"persons": "Personer", "organisations": "Organisationer"}[kind]
    return export_response(fmt, filename, columns.headers(kind), [], title=title)
