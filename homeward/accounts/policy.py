"""The one access-policy function, and the per-user facts it rests on.

Every view, selector and service asks ``can(user, capability, organisation)``; nothing else decides.
"""

from __future__ import annotations

from typing import Any

from homeward.accounts.capabilities import ROLE_CAPABILITIES, SECOND_FACTOR_CAPS, Cap, Role

_CACHE_ATTR = "_homeward_caps"


def capabilities_by_org(user: Any) -> dict[int, frozenset[Cap]]:
    """{organisation id: capabilities} for an active user, read once per request (cached on the user)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    result: dict[int, set[Cap]] = {}
    for org_id, role in user.memberships.filter(organisation__is_active=True).values_list(
        "organisation_id", "role"
    ):
        result.setdefault(org_id, set()).update(ROLE_CAPABILITIES[Role(role)])
    frozen = {org_id: frozenset(caps) for org_id, caps in result.items()}
    setattr(user, _CACHE_ATTR, frozen)
    return frozen


def forget(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def can(user: Any, capability: Cap, organisation_id: int | None = None) -> bool:
    """May ``user`` use ``capability``, in ``organisation_id`` or (when None) in any of their organisations?"""
    caps = capabilities_by_org(user)
    if organisation_id is None:
        return any(capability in held for held in caps.values())
    return capability in caps.get(organisation_id, frozenset())


def orgs_with(user: Any, capability: Cap) -> list[int]:
    return [org_id for org_id, held in capabilities_by_org(user).items() if capability in held]


def needs_second_factor(user: Any) -> bool:
    return any(held & SECOND_FACTOR_CAPS for held in capabilities_by_org(user).values())


def all_capabilities(user: Any) -> frozenset[Cap]:
    out: set[Cap] = set()
    for held in capabilities_by_org(user).values():
        out |= held
    return frozenset(out)
