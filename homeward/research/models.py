"""Research releases and the privacy-budget ledger."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReleaseKind(models.TextChoices):
    KANON = "kanon", _("De-identified records (k-anonymity and l-diversity)")
    DP = "dp", _("Differentially private counts")


class ReleaseStatus(models.TextChoices):
    READY = "ready", _("Verified, ready to download")
    FAILED = "failed", _("Failed the independent check: not downloadable")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Layout(models.TextChoices):
    CTDC = "ctdc", _("CTDC columns")
    HTCDS = "htcds", _("HTCDS fields")


class Dataset(models.Model):
    """A body of case data with its own differential-privacy budget: every set of noisy counts drawn from it
    spends part of the budget, and once it is spent no more counts are drawn from it."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    opened_from = models.DateField(_("cases opened from"))
    opened_to = models.DateField(_("cases opened until"))
    epsilon_budget = models.DecimalField(
        _("privacy budget (epsilon)"),
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opened_from", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opened_to__gte=models.F("opened_from")), name="dataset_period"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def spent(self) -> Decimal:
        return self.spends.aggregate(total=Sum("epsilon"))["total"] or Decimal(0)

    @property
    def remaining(self) -> Decimal:
        return max(self.epsilon_budget - self.spent, Decimal(0))


class Release(models.Model):
    """One research release: who asked, when, with which parameters, what it guarantees, and how far it moved
    the data."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("release reference"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose of the research"))
    kind = models.CharField(_("protection"), max_length=8, choices=ReleaseKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=ReleaseStatus.choices)
    dataset = models.ForeignKey(
        Dataset,
        verbose_name=_("dataset"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="releases",
    )
    parameters = models.JSONField(default=dict)  # fields, period, organisations, k, l, budget, dimensions...
    guarantee = models.JSONField(default=dict)  # achieved: k, l, epsilon, delta
    verification = models.JSONField(default=dict)  # pycanon's answers, per file
    utility = models.JSONField(default=dict)  # how far the marginals moved, information loss
    records = models.PositiveIntegerField(_("records released"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(default=0)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class ReleaseFile(models.Model):
    """A released file, in one layout. Stored encrypted like a document: released data is still protected."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="files")
    layout = models.CharField(max_length=8, choices=Layout.choices)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["layout"]
        constraints = [
            models.UniqueConstraint(fields=["release", "layout"], name="releasefile_unique_layout")
        ]


class BudgetSpend(models.Model):
    """The ledger: epsilon spent from a dataset's budget, by which release."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="spends")
    release = models.OneToOneField(Release, on_delete=models.PROTECT, related_name="spend")
    epsilon = models.DecimalField(max_digits=9, decimal_places=6)
    spent_at = models.DateTimeField(default=timezone.now)
    spent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["spent_at", "id"]


# ---- figures tables -----------------------------------------------------------------------------------------
# The dashboards read these narrow tables, one row per case (and per exploitation type, destination, survey,
# referral and stay), instead of joining the case tables on every request: homeward.research.facts keeps them
# current (cases changed since the last request are recomputed first) and rebuilds them on demand.


class CaseFact(models.Model):
    case = models.OneToOneField("cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="+")
    owner_org_id = models.BigIntegerField()
    opened_on = models.DateField()
    opened_month = models.CharField(max_length=7)  # YYYY-MM
    opened_year = models.PositiveSmallIntegerField()
    closed_on = models.DateField(null=True)
    closed_month = models.CharField(max_length=7, blank=True)
    closed_year = models.PositiveSmallIntegerField(null=True)
    status = models.CharField(max_length=16)
    closure_reason = models.CharField(max_length=32, blank=True)
    sex = models.CharField(max_length=1)  # F, M, O (dashboards.SEX_GROUPS)
    age = models.PositiveSmallIntegerField(null=True)  # at the case's opening, from the year of birth
    province = models.CharField(max_length=10, blank=True)  # home province P-code
    industry = models.CharField(max_length=60, blank=True)
    cohort = (
        models.PositiveSmallIntegerField()
    )  # year of return (border handover), else of the case's opening
    m_request = models.DateField(null=True)
    m_return = models.DateField(null=True)
    m_admitted = models.DateField(null=True)
    m_plan = models.DateField(null=True)
    d_request_return = models.IntegerField(null=True)
    d_return_admitted = models.IntegerField(null=True)
    d_return_plan = models.IntegerField(null=True)
    d_plan_closed = models.IntegerField(null=True)
    d_start_plan = models.IntegerField(null=True)  # from return (or, without one, the opening) to the plan
    again = models.BooleanField(default=False)  # a later case of the person follows it: trafficked again
    migrated = models.BooleanField(default=False)  # ... migrated again

    class Meta:
        indexes = [
            models.Index(fields=["opened_month", "sex"], name="casefact_month_sex"),
            models.Index(fields=["owner_org_id", "opened_on"], name="casefact_org_opened"),
            models.Index(fields=["province"], name="casefact_province"),
        ]


# The companions repeat the case's sex, province or cohort where a national dashboard groups by them, so that
# an unfiltered figure reads one table, without a join.
class ExploitationFact(models.Model):
    case_fact = models.ForeignKey(CaseFact, on_delete=models.CASCADE, related_name="exploitation")
    type = models.CharField(max_length=40)
    sex = models.CharField(max_length=1)


class FlowFact(models.Model):
    case_fact = models.ForeignKey(CaseFact, on_delete=models.CASCADE, related_name="flows")
    origin = models.CharField(max_length=10, blank=True)  # the case's home province
    destination = models.CharField(max_length=16)  # country code, or TH:<Thai province code>


class OutcomeFact(models.Model):
    case_fact = models.ForeignKey(CaseFact, on_delete=models.CASCADE, related_name="outcomes")
    cohort = models.PositiveSmallIntegerField()
    province = models.CharField(max_length=10, blank=True)
    months = models.SmallIntegerField()  # after return; -1 when the visit has none
    composite = models.FloatField()
    economic = models.FloatField(null=True)
    social = models.FloatField(null=True)
    psychosocial = models.FloatField(null=True)

    class Meta:
        indexes = [
            # Covers the national outcomes GROUP BY (cohort, months, province with the scores' sums): SQLite
            # reads the index in order instead of sorting 190,000 rows (bench/README.md).
            models.Index(
                fields=["cohort", "months", "province", "composite", "economic", "social", "psychosocial"],
                name="research_outcome_scores",
            )
        ]


class ReferralFact(models.Model):
    case_fact = models.ForeignKey(CaseFact, on_delete=models.CASCADE, related_name="referrals")
    province = models.CharField(
        max_length=10, blank=True
    )  # of the service, else of the receiving organisation
    status = models.CharField(max_length=12)
    days_to_accept = models.IntegerField(null=True)
    days_to_complete = models.IntegerField(null=True)


class StayFact(models.Model):
    case_fact = models.ForeignKey(CaseFact, on_delete=models.CASCADE, related_name="stays")
    facility_id = models.BigIntegerField()
    admitted_on = models.DateField()
    admitted_month = models.CharField(max_length=7)
    admitted_year = models.PositiveSmallIntegerField()
    discharged_on = models.DateField(null=True)


class StaleCase(models.Model):
    """A case whose figures must be recomputed before the next dashboard is drawn (written by signals)."""

    case_id = models.BigIntegerField(unique=True)
