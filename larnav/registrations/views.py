from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from larnav.accounts.permissions import Action, can
from larnav.catalog.models import Session
from larnav.core.exports import export_response
from larnav.core.permissions import require
from larnav.people import selectors as people_selectors

from . import selectors, services
from .errors import RegistrationError
from .forms import ColleaguesForm, DecisionForm, RegistrationForm
from .models import Question, Registration, Status


def _public_session(request, pk) -> Session:
    return get_object_or_404(
        Session.objects.select_related("activity", "owner_municipality").filter(
            consortium=request.consortium, activity__status="published"
        ),
        pk=pk,
    )


def register(request, session_pk):
    session = _public_session(request, session_pk)
    user = request.user
    person = user.person if user.is_authenticated else None
    anonymous = person is None
    if user.is_authenticated and person is None:
        return render(request, "registrations/no_person.html", {"session": session}, status=403)
    questions = Question.objects.filter(activity=session.activity)
    form = RegistrationForm(request.POST or None, questions=questions, anonymous=anonymous,
                            consortium=request.consortium)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if anonymous:
                person = services.person_for_registration(
                    request.consortium, first_name=data["first_name"], last_name=data["last_name"],
                    email=data["email"], workplace=data["workplace"], occupation=data["occupation"],
                )
            outcome = services.register(
                session.pk, person, registered_by=user if user.is_authenticated else None,
                verified=not anonymous, answers=form.answers(), expected_benefit=data.get("expected_benefit", ""),
            )
        except RegistrationError as exc:
            form.add_error(None, exc.message)
        else:
            return render(request, "registrations/registered.html", {
                "registration": outcome.registration, "created": outcome.created, "session": session,
                "position": services.waitlist_position(outcome.registration),
            })
    return render(request, "registrations/register.html", {"session": session, "form": form,
                                                           "anonymous": anonymous})


def verify(request, token):
    reg = get_object_or_404(Registration.objects.select_related("session__activity"), token=token)
    if request.method == "POST":
        reg = services.confirm_email(token)
        return render(request, "registrations/registered.html", {
            "registration": reg, "created": True, "session": reg.session,
            "position": services.waitlist_position(reg),
        })
    return render(request, "registrations/verify.html", {"registration": reg})


def manage(request, token):
    """The participant's own page for one registration, reached from every e-mail (no sign-in)."""
    reg = get_object_or_404(selectors.base_queryset(), token=token)
    if request.method == "POST":
        try:
            services.cancel(reg.pk, request.user if request.user.is_authenticated else None,
                            reason=_("Cancelled by the participant"))
        except RegistrationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your registration is cancelled."))
        return redirect("registrations:manage", token=token)
    session = reg.session
    late = bool(session.cancellation_deadline and timezone.now() > session.cancellation_deadline
                and reg.status == Status.CONFIRMED)
    return render(request, "registrations/manage.html", {
        "registration": reg, "session": session, "position": services.waitlist_position(reg),
        "late": late, "confirm": request.GET.get("avboka") == "1",
        "events": reg.events.select_related("actor"),
    })


@login_required
def mine(request):
    person = request.user.person
    if person is None:
        return render(request, "registrations/mine.html", {"no_person": True})
    context = selectors.my_page(person)
    for reg in context["upcoming"]:
        reg.position = services.waitlist_position(reg)
    return render(request, "registrations/mine.html", context)


@require(Action.APPROVE_REGISTRATIONS)
def approvals(request):
    pending = selectors.pending_approvals(request.user)
    return render(request, "registrations/approvals.html", {"pending": pending, "form": DecisionForm()})


@require(Action.APPROVE_REGISTRATIONS)
@require_POST
def decide(request, pk, decision):
    reg = get_object_or_404(selectors.pending_approvals(request.user), pk=pk)
    form = DecisionForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        if decision == "godkann":
            services.approve(reg.pk, request.user, message)
            messages.success(request, _("%(name)s's registration is approved.") % {"name": reg.person.full_name})
        elif decision == "avsla":
            services.decline(reg.pk, request.user, message)
            messages.success(request, _("%(name)s's registration is declined.") % {"name": reg.person.full_name})
        else:
            raise Http404
    except RegistrationError as exc:
        messages.error(request, exc.message)
    return redirect("registrations:approvals")


def _session_for_staff(request, pk) -> Session:
    session = get_object_or_404(Session.objects.select_related("activity").filter(consortium=request.consortium),
                                pk=pk)
    user = request.user
    if not (can(user, Action.MANAGE_CATALOG) or can(user, Action.VIEW_PERSONS)
            or session.trainers.filter(pk=user.pk).exists()):
        raise Http404
    return session


