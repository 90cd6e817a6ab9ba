from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from homeward.accounts.capabilities import Cap
from homeward.accounts.policy import all_capabilities


def homeward(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)  # absent when a request fails before the auth middleware (bad Host)
    caps = all_capabilities(user) if user is not None and user.is_authenticated else frozenset()

    def queue_count() -> int:
        from homeward.reintegration.selectors import queue_count as count

        return count(user)

    def referral_count() -> int:
        from homeward.referrals.selectors import waiting_count

        return waiting_count(user)

    return {
        "caps": {cap.name: cap in caps for cap in Cap},
        "IN_NETWORK": bool(caps),
        # Referrals and transfers waiting for the user's organisations to act.
        "REFERRAL_COUNT": SimpleLazyObject(referral_count)
        if caps & {Cap.REFERRAL_RECEIVE, Cap.REFERRAL_SEND, Cap.CASE_TRANSFER}
        else 0,
        # Counted only when a page shows it (the menu of signed-in users with cases).
        "QUEUE_COUNT": SimpleLazyObject(queue_count) if Cap.CASE_VIEW in caps else 0,
        "DEMO_MODE": settings.DEMO_MODE,
        "LOGIN_FAILURE_LIMIT": settings.AXES_FAILURE_LIMIT,
        "LOCKOUT_MINUTES": round(settings.AXES_COOLOFF_TIME * 60),
        "IDLE_MINUTES": settings.SESSION_COOKIE_AGE // 60,
        "SESSION_HOURS": settings.SESSION_ABSOLUTE_SECONDS // 3600,
    }
