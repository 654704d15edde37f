from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache as django_cache
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from larnav.accounts.permissions import Action, can, same_consortium
from larnav.core.listing import paginate, sort_queryset
from larnav.core.permissions import require

from . import cache, ical, selectors, services
from .forms import (
    SESSION_FILTER_FIELDS,
    ActivityForm,
    ActivityStatusForm,
    CopyForm,
    FocusAreaForm,
    InterestForm,
    OccasionForm,
    OccasionFormSet,
    QuotaFormSet,
    SeriesForm,
    SessionForm,
    parse_catalog_filters,
)
from .models import Activity, FocusArea, Session
from .text import render_markdown

FILTER_PARAMS = ("q", "type", "level", "focus", "role", "month", "scope", "mode", "free")


def _error_dict(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}


def _apply_errors(exc: ValidationError, form, extra: dict[str, list] | None = None) -> None:
    """Put a service's ValidationError on the form's fields, or in ``extra`` (occasions, quotas)."""
    extra = extra if extra is not None else {}
    for field, field_messages in _error_dict(exc).items():
        if field in extra:
            extra[field].extend(field_messages)
        elif field in form.fields:
            form.add_error(field, field_messages)
        else:
            form.add_error(None, field_messages)


def _filter_query(request, *, keep_sort: bool) -> str:
    """The request's catalog filters as a query string (for the calendar feed and links)."""
    params = [(k, v) for k in FILTER_PARAMS for v in request.GET.getlist(k)[:1] if v]
    if keep_sort and request.GET.get("sort"):
        params.append(("sort", request.GET["sort"]))
    return urlencode(params)


# --- Public catalog ----------------------------------------------------------------

def _catalog_results(request) -> str:
    """The catalog's filters and results as HTML: the same for everyone asking the same question."""
    filters, form = parse_catalog_filters(request.GET, request.consortium)
    activities = selectors.catalog_activities(request.consortium, filters)
    page = paginate(request, activities, per_page=selectors.CATALOG_PAGE_SIZE)
    for activity in page.object_list:
        activity.shown_sessions = activity.listed_sessions[:selectors.SESSIONS_PER_ACTIVITY]
        activity.more_sessions = len(activity.listed_sessions) > selectors.SESSIONS_PER_ACTIVITY
    query = _filter_query(request, keep_sort=False)
    feed_url = reverse("catalog:feed") + (f"?{query}" if query else "")
    return render_to_string("catalog/includes/results.html", {
        "form": form,
        "page": page,
        "filters": filters,
        "more_filters_open": any(request.GET.get(k) for k in ("type", "level", "focus", "role", *SESSION_FILTER_FIELDS)),
        "feed_url": feed_url,
        "feed_absolute_url": request.build_absolute_uri(feed_url),
        "now": timezone.now(),
    }, request=request)


def _cacheable_whole_page(request) -> bool:
    """An anonymous visitor without session or flash messages sees exactly what the next one sees,
    except for the CSRF token, which is put in per request."""
    from django.conf import settings

    return (not request.user.is_authenticated and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES)


def catalog_list(request):
    seconds = cache.cache_seconds()
    if not seconds:
        return _render_catalog(request, _catalog_results(request))
    language, host, query = get_language() or "sv", request.get_host(), request.GET.urlencode()
    page_key = None
    if _cacheable_whole_page(request):
        # An anonymous visitor's consortium follows from the host name, which is in the key.
        page_key = cache.key("page", "anonymous", language, host, query)
        html = django_cache.get(page_key)
        if html is not None:
            return HttpResponse(cache.with_csrf_token(html, request))
    if request.consortium is None:
        return _render_catalog(request, _catalog_results(request))
    results_key = cache.key("results", request.consortium.pk, language, host, query)
    results = django_cache.get(results_key)
    if results is None:
        results = _catalog_results(request)
        django_cache.set(results_key, results, seconds)
    if page_key is None:
        return _render_catalog(request, results)
    response = _render_catalog(request, results, csrf_token=cache.CSRF_PLACEHOLDER)
    html = response.content.decode()
    django_cache.set(page_key, html, seconds)
    response.content = cache.with_csrf_token(html, request)
    return response


