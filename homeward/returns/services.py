"""Every write of the return journey: keyword-only, atomic, validated, audited, refused when out of order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Organisation
from homeward.accounts.policy import can
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.cases.models import Case, Consent
from homeward.cases.picklists import CaseStatus, ConsentPurpose, Gender
from homeward.cases.services import (
    PermissionDenied404,
    case_open,
    case_set_status,
    consent_in_force,
    consent_record,
    require,
)
from homeward.lib.codes import reference
from homeward.people.models import Person
from homeward.places.models import Area, BorderCheckpoint
from homeward.returns.models import (
    Bed,
    Facility,
    FamilyAssessment,
    Handover,
    InformationShared,
    Reply,
    Returnee,
    ReturnRequest,
    Room,
    Stay,
    StayService,
    Tracing,
    TracingAttempt,
    TravelPlan,
)
from homeward.returns.picklists import (
    MEDICAL_SERVICES,
    STAGE_ORDER,
    AgeGroup,
    RoomSex,
    Stage,
    StayStatus,
    TracingStatus,
)

# A clock may run a little ahead on a phone or a laptop: times up to this far ahead count as "now".
CLOCK_SLACK = dt.timedelta(minutes=10)


def _not_future_date(value: dt.date, field: str | None = None) -> None:
    if value > timezone.localdate():
        raise ValidationError(
            {field: _("The date cannot be in the future.")}
            if field
            else _("The date cannot be in the future.")
        )


def _not_future_time(value: dt.datetime, field: str | None = None) -> None:
    if value > timezone.now() + CLOCK_SLACK:
        message = _("The time cannot be in the future.")
        raise ValidationError({field: message} if field else message)


def _audit(
    actor: Any,
    action: str,
    object_type: str,
    codes: Iterable[Any],
    fields: Iterable[str],
    org_id: int,
    ip: str | None,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_codes=list(codes),
        fields=list(fields),
        organisation_id=org_id,
        ip=ip,
    )


def _advance(returnee: Returnee, stage: str) -> None:
    """Move a returnee forward to ``stage`` (never backwards; a cancelled return stays cancelled).

    Reads the stage from the database, not from the object: an earlier attempt that was rolled back may have
    left the object ahead of the row.
    """
    current = Returnee.objects.select_for_update().values_list("stage", flat=True).get(pk=returnee.pk)
    if current != Stage.CANCELLED and STAGE_ORDER.index(Stage(stage)) > STAGE_ORDER.index(Stage(current)):
        Returnee.objects.filter(pk=returnee.pk).update(stage=stage)
        current = stage
    returnee.stage = current


def _open_returnee(returnee: Returnee) -> None:
    if returnee.stage == Stage.CANCELLED:
        raise ValidationError(
            _("The return of %(reference)s was cancelled.") % {"reference": returnee.case.reference}
        )


def _require_return_consent(returnee: Returnee, on: dt.date | None = None) -> Consent:
    consent = consent_in_force(returnee.case, ConsentPurpose.RETURN, on=on)
    if consent is None:
        raise ValidationError(
            _("%(reference)s has no recorded consent to return. Record the consent first.")
            % {"reference": returnee.case.reference}
        )
    return consent


# ---- requests and returnees -------------------------------------------------------------------------------
def _new_reference() -> str:
    for _attempt in range(20):
        ref = reference("RR")
        if not ReturnRequest.objects.filter(reference=ref).exists():
            return ref
    raise RuntimeError("could not find a free request reference")  # pragma: no cover


@transaction.atomic
def request_save(*, actor: Any, request: ReturnRequest, ip: str | None = None) -> ReturnRequest:
    """Record a new return request, or save changes to one."""
    require(actor, Cap.RETURN_MANAGE, request.owner_org_id)
    creating = request.pk is None
    agency = request.requesting_agency
    if not agency.is_external or not agency.is_active:
        raise ValidationError({"requesting_agency": _("Choose a partner agency.")})
    _not_future_date(request.received_on, "received_on")
    if creating:
        request.reference = _new_reference()
        request.created_by = actor
    request.full_clean()
    request.save()
    _audit(
        actor,
        Action.CREATE if creating else Action.UPDATE,
        "return_request",
        [request.code],
        [
            "requesting_agency",
            "requesting_contact",
            "host_reference",
            "host_country",
            "received_on",
            "documents_received",
            "notes",
        ],
        request.owner_org_id,
        ip,
    )
    return request


@dataclass
class ConsentAnswer:
    """What the returnee said about returning, and about sharing with the requesting agency."""

    to_return: bool | None  # None: not asked yet
    given_on: dt.date | None = None
    share_with_agency: bool = False


@transaction.atomic
def returnee_add(
    *,
    actor: Any,
    request: ReturnRequest,
    person: Person,
    consent: ConsentAnswer,
    ip: str | None = None,
) -> Returnee:
    """Add a person to a request: a new person (unsaved), or one the organisation already holds.

    An existing person's open case in this organisation is reused (and made Active); otherwise a new case is
    opened. Each returnee has their own case.
    """
    org = request.owner_org
    require(actor, Cap.RETURN_MANAGE, org.id)
    case: Case | None = None
    if person.pk is not None:
        if person.owner_org_id != org.id:
            raise PermissionDenied404
        case = (
            Case.objects.filter(
                person=person, owner_org=org, status__in=[CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP]
            )
            .order_by("-opened_on", "-id")
            .first()
        )
        if case is not None and Returnee.objects.filter(case=case).exists():
            if Returnee.objects.filter(case=case, request=request).exists():
                raise ValidationError(_("This person is already part of this request."))
            raise ValidationError(
                _("This person's case %(reference)s is already part of another return request.")
                % {"reference": case.reference}
            )
    if consent.to_return is not None:
        if consent.given_on is None:
            raise ValidationError({"consent_given_on": _("Give the date of the answer.")})
        _not_future_date(consent.given_on, "consent_given_on")
    if case is None:
        case = case_open(actor=actor, organisation=org, person=person, opened_on=request.received_on, ip=ip)
    elif case.status != CaseStatus.ACTIVE:
        case = case_set_status(actor=actor, case=case, to_status=CaseStatus.ACTIVE, ip=ip)
    returnee = Returnee.objects.create(request=request, case=case)
    if consent.to_return is not None and consent.given_on is not None:
        consent_record(
            actor=actor,
            case=case,
            consent=Consent(
                purpose=ConsentPurpose.RETURN, granted=consent.to_return, given_on=consent.given_on
            ),
            ip=ip,
        )
        if consent.share_with_agency:
            consent_record(
                actor=actor,
                case=case,
                consent=Consent(
                    purpose=ConsentPurpose.SHARING,
                    shared_with=request.requesting_agency,
                    given_on=consent.given_on,
                ),
                ip=ip,
            )
    _audit(actor, Action.CREATE, "returnee", [request.code, case.code], ["case"], org.id, ip)
    return returnee


@transaction.atomic
def returnee_cancel(*, actor: Any, returnee: Returnee, reason: str, ip: str | None = None) -> Returnee:
    """Stop a return (the person decided not to come home, or could not). Open tracing and planned stays end."""
    request = returnee.request
    require(actor, Cap.RETURN_MANAGE, request.owner_org_id)
    returnee = Returnee.objects.select_for_update().get(pk=returnee.pk)
    if returnee.stage == Stage.CANCELLED:
        raise ValidationError(_("This return has already been cancelled."))
    if returnee.stage in (Stage.HANDED_OVER, Stage.IN_TRANSIT, Stage.HOME):
        raise ValidationError(_("The person has already come home; the return can no longer be cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    returnee.stage = Stage.CANCELLED
    returnee.cancel_reason = reason.strip()
    returnee.save(update_fields=["stage", "cancel_reason"])
    Tracing.objects.filter(returnee=returnee, status=TracingStatus.OPEN).update(
        status=TracingStatus.CANCELLED
    )
    Stay.objects.filter(case=returnee.case, status=StayStatus.PLANNED).update(status=StayStatus.CANCELLED)
    _audit(
        actor,
        Action.UPDATE,
        "returnee",
        [request.code, returnee.case.code],
        ["stage", "cancel_reason"],
        request.owner_org_id,
        ip,
    )
    return returnee


# ---- family tracing and assessment ------------------------------------------------------------------------
@transaction.atomic
def tracing_request(
    *,
    actor: Any,
    returnees: Sequence[Returnee],
    assigned_org: Organisation,
    province: Area,
    district: Area | None,
    information: str,
    due_on: dt.date | None = None,
    ip: str | None = None,
) -> list[Tracing]:
    """Ask an organisation (usually the provincial office) to trace the families of these returnees."""
    if not returnees:
        raise ValidationError(_("Choose at least one person."))
    request = returnees[0].request
    require(actor, Cap.RETURN_MANAGE, request.owner_org_id)
    if any(r.request_id != request.id for r in returnees):
        raise PermissionDenied404
    if assigned_org.is_external or not assigned_org.is_active:
        raise ValidationError({"assigned_org": _("Choose an organisation that works in Homeward.")})
    if province.country.code != "LA" or province.parent_id is not None:
        raise ValidationError({"province": _("Choose a Lao province.")})
    if district is not None and district.parent_id != province.id:
        raise ValidationError({"district": _("The district must be in the province chosen.")})
    today = timezone.localdate()
    due_on = due_on or today + dt.timedelta(days=settings.TRACING_DUE_DAYS)
    if due_on < today:
        raise ValidationError({"due_on": _("The reply cannot be due before today.")})
    created = []
    for returnee in returnees:
        _open_returnee(returnee)
        _require_return_consent(returnee)
        if Tracing.objects.filter(returnee=returnee).exclude(status=TracingStatus.CANCELLED).exists():
            raise ValidationError(
                _("Family tracing for %(reference)s has already been asked for.")
                % {"reference": returnee.case.reference}
            )
        Tracing.objects.filter(returnee=returnee, status=TracingStatus.CANCELLED).delete()
        tracing = Tracing.objects.create(
            returnee=returnee,
            assigned_org=assigned_org,
            province=province,
            district=district,
            information=information.strip(),
            requested_by=actor,
            requested_on=today,
            due_on=due_on,
        )
        _advance(returnee, Stage.TRACING)
        _audit(
            actor,
            Action.CREATE,
            "tracing",
            [request.code, returnee.case.code, tracing.code],
            ["assigned_org", "information", "due_on"],
            request.owner_org_id,
            ip,
        )
        created.append(tracing)
    return created


def _require_tracer(actor: Any, tracing: Tracing) -> None:
    require(actor, Cap.TRACING_RECORD, tracing.assigned_org_id)
    if tracing.status != TracingStatus.OPEN:
        raise ValidationError(_("This tracing is no longer open."))


@transaction.atomic
def tracing_attempt_add(
    *, actor: Any, tracing: Tracing, attempt: TracingAttempt, ip: str | None = None
) -> TracingAttempt:
    _require_tracer(actor, tracing)
    _not_future_date(attempt.attempted_on, "attempted_on")
    if attempt.attempted_on < tracing.requested_on:
        raise ValidationError({"attempted_on": _("The date cannot be before tracing was asked for.")})
    attempt.tracing = tracing
    attempt.recorded_by = actor
    attempt.full_clean()
    attempt.save()
    _audit(
        actor,
        Action.CREATE,
        "tracing",
        [tracing.returnee.case.code, tracing.code, attempt.code],
        ["method", "outcome", "notes"],
        tracing.assigned_org_id,
        ip,
    )
    return attempt


@transaction.atomic
def assessment_save(
    *, actor: Any, tracing: Tracing, assessment: FamilyAssessment, ip: str | None = None
) -> FamilyAssessment:
    _require_tracer(actor, tracing)
    _not_future_date(assessment.assessed_on, "assessed_on")
    if assessment.assessed_on < tracing.requested_on:
        raise ValidationError({"assessed_on": _("The date cannot be before tracing was asked for.")})
    creating = assessment.pk is None
    if not creating and assessment.tracing_id != tracing.id:
        raise PermissionDenied404
    assessment.tracing = tracing
    assessment.assessed_by = actor
    assessment.full_clean()
    assessment.save()
    _audit(
        actor,
        Action.CREATE if creating else Action.UPDATE,
        "family_assessment",
        [tracing.returnee.case.code, tracing.code, assessment.code],
        [
            "safe_to_return",
            "people_at_home",
            "risks",
            "risk_details",
            "community",
            "recommendation",
            "recommendation_details",
            "reply_summary",
        ],
        tracing.assigned_org_id,
        ip,
    )
    return assessment


@transaction.atomic
def tracing_complete(*, actor: Any, tracing: Tracing, ip: str | None = None) -> Tracing:
    tracing = Tracing.objects.select_for_update().select_related("returnee__case").get(pk=tracing.pk)
    _require_tracer(actor, tracing)
    if not FamilyAssessment.objects.filter(tracing=tracing).exists():
        raise ValidationError(_("Record the family assessment before sending the result."))
    tracing.status = TracingStatus.COMPLETED
    tracing.completed_on = timezone.localdate()
    tracing.completed_by = actor
    tracing.save(update_fields=["status", "completed_on", "completed_by"])
    _advance(tracing.returnee, Stage.ASSESSED)
    _audit(
        actor,
        Action.UPDATE,
        "tracing",
        [tracing.returnee.case.code, tracing.code],
        ["status"],
        tracing.assigned_org_id,
        ip,
    )
    return tracing


def reply_candidates(request: ReturnRequest) -> list[Returnee]:
    """Returnees whose tracing is complete and about whom the agency has not yet been told."""
    return list(
        Returnee.objects.filter(request=request, tracing__status=TracingStatus.COMPLETED)
        .exclude(stage=Stage.CANCELLED)
        .exclude(replies__isnull=False)
        .select_related("case__person", "tracing__assessment")
        .order_by("id")
    )


@transaction.atomic
def reply_record(
    *,
    actor: Any,
    request: ReturnRequest,
    sent_on: dt.date,
    channel: str,
    language: str,
    notes: str = "",
    ip: str | None = None,
) -> Reply:
    """Record that the tracing results went back to the requesting agency. Needs each person's consent."""
    require(actor, Cap.RETURN_MANAGE, request.owner_org_id)
    returnees = reply_candidates(request)
    if not returnees:
        raise ValidationError(_("There is no completed family tracing to reply about."))
    _not_future_date(sent_on, "sent_on")
    if sent_on < request.received_on:
        raise ValidationError({"sent_on": _("The reply cannot be sent before the request was received.")})
    missing = [
        r.case.reference
        for r in returnees
        if consent_in_force(r.case, ConsentPurpose.SHARING, request.requesting_agency_id) is None
    ]
    if missing:
        raise ValidationError(
            _(
                "No active consent to share information with %(agency)s for: %(references)s. Record the consent or leave them out."
            )
            % {"agency": request.requesting_agency.name, "references": ", ".join(missing)}
        )
    reply = Reply(
        request=request,
        sent_to=request.requesting_agency,
        sent_on=sent_on,
        channel=channel,
        language=language,
        notes=notes.strip(),
        sent_by=actor,
    )
    reply.full_clean()
    reply.save()
    reply.returnees.set(returnees)
    _audit(
        actor,
        Action.CREATE,
        "reply",
        [request.code, reply.code, *[r.case.code for r in returnees]],
        ["sent_to", "sent_on", "channel"],
        request.owner_org_id,
        ip,
    )
    return reply


