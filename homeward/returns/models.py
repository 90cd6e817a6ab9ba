"""The way home: return requests, family tracing, travel, border handover, and the transit-centre stay."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from homeward.fields import EncryptedTextField, picklist_multi
from homeward.returns.picklists import (
    AgeGroup,
    HandoverDocument,
    InformationSection,
    ReceivedDocument,
    Recommendation,
    ReplyChannel,
    ReturnRisk,
    RoomSex,
    SafeToReturn,
    Stage,
    StayServiceKind,
    StayStatus,
    TracingMethod,
    TracingOutcome,
    TracingStatus,
    TravelDocument,
)

_USER = settings.AUTH_USER_MODEL


def _user_fk(verbose_name: str | None = None, **extra) -> models.ForeignKey:
    return models.ForeignKey(
        _USER,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        **extra,
    )


class ReturnRequest(models.Model):
    """A request from an agency abroad to bring one or more people home (a family, a group from one workplace)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("request reference"), max_length=20, unique=True)
    owner_org = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="return_requests"
    )
    requesting_agency = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("requesting agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requesting_contact = EncryptedTextField(_("contact person at the agency"))
    host_reference = EncryptedTextField(_("the agency's reference"))
    host_country = models.ForeignKey(
        "places.Country", verbose_name=_("country returning from"), on_delete=models.PROTECT, related_name="+"
    )
    received_on = models.DateField(_("request received on"))
    documents_received = picklist_multi(ReceivedDocument, verbose_name=_("documents received"))
    notes = EncryptedTextField(_("notes"))
    created_by = _user_fk()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["owner_org", "-received_on"], name="return_org_received")]

    def __str__(self) -> str:
        return self.reference


class Returnee(models.Model):
    """One person of a request, with their own case."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="returnees")
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="returnee")
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.REQUESTED)
    cancel_reason = EncryptedTextField(_("why the return was cancelled"))
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["stage"], name="returnee_stage")]

    def __str__(self) -> str:
        return str(self.case)


class Tracing(models.Model):
    """A request to an organisation (usually the provincial office) to trace the family and assess return."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    returnee = models.OneToOneField(Returnee, on_delete=models.CASCADE, related_name="tracing")
    assigned_org = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation asked to trace"),
        on_delete=models.PROTECT,
        related_name="tracings",
    )
    province = models.ForeignKey(
        "places.Area", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "places.Area",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    information = EncryptedTextField(_("what is known for tracing"))
    requested_by = _user_fk()
    requested_on = models.DateField(_("asked on"))
    due_on = models.DateField(_("reply due by"))
    status = models.CharField(
        _("status"), max_length=12, choices=TracingStatus.choices, default=TracingStatus.OPEN
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    completed_by = _user_fk()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["assigned_org", "status", "due_on"], name="tracing_org_status_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=F("requested_on")), name="tracing_due_after_asked"
            ),
        ]

    @property
    def is_overdue(self) -> bool:
        return self.status == TracingStatus.OPEN and self.due_on < timezone.localdate()


