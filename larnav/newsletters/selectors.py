"""Reads for newsletters: who a segment reaches, the delivery log, subscribers and blocked addresses.

A segment is the union of the chosen groups (staff in the person register,
holders of platform roles, confirmed subscribers), each narrowed by the same
filters (municipalities and districts, focus areas). It is resolved by the
database as one query per group; addresses are compared in lower case, a
blocked address (``Suppression``) is never part of it, and an address reached
through several groups counts, and is sent to, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import CharField, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat, Lower, Trim

from larnav.accounts.models import RoleAssignment, User
from larnav.people.models import Person
from larnav.registrations.models import Registration

from .models import Delivery, Newsletter, Subscription, Suppression


@dataclass(frozen=True)
class Segment:
    """What a newsletter is addressed to, independent of where it is stored (a draft or a form)."""

    consortium_id: int
    include_staff: bool = False
    occupation_ids: tuple[int, ...] = ()
    roles: tuple[str, ...] = ()
    include_subscribers: bool = False
    organisation_paths: tuple[str, ...] = ()
    focus_area_ids: tuple[int, ...] = ()

    @classmethod
    def of(cls, newsletter: Newsletter) -> Segment:
        return cls(
            consortium_id=newsletter.consortium_id,
            include_staff=newsletter.include_staff,
            occupation_ids=tuple(newsletter.occupations.values_list("pk", flat=True)),
            roles=tuple(newsletter.roles or ()),
            include_subscribers=newsletter.include_subscribers,
            organisation_paths=tuple(newsletter.organisations.values_list("path", flat=True)),
            focus_area_ids=tuple(newsletter.focus_areas.values_list("pk", flat=True)),
        )

    @property
    def is_empty(self) -> bool:
        return not (self.include_staff or self.roles or self.include_subscribers)


def _under(paths, field: str) -> Q:
    q = Q()
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def _blocked(consortium_id) -> Exists:
    return Exists(Suppression.objects.filter(consortium_id=consortium_id, email=OuterRef("address")))


def _registered_in_focus_areas(segment: Segment):
    """Persons who registered for an activity in one of the segment's focus areas."""
    return Registration.objects.filter(
        consortium_id=segment.consortium_id, session__activity__focus_areas__in=segment.focus_area_ids
    ).values("person_id")


def staff_recipients(segment: Segment) -> QuerySet:
    qs = Person.objects.filter(consortium_id=segment.consortium_id, is_active=True).exclude(email="")
    if segment.occupation_ids:
        qs = qs.filter(occupation_id__in=segment.occupation_ids)
    if segment.organisation_paths:
        qs = qs.filter(_under(segment.organisation_paths, "workplace__path"))
    if segment.focus_area_ids:
        qs = qs.filter(pk__in=_registered_in_focus_areas(segment))
    return qs.annotate(
        address=Lower("email"),
        recipient_name=Trim(Concat("first_name", Value(" "), "last_name", output_field=CharField())),
        recipient_language=F("language"),
        subscription_ref=Value(None, output_field=IntegerField()),
    )


def role_recipients(segment: Segment) -> QuerySet:
    from larnav.organisations.models import Organisation

    assignments = RoleAssignment.objects.filter(
        RoleAssignment.active_q(), consortium_id=segment.consortium_id, role__in=segment.roles
    )
    if segment.organisation_paths:
        # A scoped role inside the chosen organisations, or any of the roles held by someone who works there.
        inside = Organisation.objects.filter(_under(segment.organisation_paths, "path")).values("pk")
        assignments = assignments.filter(
            Q(organisation_id__in=inside) | Q(user__person__workplace_id__in=inside)
        )
    qs = User.objects.filter(
        pk__in=assignments.values("user_id"), consortium_id=segment.consortium_id, is_active=True
    ).exclude(email="")
    if segment.focus_area_ids:
        qs = qs.filter(person_id__in=_registered_in_focus_areas(segment))
    return qs.annotate(
        address=Lower("email"),
        recipient_name=Trim(Concat("first_name", Value(" "), "last_name", output_field=CharField())),
        recipient_language=F("language"),
        subscription_ref=Value(None, output_field=IntegerField()),
    )


def subscriber_recipients(segment: Segment) -> QuerySet:
    qs = Subscription.objects.filter(consortium_id=segment.consortium_id, status=Subscription.Status.CONFIRMED)
    if segment.organisation_paths:
        qs = qs.filter(_under(segment.organisation_paths, "municipality__path"))
    if segment.focus_area_ids:
        qs = qs.filter(pk__in=Subscription.focus_areas.through.objects.filter(
            focusarea_id__in=segment.focus_area_ids).values("subscription_id"))
    return qs.annotate(
        address=Lower("email"),
        recipient_name=F("name"),
        recipient_language=F("language"),
        subscription_ref=F("pk"),
    )


