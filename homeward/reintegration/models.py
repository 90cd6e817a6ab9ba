"""After return: needs, the reintegration plan (HTCDS spl_*), services delivered, follow-up visits, the
Reintegration Sustainability score and its configuration, and closure requests."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from homeward.fields import EncryptedTextField, picklist_multi
from homeward.reintegration.picklists import (
    ClosureRequestStatus,
    Currency,
    Dimension,
    GrantPurpose,
    NeedArea,
    NeedLevel,
    NeedScope,
    PlanStatus,
    SupportPlanType,
    VisitMode,
    VisitStatus,
)
from homeward.returns.picklists import ReturnRisk

_USER = settings.AUTH_USER_MODEL


def _user(verbose_name: Any = None) -> models.ForeignKey:
    return models.ForeignKey(
        _USER, verbose_name=verbose_name, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class NeedsAssessment(models.Model):
    """Needs at individual, family and community level, with the survivor's own goals in their words."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="needs_assessments")
    assessed_on = models.DateField(_("assessed on"))
    goals = EncryptedTextField(_("the person's own goals, in their words"))
    notes = EncryptedTextField(_("notes"))
    assessed_by = _user(_("assessed by"))
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-assessed_on", "-id"]


class NeedRating(models.Model):
    assessment = models.ForeignKey(NeedsAssessment, on_delete=models.CASCADE, related_name="ratings")
    area = models.CharField(_("area of need"), max_length=16, choices=NeedArea.choices)
    level = models.CharField(_("need"), max_length=8, choices=NeedLevel.choices, default=NeedLevel.NONE)
    scopes = picklist_multi(NeedScope, verbose_name=_("at the level of"))
    notes = EncryptedTextField(_("notes"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "area"], name="need_rating_one_per_area")
        ]


