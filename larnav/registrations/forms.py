from django import forms
from django.utils.translation import gettext_lazy as _

from larnav.core.validators import reject_personnummer
from larnav.organisations.models import Organisation
from larnav.people.models import Occupation

from .models import Question

MAX_ANSWER = 2000


class RegistrationForm(forms.Form):
    """The registration form: the activity's extra questions, expected benefit and consent.

    Someone not signed in also gives name, e-mail, workplace and occupation.
    """

    expected_benefit = forms.CharField(
        label=_("What benefit do you expect from the training for your work?"), required=False,
        max_length=MAX_ANSWER, widget=forms.Textarea(attrs={"rows": 3}), validators=[reject_personnummer],
    )
    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree that my registration is stored for this purpose."),
    )

    def __init__(self, *args, questions, anonymous, consortium, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        fields = {}
        if anonymous:
            fields["first_name"] = forms.CharField(label=_("First name"), max_length=100,
                                                   validators=[reject_personnummer])
            fields["last_name"] = forms.CharField(label=_("Last name"), max_length=100,
                                                  validators=[reject_personnummer])
            fields["email"] = forms.EmailField(label=_("Work e-mail"), max_length=254)
            fields["workplace"] = forms.ModelChoiceField(
                label=_("Workplace"),
                queryset=Organisation.objects.filter(consortium=consortium, type=Organisation.Type.ENHET,
                                                     is_active=True).select_related("municipality")
                .order_by("municipality__name", "name"),
                help_text=_("Start typing the name of your workplace to jump to it."),
            )
            fields["workplace"].label_from_instance = lambda o: f"{o.municipality.name} – {o.name}"
            fields["occupation"] = forms.ModelChoiceField(label=_("Occupation"),
                                                          queryset=Occupation.objects.filter(is_active=True))
        for question in self.questions:
            fields[f"q{question.pk}"] = self._field_for(question)
        # Identity first, then the activity's questions, then benefit and consent.
        self.fields = {**fields, **self.fields}

    @staticmethod
    def _field_for(question: Question):
        common = {"label": question.text, "required": question.required}
        if question.kind == Question.Kind.CHOICE:
            return forms.ChoiceField(choices=[("", "–")] + [(c, c) for c in question.choice_list], **common)
        if question.kind == Question.Kind.YES_NO:
            return forms.ChoiceField(choices=[("", "–"), ("ja", _("Yes")), ("nej", _("No"))],
                                     widget=forms.RadioSelect if question.required else forms.Select, **common)
        return forms.CharField(max_length=MAX_ANSWER, widget=forms.Textarea(attrs={"rows": 2}),
                               validators=[reject_personnummer], **common)

    def answers(self) -> dict:
        return {question.text: self.cleaned_data.get(f"q{question.pk}", "") for question in self.questions}


class DecisionForm(forms.Form):
    message = forms.CharField(label=_("Message to the participant (optional)"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ColleaguesForm(forms.Form):
    persons = forms.ModelMultipleChoiceField(
        label=_("Colleagues to register"), queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one person.")},
    )

    def __init__(self, *args, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persons"].queryset = persons
        self.fields["persons"].label_from_instance = lambda p: f"{p.last_name}, {p.first_name} – {p.workplace}"


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["text", "kind", "choices", "required", "sort_order"]
        widgets = {"choices": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Question.Kind.CHOICE and len(
            [c for c in (cleaned.get("choices") or "").splitlines() if c.strip()]
        ) < 2:
            self.add_error("choices", _("Give at least two choices, one per line."))
        return cleaned
