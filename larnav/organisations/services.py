"""Writes to the organisation tree. Every change of parent goes through here so
that ``path`` and ``municipality`` stay right for the node and its subtree."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from .models import Organisation


def validate_placement(org: Organisation) -> None:
    """Raise ValidationError if ``org`` may not sit where it is placed."""
    parent = org.parent
    allowed = Organisation.ALLOWED_PARENTS[Organisation.Type(org.type)]
    if parent is None and None not in allowed:
        raise ValidationError({"parent": _("A %(type)s must belong to a parent organisation.")
                               % {"type": Organisation.Type(org.type).label.lower()}})
    if parent is not None:
        if parent.type not in allowed:
            raise ValidationError({"parent": _("A %(type)s cannot be placed under a %(parent)s.") % {
                "type": Organisation.Type(org.type).label.lower(),
                "parent": Organisation.Type(parent.type).label.lower(),
            }})
        if parent.consortium_id != org.consortium_id:
            raise ValidationError({"parent": _("The parent belongs to another consortium.")})
        if org.pk and parent.path.startswith(org.path or "\0"):
            raise ValidationError({"parent": _("An organisation cannot be placed under itself.")})
    if org.pk and org.children.exists():
        stored_type = Organisation.objects.filter(pk=org.pk).values_list("type", flat=True).first()
        if stored_type and stored_type != org.type:
            raise ValidationError({"type": _("An organisation with organisations below it cannot change type.")})
    if org.type == Organisation.Type.KOMMUN and not org.scb_code:
        raise ValidationError({"scb_code": _("A municipality needs its four-digit SCB code.")})
    if org.type != Organisation.Type.KOMMUN and org.scb_code:
        raise ValidationError({"scb_code": _("Only a municipality has an SCB code.")})
    if org.type == Organisation.Type.ENHET and not org.driftform:
        raise ValidationError({"driftform": _("A workplace needs an operating form (municipal or private).")})
    if org.driftform == Organisation.Driftform.ENSKILD and not org.provider_name:
        raise ValidationError({"provider_name": _("Give the provider's name for a privately run workplace.")})


@transaction.atomic
def save_organisation(org: Organisation) -> Organisation:
    """Validate and save ``org``, keeping the materialised path of its subtree right."""
    validate_placement(org)
    old_path = org.path if org.pk else ""
    if org.type != Organisation.Type.ENHET:
        org.driftform = org.driftform or ""
    org.save()
    new_path = f"{org.parent.path if org.parent else ''}{org.pk}/"
    municipality_id = org.parent.municipality_id if org.parent else org.pk
    if new_path != org.path or municipality_id != org.municipality_id:
        Organisation.objects.filter(pk=org.pk).update(path=new_path, municipality_id=municipality_id)
        org.path, org.municipality_id = new_path, municipality_id
        if old_path:
            # Re-root every descendant in one statement.
            Organisation.objects.filter(path__startswith=old_path).exclude(pk=org.pk).update(
                path=Concat(Value(new_path), Substr(F("path"), Length(Value(old_path)) + 1)),
                municipality_id=municipality_id,
            )
    return org
