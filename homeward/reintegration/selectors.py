"""Reads after return that depend on who asks: the work queue, overdue visits, a case's plan, services,
visits and scores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone

from homeward.accounts.capabilities import Cap
from homeward.accounts.policy import can, orgs_with
from homeward.cases.models import CLOSED_STATUSES, Case
from homeward.reintegration.models import (
    ClosureRequest,
    FollowUpVisit,
    GrantInstalment,
    ReintegrationPlan,
    ServiceDelivered,
    SurveyResponse,
)
from homeward.reintegration.picklists import ClosureRequestStatus, PlanStatus, VisitStatus

SOON = dt.timedelta(days=14)
OPEN = ["Active", "FollowUp"]


def _get(qs: QuerySet, code: Any) -> Any:
    try:
        return qs.get(code=code)
    except (qs.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def _visible(user: Any) -> list[int]:
    return orgs_with(user, Cap.CASE_VIEW)


def get_plan_for(user: Any, code: Any) -> ReintegrationPlan:
    return _get(
        ReintegrationPlan.objects.filter(case__owner_org_id__in=_visible(user)).select_related("case"), code
    )


def get_visit_for(user: Any, code: Any) -> FollowUpVisit:
    return _get(
        FollowUpVisit.objects.filter(case__owner_org_id__in=_visible(user)).select_related(
            "case__person", "case__owner_org"
        ),
        code,
    )


def get_instalment_for(user: Any, code: Any) -> GrantInstalment:
    return _get(
        GrantInstalment.objects.filter(service__case__owner_org_id__in=_visible(user)).select_related(
            "service__case"
        ),
        code,
    )


def get_closure_for(user: Any, code: Any) -> ClosureRequest:
    return _get(
        ClosureRequest.objects.filter(case__owner_org_id__in=_visible(user)).select_related(
            "case__person", "requested_by"
        ),
        code,
    )


# ---- the case page ----------------------------------------------------------------------------------------
@dataclass
class Reintegration:
    plan: ReintegrationPlan | None  # in force
    revision: ReintegrationPlan | None  # draft or waiting for approval
    history: list[ReintegrationPlan]
    plan_due: dt.date
    needs: Any
    services: list[ServiceDelivered]
    totals: list[dict[str, Any]]  # per type and currency
    visits: list[FollowUpVisit]
    scores: list[SurveyResponse]
    closure: ClosureRequest | None

    @property
    def plan_overdue(self) -> bool:
        return self.plan is None and self.plan_due < timezone.localdate()


def reintegration_of(case: Case) -> Reintegration:
    """Everything after return for one case, in a fixed number of queries whatever its size."""
    from homeward.reintegration.services import plan_due_on

    plans = list(case.plans.select_related("created_by", "approved_by").order_by("-version"))
    services = list(
        case.services_delivered.select_related("provider_org", "recorded_by").prefetch_related("instalments")
    )
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for service in services:
        if service.cost is None:
            continue
        key = (service.type, service.currency)
        row = totals.setdefault(
            key, {"type": service.type, "currency": service.currency, "total": Decimal(0), "count": 0}
        )
        row["total"] += service.cost
        row["count"] += 1
    visits = list(case.visits.select_related("recorded_by", "survey__config").order_by("due_on", "id"))
    scores = [v.survey for v in visits if v.status == VisitStatus.DONE and hasattr(v, "survey")]
    scores.sort(key=lambda r: (r.visit.visited_on, r.visit_id))
    return Reintegration(
        plan=next((p for p in plans if p.status == PlanStatus.APPROVED), None),
        revision=next((p for p in plans if p.status in (PlanStatus.DRAFT, PlanStatus.SUBMITTED)), None),
        history=[p for p in plans if p.status == PlanStatus.SUPERSEDED],
        plan_due=plan_due_on(case),
        needs=case.needs_assessments.prefetch_related("ratings").select_related("assessed_by").first(),
        services=services,
        totals=sorted(totals.values(), key=lambda r: (r["type"], r["currency"])),
        visits=visits,
        scores=scores,
        closure=next(iter(case.closure_requests.filter(status=ClosureRequestStatus.PENDING)), None),
    )


# ---- the work queue ---------------------------------------------------------------------------------------
@dataclass
class WorkQueue:
    plans_due: list[Case]
    visits_overdue: list[FollowUpVisit]
    visits_soon: list[FollowUpVisit]
    plans_waiting: list[ReintegrationPlan]
    closures_waiting: list[ClosureRequest]

    @property
    def count(self) -> int:
        return (
            len(self.plans_due)
            + len(self.visits_overdue)
            + len(self.visits_soon)
            + len(self.plans_waiting)
            + len(self.closures_waiting)
        )


def _cases_without_plan(user: Any) -> QuerySet[Case]:
    """The user's open cases with no plan in force, each with ``returned_on``: the day of the border handover,
    or the day the case opened (the same rule as ``services.return_date``, in one query)."""
    from homeward.returns.models import Handover

    handover = Handover.objects.filter(returnee__case=OuterRef("pk")).values("handed_over_at")[:1]
    return (
        Case.objects.filter(caseworker=user, owner_org_id__in=_visible(user), status__in=OPEN)
        .exclude(plans__status=PlanStatus.APPROVED)
        .annotate(returned_on=Coalesce(TruncDate(Subquery(handover)), F("opened_on")))
    )


def work_queue(user: Any, limit: int = 50) -> WorkQueue:
    """The caseworker's own cases needing a plan or a visit, and, for supervisors, what waits for approval.
    A plan is due a month after return; cases whose return is not recorded count from the day they opened.
    Every list is newest first."""
    from django.conf import settings

    today = timezone.localdate()
    due_days = dt.timedelta(days=settings.PLAN_DUE_DAYS)
    without_plan = list(
        _cases_without_plan(user).select_related("person").order_by("-returned_on", "-id")[:limit]
    )
    for case in without_plan:
        case.plan_due = case.returned_on + due_days  # type: ignore[attr-defined]
    visits = FollowUpVisit.objects.filter(
        case__caseworker=user,
        case__owner_org_id__in=_visible(user),
        case__status__in=OPEN,
        status=VisitStatus.DUE,
    ).select_related("case__person")
    approver_orgs = orgs_with(user, Cap.PLAN_APPROVE)
    return WorkQueue(
        plans_due=without_plan,
        visits_overdue=list(visits.filter(due_on__lt=today).order_by("-due_on")[:limit]),
        visits_soon=list(
            visits.filter(due_on__gte=today, due_on__lte=today + SOON).order_by("due_on")[:limit]
        ),
        plans_waiting=list(
            ReintegrationPlan.objects.filter(
                case__owner_org_id__in=approver_orgs, status=PlanStatus.SUBMITTED
            )
            .select_related("case__person", "submitted_by")
            .order_by("-submitted_at")[:limit]
        ),
        closures_waiting=list(
            ClosureRequest.objects.filter(
                case__owner_org_id__in=approver_orgs, status=ClosureRequestStatus.PENDING
            )
            .select_related("case__person", "requested_by")
            .order_by("-requested_at")[:limit]
        ),
    )


def queue_count(user: Any) -> int:
    """For the menu: overdue visits, plans and family tracing, and approvals waiting. A few counting queries."""
    if not can(user, Cap.CASE_VIEW):
        return 0
    from django.conf import settings

    today = timezone.localdate()
    overdue_visits = FollowUpVisit.objects.filter(
        case__caseworker=user, case__status__in=OPEN, status=VisitStatus.DUE, due_on__lt=today
    ).count()
    overdue_plans = (
        _cases_without_plan(user)
        .filter(returned_on__lt=today - dt.timedelta(days=settings.PLAN_DUE_DAYS))
        .count()
    )
    approver_orgs = orgs_with(user, Cap.PLAN_APPROVE)
    waiting = 0
    if approver_orgs:
        waiting = (
            ReintegrationPlan.objects.filter(
                case__owner_org_id__in=approver_orgs, status=PlanStatus.SUBMITTED
            ).count()
            + ClosureRequest.objects.filter(
                case__owner_org_id__in=approver_orgs, status=ClosureRequestStatus.PENDING
            ).count()
        )
    from homeward.returns.models import Tracing
    from homeward.returns.picklists import TracingStatus

    late_tracing = (
        Tracing.objects.filter(status=TracingStatus.OPEN, due_on__lt=today)
        .filter(
            Q(assigned_org_id__in=orgs_with(user, Cap.TRACING_RECORD))
            | Q(returnee__request__owner_org_id__in=orgs_with(user, Cap.RETURN_MANAGE))
        )
        .count()
    )
    return overdue_visits + overdue_plans + waiting + late_tracing


def overdue_visits_by_province(user: Any) -> tuple[list[dict[str, Any]], QuerySet[FollowUpVisit]]:
    """Overdue visits of the cases the user's organisations hold, counted by the person's home province."""
    today = timezone.localdate()
    overdue = FollowUpVisit.objects.filter(
        case__owner_org_id__in=_visible(user), case__status__in=OPEN, status=VisitStatus.DUE, due_on__lt=today
    )
    counts = list(
        overdue.values("case__person__province__code", "case__person__province__name_en")
        .annotate(n=Count("id"))
        .order_by("-n", "case__person__province__code")
    )
    return counts, overdue.select_related("case__person__province", "case__caseworker").order_by("due_on")


def earlier_cases(case: Case) -> QuerySet[Case]:
    return (
        Case.objects.filter(
            person_id=case.person_id, owner_org_id=case.owner_org_id, status__in=list(CLOSED_STATUSES)
        )
        .filter(Q(opened_on__lte=case.opened_on))
        .exclude(pk=case.pk)
    )
