from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from larnav.accounts.permissions import Action
from larnav.catalog.models import Activity
from larnav.core.permissions import require
from larnav.registrations.models import Status

from . import pdf, selectors, services
from .forms import AttendanceForm, CompletionRuleForm, VerifyForm
from .models import AttendanceStatus, CompletionRule, rule_for


def _decision_message(request, decision, progress=None):
    if decision is not None:
        messages.info(request, _("Completion is decided: %(completed)s completed, %(no_show)s did not attend.")
                      % {"completed": decision.completed, "no_show": decision.no_show})
    elif progress is not None and progress.ended and progress.untaken:
        messages.info(request, _("Completion is decided once attendance has been taken for every occasion."))


# --- Trainers and coordinators ----------------------------------------------------------

@login_required
def home(request):
    if not selectors.can_see_attendance_home(request.user):
        raise PermissionDenied
    coordinator = selectors.is_coordinator(request.user, request.consortium.pk)
    return render(request, "attendance/home.html", {
        **selectors.trainer_sessions(request.user),
        "coordinator_sessions": selectors.coordinator_sessions(request.consortium) if coordinator else None,
        "now": timezone.now(),
    })


@login_required
def session(request, pk):
    session = selectors.session_for(request.user, request.consortium, pk)
    if session is None:
        raise Http404
    progress = selectors.session_progress(session)
    return render(request, "attendance/session.html", {
        "session": session, "progress": progress, "rule": rule_for(session.activity),
        "coordinator": selectors.is_coordinator(request.user, session.consortium_id),
        "now": timezone.now(),
    })


@login_required
@require_POST
def decide(request, pk):
    session = selectors.session_for(request.user, request.consortium, pk)
    if session is None:
        raise Http404
    decision = services.evaluate_session(session.pk, request.user)
    if decision is None:
        messages.warning(request, _("Completion can be decided when the last occasion has ended and "
                                    "attendance has been taken for every occasion."))
    else:
        _decision_message(request, decision)
    return redirect("attendance:session", pk=session.pk)


@login_required
def occasion(request, pk):
    occasion = selectors.occasion_for(request.user, request.consortium, pk)
    if occasion is None:
        raise Http404
    session = occasion.session
    rows = selectors.occasion_sheet(occasion)
    is_open = selectors.attendance_open(occasion)
    cancelled = session.status == session.Status.CANCELLED
    form = AttendanceForm(request.POST if request.method == "POST" else None, rows=rows)
    if request.method == "POST" and is_open and not cancelled and form.is_valid():
        try:
            rest = AttendanceStatus.ATTENDED if request.POST.get("rest") == AttendanceStatus.ATTENDED else None
            result = services.save_attendance(occasion.pk, form.marks(rest=rest), request.user)
        except services.AttendanceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, ngettext(
                "Attendance is saved (%(count)s change).", "Attendance is saved (%(count)s changes).", result.saved,
            ) % {"count": result.saved})
            _decision_message(request, result.decision, selectors.session_progress(session))
            return redirect("attendance:occasion", pk=occasion.pk)
    occasions = list(session.occasions.all())
    index = next((i for i, o in enumerate(occasions) if o.pk == occasion.pk), 0)
    return render(request, "attendance/occasion.html", {
        "occasion": occasion, "session": session, "form": form, "bound_rows": form.bound_rows(),
        "is_open": is_open, "cancelled": cancelled, "opens_at": occasion.start - selectors.OPENS_BEFORE_START,
        "summary": selectors.occasion_marked_summary(occasion),
        "number": index + 1, "occasion_count": len(occasions),
        "previous": occasions[index - 1] if index > 0 else None,
        "next": occasions[index + 1] if index + 1 < len(occasions) else None,
    }, status=400 if request.method == "POST" else 200)


@login_required
def signature_list(request, pk):
    occasion = selectors.occasion_for(request.user, request.consortium, pk)
    if occasion is None or not occasion.is_physical:
        raise Http404
    registrations = selectors.by_name(selectors.listed_registrations(occasion.session))
    trainers = [t.get_full_name() or t.username for t in occasion.session.trainers.all()]
    content = pdf.signature_list(occasion, registrations, trainers=trainers)
    response = HttpResponse(content, content_type="application/pdf")
    local = timezone.localtime(occasion.start)
    response["Content-Disposition"] = f'attachment; filename="namnlista-{occasion.session_id}-{local:%Y-%m-%d}.pdf"'
    return response


def _qr_svg(url: str, title: str) -> str:
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=1, omitsize=True, border=4, dark="#000000", light="#ffffff",
                                                 svgclass="checkin-qr", title=escape(title))
    return mark_safe(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))  # noqa: S308 - segno's own SVG


