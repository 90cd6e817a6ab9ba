from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from homeward.cases.picklists import (
    App,
    CaseStatus,
    ClosureReason,
    ConsentPurpose,
    ControlMethod,
    DecisionOrg,
    DocumentKind,
    EventType,
    Exploitation,
    FollowsReason,
    Industry,
    Recruitment,
    Relationship,
    SexExploitation,
    TraffickingStatus,
    Vulnerability,
)
from homeward.fields import EncryptedTextField, picklist_multi

# The case lifecycle: from each status, the statuses a case may move to. One table, read by case_set_status.
STATUS_FLOW: dict[str, tuple[str, ...]] = {
    CaseStatus.ACTIVE: (CaseStatus.FOLLOW_UP, CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED),
    CaseStatus.FOLLOW_UP: (CaseStatus.ACTIVE, CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED),
    CaseStatus.CLOSED: (CaseStatus.ACTIVE,),
    CaseStatus.CLOSED_REFERRED: (CaseStatus.ACTIVE,),
}
CLOSED_STATUSES = (CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED)


class Case(models.Model):
    """A case (HTCDS cas_*): one survivor's assistance by one owning organisation."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("case code"), max_length=20, unique=True)  # random, human-readable
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    owner_org = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="cases")
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caseworker"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )  # cas_CaseOwner
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.ACTIVE
    )
    opened_on = models.DateField(_("opened on"), default=dt.date.today)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_reason = models.CharField(
        _("reason for closure"), max_length=32, choices=ClosureReason.choices, blank=True
    )
    closure_details = EncryptedTextField(_("closure details"))  # cas_ReasonForCaseClosure
    # A new case of a person whose earlier case was closed: re-trafficking or re-migration is research data.
    follows = models.ForeignKey(
        "self",
        verbose_name=_("earlier case of the same person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followed_by",
    )
    follows_reason = models.CharField(
        _("why a new case"), max_length=20, choices=FollowsReason.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["owner_org", "status", "-opened_on"], name="case_org_status_opened"),
            models.Index(fields=["owner_org", "-opened_on", "-id"], name="case_org_opened"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def allowed_next_statuses(self) -> tuple[str, ...]:
        return STATUS_FLOW[self.status]


class VictimContext(models.Model):
    """HTCDS vic_*: the trafficking context of this case."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="victim")
    agreement_to_manage_data = models.BooleanField(
        _("agreed to the management of personal data"), default=False
    )
    trafficking_status = models.CharField(
        _("trafficking status"),
        max_length=32,
        choices=TraffickingStatus.choices,
        default=TraffickingStatus.POSSIBLE,
    )
    status_decided_by = models.CharField(
        _("status decided by"), max_length=40, choices=DecisionOrg.choices, blank=True
    )
    status_decided_by_name = models.CharField(_("name of the deciding body"), max_length=200, blank=True)
    relationship_to_trafficker = models.CharField(
        _("relationship to trafficker"), max_length=16, choices=Relationship.choices, blank=True
    )
    age_when_trafficked = models.PositiveSmallIntegerField(_("age when trafficked"), null=True, blank=True)
    exploitation_types = picklist_multi(Exploitation, verbose_name=_("types of exploitation"))
    forced_labour_industry = models.CharField(
        _("industry of forced labour"), max_length=60, choices=Industry.choices, blank=True
    )
    sex_exploitation_types = picklist_multi(SexExploitation, verbose_name=_("types of sexual exploitation"))
    methods_of_control = picklist_multi(ControlMethod, verbose_name=_("methods of control"))
    methods_of_recruitment = picklist_multi(Recruitment, verbose_name=_("methods of recruitment"))
    recruitment_apps = picklist_multi(App, verbose_name=_("websites and apps used to recruit"))
    exploitation_apps = picklist_multi(App, verbose_name=_("websites and apps used to exploit"))
    vulnerabilities = picklist_multi(Vulnerability, verbose_name=_("vulnerabilities"))
    vulnerability_details = EncryptedTextField(_("details of vulnerabilities"))
    updated_at = models.DateTimeField(auto_now=True)


class TraffickingEvent(models.Model):
    """HTCDS hte_*: recruitment, transit or exploitation, with place and date."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("type"), max_length=16, choices=EventType.choices)
    date = models.DateField(_("date"), null=True, blank=True)
    country = models.ForeignKey(
        "places.Country", verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        "places.Area",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    city = EncryptedTextField(_("town or city"))
    description = EncryptedTextField(_("what happened"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]


class CaseStatusChange(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=CaseStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    reason = EncryptedTextField(_("reason"))

    class Meta:
        ordering = ["changed_at", "id"]


class CaseComment(models.Model):
    """HTCDS cco_CaseComment."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = EncryptedTextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class Consent(models.Model):
    """Consent for one purpose (HTCDS con_Consent, per purpose): given or refused, expiry, withdrawal."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=16, choices=ConsentPurpose.choices)
    shared_with = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation it may be shared with"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted = models.BooleanField(_("consent given"), default=True)
    given_on = models.DateField(_("date given"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    notes = EncryptedTextField(_("notes"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawal_reason = EncryptedTextField(_("reason for withdrawal"))

    class Meta:
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(purpose="sharing") | models.Q(shared_with__isnull=False),
                name="consent_sharing_names_org",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=models.F("given_on")),
                name="consent_expiry_after_given",
            ),
        ]

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        if not self.granted or self.withdrawn_on is not None:
            return False
        return self.expires_on is None or self.expires_on >= on

    def state(self, on: dt.date | None = None) -> str:
        on = on or timezone.localdate()
        if self.withdrawn_on is not None:
            return "withdrawn"
        if not self.granted:
            return "refused"
        if self.expires_on is not None and self.expires_on < on:
            return "expired"
        return "active"


class Document(models.Model):
    """An uploaded file, encrypted at rest under a random name outside the web root."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind of document"), max_length=16, choices=DocumentKind.choices)
    title = EncryptedTextField(_("title"))
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    storage_name = models.CharField(max_length=64, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
