"""The running key ring: read from HOMEWARD_KEYS (a JSON document) or the key file.

The key file is re-read when it changes (checked at most every KEY_RELOAD_SECONDS), so that
``homeward rotate-keys`` reaches every running process without a restart.
"""

from __future__ import annotations

import os
import threading
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from homeward.lib.crypto import KeyRing, KeyRingError

_lock = threading.Lock()
_ring: KeyRing | None = None
_pinned = False  # set by reset(): tests and rotation decide the ring themselves
_mtime: float = 0.0
_checked_at: float = 0.0


def keyring() -> KeyRing:
    global _ring, _checked_at
    if _ring is not None and (_pinned or time.monotonic() - _checked_at < settings.KEY_RELOAD_SECONDS):
        return _ring
    with _lock:
        if _ring is None or (not _pinned and _file_changed()):
            _ring = _load()
        _checked_at = time.monotonic()
    return _ring


def _file_changed() -> bool:
    if os.environ.get("HOMEWARD_KEYS"):
        return False
    try:
        return os.stat(settings.KEY_FILE).st_mtime != _mtime
    except FileNotFoundError:
        return False


def _load() -> KeyRing:
    global _mtime
    document = os.environ.get("HOMEWARD_KEYS")
    try:
        if document:
            return KeyRing.from_json(document)
        _mtime = os.stat(settings.KEY_FILE).st_mtime
        return KeyRing.from_file(settings.KEY_FILE)
    except FileNotFoundError:
        raise ImproperlyConfigured(
            f"No key file at {settings.KEY_FILE}. Run `homeward keys init` (see docs/admin-guide.md)."
        ) from None
    except (KeyRingError, ValueError) as exc:
        raise ImproperlyConfigured(f"The key ring is not valid: {exc}") from None


def reset(ring: KeyRing | None = None, *, pinned: bool = True) -> None:
    """Replace the cached ring (after rotation, and in tests). ``None`` drops it: the next call reloads."""
    global _ring, _pinned
    with _lock:
        _ring = ring
        _pinned = pinned and ring is not None
