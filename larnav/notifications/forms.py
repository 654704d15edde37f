from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NotificationSettings


class TemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 16}), max_length=20000,
                           help_text=_("Blank lines separate paragraphs. **Bold**, lists with “- ” and links "
                                       "work. Placeholders are written {{ name }}."))

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind

    def clean(self):
        from .services import template_errors

        cleaned = super().clean()
        if "subject" in cleaned and "body" in cleaned:
            for field, errors in template_errors(self.kind, cleaned["subject"], cleaned["body"]).items():
                for error in errors:
                    self.add_error(field, error)
        return cleaned


class SettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = ["reminder_days", "send_evaluation_invitations"]
