from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from larnav.accounts.permissions import Action
from larnav.core.exports import XLSX_CONTENT_TYPE
from larnav.core.listing import paginate
from larnav.core.permissions import require

from . import selectors, services
from .forms import ReportRequestForm
from .models import ReportJob


def _apply_errors(exc: ValidationError, form) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for name, field_messages in errors.items():
        form.add_error(name if name in form.fields else None, field_messages)


def _job(request, pk, *, with_files=False) -> ReportJob:
    job = selectors.job_for(request.user, request.consortium, pk, with_files=with_files)
    if job is None:
        raise Http404
    return job


@require(Action.VIEW_STATISTICS)
def report_index(request):
    organisations = selectors.report_organisations(request.user, request.consortium)
    form = ReportRequestForm(request.POST or None, years=selectors.year_choices(), organisations=organisations,
                             may_unmask=selectors.sees_all_reports(request.user),
                             initial={"kind": ReportJob.Kind.TERTIAL})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.request_report(request.user, request.consortium, services.ReportRequest(
                kind=data["kind"], year=data["year"], tertial=data.get("tertial"),
                organisation=data.get("organisation"), masked=data["masked"]))
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            return redirect("reports:job", pk=job.pk)
    page = paginate(request, selectors.jobs_for(request.user, request.consortium))
    return render(request, "reports/index.html", {
        "form": form, "page": page, "sees_all": selectors.sees_all_reports(request.user),
    })


@require(Action.VIEW_STATISTICS)
def job_detail(request, pk):
    job = _job(request, pk)
    return render(request, "reports/job.html", {"job": job, "status_url": reverse("reports:status", args=[job.pk])})


@require(Action.VIEW_STATISTICS)
def job_status(request, pk):
    job = _job(request, pk)
    return JsonResponse({
        "status": job.status, "status_label": job.get_status_display(), "progress": job.progress,
        "step": job.step, "finished": job.is_finished,
    })


def _download(request, pk, *, field, content_type, extension):
    job = _job(request, pk, with_files=True)
    content = getattr(job, field)
    if job.status != ReportJob.Status.DONE or content is None:
        raise Http404
    response = HttpResponse(bytes(content), content_type=content_type)
    filename = f"{slugify(job.title) or 'rapport'}.{extension}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@require(Action.VIEW_STATISTICS)
def download_pdf(request, pk):
    return _download(request, pk, field="pdf", content_type="application/pdf", extension="pdf")


@require(Action.VIEW_STATISTICS)
def download_xlsx(request, pk):
    return _download(request, pk, field="xlsx", content_type=XLSX_CONTENT_TYPE, extension="xlsx")


@require(Action.VIEW_STATISTICS)
@require_POST
def job_retry(request, pk):
    job = _job(request, pk)
    try:
        services.retry_job(job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("reports:job", pk=job.pk)


@require(Action.VIEW_STATISTICS)
def job_delete(request, pk):
    job = _job(request, pk)
    if request.method == "POST":
        services.delete_job(job)
        messages.success(request, _("The report is deleted."))
        return redirect("reports:index")
    return render(request, "reports/confirm_delete.html", {"job": job})