@login_required
@never_cache
def check_in_code(request, pk):
    occasion = selectors.occasion_for(request.user, request.consortium, pk)
    if occasion is None:
        raise Http404
    now = timezone.now()
    opens = occasion.start - selectors.OPENS_BEFORE_START
    context = {"occasion": occasion, "session": occasion.session, "opens_at": opens,
               "state": "open" if opens <= now <= occasion.end else ("early" if now < opens else "closed")}
    if context["state"] == "open":
        url = request.build_absolute_uri(reverse("attendance:check_in", args=[services.check_in_token(occasion)]))
        context.update(url=url, svg=_qr_svg(url, _("QR code for checking in")))
    return render(request, "attendance/check_in_code.html", context)


# --- Participants -------------------------------------------------------------------------

@never_cache
def check_in(request, token):
    """GET shows the occasion and a button; POST checks in. Link previews and scanners change nothing."""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        result = services.check_in(token, request.user)
    else:
        result = services.read_check_in_token(token)
    status = {services.CheckIn.INVALID: 400, services.CheckIn.CLOSED: 410, services.CheckIn.NOT_REGISTERED: 403,
              services.CheckIn.NOT_OPEN: 200}.get(result.outcome, 200)
    context = {"result": result, "outcome": result.outcome, "occasion": result.occasion,
               "posted": request.method == "POST", "token": token}
    if result.outcome == services.CheckIn.CHECKED_IN and request.method == "GET":
        user = request.user
        if not user.is_authenticated:
            context["sign_in_url"] = f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}"
        elif selectors.check_in_registration(user, result.occasion) is None:
            context["outcome"], status = services.CheckIn.NOT_REGISTERED, 403
        else:
            context["ready"] = True
    return render(request, "attendance/check_in.html", context, status=status)


@login_required
def certificate(request, token):
    registration = selectors.certificate_registration(token)
    if registration is None or not selectors.can_download_certificate(request.user, registration):
        raise Http404
    if registration.status != Status.COMPLETED:
        return render(request, "attendance/no_certificate.html", {"registration": registration}, status=404)
    code = services.ensure_certificate_code(registration.pk)
    verify_url = f"{settings.BASE_URL}{reverse('attendance:verify_certificate')}?{urlencode({'kod': code})}"
    content = pdf.certificate(registration, code=selectors.format_code(code), verify_url=verify_url)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="intyg-{code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# Certificate look-ups per address before it must wait, and for how long (seconds).
VERIFY_LIMIT = 30
VERIFY_WINDOW = 10 * 60


def _too_many_lookups(request) -> bool:
    key = f"attendance:verify:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, VERIFY_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, VERIFY_WINDOW)
        count = 1
    return count > VERIFY_LIMIT


@require_GET
def verify_certificate(request):
    form = VerifyForm(request.GET if "kod" in request.GET else None)
    context = {"form": form}
    status = 200
    if form.is_bound and form.is_valid():
        if _too_many_lookups(request):
            context["throttled"] = True
            status = 429
        else:
            registration = selectors.verified_certificate(form.cleaned_data["kod"])
            context["checked"] = True
            context["certificate"] = registration
            if registration is None:
                status = 404
    return render(request, "attendance/verify.html", context, status=status)


# --- Coordinators ---------------------------------------------------------------------------

@require(Action.MANAGE_CATALOG)
def completion_rule(request, pk):
    activity = get_object_or_404(Activity.objects.filter(consortium=request.consortium), pk=pk)
    if not selectors.is_coordinator(request.user, activity.consortium_id):
        raise Http404
    rule = rule_for(activity)
    form = CompletionRuleForm(request.POST or None, initial={"kind": rule.kind, "share_percent": rule.share_percent})
    if request.method == "POST" and form.is_valid():
        rule, changed = services.save_rule(activity, kind=form.cleaned_data["kind"],
                                           share_percent=form.cleaned_data.get("share_percent"), actor=request.user)
        messages.success(request, _("The completion rule is saved."))
        if changed:
            messages.info(request, ngettext(
                "The outcome of %(count)s registration changed under the new rule.",
                "The outcomes of %(count)s registrations changed under the new rule.", changed,
            ) % {"count": changed})
        back = request.POST.get("session")
        if back and back.isdigit() and selectors.session_for(request.user, request.consortium, int(back)):
            return redirect("attendance:session", pk=int(back))
        return redirect("attendance:completion_rule", pk=activity.pk)
    return render(request, "attendance/completion_rule.html", {
        "activity": activity, "form": form, "rule": rule, "is_default": rule.pk is None,
        "session_pk": request.GET.get("session", request.POST.get("session", "")),
        "kinds": CompletionRule.Kind,
    })
