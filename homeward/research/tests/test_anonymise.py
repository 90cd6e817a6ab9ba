"""The lattice search: optimal for its loss measure, and what it releases is k-anonymous and l-diverse by an
independent implementation (pycanon, in its own environment and process)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from homeward.research.anonymise import TOP, Hierarchy, NoSolution, apply, search
from homeward.research.services import pycanon_check


def _data(n: int = 400, seed: int = 3) -> tuple[pd.DataFrame, dict[str, Hierarchy]]:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "age": rng.integers(12, 60, n).astype(str),
            "sex": rng.choice(["F", "M"], n, p=[0.8, 0.2]),
            "area": rng.choice(["d1", "d2", "d3", "d4", "d5", "d6"], n),
            "kind": rng.choice(["labour", "sexual", "scam", "marriage"], n),
        }
    )
    hierarchies = {
        "age": Hierarchy(
            levels=[lambda v: f"{int(v) // 10 * 10}s", lambda v: "minor" if int(v) < 18 else "adult"],
            domain=[str(a) for a in range(0, 100)],
        ),
        "sex": Hierarchy(levels=[], domain=["F", "M"]),
        "area": Hierarchy(
            levels=[lambda v: "north" if v in ("d1", "d2", "d3") else "south"],
            domain=["d1", "d2", "d3", "d4", "d5", "d6"],
        ),
    }
    return data, hierarchies


@pytest.mark.parametrize("k,l_div", [(2, 1), (5, 1), (5, 2), (10, 3)])
def test_the_release_is_k_anonymous_and_l_diverse_by_pycanon(k, l_div):
    data, hierarchies = _data()
    outcome = search(
        data, ["age", "sex", "area"], ["kind"], hierarchies, k=k, l_div=l_div, max_suppressed=0.05
    )
    released = apply(data, outcome, hierarchies)
    assert len(released) == len(data) - int(outcome.suppressed.sum())
    assert outcome.suppressed.sum() <= 0.05 * len(data)
    answer = pycanon_check(
        {"file": released.to_csv(index=False).encode()},
        qi={"file": ["age", "sex", "area"]},
        sensitive={"file": ["kind"] if l_div > 1 else []},
    )["file"]
    assert answer["k"] >= k
    if l_div > 1:
        assert answer["l"] >= l_div
    assert outcome.k >= k


def _loss(data, hierarchies, qis, node, k, budget):
    """The loss of one node computed the slow, obvious way (one record at a time)."""
    labels = {
        q: data[q].map(lambda v, q=q, h=h: hierarchies[q].label(v, h)) for q, h in zip(qis, node, strict=True)
    }
    keys = list(zip(*(labels[q] for q in qis), strict=True))
    sizes = pd.Series(keys).value_counts()
    bad = [sizes[key] < k for key in keys]
    if sum(bad) > budget:
        return None
    total = 0.0
    for i, _key in enumerate(keys):
        if bad[i]:
            total += 1
            continue
        per = []
        for q, h in zip(qis, node, strict=True):
            hierarchy = hierarchies[q]
            label = labels[q].iloc[i]
            covered = sum(1 for v in hierarchy.domain if hierarchy.label(v, h) == label)
            per.append((covered - 1) / (len(hierarchy.domain) - 1))
        total += sum(per) / len(qis)
    return total / len(data)


def test_the_search_finds_the_least_loss_node_of_the_whole_lattice():
    data, hierarchies = _data(n=150, seed=11)
    qis = ["age", "sex", "area"]
    outcome = search(data, qis, [], hierarchies, k=4, max_suppressed=0.04)
    budget = int(0.04 * len(data))
    losses = {}
    for node in itertools.product(*(range(hierarchies[q].height) for q in qis)):
        loss = _loss(data, hierarchies, qis, node, 4, budget)
        if loss is not None:
            losses[node] = loss
    best = min(losses.values())
    assert outcome.loss == pytest.approx(best)
    assert losses[tuple(outcome.levels[q] for q in qis)] == pytest.approx(best)
    assert outcome.nodes == len(list(itertools.product(*(range(hierarchies[q].height) for q in qis))))


def test_the_top_of_a_hierarchy_says_nothing():
    hierarchies = _data()[1]
    assert hierarchies["age"].label("33", hierarchies["age"].height - 1) == TOP
    assert hierarchies["age"].label("33", 1) == "30s"
    assert hierarchies["area"].label("d5", 1) == "south"


def test_impossible_demands_raise_no_solution():
    data, hierarchies = _data(n=30)
    with pytest.raises(NoSolution):
        search(data, ["age", "sex", "area"], ["kind"], hierarchies, k=5, l_div=5, max_suppressed=0.0)


def test_every_level_of_every_hierarchy_has_a_name(db, places):
    from homeward.research import fields as F

    for key, hierarchy in F.hierarchies().items():
        names = [F.level_name(key, level) for level in range(hierarchy.height)]
        assert len(set(names)) == hierarchy.height, key
        assert names[-1] == "hidden"