# ---- travel and handover ----------------------------------------------------------------------------------
def _check_facility_sharing(case: Case, facility: Facility) -> None:
    if (
        facility.organisation_id != case.owner_org_id
        and consent_in_force(case, ConsentPurpose.SHARING, facility.organisation_id) is None
    ):
        raise ValidationError(
            {
                "facility": _(
                    "%(facility)s is run by %(organisation)s: record the person's consent to share with them first."
                )
                % {"facility": facility.name, "organisation": facility.organisation.name}
            }
        )


@transaction.atomic
def travel_save(
    *,
    actor: Any,
    returnee: Returnee,
    plan: TravelPlan,
    facility: Facility | None = None,
    ip: str | None = None,
) -> TravelPlan:
    """Save the travel document and planned date; with a transit centre, plan the stay for that date."""
    request = returnee.request
    require(actor, Cap.RETURN_MANAGE, request.owner_org_id)
    _open_returnee(returnee)
    if Handover.objects.filter(returnee=returnee).exists():
        raise ValidationError(
            _("The person has already been handed over; the travel plan can no longer change.")
        )
    _require_return_consent(returnee)
    if plan.planned_on < request.received_on:
        raise ValidationError(
            {"planned_on": _("The return cannot be planned before the request was received.")}
        )
    if plan.document_issued_on and plan.document_issued_on > timezone.localdate():
        raise ValidationError({"document_issued_on": _("The date cannot be in the future.")})
    if (
        plan.document_issued_on
        and plan.document_expires_on
        and plan.document_expires_on < plan.document_issued_on
    ):
        raise ValidationError({"document_expires_on": _("The document cannot expire before it was issued.")})
    if plan.document_expires_on and plan.document_expires_on < plan.planned_on:
        raise ValidationError(
            {"document_expires_on": _("The document expires before the planned date of return.")}
        )
    if not plan.checkpoint.is_active:
        raise ValidationError({"checkpoint": _("That checkpoint is no longer in use.")})
    creating = plan.pk is None
    if not creating and plan.returnee_id != returnee.id:
        raise PermissionDenied404
    plan.returnee = returnee
    plan.updated_by = actor
    plan.updated_at = timezone.now()
    plan.full_clean()
    plan.save()
    if facility is not None:
        current = Stay.objects.filter(case=returnee.case, status=StayStatus.PLANNED).first()
        if current is not None and current.facility_id == facility.id:
            current.expected_on = plan.planned_on
            current.save(update_fields=["expected_on"])
        else:
            if current is not None:
                current.status = StayStatus.CANCELLED
                current.save(update_fields=["status"])
            stay_plan(actor=actor, case=returnee.case, facility=facility, expected_on=plan.planned_on, ip=ip)
    _advance(returnee, Stage.TRAVEL)
    _audit(
        actor,
        Action.CREATE if creating else Action.UPDATE,
        "travel_plan",
        [request.code, returnee.case.code, plan.code],
        ["document_type", "document_number", "planned_on", "checkpoint"],
        request.owner_org_id,
        ip,
    )
    return plan


