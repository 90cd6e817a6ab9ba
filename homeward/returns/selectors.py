"""Reads of the return journey that depend on who asks: each starts from what the policy lets them see."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from homeward.accounts.capabilities import Cap
from homeward.accounts.policy import can, orgs_with
from homeward.returns.models import Bed, Facility, Returnee, ReturnRequest, Stay, Tracing
from homeward.returns.picklists import Stage, StayStatus, TracingStatus

CURRENT = [StayStatus.PLANNED, StayStatus.ADMITTED]


def _get(qs: QuerySet, code: Any) -> Any:
    try:
        return qs.get(code=code)
    except (qs.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


# ---- requests ---------------------------------------------------------------------------------------------
def requests_visible_to(user: Any) -> QuerySet[ReturnRequest]:
    return ReturnRequest.objects.filter(owner_org_id__in=orgs_with(user, Cap.CASE_VIEW))


def get_request_for(user: Any, code: Any, capability: Cap = Cap.CASE_VIEW) -> ReturnRequest:
    request = _get(
        ReturnRequest.objects.select_related("owner_org", "requesting_agency", "host_country", "created_by"),
        code,
    )
    if not can(user, Cap.CASE_VIEW, request.owner_org_id) or not can(user, capability, request.owner_org_id):
        raise Http404
    return request


def returnees_of(request: ReturnRequest) -> list[Returnee]:
    return list(
        request.returnees.select_related(
            "case__person__province",
            "case__person__district",
            "tracing__assigned_org",
            "tracing__assessment",
            "travel__checkpoint",
            "handover__checkpoint",
        ).order_by("id")
    )


def get_returnee_for(user: Any, code: Any, capability: Cap = Cap.CASE_VIEW) -> Returnee:
    returnee = _get(
        Returnee.objects.select_related("request__owner_org", "request__requesting_agency", "case__person"),
        code,
    )
    owner = returnee.request.owner_org_id
    if not can(user, Cap.CASE_VIEW, owner) or not can(user, capability, owner):
        raise Http404
    return returnee


# ---- tracing ----------------------------------------------------------------------------------------------
def tracings_visible_to(user: Any) -> QuerySet[Tracing]:
    """Tracing asked of the user's organisation, and tracing of the cases their organisation owns."""
    return Tracing.objects.filter(
        Q(assigned_org_id__in=orgs_with(user, Cap.TRACING_RECORD))
        | Q(returnee__request__owner_org_id__in=orgs_with(user, Cap.CASE_VIEW))
    )


def get_tracing_for(user: Any, code: Any) -> Tracing:
    tracing = _get(
        tracings_visible_to(user).select_related(
            "assigned_org",
            "province",
            "district",
            "requested_by",
            "returnee__case__person__province",
            "returnee__case__person__district",
            "returnee__request__requesting_agency",
            "returnee__request__owner_org",
        ),
        code,
    )
    return tracing


def tracing_queue(user: Any) -> QuerySet[Tracing]:
    """Open tracing the user's organisation was asked to do, overdue first."""
    return (
        Tracing.objects.filter(
            assigned_org_id__in=orgs_with(user, Cap.TRACING_RECORD), status=TracingStatus.OPEN
        )
        .select_related("returnee__case__person", "province", "district", "returnee__request__owner_org")
        .order_by("due_on", "id")
    )


def tracing_awaited(user: Any) -> QuerySet[Tracing]:
    """Open tracing the user's organisation asked for (the ministry's view of what the provinces owe it)."""
    return (
        Tracing.objects.filter(
            returnee__request__owner_org_id__in=orgs_with(user, Cap.RETURN_MANAGE), status=TracingStatus.OPEN
        )
        .select_related("returnee__case__person", "assigned_org", "province")
        .order_by("due_on", "id")
    )


def returns_in_progress(user: Any) -> QuerySet[Returnee]:
    return (
        Returnee.objects.filter(
            request__owner_org_id__in=orgs_with(user, Cap.RETURN_MANAGE),
            stage__in=[Stage.REQUESTED, Stage.TRACING, Stage.ASSESSED, Stage.TRAVEL, Stage.HANDED_OVER],
        )
        .select_related("case__person", "request", "travel")
        .order_by("request__received_on", "id")
    )


