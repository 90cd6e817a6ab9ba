"""Dashboard arithmetic: day differences the same on both databases, medians from histograms, the pipeline's
steps, and flows that never draw a hidden cell."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from homeward.cases.models import Case
from homeward.research import dashboards
from homeward.research.dashboards import Filters, median_from_histogram
from homeward.returns.tests.journey import build as build_journey

pytestmark = pytest.mark.django_db


def _scope(user):
    from homeward.research.facts import bring_up_to_date

    bring_up_to_date()  # as the views do before drawing
    scope = dashboards.scope_for(user, dashboards.Filters())
    assert scope is not None
    return scope


def test_times_count_on_the_local_day_not_the_utc_day():
    from homeward.research.facts import local_day

    # 20:30 UTC on 1 March is 03:30 on 2 March in Vientiane.
    assert local_day(dt.datetime(2024, 3, 1, 20, 30, tzinfo=dt.UTC)) == dt.date(2024, 3, 2)
    assert local_day(None) is None


def test_figures_follow_changes_made_through_the_services(personas, open_case, as_user):
    from homeward.cases.services import case_set_status
    from homeward.research.facts import bring_up_to_date
    from homeward.research.models import CaseFact, StaleCase

    case = open_case()
    assert StaleCase.objects.filter(case_id=case.id).exists()  # marked by the save, in its transaction
    bring_up_to_date()
    assert not StaleCase.objects.exists()
    fact = CaseFact.objects.get(case_id=case.id)
    assert fact.status == "Active" and fact.sex == "F" and fact.closed_on is None
    case_set_status(actor=personas.sam, case=case, to_status="Closed", closure_reason="hw_SupportCompleted")
    bring_up_to_date()
    fact = CaseFact.objects.get(case_id=case.id)
    assert fact.status == "Closed" and fact.closure_reason == "hw_SupportCompleted" and fact.closed_on


def test_cases_created_in_bulk_are_found_and_bulk_updates_need_a_refresh(personas):
    from django.core.management import call_command

    from homeward.research.facts import bring_up_to_date
    from homeward.research.models import CaseFact
    from homeward.research.tests.helpers import population

    population(personas, count=30)
    assert bring_up_to_date() == 30  # no signal from bulk_create: found by the anti-join
    assert CaseFact.objects.count() == 30
    Case.objects.update(opened_on=dt.date(2019, 1, 1))  # no signal either: figures are stale...
    assert not CaseFact.objects.filter(opened_year=2019).exists()
    call_command("research-refresh", stdout=__import__("io").StringIO())  # ...until the refresh command
    assert CaseFact.objects.filter(opened_year=2019).count() == 30


def test_cases_without_figures_below_the_highest_case_with_figures_are_found(personas):
    """A bulk load that commits after a later case's figures were computed leaves cases without figures below the
    highest case with figures: the counts notice and the anti-join finds them; an interrupted rebuild (figures for
    the first cases only) is finished by the next request."""
    from homeward.research.facts import bring_up_to_date
    from homeward.research.models import CaseFact
    from homeward.research.tests.helpers import population

    population(personas, count=12)
    assert bring_up_to_date() == 12
    ids = sorted(CaseFact.objects.values_list("case_id", flat=True))
    CaseFact.objects.filter(case_id__in=ids[2:5]).delete()  # below the highest case with figures
    assert bring_up_to_date() == 3
    assert sorted(CaseFact.objects.values_list("case_id", flat=True)) == ids
    CaseFact.objects.filter(case_id__in=ids[6:]).delete()  # as a rebuild interrupted half-way leaves it
    assert bring_up_to_date() == 6
    assert CaseFact.objects.count() == 12
    assert bring_up_to_date() == 0


def test_the_pipeline_days_use_local_days(personas):
    from homeward.research.facts import bring_up_to_date
    from homeward.research.models import CaseFact

    journey = build_journey(personas)
    bring_up_to_date()
    case = journey.admitted.case
    fact = CaseFact.objects.get(case_id=case.id)
    handed = timezone.localtime(case.returnee.handover.handed_over_at).date()
    assert fact.m_return == handed
    assert fact.d_request_return == (handed - journey.request.received_on).days
    assert fact.cohort == handed.year


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


def test_outcome_means_by_cohort_months_and_province(personas, open_case):
    from homeward.research.models import CaseFact, OutcomeFact

    case = open_case()
    scope = _scope(personas.sam)
    fact = CaseFact.objects.get(case_id=case.id)
    for composite, economic in ((0.2, None), (0.4, 0.5), (0.9, 0.7)):
        OutcomeFact.objects.create(
            case_fact=fact,
            cohort=fact.cohort,
            province="LA13",
            months=6,
            composite=composite,
            economic=economic,
        )
    board = dashboards.outcomes(scope, Filters())
    rows = dict(board.tables[0].values)
    label = next(k for k in rows if k.startswith(str(fact.cohort)))
    shown_n, shown_economic, _social, _psychosocial, shown_composite = rows[label]
    assert (shown_n, shown_economic, shown_composite) == (
        "3",
        "0.60",
        "0.50",
    )  # economic: the mean of the two answered
    savannakhet = next(d for d in board.maps[0]["data"] if d["code"] == "LA13")
    assert savannakhet["value"] == pytest.approx(0.5)
    # A national viewer sees neither mean: three surveys are fewer than five.
    national = dashboards.outcomes(_scope(personas.rita), Filters())
    assert dict(national.tables[0].values)[label][4] == "—"
