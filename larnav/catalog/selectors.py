"""Reads of the catalog for pages, feeds and other apps.

Permission questions about the catalog are answered here, on top of the one
permission layer (``larnav.accounts.permissions``):

* ``can_manage_catalog(user, consortium)`` – the samordnare's Action.MANAGE_CATALOG;
* ``can_manage_session(user, session)`` – the catalog managers, or the CKA of
  the municipality that owns a local session (Action.MANAGE_LOCAL_CATALOG);
* ``can_see_digital_link(user, session)`` – who may see an occasion's link.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Collate, StrIndex
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from larnav.accounts.permissions import Action, can, same_consortium, scope_organisations
from larnav.organisations.models import Organisation

from .models import Activity, CalendarFeedToken, FocusArea, InterestRegistration, Occasion, Session
from .text import fold

STOCKHOLM = ZoneInfo("Europe/Stockholm")
CATALOG_PAGE_SIZE = 20
# Sessions listed under each activity on the catalog page; more are on the activity's page.
SESSIONS_PER_ACTIVITY = 3
# A feed holds the next 500 matching sessions: calendar programs fetch it every hour or so.
FEED_LIMIT = 500
# Sessions in the public catalog: upcoming, not cancelled.
LISTED_STATUSES = (Session.Status.PLANNED, Session.Status.OPEN, Session.Status.FULL)
# Sessions in calendar feeds: cancelled ones too, so that subscribers see the cancellation.
FEED_STATUSES = (*LISTED_STATUSES, Session.Status.CANCELLED)
# Personal feeds keep recent sessions for a while so they do not vanish the day after.
FEED_HISTORY = timedelta(days=90)
LOCAL_OWNER_TYPES = (Organisation.Type.KOMMUN, Organisation.Type.STADSDEL)


# --- Permissions ----------------------------------------------------------------

def can_manage_catalog(user, consortium) -> bool:
    """May ``user`` create and edit activities, focus areas and regional sessions of ``consortium``?"""
    return (getattr(user, "is_authenticated", False) and same_consortium(user, consortium.pk)
            and can(user, Action.MANAGE_CATALOG))


def can_manage_local_sessions(user, consortium) -> bool:
    """May ``user`` create local sessions for some municipality of ``consortium``?"""
    return can_manage_catalog(user, consortium) or local_owner_choices(user, consortium).exists()


def can_manage_session(user, session: Session) -> bool:
    """Catalog managers manage every session; a CKA manages the local sessions of their municipality."""
    if not getattr(user, "is_authenticated", False) or not same_consortium(user, session.consortium_id):
        return False
    if can(user, Action.MANAGE_CATALOG):
        return True
    owner = session.owner_municipality
    return owner is not None and can(user, Action.MANAGE_LOCAL_CATALOG, owner)


def is_trainer(user, session: Session) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    trainers = getattr(session, "_prefetched_objects_cache", {}).get("trainers")
    if trainers is not None:
        return any(t.pk == user.pk for t in trainers)
    return session.trainers.filter(pk=user.pk).exists()


def can_see_digital_link(user, session: Session) -> bool:
    """May ``user`` see the digital links of ``session``'s occasions?

    The session's managers, its trainers and its booked participants (a
    confirmed or completed registration). Anonymous visitors never see a link.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if can_manage_session(user, session):
        return True
    if not same_consortium(user, session.consortium_id):
        return False
    if is_trainer(user, session):
        return True
    from larnav.registrations.selectors import holds_seat

    return holds_seat(user, session)


def local_owner_choices(user, consortium) -> QuerySet:
    """Municipalities and city districts for which ``user`` may create local sessions."""
    qs = Organisation.objects.filter(consortium=consortium, type__in=LOCAL_OWNER_TYPES, is_active=True)
    if not getattr(user, "is_authenticated", False) or not same_consortium(user, consortium.pk):
        return qs.none()
    return scope_organisations(user, qs, Action.MANAGE_LOCAL_CATALOG).order_by("name")


# --- Filters shared by the catalog page and its calendar feed -------------------------

