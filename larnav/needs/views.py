from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from larnav.accounts.permissions import Action
from larnav.catalog.text import swedish_sort_key
from larnav.core.charts import bar_chart
from larnav.core.exports import XLSX_CONTENT_TYPE, csv_response, xlsx_bytes
from larnav.core.listing import paginate, sort_queryset
from larnav.core.permissions import require

from . import selectors, services
from .errors import NeedsError
from .forms import (
    CampaignForm,
    CommentForm,
    InviteForm,
    LinkForm,
    NeedItemForm,
    NeedListFilterForm,
    ReopenForm,
    SubmitForm,
    SummaryFilterForm,
)
from .models import Campaign, Contributor, NeedItem, Submission

S = Submission.Status


def _apply_errors(exc: ValidationError, form) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for field, field_messages in errors.items():
        form.add_error(field if field in form.fields else None, field_messages)


def _posted(request):
    """The submitted data of a POST (an empty POST is still a submission), else None."""
    return request.POST if request.method == "POST" else None


def _campaign(request, pk) -> Campaign:
    return get_object_or_404(Campaign.objects.filter(consortium=request.consortium), pk=pk)


def _submission(request, pk):
    submission = get_object_or_404(
        Submission.objects.select_related("campaign", "organisation", "organisation__municipality", "submitted_by")
        .filter(consortium=request.consortium), pk=pk)
    access = selectors.submission_access(request.user, submission)
    if not access.view:
        raise Http404
    return submission, access


def _summary_campaign(request, pk) -> Campaign:
    if not selectors.can_view_summary(request.user):
        raise PermissionDenied
    return _campaign(request, pk)


# --- Start -------------------------------------------------------------------------

@login_required
def index(request):
    user, consortium = request.user, request.consortium
    manage = selectors.can_manage(user)
    summary = selectors.can_view_summary(user)
    own = [] if manage else list(
        selectors.submissions_for(user, consortium).select_related("campaign", "organisation")
        .order_by("-campaign__year", "-campaign__opens", "organisation__name"))
    if not (manage or summary or own or selectors.campaigns_for(user, consortium).exists()):
        raise PermissionDenied
    campaigns = []
    if manage or summary:
        campaigns = list(selectors.campaigns_for(user, consortium).annotate(
            total=Count("submissions"), submitted=Count("submissions", filter=Q(submissions__status=S.SUBMITTED)),
            drafts=Count("submissions", filter=Q(submissions__status=S.DRAFT)),
        ))
    return render(request, "needs/index.html", {
        "campaigns": campaigns, "own": own, "can_manage": manage, "can_view_summary": summary,
        "today": timezone.localdate(),
    })


# --- Coordinator: campaigns -------------------------------------------------------------

@require(Action.MANAGE_NEEDS)
def campaign_edit(request, campaign_pk=None):
    campaign = _campaign(request, campaign_pk) if campaign_pk else None
    if campaign is None:
        today = timezone.localdate()
        initial = {"year": today.year + 1, "opens": today, "title": _("Needs inventory %(year)d") % {
            "year": today.year + 1}}
        instance = Campaign(consortium=request.consortium)
    else:
        initial, instance = None, campaign
    form = CampaignForm(_posted(request), instance=instance, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_campaign(form.instance, user=request.user)
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("The needs inventory is saved."))
            return redirect("needs:campaign", campaign_pk=saved.pk)
    return render(request, "needs/campaign_form.html", {
        "form": form, "campaign": campaign, "has_themes": selectors.themes(request.consortium).exists(),
    })


