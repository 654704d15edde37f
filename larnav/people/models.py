"""Persons: the staff in the field who take part in the offer.

A person is identified within a consortium by e-mail. There is no field for a
personnummer and the validators refuse anything that looks like one.
"""

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from larnav.core.validators import reject_personnummer
from larnav.organisations.models import Consortium, Organisation


class Occupation(models.Model):
    """A yrkesroll from the managed vocabulary (stödassistent, LSS-handläggare, ...)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    sort_order = models.PositiveIntegerField(_("sort order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")
        ordering = ["sort_order", "name_sv"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "sv").startswith("en") else self.name_sv


class Person(models.Model):
    class Gender(models.TextChoices):
        WOMAN = "kvinna", _("Woman")
        MAN = "man", _("Man")
        OTHER = "annat", _("Other")

    class Language(models.TextChoices):
        SV = "sv", _("Swedish")
        EN = "en", _("English")

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="persons")
    first_name = models.CharField(_("first name"), max_length=100, validators=[reject_personnummer])
    last_name = models.CharField(_("last name"), max_length=100, validators=[reject_personnummer])
    email = models.EmailField(_("e-mail"), max_length=254)
    workplace = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="staff",
        verbose_name=_("workplace"),
    )
    occupation = models.ForeignKey(
        Occupation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("occupation"),
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    language = models.CharField(_("preferred language"), max_length=2, choices=Language.choices, default="sv")
    external_id = models.CharField(
        _("employee id"), max_length=64, blank=True, validators=[reject_personnummer],
        help_text=_("The HR system's employee number. Never a personal identity number."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint("consortium", Lower("email"), name="person_unique_email_per_consortium"),
        ]
        indexes = [models.Index(fields=["consortium", "email"])]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
