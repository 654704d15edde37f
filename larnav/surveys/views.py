from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.signing import BadSignature
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from larnav.accounts.permissions import Action
from larnav.core.exports import XLSX_CONTENT_TYPE, xlsx_bytes
from larnav.core.listing import paginate, sort_queryset
from larnav.core.permissions import require

from . import charts, selectors, services
from .errors import AlreadyAnswered, InvalidAnswers, SurveyClosed, SurveyError, SurveyNotOpenYet
from .forms import (
    ActivityEvaluationForm,
    QuestionForm,
    ReopenForm,
    ResponseForm,
    ResultsFilterForm,
    SectionForm,
    SurveyForm,
    TemplateForm,
)
from .models import (
    MIN_GROUP_SIZE,
    STATUS_LABELS,
    ActivityEvaluation,
    Invitation,
    Question,
    Section,
    Survey,
    SurveyTemplate,
    SurveyVersion,
)
from .standard import ensure_standard_templates

ANSWERED_COOKIE = "larnav_surveys"
ANSWERED_SALT = "larnav.surveys.answered"


def _apply_errors(exc: ValidationError, form) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for name, field_messages in errors.items():
        form.add_error(name if name in form.fields else None, field_messages)


# --- Lookups within the consortium ----------------------------------------------------------

def _template(request, pk) -> SurveyTemplate:
    return get_object_or_404(SurveyTemplate.objects.filter(consortium=request.consortium), pk=pk)


def _version(request, pk) -> SurveyVersion:
    return get_object_or_404(SurveyVersion.objects.select_related("template").filter(
        template__consortium=request.consortium), pk=pk)


def _section(request, pk) -> Section:
    return get_object_or_404(Section.objects.select_related("version__template").filter(
        version__template__consortium=request.consortium), pk=pk)


def _question(request, pk) -> Question:
    return get_object_or_404(Question.objects.select_related("version__template", "section").filter(
        version__template__consortium=request.consortium), pk=pk)


def _survey(request, pk) -> Survey:
    return get_object_or_404(Survey.objects.select_related("version__template", "session__activity").filter(
        consortium=request.consortium), pk=pk)


def _builder_url(version, anchor="") -> str:
    url = reverse("surveys:template", args=[version.template_id]) + f"?version={version.number}"
    return url + (f"#{anchor}" if anchor else "")


# --- Start and lists -------------------------------------------------------------------------

ROUND_SORTS = {"title": ("title",), "opens": ("opens_at",), "closes": ("closes_at",),
               "responses": ("response_count",)}


@login_required
def home(request):
    if not selectors.may_see_results(request.user):
        return redirect("surveys:mine")
    manage = selectors.can_manage(request.user)
    rounds = selectors.rounds_for(request.user, request.consortium)
    query = request.GET.get("q", "").strip()[:200]
    status = request.GET.get("status", "")
    template_pk = request.GET.get("mall", "")
    template = (SurveyTemplate.objects.filter(consortium=request.consortium, pk=template_pk).first()
                if template_pk.isdigit() else None)
    rounds = selectors.filter_rounds(rounds, query=query, status=status, template=template)
    rounds, sort = sort_queryset(rounds, request.GET.get("sort", "-opens"), ROUND_SORTS, "-opens")
    page = paginate(request, rounds)
    now = timezone.now()
    for survey in page.object_list:
        survey.state = survey.status(now)
        survey.state_label = STATUS_LABELS[survey.state]
        survey.rate = round(100 * survey.answered_count / survey.invited) if survey.invited else None
    return render(request, "surveys/home.html", {
        "page": page, "sort": sort, "q": query, "status": status, "manage": manage, "template": template,
        "statuses": [(k, v) for k, v in STATUS_LABELS.items() if k != "scheduled"],
        "templates_count": SurveyTemplate.objects.filter(consortium=request.consortium,
                                                         archived_at__isnull=True).count(),
        "min_group": MIN_GROUP_SIZE,
    })


@login_required
def mine(request):
    invitations = list(selectors.pending_for(request.user))
    return render(request, "surveys/mine.html", {"invitations": invitations})