@require(Action.MANAGE_NEEDS)
def campaign_detail(request, campaign_pk):
    campaign = _campaign(request, campaign_pk)
    status = request.GET.get("status", "")
    rows = list(selectors.campaign_submissions(campaign, status=status))
    sort = request.GET.get("sort", "organisation")
    keys = {
        "organisation": lambda s: swedish_sort_key(s.organisation.name),
        "status": lambda s: (list(S.values).index(s.status), swedish_sort_key(s.organisation.name)),
        "items": lambda s: (s.item_count, swedish_sort_key(s.organisation.name)),
        "staff": lambda s: (s.staff_total or 0, swedish_sort_key(s.organisation.name)),
        "submitted": lambda s: (s.submitted_at is None, s.submitted_at or timezone.now()),
    }
    if sort.lstrip("-") not in keys:
        sort = "organisation"
    rows.sort(key=keys[sort.lstrip("-")], reverse=sort.startswith("-"))
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(request, "needs/campaign_detail.html", {
        "campaign": campaign, "page": page, "sort": sort, "status": status, "statuses": S.choices,
        "counts": selectors.status_counts(campaign), "events": selectors.campaign_events(campaign)[:50],
        "phase": campaign.phase(today), "days_left": campaign.days_left(today),
        "reminded_today": today,
    })


@require(Action.MANAGE_NEEDS)
def campaign_status(request, campaign_pk):
    campaign = _campaign(request, campaign_pk)
    closing = campaign.status == Campaign.Status.OPEN
    if request.method == "POST":
        new_status = Campaign.Status.CLOSED if closing else Campaign.Status.OPEN
        services.set_campaign_status(campaign.pk, new_status, user=request.user)
        messages.success(request, _("The needs inventory is closed.") if closing
                         else _("The needs inventory is open again."))
        return redirect("needs:campaign", campaign_pk=campaign.pk)
    if closing:
        question = _("Close the needs inventory? No municipality can change or submit its answers after this. "
                     "You can open it again.")
    else:
        question = _("Open the needs inventory again? Municipalities can then change and submit their answers "
                     "until the deadline.")
    return render(request, "core/confirm.html", {
        "title": _("Close the needs inventory") if closing else _("Open the needs inventory again"),
        "object": campaign, "question": question,
        "button": _("Close") if closing else _("Open again"), "danger": closing,
        "back": reverse("needs:campaign", args=[campaign.pk]),
    })


@require(Action.MANAGE_NEEDS)
def campaign_remind(request, campaign_pk):
    campaign = _campaign(request, campaign_pk)
    back = reverse("needs:campaign", args=[campaign.pk])
    today = timezone.localdate()
    pending = campaign.submissions.exclude(status=S.SUBMITTED)
    due = pending.filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today)).count()
    if request.method == "POST":
        if not campaign.accepts_answers(today):
            messages.error(request, _("Reminders are sent only while the inventory takes answers."))
        else:
            n = services.send_reminders(campaign=campaign, actor=request.user, today=today)
            messages.success(request, _("%(n)d municipalities and districts were reminded.") % {"n": n})
        return redirect(back)
    error = None
    if not campaign.accepts_answers(today):
        error = _("Reminders are sent only while the inventory takes answers.")
    elif not due:
        error = _("Everyone who has not submitted has already been reminded today.")
    return render(request, "core/confirm.html", {
        "title": _("Send reminders"), "object": campaign, "error": error, "back": back,
        "question": _("Remind the municipal contacts of %(n)d municipalities and districts that have not "
                      "submitted? Those reminded today are not reminded again.") % {"n": due},
        "button": _("Send reminders"),
    })


# --- Aggregated view and exports -----------------------------------------------------

def _summary_context(request, campaign, form_class=SummaryFilterForm):
    form = form_class(request.GET or None, campaign=campaign)
    filters = form.filters()
    return form, filters, selectors.summary_items(campaign, filters)


def summary(request, campaign_pk):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    campaign = _summary_campaign(request, campaign_pk)
    form, filters, items = _summary_context(request, campaign)
    by_theme = selectors.by_theme(items)
    by_occupation = selectors.by_occupation(items)
    return render(request, "needs/summary.html", {
        "campaign": campaign, "form": form, "filters": filters, "totals": selectors.totals(items),
        "by_theme": by_theme, "matrix": selectors.theme_by_organisation(items),
        "by_occupation": by_occupation, "by_priority": selectors.by_priority(items),
        "by_level": selectors.by_level(items), "by_funktion": selectors.by_funktion(items),
        "counts": selectors.status_counts(campaign), "can_manage": selectors.can_manage(request.user),
        "query": request.GET.urlencode(), "charts": _charts(by_theme, by_occupation),
    })


