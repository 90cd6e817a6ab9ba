from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from homeward.accounts.capabilities import Cap
from homeward.accounts.policy import orgs_with
from homeward.audit.models import AuditEvent


def audit_events_visible_to(user: Any) -> QuerySet[AuditEvent]:
    """Events of the organisations whose log the user may read (data-protection officers)."""
    return AuditEvent.objects.filter(organisation_id__in=orgs_with(user, Cap.AUDIT_VIEW)).select_related(
        "actor", "organisation"
    )
