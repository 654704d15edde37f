from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from larnav.catalog.models import FocusArea
from larnav.organisations.models import Organisation
from larnav.people.models import Occupation

from .models import LANGUAGES, ROLE_CHOICES, Newsletter, Subscription

MAX_TEST_ADDRESSES = 5


class OrganisationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        if obj.type == Organisation.Type.KOMMUN:
            return obj.name
        return f"{obj.municipality.name if obj.municipality_id else ''} – {obj.name}"


def segment_organisations(consortium):
    """Municipalities and the administrations and districts below them (not single workplaces)."""
    return Organisation.objects.filter(
        consortium=consortium, is_active=True,
        type__in=[Organisation.Type.KOMMUN, Organisation.Type.STADSDEL, Organisation.Type.FORVALTNING],
    ).select_related("municipality").order_by("municipality__name", "path")


def focus_area_choices(consortium):
    return FocusArea.objects.filter(consortium=consortium, is_active=True)


def municipalities(consortium):
    return Organisation.objects.filter(consortium=consortium, type=Organisation.Type.KOMMUN, is_active=True)


class NewsletterForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Roles in Lärnav"), choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Everyone who holds one of these roles, for example every CKA."),
    )

    class Meta:
        model = Newsletter
        fields = ["subject", "body", "language", "include_staff", "occupations", "roles", "include_subscribers",
                  "organisations", "focus_areas"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 16}),
            "occupations": forms.CheckboxSelectMultiple,
            "focus_areas": forms.CheckboxSelectMultiple,
            "organisations": forms.SelectMultiple(attrs={"size": 10}),
        }
        help_texts = {
            "include_staff": _("Active staff in the person register with an e-mail address."),
            "include_subscribers": _("Everyone who subscribed to the newsletter and confirmed it."),
            "organisations": _("Leave empty for the whole consortium. Staff are chosen by workplace, roles by "
                               "their scope, subscribers by the municipality they gave. Hold Ctrl (⌘ on a Mac) "
                               "to choose several."),
            "focus_areas": _("Leave empty for every focus area. Subscribers are chosen by their interests; staff "
                             "and roles by the activities they registered for."),
        }

    def __init__(self, *args, consortium, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occupations"].queryset = Occupation.objects.filter(is_active=True)
        self.fields["occupations"].label = _("Occupations")
        self.fields["organisations"] = OrganisationChoiceField(
            queryset=segment_organisations(consortium), required=False,
            label=_("Municipalities and districts"), help_text=self.fields["organisations"].help_text,
            widget=forms.SelectMultiple(attrs={"size": 10}),
        )
        self.fields["focus_areas"].queryset = focus_area_choices(consortium)
        if self.instance.pk:
            self.initial["roles"] = list(self.instance.roles or [])

    def clean(self):
        data = super().clean()
        if not (data.get("include_staff") or data.get("roles") or data.get("include_subscribers")):
            raise ValidationError(_("Choose who gets the newsletter: staff, one or more roles, or subscribers."))
        if data.get("occupations") and not data.get("include_staff"):
            self.add_error("include_staff", _("You chose occupations: tick staff in the person register too, "
                                              "or clear the occupations."))
        return data

    def save(self, commit=True):
        self.instance.roles = list(self.cleaned_data.get("roles") or [])
        return super().save(commit=commit)


class ScheduleForm(forms.Form):
    WHEN = [("now", _("Now")), ("later", _("At a time I choose"))]

    when = forms.ChoiceField(label=_("When"), choices=WHEN, initial="now", widget=forms.RadioSelect)
    send_at = forms.DateTimeField(
        label=_("Date and time"), required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Swedish time."),
    )

    def clean(self):
        data = super().clean()
        if data.get("when") == "later":
            send_at = data.get("send_at")
            if send_at is None:
                if "send_at" not in self.errors:
                    self.add_error("send_at", _("Give the date and time to send at."))
            elif send_at <= timezone.now():
                self.add_error("send_at", _("The time has already passed. Choose a later time, or send now."))
            elif send_at > timezone.now() + timedelta(days=366):
                self.add_error("send_at", _("Choose a time within a year."))
        else:
            data["send_at"] = None
        return data


def parse_addresses(value: str) -> list[str]:
    parts = [p.strip().lower() for p in value.replace(";", ",").replace("\n", ",").split(",")]
    return list(dict.fromkeys(p for p in parts if p))


class TestSendForm(forms.Form):
    addresses = forms.CharField(
        label=_("Send a test copy to"), max_length=600,
        help_text=_("Up to five addresses, separated by commas."),
    )
    language = forms.ChoiceField(
        label=_("Language of the greeting and footer"), choices=LANGUAGES, initial="sv",
    )

    def clean_addresses(self):
        addresses = parse_addresses(self.cleaned_data["addresses"])
        if not addresses:
            raise ValidationError(_("Give at least one address."))
        if len(addresses) > MAX_TEST_ADDRESSES:
            raise ValidationError(_("At most five addresses at a time."))
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(_("“%(address)s” is not an e-mail address.") % {"address": address}) from None
        return addresses


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    name = forms.CharField(label=_("Name"), max_length=200, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Organisation.objects.none(), required=False,
        empty_label=_("Not stated"), help_text=_("Where you work, to get news for your municipality."),
    )
    focus_areas = forms.ModelMultipleChoiceField(
        label=_("Interests"), queryset=FocusArea.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to get every newsletter sent to subscribers."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES)
    consent = forms.BooleanField(
        label=_("I want the newsletter, and my address may be kept for it until I unsubscribe."),
    )

    def __init__(self, *args, consortium, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities(consortium)
        self.fields["focus_areas"].queryset = focus_area_choices(consortium)
        if not self.fields["focus_areas"].queryset.exists():
            del self.fields["focus_areas"]

    def clean_name(self):
        from larnav.core.validators import reject_personnummer

        name = self.cleaned_data["name"]
        reject_personnummer(name)
        return name


class SubscriptionForm(forms.ModelForm):
    class Meta:
        model = Subscription
        fields = ["name", "municipality", "focus_areas", "language"]
        widgets = {"focus_areas": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        consortium = self.instance.consortium
        self.fields["municipality"].queryset = municipalities(consortium)
        self.fields["municipality"].empty_label = _("Not stated")
        self.fields["focus_areas"].queryset = focus_area_choices(consortium)
        self.fields["focus_areas"].help_text = _("Leave empty to get every newsletter sent to subscribers.")


class BlockForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    note = forms.CharField(label=_("Note"), max_length=300, required=False,
                           help_text=_("Why, for example “asked by phone not to get newsletters”."))

    def clean_note(self):
        from larnav.core.validators import reject_personnummer

        note = self.cleaned_data["note"]
        reject_personnummer(note)
        return note


def local_input(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