class ReintegrationPlan(models.Model):
    """HTCDS spl_*: objectives, action plan, types, planned and actual end. Revisions are new versions."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="plans")
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    objectives = EncryptedTextField(_("objectives"))  # spl_Objectives
    action_plan = EncryptedTextField(_("action plan"))  # spl_ActionPlan
    types = picklist_multi(SupportPlanType, verbose_name=_("types of support"))  # spl_Type
    planned_end = models.DateField(_("planned end"), null=True, blank=True)  # spl_PlannedEndDate
    actual_end = models.DateField(_("actual end"), null=True, blank=True)  # spl_ActualEndDate
    created_by = _user()
    created_at = models.DateTimeField(default=timezone.now)
    submitted_by = _user()
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = _user(_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    review_note = EncryptedTextField(_("note from the supervisor"))

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="plan_unique_version"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(status__in=["draft", "submitted"]), name="plan_one_open_revision"
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="approved"), name="plan_one_approved"
            ),
        ]


class ServiceDelivered(models.Model):
    """A service given against the plan: type, provider, date, cost or in-kind items, grants in instalments."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="services_delivered")
    plan = models.ForeignKey(
        ReintegrationPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    type = models.CharField(_("type of support"), max_length=40, choices=SupportPlanType.choices)
    description = EncryptedTextField(_("what was given"))
    provider_org = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("provider (organisation)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    provider_name = models.CharField(_("provider (other)"), max_length=200, blank=True)
    delivered_on = models.DateField(_("date"))
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, blank=True)
    in_kind = models.CharField(_("in-kind items"), max_length=300, blank=True)
    grant_purpose = models.CharField(_("grant"), max_length=12, choices=GrantPurpose.choices, blank=True)
    recorded_by = _user()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-delivered_on", "-id"]
        indexes = [models.Index(fields=["case", "-delivered_on"], name="service_case_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost__isnull=True, currency="")
                | Q(cost__gte=0, currency__in=["LAK", "THB", "USD"]),
                name="service_cost_has_currency",
            ),
        ]


class GrantInstalment(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(ServiceDelivered, on_delete=models.CASCADE, related_name="instalments")
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_positive")]


class FollowUpVisit(models.Model):
    """A follow-up visit, scheduled when the plan is approved (or added), then recorded with a survey."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="visits")
    months_after_return = models.PositiveSmallIntegerField(_("months after return"), null=True, blank=True)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=8, choices=VisitStatus.choices, default=VisitStatus.DUE)
    visited_on = models.DateField(_("date of the visit"), null=True, blank=True)
    mode = models.CharField(_("how"), max_length=8, choices=VisitMode.choices, blank=True)
    place = EncryptedTextField(_("where"))
    new_risks = picklist_multi(ReturnRisk, verbose_name=_("new risks"))
    risk_notes = EncryptedTextField(_("details of new risks"))
    notes = EncryptedTextField(_("notes"))
    recorded_by = _user()
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="visit_status_due")]


class ScoreConfig(models.Model):
    """One version of the Reintegration Sustainability score: indicators, answers, scores and weights."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    source = models.TextField(_("source and notes"), blank=True)
    weight_economic = models.DecimalField(
        _("weight of the economic dimension"), max_digits=6, decimal_places=4
    )
    weight_social = models.DecimalField(_("weight of the social dimension"), max_digits=6, decimal_places=4)
    weight_psychosocial = models.DecimalField(
        _("weight of the psychosocial dimension"), max_digits=6, decimal_places=4
    )
    drop_threshold = models.DecimalField(_("a drop of this much is flagged"), max_digits=4, decimal_places=3)
    is_active = models.BooleanField(_("in use"), default=False)
    created_by = _user()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="score_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def dimension_weight(self, dimension: str) -> float:
        return float(getattr(self, f"weight_{dimension}"))


class Indicator(models.Model):
    config = models.ForeignKey(ScoreConfig, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=40)
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    order = models.PositiveSmallIntegerField(default=0)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=4)
    text_en = models.CharField(max_length=300)
    text_lo = models.CharField(max_length=300, blank=True)
    text_th = models.CharField(max_length=300, blank=True)
    text_fr = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["config", "code"], name="indicator_unique_code")]

    @property
    def text(self) -> str:
        from django.utils.translation import get_language

        return getattr(self, f"text_{(get_language() or 'en')[:2]}", "") or self.text_en


class AnswerOption(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="options")
    code = models.CharField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(default=0)
    # Empty for "not applicable": such an answer is left out of the score, like a missing one.
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=4, null=True, blank=True)
    label_en = models.CharField(max_length=200)
    label_lo = models.CharField(max_length=200, blank=True)
    label_th = models.CharField(max_length=200, blank=True)
    label_fr = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "code"], name="option_unique_code"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1), name="option_score_0_1"
            ),
        ]

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        return getattr(self, f"label_{(get_language() or 'en')[:2]}", "") or self.label_en


class SurveyResponse(models.Model):
    """The survey of one visit, with the scores computed under the configuration version it was answered in."""

    visit = models.OneToOneField(FollowUpVisit, on_delete=models.CASCADE, related_name="survey")
    config = models.ForeignKey(ScoreConfig, on_delete=models.PROTECT, related_name="responses")
    economic = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    social = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    psychosocial = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    composite = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    dropped = models.BooleanField(default=False)


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    option = models.ForeignKey(
        AnswerOption, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "indicator"], name="answer_one_per_indicator")
        ]


class ClosureRequest(models.Model):
    """A caseworker proposes to close a case; a supervisor approves (the case closes) or does not."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="closure_requests")
    reason = models.CharField(_("reason for closure"), max_length=32)
    details = EncryptedTextField(_("details"))
    referred = models.BooleanField(_("referred to another organisation"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ClosureRequestStatus.choices, default=ClosureRequestStatus.PENDING
    )
    requested_by = _user()
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = _user()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = EncryptedTextField(_("note from the supervisor"))

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="closure_one_pending"
            ),
        ]
