"""The Reintegration Sustainability score: pure arithmetic over a configuration, tested against hand-computed cases.

Each indicator's answer has a score from 0 to 1 (or none: not applicable). A dimension's score is the weighted
mean of the scores of its answered indicators: sum(weight x score) / sum(weight), missing and not-applicable
answers left out. The composite is the weighted mean of the dimension scores that exist, by the dimension
weights. A dimension with no answer has no score, and is left out of the composite. Scores are rounded to
four decimals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

DIMENSIONS = ("economic", "social", "psychosocial")
FOUR = Decimal("0.0001")


@dataclass(frozen=True)
class Answer:
    dimension: str
    weight: Decimal
    score: Decimal | None  # None: missing or not applicable


@dataclass(frozen=True)
class Scores:
    economic: Decimal | None
    social: Decimal | None
    psychosocial: Decimal | None
    composite: Decimal | None

    def get(self, dimension: str) -> Decimal | None:
        return getattr(self, dimension)


def _mean(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    pairs = [(w, s) for w, s in pairs if w > 0]
    total = sum((w for w, _s in pairs), Decimal(0))
    if not pairs or total == 0:
        return None
    return (sum((w * s for w, s in pairs), Decimal(0)) / total).quantize(FOUR, rounding=ROUND_HALF_UP)


def compute(answers: Iterable[Answer], dimension_weights: dict[str, Decimal]) -> Scores:
    answers = list(answers)
    by_dimension = {
        d: _mean((a.weight, a.score) for a in answers if a.dimension == d and a.score is not None)
        for d in DIMENSIONS
    }
    composite = _mean(
        (Decimal(dimension_weights[d]), score) for d, score in by_dimension.items() if score is not None
    )
    return Scores(composite=composite, **by_dimension)


def dropped(previous: Scores | None, current: Scores, threshold: Decimal) -> bool:
    """A drop is flagged when the composite or any dimension fell by at least ``threshold`` since last time."""
    if previous is None:
        return False
    for name in (*DIMENSIONS, "composite"):
        before, now = previous.get(name), current.get(name)
        if before is not None and now is not None and before - now >= threshold:
            return True
    return False
