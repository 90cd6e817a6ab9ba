"""Demo reintegration: cases at every step (needs, draft, waiting for approval, approved with services and
visits, closure waiting), with several scored visits so the charts are not empty. Synthetic people only."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from homeward.accounts.models import Organisation
from homeward.cases.models import Case
from homeward.reintegration import services
from homeward.reintegration.models import (
    FollowUpVisit,
    NeedRating,
    NeedsAssessment,
    ReintegrationPlan,
    ServiceDelivered,
)
from homeward.reintegration.picklists import NeedArea, VisitStatus

DEFAULT_CONFIG = __import__("pathlib").Path(__file__).resolve().parent / "data" / "rss_default.json"
STEPS = ["needs", "draft", "submitted", "services", "visits", "closure"]


def ensure_default_config() -> Any:
    config = services.active_config()
    if config is None:
        config = services.config_load(
            data=json.loads(DEFAULT_CONFIG.read_text(encoding="utf-8")), activate=True
        )
    return config


def generate_reintegration(
    *, organisation: Organisation, users: dict[str, Any], count: int = 36, seed: int = 2026
) -> int:
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
    config = ensure_default_config()
    caseworker, supervisor = users["caseworker"], users["supervisor"]
    today = timezone.localdate()
    cases = list(
        Case.objects.filter(
            owner_org=organisation,
            status__in=["Active", "FollowUp"],
            opened_on__lte=today - dt.timedelta(days=40),
        )
        .exclude(plans__isnull=False)
        .select_related("person")
        .order_by("-opened_on")[:count]
    )
    made = 0
    for index, case in enumerate(cases):
        with transaction.atomic():
            _one(rng, case, STEPS[index % len(STEPS)], caseworker, supervisor, config, today)
        made += 1
    return made


def _one(rng, case: Case, step: str, caseworker, supervisor, config, today: dt.date) -> None:
    start = services.return_date(case)
    assessed = min(start + dt.timedelta(days=rng.randint(3, 20)), today)
    services.needs_assessment_save(
        actor=caseworker,
        case=case,
        assessment=NeedsAssessment(
            assessed_on=assessed,
            goals="Open a small grocery shop near home and send my brother to school (demo).",
        ),
        ratings=[
            NeedRating(
                area=area,
                level=rng.choice(["none", "some", "serious"])
                if area in ("income", "debt", "psychosocial", "skills", "community")
                else rng.choice(["none", "none", "some"]),
                scopes=["individual"] if area not in ("family", "community") else [area],
            )
            for area in NeedArea.values
        ],
    )
    if step == "needs":
        return
    plan = services.plan_save(
        actor=caseworker,
        case=case,
        plan=ReintegrationPlan(
            objectives="Earn a steady income at home; recover from what happened; rebuild trust with the family (demo).",
            action_plan="Month 1: counselling (LWU). Month 2: tailoring course. Month 3: business grant in two instalments. Visits at 1, 3, 6 and 12 months (demo).",
            types=rng.sample(
                ["Livelihood", "Health", "Education", "SocialCare", "Financial"], k=rng.randint(2, 3)
            ),
            planned_end=start + dt.timedelta(days=365),
        ),
    )
    if step == "draft":
        return
    services.plan_submit(actor=caseworker, plan=plan)
    if step == "submitted":
        return
    services.plan_decide(actor=supervisor, plan=plan, approve=True)
    for _n in range(rng.randint(1, 3)):
        kind = rng.choice(["Health", "Livelihood", "Education", "SocialCare"])
        services.service_record(
            actor=caseworker,
            case=case,
            service=ServiceDelivered(
                type=kind,
                provider_name=rng.choice(
                    ["District hospital (demo)", "Vocational school (demo)", "LWU counselling centre (demo)"]
                ),
                delivered_on=min(start + dt.timedelta(days=rng.randint(10, 120)), today),
                cost=Decimal(rng.choice([150000, 300000, 500000, 1200000])),
                currency="LAK",
                in_kind="School uniform and books (demo)" if kind == "Education" else "",
            ),
        )
    grant = Decimal(rng.choice([3000000, 5000000]))
    services.service_record(
        actor=caseworker,
        case=case,
        service=ServiceDelivered(
            type="Livelihood",
            provider_name="Village development fund (demo)",
            delivered_on=min(start + dt.timedelta(days=60), today),
            cost=grant,
            currency="LAK",
            grant_purpose="business",
            description="Grocery stall (demo)",
        ),
        instalments=[
            services.Instalment(
                min(start + dt.timedelta(days=60), today),
                grant / 2,
                min(start + dt.timedelta(days=60), today),
            ),
            services.Instalment(start + dt.timedelta(days=150), grant / 2, None),
        ],
    )
    if step == "services":
        return
    # Each question's answers, lowest score first.
    codes = {
        i.code: [
            o.code for o in sorted((o for o in i.options.all() if o.score is not None), key=lambda o: o.score)
        ]
        for i in config.indicators.prefetch_related("options")
    }
    level = rng.uniform(0.15, 0.45)
    for visit in FollowUpVisit.objects.filter(case=case, status=VisitStatus.DUE, due_on__lte=today).order_by(
        "due_on"
    ):
        level = min(0.95, max(0.05, level + rng.uniform(-0.18, 0.25)))
        answers = {}
        for code, options in codes.items():
            if rng.random() < 0.07:
                continue  # a question left without an answer
            position = min(
                len(options) - 1, max(0, round((level + rng.uniform(-0.2, 0.2)) * (len(options) - 1)))
            )
            answers[code] = options[position]
        services.visit_record(
            actor=caseworker,
            visit=visit,
            record=services.VisitRecord(
                visited_on=visit.due_on,
                mode=rng.choice(["home", "home", "phone", "office"]),
                place="Home village (demo)",
                notes="Met the person and her mother (demo).",
                answers=answers,
            ),
        )
    if step == "closure":
        services.closure_request(
            actor=caseworker,
            case=case,
            reason="hw_SupportCompleted",
            details="Business running for six months; wishes to stop (demo).",
        )
