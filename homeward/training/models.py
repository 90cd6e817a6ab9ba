"""Capacity building: courses, sessions, the people trained (staff of any organisation, with or without an
account), attendance per day, pre- and post-test scores, completion and certificates. Staff records, not
survivors' records: stored in the clear, shown only to those the policy allows."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from homeward.fields import picklist_multi
from homeward.reintegration.picklists import Currency
from homeward.training.picklists import Sex, Topic


def _user(verbose_name: Any = None) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


class Course(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_lo = models.CharField(_("title (Lao)"), max_length=200)
    description_en = models.TextField(_("description (English)"), max_length=3000, blank=True)
    description_lo = models.TextField(_("description (Lao)"), max_length=3000, blank=True)
    topics = picklist_multi(Topic, verbose_name=_("topics"))
    duration_days = models.PositiveSmallIntegerField(_("duration (days)"), default=1)
    has_test = models.BooleanField(_("pre- and post-test"), default=True)
    max_score = models.PositiveSmallIntegerField(_("highest test score"), default=100)
    is_active = models.BooleanField(_("offered"), default=True)
    created_by = _user()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title_en"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_days__gte=1), name="course_duration_positive"),
            models.CheckConstraint(condition=Q(max_score__gte=1), name="course_max_score_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_lo if (get_language() or "en")[:2] == "lo" and self.title_lo else self.title_en

    @property
    def description(self) -> str:
        lo = (get_language() or "en")[:2] == "lo"
        return self.description_lo if lo and self.description_lo else self.description_en


class TrainingSession(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions"
    )
    start_on = models.DateField(_("first day"))
    end_on = models.DateField(_("last day"))
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
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    organiser = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organised by"), on_delete=models.PROTECT, related_name="+"
    )
    trainers = models.CharField(
        _("trainers"), max_length=500, blank=True, help_text=_("Names, separated by commas.")
    )
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, blank=True)
    created_by = _user()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__gte=models.F("start_on")), name="session_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True, currency="")
                | Q(budget__gte=0, currency__in=["LAK", "THB", "USD"]),
                name="session_budget_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.start_on:%d/%m/%Y}"

    def days(self) -> list[Any]:
        import datetime as dt

        return [self.start_on + dt.timedelta(days=n) for n in range((self.end_on - self.start_on).days + 1)]


class Trainee(models.Model):
    """A member of staff of any organisation who takes part in training; with an account here or not."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=150)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="trainees",
    )
    position = models.CharField(_("position"), max_length=150, blank=True)
    province = models.ForeignKey(
        "places.Area", verbose_name=_("province where they work"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trainee_records",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["organisation", "name"], name="trainee_org_name")]

    def __str__(self) -> str:
        return self.name


class Participation(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="participations")
    trainee = models.ForeignKey(Trainee, on_delete=models.PROTECT, related_name="participations")
    pre_score = models.PositiveSmallIntegerField(_("pre-test score"), null=True, blank=True)
    post_score = models.PositiveSmallIntegerField(_("post-test score"), null=True, blank=True)
    completed = models.BooleanField(_("completed"), default=False)
    certificate = models.CharField(_("certificate code"), max_length=20, unique=True, null=True, blank=True)
    certified_on = models.DateField(_("certificate date"), null=True, blank=True)
    registered_by = _user()
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["trainee__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "trainee"], name="participation_once_per_session"),
            models.CheckConstraint(
                condition=Q(certificate__isnull=True) | Q(completed=True), name="certificate_needs_completion"
            ),
        ]

    @property
    def gain(self) -> int | None:
        if self.pre_score is None or self.post_score is None:
            return None
        return self.post_score - self.pre_score


class Attendance(models.Model):
    participation = models.ForeignKey(Participation, on_delete=models.CASCADE, related_name="attendance")
    day = models.DateField()
    present = models.BooleanField(default=False)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["participation", "day"], name="attendance_once_per_day")
        ]
