from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from homeward.referrals.picklists import ServiceCategory


class Topic(models.TextChoices):
    IDENTIFICATION = "identification", _("Victim identification")
    CASE_MANAGEMENT = "case_management", _("Case management")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial first aid")
    REFERRAL = "referral", _("Referral")
    DATA_PROTECTION = "data_protection", _("Data protection")
    SHELTER = "shelter", _("Shelter management")
    REINTEGRATION = "reintegration", _("Return and reintegration")


# The topic whose training makes a provider of each type of service "trained" in the directory.
CATEGORY_TOPIC: dict[str, str] = {
    ServiceCategory.PSYCHOSOCIAL: Topic.PSYCHOSOCIAL,
    ServiceCategory.SHELTER: Topic.SHELTER,
    ServiceCategory.HEALTH: Topic.PSYCHOSOCIAL,
    ServiceCategory.LEGAL: Topic.IDENTIFICATION,
    ServiceCategory.FAMILY: Topic.CASE_MANAGEMENT,
    ServiceCategory.EDUCATION: Topic.REINTEGRATION,
    ServiceCategory.VOCATIONAL: Topic.REINTEGRATION,
    ServiceCategory.LIVELIHOOD: Topic.REINTEGRATION,
    ServiceCategory.DOCUMENTS: Topic.CASE_MANAGEMENT,
}


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
