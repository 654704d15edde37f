"""Reads of persons, always through the permission layer."""

from django.db.models import Q, QuerySet

from larnav.accounts.permissions import Action, scope_persons

from .models import Person


def persons_for(user, consortium, action: Action = Action.VIEW_PERSONS) -> QuerySet:
    qs = Person.objects.filter(consortium=consortium).select_related(
        "workplace", "workplace__municipality", "occupation"
    )
    return scope_persons(user, qs, action)


def filter_persons(qs: QuerySet, *, query="", organisation=None, occupation=None, active=None) -> QuerySet:
    for word in query.split():
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word))
    if organisation is not None:
        qs = qs.filter(workplace__path__startswith=organisation.path)
    if occupation is not None:
        qs = qs.filter(occupation=occupation)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


EXPORT_HEADERS = ["Förnamn", "Efternamn", "E-post", "Arbetsplats", "Kommun", "Yrkesroll", "Kön", "Språk",
                  "Anställningsnummer", "Aktiv"]


def export_rows(qs: QuerySet):
    for p in qs.iterator(chunk_size=2000):
        yield [
            p.first_name, p.last_name, p.email,
            p.workplace.name if p.workplace else "",
            p.workplace.municipality.name if p.workplace and p.workplace.municipality else "",
            p.occupation.name_sv if p.occupation else "",
            p.gender, p.language, p.external_id, "ja" if p.is_active else "nej",
        ]
