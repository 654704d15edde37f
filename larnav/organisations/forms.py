from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Organisation
from .services import validate_placement


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    type = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("All types"))] + Organisation.Type.choices)
    driftform = forms.ChoiceField(label=_("Operating form"), required=False,
                                  choices=[("", _("All"))] + Organisation.Driftform.choices)


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["type", "name", "parent", "scb_code", "external_id", "driftform", "provider_name", "funktion",
                  "is_active"]

    def __init__(self, *args, consortium, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.consortium = consortium
        self.fields["parent"].queryset = Organisation.objects.filter(consortium=consortium).exclude(
            type=Organisation.Type.ENHET
        ).order_by("path")

    def _post_clean(self):
        # The instance carries the submitted values only after ModelForm's own
        # _post_clean; the tree rules need the whole instance.
        super()._post_clean()
        if self.errors:
            return
        try:
            validate_placement(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)