def _charts(by_theme, by_occupation) -> dict:
    """Bar charts of estimated staff, drawn from the same rows as the tables beside them."""
    return {
        "theme": bar_chart(_("Estimated staff per theme"), categories=[r["theme"].name for r in by_theme],
                           series=[(_("Staff"), [r["staff"] for r in by_theme])]),
        "occupation": bar_chart(
            _("Estimated staff per occupation"),
            categories=[r["occupation"].name if r["occupation"] else _("Every occupation") for r in by_occupation],
            series=[(_("Staff"), [r["staff"] for r in by_occupation])]),
    }


def need_list(request, campaign_pk):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    campaign = _summary_campaign(request, campaign_pk)
    form, filters, items = _summary_context(request, campaign, NeedListFilterForm)
    qs, sort = sort_queryset(selectors.need_list(items), request.GET.get("sort", ""), selectors.NEED_SORTS,
                             "priority")
    return render(request, "needs/need_list.html", {
        "campaign": campaign, "form": form, "page": paginate(request, qs), "sort": sort,
        "can_manage": selectors.can_manage(request.user), "query": request.GET.urlencode(),
    })


def export(request, campaign_pk, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    campaign = _summary_campaign(request, campaign_pk)
    _form, _filters, items = _summary_context(request, campaign, NeedListFilterForm)
    filename = f"behovsinventering-{campaign.year}-{timezone.localdate():%Y-%m-%d}"
    if fmt == "csv":
        return csv_response(filename, selectors.NATIONAL_COLUMNS, selectors.national_rows(campaign, items))
    matrix = selectors.theme_by_organisation(items)
    matrix_rows = [[r["organisation"].name, selectors._scb(r["organisation"]),
                    *[c["staff"] if c else 0 for c in r["cells"]], r["staff"]] for r in matrix["rows"]]
    occupation_rows = [[r["occupation"].name_sv if r["occupation"] else "Alla yrkesroller", r["items"],
                        r["staff"], r["organisations"]] for r in selectors.by_occupation(items)]
    workbook = xlsx_bytes([
        ("Behov", selectors.XLSX_NEED_HEADERS, selectors.xlsx_need_rows(items)),
        ("Tema per kommun", ["Kommun/stadsdel", "Kommunkod", *[t.name for t in matrix["themes"]], "Totalt"],
         matrix_rows),
        ("Yrkesroller", ["Yrkesroll", "Antal behov", "Antal personal", "Antal kommuner/stadsdelar"],
         occupation_rows),
        ("Inlämningar", selectors.STATUS_HEADERS, selectors.status_rows(campaign)),
    ])
    from django.http import HttpResponse

    response = HttpResponse(workbook, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


# --- One municipality's answers ----------------------------------------------------------

@login_required
def submission_detail(request, submission_pk):
    submission, access = _submission(request, submission_pk)
    campaign = submission.campaign
    today = timezone.localdate()
    editable = access.edit_items and campaign.accepts_answers(today) and not submission.is_submitted
    return render(request, "needs/submission.html", {
        "submission": submission, "campaign": campaign, "access": access, "editable": editable,
        "items": list(selectors.submission_items(submission)),
        "contributors": list(submission.contributors.select_related("user")) if access.submit or access.manage
        else [],
        "invite_form": InviteForm() if access.submit and editable else None,
        "comment_form": CommentForm(initial={"comment": submission.comment}) if editable else None,
        "events": selectors.submission_events(submission)[:50] if access.submit or access.manage else [],
        "phase": campaign.phase(today), "days_left": campaign.days_left(today),
    })


def _refuse(request, exc: NeedsError, submission):
    messages.error(request, exc.message)
    return redirect("needs:submission", submission_pk=submission.pk)


@login_required
def item_edit(request, submission_pk=None, item_pk=None):
    if item_pk is not None:
        item = get_object_or_404(NeedItem.objects.filter(consortium=request.consortium), pk=item_pk)
        submission, access = _submission(request, item.submission_id)
    else:
        submission, access = _submission(request, submission_pk)
        item = NeedItem(submission=submission, consortium_id=submission.consortium_id)
    if not access.edit_items:
        raise Http404
    try:
        services.check_open(submission.campaign)
        if submission.is_submitted:
            raise services._already_submitted(submission)
    except NeedsError as exc:
        return _refuse(request, exc, submission)
    form = NeedItemForm(_posted(request), instance=item, consortium=request.consortium)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_item(submission.pk, form.instance,
                               target_occupations=form.cleaned_data["target_occupations"], user=request.user)
        except NeedsError as exc:
            return _refuse(request, exc, submission)
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("The need is saved."))
            if request.POST.get("another"):
                return redirect("needs:item_create", submission_pk=submission.pk)
            return redirect("needs:submission", submission_pk=submission.pk)
    return render(request, "needs/item_form.html", {
        "form": form, "submission": submission, "campaign": submission.campaign, "item": item if item.pk else None,
    }, status=400 if form.is_bound and form.errors else 200)


@login_required
def item_delete(request, item_pk):
    item = get_object_or_404(NeedItem.objects.filter(consortium=request.consortium), pk=item_pk)
    submission, access = _submission(request, item.submission_id)
    if not access.edit_items:
        raise Http404
    back = reverse("needs:submission", args=[submission.pk])
    if request.method == "POST":
        try:
            services.delete_item(item.pk, user=request.user)
        except NeedsError as exc:
            return _refuse(request, exc, submission)
        messages.success(request, _("The need is removed."))
        return redirect(back)
    return render(request, "core/confirm.html", {
        "title": _("Remove the need"), "object": item, "back": back, "danger": True,
        "question": _("Remove this need from your answer? This cannot be undone."), "button": _("Remove"),
    })


@login_required
def submission_submit(request, submission_pk):
    submission, access = _submission(request, submission_pk)
    if not access.submit:
        raise Http404
    form = SubmitForm(_posted(request))
    count = submission.items.count()
    if request.method == "POST" and form.is_valid():
        try:
            services.submit(submission.pk, user=request.user, confirm_empty=form.cleaned_data["confirm_empty"])
        except NeedsError as exc:
            if exc.code != "nothing_to_submit":
                return _refuse(request, exc, submission)
            form.add_error("confirm_empty", exc.message)
        else:
            messages.success(request, _("Thank you! Your needs inventory is submitted."))
            return redirect("needs:submission", submission_pk=submission.pk)
    return render(request, "needs/submit.html", {
        "submission": submission, "campaign": submission.campaign, "form": form, "count": count,
        "items": list(selectors.submission_items(submission)),
    }, status=400 if form.errors else 200)


@require(Action.MANAGE_NEEDS)
def submission_reopen(request, submission_pk):
    submission, _access = _submission(request, submission_pk)
    form = ReopenForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.reopen(submission.pk, user=request.user, reason=form.cleaned_data["reason"])
        except NeedsError as exc:
            return _refuse(request, exc, submission)
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("The answers are open for changes again."))
            return redirect("needs:submission", submission_pk=submission.pk)
    return render(request, "needs/reopen.html", {
        "submission": submission, "campaign": submission.campaign, "form": form,
        "deadline_passed": submission.campaign.phase() == Campaign.Phase.PAST_DEADLINE,
    })


