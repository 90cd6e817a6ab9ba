"""Demo returns in every stage, made through the real services and then dated back so the timelines, queues,
occupancy board and length-of-stay figures look like a working month. Synthetic people only."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from homeward.accounts.models import Organisation, OrgType
from homeward.cases.models import Case, CaseStatusChange, Consent, VictimContext
from homeward.lib.synthetic import VILLAGES, synthetic_case
from homeward.people.models import Person
from homeward.places.models import Area, BorderCheckpoint, Country
from homeward.returns import services
from homeward.returns.models import (
    Bed,
    Facility,
    FamilyAssessment,
    Handover,
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

AGENCIES = [
    ("MSDHS Protection and Occupational Development Centre, Nonthaburi (demo)", "TH"),
    ("MSDHS Protection Shelter for Children and Families, Songkhla (demo)", "TH"),
    ("Thai Police Anti-Human Trafficking Division (demo)", "TH"),
    ("Anti-trafficking NGO, Phnom Penh (demo)", "KH"),
]
ROOMS = [
    ("Women A", "adults", "female", 6, False),
    ("Women B", "adults", "female", 4, True),
    ("Girls", "children", "female", 6, False),
    ("Boys", "children", "male", 2, False),
    ("Men", "adults", "male", 4, False),
]


@dataclass
class Scenario:
    """One request: how many people, how long ago it came, and how far they have come."""

    people: int
    received_days_ago: int
    stage: str  # requested, tracing, tracing_overdue, assessed, replied, travel, handed_over, staying, home, cancelled
    agency: int = 0
    children: bool = False


SCENARIOS = [
    Scenario(2, 2, "requested", agency=1, children=True),
    Scenario(1, 25, "tracing_overdue"),
    Scenario(3, 10, "tracing", agency=3),
    Scenario(1, 20, "assessed", agency=2),
    Scenario(2, 30, "travel"),
    Scenario(1, 33, "handed_over", agency=2),
    Scenario(4, 45, "staying"),
    Scenario(1, 40, "staying", agency=1, children=True),
    Scenario(3, 95, "home"),
    Scenario(2, 70, "home", agency=2),
    Scenario(1, 40, "cancelled", agency=1),
]


def _day(days_ago: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days_ago)


def _at(days_ago: int, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(_day(days_ago), dt.time(hour, 0)))


def generate_returns(
    *, ministry: Organisation, province_office: Organisation, users: dict[str, Any], seed: int = 2026
) -> int:
    """Make the demo's partner agencies, transit centre and returns. Returns the number of people."""
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
    caseworker, supervisor = users["caseworker"], users["supervisor"]
    tracer, transit = users["caseworker.svk"], users["transit"]
    with transaction.atomic():
        agencies = [
            Organisation.objects.get_or_create(
                name=name,
                defaults={
                    "type": OrgType.CENTRAL_GOVERNMENT,
                    "country": Country.objects.get(code=code),
                    "is_external": True,
                },
            )[0]
            for name, code in AGENCIES
        ]
        centre = services.facility_save(
            actor=supervisor,
            facility=Facility(
                organisation=ministry,
                name="Vientiane Transit Centre (demo)",
                province=Area.objects.get(code="LA01"),
                address="Ban Demo, Sisattanak district",
                phone="+856 21 000 000",
            ),
        )
        for name, group, sex, beds, accessible in ROOMS:
            services.room_save(
                actor=supervisor,
                room=Room(facility=centre, name=name, age_group=group, sex=sex, accessible=accessible),
                beds=beds,
            )
        people = 0
        for scenario in SCENARIOS:
            people += _scenario(
                rng, scenario, agencies, centre, ministry, province_office, caseworker, tracer, transit
            )
    return people


def _person(rng: random.Random, ministry: Organisation, child: bool, traced: bool) -> tuple[Person, Any]:
    today = timezone.localdate()
    draft = synthetic_case(rng, today)
    if traced:
        draft.origin_province = "LA13"  # the demo's provincial office is Savannakhet
    if child:
        draft.birth_date = dt.date(today.year - rng.randint(14, 17), 6, 15)
    province = Area.objects.get(code=draft.origin_province)
    districts = list(Area.objects.filter(parent=province))
    person = Person(
        gender="Feminine" if child or rng.random() < 0.85 else "Masculine",
        given_name_lo=draft.given_lo,
        family_name_lo=draft.family_lo,
        given_name_latin=draft.given_latin,
        family_name_latin=draft.family_latin,
        aliases="\n".join(draft.aliases),
        birth_date=str(draft.birth_date.year),
        birth_year=draft.birth_date.year,
        citizenship=Country.objects.get(code="LA"),
        primary_language="lo",
        province=province,
        district=rng.choice(districts) if districts else None,
        address_detail=f"Ban {rng.choice(VILLAGES)}",
    )
    return person, draft


