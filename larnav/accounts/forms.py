from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
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


class NewStaffUserForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    language = forms.ChoiceField(label=_("Preferred language"), choices=[("sv", _("Swedish")), ("en", _("English"))])

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is taken."))
        return username


class RoleAssignmentForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    organisation = forms.ModelChoiceField(
        label=_("Scope"), required=False, queryset=None,
        help_text=_("Leave empty for coordinator, trainer and participant: they apply to the whole consortium."),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organisations, **kwargs):
        from .models import Role

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = Role.choices
        self.fields["organisation"].queryset = organisations.order_by("path")


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's password-reset form, with its e-mail queued in the outbox (retries, the
    coordinators' outbox page, editable text) instead of sent from the request."""

    def save(self, *args, **kwargs) -> None:
        from . import services

        for user in self.get_users(self.cleaned_data["email"]):
            services.send_password_reset(user)