@require(Action.MANAGE_SURVEYS)
def template_list(request):
    show_archived = request.GET.get("arkiverade") == "1"
    templates = selectors.templates_for(request.consortium, include_archived=show_archived)
    missing_standard = not SurveyTemplate.objects.filter(consortium=request.consortium,
                                                         key__in=["course-evaluation", "cka-yearly"]).count() == 2
    return render(request, "surveys/templates.html", {
        "templates": templates, "show_archived": show_archived, "missing_standard": missing_standard,
    })


@require(Action.MANAGE_SURVEYS)
@require_POST
def create_standard(request):
    created = ensure_standard_templates(request.consortium, request.user)
    if created:
        messages.success(request, _("Created: %(names)s.") % {"names": ", ".join(t.name for t in created)})
    else:
        messages.info(request, _("The standard templates already exist."))
    return redirect("surveys:templates")


# --- Templates -------------------------------------------------------------------------------

@require(Action.MANAGE_SURVEYS)
def template_create(request):
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            template = services.create_template(request.consortium, user=request.user, **data)
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("The template is created. Add its questions."))
            return redirect("surveys:template", template_pk=template.pk)
    return render(request, "surveys/template_form.html", {"form": form})


@require(Action.MANAGE_SURVEYS)
def template_edit(request, template_pk):
    template = _template(request, template_pk)
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_template(form.instance)
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("The template is saved."))
            return redirect("surveys:template", template_pk=template.pk)
    return render(request, "surveys/template_form.html", {"form": form, "template": template})


@require(Action.MANAGE_SURVEYS)
def template_detail(request, template_pk):
    template = _template(request, template_pk)
    versions = list(template.versions.order_by("-number"))
    latest = versions[0]
    try:
        number = int(request.GET.get("version", latest.number))
    except ValueError:
        number = latest.number
    version = next((v for v in versions if v.number == number), latest)
    questions = selectors.questions_of(version)
    sections = list(version.sections.order_by("position", "pk"))
    by_section = {s.pk: [] for s in sections}
    for number_in_survey, question in enumerate(questions, start=1):
        question.number = number_in_survey
        by_section[question.section_id].append(question)
    for section in sections:
        section.listed = by_section[section.pk]
    numbers = {q.pk: q.number for q in questions}
    for question in questions:
        if question.condition_id:
            question.condition_number = numbers.get(question.condition.question_id)
    all_rounds = Survey.objects.filter(version__template=template)
    rounds = selectors.annotate_rates(all_rounds.select_related("version", "session__activity")).order_by(
        "-opens_at")[:20]
    now = timezone.now()
    for survey in rounds:
        survey.state_label = STATUS_LABELS[survey.status(now)]
    return render(request, "surveys/template_detail.html", {
        "template": template, "versions": versions, "version": version, "sections": sections,
        "editable": version.pk == latest.pk and not version.is_frozen, "is_latest": version.pk == latest.pk,
        "question_count": len(questions), "rounds": rounds, "round_total": all_rounds.count(),
    })


@require(Action.MANAGE_SURVEYS)
@require_POST
def version_new(request, template_pk):
    template = _template(request, template_pk)
    version = services.new_version(template, request.user)
    messages.success(request, _("Version %(n)s is a draft: edit it, and take it into use when it is ready. "
                                "Earlier rounds keep the version they were sent with.") % {"n": version.number})
    return redirect(_builder_url(version))


def _confirmed(request, action, *, done, after: str, confirm, after_done: str | None = None):
    """A step that is confirmed first: GET asks on the confirmation page (``confirm()`` gives its
    title, text, button, back link, ...), POST runs ``action()``. A refusal (SurveyError) is shown
    as an error and leads to ``after``; success shows ``done`` (or ``done(result)``) and leads to
    ``after_done``, by default ``after`` too."""
    if request.method != "POST":
        return render(request, "surveys/confirm.html", confirm())
    try:
        result = action()
    except SurveyError as exc:
        messages.error(request, exc.message)
        return redirect(after)
    messages.success(request, done(result) if callable(done) else done)
    return redirect(after_done or after)


