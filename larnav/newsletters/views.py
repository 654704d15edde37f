from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from larnav.accounts.permissions import Action
from larnav.core.exports import export_response
from larnav.core.listing import paginate, sort_queryset
from larnav.core.permissions import require

from . import mail, selectors, services
from .errors import NewsletterError
from .forms import BlockForm, NewsletterForm, ScheduleForm, SubscribeForm, SubscriptionForm, TestSendForm
from .models import Delivery, Newsletter, Subscription, Suppression

LIST_SORTS = {"subject": ("subject",), "status": ("status",), "send_at": ("send_at",),
              "created": ("created_at",), "recipients": ("recipient_count",)}
LOG_SORTS = {"email": ("email",), "status": ("status",), "sent": ("sent_at",), "source": ("source",)}
SUBSCRIBER_SORTS = {"email": ("email",), "status": ("status",), "created": ("created_at",),
                    "confirmed": ("confirmed_at",)}


def _newsletter(request, pk) -> Newsletter:
    return get_object_or_404(
        selectors.newsletters_for(request.consortium).select_related("consortium"), pk=pk)


def _confirm_page(request, *, title, question, button, obj, back, danger=False, error=None, status=200):
    return render(request, "core/confirm.html", {
        "title": title, "question": question, "button": button, "object": obj, "back": back,
        "danger": danger, "error": error,
    }, status=status)


# --- Newsletters (coordinators) --------------------------------------------------------------------

@require(Action.MANAGE_NEWSLETTERS)
def newsletter_list(request):
    query = " ".join(request.GET.get("q", "").split())[:200]
    status = request.GET.get("status", "")
    qs = selectors.newsletters_for(request.consortium)
    if query:
        qs = qs.filter(subject__icontains=query)
    if status in Newsletter.Status.values:
        qs = qs.filter(status=status)
    qs, sort = sort_queryset(qs, request.GET.get("sort", ""), LIST_SORTS, "-created")
    return render(request, "newsletters/list.html", {
        "page": paginate(request, qs), "sort": sort, "q": query, "status": status,
        "statuses": Newsletter.Status.choices,
    })


@require(Action.MANAGE_NEWSLETTERS)
def newsletter_edit(request, pk=None):
    newsletter = _newsletter(request, pk) if pk else Newsletter(consortium=request.consortium,
                                                                   include_subscribers=True)
    if pk and not newsletter.is_editable:
        messages.error(request, _("Only a draft can be changed. Make a copy to send the text again."))
        return redirect("newsletters:detail", pk=newsletter.pk)
    form = NewsletterForm(request.POST or None, instance=newsletter, consortium=request.consortium)
    if request.method == "POST" and form.is_valid():
        draft = form.save(commit=False)
        try:
            services.save_draft(draft, occupations=form.cleaned_data["occupations"],
                                organisations=form.cleaned_data["organisations"],
                                focus_areas=form.cleaned_data["focus_areas"], user=request.user)
        except NewsletterError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("newsletters:detail", pk=draft.pk)
    return render(request, "newsletters/form.html", {"form": form, "newsletter": newsletter if pk else None})


def _segment_summary(newsletter: Newsletter) -> dict:
    return {
        "occupations": list(newsletter.occupations.all()),
        "organisations": list(newsletter.organisations.select_related("municipality")),
        "focus_areas": list(newsletter.focus_areas.all()),
        "roles": newsletter.role_labels,
    }


def _count(newsletter: Newsletter):
    count = selectors.count_segment(selectors.Segment.of(newsletter))
    labels = dict(Delivery.Source.choices)
    return count, [(labels[source], n) for source, n in count.by_source.items()]


@require(Action.MANAGE_NEWSLETTERS)
def newsletter_detail(request, pk):
    newsletter = _newsletter(request, pk)
    language = request.GET.get("sprak") if request.GET.get("sprak") in ("sv", "en") else newsletter.language
    prepared = mail.prepare(newsletter)
    context = {
        "newsletter": newsletter, "segment": _segment_summary(newsletter), "preview_language": language,
        "preview": mail.preview(newsletter, language, prepared=prepared),
        "content_html": prepared.content_html,
        "test_form": TestSendForm(initial={"addresses": request.user.email, "language": language}),
    }
    if newsletter.recipients_at is None and newsletter.status in (Newsletter.Status.DRAFT,
                                                                  Newsletter.Status.SCHEDULED):
        context["count"], context["by_source"] = _count(newsletter)
    else:
        context["counts"] = selectors.delivery_counts(newsletter)
    return render(request, "newsletters/detail.html", context)