@dataclass
class Sharing:
    organisation: Organisation
    sections: list[str]


@dataclass
class HandoverDetails:
    checkpoint: BorderCheckpoint
    handed_over_at: dt.datetime
    handed_over_by_org: Organisation
    handed_over_by_names: str
    received_by: Any
    received_by_names: str = ""
    documents: list[str] | None = None
    belongings: str = ""
    notes: str = ""


@transaction.atomic
def handover_record(
    *,
    actor: Any,
    returnees: Sequence[Returnee],
    details: HandoverDetails,
    sharing: Sequence[Sharing] = (),
    ip: str | None = None,
) -> list[Handover]:
    """Record the handover of returnees at the border, and what was shared with whom, under which consent."""
    if not returnees:
        raise ValidationError(_("Choose at least one person."))
    request = returnees[0].request
    require(actor, Cap.RETURN_MANAGE, request.owner_org_id)
    if any(r.request_id != request.id for r in returnees):
        raise PermissionDenied404
    if not can(details.received_by, Cap.RETURN_MANAGE, request.owner_org_id):
        raise ValidationError(
            {
                "received_by": _("The person who received must work for %(organisation)s.")
                % {"organisation": request.owner_org.name}
            }
        )
    _not_future_time(details.handed_over_at, "handed_over_at")
    when = timezone.localtime(details.handed_over_at).date()
    if when < request.received_on:
        raise ValidationError(
            {"handed_over_at": _("The handover cannot be before the request was received.")}
        )
    if not details.checkpoint.is_active:
        raise ValidationError({"checkpoint": _("That checkpoint is no longer in use.")})
    for share in sharing:
        if not share.sections:
            raise ValidationError(
                _("Say what information was shared with %(organisation)s.")
                % {"organisation": share.organisation.name}
            )
    created = []
    for returnee in returnees:
        _open_returnee(returnee)
        if Handover.objects.filter(returnee=returnee).exists():
            raise ValidationError(
                _("%(reference)s has already been handed over.") % {"reference": returnee.case.reference}
            )
        _require_return_consent(returnee, on=when)
        consents = []
        for share in sharing:
            consent = consent_in_force(returnee.case, ConsentPurpose.SHARING, share.organisation.id, on=when)
            if consent is None:
                raise ValidationError(
                    _(
                        "There is no consent to share information about %(reference)s with %(organisation)s. Nothing was saved."
                    )
                    % {"reference": returnee.case.reference, "organisation": share.organisation.name}
                )
            consents.append((share, consent))
        handover = Handover(
            returnee=returnee,
            checkpoint=details.checkpoint,
            handed_over_at=details.handed_over_at,
            handed_over_by_org=details.handed_over_by_org,
            handed_over_by_names=details.handed_over_by_names.strip(),
            received_by=details.received_by,
            received_by_names=details.received_by_names.strip(),
            documents=details.documents or [],
            belongings=details.belongings.strip(),
            notes=details.notes.strip(),
            recorded_by=actor,
        )
        handover.full_clean()
        handover.save()
        for share, consent in consents:
            InformationShared.objects.create(
                handover=handover, organisation=share.organisation, sections=share.sections, consent=consent
            )
        _advance(returnee, Stage.HANDED_OVER)
        _audit(
            actor,
            Action.CREATE,
            "handover",
            [request.code, returnee.case.code, handover.code],
            ["checkpoint", "handed_over_at", "documents", "belongings", "shared"],
            request.owner_org_id,
            ip,
        )
        created.append(handover)
    return created