@require(Action.MANAGE_SURVEYS)
def version_freeze(request, version_pk):
    version = _version(request, version_pk)
    return _confirmed(
        request, lambda: services.freeze(version), after=_builder_url(version),
        done=_("Version %(n)s is in use and can no longer change.") % {"n": version.number},
        confirm=lambda: {
            "title": _("Take version %(n)s into use?") % {"n": version.number},
            "text": _("A version in use never changes: results of every round sent with it stay comparable. "
                      "Automatic course evaluations use the latest version in use. To change it later, you create "
                      "a new version."),
            "button": _("Take into use"), "back": _builder_url(version),
        })


@require(Action.MANAGE_SURVEYS)
def template_archive(request, template_pk):
    template = _template(request, template_pk)
    archive = template.archived_at is None
    back = reverse("surveys:template", args=[template.pk])
    return _confirmed(
        request, lambda: services.set_archived(template, archive), after=back,
        done=_("The template is archived.") if archive else _("The template is restored."),
        confirm=lambda: {
            "title": _("Archive “%(name)s”?") % {"name": template.name} if archive
            else _("Restore “%(name)s”?") % {"name": template.name},
            "text": _("An archived template cannot be chosen for new rounds or activities. Its rounds and results "
                      "are kept.") if archive else _("The template can be used for new rounds again."),
            "button": _("Archive") if archive else _("Restore"), "back": back,
        })


@require(Action.MANAGE_SURVEYS)
def template_delete(request, template_pk):
    template = _template(request, template_pk)
    back = reverse("surveys:template", args=[template.pk])
    return _confirmed(
        request, lambda: services.delete_template(template), done=_("The template is deleted."), after=back,
        after_done=reverse("surveys:templates"),
        confirm=lambda: {
            "title": _("Delete “%(name)s”?") % {"name": template.name},
            "text": _("The template and all its versions and questions are deleted. This cannot be undone."),
            "button": _("Delete"), "danger": True, "back": back,
        })


@require(Action.MANAGE_SURVEYS)
def version_preview(request, version_pk):
    version = _version(request, version_pk)
    questions = services.questions_for_answering(version)
    form = ResponseForm(None, questions=questions)
    return render(request, "surveys/respond.html", {
        "survey": None, "template": version.template, "version": version, "preview": True,
        "sections": _sections_with_fields(version, questions, form), "form": form,
    })


# --- Sections and questions --------------------------------------------------------------------

@require(Action.MANAGE_SURVEYS)
def section_create(request, version_pk):
    version = _version(request, version_pk)
    return _section_form(request, Section(version=version), version)


@require(Action.MANAGE_SURVEYS)
def section_edit(request, section_pk):
    section = _section(request, section_pk)
    return _section_form(request, section, section.version)


def _builder_form(request, version, form, save, *, saved_message, anchor, template, context):
    """A builder form page: refuse a frozen version, save through the service, show its errors on the form."""
    if version.is_frozen:
        messages.error(request, services.VersionFrozen.message)
        return redirect(_builder_url(version))
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form)
        except ValidationError as exc:
            _apply_errors(exc, form)
        except SurveyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, saved_message)
            return redirect(_builder_url(version, anchor(saved)))
    return render(request, template, {"form": form, "version": version, **context})


def _section_form(request, section, version):
    return _builder_form(
        request, version, SectionForm(request.POST or None, instance=section),
        lambda form: services.save_section(form.instance), saved_message=_("The section is saved."),
        anchor=lambda saved: f"section-{saved.pk}", template="surveys/section_form.html",
        context={"section": section})


@require(Action.MANAGE_SURVEYS)
def section_delete(request, section_pk):
    section = _section(request, section_pk)
    version = section.version

    def confirm():
        count = section.questions.count()
        return {
            "title": _("Delete the section “%(name)s”?") % {"name": section.title or section.position},
            "text": _("Its %(n)s questions are deleted with it.") % {"n": count} if count else
            _("The section has no questions."),
            "button": _("Delete"), "danger": True, "back": _builder_url(version),
        }

    return _confirmed(request, lambda: services.delete_section(section), after=_builder_url(version),
                      done=_("The section and its questions are deleted."), confirm=confirm)


