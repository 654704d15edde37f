from django import forms
from django.utils.translation import gettext_lazy as _

from larnav.organisations.models import Organisation

from .models import Occupation, Person


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    organisation = forms.ModelChoiceField(label=_("Organisation"), required=False, queryset=Organisation.objects.none(),
                                          empty_label=_("All in my scope"))
    occupation = forms.ModelChoiceField(label=_("Occupation"), required=False, queryset=Occupation.objects.all(),
                                        empty_label=_("All occupations"))
    active = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Active")), ("all", _("All")), ("inactive", _("Inactive"))])

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations.order_by("path")


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["first_name", "last_name", "email", "workplace", "occupation", "gender", "language",
                  "external_id", "is_active"]

    def __init__(self, *args, consortium, workplaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.consortium = consortium
        self.fields["workplace"].queryset = workplaces.filter(type=Organisation.Type.ENHET).order_by("name")
        self.fields["workplace"].required = True
        self.fields["occupation"].queryset = Occupation.objects.filter(is_active=True)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        clash = Person.objects.filter(consortium=self.instance.consortium, email__iexact=email)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Another person already has this e-mail address."))
        return email