# ---- transit centres: facilities, rooms, beds ------------------------------------------------------------
@transaction.atomic
def facility_save(*, actor: Any, facility: Facility, ip: str | None = None) -> Facility:
    require(actor, Cap.FACILITY_MANAGE, facility.organisation_id)
    creating = facility.pk is None
    try:
        facility.full_clean()
        facility.save()
    except IntegrityError:
        raise ValidationError(
            {"name": _("A transit centre of this organisation already has that name.")}
        ) from None
    _audit(
        actor,
        Action.CREATE if creating else Action.UPDATE,
        "facility",
        [facility.code],
        ["name", "province", "address", "phone", "is_active"],
        facility.organisation_id,
        ip,
    )
    return facility


@transaction.atomic
def room_save(*, actor: Any, room: Room, beds: int = 0, ip: str | None = None) -> Room:
    """Save a room; ``beds`` new beds are added to it, numbered after the existing ones."""
    facility = room.facility
    require(actor, Cap.FACILITY_MANAGE, facility.organisation_id)
    creating = room.pk is None
    if not creating:
        before = Room.objects.get(pk=room.pk)
        occupied = Stay.objects.filter(bed__room=room, status=StayStatus.ADMITTED).select_related(
            "case__person"
        )
        if (before.age_group != room.age_group or before.sex != room.sex) and occupied.exists():
            raise ValidationError(
                _("People are staying in this room: move them before changing who the room is for.")
            )
        if not room.is_active and occupied.exists():
            raise ValidationError(
                _("People are staying in this room: discharge or move them before closing it.")
            )
    if not 0 <= beds <= 50:
        raise ValidationError({"beds": _("Add from 0 to 50 beds at a time.")})
    room.full_clean(validate_unique=False)
    if Room.objects.filter(facility=facility, name=room.name).exclude(pk=room.pk).exists():
        raise ValidationError({"name": _("This transit centre already has a room with that name.")})
    room.save()
    existing = set(Bed.objects.filter(room=room).values_list("label", flat=True))
    number = 1
    for _i in range(beds):
        while str(number) in existing:
            number += 1
        Bed.objects.create(room=room, label=str(number))
        existing.add(str(number))
    _audit(
        actor,
        Action.CREATE if creating else Action.UPDATE,
        "facility",
        [facility.code, room.code],
        ["rooms", *(["beds"] if beds else [])],
        facility.organisation_id,
        ip,
    )
    return room