@require(Action.MANAGE_NEWSLETTERS)
def newsletter_preview(request, pk):
    """The HTML part exactly as a recipient gets it (links inactive), for a new tab."""
    newsletter = _newsletter(request, pk)
    language = request.GET.get("sprak") if request.GET.get("sprak") in ("sv", "en") else newsletter.language
    source = request.GET.get("som") if request.GET.get("som") in Delivery.Source.values else Delivery.Source.STAFF
    return HttpResponse(mail.preview(newsletter, language, source).html, content_type="text/html; charset=utf-8")


@require(Action.MANAGE_NEWSLETTERS)
@require_POST
def newsletter_test(request, pk):
    newsletter = _newsletter(request, pk)
    form = TestSendForm(request.POST)
    if form.is_valid():
        services.send_test(newsletter, form.cleaned_data["addresses"], form.cleaned_data["language"])
        messages.success(request, _("A test copy is on its way to %(addresses)s.")
                         % {"addresses": ", ".join(form.cleaned_data["addresses"])})
    else:
        for error in form.errors.get("addresses", []) + form.errors.get("language", []):
            messages.error(request, error)
    return redirect("newsletters:detail", pk=newsletter.pk)


@require(Action.MANAGE_NEWSLETTERS)
def newsletter_schedule(request, pk):
    newsletter = _newsletter(request, pk)
    if not newsletter.is_editable:
        messages.error(request, _("The newsletter is already scheduled or sent."))
        return redirect("newsletters:detail", pk=newsletter.pk)
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.schedule(newsletter.pk, request.user, form.cleaned_data["send_at"])
        except NewsletterError as exc:
            form.add_error(None, exc.message)
        else:
            if form.cleaned_data["send_at"]:
                messages.success(request, _("The newsletter is scheduled. You can take it back until it is sent."))
            else:
                messages.success(request, _("The newsletter is being sent. Follow it in the log."))
            return redirect("newsletters:detail", pk=newsletter.pk)
    count, by_source = _count(newsletter)
    return render(request, "newsletters/schedule.html", {
        "newsletter": newsletter, "form": form, "count": count, "by_source": by_source,
        "segment": _segment_summary(newsletter),
    })


@require(Action.MANAGE_NEWSLETTERS)
def newsletter_unschedule(request, pk):
    newsletter = _newsletter(request, pk)
    back = reverse("newsletters:detail", args=[newsletter.pk])
    if request.method == "POST":
        try:
            services.unschedule(newsletter.pk)
        except NewsletterError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The newsletter is a draft again; nothing was sent."))
        return redirect(back)
    error = None if newsletter.status == Newsletter.Status.SCHEDULED else _(
        "The newsletter is not scheduled (any more): sending may already have started.")
    return _confirm_page(request, title=_("Take back the newsletter"), obj=newsletter, back=back, error=error,
                         question=_("The newsletter will not be sent at the scheduled time and becomes a draft "
                                    "again."),
                         button=_("Take it back"))


@require(Action.MANAGE_NEWSLETTERS)
def newsletter_stop(request, pk):
    newsletter = _newsletter(request, pk)
    back = reverse("newsletters:detail", args=[newsletter.pk])
    if request.method == "POST":
        try:
            spared = services.stop(newsletter.pk)
        except NewsletterError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Sending is stopped. %(count)s recipients will not get it.")
                             % {"count": spared})
        return redirect(back)
    error = None if newsletter.status in (Newsletter.Status.SCHEDULED, Newsletter.Status.SENDING) else _(
        "The newsletter is neither scheduled nor being sent, so there is nothing to stop.")
    return _confirm_page(request, title=_("Stop sending"), obj=newsletter, back=back, error=error, danger=True,
                         question=_("Nobody who has not got the newsletter yet will get it, apart from the few "
                                    "messages being handed to the mail server at this very moment. Those who "
                                    "already got it keep it. This cannot be undone."),
                         button=_("Stop sending"))