# ---- transit centres --------------------------------------------------------------------------------------
def facilities_visible_to(user: Any) -> QuerySet[Facility]:
    org_ids = set(orgs_with(user, Cap.TRANSIT_OPERATE)) | set(orgs_with(user, Cap.FACILITY_MANAGE))
    return Facility.objects.filter(organisation_id__in=org_ids).select_related("organisation", "province")


def get_facility_for(user: Any, code: Any, capability: Cap | None = None) -> Facility:
    facility = _get(Facility.objects.select_related("organisation", "province"), code)
    org = facility.organisation_id
    allowed = (
        can(user, capability, org)
        if capability
        else can(user, Cap.TRANSIT_OPERATE, org) or can(user, Cap.FACILITY_MANAGE, org)
    )
    if not allowed:
        raise Http404
    return facility


def facilities_for_planning() -> QuerySet[Facility]:
    return Facility.objects.filter(is_active=True).select_related("organisation", "province")


def stays_visible_to(user: Any) -> QuerySet[Stay]:
    """Transit staff see the people staying, or about to arrive, at their organisation's centres; caseworkers
    see the stays of their organisation's cases."""
    return Stay.objects.filter(
        Q(facility__organisation_id__in=orgs_with(user, Cap.TRANSIT_OPERATE), status__in=CURRENT)
        | Q(case__owner_org_id__in=orgs_with(user, Cap.CASE_VIEW))
    )


def get_stay_for(user: Any, code: Any) -> Stay:
    return _get(
        stays_visible_to(user).select_related(
            "case__person__province",
            "case__person__district",
            "case__owner_org",
            "facility__organisation",
            "bed__room",
            "received_by_org",
            "destination_province",
            "destination_district",
        ),
        code,
    )


def may_operate(user: Any, stay: Stay) -> bool:
    return can(user, Cap.TRANSIT_OPERATE, stay.facility.organisation_id) and stay.status in CURRENT


def free_beds(facility: Facility) -> list[Bed]:
    taken = Stay.objects.filter(facility=facility, status=StayStatus.ADMITTED).values("bed_id")
    return list(
        Bed.objects.filter(room__facility=facility, is_active=True, room__is_active=True)
        .exclude(id__in=taken)
        .select_related("room")
        .order_by("room__name", "label")
    )


@dataclass
class BedRow:
    bed: Bed
    stay: Stay | None


@dataclass
class RoomRow:
    room: Any
    beds: list[BedRow]

    @property
    def occupied(self) -> int:
        return sum(1 for b in self.beds if b.stay is not None)


@dataclass
class DayRow:
    day: dt.date
    arrivals: int
    departures: int
    occupied: int
    free: int


@dataclass
class Occupancy:
    facility: Facility
    rooms: list[RoomRow]
    beds: int
    occupied: int
    planned: list[Stay]
    week: list[DayRow]
    current_days: list[int] = field(default_factory=list)
    past_days: list[int] = field(default_factory=list)

    @property
    def free(self) -> int:
        return self.beds - self.occupied

    @property
    def current_median(self) -> float | None:
        return statistics.median(self.current_days) if self.current_days else None

    @property
    def past_median(self) -> float | None:
        return statistics.median(self.past_days) if self.past_days else None

    @property
    def past_mean(self) -> float | None:
        return round(statistics.fmean(self.past_days), 1) if self.past_days else None

    @property
    def past_max(self) -> int | None:
        return max(self.past_days) if self.past_days else None