@transaction.atomic
def bed_set_active(*, actor: Any, bed: Bed, active: bool, ip: str | None = None) -> Bed:
    facility = bed.room.facility
    require(actor, Cap.FACILITY_MANAGE, facility.organisation_id)
    if not active and Stay.objects.filter(bed=bed, status=StayStatus.ADMITTED).exists():
        raise ValidationError(_("Someone is staying in this bed."))
    bed.is_active = active
    bed.save(update_fields=["is_active"])
    _audit(
        actor, Action.UPDATE, "facility", [facility.code, bed.code], ["beds"], facility.organisation_id, ip
    )
    return bed


# ---- stays ------------------------------------------------------------------------------------------------
@transaction.atomic
def stay_plan(
    *,
    actor: Any,
    case: Case,
    facility: Facility,
    expected_on: dt.date,
    expected_departure: dt.date | None = None,
    ip: str | None = None,
) -> Stay:
    """Plan an arrival at a transit centre. A centre run by another organisation needs consent to share."""
    require(actor, Cap.RETURN_MANAGE, case.owner_org_id)
    if case.is_closed:
        raise ValidationError(_("The case is closed."))
    if not facility.is_active:
        raise ValidationError({"facility": _("That transit centre is not in use.")})
    if expected_departure is not None and expected_departure < expected_on:
        raise ValidationError({"expected_departure": _("The departure cannot be before the arrival.")})
    _check_facility_sharing(case, facility)
    stay = Stay(
        case=case,
        facility=facility,
        expected_on=expected_on,
        expected_departure=expected_departure,
        planned_by=actor,
    )
    stay.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            stay.save()
    except IntegrityError:
        raise ValidationError(_("This person already has a planned or current stay.")) from None
    _audit(
        actor,
        Action.CREATE,
        "stay",
        [case.code, stay.code],
        ["facility", "expected_on"],
        case.owner_org_id,
        ip,
    )
    return stay


