"""The research extract: reintegration outcomes by cohort, time to a reintegration plan, and re-trafficking,
as one printable report with its method, its parameters and a digest of its figures, so that anyone re-running
it on the same data can show they got the same answer. It reads the figures tables, like the dashboards."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext as _

from homeward.research import tables
from homeward.research.dashboards import Filters, Scope, _fmt, _hide, children, facts, median_from_histogram
from homeward.research.models import OutcomeFact
from homeward.research.tables import Table


@dataclass
class Report:
    tables: list[Table]
    digest: str
    cohorts: list[int]


def research_extract(scope: Scope, filters: Filters) -> Report:
    rows = facts(scope, filters)
    exact = scope.exact
    by_cohort: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for cohort, n, again, migrated in rows.values_list("cohort").annotate(
        n=Count("case_id"),
        again=Count("case_id", filter=Q(again=True)),
        migrated=Count("case_id", filter=Q(migrated=True)),
    ):
        by_cohort[cohort] = [n, again, migrated]
    cohorts = sorted(by_cohort)

    # 1. Outcomes: mean composite score at the visits 6 and 12 months after return.
    got = {
        (c, m): (n, avg)
        for c, m, n, avg in children(OutcomeFact, scope, filters, rows)
        .filter(months__in=[6, 12])
        .values_list("cohort", "months")
        .annotate(n=Count("id"), avg=Avg("composite"))
    }
    outcome_rows = []
    for c in cohorts:
        cells = [tables.show_count(by_cohort[c][0], exact)]
        for months in (6, 12):
            n, avg = got.get((c, months), (0, None))
            cells += [
                tables.show_count(n, exact),
                _fmt(None if _hide(n, exact) or avg is None else float(avg), 2),
            ]
        outcome_rows.append((str(c), cells))
    outcomes = tables.values(
        "outcomes",
        _("Reintegration outcomes by year of return"),
        _("Year of return"),
        [
            _("Cases"),
            _("Surveys at 6 months"),
            _("Mean score at 6 months"),
            _("Surveys at 12 months"),
            _("Mean score at 12 months"),
        ],
        outcome_rows,
        note=_("Composite Reintegration Sustainability score, 0 (worst) to 1 (best)."),
    )

    # 2. Time from return (or the case's opening) to the first approved reintegration plan.
    hist_by_cohort: dict[int, dict[int, int]] = defaultdict(dict)
    for cohort, days, n in (
        rows.filter(d_start_plan__isnull=False, d_start_plan__gte=0)
        .values_list("cohort", "d_start_plan")
        .annotate(n=Count("case_id"))
    ):
        hist_by_cohort[cohort][days] = n
    plan_rows = []
    for c in cohorts:
        hist = hist_by_cohort.get(c, {})
        n = sum(hist.values())
        within = sum(v for d, v in hist.items() if d <= 90)
        hide = _hide(n, exact)
        plan_rows.append(
            (
                str(c),
                [
                    tables.show_count(n, exact),
                    _fmt(None if hide else median_from_histogram(hist)),
                    _fmt(None if hide or not n else 100 * within / n, 0) + ("%" if not hide and n else ""),
                ],
            )
        )
    plans = tables.values(
        "plans",
        _("Time to an approved reintegration plan"),
        _("Year of return"),
        [_("Cases with a plan"), _("Median days from return"), _("Within 90 days")],
        plan_rows,
    )

    # 3. Re-trafficking: a later case of the same person, linked as trafficked (or migrated) again.
    retrafficking = tables.counts(
        "retrafficking",
        _("Trafficked or migrated again, by year of return"),
        _("Year of return"),
        [str(c) for c in cohorts],
        [_("Cases"), _("Trafficked again"), _("Migrated again")],
        [by_cohort[c] for c in cohorts],
        exact=exact,
        row_totals=False,
        note=_(
            "Counts a case when a later case of the same person was opened and linked to it as trafficking or "
            "migration again. Links come from caseworkers (and, once it is in place, from record linkage)."
        ),
    )
    rates = []
    for label, row in retrafficking.rows:
        base, again = row[0], row[1]
        rate = 100 * again.value / base.value if base.shown and again.shown and base.value else None
        rates.append((label, [_fmt(rate) + ("%" if rate is not None else "")]))
    rate_table = tables.values(
        "rate", _("Re-trafficking rate"), _("Year of return"), [_("Trafficked again")], rates
    )
    everything = [outcomes, plans, retrafficking, rate_table]
    digest = hashlib.sha256("\n".join(t.csv() for t in everything).encode("utf-8")).hexdigest()
    return Report(tables=everything, digest=digest, cohorts=cohorts)
