"""Pages after return: needs, plan and approval, services, visits with the survey, closure, the work queue,
and the score configuration."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from homeward.accounts.capabilities import Cap
from homeward.accounts.policy import can
from homeward.cases.selectors import get_case_for
from homeward.cases.services import PermissionDenied404, case_record_view, cases_record_list
from homeward.forms import client_ip
from homeward.reintegration import forms, selectors, services
from homeward.reintegration.models import NeedRating, ReintegrationPlan, ScoreConfig
from homeward.reintegration.picklists import NeedArea, PlanStatus, VisitStatus
from homeward.returns.views import _apply_errors, form_page


def _ip(request: HttpRequest) -> str | None:
    return client_ip(request)


def _case_url(case: Any) -> str:
    return reverse("cases:detail", args=[case.code]) + "#after-return"


def _messages_from(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# ---- needs ------------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def needs(request: HttpRequest, code: str) -> HttpResponse:
    case = get_case_for(request.user, code, Cap.CASE_EDIT)
    post = request.POST if request.method == "POST" else None
    form = forms.NeedsForm(post)
    ratings = [forms.NeedRatingForm(post, area=area) for area in NeedArea.values]
    if post is not None and form.is_valid() & all([r.is_valid() for r in ratings]):
        try:
            services.needs_assessment_save(
                actor=request.user,
                case=case,
                assessment=form.save(commit=False),
                ratings=[
                    NeedRating(
                        area=r.area,
                        level=r.cleaned_data["level"],
                        scopes=list(r.cleaned_data["scopes"]),
                        notes=r.cleaned_data["notes"],
                    )
                    for r in ratings
                ],
                ip=_ip(request),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The needs assessment has been saved."))
            return redirect(_case_url(case))
    return render(request, "reintegration/needs_form.html", {"case": case, "form": form, "ratings": ratings})


# ---- plan -------------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Write the plan, or change the draft of a revision."""
    case = get_case_for(request.user, code, Cap.CASE_EDIT)
    draft = ReintegrationPlan.objects.filter(case=case, status=PlanStatus.DRAFT).first()
    if (
        draft is None
        and ReintegrationPlan.objects.filter(case=case).exclude(status=PlanStatus.SUPERSEDED).exists()
    ):
        messages.error(request, _("Revise the approved plan, or wait for the decision on the one sent."))
        return redirect(_case_url(case))
    case_record_view(actor=request.user, case=case, fields=["plan"], ip=_ip(request))
    due = services.plan_due_on(case)
    return form_page(
        request,
        forms.PlanForm(request.POST or None, instance=draft),
        lambda form: services.plan_save(
            actor=request.user, case=case, plan=form.save(commit=False), ip=_ip(request)
        ),
        success=_("The plan has been saved as a draft. Send it for approval when it is ready."),
        done_url=_case_url(case),
        title=_("Reintegration plan"),
        intro=_(
            "Agree the plan with the person. It is due by %(date)s, a month after return, and comes into force when a supervisor approves it."
        )
        % {"date": due.strftime("%d/%m/%Y")},
        back=("cases:detail", case.code),
        back_label=case.reference,
    )


@login_required
@require_POST
def plan_submit(request: HttpRequest, code: str) -> HttpResponse:
    plan = selectors.get_plan_for(request.user, code)
    try:
        services.plan_submit(actor=request.user, plan=plan, ip=_ip(request))
    except PermissionDenied404:
        raise Http404 from None
    except ValidationError as exc:
        _messages_from(request, exc)
    else:
        messages.success(request, _("The plan has been sent to a supervisor for approval."))
    return redirect(_case_url(plan.case))


@login_required
@require_POST
def plan_revise(request: HttpRequest, code: str) -> HttpResponse:
    plan = selectors.get_plan_for(request.user, code)
    try:
        services.plan_revision_start(actor=request.user, plan=plan, ip=_ip(request))
    except PermissionDenied404:
        raise Http404 from None
    except ValidationError as exc:
        _messages_from(request, exc)
        return redirect(_case_url(plan.case))
    return redirect("reintegration:plan_edit", code=plan.case.code)