# Sources in order of precedence: an address reached through several keeps the first one's name,
# language and reason.
SOURCES = (
    (Delivery.Source.STAFF, staff_recipients, lambda s: s.include_staff),
    (Delivery.Source.ROLE, role_recipients, lambda s: bool(s.roles)),
    (Delivery.Source.SUBSCRIBER, subscriber_recipients, lambda s: s.include_subscribers),
)


def source_querysets(segment: Segment, *, include_blocked: bool = False):
    """(source, queryset) for each chosen group; blocked addresses left out unless asked for."""
    for source, build, chosen in SOURCES:
        if not chosen(segment):
            continue
        qs = build(segment)
        if not include_blocked:
            qs = qs.filter(~_blocked(segment.consortium_id))
        yield source, qs


def _distinct_addresses(querysets) -> int:
    address_sets = [qs.order_by().values_list("address") for qs in querysets]
    if not address_sets:
        return 0
    if len(address_sets) == 1:
        return address_sets[0].distinct().count()
    first, *rest = address_sets
    return first.union(*rest).count()  # UNION (not ALL) removes duplicates


@dataclass
class SegmentCount:
    total: int
    by_source: dict[str, int]
    blocked: int


def count_segment(segment: Segment) -> SegmentCount:
    """How many addresses a segment reaches now, per group and in all (each address once)."""
    if segment.is_empty:
        return SegmentCount(total=0, by_source={}, blocked=0)
    reached = dict(source_querysets(segment))
    by_source = {source: qs.order_by().values("address").distinct().count() for source, qs in reached.items()}
    total = _distinct_addresses(reached.values())
    with_blocked = _distinct_addresses(qs for _, qs in source_querysets(segment, include_blocked=True))
    return SegmentCount(total=total, by_source=by_source, blocked=with_blocked - total)


def is_blocked(consortium_id, email: str) -> bool:
    return Suppression.objects.filter(consortium_id=consortium_id, email=email.strip().lower()).exists()


# --- Lists for the coordinator's pages -------------------------------------------------------------

def newsletters_for(consortium) -> QuerySet:
    return Newsletter.objects.filter(consortium=consortium).select_related("created_by", "scheduled_by")


def delivery_counts(newsletter: Newsletter) -> dict[str, int]:
    counts = {status: 0 for status in Delivery.Status.values}
    rows = Delivery.objects.filter(newsletter=newsletter).values("status").annotate(n=Count("pk")).order_by()
    for row in rows:
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts[s] for s in Delivery.Status.values)
    counts["open"] = counts[Delivery.Status.PENDING] + counts[Delivery.Status.SENDING]
    return counts


def deliveries(newsletter: Newsletter, *, query: str = "", status: str = "") -> QuerySet:
    qs = Delivery.objects.filter(newsletter=newsletter)
    if status in Delivery.Status.values:
        qs = qs.filter(status=status)
    for word in query.split():
        qs = qs.filter(Q(email__icontains=word) | Q(name__icontains=word))
    return qs


DELIVERY_EXPORT_HEADERS = ["E-post", "Namn", "Språk", "Varför", "Status", "Skickat", "Orsak"]


def delivery_export_rows(qs: QuerySet):
    from django.utils import timezone

    for d in qs.order_by("pk").iterator(chunk_size=2000):
        sent = timezone.localtime(d.sent_at).strftime("%Y-%m-%d %H:%M:%S") if d.sent_at else ""
        yield [d.email, d.name, d.language, str(d.get_source_display()), str(d.get_status_display()), sent,
               d.error]


def subscriptions(consortium, *, query: str = "", status: str = "") -> QuerySet:
    qs = Subscription.objects.filter(consortium=consortium).select_related("municipality")
    if status in Subscription.Status.values:
        qs = qs.filter(status=status)
    for word in query.split():
        qs = qs.filter(Q(email__icontains=word) | Q(name__icontains=word))
    return qs


SUBSCRIPTION_EXPORT_HEADERS = ["E-post", "Namn", "Kommun", "Intressen", "Språk", "Status", "Anmäld", "Bekräftad"]


def subscription_export_rows(qs: QuerySet):
    from django.utils import timezone

    def when(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    for s in qs.prefetch_related("focus_areas").order_by("email"):
        yield [s.email, s.name, s.municipality.name if s.municipality else "",
               ", ".join(f.name for f in s.focus_areas.all()), s.language, str(s.get_status_display()),
               when(s.created_at), when(s.confirmed_at)]


def suppressions(consortium, *, query: str = "") -> QuerySet:
    qs = Suppression.objects.filter(consortium=consortium).select_related("newsletter", "created_by")
    for word in query.split():
        qs = qs.filter(email__icontains=word)
    return qs