@dataclass(frozen=True)
class CatalogFilters:
    """Cleaned catalog filters; every field has a harmless default."""

    q: str = ""
    type: str = ""
    level: str = ""
    focus: FocusArea | None = None
    role: object | None = None  # people.Occupation
    month: date | None = None  # first day of the month
    scope: str = ""  # "regional" | "local"
    mode: str = ""  # "digital" | "physical"
    free: bool = False
    sort: str = "date"  # "date" | "title"

    @property
    def has_activity_filters(self) -> bool:
        return bool(self.q or self.type or self.level or self.focus or self.role)

    @property
    def has_session_filters(self) -> bool:
        return bool(self.month or self.scope or self.mode or self.free)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month as [start, end) in aware Stockholm time."""
    last_day = calendar.monthrange(month.year, month.month)[1]
    start = datetime(month.year, month.month, 1, tzinfo=STOCKHOLM)
    end = datetime.combine(date(month.year, month.month, last_day) + timedelta(days=1), datetime.min.time(),
                           tzinfo=STOCKHOLM)
    return start, end


def _search_q(query: str) -> Q | None:
    """Every word must occur (case-folded) in the activity's search text.

    On PostgreSQL a full-text match with the Swedish configuration (stemming:
    "bemötandet" finds "bemötande") is accepted as well; the substring match
    keeps compound words working ("delaktighet" finds "Delaktighetsmodellen").
    """
    words = fold(query).split()
    if not words:
        return None
    # INSTR/STRPOS on the already case-folded text: native on both databases (SQLite's LIKE is
    # replaced by a Unicode-aware Python function in larnav.core.db, which is slower than needed here).
    substring = Q()
    for word in words:
        substring &= Q(GreaterThan(StrIndex("search_text", Value(word)), 0))
    if connection.vendor != "postgresql":
        return substring
    from django.contrib.postgres.search import SearchQuery, SearchVector

    # An IN subquery, so that PostgreSQL answers it from the GIN index (migration 0002).
    matches = Activity.objects.alias(document=SearchVector("search_text", config="swedish")).filter(
        document=SearchQuery(" ".join(words), config="swedish", search_type="plain"))
    return substring | Q(pk__in=matches.values("pk"))


def filter_activities(qs: QuerySet, f: CatalogFilters) -> QuerySet:
    search = _search_q(f.q)
    if search is not None:
        qs = qs.filter(search)
    if f.type:
        qs = qs.filter(type=f.type)
    if f.level:
        qs = qs.filter(level=f.level)
    if f.focus is not None:
        qs = qs.filter(focus_areas=f.focus)
    if f.role is not None:
        qs = qs.filter(target_occupations=f.role)
    return qs


def filter_sessions(qs: QuerySet, f: CatalogFilters) -> QuerySet:
    if f.month is not None:
        start, end = month_bounds(f.month)
        qs = qs.filter(first_start__lt=end, last_end__gte=start)
    if f.scope == "regional":
        qs = qs.filter(owner_municipality__isnull=True)
    elif f.scope == "local":
        qs = qs.filter(owner_municipality__isnull=False)
    if f.mode == "digital":
        qs = qs.filter(is_digital=True)
    elif f.mode == "physical":
        qs = qs.filter(is_physical=True)
    if f.free:
        qs = qs.alias(free_seat_count=F("capacity") - F("confirmed_count")).filter(free_seat_count__gt=0)
    return qs


def _title_order(descending: bool = False):
    # The sort key is made for byte-wise comparison; PostgreSQL's default collation is not byte-wise.
    key = Collate("sort_title", "C") if connection.vendor == "postgresql" else F("sort_title")
    return key.desc() if descending else key.asc()


def upcoming_sessions(consortium, now=None, statuses=LISTED_STATUSES) -> QuerySet:
    """Sessions of published activities that have not ended."""
    now = now or timezone.now()
    return Session.objects.filter(
        consortium=consortium, status__in=statuses, last_end__gte=now, activity__status=Activity.Status.PUBLISHED,
    )


def per_activity_base(f: CatalogFilters, now) -> QuerySet:
    """Listed sessions matching the session filters, for queries already limited to one activity or a few."""
    return filter_sessions(Session.objects.filter(status__in=LISTED_STATUSES, last_end__gte=now), f)


def catalog_activities(consortium, f: CatalogFilters, now=None) -> QuerySet:
    """Published activities matching ``f``, each with ``listed_sessions`` (its first matching sessions,
    one more than shown, so that the page knows whether there are more) and ``next_start``.

    Whatever the number of activities and sessions, evaluating a page of this
    queryset takes a fixed number of queries.
    """
    now = now or timezone.now()
    activities = filter_activities(
        Activity.objects.filter(consortium=consortium, status=Activity.Status.PUBLISHED), f
    )
    # The correlated subqueries start from the outer activity (index activity, status, first_start);
    # the consortium and the activity's status are the outer query's already.
    per_activity = per_activity_base(f, now).filter(activity=OuterRef("pk"))
    if f.has_session_filters:
        activities = activities.filter(Exists(per_activity))
    # The date an activity sorts by: its next matching session that has not started yet. Activities
    # whose matching sessions have all started (a network meeting series under way) come after.
    activities = activities.annotate(next_start=Subquery(
        per_activity.filter(first_start__gte=now).order_by("first_start").values("first_start")[:1]
    ))
    if f.sort == "title":
        activities = activities.order_by(_title_order(), "pk")
    else:
        activities = activities.order_by(F("next_start").asc(nulls_last=True), _title_order(), "pk")
    # The page's activities are this consortium's and published: the prefetch needs only the session filters.
    listed = (
        per_activity_base(f, now).select_related("owner_municipality")
        .only("pk", "activity_id", "name", "capacity", "confirmed_count", "waitlist_count", "status",
              "first_start", "last_end", "is_digital", "is_physical", "local_staff_only",
              "owner_municipality__name", "registration_opens", "registration_closes")
        .order_by("first_start", "pk")
    )
    return activities.defer("description", "search_text").prefetch_related(
        Prefetch("focus_areas", queryset=FocusArea.objects.only("pk", "name")),
        Prefetch("sessions", queryset=listed[:SESSIONS_PER_ACTIVITY + 1], to_attr="listed_sessions"),
    )


def feed_sessions(consortium, f: CatalogFilters, now=None) -> QuerySet:
    """Sessions for the public calendar feed of a catalog filter (cancelled ones included)."""
    now = now or timezone.now()
    sessions = filter_sessions(upcoming_sessions(consortium, now, statuses=FEED_STATUSES), f)
    activities = filter_activities(
        Activity.objects.filter(consortium=consortium, status=Activity.Status.PUBLISHED), f
    )
    if f.has_activity_filters:
        sessions = sessions.filter(activity__in=activities.values("pk"))
    return with_calendar_data(sessions.order_by("first_start", "pk"))[:FEED_LIMIT]


def with_calendar_data(sessions: QuerySet) -> QuerySet:
    return sessions.select_related("activity", "owner_municipality").prefetch_related(
        Prefetch("occasions", queryset=Occasion.objects.order_by("start", "pk"))
    )


# --- Single objects -------------------------------------------------------------

def visible_activity(user, consortium, pk) -> Activity | None:
    """The activity if ``user`` may see it: published ones for everyone, others for catalog managers."""
    activity = (Activity.objects.filter(consortium=consortium, pk=pk)
                .select_related("provider_municipality").first())
    if activity is None:
        return None
    if activity.status == Activity.Status.DRAFT and not can_manage_catalog(user, consortium):
        return None
    return activity


def visible_session(user, consortium, pk) -> Session | None:
    """The session if ``user`` may see it: sessions of non-draft activities for everyone."""
    session = (
        Session.objects.filter(consortium=consortium, pk=pk)
        .select_related("activity", "activity__provider_municipality", "owner_municipality")
        .prefetch_related(
            Prefetch("occasions", queryset=Occasion.objects.order_by("start", "pk")),
            "trainers", "quotas__municipality",
        )
        .first()
    )
    if session is None:
        return None
    if session.activity.status == Activity.Status.DRAFT and not can_manage_session(user, session):
        return None
    return session


def activity_sessions(activity: Activity, *, include_past: bool, now=None) -> QuerySet:
    now = now or timezone.now()
    qs = activity.sessions.select_related("owner_municipality").order_by("first_start", "pk")
    if not include_past:
        qs = qs.filter(Q(last_end__gte=now) | Q(last_end__isnull=True))
    return qs


def has_open_session(activity: Activity, now=None) -> bool:
    """Is there a session people can register for now (or soon: open and not ended)?"""
    now = now or timezone.now()
    return activity.sessions.filter(status__in=(Session.Status.OPEN, Session.Status.FULL), last_end__gte=now).exists()


# --- Interest (demand) ----------------------------------------------------------

def interest_count(activity: Activity, *, waiting_only: bool = True) -> int:
    """How many are on the activity's interest list (by default: not yet told of a session)."""
    qs = activity.interest_registrations.all()
    if waiting_only:
        qs = qs.filter(notified_at__isnull=True)
    return qs.count()