def _render_catalog(request, results: str, **extra):
    return render(request, "catalog/list.html", {
        "results": mark_safe(results),  # noqa: S308 - our own template's output
        "can_manage": can(request.user, Action.MANAGE_CATALOG) or can(request.user, Action.MANAGE_LOCAL_CATALOG),
        **extra,
    })


def catalog_feed(request):
    seconds = cache.cache_seconds()
    key = None
    if seconds:
        # Nothing in the public feed depends on who asks; anonymous callers' consortium follows from the host.
        scope = "anonymous" if not request.user.is_authenticated else getattr(request.consortium, "pk", None)
        key = cache.key("ics", scope, get_language() or "sv", request.get_host(), request.GET.urlencode())
    content = django_cache.get(key) if key else None
    if content is None:
        filters, _form = parse_catalog_filters(request.GET, request.consortium)
        sessions = selectors.feed_sessions(request.consortium, filters)
        name = f"{request.consortium} – {_('Catalog')}" if request.consortium else _("Catalog")
        content = ical.build_calendar(sessions, name=name, absolute_url=request.build_absolute_uri)
        if key:
            django_cache.set(key, content, seconds)
    return ical.calendar_response(content, "utbud")


def _activity_context(request, activity, interest_form=None):
    consortium = request.consortium
    manager = selectors.can_manage_catalog(request.user, consortium)
    sessions = list(selectors.activity_sessions(activity, include_past=manager))
    if not manager:
        sessions = [s for s in sessions if s.status != Session.Status.COMPLETED]
    local_owner_ids = set(selectors.local_owner_choices(request.user, consortium).values_list("pk", flat=True))
    for session in sessions:
        session.manageable = manager or session.owner_municipality_id in local_owner_ids
    open_session = selectors.has_open_session(activity)
    person = request.user.person if request.user.is_authenticated else None
    context = {
        "activity": activity,
        "description_html": render_markdown(activity.description),
        "focus_areas": list(activity.focus_areas.all()),
        "occupations": list(activity.target_occupations.all()),
        "sessions": sessions,
        "can_manage": manager,
        "can_add_local_session": bool(local_owner_ids) and activity.is_published,
        "show_interest": activity.is_published and not open_session,
        "interest_form": interest_form or (InterestForm() if person is None else None),
        "my_interest": selectors.interest_of(request.user, activity),
        "now": timezone.now(),
        "person": person,
    }
    if manager:
        context["interest_waiting"] = selectors.interest_count(activity)
        context["interest_total"] = selectors.interest_count(activity, waiting_only=False)
    return context


def activity_detail(request, pk):
    activity = selectors.visible_activity(request.user, request.consortium, pk)
    if activity is None:
        raise Http404
    return render(request, "catalog/activity_detail.html", _activity_context(request, activity))


@require_POST
def interest_register(request, pk):
    activity = selectors.visible_activity(request.user, request.consortium, pk)
    if activity is None or not activity.is_published:
        raise Http404
    person = request.user.person if request.user.is_authenticated else None
    url = reverse("catalog:activity", args=[activity.pk]) + "#interest"
    if person is not None:
        if request.POST.get("withdraw"):
            services.withdraw_interest(activity, person)
            messages.success(request, _("You are no longer on the interest list."))
            return redirect(url)
        try:
            services.register_interest(activity, person=person, language=get_language() or "sv")
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(url)
        messages.success(request, _("Thank you! We will e-mail you when a session opens."))
        return redirect(url)
    form = InterestForm(request.POST)
    if form.is_valid():
        try:
            services.register_interest(
                activity, name=form.cleaned_data["name"], email=form.cleaned_data["email"],
                consent=form.cleaned_data["consent"], language=get_language() or "sv",
            )
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            # The same answer whether or not the address was already on the list.
            messages.success(request, _("Thank you! We will e-mail you when a session opens."))
            return redirect(url)
    return render(request, "catalog/activity_detail.html", _activity_context(request, activity, form), status=400)


