"""The coordinators' pages: outbox, one message, failed jobs, message templates."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from larnav.accounts.permissions import Action, access_for
from larnav.core.listing import paginate, sort_queryset
from larnav.core.permissions import require

from . import kinds, rendering, selectors, services, templating
from .forms import SettingsForm, TemplateForm
from .models import MessageStatus

LANGUAGES = {"sv": "Svenska", "en": "English"}


def _mail_is_kept_only() -> bool:
    return settings.EMAIL_BACKEND.endswith("OutboxOnlyBackend") or not settings.EMAIL_BACKEND.endswith(
        "smtp.EmailBackend")


@require(Action.MANAGE_NOTIFICATIONS)
def outbox(request):
    filters = {key: request.GET.get(key, "").strip() for key in ("q", "status", "kind", "since", "until")}
    qs = selectors.outbox(request.user, request.consortium, query=filters["q"], status=filters["status"],
                          kind=filters["kind"], since=filters["since"], until=filters["until"])
    qs, sort = sort_queryset(qs, request.GET.get("sort", ""), selectors.OUTBOX_SORTS, "-created")
    page = paginate(request, qs)
    counts = selectors.status_counts(request.user, request.consortium)
    return render(request, "notifications/outbox.html", {
        "page": page, "filters": filters, "sort": sort, "statuses": MessageStatus.choices,
        "kinds": kinds.all_kinds(), "waiting": counts.get("queued", 0) + counts.get("sending", 0),
        "failed_count": counts.get("failed", 0),
        "kept_only": _mail_is_kept_only(), "filtered": any(filters.values()),
    })


@require(Action.MANAGE_NOTIFICATIONS)
def message_detail(request, pk):
    message = get_object_or_404(selectors.scope_messages(request.user, request.consortium), pk=pk)
    kind = kinds.get(message.kind) if kinds.is_registered(message.kind) else None
    return render(request, "notifications/message.html", {
        "message": message, "kind": kind, "retryable": message.status in (MessageStatus.FAILED,
                                                                          MessageStatus.SKIPPED),
        "kept_only": _mail_is_kept_only(),
    })


@require(Action.MANAGE_NOTIFICATIONS)
@require_POST
def retry_message(request, pk):
    message = get_object_or_404(selectors.scope_messages(request.user, request.consortium), pk=pk)
    if services.retry_message(message):
        messages.success(request, _("The message is queued again and is sent within a minute."))
    else:
        messages.info(request, _("Only a message that failed or was not sent can be sent again."))
    return redirect(request.POST.get("next") if request.POST.get("next") == reverse("notifications:failed")
                    else reverse("notifications:message", args=[message.pk]))


@require(Action.MANAGE_NOTIFICATIONS)
def failed(request):
    return render(request, "notifications/failed.html", {
        "messages_page": paginate(request, selectors.failed_messages(request.user, request.consortium)),
        "jobs": selectors.failed_jobs(request.user)[:100],
        "show_traceback": access_for(request.user).is_superuser,
    })


@require(Action.MANAGE_NOTIFICATIONS)
@require_POST
def retry_job(request, pk):
    failure = get_object_or_404(selectors.failed_jobs(request.user), pk=pk)
    if services.retry_job(failure, request.user):
        messages.success(request, _("The job is queued again."))
    return redirect("notifications:failed")


@require(Action.MANAGE_NOTIFICATIONS)
def templates(request):
    current = services.settings_for(request.consortium)
    if request.method == "POST":
        form = SettingsForm(request.POST, instance=current)
        if form.is_valid():
            services.save_settings(request.consortium, **form.cleaned_data)
            messages.success(request, _("The settings are saved."))
            return redirect("notifications:templates")
    else:
        form = SettingsForm(instance=current)
    return render(request, "notifications/templates.html", {
        "rows": selectors.template_overview(request.consortium), "form": form, "languages": LANGUAGES,
    })


def _kind_or_404(key):
    if not kinds.is_registered(key) or not kinds.get(key).editable:
        raise Http404
    return kinds.get(key)


@require(Action.MANAGE_NOTIFICATIONS)
def template_edit(request, message_kind, language):
    kind = _kind_or_404(message_kind)
    if language not in LANGUAGES:
        raise Http404
    subject, body, custom = rendering.template_for(kind, request.consortium.pk, language)
    query = request.GET.get("q", "").strip()
    candidates = list(selectors.preview_registrations(request.user, request.consortium, query)) \
        if kind.preview_source == "registration" else []
    chosen = None
    if kind.preview_source == "registration":
        chosen = selectors.preview_registration(request.user, request.consortium,
                                                request.POST.get("registration") or request.GET.get("registration"))
        if chosen is None and candidates:
            chosen = candidates[0]

    if request.method == "POST":
        form = TemplateForm(request.POST, kind=kind)
        if form.is_valid() and request.POST.get("action") == "save":
            services.save_template(request.consortium, kind.key, language, subject=form.cleaned_data["subject"],
                                   body=form.cleaned_data["body"], user=request.user)
            messages.success(request, _("The message is saved. New messages use it from now on."))
            return redirect("notifications:templates")
    else:
        form = TemplateForm(initial={"subject": subject, "body": body}, kind=kind)

    preview = None
    if form.is_bound:
        draft_subject, draft_body = form.data.get("subject", ""), form.data.get("body", "")
    else:
        draft_subject, draft_body = subject, body
    try:
        preview = templating.render(draft_subject, draft_body,
                                    rendering.preview_values(kind, language, chosen, request.user),
                                    allowed=kind.names, language=language)
    except templating.TemplateError:
        preview = None
    return render(request, "notifications/template_edit.html", {
        "kind": kind, "language": language, "language_name": LANGUAGES[language], "form": form,
        "custom": custom, "preview": preview, "candidates": candidates, "chosen": chosen, "query": query,
    })


@require(Action.MANAGE_NOTIFICATIONS)
def template_reset(request, message_kind, language):
    kind = _kind_or_404(message_kind)
    if language not in LANGUAGES:
        raise Http404
    if request.method == "POST":
        if services.reset_template(request.consortium, kind.key, language):
            messages.success(request, _("The built-in text is used again."))
        return redirect("notifications:templates")
    return render(request, "notifications/template_reset.html", {
        "kind": kind, "language": language, "language_name": LANGUAGES[language],
    })

