"""The score against hand-computed examples."""

from decimal import Decimal as D

from homeward.reintegration.scoring import Answer, Scores, compute, dropped

EQUAL = {"economic": D(1), "social": D(1), "psychosocial": D(1)}


def test_weighted_means_by_dimension_and_composite():
    scores = compute(
        [
            Answer("economic", D(1), D(1)),
            Answer("economic", D(1), D("0.5")),
            Answer("economic", D(2), D(0)),
            Answer("social", D(1), D("0.67")),
            Answer("social", D(1), None),  # not answered: left out
        ],
        EQUAL,
    )
    # economic: (1x1 + 1x0.5 + 2x0) / (1+1+2) = 1.5 / 4 = 0.375; social: 0.67 alone; psychosocial: nothing
    assert scores.economic == D("0.3750") and scores.social == D("0.6700") and scores.psychosocial is None
    # composite over the two dimensions that exist: (0.375 + 0.67) / 2 = 0.5225
    assert scores.composite == D("0.5225")


def test_dimension_weights_weigh_the_composite():
    scores = compute(
        [
            Answer("economic", D(1), D(1)),
            Answer("social", D(1), D(0)),
            Answer("psychosocial", D(1), D("0.5")),
        ],
        {"economic": D(2), "social": D(1), "psychosocial": D(1)},
    )
    assert scores.composite == D("0.6250")  # (2x1 + 1x0 + 1x0.5) / 4


def test_no_answer_at_all_gives_no_score():
    assert compute([Answer("economic", D(1), None)], EQUAL) == Scores(None, None, None, None)


def test_a_zero_weight_indicator_does_not_count():
    scores = compute([Answer("economic", D(0), D(0)), Answer("economic", D(1), D("0.8"))], EQUAL)
    assert scores.economic == D("0.8000")


def test_a_drop_is_flagged_on_any_dimension_or_the_composite():
    before = Scores(D("0.6"), D("0.6"), D("0.6"), D("0.6"))
    assert dropped(before, Scores(D("0.6"), D("0.45"), D("0.6"), D("0.55")), D("0.1"))  # social fell 0.15
    assert not dropped(before, Scores(D("0.55"), D("0.55"), D("0.6"), D("0.57")), D("0.1"))
    assert not dropped(None, before, D("0.1"))
    assert not dropped(Scores(None, None, None, None), before, D("0.1"))
