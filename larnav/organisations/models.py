"""Consortia (the tenant) and the organisation tree of their members.

The tree is kommun -> förvaltning / stadsdelsförvaltning -> enhet. Every node
stores a materialised ``path`` ("12/40/311/") so that "this organisation and
everything below it" is one indexed prefix query, which is what the
permission layer and the statistics need.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Consortium(models.Model):
    """A regional competence-development consortium (samverkan): the tenant."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    slug = models.SlugField(_("slug"), unique=True)
    domain = models.CharField(
        _("domain"), max_length=200, blank=True, help_text=_("Host name that serves this consortium.")
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consortium")
        verbose_name_plural = _("consortia")
        ordering = ["name"]

    def __str__(self):
        return self.short_name or self.name


scb_code_validator = RegexValidator(r"^\d{4}$", _("An SCB municipality code has exactly four digits."))


class Organisation(models.Model):
    class Type(models.TextChoices):
        KOMMUN = "kommun", _("Municipality")
        FORVALTNING = "forvaltning", _("Administration")
        STADSDEL = "stadsdel", _("City district administration")
        ENHET = "enhet", _("Workplace")

    class Driftform(models.TextChoices):
        KOMMUNAL = "kommunal", _("Municipal operation")
        ENSKILD = "enskild", _("Private operation")

    class Funktion(models.TextChoices):
        UTFORARE = "utforare", _("Provider")
        MYNDIGHET = "myndighet", _("Authority (purchaser)")
        HSL = "hsl", _("Health care (HSL)")

    # Which types may sit directly below which.
    ALLOWED_PARENTS = {
        Type.KOMMUN: (None,),
        Type.FORVALTNING: (Type.KOMMUN,),
        Type.STADSDEL: (Type.KOMMUN,),
        Type.ENHET: (Type.KOMMUN, Type.FORVALTNING, Type.STADSDEL),
    }

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="organisations")
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    municipality = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
        help_text=_("The kommun at the root of this organisation's tree (itself for a kommun)."),
    )
    scb_code = models.CharField(_("SCB code"), max_length=4, blank=True, validators=[scb_code_validator])
    external_id = models.CharField(
        _("external id"), max_length=64, blank=True, help_text=_("The organisation's id in the HR system.")
    )
    driftform = models.CharField(_("operating form"), max_length=10, choices=Driftform.choices, blank=True)
    provider_name = models.CharField(_("provider"), max_length=200, blank=True)
    funktion = models.CharField(_("function"), max_length=10, choices=Funktion.choices, blank=True)
    path = models.CharField(max_length=255, editable=False, default="")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "scb_code"], condition=~Q(scb_code=""), name="org_unique_scb_code"
            ),
            models.UniqueConstraint(
                fields=["consortium", "external_id"], condition=~Q(external_id=""), name="org_unique_external_id"
            ),
        ]
        indexes = [
            models.Index(fields=["consortium", "type"]),
            models.Index(fields=["municipality", "driftform", "funktion"]),
            # Prefix (subtree) lookups: path LIKE '12/40/%'. The opclass matters on PostgreSQL only.
            models.Index(fields=["path"], name="org_path_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return self.name

    @property
    def is_kommun(self) -> bool:
        return self.type == self.Type.KOMMUN

    def is_within(self, other: "Organisation") -> bool:
        """True if ``self`` is ``other`` or lies below it in the tree."""
        return self.path.startswith(other.path)

    def ancestors_path_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


class Membership(models.Model):
    """A municipality's membership of the consortium, for a period and a funding share."""

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    valid_from = models.DateField(_("member from"))
    valid_to = models.DateField(_("member until"), null=True, blank=True)
    funding_share = models.DecimalField(
        _("funding share (%)"), max_digits=6, decimal_places=3, null=True, blank=True
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="membership_period_ordered",
            )
        ]

    def __str__(self):
        return f"{self.organisation} ({self.valid_from}–{self.valid_to or ''})"
