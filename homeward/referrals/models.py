"""The referral network: a service directory shaped after Open Referral HSDS, referrals gated by consent and
limited to the sections shared, transfers of case ownership, and the network's service-level settings."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from homeward.cases.picklists import Language
from homeward.fields import EncryptedTextField, picklist_multi
from homeward.referrals.picklists import (
    EligibleSex,
    ReferralAction,
    ReferralStatus,
    Section,
    ServiceCategory,
    ServiceStatus,
    TransferStatus,
)

_USER = settings.AUTH_USER_MODEL


def _user(verbose_name: Any = None) -> models.ForeignKey:
    return models.ForeignKey(
        _USER, verbose_name=verbose_name, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class Service(models.Model):
    """A directory entry: one service of one organisation at one place (HSDS service, its location, service
    areas, languages, eligibility, contact, schedule and capacity). Directory data is not about survivors and
    is stored in the clear."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # HSDS service.id
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    name = models.CharField(_("name (English)"), max_length=200)
    name_lo = models.CharField(_("name (Lao)"), max_length=200, blank=True)
    description = models.TextField(_("description (English)"), max_length=2000, blank=True)
    description_lo = models.TextField(_("description (Lao)"), max_length=2000, blank=True)
    category = models.CharField(_("type of service"), max_length=16, choices=ServiceCategory.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    # Where it is given (HSDS location, one per entry).
    address = models.CharField(_("address"), max_length=300, blank=True)
    province = models.ForeignKey(
        "places.Area",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 1, "country__code": "LA"},
    )
    district = models.ForeignKey(
        "places.Area",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 2},
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # Whom it serves (HSDS service_area and eligibility).
    national = models.BooleanField(_("serves the whole country"), default=False)
    areas = models.ManyToManyField(
        "places.Area", verbose_name=_("provinces and districts served"), blank=True, related_name="+"
    )
    sex = models.CharField(_("open to"), max_length=8, choices=EligibleSex.choices, blank=True, default="")
    min_age = models.PositiveSmallIntegerField(_("youngest age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("oldest age"), null=True, blank=True)
    nationalities = models.ManyToManyField(
        "places.Country",
        verbose_name=_("only for citizens of"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty when the service is open to every nationality."),
    )
    eligibility = models.CharField(_("other conditions"), max_length=500, blank=True)
    languages = picklist_multi(Language, verbose_name=_("languages spoken"))
    # How to reach it.
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    url = models.URLField(_("website"), blank=True)
    hours = models.CharField(_("opening hours"), max_length=300, blank=True)
    application_process = models.CharField(_("how to refer"), max_length=500, blank=True)
    fees = models.CharField(_("fees"), max_length=300, blank=True)
    # Capacity (HSDS service_capacity): places free now, or the usual wait.
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    available = models.PositiveIntegerField(_("places free now"), null=True, blank=True)
    waiting_days = models.PositiveSmallIntegerField(_("usual wait (days)"), null=True, blank=True)
    assured_on = models.DateField(_("information checked on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = _user()

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        indexes = [models.Index(fields=["category", "status"], name="service_category_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="service_age_range",
            ),
            models.CheckConstraint(
                condition=Q(available__isnull=True)
                | Q(capacity__isnull=True)
                | Q(available__lte=models.F("capacity")),
                name="service_available_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if (get_language() or "en")[:2] == "lo" and self.name_lo:
            return self.name_lo
        return self.name

    @property
    def display_description(self) -> str:
        if (get_language() or "en")[:2] == "lo" and self.description_lo:
            return self.description_lo
        return self.description

    @property
    def is_open(self) -> bool:
        return self.status == ServiceStatus.ACTIVE


class NetworkSettings(models.Model):
    """The network's service levels: how many days a receiver has to answer and to complete a referral."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    accept_within_days = models.PositiveSmallIntegerField(_("days to answer a referral"), default=3)
    complete_within_days = models.PositiveSmallIntegerField(
        _("days to complete an accepted referral"), default=30
    )
    updated_by = _user()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("network settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="network_settings_single_row"),
            models.CheckConstraint(
                condition=Q(accept_within_days__gte=1, complete_within_days__gte=1),
                name="network_settings_positive",
            ),
        ]

    @classmethod
    def current(cls) -> NetworkSettings:
        return cls.objects.get_or_create(id=1)[0]


class Referral(models.Model):
    """A referral of one case to one organisation's service, sharing only the sections chosen, under the
    survivor's consent to share with that organisation."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("referral code"), max_length=20, unique=True)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="referrals")
    from_org = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("referred by"), on_delete=models.PROTECT, related_name="+"
    )
    to_org = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("referred to"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    category = models.CharField(_("type of service"), max_length=16, choices=ServiceCategory.choices)
    # The receiver has no users here: the referral is printed on a slip and its outcome entered by the sender.
    outside = models.BooleanField(_("outside the network"), default=False)
    sections = picklist_multi(Section, verbose_name=_("sections shared"))
    message = EncryptedTextField(_("what the provider needs to know"))
    urgent = models.BooleanField(_("urgent"), default=False)
    consent = models.ForeignKey(
        "cases.Consent", verbose_name=_("consent"), on_delete=models.PROTECT, related_name="referrals"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    sent_by = _user(_("sent by"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    accepted_by = _user(_("accepted by"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    closed_by = _user()
    closed_at = models.DateTimeField(null=True, blank=True)
    reason = EncryptedTextField(_("reason"))  # why it was declined or revoked
    outcome = EncryptedTextField(_("outcome"))
    service_delivered = models.OneToOneField(
        "reintegration.ServiceDelivered",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referral",
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["to_org", "status", "-sent_at"], name="referral_to_status"),
            models.Index(fields=["case", "-sent_at"], name="referral_case"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(from_org=models.F("to_org")), name="referral_not_to_self"),
        ]

    def __str__(self) -> str:
        return self.reference


class ReferralEvent(models.Model):
    """The history of a referral: every step, who took it, and the message that went with it."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=ReferralAction.choices)
    actor = _user()
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = EncryptedTextField(_("message"))
    sections_added = picklist_multi(Section, verbose_name=_("sections added"))

    class Meta:
        ordering = ["at", "id"]


class Transfer(models.Model):
    """A case handed to another organisation. The receiver accepts; ownership then moves in one transaction."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="transfers")
    from_org = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_org = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation taking over"),
        on_delete=models.PROTECT,
        related_name="transfers_received",
    )
    reason = EncryptedTextField(_("why the case moves"))
    consent = models.ForeignKey("cases.Consent", on_delete=models.PROTECT, related_name="transfers")
    status = models.CharField(
        _("status"), max_length=12, choices=TransferStatus.choices, default=TransferStatus.REQUESTED
    )
    requested_by = _user(_("requested by"))
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = _user(_("decided by"))
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = EncryptedTextField(_("note"))
    previous_caseworker = _user()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="requested"), name="transfer_one_pending_per_case"
            ),
            models.CheckConstraint(condition=~Q(from_org=models.F("to_org")), name="transfer_not_to_self"),
        ]
