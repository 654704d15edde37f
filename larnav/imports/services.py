"""Every write of the import: create a batch (parse and preview), apply it, discard it.

Nothing reaches the organisation tree or the persons until the uploader
confirms. Applying plans the rows again inside one transaction, so the
result is right for the database as it is then, and either everything that
should be written is written or nothing is.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from larnav.accounts.permissions import Action, can
from larnav.organisations.models import Organisation
from larnav.organisations.services import save_organisation
from larnav.people import signals as people_signals
from larnav.people.models import Person
from larnav.people.services import COPIED_FIELDS, save_person

from . import planning
from .columns import map_columns
from .errors import ImportFileError
from .models import ImportBatch
from .planning import ERROR, NEW, UNCHANGED, UPDATE
from .readers import read_upload
from .rows import build_rows

ACTIONS = {
    ImportBatch.Kind.PERSONS: Action.IMPORT_PERSONS,
    ImportBatch.Kind.ORGANISATIONS: Action.IMPORT_ORGANISATIONS,
}
MAX_STORED_ERRORS = 5000
MAX_STORED_CHANGES = 1000


def may_import(user, kind: str) -> bool:
    action = ACTIONS.get(kind)
    return action is not None and can(user, action)


def summarise(plans: list[planning.RowPlan]) -> dict:
    """The preview stored on a batch: counts, errors (row, field, code, params) and a sample of changes."""
    counts = {NEW: 0, UPDATE: 0, UNCHANGED: 0, ERROR: 0}
    errors, changes = [], []
    errors_total = changes_total = 0
    for plan in sorted(plans, key=lambda p: p.row):
        counts[plan.action] += 1
        for field_name, code, params in plan.errors:
            errors_total += 1
            if len(errors) < MAX_STORED_ERRORS:
                errors.append([plan.row, field_name, code, params])
        if plan.action in (NEW, UPDATE):
            changes_total += 1
            if len(changes) < MAX_STORED_CHANGES:
                changes.append({
                    "row": plan.row, "action": plan.action, "label": plan.label,
                    "changes": [[f, old, new] for f, old, new in plan.changes if old or new],
                })
    return {
        "counts": counts, "total": len(plans),
        "errors": errors, "errors_total": errors_total,
        "changes": changes, "changes_total": changes_total,
    }


def create_batch(*, user, consortium, kind: str, uploaded) -> ImportBatch:
    """Read, screen and preview an uploaded file. Raises ImportFileError if the file as a whole is refused."""
    if not may_import(user, kind):
        raise PermissionDenied
    table = read_upload(uploaded)
    mapping = map_columns(kind, table.headers, table.rows)
    rows = build_rows(table, mapping)
    if not rows:
        raise ImportFileError("no_rows")
    present = set(mapping.values())
    plans, _order = planning.plan(kind, rows, present, consortium, user)
    return ImportBatch.objects.create(
        consortium=consortium,
        uploaded_by=user,
        kind=kind,
        file_name=(getattr(uploaded, "name", "") or "")[:255],
        file_format=table.format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        columns={field_name: table.headers[index] for index, field_name in mapping.items()},
        rows=rows,
        preview=summarise(plans),
    )


@dataclass
class ApplyOutcome:
    applied: bool
    reason: str = ""  # when not applied: "not_pending", "has_errors", "nothing_valid", "conflict"


class _RolledBack(Exception):
    """Raised inside the transaction to undo it; carries the plans with the error that caused it."""

    def __init__(self, plans):
        super().__init__()
        self.plans = plans


def apply_batch(batch: ImportBatch, user, *, only_valid: bool) -> ApplyOutcome:
    """Write a previewed batch in one transaction.

    Without ``only_valid`` nothing is written unless every row is valid now.
    With it, the valid rows are written and the others are skipped.
    """
    if batch.uploaded_by_id != user.pk or not may_import(user, batch.kind):
        raise PermissionDenied
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status != ImportBatch.Status.PREVIEWED:
                return ApplyOutcome(False, "not_pending")
            plans, order = planning.plan(locked.kind, locked.rows, set(locked.columns), locked.consortium, user)
            if any(p.action == ERROR for p in plans) and not only_valid:
                _store_preview(locked, plans)
                return ApplyOutcome(False, "has_errors")
            if not any(p.action in (NEW, UPDATE, UNCHANGED) for p in plans):
                _store_preview(locked, plans)
                return ApplyOutcome(False, "nothing_valid")
            if locked.kind == ImportBatch.Kind.ORGANISATIONS:
                _write_organisations(order, only_valid)
            else:
                _write_persons(plans)
            preview = summarise(plans)
            locked.preview = preview
            locked.results = {
                "created": preview["counts"][NEW],
                "updated": preview["counts"][UPDATE],
                "unchanged": preview["counts"][UNCHANGED],
                "skipped": preview["counts"][ERROR],
            }
            locked.status = ImportBatch.Status.APPLIED
            locked.applied_at = timezone.now()
            locked.rows = []  # the data now lives where it belongs; do not keep a second copy
            locked.save(update_fields=["preview", "results", "status", "applied_at", "rows"])
    except _RolledBack as exc:
        _store_preview(batch, exc.plans)
        return ApplyOutcome(False, "has_errors")
    except IntegrityError:
        # Someone else wrote a conflicting row between our reads and writes; all was undone.
        return ApplyOutcome(False, "conflict")
    batch.refresh_from_db()
    return ApplyOutcome(True)


def _store_preview(batch: ImportBatch, plans) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(preview=summarise(plans))


def _write_persons(plans) -> None:
    now = timezone.now()
    new = [p.instance for p in plans if p.action == NEW]
    Person.objects.bulk_create(new, batch_size=500)
    changed_fields: set[str] = set()
    plain = []
    copied_changed = []  # persons whose occupation or gender other apps copy
    for plan in plans:
        if plan.action != UPDATE:
            continue
        person = plan.instance
        if planning._linked_user(person) is not None:
            save_person(person)  # keeps the user account's name and e-mail in step
        else:
            person.updated_at = now
            fields = {f for f, _old, _new in plan.changes}
            changed_fields.update(fields)
            plain.append(person)
            if fields.intersection(COPIED_FIELDS):
                copied_changed.append(person.pk)
    if plain:
        Person.objects.bulk_update(plain, sorted(changed_fields | {"updated_at"}), batch_size=500)
        if copied_changed:
            people_signals.details_changed.send(Person, person_ids=copied_changed)


def _write_organisations(order, only_valid: bool) -> None:
    """Write in dependency order (parents first), each through save_organisation.

    A row that fails here (the tree changed since the plan) takes its children
    with it. Without ``only_valid`` the whole import is then undone; the rest
    of the rows are still gone through, unwritten, so the report is complete.
    """
    undo = False
    for plan in order:
        if plan.action == ERROR:
            continue
        if plan.parent_plan is not None and plan.parent_plan.failed:
            plan.failed = True
            plan.error("parent", "parent_row_invalid", row=plan.parent_plan.row)
            plan.action = ERROR
            continue
        if plan.action == UNCHANGED or undo:
            continue
        org = plan.instance
        if plan.parent_plan is not None:
            org.parent = plan.parent_plan.instance
        _refresh_tree_fields(org)
        try:
            with transaction.atomic():
                save_organisation(org)
        except ValidationError as exc:
            planning.model_errors(plan, exc)
            plan.failed = True
            plan.action = ERROR
            undo = not only_valid
    if undo:
        raise _RolledBack(order)


def _refresh_tree_fields(org: Organisation) -> None:
    """Earlier rows may have moved an ancestor; use the stored path, not the one read when planning."""
    for node in (org, org.parent):
        if node is not None and node.pk:
            node.path, node.municipality_id = Organisation.objects.values_list("path", "municipality_id").get(
                pk=node.pk
            )


@transaction.atomic
def discard_batch(batch: ImportBatch, user) -> bool:
    if batch.uploaded_by_id != user.pk:
        raise PermissionDenied
    updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEWED).update(
        status=ImportBatch.Status.DISCARDED,
        rows=[],
        preview={"counts": batch.counts, "total": batch.preview.get("total", 0)},
    )
    return bool(updated)


PREVIEW_RETENTION_DAYS = 7


def discard_stale_previews(now=None, days: int = PREVIEW_RETENTION_DAYS) -> int:
    """Discard previews nobody confirmed within ``days``: their rows hold personal data."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = (now or timezone.now()) - timedelta(days=days)
    stale = ImportBatch.objects.filter(status=ImportBatch.Status.PREVIEWED, created_at__lt=cutoff)
    count = 0
    for batch in stale.only("pk", "preview"):
        count += ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEWED).update(
            status=ImportBatch.Status.DISCARDED, rows=[],
            preview={"counts": batch.preview.get("counts", {}), "total": batch.preview.get("total", 0)},
        )
    return count