@login_required
@require_POST
def submission_comment(request, submission_pk):
    submission, access = _submission(request, submission_pk)
    if not access.edit_items:
        raise Http404
    form = CommentForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("comment", []):
            messages.error(request, error)
        return redirect("needs:submission", submission_pk=submission.pk)
    try:
        services.save_comment(submission.pk, form.cleaned_data["comment"], user=request.user)
    except NeedsError as exc:
        return _refuse(request, exc, submission)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The comment is saved."))
    return redirect("needs:submission", submission_pk=submission.pk)


@login_required
def contributor_invite(request, submission_pk):
    submission, access = _submission(request, submission_pk)
    if not access.submit:
        raise Http404
    if request.method != "POST":
        return redirect("needs:submission", submission_pk=submission.pk)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            contributor = services.invite_contributor(submission.pk, form.cleaned_data["email"], user=request.user)
        except NeedsError as exc:
            return _refuse(request, exc, submission)
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("%(name)s is invited and has been sent an e-mail.")
                             % {"name": contributor.user.display_name})
            return redirect(reverse("needs:submission", args=[submission.pk]) + "#colleagues")
    for error in form.errors.get("email", []) + form.non_field_errors():
        messages.error(request, error)
    return redirect(reverse("needs:submission", args=[submission.pk]) + "#colleagues")


