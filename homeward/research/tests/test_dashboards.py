"""Dashboard arithmetic: day differences the same on both databases, medians from histograms, the pipeline's
steps, and flows that never draw a hidden cell."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.db.models.functions import TruncDate
from django.utils import timezone

from homeward.cases.models import Case
from homeward.research import dashboards
from homeward.research.dashboards import Filters, _days, median_from_histogram
from homeward.returns.tests.journey import build as build_journey

pytestmark = pytest.mark.django_db


def _scope(user):
    scope = dashboards.scope_for(user, dashboards.Filters())
    assert scope is not None
    return scope


def test_whole_days_between_dates_and_times_agree_on_every_database(personas, open_case):
    case = open_case()
    Case.objects.filter(pk=case.pk).update(opened_on=dt.date(2024, 2, 27), closed_on=dt.date(2024, 3, 2))
    row = Case.objects.filter(pk=case.pk).annotate(d=_days(F("opened_on"), F("closed_on"))).get()
    assert row.d == 4  # across a leap day
    # A time counts on the day it fell on in the local time zone (Asia/Vientiane), not in UTC.
    Case.objects.filter(pk=case.pk).update(created_at=dt.datetime(2024, 3, 1, 20, 30, tzinfo=dt.UTC))
    later = Case.objects.filter(pk=case.pk).annotate(d=_days(F("opened_on"), TruncDate("created_at"))).get()
    assert later.d == 4  # 03:30 on 2 March in Vientiane


@pytest.mark.parametrize(
    "hist,expected",
    [({}, None), ({3: 1}, 3.0), ({1: 1, 5: 1}, 3.0), ({1: 2, 9: 1}, 1.0), ({2: 1, 4: 2, 10: 1}, 4.0)],
)
def test_median_from_a_histogram(hist, expected):
    assert median_from_histogram(hist) == expected


def test_the_pipeline_counts_cases_at_each_step_and_their_median_days(personas):
    journey = build_journey(personas)
    scope = _scope(personas.sam)
    board = dashboards.pipeline(scope, Filters())
    funnel = {label: cells[0].value for label, cells in board.tables[0].rows}
    assert funnel["Return requested"] == 2
    assert funnel["Admitted to a transit centre"] == 1
    assert funnel["Handed over at the border"] == 1
    # Exact for the organisation's own supervisor: a median over one case is shown.
    steps = dict(board.tables[1].values)
    handed = journey.admitted.case.returnee.handover.handed_over_at
    received = journey.request.received_on
    assert (
        steps["Return request to handover at the border"][1]
        == f"{(timezone.localtime(handed).date() - received).days:.1f}"
    )


def test_the_pipeline_hides_medians_of_too_few_cases_from_national_viewers(personas):
    build_journey(personas)
    scope = _scope(personas.rita)
    board = dashboards.pipeline(scope, Filters())
    assert all(cells[1] == "—" for _label, cells in board.tables[1].values)


def test_flows_never_draw_a_hidden_or_small_cell(personas, open_case):
    from homeward.research.tests.helpers import population

    population(personas, count=80)
    scope = _scope(personas.rita)
    board = dashboards.flows(scope, Filters())
    table = board.tables[0]
    shown = {
        (label, table.columns[j]): c.value
        for label, cells in table.rows
        for j, c in enumerate(cells[:-1])
        if c.shown
    }
    assert table.suppressed
    for link in table.chart["links"]:
        assert shown[(link["source"], link["target"])] == link["value"]


def test_scope_follows_the_viewer(personas):
    assert dashboards.scope_for(personas.olga, Filters()) is None  # organisation admin: no case capability
    assert dashboards.scope_for(personas.tina, Filters()) is None
    national = _scope(personas.rita)
    own = _scope(personas.alice)
    assert national.national and not national.exact
    assert own.exact and not own.national and own.own == [personas.org_a.id]


def test_csv_never_starts_a_cell_with_a_formula():
    from homeward.research import tables

    table = tables.counts(
        "t", "T", "=HYPERLINK(1)", ["+cmd", "@x"], ["-a", "b"], [[10, 20], [30, 40]], exact=True
    )
    rows = table.csv().splitlines()
    assert rows[0].startswith("'=HYPERLINK(1),'-a,b")
    assert rows[1].startswith("'+cmd,") and rows[2].startswith("'@x,")
