"""Small-cell suppression: what is hidden cannot be recovered from what is shown.

The property test plays the attacker. From the table exactly as it is displayed (numbers, "<5" and "x"), it
writes down every relation a reader knows — each row and column adds up to its total, a "<5" cell is between 1
and 4, an "x" cell is at least 1 (zeros are always shown), every count is a whole number — and asks an
integer programme for the smallest and largest value each small cell could take (a "<5" cell, or an "x" cell
whose true value the test knows is small). The two must differ: no small count is pinned down. It builds the
relations from the display alone, not from the code's own bookkeeping.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from homeward.research.suppression import EXACT, HIDDEN, SMALL, exact, protect

THRESHOLD = 5


def displayed(protected) -> list[list[str]]:
    return [
        [str(c.value) if c.state == EXACT else ("<5" if c.state == SMALL else "x") for c in row]
        for row in protected.cells
    ]


def attacker_range(display: list[list[str]], row_totals: bool, col_totals: bool, cell: tuple[int, int]):
    """The integer range of one hidden cell, given only what is displayed."""
    n_rows, n_cols = len(display), len(display[0])
    body_rows = n_rows - 1 if col_totals else n_rows
    body_cols = n_cols - 1 if row_totals else n_cols
    unknown = [(r, c) for r in range(n_rows) for c in range(n_cols) if not display[r][c].isdigit()]
    pos = {rc: i for i, rc in enumerate(unknown)}
    rows, lo_b, hi_b = [], [], []

    def equation(members: list[tuple[int, int]], total: tuple[int, int]) -> None:
        row = np.zeros(len(unknown))
        known = 0
        for rc, coef in [*[(m, 1) for m in members], (total, -1)]:
            if rc in pos:
                row[pos[rc]] += coef
            else:
                known += coef * int(display[rc[0]][rc[1]])
        if row.any():
            rows.append(row)
            lo_b.append(-known)
            hi_b.append(-known)

    if row_totals:
        for r in range(n_rows):
            equation([(r, c) for c in range(body_cols)], (r, body_cols))
    if col_totals:
        for c in range(n_cols):
            equation([(r, c) for r in range(body_rows)], (body_rows, c))
    lower = [1] * len(unknown)
    upper = [THRESHOLD - 1 if display[r][c] == "<5" else 10**6 for r, c in unknown]  # "x": no upper bound
    constraints = [LinearConstraint(np.array(rows), lo_b, hi_b)] if rows else []
    objective = np.zeros(len(unknown))
    objective[pos[cell]] = 1
    found = []
    for sign in (1, -1):
        result = milp(
            sign * objective,
            constraints=constraints,
            bounds=Bounds(lower, upper),
            integrality=np.ones(len(unknown), dtype=np.int64),
        )
        assert result.status == 0, "the displayed table must be consistent with some data"
        found.append(sign * result.fun)
    return found[0], found[1]


counts = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 40), st.integers(40, 500))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=st.integers(1, 5).flatmap(
        lambda rows: st.integers(1, 5).flatmap(
            lambda cols: st.lists(
                st.lists(counts, min_size=cols, max_size=cols), min_size=rows, max_size=rows
            )
        )
    ),
    margins=st.sampled_from([(True, True), (True, False), (False, True)]),
)
def test_no_small_count_can_be_recovered_from_the_totals(table, margins):
    row_totals, col_totals = margins
    protected = protect(table, THRESHOLD, row_totals=row_totals, col_totals=col_totals)
    display = displayed(protected)
    # What is shown is true: published numbers are the real counts and totals.
    body = np.array(table)
    if row_totals:
        for r in range(len(table)):
            if display[r][-1].isdigit():
                assert int(display[r][-1]) == body[r].sum()
    for r, row in enumerate(protected.cells):
        for c, cell in enumerate(row):
            if cell.state == EXACT:
                assert cell.value == 0 or cell.value >= THRESHOLD, "a small count was shown"
            if 0 < cell.value < THRESHOLD:
                assert cell.state != EXACT
            if cell.value == 0:
                assert cell.state == EXACT, "zeros are shown"
            if 0 < cell.value < THRESHOLD:
                low, high = attacker_range(display, row_totals, col_totals, (r, c))
                assert low < high, f"cell {(r, c)} pinned to {low} in {display}"


def test_a_lone_small_count_in_a_row_takes_a_second_cell_with_it():
    protected = protect([[1, 10, 20], [30, 40, 50], [12, 13, 14]], THRESHOLD)
    states = [[c.state for c in row] for row in protected.cells]
    assert states[0][0] == SMALL
    # Its row and its column each hide at least one more cell, so neither total gives it away.
    assert sum(s != EXACT for s in states[0]) >= 2
    assert sum(row[0] != EXACT for row in states) >= 2
    assert protected.cells[-1][-1].state == EXACT and protected.cells[-1][-1].value == 190


def test_two_ones_adding_up_to_a_shown_two_are_not_left_alone():
    # x + y = 2 with both between 1 and 4 means both are 1: the total must not be shown as 2.
    protected = protect([[1, 1], [30, 20]], THRESHOLD)
    low, high = attacker_range(displayed(protected), True, True, (0, 0))
    assert low < high


def test_large_counts_are_untouched():
    protected = protect([[10, 20], [30, 40]], THRESHOLD)
    assert protected.hidden_count == 0
    assert [c.value for c in protected.cells[-1]] == [40, 60, 100]


def test_exact_tables_show_everything_with_totals():
    table = exact([[1, 2], [3, 0]])
    assert all(c.state == EXACT for row in table.cells for c in row)
    assert [c.value for c in table.cells[-1]] == [4, 2, 6]


def test_a_threshold_below_three_is_refused():
    with pytest.raises(ValueError):
        protect([[1]], 2)


def test_hidden_complements_are_marked_differently_from_small_counts():
    protected = protect([[2, 50], [50, 50]], THRESHOLD)
    states = {c.state for row in protected.cells for c in row}
    assert SMALL in states and HIDDEN in states
