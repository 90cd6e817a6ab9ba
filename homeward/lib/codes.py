"""Random, human-readable reference codes (Crockford base32, no 0/O or 1/I/L confusion)."""

from __future__ import annotations

import secrets
import uuid

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def reference(prefix: str, groups: int = 2, size: int = 4) -> str:
    body = "-".join("".join(secrets.choice(ALPHABET) for _ in range(size)) for _ in range(groups))
    return f"{prefix}-{body}"


def normalise_reference(text: str) -> str:
    cleaned = text.strip().upper().replace(" ", "")
    return cleaned.translate(str.maketrans("OIL", "011"))


def is_uuid(value: str) -> bool:
    """Is the text a UUID (a record's code)? For codes taken from a query string before a lookup."""
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True
