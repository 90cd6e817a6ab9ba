"""Dashboards: every figure starts from the cases the viewer may count, filtered by period (the case's opening
date), province of origin, organisation, sex and age group. Figures are exact for people who may see the
cases behind them (their own organisation's caseload); everyone else sees small counts suppressed.

They read the figures tables (``CaseFact`` and companions, kept current by homeward.research.facts), so that
each topic is a few GROUP BYs over narrow columns, whatever the size of the case tables."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Organisation
from homeward.accounts.policy import can, orgs_with
from homeward.cases.picklists import ClosureReason, Exploitation, Gender, Industry
from homeward.places.models import Area, Country
from homeward.research import tables
from homeward.research.models import CaseFact, ExploitationFact, FlowFact, OutcomeFact, ReferralFact, StayFact
from homeward.research.tables import Table
from homeward.returns.models import Bed, Facility

AGE_GROUPS: dict[str, tuple[int, int]] = {
    "0-17": (0, 17),
    "18-24": (18, 24),
    "25-34": (25, 34),
    "35-49": (35, 49),
    "50+": (50, 150),
}
SEX_GROUPS = (
    ("F", gettext_lazy("Female"), (Gender.FEMININE, Gender.TRANS_FEMININE)),
    ("M", gettext_lazy("Male"), (Gender.MASCULINE, Gender.TRANS_MASCULINE)),
    ("O", gettext_lazy("Other or not recorded"), (Gender.NON_CONFORMING, Gender.UNKNOWN, "")),
)
TOPICS = (
    ("caseload", gettext_lazy("Caseload")),
    ("flows", gettext_lazy("Flows")),
    ("exploitation", gettext_lazy("Exploitation")),
    ("pipeline", gettext_lazy("Return to closure")),
    ("outcomes", gettext_lazy("Reintegration scores")),
    ("closures", gettext_lazy("Closures")),
    ("network", gettext_lazy("Referral network")),
    ("transit", gettext_lazy("Transit centres")),
    ("training", gettext_lazy("Training")),
)


@dataclass
class Filters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    province: Area | None = None
    organisation: Organisation | None = None
    sex: str = ""  # F, M or O
    age_group: str = ""

    def query(self) -> dict[str, str]:
        out = {}
        if self.date_from:
            out["date_from"] = self.date_from.isoformat()
        if self.date_to:
            out["date_to"] = self.date_to.isoformat()
        if self.province:
            out["province"] = self.province.code
        if self.organisation:
            out["organisation"] = str(self.organisation.code)
        if self.sex:
            out["sex"] = self.sex
        if self.age_group:
            out["age_group"] = self.age_group
        return out


@dataclass
class Scope:
    exact: bool  # may the viewer see exact counts of what is filtered?
    national: bool
    organisations: list[Organisation]  # those the viewer may filter on
    own: list[int] = field(default_factory=list)  # organisations whose cases the viewer may see


def may_see_dashboards(user: Any) -> bool:
    return can(user, Cap.STATS_NATIONAL) or bool(orgs_with(user, Cap.CASE_VIEW))


def scope_for(user: Any, filters: Filters) -> Scope | None:
    own = orgs_with(user, Cap.CASE_VIEW)
    if can(user, Cap.STATS_NATIONAL):
        organisations = list(Organisation.objects.filter(is_external=False).order_by("name"))
        exact = filters.organisation is not None and filters.organisation.id in own
        return Scope(exact=exact, national=True, organisations=organisations, own=own)
    if not own:
        return None
    organisations = list(Organisation.objects.filter(id__in=own).order_by("name"))
    return Scope(
        exact=True,
        national=False,
        organisations=organisations,
        own=own,
    )


def facts(scope: Scope, filters: Filters, *, period: bool = True) -> QuerySet[CaseFact]:
    """The figures rows of the cases the viewer may count, filtered. Before the first read of a request, the
    figures of changed cases are recomputed (homeward.research.facts)."""
    qs = CaseFact.objects.all() if scope.national else CaseFact.objects.filter(owner_org_id__in=scope.own)
    if period and filters.date_from:
        qs = qs.filter(opened_on__gte=filters.date_from)
    if period and filters.date_to:
        qs = qs.filter(opened_on__lte=filters.date_to)
    if filters.province:
        qs = qs.filter(province=filters.province.code)
    if filters.organisation:
        qs = qs.filter(owner_org_id=filters.organisation.id)
    if filters.sex:
        qs = qs.filter(sex=filters.sex)
    if filters.age_group in AGE_GROUPS:
        lo, hi = AGE_GROUPS[filters.age_group]
        qs = qs.filter(age__gte=lo, age__lte=hi)
    return qs


def _everything(scope: Scope, filters: Filters) -> bool:
    return scope.national and not filters.query()


def children(model: Any, scope: Scope, filters: Filters, rows: QuerySet[CaseFact]) -> QuerySet:
    """Rows of a companion table (exploitation, flows, outcomes, referrals, stays) of the counted cases."""
    if _everything(scope, filters):
        return model.objects.all()
    return model.objects.filter(case_fact__in=rows.values("case_id"))


def median_from_histogram(hist: dict[int, int]) -> float | None:
    n = sum(hist.values())
    if not n:
        return None
    values = sorted(hist)
    middle = [(n - 1) // 2, n // 2]
    out, seen = [], 0
    for v in values:
        nxt = seen + hist[v]
        for m in middle:
            if seen <= m < nxt:
                out.append(v)
        seen = nxt
    return float(statistics.mean(out))


def _hide(n: int, exact: bool) -> bool:
    return not exact and n < tables.threshold()


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else number_format(round(value, digits), digits, force_grouping=True)


@dataclass
class Dashboard:
    topic: str
    tables: list[Table]
    maps: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _unit(rows: QuerySet[CaseFact], filters: Filters) -> str:
    """Months, or years when the period is longer than three years."""
    start = filters.date_from or rows.order_by("opened_on").values_list("opened_on", flat=True).first()
    end = filters.date_to or timezone.localdate()
    return "Y" if start and (end - start).days > 3 * 366 else "YM"


def _period_label(key: Any, unit: str) -> str:
    if unit == "Y":
        return str(key)
    year, month = str(key).split("-")
    return date_format(dt.date(int(year), int(month), 1), "YEAR_MONTH_FORMAT")


def provinces() -> list[Area]:
    return list(Area.objects.filter(level=1, country__code="LA").order_by("code"))


def _sex_series(table: Table) -> list[dict[str, Any]]:
    return [
        {"name": str(label), "data": tables.series_of(table, i)} for i, (_k, label) in enumerate(SEX_COLUMNS)
    ]


SEX_COLUMNS = [(key, label) for key, label, _g in SEX_GROUPS]


# ---- caseload ---------------------------------------------------------------------------------------------
def caseload(scope: Scope, filters: Filters) -> Dashboard:
    rows = facts(scope, filters)
    unit = _unit(rows, filters)
    key = "opened_year" if unit == "Y" else "opened_month"
    by_period: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for period, sex, n in rows.values_list(key, "sex").annotate(n=Count("case_id")):
        by_period[period][sex] += n
    periods = sorted(by_period)
    new = tables.counts(
        "new",
        _("New cases"),
        _("Period"),
        [_period_label(p, unit) for p in periods],
        [str(label) for _k, label in SEX_COLUMNS],
        [[by_period[p][k] for k, _l in SEX_COLUMNS] for p in periods],
        exact=scope.exact,
    )
    new.chart = {
        "type": "bar",
        "stack": True,
        "categories": [label for label, _c in new.rows],
        "series": _sex_series(new),
    }
    # Open cases at the end of each period: open before the first period, plus opened, minus closed.
    open_rows = []
    if periods:
        everyone = facts(scope, filters, period=False)
        first_day = dt.date(int(str(periods[0])[:4]), 1 if unit == "Y" else int(str(periods[0])[5:7]), 1)
        base = everyone.filter(opened_on__lt=first_day).exclude(closed_on__lt=first_day).count()
        closed_key = "closed_year" if unit == "Y" else "closed_month"
        closed = dict(
            everyone.filter(closed_on__gte=first_day).values_list(closed_key).annotate(n=Count("case_id"))
        )
        running = base
        for p in periods:
            running += sum(by_period[p].values()) - closed.get(p, 0)
            open_rows.append(max(running, 0))
    open_table = tables.counts(
        "open",
        _("Open cases at the end of each period"),
        _("Period"),
        [_period_label(p, unit) for p in periods],
        [_("Open cases")],
        [[v] for v in open_rows],
        exact=scope.exact,
        col_totals=False,
    )
    open_table.chart = {
        "type": "line",
        "categories": [label for label, _c in open_table.rows],
        "series": [{"name": _("Open cases"), "data": tables.series_of(open_table, 0)}],
    }
    by_province = dict(rows.values_list("province").annotate(n=Count("case_id")))
    areas = provinces()
    origin = tables.counts(
        "origin",
        _("Cases by province of origin"),
        _("Province"),
        [a.name for a in areas] + [_("Not recorded")],
        [_("Cases")],
        [[by_province.get(a.code, 0)] for a in areas] + [[by_province.get("", 0)]],
        exact=scope.exact,
    )
    return Dashboard(
        "caseload",
        [new, open_table, origin],
        maps=[_map(origin, areas, _("Map of cases by province of origin"))],
    )


def _map(table: Table, areas: list[Area], title: str, column: int = 0) -> dict[str, Any]:
    """A choropleth of the Lao provinces from the first rows of a table (one per province, in code order)."""
    data = []
    for area, (_label, cells) in zip(areas, table.rows, strict=False):
        cell = cells[column]
        data.append(
            {
                "code": area.code,
                "name": area.name,
                "value": cell.value if cell.shown else None,
                "shown": tables.show(cell),
            }
        )
    return {"key": f"map-{table.key}", "title": str(title), "data": data}


def _value_map(key: str, title: str, areas: list[Area], values: dict[str, float | None]) -> dict[str, Any]:
    data = [
        {"code": a.code, "name": a.name, "value": values.get(a.code), "shown": _fmt(values.get(a.code), 2)}
        for a in areas
    ]
    return {"key": key, "title": str(title), "data": data}


# ---- flows ------------------------------------------------------------------------------------------------
FLOW_COLUMNS = 8


def flows(scope: Scope, filters: Filters) -> Dashboard:
    rows = facts(scope, filters)
    area_names = {a.code: a.name for a in Area.objects.filter(level=1).exclude(country__code="LA")}
    country_names = {c.code: c.name for c in Country.objects.all()}
    flow: dict[tuple[str, str], int] = defaultdict(int)
    dest_total: dict[str, int] = defaultdict(int)
    for origin, dest, n in (
        children(FlowFact, scope, filters, rows).values_list("origin", "destination").annotate(n=Count("id"))
    ):
        flow[(origin or "", dest)] += n
        dest_total[dest] += n
    top = [d for d, _n in sorted(dest_total.items(), key=lambda kv: (-kv[1], kv[0]))[:FLOW_COLUMNS]]
    other_th = any(d.startswith("TH:") and d not in top for d in dest_total)
    other = any(not d.startswith("TH:") and d not in top for d in dest_total)
    columns = list(top)
    if other_th:
        columns.append("TH:*")
    if other:
        columns.append("*")

    def column_of(dest: str) -> str:
        if dest in top:
            return dest
        return "TH:*" if dest.startswith("TH:") else "*"

    def label(dest: str) -> str:
        if dest == "TH:*":
            return _("Thailand, other provinces")
        if dest == "*":
            return _("Other countries")
        if dest.startswith("TH:"):
            return f"{area_names.get(dest[3:], dest[3:])} ({country_names.get('TH', 'TH')})"
        return country_names.get(dest, dest)

    areas = provinces()
    origins = [a.code for a in areas] + [""]
    matrix = [[0] * len(columns) for _o in origins]
    for (origin, dest), n in flow.items():
        r = origins.index(origin) if origin in origins else len(origins) - 1
        matrix[r][columns.index(column_of(dest))] += n
    keep = [i for i, row in enumerate(matrix) if any(row)]
    row_labels = [(areas[i].name if i < len(areas) else _("Not recorded")) for i in keep]
    notes = []
    nonzero = [v for i in keep for v in matrix[i] if v]
    by_region = bool(
        not scope.exact and nonzero and sum(1 for v in nonzero if v < tables.threshold()) > 0.3 * len(nonzero)
    )
    if by_region:
        # Too many small flows to show by province without hiding nearly all of them: show regions instead.
        from homeward.research.fields import regions

        region_of = regions()
        names = {
            "northern": _("Northern provinces"),
            "central": _("Central provinces"),
            "southern": _("Southern provinces"),
        }
        order = [*names, ""]
        grouped = [[0] * len(columns) for _r in order]
        for i in keep:
            code = areas[i].code if i < len(areas) else ""
            r = order.index(region_of.get(code, ""))
            grouped[r] = [a + b for a, b in zip(grouped[r], matrix[i], strict=True)]
        keep_r = [r for r, row in enumerate(grouped) if any(row)]
        row_labels = [str(names[order[r]]) if order[r] else _("Not recorded") for r in keep_r]
        matrix, keep = grouped, keep_r
        notes.append(_("Shown by region: by province, most flows are too small to show."))
    table = tables.counts(
        "flows",
        _("From province of origin to place of exploitation"),
        _("Region of origin") if by_region else _("Province of origin"),
        row_labels,
        [label(c) for c in columns],
        [matrix[i] for i in keep],
        exact=scope.exact,
        note=_("A case exploited in two places counts in both."),
    )
    links = []
    for label_o, cells in table.rows:
        for j, cell in enumerate(cells[: len(columns)]):
            if cell.shown and cell.value:
                links.append({"source": label_o, "target": table.columns[j], "value": cell.value})
    if links:
        table.chart = {"type": "sankey", "links": links}
    if table.suppressed:
        notes.append(_("Hidden and small flows are not drawn; the table shows them."))
    return Dashboard("flows", [table], notes=notes)


# ---- exploitation -----------------------------------------------------------------------------------------
def exploitation(scope: Scope, filters: Filters) -> Dashboard:
    rows = facts(scope, filters)
    by_type: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kind, sex, n in (
        children(ExploitationFact, scope, filters, rows).values_list("type", "sex").annotate(n=Count("id"))
    ):
        by_type[kind][sex] += n
    types = [e for e in Exploitation if e.value in by_type]
    kinds = tables.counts(
        "types",
        _("Types of exploitation"),
        _("Type of exploitation"),
        [str(e.label) for e in types],
        [str(label) for _k, label in SEX_COLUMNS],
        [[by_type[e.value][k] for k, _l in SEX_COLUMNS] for e in types],
        exact=scope.exact,
        col_totals=False,
        note=_("A case can have several types of exploitation, so the columns are not added up."),
    )
    kinds.chart = {
        "type": "bar",
        "horizontal": True,
        "stack": True,
        "categories": [label for label, _c in kinds.rows],
        "series": _sex_series(kinds),
    }
    by_industry: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for industry, sex, n in (
        rows.exclude(industry="").values_list("industry", "sex").annotate(n=Count("case_id"))
    ):
        by_industry[industry][sex] += n
    industries = [i for i in Industry if i.value in by_industry]
    labour = tables.counts(
        "industries",
        _("Industries of forced labour"),
        _("Industry"),
        [str(i.label) for i in industries],
        [str(label) for _k, label in SEX_COLUMNS],
        [[by_industry[i.value][k] for k, _l in SEX_COLUMNS] for i in industries],
        exact=scope.exact,
    )
    labour.chart = {
        "type": "bar",
        "horizontal": True,
        "stack": True,
        "categories": [label for label, _c in labour.rows],
        "series": _sex_series(labour),
    }
    return Dashboard("exploitation", [kinds, labour])


# ---- pipeline ---------------------------------------------------------------------------------------------
STEPS = (
    ("d_request_return", gettext_lazy("Return request to handover at the border")),
    ("d_return_admitted", gettext_lazy("Handover to admission at a transit centre")),
    ("d_return_plan", gettext_lazy("Handover to approved reintegration plan")),
    ("d_plan_closed", gettext_lazy("Approved plan to closure")),
)


def histogram(rows: QuerySet, field_name: str) -> dict[int, int]:
    """How many rows have each value of a whole-day duration (from 0 up)."""
    return dict(
        rows.filter(**{f"{field_name}__isnull": False, f"{field_name}__gte": 0})
        .values_list(field_name)
        .annotate(n=Count("pk"))
    )


def pipeline(scope: Scope, filters: Filters) -> Dashboard:
    rows = facts(scope, filters)
    reached = rows.aggregate(
        request=Count("case_id", filter=Q(m_request__isnull=False)),
        returned=Count("case_id", filter=Q(m_return__isnull=False)),
        admitted=Count("case_id", filter=Q(m_admitted__isnull=False)),
        plan=Count("case_id", filter=Q(m_plan__isnull=False)),
        closed=Count("case_id", filter=Q(closed_on__isnull=False)),
        all=Count("case_id"),
    )
    labels = [
        _("Cases"),
        _("Return requested"),
        _("Handed over at the border"),
        _("Admitted to a transit centre"),
        _("Reintegration plan approved"),
        _("Closed"),
    ]
    funnel = tables.counts(
        "funnel",
        _("Cases that reached each step"),
        _("Step"),
        labels,
        [_("Cases")],
        [[reached[k]] for k in ("all", "request", "returned", "admitted", "plan", "closed")],
        exact=scope.exact,
        col_totals=False,
    )
    funnel.chart = {
        "type": "bar",
        "horizontal": True,
        "categories": [label for label, _c in funnel.rows],
        "series": [{"name": _("Cases"), "data": tables.series_of(funnel, 0)}],
    }
    shown = []
    medians = []
    for field_name, label in STEPS:
        hist = histogram(rows, field_name)
        n = sum(hist.values())
        median = None if _hide(n, scope.exact) else median_from_histogram(hist)
        medians.append(median)
        shown.append((str(label), [tables.show_count(n, scope.exact), _fmt(median)]))
    durations = tables.values(
        "steps",
        _("Median days per step"),
        _("Step"),
        [_("Cases"), _("Median days")],
        shown,
        note=_("A median is shown only when at least %(n)d cases took the step.") % {"n": tables.threshold()}
        if not scope.exact
        else "",
    )
    durations.chart = {
        "type": "bar",
        "horizontal": True,
        "categories": [r[0] for r in shown],
        "series": [{"name": _("Median days"), "data": medians}],
    }
    return Dashboard("pipeline", [funnel, durations])


# ---- outcomes ---------------------------------------------------------------------------------------------
def outcomes(scope: Scope, filters: Filters) -> Dashboard:
    rows = facts(scope, filters)
    surveys = children(OutcomeFact, scope, filters, rows)
    # One pass over the surveys: sums and counts per year of return, months and province, added up here both
    # ways (by year and months for the table, by province for the map).
    cells: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0] * 8)
    by_province: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for cohort, months, province, n, s_c, s_e, n_e, s_s, n_s, s_p, n_p in (
        surveys.values_list("cohort", "months", "province")
        .annotate(
            n=Count("id"),
            s_c=Sum("composite"),
            s_e=Sum("economic"),
            n_e=Count("economic"),
            s_s=Sum("social"),
            n_s=Count("social"),
            s_p=Sum("psychosocial"),
            n_p=Count("psychosocial"),
        )
        .order_by()
    ):
        acc = cells[(cohort, months)]
        for i, v in enumerate((n, s_c, s_e, n_e, s_s, n_s, s_p, n_p)):
            acc[i] += float(v or 0)
        by_province[province][0] += n
        by_province[province][1] += float(s_c or 0)

    def mean(total: float, count: float) -> float | None:
        return total / count if count else None

    grouped = [
        (
            cohort,
            months,
            int(acc[0]),
            mean(acc[1], acc[0]),
            mean(acc[2], acc[3]),
            mean(acc[4], acc[5]),
            mean(acc[6], acc[7]),
        )
        for (cohort, months), acc in sorted(cells.items())
    ]
    shown = []
    series: dict[int, dict[int, float | None]] = defaultdict(dict)
    months_seen: set[int] = set()
    for cohort, months, n, composite, economic, social, psychosocial in grouped:
        hide = _hide(n, scope.exact)
        if months == 0:
            months_label = _("at return")
        elif months > 0:
            months_label = _("%(m)d months") % {"m": months}
        else:
            months_label = "—"
        shown.append(
            (
                f"{cohort} · {months_label}",
                [
                    tables.show_count(n, scope.exact),
                    *[
                        _fmt(None if hide or v is None else float(v), 2)
                        for v in (economic, social, psychosocial, composite)
                    ],
                ],
            )
        )
        if months >= 0:
            months_seen.add(months)
            series[cohort][months] = None if hide or composite is None else round(float(composite), 3)
    months_axis = sorted(months_seen)
    table = tables.values(
        "scores",
        _("Reintegration scores by year of return and time since return"),
        _("Year of return · visit"),
        [_("Surveys"), _("Economic"), _("Social"), _("Psychosocial"), _("Composite")],
        shown,
        note=_("Mean scores from 0 (worst) to 1 (best); hidden where fewer than %(n)d surveys.")
        % {"n": tables.threshold()}
        if not scope.exact
        else _("Mean scores from 0 (worst) to 1 (best)."),
    )
    table.chart = {
        "type": "line",
        "categories": [str(m) for m in months_axis],
        "x_title": _("Months after return"),
        "series": [{"name": str(c), "data": [series[c].get(m) for m in months_axis]} for c in sorted(series)],
    }
    values = {
        code: (None if _hide(int(n), scope.exact) or not n else total / n)
        for code, (n, total) in by_province.items()
        if code
    }
    return Dashboard(
        "outcomes",
        [table],
        maps=[_value_map("map-scores", _("Mean composite score by province of origin"), provinces(), values)],
    )


# ---- closures ---------------------------------------------------------------------------------------------
def closures(scope: Scope, filters: Filters) -> Dashboard:
    rows = facts(scope, filters).filter(closed_on__isnull=False)
    counted = list(rows.values_list("closure_reason", "closed_year").annotate(n=Count("case_id")))
    years = sorted({y for _r, y, _n in counted})
    by_reason: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for reason, year, n in counted:
        by_reason[reason or ""][year] += n
    reasons = [r for r in ClosureReason if r.value in by_reason] + ([None] if "" in by_reason else [])
    table = tables.counts(
        "reasons",
        _("Reasons for closure by year of closure"),
        _("Reason"),
        [str(r.label) if r else _("Not recorded") for r in reasons],
        [str(y) for y in years],
        [[by_reason[r.value if r else ""][y] for y in years] for r in reasons],
        exact=scope.exact,
    )
    total_col = len(years) if len(years) > 1 else 0
    table.chart = {
        "type": "pie",
        "data": [
            {"name": label, "value": cells[total_col].value}
            for label, cells in table.rows
            if cells and cells[total_col].shown and cells[total_col].value
        ],
    }
    return Dashboard("closures", [table])


# ---- referral network -------------------------------------------------------------------------------------
NETWORK_GROUPS = (
    ("waiting", gettext_lazy("Waiting for an answer")),
    ("accepted", gettext_lazy("Accepted, in progress")),
    ("completed", gettext_lazy("Completed")),
    ("declined", gettext_lazy("Declined")),
    ("other", gettext_lazy("Revoked or did not happen")),
)


def network(scope: Scope, filters: Filters) -> Dashboard:
    rows = facts(scope, filters)
    referrals = children(ReferralFact, scope, filters, rows)
    areas = provinces()
    codes = [a.code for a in areas] + [""]
    keys = [k for k, _l in NETWORK_GROUPS]
    matrix = [[0] * len(NETWORK_GROUPS) for _c in codes]
    for code, status, n in referrals.values_list("province", "status").annotate(n=Count("id")):
        r = codes.index(code) if code in codes else len(codes) - 1
        matrix[r][keys.index(status) if status in keys else len(keys) - 1] += n
    keep = [i for i, row in enumerate(matrix) if any(row)]
    table = tables.counts(
        "referrals",
        _("Referrals by province of the service and where they stand"),
        _("Province"),
        [areas[i].name if i < len(areas) else _("Not recorded") for i in keep],
        [str(label) for _k, label in NETWORK_GROUPS],
        [matrix[i] for i in keep],
        exact=scope.exact,
    )
    table.chart = {
        "type": "bar",
        "stack": True,
        "categories": [label for label, _c in table.rows],
        "series": [
            {"name": str(label), "data": tables.series_of(table, i)}
            for i, (_k, label) in enumerate(NETWORK_GROUPS)
        ],
    }
    timing_rows = []
    for field_name, label in (
        ("days_to_accept", _("Days from sending to acceptance")),
        ("days_to_complete", _("Days from sending to completion")),
    ):
        hist = histogram(referrals, field_name)
        n = sum(hist.values())
        median = None if _hide(n, scope.exact) else median_from_histogram(hist)
        timing_rows.append((str(label), [tables.show_count(n, scope.exact), _fmt(median)]))
    timing = tables.values(
        "timing",
        _("How fast referrals are answered"),
        _("Step"),
        [_("Referrals"), _("Median days")],
        timing_rows,
    )
    return Dashboard("network", [table, timing])


# ---- transit ----------------------------------------------------------------------------------------------
def transit(scope: Scope, filters: Filters) -> Dashboard:
    rows = facts(scope, filters)
    stays = children(StayFact, scope, filters, rows)
    unit = _unit(rows, filters)
    key = "admitted_year" if unit == "Y" else "admitted_month"
    counted = list(stays.values_list("facility_id", key).annotate(n=Count("id")))
    facilities = {f.id: f for f in Facility.objects.filter(id__in={r[0] for r in counted})}
    periods = sorted({r[1] for r in counted})
    fac_ids = sorted(facilities, key=lambda i: facilities[i].name)
    matrix = [[0] * len(fac_ids) for _p in periods]
    for fac, period, n in counted:
        matrix[periods.index(period)][fac_ids.index(fac)] += n
    admissions = tables.counts(
        "admissions",
        _("Admissions by transit centre"),
        _("Period"),
        [_period_label(p, unit) for p in periods],
        [facilities[i].name for i in fac_ids],
        matrix,
        exact=scope.exact,
    )
    admissions.chart = {
        "type": "bar",
        "stack": True,
        "categories": [label for label, _c in admissions.rows],
        "series": [
            {"name": facilities[i].name, "data": tables.series_of(admissions, j)}
            for j, i in enumerate(fac_ids)
        ],
    }
    # Occupancy over the last twelve months: nights spent over nights available (active beds).
    today = timezone.localdate()
    since = today - dt.timedelta(days=365)
    beds = dict(
        Bed.objects.filter(is_active=True, room__is_active=True)
        .values_list("room__facility_id")
        .annotate(n=Count("id"))
    )
    nights: dict[int, int] = defaultdict(int)
    people: dict[int, int] = defaultdict(int)
    for fac, admitted, discharged in stays.filter(
        Q(discharged_on__isnull=True) | Q(discharged_on__gte=since)
    ).values_list("facility_id", "admitted_on", "discharged_on"):
        start = max(admitted, since)
        end = discharged or today
        if end > start:
            nights[fac] += (end - start).days
            people[fac] += 1
    occ_rows = []
    for fac in Facility.objects.filter(id__in=set(beds) | set(nights)).order_by("name"):
        n = people.get(fac.id, 0)
        available = beds.get(fac.id, 0) * 365
        rate = None if _hide(n, scope.exact) or not available else 100 * nights.get(fac.id, 0) / available
        occ_rows.append(
            (
                fac.name,
                [
                    str(beds.get(fac.id, 0)),
                    tables.show_count(n, scope.exact),
                    _fmt(rate) + ("%" if rate is not None else ""),
                ],
            )
        )
    occupancy = tables.values(
        "occupancy",
        _("Occupancy over the last twelve months"),
        _("Transit centre"),
        [_("Beds in use"), _("People who stayed"), _("Bed occupancy")],
        occ_rows,
    )
    return Dashboard("transit", [admissions, occupancy])


# ---- training ---------------------------------------------------------------------------------------------
def training(scope: Scope, filters: Filters) -> Dashboard:
    from homeward.training.models import Participation
    from homeward.training.picklists import Topic
    from homeward.training.selectors import coverage

    # The filters that apply to staff: the period (the session's last day), the trainee's province, organisation
    # and sex. Age groups do not apply (no age is recorded for trainees).
    among = Participation.objects.all()
    if filters.date_from:
        among = among.filter(session__end_on__gte=filters.date_from)
    if filters.date_to:
        among = among.filter(session__end_on__lte=filters.date_to)
    if filters.province:
        among = among.filter(trainee__province=filters.province)
    if filters.organisation:
        among = among.filter(trainee__organisation=filters.organisation)
    if filters.sex:
        among = among.filter(trainee__sex={"F": "female", "M": "male"}.get(filters.sex, "other"))
    cov = coverage(among=among)
    areas = provinces()
    by_code = {row["key"]: row for row in cov.by_province}
    province_table = tables.counts(
        "trained",
        _("People trained by province (staff, not survivors: counts are exact)"),
        _("Province"),
        [a.name for a in areas],
        [str(y) for y in cov.years],
        [by_code.get(a.code, {"years": [0] * len(cov.years)})["years"] for a in areas],
        exact=True,
        row_totals=False,
    )
    totals = [by_code.get(a.code, {"total": 0})["total"] for a in areas]
    topics = tables.counts(
        "topics",
        _("People trained by topic"),
        _("Topic"),
        [str(Topic(row["key"]).label) for row in cov.by_topic],
        [str(y) for y in cov.years],
        [row["years"] for row in cov.by_topic],
        exact=True,
        row_totals=False,
        col_totals=False,
    )
    topics.chart = {
        "type": "bar",
        "horizontal": True,
        "categories": [label for label, _c in topics.rows],
        "series": [{"name": str(y), "data": tables.series_of(topics, i)} for i, y in enumerate(cov.years)],
    }
    notes = (
        [_("Age groups do not apply to training: no age is recorded for trainees.")]
        if filters.age_group
        else []
    )
    return Dashboard(
        "training",
        [province_table, topics],
        notes=notes,
        maps=[
            _value_map(
                "map-trained",
                _("People trained by province"),
                areas,
                {a.code: float(t) for a, t in zip(areas, totals, strict=True)},
            )
        ],
    )


BUILDERS: dict[str, Callable[[Scope, Filters], Dashboard]] = {
    "caseload": caseload,
    "flows": flows,
    "exploitation": exploitation,
    "pipeline": pipeline,
    "outcomes": outcomes,
    "closures": closures,
    "network": network,
    "transit": transit,
    "training": training,
}
