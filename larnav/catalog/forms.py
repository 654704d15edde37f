from datetime import date

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from larnav.organisations.models import Organisation
from larnav.people.models import Occupation

from . import selectors
from .models import MAX_CAPACITY, Activity, FocusArea, Session
from .services import (
    EDITABLE_STATUSES,
    MAX_SERIES_COUNT,
    MAX_SERIES_INTERVAL_WEEKS,
    OccasionInput,
    local_datetime,
)

MONTHS_AHEAD = 24
MAX_QUERY_LENGTH = 200


# --- The public catalog's filters ------------------------------------------------

def _month_choices(today: date) -> list[tuple[str, str]]:
    choices = []
    year, month = today.year, today.month
    for _i in range(MONTHS_AHEAD):
        first = date(year, month, 1)
        choices.append((f"{year:04d}-{month:02d}", formats.date_format(first, "YEAR_MONTH_FORMAT")))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return choices


class CatalogFilterForm(forms.Form):
    """The catalog's filters. Any value that does not validate is dropped, never an error."""

    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_QUERY_LENGTH,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
    type = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("All types")), *Activity.Type.choices])
    level = forms.ChoiceField(label=_("Level"), required=False,
                              choices=[("", _("All levels")), *Activity.Level.choices])
    focus = forms.ModelChoiceField(label=_("Focus area"), required=False, queryset=FocusArea.objects.none(),
                                   empty_label=_("All focus areas"))
    role = forms.ModelChoiceField(label=_("For occupation"), required=False, queryset=Occupation.objects.none(),
                                  empty_label=_("All occupations"))
    month = forms.ChoiceField(label=_("Month"), required=False)
    scope = forms.ChoiceField(label=_("Regional or local"), required=False, choices=[
        ("", _("Regional and local")), ("regional", _("Regional")), ("local", _("Local"))])
    mode = forms.ChoiceField(label=_("Digital or on site"), required=False, choices=[
        ("", _("Digital and on site")), ("digital", _("Digital")), ("physical", _("On site"))])
    free = forms.BooleanField(label=_("Only with free seats"), required=False, label_suffix="")
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("date", _("Date")), ("title", _("Title"))])

    def __init__(self, *args, consortium, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["focus"].queryset = FocusArea.objects.filter(consortium=consortium, is_active=True)
        self.fields["role"].queryset = Occupation.objects.filter(is_active=True)
        self.fields["month"].choices = [("", _("Any month")), *_month_choices(today or timezone.localdate())]

    SELECTS = ("type", "level", "focus", "role", "month", "scope", "mode")

    def selects(self) -> list[dict]:
        """The drop-down filters as plain data; the catalog renders them itself (quicker than widgets)."""
        selects = []
        for name in self.SELECTS:
            bound = self[name]
            current = "" if bound.value() is None else str(bound.value())
            selects.append({
                "name": name,
                "label": f"{bound.label}{self.label_suffix}",
                "options": [(str(value), label, str(value) == current) for value, label in bound.field.choices],
            })
        return selects

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())


SESSION_FILTER_FIELDS = ("month", "scope", "mode", "free")


def parse_catalog_filters(data, consortium, today=None):
    """(CatalogFilters, form to display) from GET parameters; garbage falls back to the default."""
    raw = data.copy()
    if len(raw.get("q", "")) > MAX_QUERY_LENGTH:
        raw["q"] = raw["q"][:MAX_QUERY_LENGTH]
    form = CatalogFilterForm(raw, consortium=consortium, today=today)
    form.is_valid()
    cleaned = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    month = None
    if cleaned.get("month"):
        year, number = cleaned["month"].split("-")
        month = date(int(year), int(number), 1)
    filters = selectors.CatalogFilters(
        q=cleaned.get("q", ""), type=cleaned.get("type", ""), level=cleaned.get("level", ""),
        focus=cleaned.get("focus"), role=cleaned.get("role"), month=month, scope=cleaned.get("scope", ""),
        mode=cleaned.get("mode", ""), free=bool(cleaned.get("free")),
        sort=cleaned.get("sort") or "date",
    )
    initial = {k: v for k, v in cleaned.items() if v not in (None, "", False)}
    display = CatalogFilterForm(initial=initial, consortium=consortium, today=today)
    return filters, display


