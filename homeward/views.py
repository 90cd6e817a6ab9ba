from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from homeward.accounts.capabilities import Cap
from homeward.accounts.policy import can, orgs_with
from homeward.cases.models import Case
from homeward.cases.picklists import CaseStatus
from homeward.cases.selectors import cases_visible_to
from homeward.forms import client_ip


def index(request: HttpRequest) -> HttpResponse:
    return redirect("home" if request.user.is_authenticated else "accounts:login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context: dict = {"today": timezone.localdate()}
    if can(request.user, Cap.CASE_VIEW):
        visible = cases_visible_to(request.user)
        mine = (
            visible.filter(caseworker=request.user, status__in=[CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP])
            .select_related("person", "person__province")
            .order_by("updated_at")[:20]
        )
        context["my_cases"] = list(mine)
        context["counts"] = visible.aggregate(
            active=Count("id", filter=Q(status=CaseStatus.ACTIVE)),
            follow_up=Count("id", filter=Q(status=CaseStatus.FOLLOW_UP)),
            closed=Count("id", filter=Q(status__in=[CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED])),
            unassigned=Count(
                "id", filter=Q(caseworker__isnull=True, status__in=[CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP])
            ),
        )
        if context["my_cases"]:
            from homeward.cases.services import cases_record_list

            cases_record_list(
                actor=request.user,
                cases=context["my_cases"],
                searched=False,
                ip=client_ip(request),
            )
    _returns_queue(request, context)
    if can(request.user, Cap.STATS_NATIONAL):
        # No totals are shown, so hiding the small counts is enough (research/suppression.py for tables).
        small = settings.SMALL_CELL_THRESHOLD
        rows = Case.objects.values("status").annotate(n=Count("id")).order_by("status")
        figures = {row["status"]: row["n"] for row in rows}
        context["national"] = [
            (CaseStatus(status).label, figures.get(status, 0), 0 < figures.get(status, 0) < small)
            for status in CaseStatus.values
        ]
        context["small_cell"] = small
    return render(request, "home.html", context)


def _returns_queue(request: HttpRequest, context: dict) -> None:
    """Family tracing owed by or to the user's organisations, and the transit centres they run."""
    from homeward.cases.services import cases_record_list
    from homeward.returns import selectors as returns

    today = timezone.localdate()
    shown = []
    if can(request.user, Cap.TRACING_RECORD):
        queue = returns.tracing_queue(request.user)
        context["tracing_queue"] = list(queue[:10])
        context["tracing_queue_count"] = queue.count()
        context["tracing_queue_overdue"] = queue.filter(due_on__lt=today).count()
        shown += [t.returnee.case for t in context["tracing_queue"]]
    if can(request.user, Cap.RETURN_MANAGE):
        awaited = returns.tracing_awaited(request.user).filter(due_on__lt=today)
        context["tracing_overdue"] = list(awaited[:10])
        context["tracing_overdue_count"] = awaited.count()
        context["returns_open"] = returns.returns_in_progress(request.user).count()
        shown += [t.returnee.case for t in context["tracing_overdue"]]
    if can(request.user, Cap.TRANSIT_OPERATE):
        context["boards"] = [
            returns.occupancy(f, today, days=1)
            for f in returns.facilities_visible_to(request.user).filter(
                is_active=True, organisation_id__in=orgs_with(request.user, Cap.TRANSIT_OPERATE)
            )
        ]
    if shown:
        cases_record_list(actor=request.user, cases=shown, searched=False, ip=client_ip(request))


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
