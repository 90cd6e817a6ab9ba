"""Controlled lists of the referral network: service categories (mapped to HTCDS support-plan types), the
sections of a case that a referral may share, and the states of referrals and transfers."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from homeward.reintegration.picklists import SupportPlanType


class ServiceCategory(models.TextChoices):
    HEALTH = "health", _("Health care")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support and counselling")
    LEGAL = "legal", _("Legal aid")
    SHELTER = "shelter", _("Shelter and safe housing")
    EDUCATION = "education", _("Education")
    VOCATIONAL = "vocational", _("Vocational training")
    LIVELIHOOD = "livelihood", _("Livelihood and small grants")
    FAMILY = "family", _("Family tracing and mediation")
    DOCUMENTS = "documents", _("Identity and civil documents")


# The HTCDS spl_Type a completed referral of each category is recorded as, in the case's services.
CATEGORY_PLAN_TYPE: dict[str, str] = {
    ServiceCategory.HEALTH: SupportPlanType.HEALTH,
    ServiceCategory.PSYCHOSOCIAL: SupportPlanType.SOCIAL_CARE,
    ServiceCategory.LEGAL: SupportPlanType.LEGAL,
    ServiceCategory.SHELTER: SupportPlanType.SOCIAL_CARE,
    ServiceCategory.EDUCATION: SupportPlanType.EDUCATION,
    ServiceCategory.VOCATIONAL: SupportPlanType.LIVELIHOOD,
    ServiceCategory.LIVELIHOOD: SupportPlanType.FINANCIAL,
    ServiceCategory.FAMILY: SupportPlanType.SOCIAL_CARE,
    ServiceCategory.DOCUMENTS: SupportPlanType.LEGAL,
}

# The categories of service that meet each type of support a plan may name (the gaps view and "by need").
PLAN_TYPE_CATEGORIES: dict[str, tuple[str, ...]] = {
    SupportPlanType.EDUCATION: (ServiceCategory.EDUCATION,),
    SupportPlanType.FINANCIAL: (ServiceCategory.LIVELIHOOD,),
    SupportPlanType.HEALTH: (ServiceCategory.HEALTH,),
    SupportPlanType.LABOUR_REHAB: (ServiceCategory.PSYCHOSOCIAL, ServiceCategory.HEALTH),
    SupportPlanType.LEGAL: (ServiceCategory.LEGAL, ServiceCategory.DOCUMENTS),
    SupportPlanType.LIVELIHOOD: (ServiceCategory.VOCATIONAL, ServiceCategory.LIVELIHOOD),
    SupportPlanType.RIGHTS_TRAINING: (ServiceCategory.LEGAL, ServiceCategory.EDUCATION),
    SupportPlanType.SEXUAL_REHAB: (ServiceCategory.PSYCHOSOCIAL, ServiceCategory.HEALTH),
    SupportPlanType.SOCIAL_CARE: (
        ServiceCategory.PSYCHOSOCIAL,
        ServiceCategory.SHELTER,
        ServiceCategory.FAMILY,
    ),
}


class ServiceStatus(models.TextChoices):  # HSDS service.status
    ACTIVE = "active", _("Open")
    TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")
    INACTIVE = "inactive", _("Not taking referrals")
    DEFUNCT = "defunct", _("Closed for good")


class EligibleSex(models.TextChoices):
    ANY = "", _("Anyone")
    FEMALE = "female", _("Women and girls")
    MALE = "male", _("Men and boys")


class Section(models.TextChoices):
    """The parts of a case a referral may share. The trafficking experience is never shared by default."""

    IDENTITY = "identity", _("Name, sex, age and languages")
    CONTACT = "contact", _("Phone and home address")
    NEEDS = "needs", _("Needs assessment")
    PLAN = "plan", _("Reintegration plan")
    SERVICES = "services", _("Services already given")
    TRAFFICKING = "trafficking", _("Trafficking experience")


DEFAULT_SECTIONS = (Section.IDENTITY, Section.CONTACT)


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Waiting for an answer")
    INFO = "info", _("More information asked")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    REVOKED = "revoked", _("Revoked")


OPEN_REFERRAL = (ReferralStatus.SENT, ReferralStatus.INFO, ReferralStatus.ACCEPTED)
WAITING_REFERRAL = (ReferralStatus.SENT, ReferralStatus.INFO)


class ReferralAction(models.TextChoices):
    SENT = "sent", _("Referral sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    INFO_ASKED = "info_asked", _("More information asked")
    INFO_GIVEN = "info_given", _("Information given")
    COMPLETED = "completed", _("Service delivered")
    REVOKED = "revoked", _("Revoked")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Revoked: consent withdrawn")


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the receiving organisation")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
