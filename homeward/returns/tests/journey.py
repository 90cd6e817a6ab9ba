"""Build a return journey through the real services, for the tests of this app and the URL access table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from homeward.accounts.models import Organisation, OrgType
from homeward.cases.models import Case
from homeward.people.models import Person
from homeward.places.models import Area, BorderCheckpoint, Country
from homeward.returns import services
from homeward.returns.models import (
    Bed,
    Facility,
    FamilyAssessment,
    Reply,
    Returnee,
    ReturnRequest,
    Room,
    Stay,
    Tracing,
    TracingAttempt,
    TravelPlan,
)
from homeward.tests.factories import PersonFieldsFactory


def agency(name: str = "Shelter T (synthetic)") -> Organisation:
    return Organisation.objects.get_or_create(
        name=name,
        defaults={
            "type": OrgType.CENTRAL_GOVERNMENT,
            "country": Country.objects.get(code="TH"),
            "is_external": True,
        },
    )[0]


def new_request(personas: Any, received_days_ago: int = 10, **extra: Any) -> ReturnRequest:
    return services.request_save(
        actor=personas.alice,
        request=ReturnRequest(
            owner_org=personas.org_a,
            requesting_agency=extra.pop("requesting_agency", None) or agency(),
            host_country=Country.objects.get(code="TH"),
            host_reference="TH-REF-0001",
            received_on=timezone.localdate() - dt.timedelta(days=received_days_ago),
            **extra,
        ),
    )


def person(**fields: Any) -> Person:
    data: dict[str, Any] = PersonFieldsFactory()  # type: ignore[assignment]
    data.update(fields)
    return Person(**data)


def add_returnee(
    personas: Any, request: ReturnRequest, consent: bool | None = True, share: bool = True, **fields: Any
) -> Returnee:
    given = request.received_on if consent is not None else None
    return services.returnee_add(
        actor=personas.alice,
        request=request,
        person=person(**fields),
        consent=services.ConsentAnswer(
            to_return=consent, given_on=given, share_with_agency=share and bool(consent)
        ),
    )


def ask_tracing(personas: Any, returnees: list[Returnee]) -> list[Tracing]:
    return services.tracing_request(
        actor=personas.alice,
        returnees=returnees,
        assigned_org=personas.org_b,
        province=Area.objects.get(code="LA13"),
        district=Area.objects.get(code="LA1301"),
        information="Mother's name and village (synthetic)",
    )


def complete_tracing(personas: Any, tracing: Tracing) -> Tracing:
    today = timezone.localdate()
    services.tracing_attempt_add(
        actor=personas.bob,
        tracing=tracing,
        attempt=TracingAttempt(attempted_on=today, method="home_visit", outcome="found"),
    )
    services.assessment_save(
        actor=personas.bob,
        tracing=tracing,
        assessment=FamilyAssessment(
            assessed_on=today,
            safe_to_return="yes",
            people_at_home="Mother and two brothers (synthetic)",
            recommendation="family_support",
            reply_summary="Family found and ready to welcome her.",
        ),
    )
    return services.tracing_complete(actor=personas.bob, tracing=tracing)


def facility(personas: Any, beds: int = 2) -> Facility:
    centre = services.facility_save(
        actor=personas.sam,
        facility=Facility(
            organisation=personas.org_a, name="Transit Centre A", province=Area.objects.get(code="LA01")
        ),
    )
    for name, group, sex in (
        ("Women", "adults", "female"),
        ("Girls", "children", "female"),
        ("Men", "adults", "male"),
    ):
        services.room_save(
            actor=personas.sam, room=Room(facility=centre, name=name, age_group=group, sex=sex), beds=beds
        )
    return centre


def checkpoint() -> BorderCheckpoint:
    return BorderCheckpoint.objects.get(code="LA-BCP-01")


def plan_travel(
    personas: Any, returnee: Returnee, centre: Facility | None, on: dt.date | None = None
) -> TravelPlan:
    return services.travel_save(
        actor=personas.alice,
        returnee=returnee,
        plan=TravelPlan(
            document_type="laissez_passer", planned_on=on or timezone.localdate(), checkpoint=checkpoint()
        ),
        facility=centre,
    )


def hand_over(
    personas: Any,
    returnees: list[Returnee],
    at: dt.datetime | None = None,
    sharing: list[services.Sharing] | None = None,
) -> list:
    return services.handover_record(
        actor=personas.alice,
        returnees=returnees,
        details=services.HandoverDetails(
            checkpoint=checkpoint(),
            handed_over_at=at or timezone.now() - dt.timedelta(hours=3),
            handed_over_by_org=returnees[0].request.requesting_agency,
            handed_over_by_names="Officer T (synthetic)",
            received_by=personas.alice,
            documents=["travel"],
        ),
        sharing=sharing or [],
    )


def bed(centre: Facility, room: str = "Women", label: str = "1") -> Bed:
    return Bed.objects.get(room__facility=centre, room__name=room, label=label)


def admit(personas: Any, stay: Stay, bed_: Bed, at: dt.datetime | None = None) -> Stay:
    return services.stay_admit(
        actor=personas.tina, stay=stay, bed=bed_, admitted_at=at or timezone.now() - dt.timedelta(hours=1)
    )


def planned_stay(case: Case) -> Stay:
    return Stay.objects.get(case=case, status="planned")


@dataclass
class Journey:
    request: ReturnRequest
    done: Returnee  # traced, replied, travelled, handed over, admitted
    waiting: Returnee  # tracing open, arrival planned
    centre: Facility
    admitted: Stay
    planned: Stay
    reply: Reply


def build(personas: Any) -> Journey:
    """Two people on one request: one staying at the transit centre, one still being traced."""
    request = new_request(personas)
    done = add_returnee(personas, request, birth_date="1998", birth_year=1998)
    waiting = add_returnee(personas, request, birth_date="1999", birth_year=1999)
    tracings = ask_tracing(personas, [done, waiting])
    complete_tracing(personas, tracings[0])
    reply = services.reply_record(
        actor=personas.alice, request=request, sent_on=timezone.localdate(), channel="email", language="en"
    )
    centre = facility(personas)
    plan_travel(personas, done, centre)
    plan_travel(personas, waiting, centre, on=timezone.localdate() + dt.timedelta(days=2))
    hand_over(personas, [done])
    admitted = admit(personas, planned_stay(done.case), bed(centre))
    return Journey(
        request=request,
        done=Returnee.objects.get(pk=done.pk),
        waiting=Returnee.objects.get(pk=waiting.pk),
        centre=centre,
        admitted=admitted,
        planned=planned_stay(waiting.case),
        reply=reply,
    )
