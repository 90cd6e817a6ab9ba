"""API tokens: made, used and revoked here."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from homeward.accounts.policy import capabilities_by_org
from homeward.api.models import ApiToken
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.cases.services import PermissionDenied404

PREFIX = "hw_"
LIFETIME_DAYS = 90


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def token_create(*, actor: Any, name: str, ip: str | None = None) -> tuple[ApiToken, str]:
    """A new token for the actor; the raw token is returned once and never stored."""
    if not capabilities_by_org(actor):
        raise PermissionDenied404
    name = name.strip()
    if not name:
        raise ValidationError(_("Say what the token is for."))
    raw = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name[:100],
            prefix=raw[len(PREFIX) : len(PREFIX) + 8],
            digest=digest(raw),
            expires_at=timezone.now() + dt.timedelta(days=LIFETIME_DAYS),
        )
        audit_record(
            actor=actor, action=Action.SECURITY, object_type="api_token", object_codes=[token.code], ip=ip
        )
    return token, raw


def token_revoke(*, actor: Any, token: ApiToken, ip: str | None = None) -> None:
    if token.user_id != actor.id:
        raise PermissionDenied404
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(
            actor=actor, action=Action.SECURITY, object_type="api_token", object_codes=[token.code], ip=ip
        )


def token_user(raw: str) -> tuple[Any, ApiToken] | None:
    """The user and token of a raw token that is usable (not expired, not revoked, its user active)."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=digest(raw)).first()
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
