from django import forms
from django.utils.translation import gettext_lazy as _

from larnav.catalog.text import swedish_sort_key

from .models import ReportJob


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportJob.Kind.choices, widget=forms.RadioSelect)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    tertial = forms.TypedChoiceField(
        label=_("Tertial"), required=False, coerce=int, empty_value=None,
        choices=[("", _("The whole year")), (1, _("T1 (January–April)")), (2, _("T2 (May–August)")),
                 (3, _("T3 (September–December)"))],
        help_text=_("The tertial report needs one; the year-end report covers the whole year."))
    organisation = forms.ModelChoiceField(
        label=_("Municipality or city district"), required=False, queryset=None,
        help_text=_("For the report for a municipality."))
    masked = forms.BooleanField(
        label=_("Mask small numbers (for a wider audience)"), required=False, initial=True,
        help_text=_("Numbers below the minimum are shown as “<5” so that nobody can be identified. Leave it "
                    "on for anything shown outside the coordination team."))

    def __init__(self, *args, years, organisations, may_unmask: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.fields["organisation"].queryset = organisations
        ordered = sorted(organisations, key=lambda o: swedish_sort_key(o.name))
        self.fields["organisation"].choices = [("", _("– choose –"))] + [(o.pk, o.name) for o in ordered]
        if not may_unmask:
            del self.fields["masked"]
        if not ordered:
            del self.fields["organisation"]
            self.fields["kind"].choices = [c for c in ReportJob.Kind.choices if c[0] != ReportJob.Kind.MUNICIPALITY]

    def clean(self):
        data = super().clean()
        data.setdefault("masked", True)
        if "masked" not in self.fields:
            data["masked"] = True
        return data
