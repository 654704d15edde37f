"""The offer (utbud): activities, their sessions (kurstillfällen) and occasions.

* ``FocusArea`` – the consortium's managed vocabulary of focus areas.
* ``Activity`` – something the consortium offers: a course, a seminar, a
  network meeting... Described once, in Markdown (rendered safely).
* ``Session`` – one kurstillfälle of an activity: capacity, registration
  window, trainers, regional or local. It has one or more ``Occasion`` rows
  (the dates), optional per-municipality ``SessionQuota`` rows and
  denormalised seat counters kept by the registration service.
* ``InterestRegistration`` – an intresseanmälan for an activity that has no
  open session; the people on it are told first when one opens.
* ``CalendarFeedToken`` – the secret, revocable address of a user's personal
  iCalendar feed (only a hash is stored).

Every row that belongs to a consortium carries its ``consortium`` foreign key,
also where it could be derived, so that every read can filter on it directly.
Writes go through ``larnav.catalog.services``; the fields marked "maintained
by the service" must not be written anywhere else.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from larnav.core.validators import reject_personnummer
from larnav.organisations.models import Consortium, Organisation

MAX_CAPACITY = 10_000


class FocusArea(models.Model):
    """A focus area (fokusområde) from the consortium's managed vocabulary."""

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="focus_areas")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=100)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive focus areas cannot be chosen for activities.")
    )

    class Meta:
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint("consortium", Lower("name"), name="focus_area_unique_name",
                                    violation_error_message=_("There is already a focus area with this name.")),
        ]

    def __str__(self):
        return self.name


