"""Small-cell suppression with complementary suppression, for tables shown with their totals.

A count from 1 to ``threshold - 1`` is *primary*: it is shown as "<5" (for a threshold of 5). Totals are
shown exactly, so a single hidden count in a row could be worked out by subtraction; more cells are then hidden
(*complementary* suppression, shown as "x") until no small count can be pinned down from what is published.

The check is exact, not a rule of thumb: for every small count, two linear programmes find the smallest and
the largest value it could take given every published number, every total, and what a reader knows of the
hidden cells (a "<5" cell lies between 1 and 4; an "x" cell is at least 1, since zeros are always shown, and
may be anything above). If the two are equal the cell is pinned, and one more cell is hidden. When nothing is
left to hide around it (four "<5" cells adding up to a "<5" total can only be four ones), the small cell itself
is shown as "x", which no longer tells that it is small; in the last resort every non-zero cell is "x", and
then no cell can be pinned (doubling every hidden value keeps every total true). Zeros are shown: hiding a zero
protects no one.

Tables here are small (tens to a few hundred cells), so each programme takes about a millisecond (HiGHS, through
SciPy). Few programmes are needed: the true table is always possible, so any solution that differs from it by a
unit or more in a small cell proves that cell has a range, and each solution is checked against every small cell;
a cell found to have a range is not solved again in later rounds, since hiding more only widens ranges (with
`province=LA13` over 2024, the network table needs 34 programmes instead of 292: bench/research_checks.py).
Results are cached by content, so a process pays for each distinct table once.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

EXACT, SMALL, HIDDEN = "exact", "small", "hidden"


@dataclass(frozen=True)
class Cell:
    value: int
    state: str  # EXACT, SMALL (primary) or HIDDEN (complementary)

    @property
    def shown(self) -> bool:
        return self.state == EXACT


@dataclass(frozen=True)
class Protected:
    """A table with row totals (last column) and column totals (last row) where asked for."""

    cells: tuple[tuple[Cell, ...], ...]  # (rows [+ total row]) x (columns [+ total column])
    row_totals: bool
    col_totals: bool
    threshold: int

    @property
    def hidden_count(self) -> int:
        return sum(1 for row in self.cells for c in row if not c.shown)


def _layout(matrix: Sequence[Sequence[int]], row_totals: bool, col_totals: bool) -> np.ndarray:
    body = np.asarray(matrix, dtype=np.int64).reshape(len(matrix), -1 if matrix else 0)
    if row_totals:
        body = np.hstack([body, body.sum(axis=1, keepdims=True)])
    if col_totals:
        body = np.vstack([body, body.sum(axis=0, keepdims=True)])
    return body


def _equations(shape: tuple[int, int], rows: int, cols: int, row_totals: bool, col_totals: bool):
    """Each equation as a list of (flat index, coefficient) that sums to zero."""
    n_rows, n_cols = shape
    eqs: list[list[tuple[int, int]]] = []
    if row_totals:  # every displayed row, the total row included, adds up to its last cell
        for r in range(n_rows):
            eqs.append([(r * n_cols + c, 1) for c in range(cols)] + [(r * n_cols + cols, -1)])
    if col_totals:
        for c in range(n_cols):
            eqs.append([(r * n_cols + c, 1) for r in range(rows)] + [(rows * n_cols + c, -1)])
    return eqs


def pinned(
    values: np.ndarray,
    states: np.ndarray,
    eqs,
    threshold: int,
    first: bool = False,
    safe: set[int] | None = None,
) -> list[int]:
    """The flat indices of small cells whose value can be worked out exactly from what is published (only the
    first one found when ``first``).

    ``safe`` holds cells already shown to have a range of possible values: they are not solved again, and the
    cells found safe here are added to it. This is sound while the caller only ever hides more (a shown count
    becoming "x", a "<5" becoming "x"): every such step widens what a reader must allow for, so a range can only
    grow."""
    flat_v, flat_s = values.ravel(), states.ravel()
    hidden = [i for i in range(flat_v.size) if flat_s[i] != EXACT]
    small = [i for i in hidden if 0 < flat_v[i] < threshold and (safe is None or i not in safe)]
    if not small:
        return []
    pos = {i: j for j, i in enumerate(hidden)}
    a_rows, b = [], []
    for eq in eqs:
        row = np.zeros(len(hidden))
        known = 0
        touched = False
        for i, coef in eq:
            if i in pos:
                row[pos[i]] += coef
                touched = True
            else:
                known += coef * int(flat_v[i])
        if touched:
            a_rows.append(row)
            b.append(-known)
    bounds = [(1, threshold - 1) if flat_s[i] == SMALL else (1, None) for i in hidden]
    a_eq = np.array(a_rows) if a_rows else None
    b_eq = np.array(b, dtype=float) if a_rows else None
    known_safe = set() if safe is None else safe
    value = {i: float(flat_v[i]) for i in small}

    def note(result) -> None:
        """Any solution is a possible table, and so is the true one: every small cell on which the two differ by
        a unit or more has a range."""
        if result.status == 0 and result.x is not None:
            for j in small:
                if j not in known_safe and abs(result.x[pos[j]] - value[j]) >= 0.5:
                    known_safe.add(j)

    out = []
    for i in small:
        if i in known_safe:
            continue
        c = np.zeros(len(hidden))
        c[pos[i]] = 1.0
        lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        note(lo)
        if i not in known_safe:
            hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            note(hi)
        if i in known_safe:
            continue
        out.append(i)
        if first:
            break
    return out


def _exposed(values: np.ndarray, states: np.ndarray, eqs, threshold: int) -> list[int]:
    """Equations where a small cell is the only hidden one: it is pinned by subtraction (no programme needed).
    Returns the indices of such equations (at most one)."""
    flat_s, flat_v = states.ravel(), values.ravel()
    for n, eq in enumerate(eqs):
        hidden = [i for i, _c in eq if flat_s[i] != EXACT]
        if len(hidden) == 1 and 0 < flat_v[hidden[0]] < threshold:
            return [n]
    return []


def _complement(
    values: np.ndarray, states: np.ndarray, eqs, within: list[int], rows: int, cols: int
) -> int | None:
    """The shown non-zero cell to hide next, from the equations ``within``: the one that sits in the most
    equations already holding a hidden cell (so that it closes a cycle of hidden cells, which no total can
    undo), then the smallest, preferring counts over totals."""
    flat_v, flat_s = values.ravel(), states.ravel()
    n_cols = values.shape[1]
    busy = [any(flat_s[m] != EXACT for m, _c in eq) for eq in eqs]
    member_of: dict[int, list[int]] = {}
    for n, eq in enumerate(eqs):
        for i, _c in eq:
            member_of.setdefault(i, []).append(n)
    best: tuple | None = None
    for n in within:
        for i, _c in eqs[n]:
            if flat_s[i] != EXACT or flat_v[i] == 0:
                continue
            shared = sum(1 for m in member_of.get(i, []) if busy[m])
            r, c = divmod(i, n_cols)
            key = (-shared, r >= rows or c >= cols, int(flat_v[i]), i)
            if best is None or key < best:
                best = key
    return best[3] if best else None


@functools.lru_cache(maxsize=2048)
def _protect(
    matrix: tuple[tuple[int, ...], ...], threshold: int, row_totals: bool, col_totals: bool
) -> Protected:
    rows = len(matrix)
    cols = len(matrix[0]) if rows else 0
    values = _layout(matrix, row_totals, col_totals)
    states = np.where((values > 0) & (values < threshold), SMALL, EXACT).astype(object)
    eqs = _equations((int(values.shape[0]), int(values.shape[1])), rows, cols, row_totals, col_totals)
    safe: set[int] = set()  # small cells shown to have a range: each round only hides more, so they stay safe
    for _round in range(2 * values.size + 2):
        exposing = _exposed(values, states, eqs, threshold)
        if exposing:
            weak = next(i for i, _c in eqs[exposing[0]] if states.flat[i] != EXACT)
            within = exposing
        else:
            found = pinned(values, states, eqs, threshold, first=True, safe=safe)
            if not found:
                break
            weak = found[0]
            within = [n for n, eq in enumerate(eqs) if any(states.flat[i] != EXACT for i, _c in eq)]
        extra = _complement(values, states, eqs, within, rows, cols)
        if extra is not None:
            states.flat[extra] = HIDDEN
        elif states.flat[weak] == SMALL:
            # Nothing left to hide around it: stop saying that it is small.
            states.flat[weak] = HIDDEN
        elif any(states.flat[i] == SMALL for n in within for i, _c in eqs[n]):
            # Its neighbours' "<5" is what pins it: stop saying that they are small.
            for n in within:
                for i, _c in eqs[n]:
                    if states.flat[i] == SMALL:
                        states.flat[i] = HIDDEN
        else:
            # The last resort: every non-zero count hidden. No cell can then be pinned.
            states[values > 0] = HIDDEN
            break
    cells = tuple(
        tuple(Cell(int(values[r, c]), str(states[r, c])) for c in range(values.shape[1]))
        for r in range(values.shape[0])
    )
    return Protected(cells=cells, row_totals=row_totals, col_totals=col_totals, threshold=threshold)


def protect(
    matrix: Sequence[Sequence[int]], threshold: int, *, row_totals: bool = True, col_totals: bool = True
) -> Protected:
    """Suppress the small counts of ``matrix`` and enough others that none can be recovered from the totals
    (which are added: a total column when ``row_totals``, a total row when ``col_totals``)."""
    if threshold < 3:
        raise ValueError("The small-cell threshold must be at least 3: '<2' would reveal a count of 1.")
    key = tuple(tuple(int(v) for v in row) for row in matrix)
    return _protect(key, threshold, row_totals, col_totals)


def exact(matrix: Sequence[Sequence[int]], *, row_totals: bool = True, col_totals: bool = True) -> Protected:
    """The same table with every count shown: for people who may see the cases behind it."""
    values = _layout(matrix, row_totals, col_totals)
    cells = tuple(tuple(Cell(int(v), EXACT) for v in row) for row in values)
    return Protected(cells=cells, row_totals=row_totals, col_totals=col_totals, threshold=0)