@login_required
def participants(request, session_pk):
    session = _session_for_staff(request, session_pk)
    regs = list(selectors.session_participants(request.user, session))
    position = 0
    for reg in regs:
        if reg.status == Status.WAITLISTED:
            position += 1
            reg.position = position
    return render(request, "registrations/participants.html", {
        "session": session, "registrations": regs,
        "can_cancel": can(request.user, Action.MANAGE_CATALOG),
        "can_register_others": can(request.user, Action.REGISTER_OTHERS),
        "can_take_attendance": can(request.user, Action.MANAGE_CATALOG)
        or session.trainers.filter(pk=request.user.pk).exists(),
    })


@login_required
def participants_export(request, session_pk, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    session = _session_for_staff(request, session_pk)
    qs = selectors.session_participants(request.user, session)
    filename = f"deltagare-{session.pk}-{timezone.localdate():%Y-%m-%d}"
    return export_response(fmt, filename, selectors.EXPORT_HEADERS, selectors.export_rows(qs), title="Deltagare")


@require(Action.MANAGE_CATALOG)
def coordinator_cancel(request, pk):
    reg = get_object_or_404(selectors.base_queryset().filter(consortium=request.consortium), pk=pk)
    if request.method == "POST":
        try:
            outcome = services.cancel(reg.pk, request.user, reason=request.POST.get("reason", "")[:300],
                                      waive_late=request.POST.get("waive_late") == "on")
        except RegistrationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The registration is cancelled."))
            for promoted in outcome.promoted:
                messages.info(request, _("%(name)s got the seat from the waiting list.")
                              % {"name": promoted.person.full_name})
        return redirect("registrations:participants", session_pk=reg.session_id)
    return render(request, "registrations/coordinator_cancel.html", {"registration": reg})


@require(Action.REGISTER_OTHERS)
def register_colleagues(request, session_pk):
    session = _public_session(request, session_pk)
    scoped = people_selectors.persons_for(request.user, request.consortium, Action.REGISTER_OTHERS).filter(
        is_active=True)
    query = request.GET.get("q", "").strip()
    shown = people_selectors.filter_persons(scoped, query=query)[:200]
    # The list offered is a search result; a submitted choice is checked against the whole scope.
    form = ColleaguesForm(request.POST or None, persons=scoped if request.method == "POST" else shown)
    results = None
    if request.method == "POST" and form.is_valid():
        results = []
        for person in form.cleaned_data["persons"]:
            try:
                outcome = services.register(session.pk, person, registered_by=request.user)
            except RegistrationError as exc:
                results.append({"person": person, "error": exc.message})
            else:
                results.append({"person": person, "registration": outcome.registration,
                                "created": outcome.created,
                                "position": services.waitlist_position(outcome.registration)})
    return render(request, "registrations/colleagues.html", {"session": session, "form": form,
                                                             "results": results, "query": query})


def _managed_activity(request, pk):
    from larnav.catalog.models import Activity

    return get_object_or_404(Activity.objects.filter(consortium=request.consortium), pk=pk)


@require(Action.MANAGE_CATALOG)
def questions(request, activity_pk):
    from .forms import QuestionForm

    activity = _managed_activity(request, activity_pk)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_question(activity, form.instance)
        messages.success(request, _("The question is added."))
        return redirect("registrations:questions", activity_pk=activity.pk)
    return render(request, "registrations/questions.html", {
        "activity": activity, "form": form, "questions": Question.objects.filter(activity=activity),
    })


@require(Action.MANAGE_CATALOG)
def question_delete(request, pk):
    question = get_object_or_404(Question.objects.select_related("activity").filter(
        activity__consortium=request.consortium), pk=pk)
    if request.method == "POST":
        activity_pk = question.activity_id
        question.delete()
        messages.success(request, _("The question is removed. Answers already given are kept."))
        return redirect("registrations:questions", activity_pk=activity_pk)
    return render(request, "registrations/question_delete.html", {"question": question})


@login_required
def detail(request, pk):
    """A registration as staff see it: answers, expected benefit and its whole history."""
    reg = get_object_or_404(selectors.base_queryset().filter(consortium=request.consortium), pk=pk)
    session = _session_for_staff(request, reg.session_id)
    if not selectors.session_participants(request.user, session).filter(pk=reg.pk).exists():
        raise Http404
    return render(request, "registrations/detail.html", {
        "registration": reg, "session": session, "position": services.waitlist_position(reg),
        "events": reg.events.select_related("actor"),
        "can_cancel": can(request.user, Action.MANAGE_CATALOG) and reg.is_active,
    })
