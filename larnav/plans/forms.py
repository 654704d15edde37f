from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import registry
from .models import MAX_YEAR, MIN_YEAR, Goal, Indicator, IndicatorValue, Plan


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = ["year", "title", "introduction"]
        widgets = {"introduction": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = _('Leave empty for "Annual plan" and the year.')
        if not self.instance.pk:
            self.initial.setdefault("year", timezone.localdate().year)


class CopyPlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year of the new plan"), min_value=MIN_YEAR, max_value=MAX_YEAR)


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["title", "expected_result", "follow_up", "sort_order"]
        widgets = {"expected_result": forms.Textarea(attrs={"rows": 3}),
                   "follow_up": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"sort_order": _("Goals are listed by this number, lowest first.")}


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["name", "kind", "metric", "target", "direction", "unit", "cumulative", "sort_order"]
        widgets = {"kind": forms.RadioSelect}
        help_texts = {"sort_order": _("Indicators are listed by this number, lowest first.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        metric_choices = registry.choices()
        current = self.instance.metric
        if current and registry.get_metric(current) is None:
            metric_choices.append((current, _("%(key)s (no longer available)") % {"key": current}))
        self.fields["metric"] = forms.ChoiceField(
            label=_("Computed from"), required=False, choices=[("", _("– choose –")), *metric_choices],
            help_text=_("Computed indicators only. The unit and kind of figure follow from the measure."))
        self.fields["unit"].help_text = _('Manual indicators only, for example "%" or "points".')
        self.fields["cumulative"].help_text = _(
            "Manual indicators only. Tick for a count, which is compared with the pace of the year; leave "
            "empty for a share or an average, which can move either way.")
        self.measures = registry.all_metrics()

    def clean(self):
        data = super().clean()
        if data.get("kind") == Indicator.Kind.COMPUTED and not data.get("metric"):
            self.add_error("metric", _("Choose what the value is computed from."))
        return data


class ValueForm(forms.ModelForm):
    class Meta:
        model = IndicatorValue
        fields = ["value", "measured_on", "comment"]
        widgets = {"measured_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "comment": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("measured_on", timezone.localdate())


class AsOfForm(forms.Form):
    """Which date a plan's statuses are shown on: today or the end of a tertial."""

    per = forms.ChoiceField(label=_("Status on"), required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["per"].choices = choices