def occupancy(facility: Facility, today: dt.date | None = None, days: int = 7) -> Occupancy:
    """Beds today by room, planned arrivals and the coming week, and length-of-stay figures (in days).

    A resident counts as leaving on their expected departure date; without one they count as staying the week.
    A planned arrival counts from its expected date.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    beds = list(
        Bed.objects.filter(room__facility=facility, is_active=True, room__is_active=True)
        .select_related("room")
        .order_by("room__name", "room_id", "label")
    )
    residents = list(
        Stay.objects.filter(facility=facility, status=StayStatus.ADMITTED).select_related(
            "case__person__province", "bed__room"
        )
    )
    by_bed = {s.bed_id: s for s in residents}
    rooms: dict[int, RoomRow] = {}
    for bed in beds:
        rooms.setdefault(bed.room_id, RoomRow(room=bed.room, beds=[])).beds.append(
            BedRow(bed, by_bed.get(bed.id))
        )
    planned = list(
        Stay.objects.filter(
            facility=facility, status=StayStatus.PLANNED, expected_on__lte=today + dt.timedelta(days=days - 1)
        )
        .select_related("case__person__province", "case__returnee__travel__checkpoint")
        .order_by("expected_on", "id")
    )
    week = []
    for offset in range(days):
        day = today + dt.timedelta(days=offset)
        staying = sum(1 for s in residents if s.expected_departure is None or s.expected_departure > day)
        staying += sum(
            1
            for s in planned
            if max(s.expected_on, today) <= day
            and (s.expected_departure is None or s.expected_departure > day)
        )
        arrivals = sum(1 for s in planned if max(s.expected_on, today) == day)
        departures = sum(1 for s in residents if s.expected_departure == day)
        week.append(DayRow(day, arrivals, departures, staying, len(beds) - staying))
    year_ago = now - dt.timedelta(days=365)
    past = Stay.objects.filter(
        facility=facility, status=StayStatus.DISCHARGED, discharged_at__gte=year_ago
    ).only("admitted_at", "discharged_at")
    return Occupancy(
        facility=facility,
        rooms=list(rooms.values()),
        beds=len(beds),
        occupied=len([b for b in beds if b.id in by_bed]),
        planned=planned,
        week=week,
        current_days=[s.days(now) or 0 for s in residents],
        past_days=[s.days() or 0 for s in past],
    )


# ---- the case page ----------------------------------------------------------------------------------------
@dataclass
class JourneyStep:
    when: dt.datetime
    kind: str
    obj: Any


def _at(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))


def journey_for(case: Any) -> list[JourneyStep]:
    """The way home of one case, for its timeline: request, tracing, reply, travel, handover, stay, escort."""
    steps: list[JourneyStep] = []
    returnee = (
        Returnee.objects.filter(case=case)
        .select_related("request__requesting_agency", "request__created_by")
        .first()
    )
    if returnee is not None:
        request = returnee.request
        steps.append(JourneyStep(_at(request.received_on), "return_request", returnee))
        tracing = (
            Tracing.objects.filter(returnee=returnee)
            .select_related("assigned_org", "requested_by", "completed_by")
            .first()
        )
        if tracing is not None:
            steps.append(JourneyStep(_at(tracing.requested_on), "tracing_asked", tracing))
            for attempt in tracing.attempts.select_related("recorded_by"):
                steps.append(JourneyStep(_at(attempt.attempted_on), "tracing_attempt", attempt))
            assessment = getattr(tracing, "assessment", None)
            if assessment is not None:
                steps.append(JourneyStep(_at(assessment.assessed_on), "assessment", assessment))
        for reply in returnee.replies.select_related("sent_to", "sent_by"):
            steps.append(JourneyStep(_at(reply.sent_on), "reply", reply))
        travel = getattr(returnee, "travel", None)
        if travel is not None:
            steps.append(JourneyStep(_at(travel.planned_on), "travel", travel))
        handover = getattr(returnee, "handover", None)
        if handover is not None:
            steps.append(JourneyStep(handover.handed_over_at, "handover", handover))
    for stay in Stay.objects.filter(case=case).select_related(
        "facility", "bed__room", "admitted_by", "discharged_by", "received_by_org", "destination_province"
    ):
        if stay.admitted_at:
            steps.append(JourneyStep(stay.admitted_at, "admitted", stay))
        for service in stay.services.select_related("recorded_by"):
            steps.append(JourneyStep(_at(service.happened_on), "stay_service", service))
        if stay.discharged_at:
            steps.append(JourneyStep(stay.discharged_at, "discharged", stay))
    return steps
