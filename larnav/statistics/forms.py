from django import forms
from django.utils.translation import gettext_lazy as _

from larnav.organisations.models import Organisation

from .periods import Period, tertial_of, today
from .queries import Cut
from .selectors import CUT_LABELS

PERIOD_CHOICES = [
    ("T1", _("T1 (January–April)")),
    ("T2", _("T2 (May–August)")),
    ("T3", _("T3 (September–December)")),
    ("ytd", _("Year to date")),
    ("year", _("The whole year")),
]
DASHBOARD_CUTS = (Cut.MUNICIPALITY, Cut.DISTRICT, Cut.WORKPLACE, Cut.ROLE, Cut.GENDER, Cut.ACTIVITY_TYPE,
                  Cut.FOCUS_AREA)
YEARS_BACK = 6


def year_choices(day=None) -> list[int]:
    day = day or today()
    return list(range(day.year, day.year - YEARS_BACK, -1))


class DashboardForm(forms.Form):
    """What the statistics dashboard shows: a period, how to break it down, and optionally one organisation."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, initial="ytd")
    cut = forms.ChoiceField(label=_("Break down by"), required=False,
                            choices=[("", _("Municipality (in an organisation: workplace)"))]
                            + [(c.value, CUT_LABELS[c]) for c in DASHBOARD_CUTS])
    organisation = forms.ModelChoiceField(
        label=_("Municipality or city district"), required=False, queryset=Organisation.objects.none(),
        help_text=_("Leave it empty for the whole consortium."))

    def __init__(self, data=None, *, consortium, organisations, day=None):
        self.day = day or today()
        years = year_choices(self.day)
        if data is not None and not any(data.get(k) for k in self.base_fields):
            data = None  # a first visit: show the defaults
        super().__init__(data, initial={"year": years[0], "period": "ytd"})
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.fields["year"].error_messages["invalid_choice"] = _(
            "Choose a year between %(first)s and %(last)s.") % {"first": years[-1], "last": years[0]}
        self.fields["period"].error_messages["invalid_choice"] = _("Choose a tertial, year to date or the whole year.")
        self.fields["cut"].error_messages["invalid_choice"] = _("Choose one of the listed breakdowns.")
        # Any municipality or city district of the consortium is accepted here; whether the viewer may
        # open it is the permission layer's decision (403), the picker lists only those they may.
        self.fields["organisation"].queryset = Organisation.objects.filter(
            consortium=consortium, type__in=(Organisation.Type.KOMMUN, Organisation.Type.STADSDEL,
                                             Organisation.Type.FORVALTNING))
        self.fields["organisation"].error_messages["invalid_choice"] = _("Choose a municipality or city district "
                                                                         "from the list.")
        self.fields["organisation"].choices = [("", _("The whole consortium"))] + [(o.pk, o.name)
                                                                                  for o in organisations]
        if not organisations:
            del self.fields["organisation"]

    def selection(self) -> tuple[Period, Cut, Organisation | None]:
        """The period, cut and organisation chosen (the defaults before the form is sent)."""
        data = self.cleaned_data if self.is_bound else {}
        year = data.get("year") or self.fields["year"].choices[0][0]
        kind = data.get("period") or "ytd"
        organisation = data.get("organisation")
        if kind == "year":
            period = Period.for_year(year)
        elif kind == "ytd":
            period = Period.year_to_date(year, tertial_of(self.day) if year == self.day.year else 3)
        else:
            period = Period.for_tertial(year, int(kind[1]))
        cut = Cut(data["cut"]) if data.get("cut") else (Cut.WORKPLACE if organisation else Cut.MUNICIPALITY)
        return period, cut, organisation
