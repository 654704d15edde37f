from django import forms
from django.utils.translation import gettext_lazy as _

from larnav.catalog.models import Activity
from larnav.organisations.models import Organisation
from larnav.people.models import Occupation

from . import selectors
from .models import MAX_TEXT, Campaign, NeedItem
from .services import MAX_REASON


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["title", "year", "opens", "deadline", "reminder_days", "instructions"]
        widgets = {"opens": DateInput(), "deadline": DateInput(), "instructions": forms.Textarea(attrs={"rows": 5})}


class NeedItemForm(forms.ModelForm):
    class Meta:
        model = NeedItem
        fields = ["title", "theme", "target_occupations", "funktion", "level", "estimated_staff", "priority",
                  "description"]
        widgets = {
            "target_occupations": forms.CheckboxSelectMultiple,
            "priority": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 5}),
        }
        error_messages = {
            "title": {"required": _("Describe the need in a few words.")},
            "theme": {"required": _("Choose the theme the need belongs to.")},
            "estimated_staff": {"required": _("Give an estimate of how many staff have the need.")},
            "priority": {"required": _("Choose a priority from 1 (high) to 3 (low).")},
        }

    def __init__(self, *args, consortium, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = selectors.themes(consortium)
        self.fields["theme"].empty_label = _("Choose a theme")
        self.fields["target_occupations"].queryset = Occupation.objects.filter(is_active=True)
        self.fields["funktion"].choices = [("", _("Every function"))] + list(Organisation.Funktion.choices)
        self.fields["level"].choices = [("", _("No particular level"))] + list(Activity.Level.choices)
        self.fields["priority"].choices = list(NeedItem.Priority.choices)
        self.fields["estimated_staff"].widget.attrs.update({"min": 1, "inputmode": "numeric"})


class SubmitForm(forms.Form):
    confirm_empty = forms.BooleanField(label=_("We have no needs to report this time."), required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why are the answers reopened?"), max_length=MAX_REASON,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The municipal contact gets this in an e-mail, and it is kept in the "
                                         "history."))


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's work e-mail"), max_length=254,
                             help_text=_("A colleague in your municipality or district. They can add and change "
                                         "needs, but only you submit."))


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment to the coordinators"), required=False, max_length=MAX_TEXT,
                              widget=forms.Textarea(attrs={"rows": 3}))


class SummaryFilterForm(forms.Form):
    drafts = forms.BooleanField(label=_("Include drafts"), required=False)
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=None, required=False, empty_label=_("All themes"))
    priority = forms.TypedChoiceField(label=_("Priority"), coerce=int, required=False, empty_value=None)
    funktion = forms.ChoiceField(label=_("Function"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = selectors.themes(campaign.consortium_id)
        self.fields["priority"].choices = [("", _("All priorities"))] + list(NeedItem.Priority.choices)
        self.fields["funktion"].choices = [("", _("All functions"))] + list(Organisation.Funktion.choices)
        self.fields["level"].choices = [("", _("All levels"))] + list(Activity.Level.choices)

    def filters(self) -> selectors.SummaryFilters:
        """The valid filters; a value that does not parse is left out rather than failing the page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return selectors.SummaryFilters(
            include_drafts=bool(data.get("drafts")), theme=data.get("theme"), priority=data.get("priority"),
            funktion=data.get("funktion") or "", level=data.get("level") or "",
        )


class NeedListFilterForm(SummaryFilterForm):
    organisation = forms.ModelChoiceField(label=_("Municipality or district"), queryset=None, required=False,
                                          empty_label=_("All"))
    answered = forms.ChoiceField(label=_("Answered by the offer"), required=False,
                                 choices=[("", _("All needs")), ("no", _("Not answered yet")),
                                          ("yes", _("Answered"))])
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, campaign=campaign, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=campaign.submissions.values("organisation_id")).order_by("name")

    def filters(self) -> selectors.SummaryFilters:
        f = super().filters()
        data = getattr(self, "cleaned_data", {})
        f.organisation = data.get("organisation")
        f.answered = data.get("answered") or ""
        f.query = data.get("q") or ""
        return f


class LinkForm(forms.Form):
    activities = forms.ModelMultipleChoiceField(
        label=_("Activities that answer the need"), queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one activity.")},
    )

    def __init__(self, *args, activities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activities"].queryset = activities
        self.fields["activities"].label_from_instance = (
            lambda a: f"{a.title} ({a.get_type_display()}{', ' + a.get_level_display() if a.level else ''})")
