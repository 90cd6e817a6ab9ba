"""The return journey through its services: each step, its order, its consent checks, and who may do it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from homeward.accounts.models import Organisation
from homeward.accounts.services import user_invite
from homeward.cases.models import Case, Consent
from homeward.cases.picklists import CaseStatus, ConsentPurpose
from homeward.cases.services import PermissionDenied404, case_set_status, consent_record
from homeward.places.models import Area
from homeward.returns import services
from homeward.returns.models import (
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
from homeward.returns.picklists import Stage, StayStatus, TracingStatus
from homeward.returns.tests import journey as j

TODAY = timezone.localdate


def _share(personas, case, org, days_ago=5):
    return consent_record(
        actor=personas.alice,
        case=case,
        consent=Consent(
            purpose=ConsentPurpose.SHARING, shared_with=org, given_on=TODAY() - dt.timedelta(days=days_ago)
        ),
    )


# ---- requests and returnees -------------------------------------------------------------------------------
def test_a_request_must_come_from_a_partner_agency_and_not_from_the_future(personas):
    with pytest.raises(ValidationError):
        j.new_request(personas, requesting_agency=personas.org_b)
    with pytest.raises(ValidationError):
        j.new_request(personas, received_days_ago=-3)
    assert ReturnRequest.objects.count() == 0


def test_only_return_managers_of_the_organisation_record_requests(personas):
    request = ReturnRequest(
        owner_org=personas.org_a,
        requesting_agency=j.agency(),
        host_country_id=j.agency().country_id,
        received_on=TODAY(),
    )
    for persona in (personas.tina, personas.dora, personas.bob, personas.olga):
        with pytest.raises(PermissionDenied404):
            services.request_save(actor=persona, request=request)


def test_a_group_request_gives_each_person_their_own_active_case_and_records_consent(personas):
    request = j.new_request(personas)
    first = j.add_returnee(personas, request)
    second = j.add_returnee(personas, request, consent=None)
    assert first.case_id != second.case_id
    assert {first.case.status, second.case.status} == {CaseStatus.ACTIVE}
    assert first.stage == second.stage == Stage.REQUESTED
    purposes = set(Consent.objects.filter(case=first.case).values_list("purpose", "shared_with_id"))
    assert purposes == {(ConsentPurpose.RETURN, None), (ConsentPurpose.SHARING, request.requesting_agency_id)}
    assert not Consent.objects.filter(case=second.case).exists()


def test_an_existing_person_keeps_their_open_case_which_becomes_active_again(personas, open_case):
    case = open_case()
    case_set_status(actor=personas.alice, case=case, to_status=CaseStatus.FOLLOW_UP)
    request = j.new_request(personas)
    returnee = services.returnee_add(
        actor=personas.alice,
        request=request,
        person=case.person,
        consent=services.ConsentAnswer(to_return=None),
    )
    assert returnee.case_id == case.id
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACTIVE
    with pytest.raises(ValidationError):
        services.returnee_add(
            actor=personas.alice,
            request=request,
            person=case.person,
            consent=services.ConsentAnswer(to_return=None),
        )


def test_an_existing_person_whose_case_is_closed_gets_a_new_case(personas, open_case):
    case = open_case()
    case_set_status(
        actor=personas.sam, case=case, to_status=CaseStatus.CLOSED, closure_reason="hw_SupportCompleted"
    )
    returnee = services.returnee_add(
        actor=personas.alice,
        request=j.new_request(personas),
        person=case.person,
        consent=services.ConsentAnswer(to_return=None),
    )
    assert returnee.case_id != case.id and returnee.case.person_id == case.person_id


def test_a_person_of_another_organisation_cannot_be_added(personas, open_case):
    theirs = open_case(actor=personas.bob, org=personas.org_b)
    with pytest.raises(PermissionDenied404):
        services.returnee_add(
            actor=personas.alice,
            request=j.new_request(personas),
            person=theirs.person,
            consent=services.ConsentAnswer(to_return=None),
        )


# ---- tracing ----------------------------------------------------------------------------------------------
def test_tracing_needs_consent_to_return(personas):
    request = j.new_request(personas)
    refused = j.add_returnee(personas, request, consent=False)
    unasked = j.add_returnee(personas, request, consent=None)
    for returnee in (refused, unasked):
        with pytest.raises(ValidationError, match="consent to return"):
            j.ask_tracing(personas, [returnee])
    assert not Tracing.objects.exists()


def test_tracing_is_asked_of_an_organisation_in_homeward_in_the_right_province(personas):
    returnee = j.add_returnee(personas, j.new_request(personas))
    kwargs = dict(
        actor=personas.alice, returnees=[returnee], information="", province=Area.objects.get(code="LA13")
    )
    with pytest.raises(ValidationError):
        services.tracing_request(assigned_org=j.agency(), district=None, **kwargs)
    with pytest.raises(ValidationError):  # a district of Vientiane Capital is not in Savannakhet
        services.tracing_request(
            assigned_org=personas.org_b, district=Area.objects.get(code="LA0101"), **kwargs
        )
    with pytest.raises(ValidationError):
        services.tracing_request(
            assigned_org=personas.org_b, district=None, due_on=TODAY() - dt.timedelta(days=1), **kwargs
        )
    assert not Tracing.objects.exists()
    (tracing,) = services.tracing_request(assigned_org=personas.org_b, district=None, **kwargs)
    assert tracing.due_on == TODAY() + dt.timedelta(days=14)
    assert Returnee.objects.get(pk=returnee.pk).stage == Stage.TRACING
    with pytest.raises(ValidationError, match="already"):
        services.tracing_request(assigned_org=personas.org_b, district=None, **kwargs)


def test_only_the_organisation_asked_records_tracing(personas):
    (tracing,) = j.ask_tracing(personas, [j.add_returnee(personas, j.new_request(personas))])
    attempt = TracingAttempt(attempted_on=TODAY(), method="phone", outcome="no_contact")
    for persona in (personas.alice, personas.sam, personas.tina, personas.petra):
        with pytest.raises(PermissionDenied404):
            services.tracing_attempt_add(actor=persona, tracing=tracing, attempt=attempt)
    services.tracing_attempt_add(actor=personas.bob, tracing=tracing, attempt=attempt)
    assert tracing.attempts.count() == 1


def test_tracing_dates_in_the_wrong_order_are_refused(personas):
    (tracing,) = j.ask_tracing(personas, [j.add_returnee(personas, j.new_request(personas))])
    for day in (TODAY() - dt.timedelta(days=1), TODAY() + dt.timedelta(days=1)):
        with pytest.raises(ValidationError):
            services.tracing_attempt_add(
                actor=personas.bob,
                tracing=tracing,
                attempt=TracingAttempt(attempted_on=day, method="phone", outcome="found"),
            )
    assert not TracingAttempt.objects.exists()


def test_tracing_completes_only_with_an_assessment_and_then_closes(personas):
    (tracing,) = j.ask_tracing(personas, [j.add_returnee(personas, j.new_request(personas))])
    with pytest.raises(ValidationError, match="assessment"):
        services.tracing_complete(actor=personas.bob, tracing=tracing)
    j.complete_tracing(personas, tracing)
    tracing.refresh_from_db()
    assert tracing.status == TracingStatus.COMPLETED and tracing.completed_by == personas.bob
    assert tracing.returnee.stage == Stage.ASSESSED
    with pytest.raises(ValidationError, match="no longer open"):
        services.tracing_attempt_add(
            actor=personas.bob,
            tracing=tracing,
            attempt=TracingAttempt(attempted_on=TODAY(), method="phone", outcome="found"),
        )


def test_overdue_tracing_shows_in_both_queues(personas):
    from homeward.returns.selectors import tracing_awaited, tracing_queue

    (tracing,) = j.ask_tracing(personas, [j.add_returnee(personas, j.new_request(personas))])
    Tracing.objects.filter(pk=tracing.pk).update(
        requested_on=TODAY() - dt.timedelta(days=20), due_on=TODAY() - dt.timedelta(days=6)
    )
    assert [t.pk for t in tracing_queue(personas.bob)] == [tracing.pk]
    assert [t.pk for t in tracing_awaited(personas.alice).filter(due_on__lt=TODAY())] == [tracing.pk]
    assert Tracing.objects.get(pk=tracing.pk).is_overdue
    assert list(tracing_queue(personas.alice)) == []  # alice's organisation was not asked
    assert list(tracing_awaited(personas.bob)) == []


# ---- reply ------------------------------------------------------------------------------------------------
def test_the_reply_needs_consent_to_share_with_the_agency(personas):
    request = j.new_request(personas)
    with_consent = j.add_returnee(personas, request)
    without = j.add_returnee(personas, request, share=False)
    for tracing in j.ask_tracing(personas, [with_consent, without]):
        j.complete_tracing(personas, tracing)
    with pytest.raises(ValidationError) as refused:
        services.reply_record(
            actor=personas.alice, request=request, sent_on=TODAY(), channel="email", language="th"
        )
    assert without.case.reference in str(refused.value) and with_consent.case.reference not in str(
        refused.value
    )
    assert not Reply.objects.exists()
    _share(personas, without.case, request.requesting_agency)
    reply = services.reply_record(
        actor=personas.alice, request=request, sent_on=TODAY(), channel="email", language="th"
    )
    assert set(reply.returnees.all()) == {with_consent, without}
    assert services.reply_candidates(request) == []
    with pytest.raises(ValidationError, match="no completed"):
        services.reply_record(
            actor=personas.alice, request=request, sent_on=TODAY(), channel="email", language="th"
        )


# ---- travel and handover ----------------------------------------------------------------------------------
def test_travel_dates_in_the_wrong_order_are_refused(personas):
    returnee = j.add_returnee(personas, j.new_request(personas))
    bad = [
        dict(planned_on=TODAY() - dt.timedelta(days=30)),  # before the request arrived
        dict(
            planned_on=TODAY(),
            document_issued_on=TODAY() - dt.timedelta(days=1),
            document_expires_on=TODAY() - dt.timedelta(days=3),
        ),
        dict(planned_on=TODAY() + dt.timedelta(days=9), document_expires_on=TODAY() + dt.timedelta(days=5)),
        dict(planned_on=TODAY(), document_issued_on=TODAY() + dt.timedelta(days=1)),
    ]
    for fields in bad:
        with pytest.raises(ValidationError):
            services.travel_save(
                actor=personas.alice,
                returnee=returnee,
                plan=TravelPlan(document_type="laissez_passer", checkpoint=j.checkpoint(), **fields),
            )
    assert not TravelPlan.objects.exists()


def test_travel_with_a_centre_plans_the_stay_and_a_new_centre_replaces_it(personas):
    returnee = j.add_returnee(personas, j.new_request(personas))
    centre = j.facility(personas)
    j.plan_travel(personas, returnee, centre, on=TODAY() + dt.timedelta(days=3))
    stay = j.planned_stay(returnee.case)
    assert stay.facility == centre and stay.expected_on == TODAY() + dt.timedelta(days=3)
    assert Returnee.objects.get(pk=returnee.pk).stage == Stage.TRAVEL
    plan = TravelPlan.objects.get(returnee=returnee)
    plan.planned_on = TODAY() + dt.timedelta(days=4)
    services.travel_save(actor=personas.alice, returnee=returnee, plan=plan, facility=centre)
    assert Stay.objects.filter(case=returnee.case).count() == 1
    assert j.planned_stay(returnee.case).expected_on == TODAY() + dt.timedelta(days=4)


def test_a_centre_of_another_organisation_needs_consent_to_share(personas):
    returnee = j.add_returnee(personas, j.new_request(personas))
    theirs = services.facility_save(
        actor=personas.sam,
        facility=j.Facility(organisation=personas.org_a, name="X", province=Area.objects.get(code="LA01")),
    )
    theirs.organisation = personas.org_b
    theirs.save()
    with pytest.raises(ValidationError, match="consent"):
        j.plan_travel(personas, returnee, theirs)
    assert not Stay.objects.exists() and not TravelPlan.objects.exists()
    _share(personas, returnee.case, personas.org_b)
    j.plan_travel(personas, returnee, theirs)
    assert j.planned_stay(returnee.case).facility == theirs


def test_a_handover_sharing_information_without_consent_saves_nothing(personas):
    request = j.new_request(personas)
    first, second = j.add_returnee(personas, request), j.add_returnee(personas, request)
    _share(personas, first.case, personas.org_p)  # the second has no consent to share with P
    with pytest.raises(ValidationError) as refused:
        j.hand_over(
            personas, [first, second], sharing=[services.Sharing(personas.org_p, ["identity", "health"])]
        )
    assert second.case.reference in str(refused.value)
    assert not Handover.objects.exists() and not InformationShared.objects.exists()
    assert set(Returnee.objects.values_list("stage", flat=True)) == {Stage.REQUESTED}

    _share(personas, second.case, personas.org_p)
    j.hand_over(personas, [first, second], sharing=[services.Sharing(personas.org_p, ["identity"])])
    shared = InformationShared.objects.select_related("consent", "handover")
    assert shared.count() == 2
    assert all(
        s.consent.case_id == s.handover.returnee.case_id and s.consent.shared_with == personas.org_p
        for s in shared
    )
    assert set(Returnee.objects.values_list("stage", flat=True)) == {Stage.HANDED_OVER}
    with pytest.raises(ValidationError, match="already been handed over"):
        j.hand_over(personas, [first])


def test_a_handover_in_the_future_or_before_the_request_is_refused(personas):
    returnee = j.add_returnee(personas, j.new_request(personas))
    for at in (timezone.now() + dt.timedelta(hours=2), timezone.now() - dt.timedelta(days=40)):
        with pytest.raises(ValidationError):
            j.hand_over(personas, [returnee], at=at)
    assert not Handover.objects.exists()


def test_a_handover_needs_consent_to_return(personas):
    returnee = j.add_returnee(personas, j.new_request(personas), consent=None)
    with pytest.raises(ValidationError, match="consent to return"):
        j.hand_over(personas, [returnee])


# ---- transit centre ---------------------------------------------------------------------------------------
@pytest.fixture
def arriving(personas):
    """A 26-year-old woman handed over and expected at the centre today."""
    centre = j.facility(personas)
    returnee = j.add_returnee(personas, j.new_request(personas), birth_date="2000", birth_year=2000)
    j.plan_travel(personas, returnee, centre)
    j.hand_over(personas, [returnee])
    return centre, returnee, j.planned_stay(returnee.case)


def test_admission_takes_a_free_bed_that_fits(personas, arriving):
    centre, returnee, stay = arriving
    for room in ("Girls", "Men"):  # children apart; women and men apart
        with pytest.raises(ValidationError, match="room for"):
            j.admit(personas, stay, j.bed(centre, room))
    stay = j.admit(personas, stay, j.bed(centre))
    assert stay.status == StayStatus.ADMITTED and stay.bed == j.bed(centre)
    assert Returnee.objects.get(pk=returnee.pk).stage == Stage.IN_TRANSIT


def test_a_bed_cannot_be_booked_twice(personas, arriving):
    centre, _returnee, stay = arriving
    j.admit(personas, stay, j.bed(centre))
    other = j.add_returnee(personas, j.new_request(personas), birth_date="1995", birth_year=1995)
    j.plan_travel(personas, other, centre)
    with pytest.raises(ValidationError, match="already staying"):
        j.admit(personas, j.planned_stay(other.case), j.bed(centre))
    assert j.planned_stay(other.case).bed is None


def test_admission_before_the_handover_or_in_the_future_is_refused(personas, arriving):
    centre, _returnee, stay = arriving
    for at in (timezone.now() - dt.timedelta(days=2), timezone.now() + dt.timedelta(hours=1)):
        with pytest.raises(ValidationError):
            j.admit(personas, stay, j.bed(centre), at=at)
    assert Stay.objects.get(pk=stay.pk).status == StayStatus.PLANNED


def test_only_transit_staff_of_the_centre_admit(personas, arriving):
    centre, _returnee, stay = arriving
    for persona in (personas.alice, personas.sam, personas.bob, personas.dora):
        with pytest.raises(PermissionDenied404):
            services.stay_admit(actor=persona, stay=stay, bed=j.bed(centre), admitted_at=timezone.now())


def test_medical_services_need_recorded_consent(personas, arriving):
    centre, _returnee, stay = arriving
    stay = j.admit(personas, stay, j.bed(centre))
    check = StayService(kind="medical_check", happened_on=TODAY())
    with pytest.raises(ValidationError, match="consent"):
        services.stay_service_add(actor=personas.tina, stay=stay, service=check)
    services.stay_consent_record(actor=personas.tina, stay=stay, granted=False, given_on=TODAY())
    with pytest.raises(ValidationError, match="consent"):
        services.stay_service_add(
            actor=personas.tina, stay=stay, service=StayService(kind="medical_test", happened_on=TODAY())
        )
    consent = services.stay_consent_record(actor=personas.tina, stay=stay, granted=True, given_on=TODAY())
    saved = services.stay_service_add(actor=personas.tina, stay=stay, service=check)
    assert saved.consent == consent
    services.stay_service_add(
        actor=personas.tina, stay=stay, service=StayService(kind="counselling", happened_on=TODAY())
    )
    assert stay.services.count() == 2


def test_discharging_someone_never_admitted_is_refused(personas, arriving):
    _centre, _returnee, stay = arriving
    with pytest.raises(ValidationError, match="never admitted"):
        services.stay_discharge(actor=personas.tina, stay=stay, discharge=_discharge(personas))
    assert Stay.objects.get(pk=stay.pk).status == StayStatus.PLANNED


def _discharge(personas, **extra):
    data = dict(
        discharged_at=timezone.now(),
        destination_province=Area.objects.get(code="LA13"),
        destination_district=None,
        escort_names="Escort E (synthetic)",
        received_by_org=personas.org_b,
    )
    data.update(extra)
    return services.Discharge(**data)


def test_discharge_escorts_home_and_frees_the_bed(personas, arriving):
    centre, returnee, stay = arriving
    stay = j.admit(personas, stay, j.bed(centre))
    assert stay.admitted_at is not None
    with pytest.raises(ValidationError):
        services.stay_discharge(
            actor=personas.tina,
            stay=stay,
            discharge=_discharge(personas, discharged_at=stay.admitted_at - dt.timedelta(hours=1)),
        )
    with pytest.raises(ValidationError):
        services.stay_discharge(
            actor=personas.tina, stay=stay, discharge=_discharge(personas, received_by_org=j.agency())
        )
    services.stay_discharge(actor=personas.tina, stay=stay, discharge=_discharge(personas))
    stay.refresh_from_db()
    assert stay.status == StayStatus.DISCHARGED and stay.received_by_org == personas.org_b
    assert Returnee.objects.get(pk=returnee.pk).stage == Stage.HOME
    assert j.bed(centre) in services_free_beds(centre)
    with pytest.raises(ValidationError, match="already been discharged"):
        services.stay_discharge(actor=personas.tina, stay=stay, discharge=_discharge(personas))


def services_free_beds(centre):
    from homeward.returns.selectors import free_beds

    return free_beds(centre)


def test_a_case_cannot_close_while_the_person_stays_at_the_centre(personas, arriving):
    centre, returnee, stay = arriving
    j.admit(personas, stay, j.bed(centre))
    with pytest.raises(ValidationError, match="transit centre"):
        case_set_status(
            actor=personas.sam, case=returnee.case, to_status=CaseStatus.CLOSED, closure_reason="Other"
        )
    assert Case.objects.get(pk=returnee.case_id).status == CaseStatus.ACTIVE


def test_a_room_in_use_cannot_change_who_it_is_for(personas, arriving):
    centre, _returnee, stay = arriving
    j.admit(personas, stay, j.bed(centre))
    room = Room.objects.get(facility=centre, name="Women")
    room.sex = "male"
    with pytest.raises(ValidationError):
        services.room_save(actor=personas.sam, room=room)
    assert Room.objects.get(pk=room.pk).sex == "female"


def test_cancelling_a_return_cancels_open_tracing_and_the_planned_stay(personas):
    returnee = j.add_returnee(personas, j.new_request(personas))
    j.ask_tracing(personas, [returnee])
    j.plan_travel(personas, returnee, j.facility(personas))
    services.returnee_cancel(
        actor=personas.alice, returnee=returnee, reason="Chose to stay with relatives abroad"
    )
    assert Tracing.objects.get(returnee=returnee).status == TracingStatus.CANCELLED
    assert Stay.objects.get(case=returnee.case).status == StayStatus.CANCELLED
    with pytest.raises(ValidationError):
        j.plan_travel(personas, Returnee.objects.get(pk=returnee.pk), None)


def test_occupancy_counts_beds_residents_and_the_coming_week(personas):
    from homeward.returns.selectors import occupancy

    journey = j.build(personas)
    board = occupancy(journey.centre)
    assert board.beds == 6 and board.occupied == 1 and board.free == 5
    assert [s.pk for s in board.planned] == [journey.planned.pk]
    today, in_two_days = board.week[0], board.week[2]
    assert (today.occupied, today.arrivals) == (1, 0)
    assert (in_two_days.occupied, in_two_days.arrivals, in_two_days.free) == (2, 1, 4)
    assert board.current_days == [0]


def test_a_partner_agency_cannot_have_users(personas):
    agency = j.agency()
    with pytest.raises(ValidationError, match="partner agency"):
        user_invite(
            actor=personas.olga,
            organisation=agency,
            username="x",
            display_name="X",
            email="",
            roles=["caseworker"],
        )
    assert not agency.memberships.exists()
    assert Organisation.objects.get(pk=agency.pk).is_external