def session_detail(request, pk):
    session = selectors.visible_session(request.user, request.consortium, pk)
    if session is None:
        raise Http404
    signed_in = request.user.is_authenticated and same_consortium(request.user, session.consortium_id)
    return render(request, "catalog/session_detail.html", {
        "session": session,
        "activity": session.activity,
        "occasions": list(session.occasions.all()),
        "quotas": list(session.quotas.all()),
        "trainers": list(session.trainers.all()) if signed_in else [],
        "show_link": selectors.can_see_digital_link(request.user, session),
        "can_manage": selectors.can_manage_session(request.user, session),
        "ics_url": request.build_absolute_uri(reverse("catalog:session_ics", args=[session.pk])),
        "now": timezone.now(),
        **registration_context(request.user, session),
    })


def registration_context(user, session) -> dict:
    """What the session page offers about registering, for this visitor."""
    from larnav.accounts.permissions import Action, can
    from larnav.registrations.selectors import own_registration
    from larnav.registrations.services import is_open_for_registration, waitlist_position

    own = own_registration(user, session) if user.is_authenticated else None
    return {
        "own_registration": own,
        "own_position": waitlist_position(own) if own else None,
        "registration_open": is_open_for_registration(session),
        "can_register_others": user.is_authenticated and can(user, Action.REGISTER_OTHERS),
        "can_see_participants": user.is_authenticated and (
            can(user, Action.MANAGE_CATALOG) or can(user, Action.VIEW_PERSONS)
            or selectors.is_trainer(user, session)),
    }


def session_ics(request, pk):
    session = selectors.visible_session(request.user, request.consortium, pk)
    if session is None:
        raise Http404
    content = ical.build_calendar(
        [session], name=session.activity.title, absolute_url=request.build_absolute_uri,
        show_link=lambda s: selectors.can_see_digital_link(request.user, s),
    )
    return ical.calendar_response(content, f"tillfalle-{session.pk}")


def personal_feed(request, token):
    user = selectors.user_for_feed_token(token)
    if user is None:
        raise Http404
    sessions = selectors.personal_feed_sessions(user)
    content = ical.build_calendar(
        sessions, name=_("My sessions – Lärnav"), absolute_url=request.build_absolute_uri,
        show_link=lambda s: selectors.can_see_digital_link(user, s),
    )
    return ical.calendar_response(content, "mina-tillfallen")


@login_required
def calendar_settings(request):
    new_url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.revoke_feed_tokens(request.user)
            messages.success(request, _("Your calendar address no longer works."))
            return redirect("catalog:calendar")
        raw = services.create_feed_token(request.user)
        new_url = request.build_absolute_uri(reverse("catalog:personal_feed", args=[raw]))
    return render(request, "catalog/calendar.html", {
        "token": selectors.active_feed_token(request.user),
        "new_url": new_url,
    })


# --- Trainers ------------------------------------------------------------------------

@require(Action.TEACH)
def my_sessions(request):
    """The trainer's sessions live on the attendance page; this address is kept for old links."""
    return redirect("attendance:my_sessions", permanent=True)


# --- Management --------------------------------------------------------------------

MANAGE_SORTS = {"title": ("sort_title",), "status": ("status", "sort_title"), "updated": ("-updated_at",),
                "type": ("type", "sort_title")}