def age_group_of(person: Person, on: dt.date) -> str | None:
    age = person.age(on)
    if age is None:
        return None
    return AgeGroup.ADULTS if age >= settings.ADULT_AGE else AgeGroup.CHILDREN


def room_sex_of(person: Person) -> str | None:
    if person.gender in (Gender.FEMININE, Gender.TRANS_FEMININE):
        return RoomSex.FEMALE
    if person.gender in (Gender.MASCULINE, Gender.TRANS_MASCULINE):
        return RoomSex.MALE
    return None


def bed_fits(person: Person, room: Room, on: dt.date) -> bool:
    """Children and adults apart; women and men apart. An unknown age or sex leaves the choice to the staff."""
    group, sex = age_group_of(person, on), room_sex_of(person)
    return (group is None or room.age_group == group) and (sex is None or room.sex == sex)


def _audit_stay(
    actor: Any,
    action: str,
    stay: Stay,
    fields: list[str],
    ip: str | None,
    *,
    object_type: str = "stay",
    codes: list[Any] | None = None,
) -> None:
    """Audit a write at a transit centre, in the log of the organisation that runs it."""
    _audit(
        actor,
        action,
        object_type,
        [stay.case.code, *(codes or [stay.code])],
        fields,
        stay.facility.organisation_id,
        ip,
    )


