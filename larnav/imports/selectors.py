"""Reads of import batches for the pages: only the uploader (and platform operators) see a batch."""

from django.db.models import QuerySet
from django.http import Http404

from larnav.organisations.models import Organisation
from larnav.people.models import Occupation, Person

from .columns import COLUMNS
from .errors import describe
from .models import ImportBatch


def own_batches(user, consortium) -> QuerySet:
    return ImportBatch.objects.filter(uploaded_by=user, consortium=consortium).defer("rows")


def batch_for(user, consortium, batch_id: int) -> ImportBatch:
    """The batch if ``user`` uploaded it (a superuser may look at any); 404 otherwise, whoever owns it."""
    qs = ImportBatch.objects.select_related("uploaded_by").defer("rows")  # the pages never show the raw rows
    if not (user.is_superuser and user.is_active):
        qs = qs.filter(uploaded_by=user, consortium=consortium)
    try:
        return qs.get(pk=batch_id)
    except ImportBatch.DoesNotExist:
        raise Http404 from None


def _column(batch: ImportBatch, field_name: str) -> str:
    """The heading as written in the file; the template's heading for a column the file does not have."""
    if not field_name:
        return ""
    if field_name in batch.columns:
        return batch.columns[field_name]
    return next((c.header for c in COLUMNS.get(batch.kind, ()) if c.field == field_name), field_name)


def error_rows(batch: ImportBatch) -> list[dict]:
    """Errors as the table shows them: row, the file's own column heading, the message in the reader's language."""
    return [
        {"row": row, "column": _column(batch, field_name), "message": describe(code, params)}
        for row, field_name, code, params in batch.preview.get("errors", [])
    ]


CHOICE_LABELS = {
    "gender": dict(Person.Gender.choices),
    "language": dict(Person.Language.choices),
    "type": dict(Organisation.Type.choices),
    "driftform": dict(Organisation.Driftform.choices),
    "funktion": dict(Organisation.Funktion.choices),
}


def change_rows(batch: ImportBatch, changes: list[dict]) -> list[dict]:
    """A page of the change sample with coded values (occupation, gender, type ...) in words."""
    codes = {new for change in changes for f, _old, new in change["changes"] if f == "occupation"}
    codes |= {old for change in changes for f, old, _new in change["changes"] if f == "occupation"}
    occupations = {o.code: o.name for o in Occupation.objects.filter(code__in=codes - {""})}

    def display(field_name, value):
        if not value:
            return ""
        if field_name == "occupation":
            return occupations.get(value, value)
        labels = CHOICE_LABELS.get(field_name)
        return str(labels.get(value, value)) if labels else value

    return [
        {
            "row": change["row"],
            "action": change["action"],
            "label": change["label"],
            "changes": [
                {"column": _column(batch, f), "old": display(f, old), "new": display(f, new)}
                for f, old, new in change["changes"]
            ],
        }
        for change in changes
    ]
