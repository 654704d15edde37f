"""Writes to persons."""

from django.db import transaction

from . import signals
from .models import Person

# The fields other apps copy from a person, and must hear about when they change.
COPIED_FIELDS = ("occupation", "gender")


@transaction.atomic
def save_person(person: Person) -> Person:
    person.full_clean(exclude=["consortium"])
    before = Person.objects.filter(pk=person.pk).values_list(*COPIED_FIELDS).first() if person.pk else None
    person.save()
    if before is not None and before != tuple(getattr(person, Person._meta.get_field(f).attname)
                                              for f in COPIED_FIELDS):
        signals.details_changed.send(Person, person_ids=[person.pk])
    user = getattr(person, "user", None) if person.pk else None
    if user is not None and (user.first_name, user.last_name, user.email) != (
        person.first_name, person.last_name, person.email
    ):
        user.first_name, user.last_name, user.email = person.first_name, person.last_name, person.email
        user.save(update_fields=["first_name", "last_name", "email"])
    return person


@transaction.atomic
def set_active(person: Person, active: bool) -> None:
    person.is_active = active
    person.save(update_fields=["is_active", "updated_at"])
    user = getattr(person, "user", None)
    if user is not None and user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