def _require_transit(actor: Any, stay: Stay) -> None:
    require(actor, Cap.TRANSIT_OPERATE, stay.facility.organisation_id)


BED_TAKEN = gettext_noop("Someone is already staying in that bed. Choose another.")


def _lock_bed_and_stay(stay: Stay, bed: Bed) -> tuple[Stay, Bed]:
    """Lock the bed first: a second admission to it waits here, then sees it taken."""
    bed = Bed.objects.select_for_update().select_related("room__facility").get(pk=bed.pk)
    stay = Stay.objects.select_for_update().select_related("case__person", "facility").get(pk=stay.pk)
    return stay, bed


def _check_bed(stay: Stay, bed: Bed, on: dt.date) -> None:
    """The bed is in use at the stay's centre, fits the person, and nobody else sleeps in it."""
    if bed.room.facility_id != stay.facility_id or not bed.is_active or not bed.room.is_active:
        raise ValidationError({"bed": _("Choose a bed in use at this transit centre.")})
    if not bed_fits(stay.case.person, bed.room, on):
        raise ValidationError(
            {
                "bed": _("This bed is in a room for %(group)s, %(sex)s.")
                % {"group": bed.room.get_age_group_display(), "sex": bed.room.get_sex_display()}
            }
        )
    if Stay.objects.filter(bed=bed, status=StayStatus.ADMITTED).exclude(pk=stay.pk).exists():
        raise ValidationError({"bed": _(BED_TAKEN)})


def _save_bed(stay: Stay, fields: list[str]) -> None:
    """Save; the partial unique index has the last word on one person per bed."""
    try:
        with transaction.atomic():
            stay.save(update_fields=fields)
    except IntegrityError:
        raise ValidationError({"bed": _(BED_TAKEN)}) from None


@transaction.atomic
def stay_admit(*, actor: Any, stay: Stay, bed: Bed, admitted_at: dt.datetime, ip: str | None = None) -> Stay:
    """Admit a planned arrival to a free bed. Two admissions can never take the same bed."""
    _require_transit(actor, stay)
    stay, bed = _lock_bed_and_stay(stay, bed)
    if stay.status != StayStatus.PLANNED:
        raise ValidationError(_("Only a planned arrival can be admitted."))
    _not_future_time(admitted_at, "admitted_at")
    handover = Handover.objects.filter(returnee__case=stay.case).first()
    if handover is not None and admitted_at < handover.handed_over_at:
        raise ValidationError(
            {"admitted_at": _("The admission cannot be before the handover at the border.")}
        )
    _check_bed(stay, bed, timezone.localtime(admitted_at).date())
    stay.bed = bed
    stay.status = StayStatus.ADMITTED
    stay.admitted_at = admitted_at
    stay.admitted_by = actor
    _save_bed(stay, ["bed", "status", "admitted_at", "admitted_by"])
    returnee = Returnee.objects.filter(case=stay.case).first()
    if returnee is not None:
        _advance(returnee, Stage.IN_TRANSIT)
    _audit_stay(actor, Action.UPDATE, stay, ["status", "bed", "admitted_at"], ip)
    return stay


@transaction.atomic
def stay_move(*, actor: Any, stay: Stay, bed: Bed, ip: str | None = None) -> Stay:
    """Move a resident to another free bed of the same centre."""
    _require_transit(actor, stay)
    stay, bed = _lock_bed_and_stay(stay, bed)
    if stay.status != StayStatus.ADMITTED:
        raise ValidationError(_("Only someone staying can be moved."))
    _check_bed(stay, bed, timezone.localdate())
    stay.bed = bed
    _save_bed(stay, ["bed"])
    _audit_stay(actor, Action.UPDATE, stay, ["bed"], ip)
    return stay


