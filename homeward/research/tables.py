"""A table of figures as shown on a dashboard: labels, cells after small-cell suppression, totals, a chart
spec for the vendored chart library, and CSV of exactly what is shown."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from homeward.research import suppression
from homeward.research.suppression import EXACT, HIDDEN, SMALL, Cell


def threshold() -> int:
    return int(settings.SMALL_CELL_THRESHOLD)


def show(cell: Cell) -> str:
    if cell.state == SMALL:
        return f"<{threshold()}"
    if cell.state == HIDDEN:
        return "x"
    return number_format(cell.value, force_grouping=True)


def show_count(n: int, exact: bool) -> str:
    """A count shown on its own (no total next to it): small ones hidden unless ``exact``."""
    return show(Cell(n, SMALL if not exact and 0 < n < threshold() else EXACT))


def raw(cell: Cell) -> str:
    """For CSV: the number, or the same mark as on the page."""
    if cell.state == SMALL:
        return f"<{threshold()}"
    if cell.state == HIDDEN:
        return "x"
    return str(cell.value)


@dataclass
class Table:
    key: str
    title: str | Promise
    row_header: str | Promise
    columns: list[str]
    rows: list[tuple[str, list[Cell]]]  # label, cells (with the row total last when there is one)
    total_row: list[Cell] | None = None
    has_row_total: bool = False
    note: str | Promise = ""
    chart: dict[str, Any] = field(default_factory=dict)
    kind: str = "count"  # or "value" (means, medians, rates: shown as given, never summed)
    values: list[tuple[str, list[str]]] = field(default_factory=list)  # for kind == "value"

    @property
    def suppressed(self) -> bool:
        cells = [c for _l, row in self.rows for c in row] + (self.total_row or [])
        return any(c.state != EXACT for c in cells)

    @property
    def header(self) -> list[str]:
        cols = [str(c) for c in self.columns]
        return [*cols, _("Total")] if self.has_row_total else cols

    def display_rows(self) -> list[tuple[str, list[str]]]:
        if self.kind == "value":
            return self.values
        return [(label, [show(c) for c in cells]) for label, cells in self.rows]

    def display_total(self) -> list[str] | None:
        return [show(c) for c in self.total_row] if self.total_row else None

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([_safe(str(self.row_header)), *[_safe(h) for h in self.header]])
        if self.kind == "value":
            for label, vals in self.values:
                writer.writerow([_safe(label), *vals])
        else:
            for label, cells in self.rows:
                writer.writerow([_safe(label), *[raw(c) for c in cells]])
            if self.total_row:
                writer.writerow([_("Total"), *[raw(c) for c in self.total_row]])
        return out.getvalue()


def _safe(text: str) -> str:
    """A label never starts a spreadsheet formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def counts(
    key: str,
    title: str | Promise,
    row_header: str | Promise,
    row_labels: Sequence[str],
    columns: Sequence[str],
    matrix: Sequence[Sequence[int]],
    *,
    exact: bool,
    row_totals: bool = True,
    col_totals: bool = True,
    note: str | Promise = "",
) -> Table:
    """A table of counts, suppressed unless ``exact``. Row totals only for more than one column."""
    row_totals = row_totals and len(columns) > 1
    if not row_labels:
        matrix = []
    if exact or not matrix:
        protected = suppression.exact(matrix, row_totals=row_totals, col_totals=col_totals and bool(matrix))
    else:
        protected = suppression.protect(
            matrix, threshold(), row_totals=row_totals, col_totals=col_totals and len(row_labels) > 1
        )
    cells = [list(r) for r in protected.cells]
    has_total_row = protected.col_totals
    body = cells[:-1] if has_total_row else cells
    return Table(
        key=key,
        title=title,
        row_header=row_header,
        columns=[str(c) for c in columns],
        rows=list(zip([str(label) for label in row_labels], body, strict=True)),
        total_row=cells[-1] if has_total_row else None,
        has_row_total=row_totals,
        note=note,
    )


def values(
    key: str,
    title: str | Promise,
    row_header: str | Promise,
    columns: Sequence[str],
    rows: list[tuple[str, list[str]]],
    note: str | Promise = "",
) -> Table:
    """A table of values that are not counts (medians, means, rates), already hidden where too few people."""
    return Table(
        key=key,
        title=title,
        row_header=row_header,
        columns=[str(c) for c in columns],
        rows=[],
        kind="value",
        values=rows,
        note=note,
    )


def series_of(table: Table, column: int) -> list[int | None]:
    """One column of a count table for a chart: hidden cells are gaps, never drawn."""
    return [c[column].value if c[column].state == EXACT else None for _l, c in table.rows]


FIGURE_PARTS = ("declined", "completed", "revoked", "open")  # these add up to "sent"
FIGURE_OTHERS = ("accepted", "overdue")


def figures_display(
    rows: list[Any], total: Any, *, exact: bool
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The referral network figures (homeward.referrals.selectors.Figures) as shown: for a viewer who may not
    see the cases, the statuses that add up to "sent" are protected together with their totals, "accepted" and
    "overdue" each as a column with its total, and medians of fewer than the threshold are not shown."""
    if not rows:
        return [], {}
    if exact:
        parts = suppression.exact([[getattr(f, p) for p in FIGURE_PARTS] for f in rows])
    else:
        parts = suppression.protect([[getattr(f, p) for p in FIGURE_PARTS] for f in rows], threshold())
    others = {}
    for name in FIGURE_OTHERS:
        column = [[getattr(f, name)] for f in rows]
        others[name] = (
            suppression.exact(column, row_totals=False)
            if exact
            else suppression.protect(column, threshold(), row_totals=False, col_totals=len(rows) > 1)
        )

    def median(value: float | None, n: int) -> str:
        if value is None or (not exact and n < threshold()):
            return "—"
        return number_format(value, 1)

    out = []
    for i, f in enumerate(rows):
        row = {"label": f.label, "sent": show(parts.cells[i][-1])}
        row.update({p: show(parts.cells[i][j]) for j, p in enumerate(FIGURE_PARTS)})
        row.update({name: show(others[name].cells[i][0]) for name in FIGURE_OTHERS})
        row["overdue_any"] = f.overdue > 0
        row["median_accept"] = median(f.median_days_to_accept, len(f._to_accept))
        row["median_complete"] = median(f.median_days_to_complete, len(f._to_complete))
        out.append(row)
    last = parts.cells[-1]
    foot = {"sent": show(last[-1])}
    foot.update({p: show(last[j]) for j, p in enumerate(FIGURE_PARTS)})
    for name in FIGURE_OTHERS:
        cells = others[name].cells
        foot[name] = show(cells[-1][0]) if len(rows) > 1 else show(cells[0][0])
    foot["median_accept"] = median(total.median_days_to_accept, len(total._to_accept))
    foot["median_complete"] = median(total.median_days_to_complete, len(total._to_complete))
    return out, foot