@require(Action.MANAGE_NEWSLETTERS)
def newsletter_delete(request, pk):
    newsletter = _newsletter(request, pk)
    if request.method == "POST":
        try:
            services.delete_draft(newsletter.pk)
        except NewsletterError as exc:
            messages.error(request, exc.message)
            return redirect("newsletters:detail", pk=newsletter.pk)
        messages.success(request, _("The draft is deleted."))
        return redirect("newsletters:list")
    error = None if newsletter.is_editable else _("Only a draft can be deleted; a sent newsletter stays in the log.")
    return _confirm_page(request, title=_("Delete the draft"), obj=newsletter, danger=True, error=error,
                         back=reverse("newsletters:detail", args=[newsletter.pk]),
                         question=_("The draft and its text are deleted for good."), button=_("Delete"))


@require(Action.MANAGE_NEWSLETTERS)
@require_POST
def newsletter_copy(request, pk):
    newsletter = _newsletter(request, pk)
    copy = services.copy_newsletter(newsletter, request.user)
    messages.success(request, _("A copy is saved as a new draft."))
    return redirect("newsletters:edit", pk=copy.pk)


@require(Action.MANAGE_NEWSLETTERS)
def newsletter_log(request, pk):
    newsletter = _newsletter(request, pk)
    query = " ".join(request.GET.get("q", "").split())[:200]
    status = request.GET.get("status", "")
    qs = selectors.deliveries(newsletter, query=query, status=status)
    qs, sort = sort_queryset(qs, request.GET.get("sort", ""), LOG_SORTS, "email")
    return render(request, "newsletters/log.html", {
        "newsletter": newsletter, "page": paginate(request, qs), "sort": sort, "q": query, "status": status,
        "statuses": Delivery.Status.choices, "counts": selectors.delivery_counts(newsletter),
    })