def _scenario(
    rng, sc: Scenario, agencies, centre, ministry, province_office, caseworker, tracer, transit
) -> int:
    received = sc.received_days_ago
    agency = agencies[sc.agency]
    request = services.request_save(
        actor=caseworker,
        request=ReturnRequest(
            owner_org=ministry,
            requesting_agency=agency,
            requesting_contact="Social worker on duty (demo)",
            host_reference=f"{agency.country.code}-{timezone.localdate().year}-{rng.randint(100, 999)}",
            host_country=agency.country,
            received_on=_day(received),
            documents_received=["case_file", "identity", "photo"][: rng.randint(1, 3)],
        ),
    )
    returnees = []
    for index in range(sc.people):
        person, draft = _person(
            rng, ministry, sc.children and index == 0, sc.stage not in ("requested", "cancelled")
        )
        asked = not (sc.stage == "requested" and index == 1)
        returnee = services.returnee_add(
            actor=caseworker,
            request=request,
            person=person,
            consent=services.ConsentAnswer(
                to_return=True if asked else None, given_on=_day(received), share_with_agency=asked
            ),
        )
        VictimContext.objects.filter(case=returnee.case).update(
            exploitation_types=draft.exploitation if sc.agency != 3 else ["hw_ForcedCriminality"],
            methods_of_control=draft.control,
            methods_of_recruitment=draft.recruitment,
            vulnerabilities=draft.vulnerabilities,
            agreement_to_manage_data=True,
        )
        returnees.append(returnee)
    Case.objects.filter(returnee__request=request).update(opened_on=_day(received))
    CaseStatusChange.objects.filter(case__returnee__request=request).update(changed_at=_at(received, 9))
    Consent.objects.filter(case__returnee__request=request).update(
        given_on=_day(received), recorded_at=_at(received, 10)
    )
    if sc.stage == "requested":
        return sc.people
    if sc.stage == "cancelled":
        services.returnee_cancel(
            actor=caseworker,
            returnee=returnees[0],
            reason="Decided to stay and work legally in Thailand (demo).",
        )
        return sc.people

    asked_on = received - 1
    tracings = services.tracing_request(
        actor=caseworker,
        returnees=returnees,
        assigned_org=province_office,
        province=returnees[0].case.person.province or Area.objects.get(code="LA13"),
        district=None,
        information="The person says her parents farm rice near the village school (demo).",
    )
    Tracing.objects.filter(pk__in=[t.pk for t in tracings]).update(
        requested_on=_day(asked_on), due_on=_day(asked_on - 14)
    )
    if sc.stage in ("tracing", "tracing_overdue"):
        if sc.stage == "tracing":
            attempt = services.tracing_attempt_add(
                actor=tracer,
                tracing=Tracing.objects.get(pk=tracings[0].pk),
                attempt=TracingAttempt(
                    attempted_on=timezone.localdate(),
                    method="phone",
                    outcome="no_contact",
                    notes="Village chief's phone off (demo).",
                ),
            )
            TracingAttempt.objects.filter(pk=attempt.pk).update(attempted_on=_day(max(asked_on - 3, 0)))
        return sc.people

    assessed = asked_on - 6
    for tracing in tracings:
        tracing = Tracing.objects.get(pk=tracing.pk)
        services.tracing_attempt_add(
            actor=tracer,
            tracing=tracing,
            attempt=TracingAttempt(attempted_on=timezone.localdate(), method="home_visit", outcome="found"),
        )
        risky = rng.random() < 0.3
        services.assessment_save(
            actor=tracer,
            tracing=tracing,
            assessment=FamilyAssessment(
                assessed_on=timezone.localdate(),
                safe_to_return="conditions" if risky else "yes",
                people_at_home="Mother, father and two younger siblings (demo).",
                risks=["debt", "stigma"] if risky else [],
                risk_details="Family owes the broker 8 million kip (demo)." if risky else "",
                community="The village chief will visit the family after the return (demo).",
                recommendation="family_support" if risky else "family",
                reply_summary="Family found and willing to welcome her home; support with a livelihood grant is planned (demo).",
            ),
        )
        services.tracing_complete(actor=tracer, tracing=tracing)
    Tracing.objects.filter(pk__in=[t.pk for t in tracings]).update(completed_on=_day(assessed))
    TracingAttempt.objects.filter(tracing__in=tracings).update(attempted_on=_day(assessed + 1))
    FamilyAssessment.objects.filter(tracing__in=tracings).update(assessed_on=_day(assessed))
    if sc.stage == "assessed":
        return sc.people

    reply = services.reply_record(
        actor=caseworker, request=request, sent_on=timezone.localdate(), channel="email", language="th"
    )
    Reply.objects.filter(pk=reply.pk).update(sent_on=_day(assessed - 1))
    checkpoint = BorderCheckpoint.objects.get(
        code="LA-BCP-01" if agency.country.code == "TH" else "LA-BCP-12"
    )
    travel_day = {"travel": -3, "handed_over": 0, "staying": rng.randint(2, 12)}.get(
        sc.stage, max(assessed - 8, 1)
    )
    for returnee in returnees:
        services.travel_save(
            actor=caseworker,
            returnee=Returnee.objects.get(pk=returnee.pk),
            plan=TravelPlan(
                document_type="laissez_passer" if agency.country.code == "TH" else "temporary_passport",
                document_number=f"LP{rng.randint(100000, 999999)}",
                planned_on=timezone.localdate() + dt.timedelta(days=max(-travel_day, 0)),
                checkpoint=checkpoint,
            ),
            facility=centre,
        )
    if travel_day > 0:
        TravelPlan.objects.filter(returnee__request=request).update(planned_on=_day(travel_day))
        Stay.objects.filter(case__returnee__request=request).update(expected_on=_day(travel_day))
    if sc.stage == "travel":
        return sc.people

    services.handover_record(
        actor=caseworker,
        returnees=[Returnee.objects.get(pk=r.pk) for r in returnees],
        details=services.HandoverDetails(
            checkpoint=checkpoint,
            handed_over_at=timezone.now() - dt.timedelta(hours=2),
            handed_over_by_org=agency,
            handed_over_by_names="Two social workers of the shelter (demo)",
            received_by=caseworker,
            received_by_names="Immigration officer on duty (demo)",
            documents=["travel", "case_file"],
            belongings="One bag each; mobile phones returned (demo).",
        ),
    )
    if travel_day > 0:
        Handover.objects.filter(returnee__request=request).update(handed_over_at=_at(travel_day, 10))
    if sc.stage == "handed_over":
        return sc.people

    for returnee in returnees:
        case = Case.objects.select_related("person").get(pk=returnee.case_id)
        stay = Stay.objects.get(case=case, status="planned")
        bed = next(
            b for b in _free_beds(centre) if services.bed_fits(case.person, b.room, timezone.localdate())
        )
        services.stay_admit(actor=transit, stay=stay, bed=bed, admitted_at=timezone.now())
        Stay.objects.filter(pk=stay.pk).update(admitted_at=_at(travel_day, 15))
        services.stay_consent_record(actor=transit, stay=stay, granted=True, given_on=timezone.localdate())
        Consent.objects.filter(case=case, purpose="medical").update(
            given_on=_day(travel_day), recorded_at=_at(travel_day, 16)
        )
        for offset, kind, provider in (
            (0, "interview", "Transit-centre social worker"),
            (1, "medical_check", "District hospital doctor"),
            (2, "atd_interview", "Anti-Trafficking Department officer"),
            (3, "counselling", "LWU counsellor"),
            (5, "vocational", "Sewing workshop"),
        ):
            if travel_day - offset < 0:
                break
            service = services.stay_service_add(
                actor=transit,
                stay=Stay.objects.get(pk=stay.pk),
                service=StayService(
                    kind=kind, happened_on=timezone.localdate(), provider=provider + " (demo)"
                ),
            )
            StayService.objects.filter(pk=service.pk).update(happened_on=_day(travel_day - offset))
        if sc.stage == "staying" and rng.random() < 0.5:
            Stay.objects.filter(pk=stay.pk).update(expected_departure=_day(-rng.randint(1, 5)))
        if sc.stage == "home":
            length = rng.randint(7, 21)
            services.stay_discharge(
                actor=transit,
                stay=Stay.objects.get(pk=stay.pk),
                discharge=services.Discharge(
                    discharged_at=timezone.now(),
                    destination_province=case.person.province or Area.objects.get(code="LA13"),
                    destination_district=case.person.district,
                    escort_names="Transit-centre social worker and driver (demo)",
                    received_by_org=Organisation.objects.get(
                        pk=Tracing.objects.get(returnee=returnee).assigned_org_id
                    ),
                    received_by_names="Provincial social welfare officer (demo)",
                ),
            )
            Stay.objects.filter(pk=stay.pk).update(discharged_at=_at(max(travel_day - length, 1), 8))
    return sc.people


def _free_beds(centre: Facility) -> list[Bed]:
    from homeward.returns.selectors import free_beds

    return free_beds(centre)