@require(Action.MANAGE_CATALOG, Action.MANAGE_LOCAL_CATALOG)
def manage(request):
    consortium = request.consortium
    query = " ".join(request.GET.get("q", "").split())[:200]
    if selectors.can_manage_catalog(request.user, consortium):
        status = request.GET.get("status", "")
        qs = selectors.managed_activities(consortium, query=query, status=status)
        qs, sort = sort_queryset(qs, request.GET.get("sort", ""), MANAGE_SORTS, "title")
        return render(request, "catalog/manage.html", {
            "page": paginate(request, qs), "sort": sort, "q": query, "status": status,
            "statuses": Activity.Status.choices,
        })
    if not selectors.local_owner_choices(request.user, consortium).exists():
        raise PermissionDenied
    activities = selectors.managed_activities(consortium, query=query, status=Activity.Status.PUBLISHED)
    return render(request, "catalog/manage_local.html", {
        "sessions": selectors.local_sessions_for(request.user, consortium),
        "page": paginate(request, activities.order_by("sort_title", "pk")),
        "q": query,
    })


def _managed_activity(request, pk) -> Activity:
    if not selectors.can_manage_catalog(request.user, request.consortium):
        raise PermissionDenied
    return get_object_or_404(Activity, consortium=request.consortium, pk=pk)


@require(Action.MANAGE_CATALOG)
def activity_edit(request, pk=None):
    if not selectors.can_manage_catalog(request.user, request.consortium):
        raise PermissionDenied
    activity = _managed_activity(request, pk) if pk is not None else None
    form = ActivityForm(request.POST or None, instance=activity, consortium=request.consortium)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.save_activity(
                form.instance, focus_areas=form.cleaned_data["focus_areas"],
                target_occupations=form.cleaned_data["target_occupations"], user=request.user,
            )
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("The activity is saved."))
            return redirect("catalog:activity", pk=activity.pk)
    return render(request, "catalog/activity_form.html", {"form": form, "activity": activity})


STATUS_ACTIONS = {
    Activity.Status.PUBLISHED: (_("Publish"), _("Publish the activity? It will be shown in the public catalog.")),
    Activity.Status.ARCHIVED: (_("Archive"), _("Archive the activity? It disappears from the catalog.")),
    Activity.Status.DRAFT: (_("Withdraw to draft"), _("Withdraw the activity to draft? Only coordinators see drafts.")),
}


@require(Action.MANAGE_CATALOG)
def activity_status(request, pk):
    activity = _managed_activity(request, pk)
    form = ActivityStatusForm(request.POST or request.GET or None)
    if not form.is_valid():
        return redirect("catalog:activity", pk=activity.pk)
    status = form.cleaned_data["status"]
    error = None
    if request.method == "POST":
        try:
            services.set_activity_status(activity, status)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The activity is now: %(status)s.") % {"status": Activity.Status(status).label})
            return redirect("catalog:activity", pk=activity.pk)
    label, question = STATUS_ACTIONS[Activity.Status(status)]
    return render(request, "core/confirm.html", {
        "title": label, "question": question, "object": activity, "error": error,
        "button": label, "hidden": {"status": status}, "back": reverse("catalog:activity", args=[activity.pk]),
    })


@require(Action.MANAGE_CATALOG)
def activity_delete(request, pk):
    activity = _managed_activity(request, pk)
    error = None
    if activity.sessions.exists():
        error = _("The activity has sessions and cannot be deleted; archive it instead.")
    elif request.method == "POST":
        try:
            services.delete_activity(activity)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The activity is deleted."))
            return redirect("catalog:manage")
    return render(request, "core/confirm.html", {
        "title": _("Delete activity"), "question": _("Delete the activity for good?"), "object": activity,
        "error": error, "button": _("Delete"), "danger": True, "back": reverse("catalog:activity", args=[activity.pk]),
    })


@require(Action.MANAGE_CATALOG)
def interest_list(request, pk):
    activity = _managed_activity(request, pk)
    return render(request, "catalog/interest_list.html", {
        "activity": activity, "registrations": selectors.interest_list(activity),
    })


def _may_create_sessions_for(request, activity) -> bool:
    consortium = request.consortium
    if selectors.can_manage_catalog(request.user, consortium):
        return activity.status != Activity.Status.ARCHIVED
    return activity.is_published and selectors.local_owner_choices(request.user, consortium).exists()