@require(Action.MANAGE_SURVEYS)
@require_POST
def section_move(request, section_pk, direction):
    section = _section(request, section_pk)
    try:
        services.move_section(section, direction)
    except SurveyError as exc:
        messages.error(request, exc.message)
    return redirect(_builder_url(section.version, f"section-{section.pk}"))


@require(Action.MANAGE_SURVEYS)
def question_create(request, version_pk):
    version = _version(request, version_pk)
    initial = {}
    section_pk = request.GET.get("avsnitt", "")
    if section_pk.isdigit():
        initial["section"] = section_pk
    return _question_form(request, Question(version=version), version, initial)


@require(Action.MANAGE_SURVEYS)
def question_edit(request, question_pk):
    question = _question(request, question_pk)
    return _question_form(request, question, question.version, {})


def _question_form(request, question, version, initial):
    return _builder_form(
        request, version, QuestionForm(request.POST or None, instance=question, version=version, initial=initial),
        lambda form: services.save_question(form.instance, options=form.options, statements=form.statements),
        saved_message=_("The question is saved."), anchor=lambda saved: f"q{saved.pk}",
        template="surveys/question_form.html", context={"question": question})


@require(Action.MANAGE_SURVEYS)
def question_delete(request, question_pk):
    question = _question(request, question_pk)
    version = question.version
    return _confirmed(
        request, lambda: services.delete_question(question), done=_("The question is deleted."),
        after=_builder_url(version),
        confirm=lambda: {
            "title": _("Delete the question “%(text)s”?") % {"text": question.text},
            "text": _("The question and its options are deleted."), "button": _("Delete"), "danger": True,
            "back": _builder_url(version, f"q{question.pk}"),
        })


@require(Action.MANAGE_SURVEYS)
@require_POST
def question_move(request, question_pk, direction):
    question = _question(request, question_pk)
    try:
        services.move_question(question, direction)
    except SurveyError as exc:
        messages.error(request, exc.message)
    return redirect(_builder_url(question.version, f"q{question.pk}"))


# --- Activities' evaluation ----------------------------------------------------------------------

@require(Action.MANAGE_SURVEYS)
def activity_evaluation(request, activity_pk):
    from larnav.catalog.models import Activity

    activity = get_object_or_404(Activity.objects.filter(consortium=request.consortium), pk=activity_pk)
    current = ActivityEvaluation.objects.filter(activity=activity).first()
    initial = {"mode": current.mode if current else ActivityEvaluation.Mode.DEFAULT,
               "template": current.template_id if current else None}
    form = ActivityEvaluationForm(request.POST or None, initial=initial, consortium=request.consortium)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_activity_evaluation(activity, form.cleaned_data["mode"], form.cleaned_data["template"],
                                             request.user)
        except ValidationError as exc:
            _apply_errors(exc, form)
        else:
            messages.success(request, _("The evaluation is saved."))
            return redirect("catalog:activity", pk=activity.pk)
    return render(request, "surveys/activity_evaluation.html", {
        "activity": activity, "form": form, "effective": services.evaluation_template_for(activity),
        "rounds": Survey.objects.filter(session__activity=activity).select_related("session").order_by(
            "-opens_at")[:20],
    })


# --- Rounds ------------------------------------------------------------------------------------------