class Activity(models.Model):
    """An activity in the offer (utbud). Its sessions are the dated kurstillfällen."""

    class Type(models.TextChoices):
        KURS = "kurs", _("Course")
        FORELASNING = "forelasning", _("Lecture")
        SEMINARIUM = "seminarium", _("Seminar")
        NATVERKSTRAFF = "natverkstraff", _("Network meeting")
        KONFERENS = "konferens", _("Conference")
        STUDIECIRKEL = "studiecirkel", _("Study circle")
        WEBBINARIUM = "webbinarium", _("Webinar")
        POANGGIVANDE = "poanggivande", _("Credit-bearing course (upper secondary or university)")

    class Level(models.TextChoices):
        # Two scales are in use: grund/fördjupning, and the Yrkesresan steps BAS/FÖRDJUPNING/SPETS.
        GRUND = "grund", _("Basic level")
        FORDJUPNING = "fordjupning", _("Advanced level")
        BAS = "bas", _("BAS step")
        FORDJUPNING_STEG = "fordjupning_steg", _("FÖRDJUPNING step")
        SPETS = "spets", _("SPETS step")

    class CreditUnit(models.TextChoices):
        HOGSKOLEPOANG = "hp", _("Higher education credits (hp)")
        GYMNASIEPOANG = "gymnasiepoang", _("Upper secondary credits")

    class ProviderKind(models.TextChoices):
        OWN = "own", _("The consortium's own staff")
        PROCURED = "procured", _("Procured provider")
        MUNICIPALITY = "municipality", _("A member municipality")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="activities")
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    title = models.CharField(_("title"), max_length=200, validators=[reject_personnummer])
    description = models.TextField(
        _("description"), blank=True, validators=[reject_personnummer],
        help_text=_("Markdown: **bold**, *italics*, lists with -, links as [text](https://...). "
                    "HTML is shown as text."),
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, blank=True)
    focus_areas = models.ManyToManyField(
        FocusArea, blank=True, related_name="activities", verbose_name=_("focus areas")
    )
    target_occupations = models.ManyToManyField(
        "people.Occupation", blank=True, related_name="+", verbose_name=_("target occupations"),
        help_text=_("Leave empty if the activity is for everyone."),
    )
    target_funktion = models.CharField(
        _("target function"), max_length=10, choices=Organisation.Funktion.choices, blank=True,
        help_text=_("Leave empty if the activity is for every function."),
    )
    hours = models.DecimalField(
        _("hours credited"), max_digits=5, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("2000"))],
    )
    credits = models.DecimalField(
        _("credits"), max_digits=5, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("400"))],
        help_text=_("Only for credit-bearing courses, e.g. 7.5."),
    )
    credit_unit = models.CharField(_("credit unit"), max_length=20, choices=CreditUnit.choices, blank=True)
    price = models.DecimalField(
        _("price per participant (SEK)"), max_digits=10, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000000"))],
    )
    provider_kind = models.CharField(
        _("provider"), max_length=20, choices=ProviderKind.choices, default=ProviderKind.OWN
    )
    provider_name = models.CharField(
        _("provider's name"), max_length=200, blank=True, help_text=_("For a procured provider.")
    )
    provider_municipality = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("providing municipality"), limit_choices_to={"type": Organisation.Type.KOMMUN},
    )
    language_notes = models.CharField(
        _("language notes"), max_length=200, blank=True, validators=[reject_personnummer],
        help_text=_('For example "in easier Swedish" or "interpreted into sign language".'),
    )
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True,
                                    validators=[reject_personnummer])
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Maintained by the service: case-folded title, description, focus areas and provider,
    # for searches that fold å, ä, ö on every database.
    search_text = models.TextField(editable=False, default="")
    # Maintained by the service: a key that sorts the title in Swedish order (... z, å, ä, ö)
    # when compared byte by byte.
    sort_title = models.CharField(max_length=200, editable=False, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        editable=False,
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["sort_title", "pk"]
        indexes = [
            models.Index(fields=["consortium", "status", "sort_title"], name="activity_listing_idx"),
            models.Index(fields=["consortium", "status", "type"], name="activity_type_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="activity_price_not_negative",
                                   violation_error_message=_("The price cannot be negative.")),
        ]

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_credit_bearing(self) -> bool:
        return self.type == self.Type.POANGGIVANDE

    @property
    def provider_display(self) -> str:
        if self.provider_kind == self.ProviderKind.PROCURED:
            return self.provider_name
        if self.provider_kind == self.ProviderKind.MUNICIPALITY and self.provider_municipality_id:
            return self.provider_municipality.name
        return str(self.ProviderKind(self.provider_kind).label)

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.type == self.Type.POANGGIVANDE:
            if self.credits is None:
                errors["credits"] = _("A credit-bearing course needs its credits.")
            if not self.credit_unit:
                errors["credit_unit"] = _("Say whether the credits are higher education or upper secondary credits.")
        elif self.credits is not None or self.credit_unit:
            errors["credits"] = _("Only credit-bearing courses give credits; choose that type or leave credits empty.")
        if self.provider_kind == self.ProviderKind.PROCURED and not self.provider_name.strip():
            errors["provider_name"] = _("Give the procured provider's name.")
        if self.provider_kind == self.ProviderKind.MUNICIPALITY:
            if not self.provider_municipality_id:
                errors["provider_municipality"] = _("Choose the municipality that provides the activity.")
            elif (self.provider_municipality.type != Organisation.Type.KOMMUN
                  or self.provider_municipality.consortium_id != self.consortium_id):
                errors["provider_municipality"] = _("Choose a municipality of this consortium.")
        if errors:
            raise ValidationError(errors)


class Session(models.Model):
    """A kurstillfälle: one run of an activity, with one or more occasions.

    Regional sessions have no ``owner_municipality``; local ones are owned by a
    municipality (or a city district administration), whose CKA may manage
    them, and may be limited to that municipality's staff.

    ``confirmed_count`` and ``waitlist_count`` are kept by the registration
    service under a row lock (``select_for_update``); nothing else writes them.
    ``first_start``, ``last_end``, ``is_digital`` and ``is_physical`` are
    copied from the occasions by the catalog service. ``sequence`` is the
    iCalendar SEQUENCE, raised on every change a calendar shows; ``uid`` never
    changes.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open for registration")
        FULL = "full", _("Full")
        CANCELLED = "cancelled", pgettext_lazy("session status", "Cancelled")
        COMPLETED = "completed", _("Completed")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="sessions")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="sessions",
                                 verbose_name=_("activity"))
    name = models.CharField(
        _("label"), max_length=120, blank=True, validators=[reject_personnummer],
        help_text=_('Optional, e.g. "Spring group" or "Södertörn".'),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)],
        help_text=_("Number of seats."),
    )
    confirmed_count = models.PositiveIntegerField(default=0, editable=False)
    waitlist_count = models.PositiveIntegerField(default=0, editable=False)
    registration_opens = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes = models.DateTimeField(_("registration closes"), null=True, blank=True)
    cancellation_deadline = models.DateTimeField(
        _("last day to cancel"), null=True, blank=True,
        help_text=_("Cancellations after this are late cancellations."),
    )
    requires_approval = models.BooleanField(
        _("manager approval"), default=False, help_text=_("Registrations must be approved by the participant's manager.")
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="taught_sessions", verbose_name=_("trainers")
    )
    owner_municipality = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("local session of"),
        help_text=_("Leave empty for a regional session."),
    )
    local_staff_only = models.BooleanField(
        _("only for the municipality's staff"), default=False,
        help_text=_("A local session can be limited to the owning municipality's staff."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Copied from the occasions by the service.
    first_start = models.DateTimeField(null=True, editable=False)
    last_end = models.DateTimeField(null=True, editable=False)
    is_digital = models.BooleanField(default=False, editable=False)
    is_physical = models.BooleanField(default=False, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["first_start", "pk"]
        indexes = [
            models.Index(fields=["activity", "status", "first_start"], name="session_activity_idx"),
            models.Index(fields=["consortium", "status", "first_start"], name="session_calendar_idx"),
            models.Index(fields=["consortium", "last_end"], name="session_last_end_idx"),
            models.Index(fields=["owner_municipality", "first_start"], name="session_local_idx"),
            # The "has free seats" filter: capacity - confirmed_count > 0.
            models.Index(F("capacity") - F("confirmed_count"), name="session_free_seats_idx"),
            models.Index(fields=["status", "confirmed_count", "waitlist_count"], name="session_counters_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1) & Q(capacity__lte=MAX_CAPACITY),
                                   name="session_capacity_range",
                                   violation_error_message=_("The capacity must be between 1 and 10,000 seats.")),
            models.CheckConstraint(
                condition=Q(owner_municipality__isnull=False) | Q(local_staff_only=False),
                name="session_local_only_needs_owner",
                violation_error_message=_("Only a local session can be limited to a municipality's staff."),
            ),
            models.CheckConstraint(
                condition=Q(registration_opens__isnull=True) | Q(registration_closes__isnull=True)
                | Q(registration_closes__gt=F("registration_opens")),
                name="session_registration_window_ordered",
                violation_error_message=_("Registration must close after it opens."),
            ),
        ]

    def __str__(self):
        label = f"{self.activity.title}"
        if self.name:
            label += f" – {self.name}"
        if self.first_start:
            from django.utils import timezone

            label += f" ({timezone.localtime(self.first_start):%Y-%m-%d})"
        return label

    @property
    def free_seats(self) -> int:
        return max(self.capacity - self.confirmed_count, 0)

    @property
    def is_local(self) -> bool:
        return self.owner_municipality_id is not None

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def has_registrations(self) -> bool:
        return self.confirmed_count + self.waitlist_count > 0


class Occasion(models.Model):
    """One meeting of a session: a time span, and a place and/or a digital link.

    The digital link is shown only to those ``selectors.can_see_digital_link``
    allows (booked participants, trainers, managers), never in public pages or
    the public calendar feed.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="occasions")
    start = models.DateTimeField(_("starts"))
    end = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200, blank=True,
                             help_text=_('The venue, e.g. "Huddinge kommunhus, sal Kvarnen".'))
    address = models.CharField(_("address"), max_length=300, blank=True)
    digital_link = models.URLField(_("digital link"), max_length=500, blank=True,
                                   help_text=_("Shown only to booked participants and trainers."))

    class Meta:
        verbose_name = _("occasion")
        verbose_name_plural = _("occasions")
        ordering = ["start", "pk"]
        indexes = [models.Index(fields=["session", "start"], name="occasion_session_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="occasion_ends_after_start",
                                   violation_error_message=_("An occasion must end after it starts.")),
            models.CheckConstraint(condition=~Q(place="") | ~Q(digital_link=""), name="occasion_place_or_link",
                                   violation_error_message=_("An occasion needs a place or a digital link.")),
        ]

    def __str__(self):
        return f"{self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"

    @property
    def is_digital(self) -> bool:
        return bool(self.digital_link)

    @property
    def is_physical(self) -> bool:
        return bool(self.place)


