"""Research data for the demo: consent to research use for most cases, a few people who came back as cases
again (trafficked or migrated again), a dataset with a privacy budget, and two releases made by the researcher."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from homeward.cases.models import Case, CaseStatusChange, Consent, VictimContext
from homeward.cases.picklists import CaseStatus, ConsentPurpose, FollowsReason
from homeward.lib.codes import reference
from homeward.research import services
from homeward.research.models import Dataset


def generate_research(*, users: dict[str, Any], seed: int = 2026) -> None:
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data
    today = timezone.localdate()
    with transaction.atomic():
        cases = list(Case.objects.select_related("caseworker").order_by("id"))
        consents = [
            Consent(
                case=case,
                purpose=ConsentPurpose.RESEARCH,
                granted=rng.random() < 0.92,
                given_on=case.opened_on,
                recorded_by=case.caseworker,
            )
            for case in cases
            if rng.random() < 0.8 and not case.consents.filter(purpose=ConsentPurpose.RESEARCH).exists()
        ]
        Consent.objects.bulk_create(consents)
        closed = [c for c in cases if c.status == CaseStatus.CLOSED and c.closed_on and c.closed_on < today]
        for i, earlier in enumerate(rng.sample(closed, min(9, len(closed)))):
            assert earlier.closed_on is not None
            opened = min(earlier.closed_on + dt.timedelta(days=rng.randint(60, 500)), today)
            again = Case.objects.create(
                reference=reference("HW"),
                person=earlier.person,
                owner_org=earlier.owner_org,
                caseworker=earlier.caseworker,
                opened_on=opened,
                follows=earlier,
                follows_reason=FollowsReason.RE_TRAFFICKED if i % 3 else FollowsReason.RE_MIGRATED,
            )
            old = VictimContext.objects.filter(case=earlier).first()
            VictimContext.objects.create(
                case=again,
                trafficking_status=old.trafficking_status if old else "PossibleVictimOfTrafficking",
                exploitation_types=old.exploitation_types if old else [],
                agreement_to_manage_data=True,
            )
            CaseStatusChange.objects.create(case=again, from_status="", to_status=CaseStatus.ACTIVE)
        first = Case.objects.order_by("opened_on").values_list("opened_on", flat=True).first() or today
        dataset = Dataset.objects.create(
            name=f"Cases opened {first.year}–{today.year} (demo)",
            description="Every case opened in the period. Official figures are drawn from here.",
            opened_from=dt.date(first.year, 1, 1),
            opened_to=dt.date(today.year, 12, 31),
            epsilon_budget=Decimal("3"),
            created_by=users.get("dpo"),
        )
    researcher = users["researcher"]
    services.release_dp(
        actor=researcher,
        title="People assisted by sex and age band (demo)",
        purpose="Annual report: people assisted, by sex and broad age band.",
        dataset=dataset,
        dimensions=["sex", "age"],
        epsilon=Decimal("0.5"),
    )
    services.release_kanon(
        actor=researcher,
        title="Exploitation by age, sex and home region (demo)",
        purpose="Which groups are exploited in which ways: a study of returnees' trafficking experience.",
        qis=["age", "sex", "origin"],
        sensitive=["exploitation"],
        k=5,
        l_div=2,
        max_suppressed=0.1,
        opened_from=None,
        opened_to=None,
        organisation_ids=None,
    )