# --- Activities ---------------------------------------------------------------------

class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["type", "title", "description", "level", "focus_areas", "target_occupations", "target_funktion",
                  "hours", "credits", "credit_unit", "price", "provider_kind", "provider_name",
                  "provider_municipality", "language_notes", "contact_name", "contact_email"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 10}),
            "focus_areas": forms.CheckboxSelectMultiple,
            "target_occupations": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, consortium, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.consortium = consortium
        focus = FocusArea.objects.filter(consortium=consortium, is_active=True)
        if self.instance.pk:
            focus = focus | FocusArea.objects.filter(activities=self.instance)
        self.fields["focus_areas"].queryset = focus.distinct().order_by("sort_order", "name")
        self.fields["focus_areas"].error_messages["invalid_choice"] = _(
            "Unknown focus area: choose one from the list.")
        self.fields["target_occupations"].queryset = Occupation.objects.filter(is_active=True)
        self.fields["provider_municipality"].queryset = Organisation.objects.filter(
            consortium=consortium, type=Organisation.Type.KOMMUN).order_by("name")
        for name in ("hours", "credits", "price"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal"})


class FocusAreaForm(forms.ModelForm):
    class Meta:
        model = FocusArea
        fields = ["name", "description", "sort_order", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, consortium, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.consortium = consortium

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        clash = FocusArea.objects.filter(consortium=self.instance.consortium, name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("There is already a focus area with this name."))
        return name


# --- Sessions -----------------------------------------------------------------------

class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class SessionForm(forms.ModelForm):
    """The session's own fields; its occasions and quotas are formsets beside it."""

    class Meta:
        model = Session
        fields = ["name", "capacity", "status", "owner_municipality", "local_staff_only", "registration_opens",
                  "registration_closes", "cancellation_deadline", "requires_approval", "trainers"]
        widgets = {
            "registration_opens": DateTimeLocalInput,
            "registration_closes": DateTimeLocalInput,
            "cancellation_deadline": DateTimeLocalInput,
            "trainers": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, activity, user, **kwargs):
        super().__init__(*args, **kwargs)
        consortium = activity.consortium
        self.instance.activity = activity
        self.instance.consortium = consortium
        self.fields["capacity"].widget.attrs.update({"min": 1, "max": MAX_CAPACITY})
        owners = selectors.local_owner_choices(user, consortium)
        current = self.instance.owner_municipality_id
        if current:
            owners = owners | Organisation.objects.filter(pk=current)
        self.fields["owner_municipality"].queryset = owners.distinct().order_by("name")
        if not selectors.can_manage_catalog(user, consortium):
            # A CKA creates local sessions only.
            self.fields["owner_municipality"].required = True
            self.fields["owner_municipality"].empty_label = None
            self.fields["owner_municipality"].help_text = ""
        else:
            self.fields["owner_municipality"].empty_label = _("Regional (the whole consortium)")
        self.fields["trainers"].queryset = selectors.trainer_choices(consortium)
        status_choices = [(s.value, s.label) for s in EDITABLE_STATUSES]
        self.fields["status"].choices = status_choices
        if self.instance.status == Session.Status.FULL:
            self.initial["status"] = Session.Status.OPEN
        if self.instance.status == Session.Status.CANCELLED:
            del self.fields["status"]


class OccasionForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    day = forms.DateField(label=_("Date"), widget=DateInput)
    start_time = forms.TimeField(label=_("Starts"), widget=TimeInput)
    end_time = forms.TimeField(label=_("Ends"), widget=TimeInput)
    place = forms.CharField(label=_("Place"), required=False, max_length=200,
                            help_text=_('The venue, e.g. "Huddinge kommunhus, sal Kvarnen".'))
    address = forms.CharField(label=_("Address"), required=False, max_length=300)
    digital_link = forms.URLField(label=_("Digital link"), required=False, max_length=500, assume_scheme="https",
                                  help_text=_("Shown only to booked participants and trainers."))

    def to_input(self) -> OccasionInput:
        data = self.cleaned_data
        return OccasionInput(
            start=local_datetime(data["day"], data["start_time"]), end=local_datetime(data["day"], data["end_time"]),
            place=data.get("place", ""), address=data.get("address", ""), digital_link=data.get("digital_link", ""),
            pk=data.get("id"),
        )

    @classmethod
    def initial_for(cls, occasion) -> dict:
        start = timezone.localtime(occasion.start)
        end = timezone.localtime(occasion.end)
        return {"id": occasion.pk, "day": start.date(), "start_time": start.time(), "end_time": end.time(),
                "place": occasion.place, "address": occasion.address, "digital_link": occasion.digital_link}


class BaseOccasionFormSet(forms.BaseFormSet):
    def inputs(self) -> list[OccasionInput]:
        return [f.to_input() for f in self.forms
                if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE")]


OccasionFormSet = forms.formset_factory(OccasionForm, formset=BaseOccasionFormSet, extra=2, can_delete=True,
                                        max_num=60, validate_max=True)


class QuotaForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Organisation.objects.none())
    seats = forms.IntegerField(label=_("Seats at most"), min_value=1, max_value=MAX_CAPACITY)

    def __init__(self, *args, consortium, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Organisation.objects.filter(
            consortium=consortium, type__in=selectors.LOCAL_OWNER_TYPES).order_by("name")


class BaseQuotaFormSet(forms.BaseFormSet):
    def quotas(self):
        return [(f.cleaned_data["municipality"], f.cleaned_data["seats"]) for f in self.forms
                if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE")]


QuotaFormSet = forms.formset_factory(QuotaForm, formset=BaseQuotaFormSet, extra=2, can_delete=True, max_num=300)


class SeriesForm(forms.Form):
    first_day = forms.DateField(label=_("First date"), widget=DateInput)
    interval_weeks = forms.IntegerField(label=_("Every … weeks"), min_value=1, max_value=MAX_SERIES_INTERVAL_WEEKS,
                                        initial=2, help_text=_("2 for every second week."))
    count = forms.IntegerField(label=_("Number of dates"), min_value=1, max_value=MAX_SERIES_COUNT, initial=6)
    start_time = forms.TimeField(label=_("Starts"), widget=TimeInput)
    end_time = forms.TimeField(label=_("Ends"), widget=TimeInput)
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    address = forms.CharField(label=_("Address"), required=False, max_length=300)
    digital_link = forms.URLField(label=_("Digital link"), required=False, max_length=500, assume_scheme="https")
    one_session = forms.TypedChoiceField(
        label=_("Make"), coerce=lambda v: v == "one", widget=forms.RadioSelect, initial="one",
        choices=[("one", _("One session meeting on every date")), ("many", _("A separate session for each date"))],
    )


class CopyForm(forms.Form):
    first_day = forms.DateField(label=_("New date of the first occasion"), widget=DateInput,
                                help_text=_("The other occasions move by the same number of days."))
    name = forms.CharField(label=_("Label"), required=False, max_length=120)


class InterestForm(forms.Form):
    """For visitors who are not signed in; a signed-in person needs no fields."""

    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    consent = forms.BooleanField(
        label=_("I agree that my name and e-mail address are kept until a session opens, to tell me about it."),
        error_messages={"required": _("We can only keep your name and address with your consent.")},
    )


class ActivityStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Activity.Status.choices, widget=forms.HiddenInput)
