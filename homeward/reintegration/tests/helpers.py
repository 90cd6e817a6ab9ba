"""Build reintegration through the real services, for tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from homeward.reintegration import services
from homeward.reintegration.models import ReintegrationPlan


def plan(personas: Any, case: Any, **fields: Any) -> ReintegrationPlan:
    data = {"objectives": "Steady income at home (synthetic)", "types": ["Livelihood", "Health"]}
    data.update(fields)
    return services.plan_save(actor=personas.alice, case=case, plan=ReintegrationPlan(**data))


def approved_plan(personas: Any, case: Any) -> ReintegrationPlan:
    draft = plan(personas, case)
    services.plan_submit(actor=personas.alice, plan=draft)
    return services.plan_decide(actor=personas.sam, plan=draft, approve=True)


def answers(config: Any, position: str = "best") -> dict[str, str]:
    """An answer to every question: the highest-scoring option, or the lowest."""
    out = {}
    for indicator in config.indicators.prefetch_related("options"):
        options = [o for o in indicator.options.all() if o.score is not None]
        pick = max if position == "best" else min
        out[indicator.code] = pick(options, key=lambda o: o.score).code
    return out


def record(personas: Any, visit: Any, answers: dict[str, Any], on: dt.date | None = None) -> Any:
    return services.visit_record(
        actor=personas.alice,
        visit=visit,
        record=services.VisitRecord(visited_on=on or timezone.localdate(), mode="home", answers=answers),
    )
