from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from larnav.accounts.models import Role
from larnav.catalog.forms import DateInput, DateTimeLocalInput
from larnav.catalog.models import Session
from larnav.organisations.models import Organisation
from larnav.people.models import Occupation

from .models import MAX_TEXT_ANSWER, ActivityEvaluation, Question, Section, Survey, SurveyTemplate
from .services import OptionInput


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class TemplateForm(forms.ModelForm):
    class Meta:
        model = SurveyTemplate
        fields = ["name_sv", "name_en", "kind", "intro_sv", "intro_en", "anonymous", "is_default_evaluation"]
        widgets = {"intro_sv": forms.Textarea(attrs={"rows": 3}), "intro_en": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_default_evaluation") and cleaned.get("kind") != SurveyTemplate.Kind.COURSE_EVALUATION:
            self.add_error("is_default_evaluation", _("Only a course evaluation can be the default evaluation."))
        return cleaned


class SectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["title_sv", "title_en", "intro_sv", "intro_en"]
        widgets = {"intro_sv": forms.Textarea(attrs={"rows": 2}), "intro_en": forms.Textarea(attrs={"rows": 2})}


class QuestionForm(forms.ModelForm):
    """A question with its options (one per line, in both languages) or matrix statements."""

    options_sv = forms.CharField(
        label=_("Options (Swedish)"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For single and multiple choice: one option per line."),
    )
    options_en = forms.CharField(
        label=_("Options (English)"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The same options in the same order, or leave empty."),
    )
    statements_sv = forms.CharField(
        label=_("Statements (Swedish)"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a matrix: one statement per line, each answered on the 1–5 scale."),
    )
    statements_en = forms.CharField(
        label=_("Statements (English)"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The same statements in the same order, or leave empty."),
    )

    class Meta:
        model = Question
        fields = ["section", "kind", "text_sv", "text_en", "help_sv", "help_en", "required", "options_sv",
                  "options_en", "statements_sv", "statements_en", "scale_low_sv", "scale_high_sv", "scale_low_en",
                  "scale_high_en", "number_min", "number_max", "condition", "indicator"]

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.version = version
        self.fields["section"].queryset = version.sections.order_by("position", "pk")
        self.fields["section"].label_from_instance = lambda s: s.title or _("Section %(n)s") % {"n": s.position}
        self.fields["section"].empty_label = None
        from .models import Choice

        conditions = (Choice.objects.filter(question__version=version, question__kind__in=Question.CHOICE_KINDS)
                      .select_related("question", "question__section")
                      .order_by("question__section__position", "question__position", "position"))
        if self.instance.pk:
            conditions = conditions.exclude(question=self.instance)
        self.fields["condition"].queryset = conditions
        self.fields["condition"].label_from_instance = lambda c: f"{c.question.text} → {c.label}"
        self.fields["condition"].empty_label = _("Always show the question")
        self.fields["condition"].required = False
        for name in ("number_min", "number_max"):
            self.fields[name].localize = True
            self.fields[name].widget = forms.TextInput(attrs={"inputmode": "decimal"})
            self.fields[name].widget.is_localized = True
        if self.instance.pk and not self.is_bound:
            options = list(self.instance.choices.order_by("position"))
            if self.instance.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
                self.initial["options_sv"] = "\n".join(c.text_sv for c in options)
                self.initial["options_en"] = "\n".join(c.text_en for c in options)
            statements = list(self.instance.statements.order_by("position"))
            self.initial["statements_sv"] = "\n".join(s.text_sv for s in statements)
            self.initial["statements_en"] = "\n".join(s.text_en for s in statements)

    def _paired(self, prefix: str) -> list[OptionInput]:
        sv, en = _lines(self.cleaned_data.get(f"{prefix}_sv")), _lines(self.cleaned_data.get(f"{prefix}_en"))
        if en and len(en) != len(sv):
            self.add_error(f"{prefix}_en", _("Give as many lines in English as in Swedish, or none."))
            return []
        too_long = [line for line in sv + en if len(line) > 300]
        if too_long:
            self.add_error(f"{prefix}_sv", _("Each line can have at most 300 characters."))
            return []
        return [OptionInput(s, en[i] if en else "") for i, s in enumerate(sv)]

    def clean(self):
        cleaned = super().clean()
        self.options = self._paired("options")
        self.statements = self._paired("statements")
        return cleaned

    def _post_clean(self):
        # The model's own checks run in the service, after the options are known.
        from django.forms.models import construct_instance

        self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)


class ActivityEvaluationForm(forms.Form):
    mode = forms.ChoiceField(label=_("Evaluation after each session"), choices=ActivityEvaluation.Mode.choices,
                             widget=forms.RadioSelect)
    template = forms.ModelChoiceField(label=_("Survey template"), queryset=SurveyTemplate.objects.none(),
                                      required=False, help_text=_("Only when you choose an evaluation."))

    def __init__(self, *args, consortium, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = SurveyTemplate.objects.filter(
            consortium=consortium, archived_at__isnull=True).order_by("name_sv")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mode") == ActivityEvaluation.Mode.TEMPLATE and not cleaned.get("template"):
            self.add_error("template", _("Choose the survey template."))
        return cleaned


# --- Rounds ---------------------------------------------------------------------------------

ROLE_TARGETS = [Role.CKA, Role.KONTAKTPERSON, Role.STYRGRUPP, Role.CHEF, Role.KOMPETENSOMBUD, Role.UTBILDARE,
                Role.SAMORDNARE]


def area_choices(consortium):
    """Municipalities, city districts and administrations: the levels results are cut by."""
    return (Organisation.objects.filter(consortium=consortium, is_active=True, type__in=(
        Organisation.Type.KOMMUN, Organisation.Type.STADSDEL, Organisation.Type.FORVALTNING))
        .select_related("municipality").order_by("municipality__name", "path"))


def area_label(org) -> str:
    if org.type == Organisation.Type.KOMMUN:
        return org.name
    return f"{org.municipality.name} – {org.name}" if org.municipality_id else org.name


def session_label(session) -> str:
    when = timezone.localtime(session.first_start).strftime("%Y-%m-%d") if session.first_start else "–"
    name = f" – {session.name}" if session.name else ""
    return f"{session.activity.title}{name} ({when})"


class SurveyForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(r.value, r.label) for r in ROLE_TARGETS],
        help_text=_("Everyone with one of these roles gets the survey."),
    )

    class Meta:
        model = Survey
        fields = ["title", "target", "session", "roles", "organisations", "anonymous", "opens_at", "closes_at",
                  "remind_after_days", "max_reminders"]
        widgets = {"target": forms.RadioSelect, "opens_at": DateTimeLocalInput, "closes_at": DateTimeLocalInput,
                   "organisations": forms.SelectMultiple(attrs={"size": 8})}
        help_texts = {
            "organisations": _("With the target “The staff of organisations”: everyone working there. "
                               "With role groups: only those whose role is for one of these. "
                               "Hold Ctrl (⌘ on a Mac) to choose several."),
        }

    def __init__(self, *args, consortium, sent=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.consortium = consortium
        now = timezone.now()
        sessions = (Session.objects.filter(consortium=consortium, first_start__gte=now - timedelta(days=400),
                                           first_start__lte=now + timedelta(days=400))
                    .exclude(status=Session.Status.CANCELLED).select_related("activity").order_by("-first_start"))
        if self.instance.session_id:
            sessions = Session.objects.filter(Q(pk__in=sessions.values("pk")) | Q(pk=self.instance.session_id)
                                              ).select_related("activity").order_by("-first_start")
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = session_label
        self.fields["session"].help_text = _("With the target “The attendees of a session”.")
        self.fields["organisations"].queryset = area_choices(consortium)
        self.fields["organisations"].label_from_instance = area_label
        self.fields["opens_at"].initial = timezone.localtime(now).replace(second=0, microsecond=0)
        self.fields["closes_at"].initial = (timezone.localtime(now) + timedelta(days=14)).replace(
            second=0, microsecond=0)
        self.fields["remind_after_days"].widget.attrs.update({"min": 1, "max": 60})
        self.fields["max_reminders"].widget.attrs.update({"min": 0, "max": 5})
        if sent:
            for name in list(self.fields):
                if name not in ("title", "closes_at", "remind_after_days", "max_reminders"):
                    del self.fields[name]

    def clean_remind_after_days(self):
        value = self.cleaned_data.get("remind_after_days")
        if value is not None and not 1 <= value <= 60:
            raise forms.ValidationError(_("Give a number of days between 1 and 60."))
        return value

    def clean_max_reminders(self):
        value = self.cleaned_data.get("max_reminders")
        if value is not None and value > 5:
            raise forms.ValidationError(_("At most five reminders."))
        return value

    def _post_clean(self):
        from django.forms.models import construct_instance

        self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)


class ReopenForm(forms.Form):
    closes_at = forms.DateTimeField(label=_("New closing time"), widget=DateTimeLocalInput)


# --- Answering ------------------------------------------------------------------------------

class LocalDecimalField(forms.Field):
    """A number as people write it: 3,5 or 3.5, with spaces between thousands."""

    widget = forms.TextInput

    def to_python(self, value):
        value = str(value or "").strip()
        if not value:
            return None
        if len(value) > 30:
            raise forms.ValidationError(_("Give a number, for example 12 or 3,5."), code="invalid")
        cleaned = value.replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            number = Decimal(cleaned)
        except InvalidOperation as exc:
            raise forms.ValidationError(_("Give a number, for example 12 or 3,5."), code="invalid") from exc
        if not number.is_finite() or abs(number) >= Decimal("1e10"):
            raise forms.ValidationError(_("Give a number, for example 12 or 3,5."), code="invalid")
        return number


CHOICE_ERRORS = {"invalid_choice": _("Choose one of the options."),
                 "invalid_list": _("Choose among the options shown.")}


class ResponseForm(forms.Form):
    """The answer sheet of one version. Fields only parse; the rules are in ``services.validate_answers``."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.matrix_fields: dict[int, list[tuple[object, str]]] = {}
        K = Question.Kind
        for question in questions:
            name = f"q{question.pk}"
            common = {"label": question.text, "required": False, "help_text": question.help}
            choices = [(c.pk, c.label) for c in question.choices.all()]
            if question.kind in (K.SCALE, K.SINGLE, K.YES_NO):
                self.fields[name] = forms.TypedChoiceField(choices=choices, coerce=int, widget=forms.RadioSelect,
                                                           error_messages=CHOICE_ERRORS, **common)
            elif question.kind == K.MULTIPLE:
                self.fields[name] = forms.TypedMultipleChoiceField(
                    choices=choices, coerce=int, widget=forms.CheckboxSelectMultiple, error_messages={
                        "invalid_choice": CHOICE_ERRORS["invalid_list"], "invalid_list": CHOICE_ERRORS["invalid_list"]},
                    **common)
            elif question.kind == K.MATRIX:
                rows = []
                for statement in question.statements.all():
                    row_name = f"{name}_{statement.pk}"
                    self.fields[row_name] = forms.TypedChoiceField(
                        label=statement.text, choices=choices, coerce=int, required=False,
                        widget=forms.RadioSelect, error_messages=CHOICE_ERRORS)
                    rows.append((statement, row_name))
                self.matrix_fields[question.pk] = rows
            elif question.kind == K.NUMBER:
                self.fields[name] = LocalDecimalField(
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}), **common)
            elif question.kind == K.TEXT:
                self.fields[name] = forms.CharField(
                    max_length=MAX_TEXT_ANSWER, widget=forms.Textarea(attrs={"rows": 4}),
                    error_messages={"max_length": _(
                        "Write at most %(limit_value)d characters (you wrote %(show_value)d).")}, **common)

    def raw_answers(self) -> dict[int, object]:
        """The parsed answers, keyed by question id, in the shape ``validate_answers`` takes."""
        data = self.cleaned_data
        raw = {}
        for question in self.questions:
            if question.kind == Question.Kind.MATRIX:
                raw[question.pk] = {s.pk: data.get(field) for s, field in self.matrix_fields[question.pk]
                                    if data.get(field) not in (None, "")}
            else:
                raw[question.pk] = data.get(f"q{question.pk}")
        return raw

    def add_service_errors(self, errors: dict[str, str]) -> None:
        for field, message in errors.items():
            if field in self.fields:
                self.add_error(field, message)
            else:
                self.question_errors[field] = message

    @property
    def question_errors(self) -> dict[str, str]:
        """Errors that belong to a whole question (a matrix) rather than one field."""
        if not hasattr(self, "_question_errors"):
            self._question_errors = {}
        return self._question_errors


# --- Results --------------------------------------------------------------------------------

class ResultsFilterForm(forms.Form):
    """The results' filters. A value that does not validate is dropped, never an error."""

    round = forms.ModelChoiceField(label=_("Round"), queryset=Survey.objects.none(), required=False,
                                   empty_label=_("All rounds"))
    activity = forms.TypedChoiceField(label=_("Activity"), required=False, coerce=int, empty_value=None)
    session = forms.ModelChoiceField(label=_("Session"), queryset=Session.objects.none(), required=False,
                                     empty_label=_("All sessions"))
    provider = forms.ChoiceField(label=_("Given by"), required=False)
    area = forms.ModelChoiceField(label=_("Municipality or district"), queryset=Organisation.objects.none(),
                                  required=False, empty_label=_("All"))
    occupation = forms.ModelChoiceField(label=_("Occupation"), queryset=Occupation.objects.filter(is_active=True),
                                        required=False, empty_label=_("All occupations"))
    date_from = forms.DateField(label=_("Answered from"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("Answered until"), required=False, widget=DateInput)

    def __init__(self, data, *, rounds, sessions, activities, providers, areas, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["round"].queryset = rounds
        self.fields["round"].label_from_instance = lambda s: s.title
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = session_label
        self.fields["activity"].choices = [("", _("All activities"))] + list(activities)
        self.fields["provider"].choices = [("", _("All providers"))] + list(providers)
        self.fields["area"].queryset = areas
        self.fields["area"].label_from_instance = area_label

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        cleaned = {}
        for name in self.fields:
            if name in self.errors:
                continue
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                cleaned[name] = value
        return cleaned

    @property
    def active(self) -> bool:
        return bool(self.filters())


class CompareForm(forms.Form):
    """Two selections of the same template: each a round or a period (or both)."""

    a_round = forms.ModelChoiceField(label=_("Round"), queryset=Survey.objects.none(), required=False,
                                     empty_label=_("Any round"))
    a_from = forms.DateField(label=_("Answered from"), required=False, widget=DateInput)
    a_to = forms.DateField(label=_("Answered until"), required=False, widget=DateInput)
    b_round = forms.ModelChoiceField(label=_("Round"), queryset=Survey.objects.none(), required=False,
                                     empty_label=_("Any round"))
    b_from = forms.DateField(label=_("Answered from"), required=False, widget=DateInput)
    b_to = forms.DateField(label=_("Answered until"), required=False, widget=DateInput)

    def __init__(self, *args, rounds, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("a_round", "b_round"):
            self.fields[name].queryset = rounds
            self.fields[name].label_from_instance = lambda s: s.title

    def clean(self):
        cleaned = super().clean()
        for prefix, name in (("a", _("the first selection")), ("b", _("the second selection"))):
            if not (cleaned.get(f"{prefix}_round") or cleaned.get(f"{prefix}_from") or cleaned.get(f"{prefix}_to")):
                self.add_error(f"{prefix}_round", _("Choose a round or a period for %(side)s.") % {"side": name})
            first, last = cleaned.get(f"{prefix}_from"), cleaned.get(f"{prefix}_to")
            if first and last and first > last:
                self.add_error(f"{prefix}_to", _("The end of the period must not be before its start."))
        return cleaned

    def side(self, prefix: str) -> tuple[str, dict]:
        """(label, filters) of one selection."""
        data = self.cleaned_data
        survey, first, last = data.get(f"{prefix}_round"), data.get(f"{prefix}_from"), data.get(f"{prefix}_to")
        parts = [survey.title] if survey else []
        if first or last:
            parts.append(f"{first.isoformat() if first else '…'} – {last.isoformat() if last else '…'}")
        filters = {"round": survey, "date_from": first, "date_to": last}
        return " · ".join(parts), {k: v for k, v in filters.items() if v}
