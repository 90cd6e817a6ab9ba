from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class HomewardConfig(AppConfig):
    name = "homeward"
    label = "homeward"

    def ready(self) -> None:
        checks.register(production_settings_check, checks.Tags.security, deploy=False)


def production_settings_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Refuse to run in production with settings that put survivors at risk."""
    errors: list[checks.CheckMessage] = []
    local = {"127.0.0.1", "localhost", "[::1]", "testserver"}
    if settings.DEBUG:
        if any(host not in local for host in settings.ALLOWED_HOSTS):
            errors.append(
                checks.Error(
                    "DEBUG is on for a public host: it shows settings and data in error pages.",
                    id="homeward.E005",
                )
            )
        return errors
    if settings.SECRET_KEY == settings.DEFAULT_SECRET_KEY and not settings.DEMO_MODE:
        errors.append(
            checks.Error(
                "HOMEWARD_SECRET_KEY is not set: the development key cannot be used in production.",
                id="homeward.E001",
            )
        )
    if not settings.ENFORCE_TWO_FACTOR and not settings.DEMO_MODE:
        errors.append(
            checks.Error(
                "Two-factor sign-in must be enforced in production (HOMEWARD_ENFORCE_2FA).",
                id="homeward.E002",
            )
        )
    if settings.DEMO_MODE and any(h not in local for h in settings.ALLOWED_HOSTS):
        errors.append(
            checks.Error(
                "Demo mode only serves 127.0.0.1/localhost: it relaxes two-factor sign-in.",
                id="homeward.E003",
            )
        )
    from homeward.keys import keyring

    try:
        keyring()
    except Exception as exc:
        errors.append(checks.Error(f"Encryption keys: {exc}", id="homeward.E004"))
    return errors
