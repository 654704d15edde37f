from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AttendanceStatus, CompletionRule


class AttendanceForm(forms.Form):
    """One radio group per participant on an occasion's list; a group left empty is not saved."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            reg = row.registration
            self.fields[self.field_name(reg)] = forms.ChoiceField(
                label=reg.person.full_name, choices=AttendanceStatus.choices, required=False,
                widget=forms.RadioSelect, initial=row.status or None,
            )

    @staticmethod
    def field_name(registration) -> str:
        return f"r{registration.pk}"

    def marks(self, rest: str | None = None) -> dict[int, str]:
        """The chosen statuses; with ``rest``, also that status for everyone not yet marked at all
        (participants who registered after the occasion are left out)."""
        marks = {}
        for row in self.rows:
            value = self.cleaned_data.get(self.field_name(row.registration))
            if value:
                marks[row.registration.pk] = value
            elif rest and row.record is None and row.applicable:
                marks[row.registration.pk] = rest
        return marks

    def bound_rows(self):
        """(row, bound field) pairs for the template."""
        return [(row, self[self.field_name(row.registration)]) for row in self.rows]


class CompletionRuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("The participant must attend"), choices=CompletionRule.Kind.choices,
                             widget=forms.RadioSelect)
    share_percent = forms.IntegerField(
        label=_("Share of the occasions (%)"), required=False, min_value=1, max_value=100,
        help_text=_("Attended counts as a whole occasion, partly as half, absent and excused as none."),
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") == CompletionRule.Kind.SHARE and not data.get("share_percent"):
            self.add_error("share_percent", _("Give the share of the occasions that must be attended."))
        return data


class VerifyForm(forms.Form):
    kod = forms.CharField(label=_("Verification code"), max_length=40,
                          help_text=_("The code is printed on the certificate, for example ABCDE-23456."))
