"""The messages an import can produce, by code.

Row errors are stored on the batch as ``(row, column, code, params)`` and put
into words only when a page is rendered, so that they follow the reader's
language. File errors stop an upload before anything is stored; they are
raised as :class:`ImportFileError` and shown on the upload form.
"""

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# Errors about one cell or one row of the file.
ROW_MESSAGES = {
    "required": _("A value is required."),
    "formula": _("Formulas are not allowed."),
    "personnummer": _("Personal identity numbers must not be stored."),
    "extra_cells": _("The row has more cells than the file has columns."),
    "too_long": _("The value is too long (at most %(max)s characters)."),
    "invalid_choice": _("“%(value)s” is not allowed here. Use one of: %(allowed)s."),
    # Persons.
    "invalid_email": _("“%(value)s” is not a valid e-mail address."),
    "duplicate_email": _("The e-mail address appears more than once in the file (rows %(rows)s)."),
    "email_taken": _("Another person already has this e-mail address."),
    "unknown_workplace": _("Unknown workplace: “%(value)s”."),
    "not_a_workplace": _("“%(value)s” is not a workplace (unit)."),
    "ambiguous_workplace": _(
        "“%(value)s” matches more than one workplace. Use the Lärnav id or the HR system's id instead."
    ),
    "unknown_occupation": _("Unknown occupation: “%(value)s”."),
    # Organisations.
    "invalid_id": _("The Lärnav id must be a whole number."),
    "unknown_id": _("There is no organisation with Lärnav id %(value)s."),
    "duplicate_key": _("The same organisation appears more than once in the file (rows %(rows)s)."),
    "invalid_scb_code": _("An SCB municipality code has exactly four digits."),
    "scb_code_taken": _("Another organisation already has SCB code %(value)s."),
    "external_id_taken": _("Another organisation already has the external id %(value)s."),
    "type_change": _("The type of an existing organisation cannot be changed by import."),
    "unknown_parent": _("Unknown parent organisation: “%(value)s”."),
    "ambiguous_parent": _(
        "“%(value)s” matches more than one organisation. Use the Lärnav id, the SCB code or the external id "
        "of exactly one."
    ),
    "parent_is_self": _("An organisation cannot be its own parent."),
    "parent_cycle": _("The parent organisations on rows %(rows)s refer to each other in a circle."),
    "parent_row_invalid": _("The parent organisation on row %(row)s has errors and is not imported."),
    "no_permission_root": _("You may not create organisations at the top level."),
}

# Errors about the file as a whole.
FILE_MESSAGES = {
    "too_large": _("The file is too large. The largest file you can import is %(max)s."),
    "empty": _("The file is empty."),
    "no_rows": _("The file has a heading row but no rows to import."),
    "too_many_rows": _("The file has more than %(max)s rows. Split it into smaller files."),
    "too_many_columns": _("The file has more than %(max)s columns."),
    "binary": _(
        "The file does not look like a CSV file or an Excel workbook. Save it as CSV or as an Excel "
        "workbook (.xlsx) and try again."
    ),
    "encoding": _(
        "The characters in the file could not be read. Save it as CSV in UTF-8 (or as an Excel workbook) "
        "and try again."
    ),
    "csv_malformed": _("The file could not be read as CSV. Check that it is saved as CSV and try again."),
    "xls": _("Old Excel files (.xls) are not supported. Save the file as an Excel workbook (.xlsx) or as CSV."),
    "bad_xlsx": _("The file is not a valid Excel workbook (.xlsx)."),
    "xlsx_too_big": _("The Excel workbook unpacks to too much data and is refused."),
    "missing_columns": _("Required columns are missing: %(columns)s."),
    "unknown_columns": _("Unknown columns: %(columns)s. The columns you can use are: %(allowed)s."),
    "duplicate_columns": _("The column %(column)s appears more than once."),
    "unnamed_column": _("Column %(number)s has values but no heading."),
}


def describe(code: str, params: dict | None = None) -> str:
    """The row error ``code`` in words, in the active language."""
    if code == "invalid":
        # A model validator's message, already in words (see planning.model_errors).
        return str((params or {}).get("message", ""))
    message = ROW_MESSAGES.get(code)
    if message is None:
        return code
    try:
        return str(message) % (params or {})
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder must not break the page
        return str(message)


class ImportFileError(Exception):
    """The file as a whole cannot be imported; nothing has been stored."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message(self) -> str:
        params = dict(self.params)
        if self.code == "too_large":
            params["max"] = filesizeformat(params["max"])
        return str(FILE_MESSAGES[self.code]) % params

    def __str__(self):
        return f"{self.code}: {self.params}"
