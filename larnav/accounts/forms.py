from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import User


class StaffLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The user name or password is wrong. Note that both are case-sensitive."),
        "inactive": _("This account is inactive."),
    }


class SignInLinkForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "language"]
