from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from homeward.accounts.capabilities import Role


class OrgType(models.TextChoices):
    """HTCDS org_Type."""

    NGO = "NGO", _("NGO")
    LAW_ENFORCEMENT = "LawEnforcement", _("Law enforcement")
    HEALTH = "HealthServiceOrganisation", _("Health service organisation")
    CENTRAL_GOVERNMENT = "CentralGovernmentOrganisation", _("Central government organisation")
    LOCAL_GOVERNMENT = "LocalGovernmentOrganisation", _("Local government organisation")
    IMMIGRATION = "ImmigrationService", _("Immigration service")
    LEGAL = "LegalService", _("Legal service")
    CORPORATE = "CorporateBusiness", _("Corporate business")
    SCHOOL = "SchoolOrCollege", _("School or college")
    # Homeward extension (namespaced in exports as hw_): international organisations such as IOM.
    INTERNATIONAL = "hw_InternationalOrganisation", _("International organisation")


class Organisation(models.Model):
    """An organisation: a tenant. HTCDS org_* fields."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)  # org_Name
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    type = models.CharField(_("type"), max_length=40, choices=OrgType.choices)  # org_Type
    street = models.CharField(_("street"), max_length=200, blank=True)  # org_ShippingStreet
    city = models.CharField(_("city"), max_length=100, blank=True)  # org_ShippingCity
    province = models.ForeignKey(
        "places.Area",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )  # org_ShippingState
    country = models.ForeignKey(
        "places.Country",
        verbose_name=_("country"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )  # org_ShippingCountry
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)  # org_ShippingPostalCode
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)  # org_Phone (E.164)
    is_active = models.BooleanField(_("active"), default=True)
    # A partner agency abroad (a host-country shelter, police, embassy): it sends return requests and receives
    # replies, but it has no users here and never sees a case.
    is_external = models.BooleanField(_("partner agency without users"), default=False)
    email = models.EmailField(_("email"), blank=True)
    # Research releases that include this organisation's cases must be at least this k-anonymous.
    release_min_k = models.PositiveSmallIntegerField(
        _("smallest group size in research releases (k)"),
        default=5,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
        help_text=_(
            "A de-identified research release that includes this organisation's cases must put every person "
            "in a group of at least this many people who look the same."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.short_name or self.name


class User(AbstractUser):
    """A staff member. Survivors are never users; their data lives in people and cases."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class Membership(models.Model):
    """A user's role in an organisation. A user may hold several roles."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


class UserSession(models.Model):
    """A signed-in session, so that its owner can see where they are signed in and end the others."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tracked_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-last_seen"]
