"""Build the referral network through the real services, for tests."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from homeward.cases.models import Consent
from homeward.cases.services import consent_record
from homeward.places.models import Area
from homeward.referrals import services
from homeward.referrals.models import Referral, Service


def area(code: str) -> Area:
    return Area.objects.get(code=code)


def service(personas: Any, org: Any = None, **fields: Any) -> Service:
    """A directory entry, saved by the national coordinator. Defaults: legal aid in Savannakhet (LA13)."""
    areas = fields.pop("areas", None)
    data: dict[str, Any] = {
        "organisation": org or personas.org_p,
        "name": "Legal aid clinic (synthetic)",
        "category": "legal",
        "province": area("LA13"),
        "national": False,
        "languages": ["lo"],
    }
    data.update(fields)
    nationalities = data.pop("nationalities", [])
    if areas is None:
        areas = [] if data["national"] else [area("LA13")]
    return services.service_save(
        actor=personas.nora, service=Service(**data), areas=areas, nationalities=nationalities
    )


def consent_to_share(personas: Any, case: Any, org: Any, actor: Any = None) -> Consent:
    return consent_record(
        actor=actor or personas.alice,
        case=case,
        consent=Consent(purpose="sharing", shared_with=org, given_on=timezone.localdate()),
    )


def refer(personas: Any, case: Any, entry: Service, **kwargs: Any) -> Referral:
    data: dict[str, Any] = {
        "sections": ["identity", "contact"],
        "message": "Needs advice on a debt to the broker (synthetic).",
    }
    data.update(kwargs)
    return services.referral_send(
        actor=personas.alice,
        case=case,
        to_org=entry.organisation,
        service=entry,
        category=entry.category,
        **data,
    )
