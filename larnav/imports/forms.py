from django import forms
from django.forms.utils import ErrorDict
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .models import ImportBatch
from .readers import max_bytes


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What do you want to import?"), widget=forms.RadioSelect)
    file = forms.FileField(label=_("File"), allow_empty_file=True)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        field.choices = [(k, label) for k, label in ImportBatch.Kind.choices if k in kinds]
        if field.choices:
            field.initial = field.choices[0][0]
        self.fields["file"].help_text = _(
            "CSV (separated by semicolons or commas, in UTF-8 or Windows-1252) or an Excel workbook (.xlsx), "
            "at most %(size)s. The first row holds the column headings."
        ) % {"size": filesizeformat(max_bytes())}
        self.fields["file"].widget.attrs["accept"] = (
            ".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )

    def refuse_file(self, message: str) -> None:
        """Show why the file was refused on the file field (also on a form whose body was never read)."""
        if self._errors is None:
            if self.is_bound:
                self.full_clean()
            else:
                self._errors, self.cleaned_data = ErrorDict(renderer=self.renderer), {}
        self._errors.pop("file", None)
        self.add_error("file", message)


class ConfirmForm(forms.Form):
    """Confirm a previewed batch: import everything, or explicitly only the valid rows."""

    ALL, VALID = "all", "valid"

    mode = forms.ChoiceField(choices=[(ALL, ALL), (VALID, VALID)], widget=forms.HiddenInput)
    skip_errors = forms.BooleanField(
        label=_("I understand that the rows with errors will not be imported."), required=False
    )

    def __init__(self, *args, batch: ImportBatch, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch = batch

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == self.ALL and self.batch.has_errors:
            raise forms.ValidationError(
                _("The file has errors. Correct them and upload the file again, or import only the valid rows.")
            )
        if mode == self.VALID and not data.get("skip_errors"):
            self.add_error("skip_errors", _("Tick the box to import only the valid rows."))
        return data

    @property
    def only_valid(self) -> bool:
        return self.cleaned_data.get("mode") == self.VALID