@require(Action.MANAGE_NEWSLETTERS)
def newsletter_log_export(request, pk, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    newsletter = _newsletter(request, pk)
    qs = selectors.deliveries(newsletter, query=request.GET.get("q", ""), status=request.GET.get("status", ""))
    filename = f"utskick-{newsletter.pk}-{timezone.localdate():%Y-%m-%d}"
    return export_response(fmt, filename, selectors.DELIVERY_EXPORT_HEADERS, selectors.delivery_export_rows(qs),
                           title="Utskick")


# --- Subscribers and blocked addresses (coordinators) ----------------------------------------------

@require(Action.MANAGE_NEWSLETTERS)
def subscriber_list(request):
    query = " ".join(request.GET.get("q", "").split())[:200]
    status = request.GET.get("status", "")
    qs = selectors.subscriptions(request.consortium, query=query, status=status).prefetch_related("focus_areas")
    qs, sort = sort_queryset(qs, request.GET.get("sort", ""), SUBSCRIBER_SORTS, "email")
    totals = dict(Subscription.objects.filter(consortium=request.consortium).values_list("status")
                  .annotate(n=Count("pk")).order_by())
    return render(request, "newsletters/subscribers.html", {
        "page": paginate(request, qs), "sort": sort, "q": query, "status": status,
        "statuses": Subscription.Status.choices,
        "totals": [(label, totals.get(value, 0)) for value, label in Subscription.Status.choices],
    })


@require(Action.MANAGE_NEWSLETTERS)
def subscriber_export(request, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    qs = selectors.subscriptions(request.consortium, query=request.GET.get("q", ""),
                                 status=request.GET.get("status", ""))
    filename = f"prenumeranter-{timezone.localdate():%Y-%m-%d}"
    return export_response(fmt, filename, selectors.SUBSCRIPTION_EXPORT_HEADERS,
                           selectors.subscription_export_rows(qs), title="Prenumeranter")


@require(Action.MANAGE_NEWSLETTERS)
def blocked_list(request):
    query = " ".join(request.GET.get("q", "").split())[:200]
    form = BlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.block_address(request.consortium, form.cleaned_data["email"], note=form.cleaned_data["note"],
                                   user=request.user)
        except NewsletterError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(request, _("The address is blocked: it will not get any newsletter."))
            return redirect("newsletters:blocked")
    qs = selectors.suppressions(request.consortium, query=query)
    return render(request, "newsletters/blocked.html", {"page": paginate(request, qs), "q": query, "form": form})


@require(Action.MANAGE_NEWSLETTERS)
def blocked_remove(request, pk):
    suppression = get_object_or_404(Suppression.objects.filter(consortium=request.consortium), pk=pk)
    back = reverse("newsletters:blocked")
    if request.method == "POST":
        services.unblock(suppression)
        messages.success(request, _("The address is no longer blocked."))
        return redirect(back)
    question = _("The address can get newsletters again when it is among the recipients.")
    if suppression.reason == Suppression.Reason.UNSUBSCRIBED:
        question = _("The owner of this address unsubscribed. Unblock it only if they asked you to; "
                     "otherwise it is against their wish, and the law.")
    return _confirm_page(request, title=_("Unblock the address"), obj=suppression.email, back=back, danger=True,
                         question=question, button=_("Unblock"))


# --- Public: subscribing and unsubscribing ---------------------------------------------------------

def subscribe(request):
    consortium = request.consortium
    if not consortium:  # a lazy object: no consortium at all on this installation yet
        raise Http404
    language = getattr(request, "LANGUAGE_CODE", "sv")
    form = SubscribeForm(request.POST or None, consortium=consortium, initial={"language": language})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.subscribe(consortium, email=data["email"], name=data["name"], language=data["language"],
                           municipality=data["municipality"], focus_areas=data.get("focus_areas") or [])
        # The same answer whether or not the address was known: the form tells nobody who subscribes.
        return render(request, "newsletters/public/subscribe_sent.html", {"email": data["email"]})
    return render(request, "newsletters/public/subscribe.html", {"form": form})


def confirm(request, token):
    try:
        subscription = services.subscription_for_token(token)
    except NewsletterError as exc:
        return render(request, "newsletters/public/link_error.html", {"error": exc.message}, status=404)
    if request.method == "POST":
        try:
            subscription = services.confirm_subscription(token)
        except NewsletterError as exc:
            return render(request, "newsletters/public/link_error.html", {"error": exc.message}, status=410)
        return render(request, "newsletters/public/confirmed.html", {"subscription": subscription})
    return render(request, "newsletters/public/confirm.html", {"subscription": subscription})


def subscription(request, token):
    try:
        subscription = services.subscription_for_token(token)
    except NewsletterError as exc:
        return render(request, "newsletters/public/link_error.html", {"error": exc.message}, status=404)
    if subscription.status != Subscription.Status.CONFIRMED:
        return render(request, "newsletters/public/subscription.html", {"subscription": subscription})
    form = SubscriptionForm(request.POST or None, instance=subscription)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.update_subscription(token, name=data["name"], language=data["language"],
                                     municipality=data["municipality"], focus_areas=data["focus_areas"])
        messages.success(request, _("Your subscription is changed."))
        return redirect("newsletters:subscription", token=token)
    return render(request, "newsletters/public/subscription.html", {"subscription": subscription, "form": form})


@require_POST
def subscription_unsubscribe(request, token):
    try:
        subscription = services.unsubscribe_by_subscription(token)
    except NewsletterError as exc:
        return render(request, "newsletters/public/link_error.html", {"error": exc.message}, status=404)
    return render(request, "newsletters/public/unsubscribed.html", {"consortium": subscription.consortium})


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no cookie and no token of ours
def unsubscribe(request, token):
    try:
        delivery = services.delivery_for_token(token)
    except NewsletterError as exc:
        return render(request, "newsletters/public/link_error.html", {"error": exc.message}, status=404)
    if request.method == "POST":
        services.unsubscribe_by_delivery(token)
        return render(request, "newsletters/public/unsubscribed.html", {"consortium": delivery.consortium})
    blocked = selectors.is_blocked(delivery.consortium_id, delivery.email)
    return render(request, "newsletters/public/unsubscribe.html", {
        "consortium": delivery.consortium, "already": blocked,
    })
