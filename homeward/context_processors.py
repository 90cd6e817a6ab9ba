from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from homeward.accounts.capabilities import Cap
from homeward.accounts.policy import all_capabilities


def homeward(request: HttpRequest) -> dict[str, Any]:
    caps = all_capabilities(request.user) if request.user.is_authenticated else frozenset()
    return {
        "caps": {cap.name: cap in caps for cap in Cap},
        "DEMO_MODE": settings.DEMO_MODE,
    }
