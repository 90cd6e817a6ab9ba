"""Sessions a user can see and end (OWASP ASVS V3: "a user can see and end their other sessions")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from homeward.accounts.models import UserSession
from homeward.audit.models import Action
from homeward.audit.services import audit_record

SEEN_EVERY = dt.timedelta(minutes=1)
_TRACKED = "hw_tracked"


def _store(session_key: str) -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


class SessionTrackingMiddleware:
    """Keeps one UserSession row per signed-in session, touched at most once a minute."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.session.session_key:
            key = request.session.session_key
            now = timezone.now()
            tracked = request.session.get(_TRACKED)
            if not tracked or tracked[0] != key or now.timestamp() - tracked[1] > SEEN_EVERY.total_seconds():
                from homeward.forms import client_ip

                UserSession.objects.update_or_create(
                    session_key=key,
                    defaults={
                        "user": user,
                        "last_seen": now,
                        "ip": client_ip(request),
                        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
                    },
                )
                request.session[_TRACKED] = [
                    key,
                    now.timestamp(),
                ]  # saved by SessionMiddleware on the way out
        return response


def sessions_of(user: Any) -> list[UserSession]:
    """The user's live sessions; rows whose session has ended (sign-out, expiry, new key) are dropped."""
    live = []
    for row in UserSession.objects.filter(user=user):
        if _store(row.session_key).exists(row.session_key):
            live.append(row)
        else:
            row.delete()
    return live


@transaction.atomic
def session_end(*, actor: Any, row: UserSession, ip: str | None = None) -> None:
    if row.user_id != actor.pk:
        raise PermissionError
    _store(row.session_key).delete(row.session_key)
    code = row.code
    row.delete()
    audit_record(
        actor=actor,
        action=Action.SECURITY,
        object_type="user",
        object_codes=[actor.code],
        fields=["sessions"],
        reason=f"session {code}",
        ip=ip,
    )


def sessions_end_others(*, actor: Any, current_key: str | None, ip: str | None = None) -> int:
    ended = 0
    for row in sessions_of(actor):
        if row.session_key != current_key:
            session_end(actor=actor, row=row, ip=ip)
            ended += 1
    return ended
