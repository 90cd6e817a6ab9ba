"""Controlled lists of reintegration. SupportPlanType is HTCDS spl_Type; the rest are Homeward's."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupportPlanType(models.TextChoices):  # spl_Type
    EDUCATION = "Education", _("Education")
    FINANCIAL = "Financial", _("Financial")
    HEALTH = "Health", _("Health")
    LABOUR_REHAB = "LabourExploitationRehabilitation", _("Labour exploitation rehabilitation")
    LEGAL = "Legal", _("Legal")
    LIVELIHOOD = "Livelihood", _("Livelihood")
    RIGHTS_TRAINING = "RightsBasedTraining", _("Rights-based training")
    SEXUAL_REHAB = "SexualExploitationRehabilitation", _("Sexual exploitation rehabilitation")
    SOCIAL_CARE = "SocialCare", _("Social care")


class NeedArea(models.TextChoices):
    HEALTH = "health", _("Health")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial well-being")
    SAFETY = "safety", _("Safety")
    HOUSING = "housing", _("Housing")
    EDUCATION = "education", _("Education")
    SKILLS = "skills", _("Skills")
    INCOME = "income", _("Income")
    DEBT = "debt", _("Debt")
    DOCUMENTS = "documents", _("Identity and civil documents")
    FAMILY = "family", _("Family relations")
    COMMUNITY = "community", _("Community acceptance and stigma")


class NeedLevel(models.TextChoices):
    NONE = "none", _("No need")
    SOME = "some", _("Some need")
    SERIOUS = "serious", _("Serious need")


class NeedScope(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    FAMILY = "family", _("Family")
    COMMUNITY = "community", _("Community")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Replaced by a revision")


class Currency(models.TextChoices):
    LAK = "LAK", _("Lao kip (LAK)")
    THB = "THB", _("Thai baht (THB)")
    USD = "USD", _("US dollar (USD)")


class GrantPurpose(models.TextChoices):
    BUSINESS = "business", _("Business grant")
    EDUCATION = "education", _("Education grant")


class VisitStatus(models.TextChoices):
    DUE = "due", _("Due")
    DONE = "done", _("Done")
    MISSED = "missed", _("Could not take place")


class VisitMode(models.TextChoices):
    HOME = "home", _("Home visit")
    PHONE = "phone", _("Phone call")
    OFFICE = "office", _("At the office")


class Dimension(models.TextChoices):
    ECONOMIC = "economic", _("Economic")
    SOCIAL = "social", _("Social")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")


class ClosureRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")