def activities_with_demand(consortium) -> QuerySet:
    """Activities annotated with ``interest_waiting`` and ``interest_total``: demand for planning."""
    return Activity.objects.filter(consortium=consortium).annotate(
        interest_total=Count("interest_registrations", distinct=True),
        interest_waiting=Count("interest_registrations",
                               filter=Q(interest_registrations__notified_at__isnull=True), distinct=True),
    )


def interest_list(activity: Activity) -> QuerySet:
    return activity.interest_registrations.select_related("person", "person__workplace").order_by("created_at", "pk")


def interest_of(user, activity: Activity) -> InterestRegistration | None:
    """The signed-in user's own interest registration for ``activity``, if any."""
    if not getattr(user, "is_authenticated", False) or not user.person_id:
        return None
    return activity.interest_registrations.filter(person_id=user.person_id).first()


# --- Management lists -----------------------------------------------------------

def managed_activities(consortium, *, query: str = "", status: str = "") -> QuerySet:
    now = timezone.now()
    qs = Activity.objects.filter(consortium=consortium)
    search = _search_q(query)
    if search is not None:
        qs = qs.filter(search)
    if status in Activity.Status.values:
        qs = qs.filter(status=status)
    upcoming = Session.objects.filter(activity=OuterRef("pk"), last_end__gte=now).exclude(
        status=Session.Status.CANCELLED).values("activity").annotate(n=Count("pk")).values("n")
    waiting = InterestRegistration.objects.filter(activity=OuterRef("pk"), notified_at__isnull=True).values(
        "activity").annotate(n=Count("pk")).values("n")
    return qs.annotate(upcoming_count=Subquery(upcoming), interest_waiting=Subquery(waiting))


