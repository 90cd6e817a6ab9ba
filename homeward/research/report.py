"""The research extract: reintegration outcomes by cohort, time to a reintegration plan, and re-trafficking,
as one printable report with its method, its parameters and a digest of its figures, so that anyone re-running
it on the same data can show they got the same answer."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, ExtractYear, TruncDate
from django.utils.translation import gettext as _

from homeward.cases.models import Case
from homeward.cases.picklists import FollowsReason
from homeward.reintegration.models import SurveyResponse
from homeward.research import tables
from homeward.research.dashboards import (
    Filters,
    Scope,
    _days,
    _first_approval,
    _fmt,
    _hide,
    filtered,
    median_from_histogram,
)
from homeward.research.tables import Table


@dataclass
class Report:
    tables: list[Table]
    digest: str
    cohorts: list[int]


def _return_day() -> Any:
    return Coalesce(TruncDate("returnee__handover__handed_over_at"), "opened_on")


def research_extract(scope: Scope, filters: Filters) -> Report:
    cases = filtered(scope, filters).annotate(
        cohort=ExtractYear(_return_day()), m_plan=TruncDate(_first_approval())
    )
    cohort_sizes = dict(cases.values_list("cohort").annotate(n=Count("id")))
    cohorts = sorted(c for c in cohort_sizes if c)
    exact = scope.exact

    # 1. Outcomes: mean composite score at the visits 6 and 12 months after return.
    surveys = SurveyResponse.objects.filter(visit__case__in=cases, composite__isnull=False).annotate(
        cohort=ExtractYear(
            Coalesce(TruncDate("visit__case__returnee__handover__handed_over_at"), "visit__case__opened_on")
        )
    )
    got = {
        (c, m): (n, avg)
        for c, m, n, avg in surveys.filter(visit__months_after_return__in=[6, 12])
        .values_list("cohort", "visit__months_after_return")
        .annotate(n=Count("id"), avg=Avg("composite"))
    }
    outcome_rows = []
    for c in cohorts:
        cells = [tables.show_count(cohort_sizes[c], exact)]
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
    plan_rows = []
    for c in cohorts:
        in_cohort = cases.filter(cohort=c, m_plan__isnull=False)
        hist = dict(
            in_cohort.annotate(d=_days(_return_day(), F("m_plan")))
            .filter(d__gte=0)
            .values_list("d")
            .annotate(n=Count("id"))
        )
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
    followed = Case.objects.filter(follows=OuterRef("pk"))
    counted = cases.annotate(
        is_again=Exists(followed.filter(follows_reason=FollowsReason.RE_TRAFFICKED)),
        is_migrated=Exists(followed.filter(follows_reason=FollowsReason.RE_MIGRATED)),
    )
    by_cohort: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for c, n, again, migrated in counted.values_list("cohort").annotate(
        n=Count("id"),
        again=Count("id", filter=Q(is_again=True)),
        migrated=Count("id", filter=Q(is_migrated=True)),
    ):
        if c:
            by_cohort[c] = [n, again, migrated]
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
