"""Plans and approval, schedule, services, visits and scores, closure: each rule and who may do it."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from homeward.cases.models import Case
from homeward.cases.picklists import CaseStatus
from homeward.cases.services import PermissionDenied404, case_set_status
from homeward.lib.dates import add_months
from homeward.reintegration import selectors, services
from homeward.reintegration.models import (
    ClosureRequest,
    FollowUpVisit,
    NeedRating,
    NeedsAssessment,
    ReintegrationPlan,
    ScoreConfig,
    ServiceDelivered,
    SurveyResponse,
)
from homeward.reintegration.picklists import NeedArea, PlanStatus
from homeward.reintegration.tests import helpers as h

TODAY = timezone.localdate


@pytest.fixture
def case(personas, open_case):
    case = open_case()
    Case.objects.filter(pk=case.pk).update(opened_on=TODAY() - dt.timedelta(days=400))
    case.refresh_from_db()
    return case


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert add_months(dt.date(2026, 6, 30), 12) == dt.date(2027, 6, 30)


def test_needs_are_rated_for_every_area(personas, case):
    ratings = [NeedRating(area=a, level="some", scopes=["family"]) for a in NeedArea.values]
    with pytest.raises(ValidationError):
        services.needs_assessment_save(
            actor=personas.alice,
            case=case,
            assessment=NeedsAssessment(assessed_on=TODAY()),
            ratings=ratings[:-1],
        )
    assert not NeedsAssessment.objects.exists()
    services.needs_assessment_save(
        actor=personas.alice,
        case=case,
        assessment=NeedsAssessment(assessed_on=TODAY(), goals="Sew"),
        ratings=ratings,
    )
    assert NeedsAssessment.objects.get().ratings.count() == len(NeedArea.values)


def test_a_plan_without_objectives_or_types_is_refused(personas, case):
    for fields in (
        {"objectives": "  "},
        {"types": []},
        {"planned_end": case.opened_on - dt.timedelta(days=1)},
    ):
        with pytest.raises(ValidationError):
            h.plan(personas, case, **fields)
    assert not ReintegrationPlan.objects.exists()


def test_approval_by_a_supervisor_schedules_the_visits_after_return(personas, case):
    draft = h.plan(personas, case)
    services.plan_submit(actor=personas.alice, plan=draft)
    for persona in (personas.alice, personas.tina, personas.bob, personas.dora):
        with pytest.raises(PermissionDenied404):
            services.plan_decide(actor=persona, plan=draft, approve=True)
    with pytest.raises(ValidationError):
        services.plan_decide(actor=personas.sam, plan=draft, approve=False)  # sending back needs a note
    services.plan_decide(actor=personas.sam, plan=draft, approve=False, note="Add the school fees")
    assert ReintegrationPlan.objects.get().status == PlanStatus.DRAFT
    assert not FollowUpVisit.objects.exists()
    services.plan_submit(actor=personas.alice, plan=draft)
    services.plan_decide(actor=personas.sam, plan=draft, approve=True)
    visits = list(FollowUpVisit.objects.filter(case=case).order_by("due_on"))
    assert [(v.months_after_return, v.due_on) for v in visits] == [
        (m, add_months(case.opened_on, m)) for m in (1, 3, 6, 12)
    ]


def test_a_revision_keeps_the_history_and_the_visits(personas, case):
    first = h.approved_plan(personas, case)
    revision = services.plan_revision_start(actor=personas.alice, plan=first)
    assert revision.version == 2 and revision.status == PlanStatus.DRAFT
    with pytest.raises(ValidationError):
        services.plan_revision_start(actor=personas.alice, plan=first)  # one revision at a time
    first.refresh_from_db()
    first.objectives = "changed"
    with pytest.raises(ValidationError):
        services.plan_save(actor=personas.alice, case=case, plan=first)  # the approved plan is never edited
    services.plan_submit(actor=personas.alice, plan=revision)
    services.plan_decide(actor=personas.sam, plan=revision, approve=True)
    statuses = dict(ReintegrationPlan.objects.values_list("version", "status"))
    assert statuses == {1: PlanStatus.SUPERSEDED, 2: PlanStatus.APPROVED}
    assert FollowUpVisit.objects.filter(case=case).count() == 4


def test_services_with_costs_and_grants(personas, case):
    kwargs = dict(type="Livelihood", provider_name="Shop (synthetic)", delivered_on=TODAY())
    with pytest.raises(ValidationError, match="currency"):
        services.service_record(
            actor=personas.alice,
            case=case,
            service=ServiceDelivered(cost=Decimal(100), currency="EUR", **kwargs),
        )
    with pytest.raises(ValidationError, match="add up"):
        services.service_record(
            actor=personas.alice,
            case=case,
            service=ServiceDelivered(cost=Decimal(1000), currency="LAK", grant_purpose="business", **kwargs),
            instalments=[services.Instalment(TODAY(), Decimal(400))],
        )
    assert not ServiceDelivered.objects.exists()
    grant = services.service_record(
        actor=personas.alice,
        case=case,
        service=ServiceDelivered(cost=Decimal(1000), currency="LAK", grant_purpose="business", **kwargs),
        instalments=[
            services.Instalment(TODAY(), Decimal(400), TODAY()),
            services.Instalment(TODAY(), Decimal(600)),
        ],
    )
    services.service_record(
        actor=personas.alice, case=case, service=ServiceDelivered(cost=Decimal(50), currency="THB", **kwargs)
    )
    unpaid = grant.instalments.get(paid_on__isnull=True)
    services.instalment_paid(actor=personas.alice, instalment=unpaid, paid_on=TODAY())
    with pytest.raises(ValidationError):
        services.instalment_paid(actor=personas.alice, instalment=unpaid, paid_on=TODAY())
    totals = {(r["type"], r["currency"]): r["total"] for r in selectors.reintegration_of(case).totals}
    assert totals == {("Livelihood", "LAK"): Decimal(1000), ("Livelihood", "THB"): Decimal(50)}
    with pytest.raises(PermissionDenied404):
        services.service_record(actor=personas.bob, case=case, service=ServiceDelivered(**kwargs))


def test_visits_are_scored_under_the_configuration_in_use_and_keep_its_version(personas, case, score_config):
    h.approved_plan(personas, case)
    first, second, third, _fourth = FollowUpVisit.objects.filter(case=case).order_by("due_on")
    with pytest.raises(ValidationError, match="before the return"):
        h.record(personas, first, {}, on=case.opened_on - dt.timedelta(days=1))
    bad = dict(h.answers(score_config), econ_work="a_million_kip")
    with pytest.raises(ValidationError, match="outside its scale"):
        h.record(personas, first, bad, on=first.due_on)
    assert not SurveyResponse.objects.exists() and FollowUpVisit.objects.get(pk=first.pk).status == "due"

    h.record(personas, first, h.answers(score_config, "best"), on=first.due_on)
    best = SurveyResponse.objects.get(visit=first)
    assert (best.economic, best.social, best.psychosocial, best.composite) == (
        Decimal(1),
        Decimal(1),
        Decimal(1),
        Decimal(1),
    )
    assert not best.dropped

    # A new version that weighs the economic dimension double and counts food security as 0.5 at best.
    data = services.config_as_data(score_config)
    data["weights"]["economic"] = "2"
    for item in data["indicators"]:
        if item["code"] == "econ_food":
            item["options"][0]["score"] = "0.5"
    version_2 = services.config_load(data=data, actor=personas.nora, activate=True)
    h.record(personas, second, h.answers(score_config, "worst"), on=second.due_on)
    worst = SurveyResponse.objects.get(visit=second)
    assert worst.config == version_2 and worst.composite == Decimal(0) and worst.dropped
    best.refresh_from_db()
    assert best.config == score_config and best.composite == Decimal(1)  # never silently rewritten

    answers = {
        code: option for code, option in h.answers(version_2, "best").items() if code.startswith("econ_")
    }
    answers["econ_food"] = "never"  # scored 0.5 in version 2 (1 in version 1)
    h.record(personas, third, answers, on=third.due_on)
    third_scores = SurveyResponse.objects.get(visit=third)
    # economic: four answers at 1 and food security at 0.5 -> 4.5 / 5 = 0.9; no social or psychosocial answer
    assert third_scores.economic == Decimal("0.9000") and third_scores.social is None
    assert third_scores.composite == Decimal("0.9000")


def test_a_configuration_with_a_score_outside_the_scale_is_refused_whole(personas, score_config):
    data = json.loads(json.dumps(services.config_as_data(score_config)))
    data["indicators"][3]["options"][0]["score"] = "1.5"
    with pytest.raises(ValidationError, match="outside the scale"):
        services.config_load(data=data, actor=personas.nora)
    with pytest.raises(PermissionDenied404):
        services.config_load(data=services.config_as_data(score_config), actor=personas.alice)
    assert ScoreConfig.objects.count() == 1


def test_closure_needs_a_supervisor(personas, case):
    request = services.closure_request(
        actor=personas.alice, case=case, reason="hw_Stigma", details="Left the village"
    )
    with pytest.raises(ValidationError):
        services.closure_request(actor=personas.alice, case=case, reason="hw_Stigma")  # one at a time
    with pytest.raises(PermissionDenied404):
        services.closure_decide(actor=personas.alice, request=request, approve=True)
    services.closure_decide(actor=personas.sam, request=request, approve=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closure_reason == "hw_Stigma"
    assert ClosureRequest.objects.get().status == "approved"


def test_a_referred_closure_is_closed_referred_and_a_refusal_keeps_it_open(personas, case, open_case):
    refused = services.closure_request(actor=personas.alice, case=case, reason="hw_Referred", referred=True)
    with pytest.raises(ValidationError):
        services.closure_decide(actor=personas.sam, request=refused, approve=False)
    services.closure_decide(actor=personas.sam, request=refused, approve=False, note="Visit once more first")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACTIVE
    request = services.closure_request(actor=personas.alice, case=case, reason="hw_Referred", referred=True)
    services.closure_decide(actor=personas.sam, request=request, approve=True)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED_REFERRED


def test_a_new_case_is_linked_to_the_earlier_one_as_re_trafficking(personas, case):
    case = case_set_status(actor=personas.sam, case=case, to_status="Closed", closure_reason="hw_ReMigrated")
    from homeward.cases.services import case_open

    later = case_open(actor=personas.alice, organisation=personas.org_a, person=case.person)
    with pytest.raises(ValidationError):
        services.case_link_earlier(actor=personas.alice, case=later, earlier=case, reason="nonsense")
    services.case_link_earlier(actor=personas.alice, case=later, earlier=case, reason="hw_ReTrafficked")
    later.refresh_from_db()
    assert later.follows == case and later.follows_reason == "hw_ReTrafficked"
    with pytest.raises(PermissionDenied404):
        services.case_link_earlier(actor=personas.alice, case=later, earlier=later, reason="Other")


def test_the_work_queue_and_overdue_visits(personas, case, open_case):
    fresh = open_case()
    Case.objects.filter(pk=fresh.pk).update(opened_on=TODAY() - dt.timedelta(days=60))  # its plan is overdue
    queue = selectors.work_queue(personas.alice)
    assert {c.pk for c in queue.plans_due} == {case.pk, fresh.pk}
    h.approved_plan(personas, case)
    queue = selectors.work_queue(personas.alice)
    assert [c.pk for c in queue.plans_due] == [fresh.pk]
    assert len(queue.visits_overdue) == 4  # the case opened 400 days ago: every visit is past due
    submitted = h.plan(personas, fresh)
    services.plan_submit(actor=personas.alice, plan=submitted)
    assert [p.pk for p in selectors.work_queue(personas.sam).plans_waiting] == [submitted.pk]
    assert selectors.work_queue(personas.alice).plans_waiting == []
    assert selectors.queue_count(personas.alice) == 4 + 1  # overdue visits + the overdue plan
    assert selectors.queue_count(personas.sam) == 1  # the plan waiting for approval
    counts, _rows = selectors.overdue_visits_by_province(personas.alice)
    assert sum(c["n"] for c in counts) == 4
    assert selectors.overdue_visits_by_province(personas.bob)[0] == []


def test_a_returnees_plan_is_due_a_month_after_the_handover(personas):
    from homeward.returns.tests import journey as j

    returnee = j.add_returnee(personas, j.new_request(personas, received_days_ago=60))
    j.hand_over(personas, [returnee], at=timezone.now() - dt.timedelta(days=10))
    queue = selectors.work_queue(personas.alice)
    (due,) = [c for c in queue.plans_due if c.pk == returnee.case_id]
    assert due.plan_due == TODAY() + dt.timedelta(days=20) == services.plan_due_on(returnee.case)
    assert (
        selectors.queue_count(personas.alice) == 0
    )  # opened 60 days ago, but home only 10 days: not overdue
