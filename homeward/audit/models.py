from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    VIEW = "view", _("Viewed")
    LIST = "list", _("Listed")
    SEARCH = "search", _("Searched")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    DOWNLOAD = "download", _("Downloaded")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGOUT = "logout", _("Signed out")
    SECURITY = "security", _("Security change")
    ROTATE = "rotate", _("Keys rotated")
    DENIED = "denied", _("Refused")


class AuditEvent(models.Model):
    """One event in an append-only, hash-chained log.

    ``mac`` = HMAC-SHA256(audit key, previous mac || canonical JSON of this event). Changing, inserting or
    deleting any event breaks the chain from that point on; ``homeward audit verify`` finds it. Database
    triggers refuse UPDATE and DELETE on this table (migration 0002).
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)  # username at the time, kept if the user goes
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=40, blank=True)
    object_codes = models.JSONField(default=list)  # random codes only, never names
    fields = models.JSONField(default=list)
    reason = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_mac = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["organisation", "-seq"], name="audit_org_seq")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit events are append-only")


class AuditHead(models.Model):
    """A single row locked while an event is appended, so that two writers never fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    mac = models.CharField(max_length=64, default="0" * 64)


OBJECT_TYPES = {
    "case": _("Case"),
    "person": _("Personal details"),
    "victim_context": _("Trafficking context"),
    "trafficking_event": _("Trafficking event"),
    "case_comment": _("Comment"),
    "consent": _("Consent"),
    "document": _("Document"),
    "user": _("User account"),
    "organisation": _("Organisation"),
    "return_request": _("Return request"),
    "returnee": _("Returnee"),
    "tracing": _("Family tracing"),
    "family_assessment": _("Family assessment"),
    "reply": _("Reply to the requesting agency"),
    "travel_plan": _("Travel plan"),
    "handover": _("Border handover"),
    "facility": _("Transit centre"),
    "stay": _("Transit-centre stay"),
    "stay_service": _("Service during a stay"),
    "needs_assessment": _("Needs assessment"),
    "plan": _("Reintegration plan"),
    "service": _("Service delivered"),
    "visit": _("Follow-up visit"),
    "closure_request": _("Closure request"),
    "score_config": _("Score configuration"),
    "service_entry": _("Directory entry"),
    "referral": _("Referral"),
    "transfer": _("Case transfer"),
    "network_settings": _("Network service levels"),
    "course": _("Course"),
    "training_session": _("Training session"),
    "trainee": _("Trainee"),
    "participation": _("Participant in a session"),
    "release": _("Research release"),
    "dataset": _("Research dataset"),
}

EXTRA_FIELD_LABELS = {
    "names": _("names"),
    "roles": _("roles"),
    "is_active": _("account active"),
    "two_factor": _("two-factor sign-in"),
    "recovery_codes": _("recovery codes"),
    "sessions": _("sessions"),
    "password": _("password"),
    "password_link": _("password link"),
    "reauth": _("password confirmation"),
    "file": _("file"),
    "encryption_keys": _("encryption keys"),
    "ratings": _("ratings"),
    "survey": _("survey"),
    "instalments": _("instalments"),
    "provider": _("provider"),
    "section:identity": _("name, sex, age and languages"),
    "section:contact": _("phone and home address"),
    "section:needs": _("needs assessment"),
    "section:plan": _("reintegration plan"),
    "section:services": _("services already given"),
    "section:trafficking": _("trafficking experience"),
    "owner": _("owning organisation"),
    "import": _("import"),
    "attendance": _("attendance"),
    "scores": _("test scores"),
    "certificate": _("certificate"),
}
