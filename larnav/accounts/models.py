"""Users, their role assignments (each with a scope) and one-time sign-in links."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from larnav.organisations.models import Consortium, Organisation


class Role(models.TextChoices):
    SAMORDNARE = "samordnare", _("Coordinator")
    STYRGRUPP = "styrgrupp", _("Steering group member")
    KONTAKTPERSON = "kontaktperson", _("Contact person")
    CKA = "cka", _("Municipal contact (CKA)")
    KOMPETENSOMBUD = "kompetensombud", _("Workplace learning representative")
    CHEF = "chef", _("Manager")
    UTBILDARE = "utbildare", _("Trainer")
    DELTAGARE = "deltagare", _("Participant")


# Which organisation types a role's scope may point at; None = consortium-wide.
ROLE_SCOPE_TYPES = {
    Role.SAMORDNARE: None,
    Role.STYRGRUPP: (Organisation.Type.KOMMUN, Organisation.Type.STADSDEL),
    Role.KONTAKTPERSON: (Organisation.Type.KOMMUN, Organisation.Type.STADSDEL),
    Role.CKA: (Organisation.Type.KOMMUN, Organisation.Type.STADSDEL, Organisation.Type.FORVALTNING),
    Role.KOMPETENSOMBUD: (Organisation.Type.ENHET,),
    Role.CHEF: (Organisation.Type.ENHET,),
    Role.UTBILDARE: None,
    Role.DELTAGARE: None,
}


class User(AbstractUser):
    consortium = models.ForeignKey(
        Consortium, on_delete=models.CASCADE, null=True, blank=True, related_name="users",
        verbose_name=_("consortium"),
    )
    person = models.OneToOneField(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="user",
        verbose_name=_("person"),
    )
    language = models.CharField(_("preferred language"), max_length=2, default="sv",
                                choices=[("sv", _("Swedish")), ("en", _("English"))])
    # Raised by "sign out everywhere": every existing session stops verifying.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_session_auth_hash(self):
        return salted_hmac(
            "larnav.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_fallback_hash(self):
        # Django calls this with SECRET_KEY_FALLBACKS; keep the generation in it too.
        from django.conf import settings

        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield salted_hmac(
                "larnav.accounts.User.get_session_auth_hash",
                f"{self.password}:{self.session_generation}",
                secret=fallback_secret,
                algorithm="sha256",
            ).hexdigest()

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="role_assignments",
        verbose_name=_("scope"),
        help_text=_("The organisation the role applies to; empty for consortium-wide roles."),
    )
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "organisation"], name="role_assignment_unique"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(organisation__isnull=True),
                name="role_assignment_unique_consortium_wide",
            ),
        ]

    def __str__(self):
        scope = self.organisation or self.consortium
        return f"{self.get_role_display()} – {scope}"

    def clean(self):
        from django.core.exceptions import ValidationError

        allowed = ROLE_SCOPE_TYPES[Role(self.role)]
        if allowed is None and self.organisation_id:
            raise ValidationError({"organisation": _("This role applies to the whole consortium; leave the scope empty.")})
        if allowed is not None:
            if not self.organisation_id:
                raise ValidationError({"organisation": _("Choose the organisation this role applies to.")})
            if self.organisation.type not in allowed:
                raise ValidationError({"organisation": _("This role cannot be scoped to that kind of organisation.")})
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end date must be on or after the start date.")})

    @staticmethod
    def active_q(today=None) -> Q:
        today = today or timezone.localdate()
        return Q(valid_from__lte=today) & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))


class SignInLink(models.Model):
    """A one-time sign-in link. Only a hash of the token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d %H:%M})"
