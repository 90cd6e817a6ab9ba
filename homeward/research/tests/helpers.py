"""A population of generated cases for research tests: most with consent to research use."""

from __future__ import annotations

import random
from typing import Any

from homeward.cases.generate import generate_cases
from homeward.cases.models import Case, Consent
from homeward.cases.picklists import ConsentPurpose


def population(personas: Any, count: int = 300, consent_share: float = 0.85, seed: int = 7) -> list[Case]:
    generate_cases(count=count, organisations=[personas.org_a, personas.org_b], seed=seed)
    rng = random.Random(seed)
    cases = list(Case.objects.order_by("id"))
    Consent.objects.bulk_create(
        Consent(case=c, purpose=ConsentPurpose.RESEARCH, granted=True, given_on=c.opened_on)
        for c in cases
        if rng.random() < consent_share
    )
    return cases
