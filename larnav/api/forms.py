from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_ACTIVE_TOKENS, active_tokens


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100,
        help_text=_("What the token is for, e.g. the system that uses it."),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name

    def clean(self):
        if active_tokens(self.user).count() >= MAX_ACTIVE_TOKENS:
            raise forms.ValidationError(
                _("You have %(count)s active tokens, the most allowed. Revoke one you no longer use first.")
                % {"count": MAX_ACTIVE_TOKENS}
            )
        return super().clean()