@transaction.atomic
def stay_consent_record(
    *, actor: Any, stay: Stay, granted: bool, given_on: dt.date, notes: str = "", ip: str | None = None
) -> Consent:
    """Transit staff record the resident's answer about medical checks and tests."""
    _require_transit(actor, stay)
    if stay.status not in (StayStatus.PLANNED, StayStatus.ADMITTED):
        raise ValidationError(_("The person is no longer staying here."))
    _not_future_date(given_on, "given_on")
    consent = Consent(
        case=stay.case,
        purpose=ConsentPurpose.MEDICAL,
        granted=granted,
        given_on=given_on,
        notes=notes.strip(),
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    _audit_stay(
        actor, Action.CREATE, stay, ["purpose", "granted"], ip, object_type="consent", codes=[consent.code]
    )
    return consent


@transaction.atomic
def stay_service_add(*, actor: Any, stay: Stay, service: StayService, ip: str | None = None) -> StayService:
    _require_transit(actor, stay)
    if stay.status != StayStatus.ADMITTED or stay.admitted_at is None:
        raise ValidationError(_("Services are recorded for people who are staying."))
    _not_future_date(service.happened_on, "happened_on")
    if service.happened_on < timezone.localtime(stay.admitted_at).date():
        raise ValidationError({"happened_on": _("The date cannot be before the admission.")})
    service.consent = None
    if service.kind in MEDICAL_SERVICES:
        consent = consent_in_force(stay.case, ConsentPurpose.MEDICAL, on=service.happened_on)
        if consent is None:
            raise ValidationError(
                {"kind": _("Medical checks and tests need the person's recorded consent. Record it first.")}
            )
        service.consent = consent
    service.stay = stay
    service.recorded_by = actor
    service.full_clean()
    service.save()
    _audit_stay(
        actor,
        Action.CREATE,
        stay,
        ["kind", "summary"],
        ip,
        object_type="stay_service",
        codes=[stay.code, service.code],
    )
    return service


@dataclass
class Discharge:
    discharged_at: dt.datetime
    destination_province: Area
    destination_district: Area | None
    escort_names: str
    received_by_org: Organisation
    received_by_names: str = ""
    notes: str = ""


@transaction.atomic
def stay_discharge(*, actor: Any, stay: Stay, discharge: Discharge, ip: str | None = None) -> Stay:
    """Discharge a resident with an escort home, handed over to the provincial office."""
    _require_transit(actor, stay)
    stay = Stay.objects.select_for_update().select_related("case", "facility").get(pk=stay.pk)
    if stay.status == StayStatus.DISCHARGED:
        raise ValidationError(_("This person has already been discharged."))
    if stay.status != StayStatus.ADMITTED or stay.admitted_at is None:
        raise ValidationError(_("This person was never admitted, so they cannot be discharged."))
    _not_future_time(discharge.discharged_at, "discharged_at")
    if discharge.discharged_at < stay.admitted_at:
        raise ValidationError({"discharged_at": _("The discharge cannot be before the admission.")})
    province, district = discharge.destination_province, discharge.destination_district
    if province.country.code != "LA" or province.parent_id is not None:
        raise ValidationError({"destination_province": _("Choose a Lao province.")})
    if district is not None and district.parent_id != province.id:
        raise ValidationError({"destination_district": _("The district must be in the province chosen.")})
    if discharge.received_by_org.is_external:
        raise ValidationError({"received_by_org": _("Choose an organisation that works in Homeward.")})
    if not discharge.escort_names.strip():
        raise ValidationError({"escort_names": _("Say who escorted the person.")})
    stay.status = StayStatus.DISCHARGED
    stay.discharged_at = discharge.discharged_at
    stay.discharged_by = actor
    stay.destination_province = province
    stay.destination_district = district
    stay.escort_names = discharge.escort_names.strip()
    stay.received_by_org = discharge.received_by_org
    stay.received_by_names = discharge.received_by_names.strip()
    stay.discharge_notes = discharge.notes.strip()
    stay.save()
    returnee = Returnee.objects.filter(case=stay.case).first()
    if returnee is not None:
        _advance(returnee, Stage.HOME)
    _audit_stay(
        actor, Action.UPDATE, stay, ["status", "discharged_at", "escort_names", "received_by_org"], ip
    )
    return stay


@transaction.atomic
def stay_cancel(*, actor: Any, stay: Stay, ip: str | None = None) -> Stay:
    """Cancel a planned arrival (the person did not come, or goes straight home)."""
    if not (
        can(actor, Cap.RETURN_MANAGE, stay.case.owner_org_id)
        or can(actor, Cap.TRANSIT_OPERATE, stay.facility.organisation_id)
    ):
        raise PermissionDenied404
    stay = Stay.objects.select_for_update().get(pk=stay.pk)
    if stay.status != StayStatus.PLANNED:
        raise ValidationError(_("Only a planned arrival can be cancelled."))
    stay.status = StayStatus.CANCELLED
    stay.save(update_fields=["status"])
    _audit_stay(actor, Action.UPDATE, stay, ["status"], ip)
    return stay
