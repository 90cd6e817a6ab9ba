from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from homeward.fields import EncryptedTextField


class ImportStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting to be checked")
    CHECKING = "checking", _("Being checked")
    REFUSED = "refused", _("Refused")
    CHECKED = "checked", _("Checked: ready to import")
    QUEUED = "queued", _("Waiting to be imported")
    IMPORTING = "importing", _("Being imported")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed: nothing was imported")
    DISCARDED = "discarded", _("Discarded")


class ImportMode(models.TextChoices):
    ALL = "all", _("Every row")
    VALID = "valid", _("Only the valid rows")


# Statuses in which a job is still on its way; the page asks for news while it is in one of them.
IN_PROGRESS = (ImportStatus.WAITING, ImportStatus.CHECKING, ImportStatus.QUEUED, ImportStatus.IMPORTING)


class ImportJob(models.Model):
    """One uploaded HTCDS spreadsheet: checked, previewed, then imported (or discarded).

    The file is kept encrypted outside the web root until the import ends, then deleted; the report (which
    quotes the file's cells) is encrypted in the row.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    filename = EncryptedTextField(_("file"))
    size = models.PositiveIntegerField(default=0)
    storage_name = models.CharField(max_length=64, blank=True)  # "" once the file is deleted
    language = models.CharField(
        max_length=8, default="en"
    )  # the report is written in the uploader's language
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.WAITING)
    task_id = models.CharField(max_length=64, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)  # checked (while checking)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    mode = models.CharField(max_length=8, choices=ImportMode.choices, blank=True)
    skip_duplicates = models.BooleanField(default=False)
    cases_created = models.PositiveIntegerField(default=0)
    report = (
        EncryptedTextField()
    )  # JSON: the problems, duplicates, columns and a sample of what will be created
    error = models.TextField(blank=True)  # why the file was refused or the import failed (no personal data)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-created_at"], name="importjob_org_created")]

    def __str__(self) -> str:
        return str(self.code)

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))


class DeviceCredential(models.Model):
    """The password a person types into ODK Collect or KoboCollect (with their Homeward user name) to fetch forms
    and send submissions. Random, shown once, kept as a SHA-256 digest; it opens the OpenRosa endpoints only,
    never the web pages (which need the second factor). One per user: making a new one replaces the old."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_credential"
    )
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    CREATED = "created", _("Case created")
    ATTACHED = "attached", _("Added to a case")
    REJECTED = "rejected", _("Rejected")


class Submission(models.Model):
    """A form filled in on a phone and sent to the OpenRosa endpoint: it waits in the organisation's intake
    queue until a caseworker creates a case from it, adds it to a case, or rejects it. Once decided, its content
    is erased (it lives on in the case); its instance id stays, so that a phone sending it again is answered
    "already received"."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)
    form_id = models.CharField(max_length=100)
    form_version = models.CharField(max_length=100, blank=True)
    instance_id = models.CharField(max_length=100, unique=True)
    digest = models.CharField(max_length=64)  # SHA-256 of the XML as received
    xml = EncryptedTextField()
    status = models.CharField(
        max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.PENDING
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = EncryptedTextField(_("reason"))

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status", "-received_at"], name="submission_queue")]
