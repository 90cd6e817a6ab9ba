"""Session lifetime and the two-factor requirement, enforced on every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from homeward.accounts.policy import needs_second_factor

SESSION_STARTED = "hw_started"

# Paths a signed-in user may reach before completing the second factor.
_OPEN_PREFIXES = ("/static/", "/i18n/", "/account/two-factor/", "/account/logout/", "/healthz")


class SessionTimeoutMiddleware:
    """Ends sessions older than SESSION_ABSOLUTE_SECONDS. Idle expiry is the session cookie's own age."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED)
            now = int(time.time())
            if started is None:
                request.session[SESSION_STARTED] = now
            elif now - int(started) > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


def second_factor_pending(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_authenticated or user.is_verified():  # type: ignore[union-attr]
        return False
    from django_otp import user_has_device

    if user_has_device(user):
        return True
    return settings.ENFORCE_TWO_FACTOR and (needs_second_factor(user) or user.is_superuser)


class TwoFactorRequiredMiddleware:
    """Signed in with a password only: send the user to verify (or set up) their second factor first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if second_factor_pending(request) and not request.path.startswith(_OPEN_PREFIXES):
            from django_otp import user_has_device

            name = (
                "accounts:two_factor_verify" if user_has_device(request.user) else "accounts:two_factor_setup"
            )
            return redirect(reverse(name))
        return self.get_response(request)