@require(Action.MANAGE_SURVEYS)
def survey_create(request):
    template_pk = request.GET.get("mall", "")
    template = _template(request, template_pk) if template_pk.isdigit() else None
    if template is None:
        return render(request, "surveys/survey_choose_template.html", {
            "templates": selectors.templates_for(request.consortium)})
    version = services.latest_version(template)
    initial = {"title": template.name_sv, "anonymous": template.anonymous}
    if template.kind == SurveyTemplate.Kind.COURSE_EVALUATION:
        initial["target"] = Survey.Target.SESSION
    form = SurveyForm(request.POST or None, instance=Survey(version=version), consortium=request.consortium,
                      initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.save_survey(form.instance, organisations=form.cleaned_data.get("organisations", []),
                                          user=request.user)
        except ValidationError as exc:
            _apply_errors(exc, form)
        except SurveyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The round is saved as a draft. Check it, then send it."))
            return redirect("surveys:survey", survey_pk=survey.pk)
    return render(request, "surveys/survey_form.html", {"form": form, "template": template, "version": version})


@require(Action.MANAGE_SURVEYS)
def survey_edit(request, survey_pk):
    survey = _survey(request, survey_pk)
    sent = survey.sent_at is not None
    form = SurveyForm(request.POST or None, instance=survey, consortium=request.consortium, sent=sent)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_survey(form.instance, organisations=form.cleaned_data.get("organisations", []),
                                 user=request.user)
        except ValidationError as exc:
            _apply_errors(exc, form)
        except SurveyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The round is saved."))
            return redirect("surveys:survey", survey_pk=survey.pk)
    return render(request, "surveys/survey_form.html", {
        "form": form, "template": survey.version.template, "version": survey.version, "survey": survey})


@require(Action.MANAGE_SURVEYS)
def survey_detail(request, survey_pk):
    survey = _survey(request, survey_pk)
    now = timezone.now()
    figures = selectors.round_figures(survey)
    context = {
        "survey": survey, "state": survey.status(now), "state_label": STATUS_LABELS[survey.status(now)],
        "figures": figures, "remindable": services.remindable_count(survey, now),
        "organisations": list(survey.organisations.all()), "open_url": None,
        "roles": [str(_role_label(r)) for r in survey.roles],
    }
    if survey.open_token:
        context["open_url"] = request.build_absolute_uri(reverse("surveys:respond_open", args=[survey.open_token]))
    if survey.sent_at is None:
        context["recipient_count"] = len(services.recipients_for(survey))
    if not survey.anonymous and survey.sent_at is not None:
        context["invitations"] = paginate(request, selectors.identified_answered(survey))
    return render(request, "surveys/survey_detail.html", context)


def _role_label(value):
    from larnav.accounts.models import Role

    try:
        return Role(value).label
    except ValueError:
        return value


@require(Action.MANAGE_SURVEYS)
def survey_send(request, survey_pk):
    survey = _survey(request, survey_pk)
    back = reverse("surveys:survey", args=[survey.pk])
    if survey.sent_at is not None:
        messages.info(request, _("The survey has already been sent."))
        return redirect(back)
    open_link = survey.target == Survey.Target.OPEN_LINK

    def confirm():
        recipients = services.recipients_for(survey)
        if open_link:
            text = _("The survey gets a link that anyone who has it can answer. Version %(n)s of the template is "
                     "taken into use and can no longer change.") % {"n": survey.version.number}
        else:
            text = _("%(count)s recipients get an e-mail with their personal link. Version %(n)s of the template is "
                     "taken into use and can no longer change.") % {"count": len(recipients),
                                                                     "n": survey.version.number}
        return {"title": _("Send “%(title)s”?") % {"title": survey.title}, "text": text, "button": _("Send"),
                "back": back, "recipients": recipients[:50], "recipient_total": len(recipients)}

    return _confirmed(
        request, lambda: services.send_survey(survey.pk, request.user), after=back, confirm=confirm,
        done=lambda count: _("The survey is open. Share its link.") if open_link
        else _("The survey is sent to %(n)s recipients.") % {"n": count})


@require(Action.MANAGE_SURVEYS)
def survey_remind(request, survey_pk):
    survey = _survey(request, survey_pk)
    back = reverse("surveys:survey", args=[survey.pk])

    def confirm():
        count = services.remindable_count(survey)
        return {
            "title": _("Remind those who have not answered?"),
            "text": _("%(n)s people who have not answered get a reminder with their link. Those e-mailed in the "
                      "last %(hours)s hours are left out.") % {"n": count, "hours": services.MIN_HOURS_BETWEEN_MAILS},
            "button": _("Send reminders"), "back": back, "disabled": count == 0,
        }

    return _confirmed(request, lambda: services.remind(survey.pk), after=back, confirm=confirm,
                      done=lambda count: _("%(n)s reminders are being sent.") % {"n": count})


@require(Action.MANAGE_SURVEYS)
def survey_close(request, survey_pk):
    survey = _survey(request, survey_pk)
    back = reverse("surveys:survey", args=[survey.pk])
    return _confirmed(
        request, lambda: services.close_survey(survey.pk), done=_("The survey is closed."), after=back,
        confirm=lambda: {
            "title": _("Close “%(title)s” now?") % {"title": survey.title},
            "text": _("Nobody can answer after this. The answers given are kept, and you can open it again."),
            "button": _("Close the survey"), "back": back,
        })


@require(Action.MANAGE_SURVEYS)
def survey_reopen(request, survey_pk):
    survey = _survey(request, survey_pk)
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reopen_survey(survey.pk, form.cleaned_data["closes_at"])
        except ValidationError as exc:
            _apply_errors(exc, form)
        except SurveyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The survey is open again."))
            return redirect("surveys:survey", survey_pk=survey.pk)
    return render(request, "surveys/reopen.html", {"survey": survey, "form": form})


@require(Action.MANAGE_SURVEYS)
def survey_delete(request, survey_pk):
    survey = _survey(request, survey_pk)
    back = reverse("surveys:survey", args=[survey.pk])
    return _confirmed(
        request, lambda: services.delete_survey(survey), done=_("The draft is deleted."), after=back,
        after_done=reverse("surveys:home"),
        confirm=lambda: {
            "title": _("Delete the draft “%(title)s”?") % {"title": survey.title},
            "text": _("Nothing has been sent. The draft is deleted; the template is kept."), "button": _("Delete"),
            "danger": True, "back": back,
        })


# --- Answering -----------------------------------------------------------------------------------------

def _sections_with_fields(version, questions, form):
    """Sections with their questions, each with its bound field(s), for the answer sheet."""
    sections = list(version.sections.order_by("position", "pk"))
    by_section = {s.pk: [] for s in sections}
    numbers = {}
    for number, question in enumerate(questions, start=1):
        numbers[question.pk] = number
        question.number = number
        if question.kind == Question.Kind.MATRIX:
            question.rows = [(statement, form[name]) for statement, name in form.matrix_fields[question.pk]]
            question.error = form.question_errors.get(f"q{question.pk}") or (
                _("Answer every statement.") if any(form[name].errors for _s, name in
                                                   form.matrix_fields[question.pk]) else "")
        else:
            question.field = form[f"q{question.pk}"]
        if question.condition_id:
            question.condition_number = numbers.get(question.condition.question_id)
            question.condition_label = question.condition.label if hasattr(question.condition, "label") else ""
        by_section[question.section_id].append(question)
    for section in sections:
        section.listed = by_section[section.pk]
    return [s for s in sections if s.listed]


def _error_summary(form, questions) -> list[dict]:
    """Every error with a link to its question, in the order of the questions."""
    items = []
    for question in questions:
        name = f"q{question.pk}"
        if question.kind == Question.Kind.MATRIX:
            rows = form.matrix_fields[question.pk]
            errors = [form[n].errors for _s, n in rows if form[n].errors]
            if errors or name in form.question_errors:
                first = next((n for _s, n in rows if form[n].errors), rows[0][1] if rows else name)
                items.append({"anchor": f"id_{first}_0", "number": question.number, "text": question.text,
                              "message": form.question_errors.get(name) or errors[0][0]})
        elif form[name].errors:
            anchor = f"id_{name}_0" if question.kind in Question.CHOICE_KINDS else f"id_{name}"
            items.append({"anchor": anchor, "number": question.number, "text": question.text,
                          "message": form[name].errors[0]})
    return items


def _render_sheet(request, survey, form, questions, *, action_url, status=200, invitation=None):
    sections = _sections_with_fields(survey.version, questions, form)
    return render(request, "surveys/respond.html", {
        "survey": survey, "template": survey.version.template, "version": survey.version, "form": form,
        "sections": sections, "errors": _error_summary(form, questions) if form.is_bound else [],
        "action_url": action_url, "invitation": invitation,
    }, status=status)


def _state_page(request, survey, state, status=200):
    return render(request, "surveys/respond_state.html", {"survey": survey, "state": state}, status=status)


def _submit(request, survey, form, questions, **kwargs):
    """Validate and store; return (outcome, response) where outcome is 'ok', 'invalid' or a state name."""
    if not form.is_valid():
        try:  # also report the rule errors (required answers) together with the format errors
            services.validate_answers(questions, form.raw_answers())
        except InvalidAnswers as exc:
            form.add_service_errors({k: v for k, v in exc.errors.items() if k not in form.errors})
        return "invalid"
    try:
        services.submit_response(survey.pk, form.raw_answers(), user=request.user, language=get_language() or "sv",
                                 **kwargs)
    except InvalidAnswers as exc:
        form.add_service_errors(exc.errors)
        return "invalid"
    except AlreadyAnswered:
        return "answered"
    except SurveyNotOpenYet:
        return "not_open"
    except SurveyClosed:
        return "closed"
    return "ok"


def respond(request, token):
    """The answer sheet reached from the personal link in the e-mail (no sign-in needed)."""
    invitation = (Invitation.objects.select_related("survey__version__template", "survey__session__activity")
                  .filter(token=token).first())
    if invitation is None:
        return render(request, "surveys/respond_state.html", {"state": "invalid"}, status=404)
    survey = invitation.survey
    now = timezone.now()
    if invitation.answered:
        return _state_page(request, survey, "answered")
    if survey.sent_at is None:
        raise Http404
    if survey.status(now) == "closed":
        return _state_page(request, survey, "closed", status=410 if request.method == "POST" else 200)
    if survey.status(now) == "scheduled":
        return _state_page(request, survey, "not_open")
    questions = services.questions_for_answering(survey.version)
    form = ResponseForm(request.POST or None, questions=questions)
    if request.method == "POST":
        outcome = _submit(request, survey, form, questions, invitation_token=token)
        if outcome in ("ok", "answered"):
            return redirect("surveys:respond", token=token)
        if outcome != "invalid":
            return _state_page(request, survey, outcome, status=409)
        return _render_sheet(request, survey, form, questions, action_url=request.path, status=422,
                             invitation=invitation)
    return _render_sheet(request, survey, form, questions, action_url=request.path, invitation=invitation)


def _answered_here(request) -> set[int]:
    try:
        value = request.get_signed_cookie(ANSWERED_COOKIE, default="", salt=ANSWERED_SALT)
    except BadSignature:
        return set()
    return {int(v) for v in value.split(",") if v.isdigit()}


def respond_open(request, token):
    """The answer sheet of a round's open link."""
    survey = (Survey.objects.select_related("version__template", "session__activity")
              .filter(open_token=token, sent_at__isnull=False).first())
    if survey is None:
        return render(request, "surveys/respond_state.html", {"state": "invalid"}, status=404)
    now = timezone.now()
    user = request.user
    answered = survey.pk in _answered_here(request) or (
        user.is_authenticated and Invitation.objects.filter(survey=survey, user=user, answered=True).exists())
    if answered:
        return _state_page(request, survey, "answered")
    state = survey.status(now)
    if state in ("closed", "scheduled"):
        return _state_page(request, survey, "closed" if state == "closed" else "not_open",
                           status=410 if request.method == "POST" and state == "closed" else 200)
    questions = services.questions_for_answering(survey.version)
    form = ResponseForm(request.POST or None, questions=questions)
    if request.method == "POST":
        outcome = _submit(request, survey, form, questions)
        if outcome in ("ok", "answered"):
            response = redirect("surveys:respond_open", token=token)
            done = sorted(_answered_here(request) | {survey.pk})[-200:]
            response.set_signed_cookie(ANSWERED_COOKIE, ",".join(map(str, done)), salt=ANSWERED_SALT,
                                       max_age=60 * 60 * 24 * 400, httponly=True, samesite="Lax",
                                       secure=getattr(settings, "SESSION_COOKIE_SECURE", False))
            return response
        if outcome != "invalid":
            return _state_page(request, survey, outcome, status=409)
        return _render_sheet(request, survey, form, questions, action_url=request.path, status=422)
    return _render_sheet(request, survey, form, questions, action_url=request.path)


# --- Results -----------------------------------------------------------------------------------------------

def _results_template(request, template_pk) -> SurveyTemplate:
    if not request.user.is_authenticated:
        raise PermissionDenied
    template = _template(request, template_pk)
    if not selectors.may_see_results(request.user):
        raise PermissionDenied
    if not selectors.can_manage(request.user) and not selectors.template_responses(request.user, template).exists():
        raise Http404
    return template


def _results_context(request, template):
    versions = list(template.versions.order_by("-number"))
    responses_all = selectors.template_responses(request.user, template)
    used = set(responses_all.values_list("survey__version_id", flat=True).distinct())
    try:
        number = int(request.GET.get("version", ""))
    except ValueError:
        number = None
    version = next((v for v in versions if v.number == number), None) or next(
        (v for v in versions if v.pk in used), versions[0])
    options = selectors.filter_options(request.user, version)
    data = request.GET if any(k in request.GET for k in ResultsFilterForm.base_fields) else None
    form = ResultsFilterForm(data, **options)
    filters = form.filters()
    responses = selectors.version_responses(request.user, version, filters)
    result = selectors.results(version, responses)
    return {"template": template, "versions": [v for v in versions if v.pk in used] or versions[:1],
            "version": version, "form": form, "filters": filters, "responses": responses, "result": result}


@login_required
def results(request, template_pk):
    template = _results_template(request, template_pk)
    context = _results_context(request, template)
    charts.attach(context["result"])
    query = request.GET.copy()
    query.pop("page", None)
    context.update({
        "manage": selectors.can_manage(request.user), "query": query.urlencode(),
        "scoped": not selectors.can_manage(request.user), "min_group": MIN_GROUP_SIZE,
    })
    return render(request, "surveys/results.html", context)


def _xlsx(filename: str, sheets) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


@login_required
def export_summary(request, template_pk):
    template = _results_template(request, template_pk)
    context = _results_context(request, template)
    result = context["result"]
    if result.masked:
        messages.error(request, _("Fewer than %(n)s responses: nothing to export for this selection.")
                       % {"n": MIN_GROUP_SIZE})
        return redirect(reverse("surveys:results", args=[template.pk]) + "?" + request.GET.urlencode())
    headers, rows = selectors.summary_export(result)
    text_headers, text_rows = selectors.texts_export(result, context["responses"])
    filename = f"enkat-{template.pk}-v{context['version'].number}-sammanstallning-{timezone.localdate():%Y-%m-%d}"
    return _xlsx(filename, [(_("Summary"), headers, rows), (_("Free text"), text_headers, text_rows)])


@require(Action.MANAGE_SURVEYS)
def export_responses(request, template_pk):
    template = _results_template(request, template_pk)
    context = _results_context(request, template)
    if context["result"].masked:
        messages.error(request, _("Fewer than %(n)s responses: nothing to export for this selection.")
                       % {"n": MIN_GROUP_SIZE})
        return redirect(reverse("surveys:results", args=[template.pk]) + "?" + request.GET.urlencode())
    headers, rows = selectors.raw_export(context["version"], context["responses"])
    filename = f"enkat-{template.pk}-v{context['version'].number}-svar-{timezone.localdate():%Y-%m-%d}"
    return _xlsx(filename, [(_("Responses"), headers, rows)])


@login_required
def compare(request, template_pk):
    from .forms import CompareForm

    template = _results_template(request, template_pk)
    responses = selectors.template_responses(request.user, template)
    rounds = Survey.objects.filter(pk__in=responses.values("survey_id")).select_related("version").order_by(
        "-opens_at")
    form = CompareForm(request.GET or None, rounds=rounds)
    compared, sides = None, None
    if form.is_bound and form.is_valid():
        sides = []
        for prefix in ("a", "b"):
            label, chosen = form.side(prefix)
            sides.append(selectors.Side(label=label, responses=selectors.filter_responses(responses, chosen)))
        compared = selectors.compare(template, *sides)
        charts.attach_comparison(compared, sides)
    return render(request, "surveys/compare.html", {
        "template": template, "form": form, "compared": compared, "sides": sides, "min_group": MIN_GROUP_SIZE,
        "has_rounds": rounds.exists(),
    })