def _may_own(request, session) -> bool:
    """A regional session needs a catalog manager; a local one its municipality's CKA (or a manager)."""
    if selectors.can_manage_catalog(request.user, request.consortium):
        return True
    owner = session.owner_municipality
    return owner is not None and can(request.user, Action.MANAGE_LOCAL_CATALOG, owner)


def _session_form_page(request, *, activity, session=None):
    consortium = request.consortium
    instance = session or Session(activity=activity, consortium=consortium)
    data = request.POST if request.method == "POST" else None
    form = SessionForm(data, instance=instance, activity=activity, user=request.user)
    initial = [OccasionForm.initial_for(o) for o in session.occasions.all()] if session else None
    occasions = OccasionFormSet(data, prefix="occ", initial=initial)
    quota_initial = [{"municipality": q.municipality_id, "seats": q.seats} for q in session.quotas.all()] \
        if session else None
    quotas = QuotaFormSet(data, prefix="quota", initial=quota_initial, form_kwargs={"consortium": consortium})
    extra_errors = {"occasions": [], "quotas": []}
    if request.method == "POST":
        valid = all([form.is_valid(), occasions.is_valid(), quotas.is_valid()])
        if valid:
            if not _may_own(request, form.instance):
                form.add_error("owner_municipality", _("You may only create sessions for your own municipality."))
            else:
                try:
                    saved = services.save_session(
                        form.instance, occasions=occasions.inputs(), quotas=quotas.quotas(),
                        trainers=form.cleaned_data["trainers"],
                    )
                except ValidationError as exc:
                    _apply_errors(exc, form, extra_errors)
                else:
                    messages.success(request, _("The session is saved."))
                    return redirect("catalog:session", pk=saved.pk)
    return render(request, "catalog/session_form.html", {
        "form": form, "occasions": occasions, "quotas": quotas, "activity": activity, "session": session,
        "occasion_errors": extra_errors["occasions"] + list(occasions.non_form_errors()),
        "quota_errors": extra_errors["quotas"] + list(quotas.non_form_errors()),
    })


@require(Action.MANAGE_CATALOG, Action.MANAGE_LOCAL_CATALOG)
def session_create(request, pk):
    activity = get_object_or_404(Activity, consortium=request.consortium, pk=pk)
    if not _may_create_sessions_for(request, activity):
        raise PermissionDenied
    return _session_form_page(request, activity=activity)


def _managed_session(request, pk) -> Session:
    if not request.user.is_authenticated:
        raise PermissionDenied
    session = get_object_or_404(
        Session.objects.select_related("activity", "owner_municipality"), consortium=request.consortium, pk=pk)
    if not selectors.can_manage_session(request.user, session):
        raise PermissionDenied
    return session


@require(Action.MANAGE_CATALOG, Action.MANAGE_LOCAL_CATALOG)
def session_edit(request, pk):
    session = _managed_session(request, pk)
    return _session_form_page(request, activity=session.activity, session=session)


@require(Action.MANAGE_CATALOG, Action.MANAGE_LOCAL_CATALOG)
def series_create(request, pk):
    activity = get_object_or_404(Activity, consortium=request.consortium, pk=pk)
    if not _may_create_sessions_for(request, activity):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = SessionForm(data, instance=Session(activity=activity, consortium=request.consortium), activity=activity,
                       user=request.user)
    series = SeriesForm(data)
    occasion_errors = []
    if request.method == "POST" and form.is_valid() and series.is_valid():
        if not _may_own(request, form.instance):
            form.add_error("owner_municipality", _("You may only create sessions for your own municipality."))
        else:
            s = series.cleaned_data
            try:
                created = services.create_series(
                    form.instance, first_day=s["first_day"], interval_weeks=s["interval_weeks"], count=s["count"],
                    start_time=s["start_time"], end_time=s["end_time"], place=s["place"], address=s["address"],
                    digital_link=s["digital_link"], trainers=form.cleaned_data["trainers"],
                    one_session=s["one_session"],
                )
            except ValidationError as exc:
                extra = {"occasions": occasion_errors}
                for field, field_messages in _error_dict(exc).items():
                    if field in series.fields:
                        series.add_error(field, field_messages)
                    elif field in extra or field not in form.fields:
                        occasion_errors.extend(field_messages)
                    else:
                        form.add_error(field, field_messages)
            else:
                messages.success(request, _("%(n)d sessions are created.") % {"n": len(created)} if len(created) > 1
                                 else _("The session is created."))
                return redirect("catalog:activity", pk=activity.pk)
    return render(request, "catalog/series_form.html", {
        "form": form, "series": series, "activity": activity, "occasion_errors": occasion_errors,
    })


