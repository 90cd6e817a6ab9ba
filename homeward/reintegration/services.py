"""Every write after return: keyword-only, atomic, validated, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from homeward.accounts.capabilities import Cap
from homeward.accounts.policy import can
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.cases.models import CLOSED_STATUSES, Case
from homeward.cases.picklists import CaseStatus, ClosureReason, FollowsReason
from homeward.cases.services import PermissionDenied404, case_set_status, require
from homeward.lib.dates import add_months
from homeward.reintegration import scoring
from homeward.reintegration.models import (
    AnswerOption,
    ClosureRequest,
    FollowUpVisit,
    GrantInstalment,
    Indicator,
    NeedRating,
    NeedsAssessment,
    ReintegrationPlan,
    ScoreConfig,
    ServiceDelivered,
    SurveyAnswer,
    SurveyResponse,
)
from homeward.reintegration.picklists import (
    ClosureRequestStatus,
    Currency,
    Dimension,
    NeedArea,
    PlanStatus,
    VisitMode,
    VisitStatus,
)


def _audit(
    actor: Any,
    action: str,
    object_type: str,
    case: Case,
    codes: Sequence[Any],
    fields: Sequence[str],
    ip: str | None,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_codes=[case.code, *codes],
        fields=list(fields),
        organisation_id=case.owner_org_id,
        ip=ip,
    )


def _open_case(case: Case) -> None:
    if case.status in CLOSED_STATUSES:
        raise ValidationError(_("The case is closed. Reopen it first."))


def _not_future(day: dt.date, field_name: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field_name: _("The date cannot be in the future.")})


def return_date(case: Case) -> dt.date:
    """The day the person came home: the border handover, else the day the case was opened."""
    from homeward.returns.models import Handover

    handover = Handover.objects.filter(returnee__case=case).only("handed_over_at").first()
    if handover is not None:
        return timezone.localtime(handover.handed_over_at).date()
    return case.opened_on


def plan_due_on(case: Case) -> dt.date:
    return return_date(case) + dt.timedelta(days=settings.PLAN_DUE_DAYS)


# ---- needs ------------------------------------------------------------------------------------------------
@transaction.atomic
def needs_assessment_save(
    *,
    actor: Any,
    case: Case,
    assessment: NeedsAssessment,
    ratings: Sequence[NeedRating],
    ip: str | None = None,
) -> NeedsAssessment:
    require(actor, Cap.CASE_EDIT, case.owner_org_id)
    _open_case(case)
    _not_future(assessment.assessed_on, "assessed_on")
    areas = [r.area for r in ratings]
    if sorted(areas) != sorted(NeedArea.values):
        raise ValidationError(_("Rate every area, even when there is no need."))
    assessment.case = case
    assessment.assessed_by = actor
    assessment.full_clean()
    assessment.save()
    for rating in ratings:
        rating.assessment = assessment
        rating.full_clean()
        rating.save()
    _audit(
        actor, Action.CREATE, "needs_assessment", case, [assessment.code], ["goals", "ratings", "notes"], ip
    )
    return assessment


# ---- the plan ---------------------------------------------------------------------------------------------
@transaction.atomic
def plan_save(*, actor: Any, case: Case, plan: ReintegrationPlan, ip: str | None = None) -> ReintegrationPlan:
    """Save a new plan, a new revision, or changes to the draft (an approved plan is never edited)."""
    require(actor, Cap.CASE_EDIT, case.owner_org_id)
    _open_case(case)
    creating = plan.pk is None
    if not creating:
        current = ReintegrationPlan.objects.select_for_update().get(pk=plan.pk)
        if current.case_id != case.id:
            raise PermissionDenied404
        if current.status != PlanStatus.DRAFT:
            raise ValidationError(_("Only a draft can be changed. Revise the approved plan instead."))
    if not (plan.objectives or "").strip():
        raise ValidationError({"objectives": _("Write the objectives of the plan.")})
    if not plan.types:
        raise ValidationError({"types": _("Choose at least one type of support.")})
    if plan.planned_end and plan.planned_end < return_date(case):
        raise ValidationError({"planned_end": _("The planned end cannot be before the return.")})
    if plan.actual_end:
        _not_future(plan.actual_end, "actual_end")
    if creating:
        if ReintegrationPlan.objects.filter(
            case=case, status__in=[PlanStatus.DRAFT, PlanStatus.SUBMITTED]
        ).exists():
            raise ValidationError(_("A revision of this plan is already being prepared."))
        plan.version = (ReintegrationPlan.objects.filter(case=case).aggregate(v=Max("version"))["v"] or 0) + 1
        plan.status = PlanStatus.DRAFT
        plan.created_by = actor
    plan.case = case
    plan.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ValidationError(_("A revision of this plan is already being prepared.")) from None
    fields = ["objectives", "action_plan", "types", "planned_end", "actual_end"]
    _audit(actor, Action.CREATE if creating else Action.UPDATE, "plan", case, [plan.code], fields, ip)
    return plan


def plan_revision_start(*, actor: Any, plan: ReintegrationPlan, ip: str | None = None) -> ReintegrationPlan:
    """A new draft copied from the approved plan; the approved one stays in force until the revision is."""
    require(actor, Cap.CASE_EDIT, plan.case.owner_org_id)
    if plan.status != PlanStatus.APPROVED:
        raise ValidationError(_("Only the approved plan can be revised."))
    draft = ReintegrationPlan(
        objectives=plan.objectives,
        action_plan=plan.action_plan,
        types=list(plan.types),
        planned_end=plan.planned_end,
        actual_end=plan.actual_end,
    )
    return plan_save(actor=actor, case=plan.case, plan=draft, ip=ip)


def _locked(plan: ReintegrationPlan) -> ReintegrationPlan:
    return ReintegrationPlan.objects.select_for_update().select_related("case").get(pk=plan.pk)


@transaction.atomic
def plan_submit(*, actor: Any, plan: ReintegrationPlan, ip: str | None = None) -> ReintegrationPlan:
    plan = _locked(plan)
    require(actor, Cap.CASE_EDIT, plan.case.owner_org_id)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("Only a draft can be sent for approval."))
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_by = actor
    plan.submitted_at = timezone.now()
    plan.save(update_fields=["status", "submitted_by", "submitted_at"])
    _audit(actor, Action.UPDATE, "plan", plan.case, [plan.code], ["status"], ip)
    return plan


@transaction.atomic
def plan_decide(
    *, actor: Any, plan: ReintegrationPlan, approve: bool, note: str = "", ip: str | None = None
) -> ReintegrationPlan:
    """A supervisor approves the plan (it comes into force; the first approval schedules the visits) or sends
    it back with a note."""
    plan = _locked(plan)
    require(actor, Cap.PLAN_APPROVE, plan.case.owner_org_id)
    if plan.status != PlanStatus.SUBMITTED:
        raise ValidationError(_("This plan is not waiting for approval."))
    if not approve and not note.strip():
        raise ValidationError({"note": _("Say what should change.")})
    plan.review_note = note.strip()
    if approve:
        ReintegrationPlan.objects.filter(case=plan.case, status=PlanStatus.APPROVED).update(
            status=PlanStatus.SUPERSEDED
        )
        plan.status = PlanStatus.APPROVED
        plan.approved_by = actor
        plan.approved_at = timezone.now()
    else:
        plan.status = PlanStatus.DRAFT
    plan.save(update_fields=["status", "approved_by", "approved_at", "review_note"])
    if approve:
        visits_schedule(case=plan.case)
    _audit(actor, Action.UPDATE, "plan", plan.case, [plan.code], ["status", "review_note"], ip)
    return plan


def visits_schedule(*, case: Case, months: Sequence[int] | None = None) -> list[FollowUpVisit]:
    """Follow-up visits at the configured months after return (default 1, 3, 6, 12). Months already scheduled
    are kept as they are, so a plan revision never duplicates or moves visits."""
    start = return_date(case)
    have = set(FollowUpVisit.objects.filter(case=case).values_list("months_after_return", flat=True))
    made = []
    for month in sorted(set(months or settings.FOLLOW_UP_MONTHS)):
        if month not in have:
            made.append(
                FollowUpVisit.objects.create(
                    case=case, months_after_return=month, due_on=add_months(start, month)
                )
            )
    return made


# ---- services delivered -----------------------------------------------------------------------------------
@dataclass
class Instalment:
    due_on: dt.date
    amount: Decimal
    paid_on: dt.date | None = None


@transaction.atomic
def service_record(
    *,
    actor: Any,
    case: Case,
    service: ServiceDelivered,
    instalments: Sequence[Instalment] = (),
    ip: str | None = None,
) -> ServiceDelivered:
    require(actor, Cap.CASE_EDIT, case.owner_org_id)
    _not_future(service.delivered_on, "delivered_on")
    if service.delivered_on < case.opened_on:
        raise ValidationError({"delivered_on": _("The date cannot be before the case was opened.")})
    if service.cost is not None or service.currency:
        if service.currency not in Currency.values:
            raise ValidationError({"currency": _("Choose the currency: LAK, THB or USD.")})
        if service.cost is None or service.cost < 0:
            raise ValidationError({"cost": _("Give the cost as an amount of 0 or more.")})
    if not service.provider_org_id and not service.provider_name.strip():
        raise ValidationError({"provider_name": _("Say who provided the service.")})
    if instalments and not service.grant_purpose:
        raise ValidationError(_("Only a grant is paid in instalments."))
    if service.grant_purpose and service.cost is None:
        raise ValidationError({"cost": _("Give the amount of the grant.")})
    if instalments:
        total = sum((i.amount for i in instalments), Decimal(0))
        if any(i.amount <= 0 for i in instalments) or total != service.cost:
            raise ValidationError(
                _("The instalments must be positive and add up to the amount of the grant (%(total)s).")
                % {"total": service.cost}
            )
        for instalment in instalments:
            if instalment.paid_on:
                _not_future(instalment.paid_on, "instalments")
    service.case = case
    service.plan = ReintegrationPlan.objects.filter(case=case, status=PlanStatus.APPROVED).first()
    service.recorded_by = actor
    service.full_clean()
    service.save()
    for instalment in instalments:
        GrantInstalment.objects.create(
            service=service, due_on=instalment.due_on, amount=instalment.amount, paid_on=instalment.paid_on
        )
    _audit(
        actor, Action.CREATE, "service", case, [service.code], ["type", "provider", "cost", "description"], ip
    )
    return service


@transaction.atomic
def instalment_paid(
    *, actor: Any, instalment: GrantInstalment, paid_on: dt.date, ip: str | None = None
) -> GrantInstalment:
    case = instalment.service.case
    require(actor, Cap.CASE_EDIT, case.owner_org_id)
    _not_future(paid_on, "paid_on")
    if instalment.paid_on is not None:
        raise ValidationError(_("This instalment has already been paid."))
    instalment.paid_on = paid_on
    instalment.save(update_fields=["paid_on"])
    _audit(actor, Action.UPDATE, "service", case, [instalment.service.code], ["instalments"], ip)
    return instalment


# ---- follow-up visits and the score -----------------------------------------------------------------------
@transaction.atomic
def visit_add(*, actor: Any, case: Case, due_on: dt.date, ip: str | None = None) -> FollowUpVisit:
    require(actor, Cap.CASE_EDIT, case.owner_org_id)
    _open_case(case)
    if due_on < return_date(case):
        raise ValidationError({"due_on": _("A visit cannot be before the return.")})
    visit = FollowUpVisit.objects.create(case=case, due_on=due_on)
    _audit(actor, Action.CREATE, "visit", case, [visit.code], ["due_on"], ip)
    return visit


@dataclass
class VisitRecord:
    visited_on: dt.date
    mode: str
    place: str = ""
    new_risks: list[str] = field(default_factory=list)
    risk_notes: str = ""
    notes: str = ""
    answers: dict[str, str | None] = field(
        default_factory=dict
    )  # indicator code -> option code (None: missing)


def active_config() -> ScoreConfig | None:
    return ScoreConfig.objects.filter(is_active=True).first()


def _scores_of(response: SurveyResponse) -> scoring.Scores:
    return scoring.Scores(response.economic, response.social, response.psychosocial, response.composite)


@transaction.atomic
def visit_record(
    *, actor: Any, visit: FollowUpVisit, record: VisitRecord, ip: str | None = None
) -> FollowUpVisit:
    """Record a visit and its survey; the scores are computed under the active configuration and keep its
    version, so a later change of configuration never rewrites them."""
    visit = FollowUpVisit.objects.select_for_update().select_related("case").get(pk=visit.pk)
    case = visit.case
    require(actor, Cap.CASE_EDIT, case.owner_org_id)
    _open_case(case)
    if visit.status == VisitStatus.DONE:
        raise ValidationError(_("This visit has already been recorded."))
    _not_future(record.visited_on, "visited_on")
    if record.visited_on < return_date(case):
        raise ValidationError({"visited_on": _("A visit cannot be before the return.")})
    if record.mode not in VisitMode.values:
        raise ValidationError({"mode": _("Say how the visit took place.")})
    config = active_config()
    if config is None:
        raise ValidationError(
            _("No score configuration is in use. Ask the national coordinator to load one.")
        )
    indicators = {i.code: i for i in config.indicators.prefetch_related("options")}
    unknown = set(record.answers) - set(indicators)
    if unknown:
        raise ValidationError(
            _("These questions are not in the survey in use: %(codes)s.")
            % {"codes": ", ".join(sorted(unknown))}
        )
    chosen: dict[str, AnswerOption | None] = {}
    for code, indicator in indicators.items():
        option_code = record.answers.get(code)
        if not option_code:
            chosen[code] = None
            continue
        options = {o.code: o for o in indicator.options.all()}
        if option_code not in options:
            raise ValidationError(
                _("The answer to '%(question)s' is outside its scale.") % {"question": indicator.text}
            )
        chosen[code] = options[option_code]
    visit.status = VisitStatus.DONE
    visit.visited_on = record.visited_on
    visit.mode = record.mode
    visit.place = record.place.strip()
    visit.new_risks = record.new_risks
    visit.risk_notes = record.risk_notes.strip()
    visit.notes = record.notes.strip()
    visit.recorded_by = actor
    visit.recorded_at = timezone.now()
    visit.full_clean()
    visit.save()
    scores = scoring.compute(
        [
            scoring.Answer(
                indicators[code].dimension, indicators[code].weight, option.score if option else None
            )
            for code, option in chosen.items()
        ],
        {d: Decimal(str(config.dimension_weight(d))) for d in Dimension.values},
    )
    previous = (
        SurveyResponse.objects.filter(visit__case=case, visit__visited_on__lte=record.visited_on)
        .exclude(visit=visit)
        .order_by("-visit__visited_on", "-visit_id")
        .first()
    )
    response = SurveyResponse.objects.create(
        visit=visit,
        config=config,
        economic=scores.economic,
        social=scores.social,
        psychosocial=scores.psychosocial,
        composite=scores.composite,
        dropped=scoring.dropped(_scores_of(previous) if previous else None, scores, config.drop_threshold),
    )
    SurveyAnswer.objects.bulk_create(
        [
            SurveyAnswer(response=response, indicator=indicators[code], option=option)
            for code, option in chosen.items()
        ]
    )
    _audit(
        actor,
        Action.UPDATE,
        "visit",
        case,
        [visit.code],
        ["visited_on", "mode", "place", "new_risks", "survey"],
        ip,
    )
    return visit


@transaction.atomic
def visit_missed(*, actor: Any, visit: FollowUpVisit, note: str, ip: str | None = None) -> FollowUpVisit:
    case = visit.case
    require(actor, Cap.CASE_EDIT, case.owner_org_id)
    if visit.status != VisitStatus.DUE:
        raise ValidationError(_("This visit has already been recorded."))
    if not note.strip():
        raise ValidationError({"note": _("Say why the visit could not take place.")})
    visit.status = VisitStatus.MISSED
    visit.notes = note.strip()
    visit.recorded_by = actor
    visit.recorded_at = timezone.now()
    visit.save(update_fields=["status", "notes", "recorded_by", "recorded_at"])
    _audit(actor, Action.UPDATE, "visit", case, [visit.code], ["status", "notes"], ip)
    return visit


# ---- score configuration ----------------------------------------------------------------------------------
def _decimal(value: Any, what: str, *, allow_none: bool = False) -> Decimal | None:
    if value is None and allow_none:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("%(what)s is not a number.") % {"what": what}) from None
    if not number.is_finite():
        raise ValidationError(_("%(what)s is not a number.") % {"what": what})
    return number


@transaction.atomic
def config_load(*, data: dict[str, Any], actor: Any = None, activate: bool = False) -> ScoreConfig:
    """Create a new configuration version from a data file's content (see reintegration/data/rss_default.json).
    Everything is checked before anything is saved."""
    if actor is not None and not can(actor, Cap.SCORE_CONFIGURE):
        raise PermissionDenied404
    try:
        weights = {d: _decimal(data["weights"][d], d) for d in Dimension.values}
        threshold = _decimal(data.get("drop_threshold", "0.1"), "drop_threshold")
        indicators = data["indicators"]
        name = str(data["name"])[:200]
    except (KeyError, TypeError):
        raise ValidationError(
            _("The configuration needs a name, dimension weights and indicators.")
        ) from None
    if any(w is None or w < 0 for w in weights.values()) or not any(w and w > 0 for w in weights.values()):
        raise ValidationError(_("Dimension weights must be 0 or more, and at least one above 0."))
    if threshold is None or not 0 < threshold <= 1:
        raise ValidationError(_("The drop threshold must be above 0 and at most 1."))
    codes = set()
    checked = []
    for index, item in enumerate(indicators, start=1):
        try:
            code, dimension, text = str(item["code"]), item["dimension"], item["text"]
            weight = _decimal(item.get("weight", 1), code)
            options = item["options"]
        except (KeyError, TypeError):
            raise ValidationError(_("Indicator %(n)s is incomplete.") % {"n": index}) from None
        if dimension not in Dimension.values:
            raise ValidationError(_("Indicator %(code)s has an unknown dimension.") % {"code": code})
        if code in codes:
            raise ValidationError(_("Two indicators have the code %(code)s.") % {"code": code})
        if weight is None or weight < 0:
            raise ValidationError(_("The weight of %(code)s must be 0 or more.") % {"code": code})
        codes.add(code)
        option_codes = set()
        checked_options = []
        for order, option in enumerate(options):
            score = _decimal(option.get("score"), f"{code}/{option.get('code')}", allow_none=True)
            if score is not None and not 0 <= score <= 1:
                raise ValidationError(
                    _("The score of %(option)s in %(code)s is outside the scale 0 to 1.")
                    % {"option": option.get("code"), "code": code}
                )
            if option.get("code") in option_codes or not option.get("code"):
                raise ValidationError(_("The answers of %(code)s need distinct codes.") % {"code": code})
            option_codes.add(option["code"])
            checked_options.append((order, option, score))
        if not checked_options:
            raise ValidationError(_("Indicator %(code)s has no answers.") % {"code": code})
        checked.append((index, code, dimension, weight, text, checked_options))
    if not checked:
        raise ValidationError(_("The configuration has no indicators."))
    version = (ScoreConfig.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    config = ScoreConfig.objects.create(
        version=version,
        name=name,
        source=str(data.get("source", "")),
        weight_economic=weights["economic"],
        weight_social=weights["social"],
        weight_psychosocial=weights["psychosocial"],
        drop_threshold=threshold,
        created_by=actor,
    )
    for index, code, dimension, weight, text, options in checked:
        indicator = Indicator.objects.create(
            config=config,
            code=code,
            dimension=dimension,
            order=index,
            weight=weight,
            **{f"text_{lang}": str(text.get(lang, ""))[:300] for lang in ("en", "lo", "th", "fr")},
        )
        AnswerOption.objects.bulk_create(
            [
                AnswerOption(
                    indicator=indicator,
                    code=str(option["code"])[:40],
                    order=order,
                    score=score,
                    **{
                        f"label_{lang}": str(option.get("label", {}).get(lang, ""))[:200]
                        for lang in ("en", "lo", "th", "fr")
                    },
                )
                for order, option, score in options
            ]
        )
    if activate:
        config_activate(actor=actor, config=config)
    return config


def config_as_data(config: ScoreConfig) -> dict[str, Any]:
    """A configuration in the data-file shape (for a new version made from it)."""
    return {
        "name": config.name,
        "source": config.source,
        "weights": {d: str(config.dimension_weight(d)) for d in Dimension.values},
        "drop_threshold": str(config.drop_threshold),
        "indicators": [
            {
                "code": i.code,
                "dimension": i.dimension,
                "weight": str(i.weight),
                "text": {lang: getattr(i, f"text_{lang}") for lang in ("en", "lo", "th", "fr")},
                "options": [
                    {
                        "code": o.code,
                        "score": None if o.score is None else str(o.score),
                        "label": {lang: getattr(o, f"label_{lang}") for lang in ("en", "lo", "th", "fr")},
                    }
                    for o in i.options.all()
                ],
            }
            for i in config.indicators.prefetch_related("options")
        ],
    }


@transaction.atomic
def config_activate(*, actor: Any, config: ScoreConfig) -> ScoreConfig:
    if actor is not None and not can(actor, Cap.SCORE_CONFIGURE):
        raise PermissionDenied404
    ScoreConfig.objects.filter(is_active=True).exclude(pk=config.pk).update(is_active=False)
    config.is_active = True
    config.save(update_fields=["is_active"])
    if actor is not None:
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            object_type="score_config",
            object_codes=[config.version],
            fields=["is_active"],
        )
    return config


# ---- closure ----------------------------------------------------------------------------------------------
@transaction.atomic
def closure_request(
    *, actor: Any, case: Case, reason: str, details: str = "", referred: bool = False, ip: str | None = None
) -> ClosureRequest:
    require(actor, Cap.CASE_EDIT, case.owner_org_id)
    _open_case(case)
    if reason not in ClosureReason.values:
        raise ValidationError({"reason": _("Choose the reason for closing the case.")})
    try:
        with transaction.atomic():
            request = ClosureRequest.objects.create(
                case=case, reason=reason, details=details.strip(), referred=referred, requested_by=actor
            )
    except IntegrityError:
        raise ValidationError(_("A closure is already waiting for approval.")) from None
    _audit(actor, Action.CREATE, "closure_request", case, [request.code], ["reason", "details"], ip)
    return request


@transaction.atomic
def closure_decide(
    *, actor: Any, request: ClosureRequest, approve: bool, note: str = "", ip: str | None = None
) -> ClosureRequest:
    """A supervisor approves (the case closes: Closed, or ClosedReferred when referred on) or does not."""
    request = ClosureRequest.objects.select_for_update().select_related("case").get(pk=request.pk)
    case = request.case
    require(actor, Cap.PLAN_APPROVE, case.owner_org_id)
    if request.status != ClosureRequestStatus.PENDING:
        raise ValidationError(_("This closure has already been decided."))
    if not approve and not note.strip():
        raise ValidationError({"note": _("Say why the case stays open.")})
    if approve:
        case_set_status(
            actor=actor,
            case=case,
            to_status=CaseStatus.CLOSED_REFERRED if request.referred else CaseStatus.CLOSED,
            closure_reason=request.reason,
            closure_details=request.details,
            ip=ip,
        )
        ReintegrationPlan.objects.filter(
            case=case, status=PlanStatus.APPROVED, actual_end__isnull=True
        ).update(actual_end=timezone.localdate())
    request.status = ClosureRequestStatus.APPROVED if approve else ClosureRequestStatus.REJECTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _audit(actor, Action.UPDATE, "closure_request", case, [request.code], ["status", "decision_note"], ip)
    return request


@transaction.atomic
def case_link_earlier(*, actor: Any, case: Case, earlier: Case, reason: str, ip: str | None = None) -> Case:
    """Record that this case follows an earlier, closed case of the same person (re-trafficking is research data)."""
    require(actor, Cap.CASE_EDIT, case.owner_org_id)
    if (
        earlier.person_id != case.person_id
        or earlier.owner_org_id != case.owner_org_id
        or earlier.pk == case.pk
    ):
        raise PermissionDenied404
    if earlier.status not in CLOSED_STATUSES or earlier.opened_on > case.opened_on:
        raise ValidationError({"earlier": _("Choose an earlier case of this person that is closed.")})
    if reason not in FollowsReason.values:
        raise ValidationError({"reason": _("Choose why there is a new case.")})
    case.follows = earlier
    case.follows_reason = reason
    case.save(update_fields=["follows", "follows_reason", "updated_at"])
    _audit(actor, Action.UPDATE, "case", case, [earlier.code], ["follows", "follows_reason"], ip)
    return case