class SessionQuota(models.Model):
    """A quota: the most seats of a session that one municipality's staff may hold.

    The registration service waitlists a registration whose municipality has
    used its quota, even while other seats are free."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="quotas")
    municipality = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("municipality"))
    seats = models.PositiveIntegerField(_("seats"), validators=[MinValueValidator(1),
                                                                MaxValueValidator(MAX_CAPACITY)])

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["municipality__name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "municipality"], name="quota_unique_municipality"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="quota_seats_positive"),
        ]

    def __str__(self):
        return f"{self.municipality}: {self.seats}"


class InterestRegistration(models.Model):
    """An intresseanmälan: someone wants to hear when an activity gets a session.

    A signed-in person is linked through ``person``; anonymous visitors leave a
    name and an e-mail address and must consent (``consent_at``). Everyone on
    the list is e-mailed once, when a session opens (``notified_at``).
    """

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="interest_registrations")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="interest_registrations")
    name = models.CharField(_("name"), max_length=200, validators=[reject_personnummer])
    email = models.EmailField(_("e-mail"))
    language = models.CharField(max_length=2, default="sv")
    consent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    notified_session = models.ForeignKey(Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("interest registration")
        verbose_name_plural = _("interest registrations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint("activity", Lower("email"), name="interest_unique_email"),
            models.CheckConstraint(condition=Q(person__isnull=False) | Q(consent_at__isnull=False),
                                   name="interest_anonymous_needs_consent"),
        ]
        indexes = [models.Index(fields=["activity", "notified_at"], name="interest_pending_idx")]

    def __str__(self):
        return f"{self.name} – {self.activity}"


class CalendarFeedToken(models.Model):
    """The secret address of a user's personal calendar feed. Only a SHA-256 hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed address")
        verbose_name_plural = _("calendar feed addresses")
        indexes = [models.Index(fields=["user", "revoked_at"], name="feed_token_user_idx")]

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d})"