def _decision(
    request: HttpRequest,
    case: Any,
    decide: Any,
    *,
    approved: str,
    refused: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """A supervisor's decision page: approve, or refuse with a note (the service says when a note is needed)."""
    if not can(request.user, Cap.PLAN_APPROVE, case.owner_org_id):
        raise Http404
    form = forms.DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = "approve" in request.POST
        try:
            decide(approve, form.cleaned_data["note"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, approved if approve else refused)
            return redirect(_case_url(case))
    return render(request, template, {**context, "case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def plan_decide(request: HttpRequest, code: str) -> HttpResponse:
    plan = selectors.get_plan_for(request.user, code)
    if request.method == "GET" and can(request.user, Cap.PLAN_APPROVE, plan.case.owner_org_id):
        case_record_view(actor=request.user, case=plan.case, fields=["plan"], ip=_ip(request))
    return _decision(
        request,
        plan.case,
        lambda approve, note: services.plan_decide(
            actor=request.user, plan=plan, approve=approve, note=note, ip=_ip(request)
        ),
        approved=_("The plan has been approved; the follow-up visits are scheduled."),
        refused=_("The plan has been sent back with your note."),
        template="reintegration/plan_decide.html",
        context={
            "plan": plan,
            "current": ReintegrationPlan.objects.filter(case=plan.case, status=PlanStatus.APPROVED).first(),
        },
    )


# ---- services ---------------------------------------------------------------------------------------------
INSTALMENT_ROWS = 4


@login_required
@require_http_methods(["GET", "POST"])
def service_add(request: HttpRequest, code: str) -> HttpResponse:
    case = get_case_for(request.user, code, Cap.CASE_EDIT)
    post = request.POST if request.method == "POST" else None
    form = forms.ServiceForm(post)
    instalments = [forms.InstalmentForm(post, prefix=f"i{n}") for n in range(INSTALMENT_ROWS)]
    if post is not None and form.is_valid() & all([i.is_valid() for i in instalments]):
        try:
            services.service_record(
                actor=request.user,
                case=case,
                service=form.save(commit=False),
                instalments=[
                    services.Instalment(
                        i.cleaned_data["due_on"], i.cleaned_data["amount"], i.cleaned_data["paid_on"]
                    )
                    for i in instalments
                    if i.cleaned_data.get("due_on")
                ],
                ip=_ip(request),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The service has been recorded."))
            return redirect(_case_url(case))
    return render(
        request, "reintegration/service_form.html", {"case": case, "form": form, "instalments": instalments}
    )


@login_required
@require_POST
def instalment_paid(request: HttpRequest, code: str) -> HttpResponse:
    instalment = selectors.get_instalment_for(request.user, code)
    form = forms.PaidForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(list(form.errors.get("paid_on", [_("Give the date it was paid.")])))
        services.instalment_paid(
            actor=request.user, instalment=instalment, paid_on=form.cleaned_data["paid_on"], ip=_ip(request)
        )
    except PermissionDenied404:
        raise Http404 from None
    except ValidationError as exc:
        _messages_from(request, exc)
    else:
        messages.success(request, _("The instalment has been marked as paid."))
    return redirect(_case_url(instalment.service.case))


# ---- visits -----------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def visit_add(request: HttpRequest, code: str) -> HttpResponse:
    case = get_case_for(request.user, code, Cap.CASE_EDIT)
    return form_page(
        request,
        forms.VisitAddForm(request.POST or None),
        lambda form: services.visit_add(
            actor=request.user, case=case, due_on=form.cleaned_data["due_on"], ip=_ip(request)
        ),
        success=_("The visit has been added to the schedule."),
        done_url=_case_url(case),
        title=_("Add a follow-up visit"),
        back=("cases:detail", case.code),
        back_label=case.reference,
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit(request: HttpRequest, code: str) -> HttpResponse:
    """Record a follow-up visit and the survey that scores how sustainable the reintegration is."""
    visit = selectors.get_visit_for(request.user, code)
    case = visit.case
    editable = can(request.user, Cap.CASE_EDIT, case.owner_org_id) and visit.status == VisitStatus.DUE
    config = services.active_config()
    indicators = list(config.indicators.prefetch_related("options")) if config else []
    if visit.status == VisitStatus.DONE and hasattr(visit, "survey"):
        indicators = list(visit.survey.config.indicators.prefetch_related("options"))
    form = forms.VisitForm(request.POST if request.method == "POST" else None, indicators=indicators)
    if request.method == "POST":
        if not editable:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.visit_record(
                    actor=request.user,
                    visit=visit,
                    record=services.VisitRecord(
                        visited_on=data["visited_on"],
                        mode=data["mode"],
                        place=data["place"],
                        new_risks=list(data["new_risks"]),
                        risk_notes=data["risk_notes"],
                        notes=data["notes"],
                        answers=form.answers(),
                    ),
                    ip=_ip(request),
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("The visit and its survey have been recorded."))
                return redirect(_case_url(case))
    case_record_view(actor=request.user, case=case, fields=["names", "visit"], ip=_ip(request))
    answers = {}
    if hasattr(visit, "survey"):
        answers = {a.indicator_id: a.option for a in visit.survey.answers.select_related("option")}
    return render(
        request,
        "reintegration/visit.html",
        {
            "visit": visit,
            "case": case,
            "form": form,
            "editable": editable,
            "config": config,
            "answers": answers,
            "indicators": indicators,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_missed(request: HttpRequest, code: str) -> HttpResponse:
    visit = selectors.get_visit_for(request.user, code)
    if not can(request.user, Cap.CASE_EDIT, visit.case.owner_org_id):
        raise Http404
    return form_page(
        request,
        forms.MissedForm(request.POST or None),
        lambda form: services.visit_missed(
            actor=request.user, visit=visit, note=form.cleaned_data["note"], ip=_ip(request)
        ),
        success=_("The visit has been recorded as not taken place."),
        done_url=_case_url(visit.case),
        title=_("The visit could not take place"),
        back=("reintegration:visit", visit.code),
        back_label=visit.case.reference,
    )


@login_required
def visits_overdue(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Cap.CASE_VIEW):
        raise Http404
    counts, overdue = selectors.overdue_visits_by_province(request.user)
    from homeward.places.models import Area

    names = {
        a.code: a.name
        for a in Area.objects.filter(code__in=[c["case__person__province__code"] for c in counts])
    }
    for row in counts:
        row["name"] = names.get(row["case__person__province__code"], "")
    province = request.GET.get("province", "")
    rows = list((overdue.filter(case__person__province__code=province) if province else overdue)[:100])
    cases_record_list(actor=request.user, cases=[v.case for v in rows], searched=False, ip=_ip(request))
    return render(
        request,
        "reintegration/visits_overdue.html",
        {"counts": counts, "rows": rows, "province": province, "total": sum(c["n"] for c in counts)},
    )


# ---- closure and earlier cases ----------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def closure_request(request: HttpRequest, code: str) -> HttpResponse:
    case = get_case_for(request.user, code, Cap.CASE_EDIT)
    return form_page(
        request,
        forms.ClosureForm(request.POST or None),
        lambda form: services.closure_request(
            actor=request.user,
            case=case,
            reason=form.cleaned_data["reason"],
            details=form.cleaned_data["details"],
            referred=form.cleaned_data["referred"],
            ip=_ip(request),
        ),
        success=_("The closure has been sent to a supervisor for approval."),
        done_url=_case_url(case),
        title=_("Propose to close the case"),
        intro=_(
            "A supervisor approves the closure. Abrupt exits (stigma, migrating again, threats) matter: say what happened."
        ),
        back=("cases:detail", case.code),
        back_label=case.reference,
    )


@login_required
@require_http_methods(["GET", "POST"])
def closure_decide(request: HttpRequest, code: str) -> HttpResponse:
    closure = selectors.get_closure_for(request.user, code)
    return _decision(
        request,
        closure.case,
        lambda approve, note: services.closure_decide(
            actor=request.user, request=closure, approve=approve, note=note, ip=_ip(request)
        ),
        approved=_("The case has been closed."),
        refused=_("The case stays open; your note has been sent."),
        template="reintegration/closure_decide.html",
        context={"closure": closure},
    )


@login_required
@require_http_methods(["GET", "POST"])
def link_earlier(request: HttpRequest, code: str) -> HttpResponse:
    case = get_case_for(request.user, code, Cap.CASE_EDIT)
    return form_page(
        request,
        forms.LinkForm(request.POST or None, earlier=selectors.earlier_cases(case)),
        lambda form: services.case_link_earlier(
            actor=request.user,
            case=case,
            earlier=form.cleaned_data["earlier"],
            reason=form.cleaned_data["reason"],
            ip=_ip(request),
        ),
        success=_("The case is linked to the earlier case."),
        done_url=_case_url(case),
        title=_("Link to an earlier case of this person"),
        intro=_(
            "When someone comes back after an earlier case was closed, record why: trafficked again or migrated again. It counts in the research figures."
        ),
        back=("cases:detail", case.code),
        back_label=case.reference,
    )


# ---- the work queue ---------------------------------------------------------------------------------------
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Cap.CASE_VIEW):
        raise Http404
    work = selectors.work_queue(request.user)
    shown = (
        work.plans_due
        + [v.case for v in work.visits_overdue + work.visits_soon]
        + [p.case for p in work.plans_waiting]
        + [c.case for c in work.closures_waiting]
    )
    from django.utils import timezone

    from homeward.returns import selectors as returns

    today = timezone.localdate()
    tracing_asked = (
        list(returns.tracing_queue(request.user)[:50]) if can(request.user, Cap.TRACING_RECORD) else []
    )
    tracing_late = (
        list(returns.tracing_awaited(request.user).filter(due_on__lt=today)[:50])
        if can(request.user, Cap.RETURN_MANAGE)
        else []
    )
    shown += [t.returnee.case for t in tracing_asked + tracing_late]
    cases_record_list(actor=request.user, cases=shown, searched=False, ip=_ip(request))
    return render(
        request,
        "reintegration/queue.html",
        {"work": work, "today": today, "tracing_asked": tracing_asked, "tracing_late": tracing_late},
    )


# ---- score configuration ----------------------------------------------------------------------------------
def _require_scores(request: HttpRequest) -> None:
    if not can(request.user, Cap.SCORE_CONFIGURE):
        raise Http404


def _config(version: int) -> ScoreConfig:
    try:
        return ScoreConfig.objects.get(version=version)
    except ScoreConfig.DoesNotExist:
        raise Http404 from None


@login_required
def scores(request: HttpRequest) -> HttpResponse:
    _require_scores(request)
    configs = ScoreConfig.objects.all()
    return render(request, "reintegration/scores.html", {"configs": configs})


@login_required
def score_config(request: HttpRequest, version: int) -> HttpResponse:
    _require_scores(request)
    config = _config(version)
    return render(
        request,
        "reintegration/score_config.html",
        {
            "config": config,
            "indicators": config.indicators.prefetch_related("options"),
            "used": config.responses.count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def score_revise(request: HttpRequest, version: int) -> HttpResponse:
    """A new version from this one, with changed weights and answer scores. Past scores keep their version."""
    _require_scores(request)
    base = _config(version)
    form = forms.ScoreWeightsForm(request.POST or None, config=base)
    if request.method == "POST" and form.is_valid():
        data = services.config_as_data(base)
        cleaned = form.cleaned_data
        data["name"] = cleaned["name"]
        data["weights"] = {d: cleaned[f"weight_{d}"] for d in ("economic", "social", "psychosocial")}
        data["drop_threshold"] = cleaned["drop_threshold"]
        for item in data["indicators"]:
            item["weight"] = cleaned[f"w_{item['code']}"]
            for option in item["options"]:
                option["score"] = cleaned[f"s_{item['code']}__{option['code']}"]
        try:
            config = services.config_load(data=data, actor=request.user)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Version %(version)s has been created. It is used once you activate it.")
                % {"version": config.version},
            )
            return redirect("reintegration:score_config", version=config.version)
    return render(request, "reintegration/score_revise.html", {"form": form, "base": base})


@login_required
@require_POST
def score_activate(request: HttpRequest, version: int) -> HttpResponse:
    _require_scores(request)
    config = _config(version)
    services.config_activate(actor=request.user, config=config)
    messages.success(
        request, _("Version %(version)s is now used for new visits.") % {"version": config.version}
    )
    return redirect("reintegration:score_config", version=config.version)