def local_sessions_for(user, consortium, now=None) -> QuerySet:
    """Local sessions the user manages as CKA (upcoming first)."""
    owners = local_owner_choices(user, consortium)
    now = now or timezone.now()
    return (
        Session.objects.filter(consortium=consortium, owner_municipality__in=owners)
        .filter(Q(last_end__gte=now - timedelta(days=30)) | Q(last_end__isnull=True))
        .select_related("activity", "owner_municipality")
        .order_by("first_start", "pk")
    )


def trainer_choices(consortium) -> QuerySet:
    """Users who can be trainers of a session: active users of the consortium whose roles include teaching."""
    from larnav.accounts.models import Role, RoleAssignment, User

    teaching = RoleAssignment.objects.filter(
        RoleAssignment.active_q(), consortium=consortium, role__in=(Role.UTBILDARE, Role.SAMORDNARE)
    ).values("user_id")
    return User.objects.filter(consortium=consortium, is_active=True, pk__in=teaching).order_by(
        "last_name", "first_name", "username")


# --- Calendar feeds ---------------------------------------------------------------

def hash_feed_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def user_for_feed_token(raw: str):
    """The user whose active feed token is ``raw``, or None."""
    if not raw or len(raw) > 200:
        return None
    token = (CalendarFeedToken.objects.filter(token_hash=hash_feed_token(raw), revoked_at__isnull=True,
                                              user__is_active=True)
             .select_related("user").first())
    return token.user if token else None


def active_feed_token(user) -> CalendarFeedToken | None:
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at").first()


def personal_feed_sessions(user, now=None) -> QuerySet:
    """Sessions in ``user``'s personal calendar feed.

    The sessions the user teaches and the ones they have a seat on (or had,
    when the session was cancelled). Cancelled sessions stay in the feed so
    that calendars show the cancellation.
    """
    from larnav.registrations.selectors import booked_session_ids

    now = now or timezone.now()
    mine = Q(trainers=user)
    if user.person_id:
        mine |= Q(pk__in=booked_session_ids(user.person_id))
    qs = Session.objects.filter(
        mine, consortium_id=user.consortium_id, last_end__gte=now - FEED_HISTORY
    ).exclude(activity__status=Activity.Status.DRAFT).distinct()
    return with_calendar_data(qs.order_by("first_start", "pk").prefetch_related("trainers"))