class TracingAttempt(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tracing = models.ForeignKey(Tracing, on_delete=models.CASCADE, related_name="attempts")
    attempted_on = models.DateField(_("date"))
    method = models.CharField(_("how"), max_length=12, choices=TracingMethod.choices)
    outcome = models.CharField(_("result"), max_length=12, choices=TracingOutcome.choices)
    notes = EncryptedTextField(_("notes"))
    recorded_by = _user_fk()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["attempted_on", "id"]


class FamilyAssessment(models.Model):
    """The family and community assessment: is it safe to go home, who is there, what risks, what to do."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tracing = models.OneToOneField(Tracing, on_delete=models.CASCADE, related_name="assessment")
    assessed_on = models.DateField(_("assessed on"))
    safe_to_return = models.CharField(_("is it safe to return?"), max_length=12, choices=SafeToReturn.choices)
    people_at_home = EncryptedTextField(_("who lives at home"))
    risks = picklist_multi(ReturnRisk, verbose_name=_("risks"))
    risk_details = EncryptedTextField(_("details of the risks"))
    community = EncryptedTextField(_("community attitude and support"))
    recommendation = models.CharField(_("recommendation"), max_length=16, choices=Recommendation.choices)
    recommendation_details = EncryptedTextField(_("details of the recommendation"))
    reply_summary = EncryptedTextField(_("what may be told to the requesting agency"))
    assessed_by = _user_fk()
    recorded_at = models.DateTimeField(default=timezone.now)


class Reply(models.Model):
    """The reply sent to the requesting agency with the results of tracing and assessment."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="replies")
    sent_to = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    returnees = models.ManyToManyField(Returnee, related_name="replies")
    sent_on = models.DateField(_("sent on"))
    channel = models.CharField(_("sent by way of"), max_length=12, choices=ReplyChannel.choices)
    language = models.CharField(_("language of the reply"), max_length=8)
    notes = EncryptedTextField(_("notes"))
    sent_by = _user_fk()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sent_on", "id"]


class TravelPlan(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    returnee = models.OneToOneField(Returnee, on_delete=models.CASCADE, related_name="travel")
    document_type = models.CharField(_("travel document"), max_length=20, choices=TravelDocument.choices)
    document_number = EncryptedTextField(_("document number"))
    document_issued_on = models.DateField(_("issued on"), null=True, blank=True)
    document_expires_on = models.DateField(_("valid until"), null=True, blank=True)
    planned_on = models.DateField(_("planned date of return"))
    checkpoint = models.ForeignKey(
        "places.BorderCheckpoint",
        verbose_name=_("border checkpoint"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = EncryptedTextField(_("notes"))
    updated_by = _user_fk()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(document_expires_on__isnull=True)
                | Q(document_issued_on__isnull=True)
                | Q(document_expires_on__gte=F("document_issued_on")),
                name="travel_document_valid_after_issue",
            ),
        ]


class Handover(models.Model):
    """The handover of one returnee at a border checkpoint: who handed over whom to whom, when, with what."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    returnee = models.OneToOneField(Returnee, on_delete=models.CASCADE, related_name="handover")
    checkpoint = models.ForeignKey(
        "places.BorderCheckpoint",
        verbose_name=_("border checkpoint"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    handed_over_at = models.DateTimeField(_("date and time of the handover"))
    handed_over_by_org = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("handed over by (organisation)"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    handed_over_by_names = EncryptedTextField(_("officers who handed over"))
    received_by = models.ForeignKey(
        _USER, verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+"
    )
    received_by_names = EncryptedTextField(_("others who received"))
    documents = picklist_multi(HandoverDocument, verbose_name=_("documents handed over"))
    belongings = EncryptedTextField(_("belongings"))
    notes = EncryptedTextField(_("notes"))
    recorded_by = _user_fk()
    recorded_at = models.DateTimeField(default=timezone.now)


class InformationShared(models.Model):
    """What information about a returnee was shared at the handover, with which organisation, under which consent."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="shared")
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("shared with"), on_delete=models.PROTECT, related_name="+"
    )
    sections = picklist_multi(InformationSection, verbose_name=_("information shared"))
    consent = models.ForeignKey("cases.Consent", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]


class Facility(models.Model):
    """A transit centre (or shelter) run by an organisation."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="facilities"
    )
    name = models.CharField(_("name"), max_length=200)
    province = models.ForeignKey(
        "places.Area", verbose_name=_("province"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="facility_unique_name")]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(_("name"), max_length=80)
    age_group = models.CharField(_("for"), max_length=10, choices=AgeGroup.choices)
    sex = models.CharField(_("sex"), max_length=8, choices=RoomSex.choices)
    accessible = models.BooleanField(_("step-free access"), default=False)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["facility", "name"], name="room_unique_name")]

    def __str__(self) -> str:
        return self.name


class Bed(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="beds")
    label = models.CharField(_("bed"), max_length=20)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["label", "id"]
        constraints = [models.UniqueConstraint(fields=["room", "label"], name="bed_unique_label")]

    def __str__(self) -> str:
        return f"{self.room.name} · {self.label}"


class Stay(models.Model):
    """A stay at a transit centre: planned, then admitted to a bed, then discharged with an escort home."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="stays")
    facility = models.ForeignKey(
        Facility, verbose_name=_("transit centre"), on_delete=models.PROTECT, related_name="stays"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=StayStatus.choices, default=StayStatus.PLANNED
    )
    expected_on = models.DateField(_("expected arrival"))
    expected_departure = models.DateField(_("expected departure"), null=True, blank=True)
    planned_by = _user_fk()
    bed = models.ForeignKey(
        Bed, verbose_name=_("bed"), null=True, blank=True, on_delete=models.PROTECT, related_name="stays"
    )
    admitted_at = models.DateTimeField(_("admitted at"), null=True, blank=True)
    admitted_by = _user_fk()
    discharged_at = models.DateTimeField(_("discharged at"), null=True, blank=True)
    discharged_by = _user_fk()
    destination_province = models.ForeignKey(
        "places.Area",
        verbose_name=_("province going to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    destination_district = models.ForeignKey(
        "places.Area",
        verbose_name=_("district going to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escort_names = EncryptedTextField(_("escorted by"))
    received_by_org = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("handed over to (organisation)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_by_names = EncryptedTextField(_("received by"))
    discharge_notes = EncryptedTextField(_("notes on the handover"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["expected_on", "id"]
        indexes = [models.Index(fields=["facility", "status", "expected_on"], name="stay_facility_status")]
        constraints = [
            # One person per bed: the database refuses a second admission to an occupied bed, whatever races.
            models.UniqueConstraint(
                fields=["bed"], condition=Q(status="admitted"), name="stay_one_person_per_bed"
            ),
            # One current stay per case.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["planned", "admitted"]),
                name="stay_one_current_per_case",
            ),
            models.CheckConstraint(
                condition=~Q(status="admitted") | Q(bed__isnull=False, admitted_at__isnull=False),
                name="stay_admitted_has_bed",
            ),
            models.CheckConstraint(
                condition=Q(discharged_at__isnull=True) | Q(discharged_at__gte=F("admitted_at")),
                name="stay_discharged_after_admitted",
            ),
        ]

    def days(self, until=None) -> int | None:
        if self.admitted_at is None:
            return None
        end = self.discharged_at or until or timezone.now()
        return max(0, (timezone.localtime(end).date() - timezone.localtime(self.admitted_at).date()).days)


class StayService(models.Model):
    """Something done for a resident during the stay: interview, medical check, counselling, activities."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(_("service"), max_length=16, choices=StayServiceKind.choices)
    happened_on = models.DateField(_("date"))
    provider = models.CharField(_("given by"), max_length=200, blank=True)
    summary = EncryptedTextField(_("summary"))
    consent = models.ForeignKey(
        "cases.Consent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = _user_fk()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["happened_on", "id"]