@require(Action.MANAGE_CATALOG, Action.MANAGE_LOCAL_CATALOG)
def session_copy(request, pk):
    session = _managed_session(request, pk)
    form = CopyForm(request.POST or None, initial={"name": session.name})
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.copy_session(session, form.cleaned_data["first_day"], name=form.cleaned_data["name"])
        except ValidationError as exc:
            for field_messages in _error_dict(exc).values():
                form.add_error(None, field_messages)
        else:
            messages.success(request, _("The copy is created. Check it before opening it for registration."))
            return redirect("catalog:session", pk=copy.pk)
    return render(request, "catalog/session_copy.html", {"form": form, "session": session})


@require(Action.MANAGE_CATALOG, Action.MANAGE_LOCAL_CATALOG)
def session_cancel(request, pk):
    session = _managed_session(request, pk)
    error = None
    if session.status == Session.Status.CANCELLED:
        error = _("The session is already cancelled.")
    elif session.status == Session.Status.COMPLETED:
        error = _("A completed session cannot be cancelled.")
    elif request.method == "POST":
        try:
            services.cancel_session(session, actor=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The session is cancelled."))
            return redirect("catalog:session", pk=session.pk)
    return render(request, "core/confirm.html", {
        "title": _("Cancel session"), "object": session, "error": error, "danger": True,
        "question": _("Cancel the session? It stays in the catalog and in calendars, marked as cancelled."),
        "button": _("Cancel session"), "back": reverse("catalog:session", args=[session.pk]),
    })


@require(Action.MANAGE_CATALOG, Action.MANAGE_LOCAL_CATALOG)
def session_delete(request, pk):
    session = _managed_session(request, pk)
    error = None
    if session.has_registrations:
        error = _("People are registered for this session, so it cannot be deleted. Cancel it instead.")
    elif request.method == "POST":
        activity_pk = session.activity_id
        try:
            services.delete_session(session)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The session is deleted."))
            return redirect("catalog:activity", pk=activity_pk)
    return render(request, "core/confirm.html", {
        "title": _("Delete session"), "object": session, "error": error, "danger": True,
        "question": _("Delete the session for good? Nobody is registered for it."),
        "button": _("Delete"), "back": reverse("catalog:session", args=[session.pk]),
    })


# --- Focus areas ----------------------------------------------------------------------

@require(Action.MANAGE_CATALOG)
def focus_area_list(request):
    if not selectors.can_manage_catalog(request.user, request.consortium):
        raise PermissionDenied
    areas = FocusArea.objects.filter(consortium=request.consortium).order_by("sort_order", "name")
    return render(request, "catalog/focus_areas.html", {"areas": areas.annotate(activity_count=Count("activities"))})


@require(Action.MANAGE_CATALOG)
def focus_area_edit(request, pk=None):
    if not selectors.can_manage_catalog(request.user, request.consortium):
        raise PermissionDenied
    area = get_object_or_404(FocusArea, consortium=request.consortium, pk=pk) if pk is not None else None
    form = FocusAreaForm(request.POST or None, instance=area, consortium=request.consortium)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_focus_area(form.instance)
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("The focus area is saved."))
            return redirect("catalog:focus_areas")
    return render(request, "catalog/focus_area_form.html", {"form": form, "area": area})