@login_required
def contributor_remove(request, contributor_pk):
    contributor = get_object_or_404(Contributor.objects.select_related("user").filter(
        submission__consortium=request.consortium), pk=contributor_pk)
    submission, access = _submission(request, contributor.submission_id)
    if not access.submit:
        raise Http404
    back = reverse("needs:submission", args=[submission.pk]) + "#colleagues"
    if request.method == "POST":
        try:
            services.remove_contributor(contributor.pk, user=request.user)
        except NeedsError as exc:
            return _refuse(request, exc, submission)
        messages.success(request, _("%(name)s can no longer change the answers.")
                         % {"name": contributor.user.display_name})
        return redirect(back)
    return render(request, "core/confirm.html", {
        "title": _("Remove the colleague"), "object": contributor.user.display_name, "back": back, "danger": True,
        "question": _("Remove this colleague? They can then no longer add or change needs. The needs they have "
                      "added stay."), "button": _("Remove"),
    })


# --- Behov -> utbud -----------------------------------------------------------------------

@require(Action.MANAGE_NEEDS)
def need_links(request, item_pk):
    need = get_object_or_404(NeedItem.objects.select_related("theme", "submission__organisation",
                                                             "submission__campaign")
                             .filter(consortium=request.consortium), pk=item_pk)
    query = request.GET.get("q", "").strip()[:100]
    candidates = selectors.linkable_activities(request.consortium, need, query)
    back = reverse("needs:need_links", args=[need.pk])
    if request.method == "POST" and request.POST.get("remove"):
        try:
            activity_id = int(request.POST["remove"])
        except ValueError:
            activity_id = None
        if activity_id and services.unlink_activity(need, activity_id):
            messages.success(request, _("The link is removed."))
        else:
            messages.error(request, _("That activity is not linked to the need."))
        return redirect(back)
    # The list offered is a search result; a submitted choice is checked against everything linkable.
    offered = _all_linkable(request, need) if request.method == "POST" else candidates[:50]
    form = LinkForm(_posted(request), activities=offered)
    if request.method == "POST" and form.is_valid():
        try:
            n = services.link_activities(need, form.cleaned_data["activities"], user=request.user)
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("%(n)d activities are linked to the need.") % {"n": n})
            return redirect(back)
    return render(request, "needs/need_links.html", {
        "need": need, "submission": need.submission, "campaign": need.submission.campaign, "form": form,
        "query": query, "answers": list(need.answers.select_related("activity", "linked_by")),
        "occupations": list(need.target_occupations.all()), "more": candidates.count() > 50,
    })


def _all_linkable(request, need):
    from larnav.catalog.models import Activity

    return Activity.objects.filter(consortium=request.consortium).exclude(
        status=Activity.Status.ARCHIVED).exclude(pk__in=need.answers.values("activity_id"))
