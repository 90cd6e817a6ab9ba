"""The rules of the referral network, through the services: consent, sections, answers, completion into the
case's services, revocation (by hand and by consent withdrawal), transfers, directory ownership."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from homeward.accounts.capabilities import Role
from homeward.audit.models import Action, AuditEvent
from homeward.cases.services import PermissionDenied404, consent_withdraw
from homeward.conftest import make_user
from homeward.referrals import selectors, services
from homeward.referrals.models import Referral, ReferralEvent, Transfer
from homeward.referrals.picklists import ReferralStatus, TransferStatus
from homeward.referrals.tests.helpers import area, consent_to_share, refer, service
from homeward.reintegration.models import ServiceDelivered

pytestmark = pytest.mark.django_db


def _scope(qs):
    assert qs is not None
    return qs


def denied(reason_part: str) -> int:
    return AuditEvent.objects.filter(action=Action.DENIED, reason__contains=reason_part).count()


@pytest.fixture
def case(open_case):
    return open_case()


@pytest.fixture
def entry(personas):
    return service(personas)


@pytest.fixture
def sent(personas, case, entry):
    consent_to_share(personas, case, personas.org_p)
    return refer(personas, case, entry)


# ---- consent -----------------------------------------------------------------------------------------------
def test_referring_without_consent_is_refused_audited_and_writes_nothing(personas, case, entry):
    with pytest.raises(ValidationError, match="consent"):
        refer(personas, case, entry)
    assert Referral.objects.count() == 0
    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.actor == personas.alice and event.organisation_id == personas.org_a.id
    assert str(case.code) in event.object_codes


def test_consent_to_another_organisation_does_not_cover_this_one(personas, case, entry):
    consent_to_share(personas, case, personas.org_b)
    with pytest.raises(ValidationError):
        refer(personas, case, entry)
    assert Referral.objects.count() == 0


def test_expired_or_refused_consent_does_not_cover(personas, case, entry):
    from homeward.cases.models import Consent
    from homeward.cases.services import consent_record

    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    consent_record(
        actor=personas.alice,
        case=case,
        consent=Consent(
            purpose="sharing",
            shared_with=personas.org_p,
            given_on=yesterday - timezone.timedelta(days=30),
            expires_on=yesterday,
        ),
    )
    consent_record(
        actor=personas.alice,
        case=case,
        consent=Consent(purpose="sharing", shared_with=personas.org_p, granted=False, given_on=yesterday),
    )
    with pytest.raises(ValidationError):
        refer(personas, case, entry)


def test_a_referral_shares_only_the_sections_chosen_and_records_the_consent(personas, sent, case):
    assert sent.sections == ["identity", "contact"]
    assert "trafficking" not in sent.sections
    assert sent.status == ReferralStatus.SENT and sent.consent.shared_with == personas.org_p
    assert sent.from_org == personas.org_a and not sent.outside
    assert list(sent.events.values_list("action", flat=True)) == ["sent"]


def test_only_the_case_organisation_may_refer(personas, case, entry):
    consent_to_share(personas, case, personas.org_p)
    for outsider in (personas.bob, personas.petra, personas.olga, personas.dora, personas.nora):
        with pytest.raises(PermissionDenied404):
            services.referral_send(
                actor=outsider,
                case=case,
                to_org=personas.org_p,
                service=entry,
                category="legal",
                sections=[],
                message="x",
            )
    assert Referral.objects.count() == 0


def test_the_same_open_referral_twice_is_refused(personas, sent, case, entry):
    with pytest.raises(ValidationError, match="already an open referral"):
        refer(personas, case, entry)


def test_a_closed_service_takes_no_referral(personas, case):
    closed = service(personas, status="temporarily closed")
    consent_to_share(personas, case, personas.org_p)
    with pytest.raises(ValidationError):
        refer(personas, case, closed)


# ---- the receiver ------------------------------------------------------------------------------------------
def test_receiver_views_of_shared_sections_are_audited(personas, sent):
    services.referral_record_view(actor=personas.petra, referral=sent, section="identity")
    event = AuditEvent.objects.filter(action=Action.VIEW, object_type="referral").get()
    assert event.actor == personas.petra and event.fields == ["message", "section:identity"]
    assert event.organisation_id == personas.org_a.id  # the owner's data-protection officer sees it


def test_opening_the_referral_alone_records_a_view_of_its_message(personas, sent):
    services.referral_record_view(actor=personas.petra, referral=sent)
    assert AuditEvent.objects.filter(action=Action.VIEW, object_type="referral").get().fields == ["message"]


def test_a_section_not_shared_is_refused_with_an_audit_event(personas, sent):
    before = AuditEvent.objects.filter(action=Action.VIEW).count()
    with pytest.raises(PermissionDenied404):
        services.referral_record_view(actor=personas.petra, referral=sent, section="trafficking")
    assert denied("section not shared: trafficking") == 1
    assert AuditEvent.objects.filter(action=Action.VIEW).count() == before


def test_only_the_receiving_organisation_answers(personas, sent):
    for outsider in (personas.bob, personas.alice, personas.nora, personas.oscar):
        with pytest.raises(PermissionDenied404):
            services.referral_accept(actor=outsider, referral=sent)
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.SENT
    assert denied("not the receiver") == 4


def test_accepting_twice_is_refused_changes_nothing_and_is_audited(personas, sent):
    services.referral_accept(actor=personas.petra, referral=sent)
    accepted_at = Referral.objects.get(pk=sent.pk).accepted_at
    with pytest.raises(ValidationError, match="already been accepted"):
        services.referral_accept(actor=personas.petra, referral=sent)
    sent.refresh_from_db()
    assert sent.accepted_at == accepted_at
    assert sent.events.filter(action="accepted").count() == 1
    assert denied("accepted twice") == 1


def test_decline_needs_a_reason(personas, sent):
    with pytest.raises(ValidationError):
        services.referral_decline(actor=personas.petra, referral=sent, reason="  ")
    services.referral_decline(actor=personas.petra, referral=sent, reason="No lawyer until March (synthetic)")
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.DECLINED and sent.closed_by == personas.petra
    assert "March" in sent.reason


def test_asking_for_information_and_the_answer_adding_a_section(personas, sent):
    services.referral_ask_info(actor=personas.petra, referral=sent, question="Is there a court date?")
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.INFO
    with pytest.raises(ValidationError):
        services.referral_accept(actor=personas.petra, referral=sent)
    services.referral_give_info(
        actor=personas.alice, referral=sent, answer="Not yet.", add_sections=["needs"]
    )
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.SENT and sent.sections == ["identity", "contact", "needs"]
    assert ReferralEvent.objects.filter(referral=sent, action="info_given").get().sections_added == ["needs"]
    services.referral_record_view(actor=personas.petra, referral=sent, section="needs")


def test_completion_puts_the_service_in_the_case(personas, sent, case):
    with pytest.raises(ValidationError, match="Accept"):
        services.referral_complete(
            actor=personas.petra, referral=sent, delivered_on=timezone.localdate(), description="x"
        )
    services.referral_accept(actor=personas.petra, referral=sent)
    services.referral_complete(
        actor=personas.petra,
        referral=sent,
        delivered_on=timezone.localdate(),
        description="Advice and a letter to the broker (synthetic)",
    )
    sent.refresh_from_db()
    delivered = ServiceDelivered.objects.get(case=case)
    assert sent.status == ReferralStatus.COMPLETED and sent.service_delivered == delivered
    assert delivered.provider_org == personas.org_p and delivered.type == "Legal"
    # The receiver no longer sees the person's sections once the referral is closed.
    with pytest.raises(PermissionDenied404):
        services.referral_record_view(actor=personas.petra, referral=sent, section="identity")


def test_completion_cannot_be_dated_in_the_future(personas, sent):
    services.referral_accept(actor=personas.petra, referral=sent)
    with pytest.raises(ValidationError):
        services.referral_complete(
            actor=personas.petra,
            referral=sent,
            delivered_on=timezone.localdate() + timezone.timedelta(days=2),
            description="x",
        )
    assert ServiceDelivered.objects.count() == 0


# ---- revocation --------------------------------------------------------------------------------------------
def test_a_revoked_receiver_loses_access_and_reloading_is_audited(personas, sent):
    services.referral_accept(actor=personas.petra, referral=sent)
    services.referral_revoke(actor=personas.alice, referral=sent, reason="The person moved (synthetic)")
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.REVOKED
    with pytest.raises(PermissionDenied404):
        services.referral_record_view(actor=personas.petra, referral=sent)
    with pytest.raises(PermissionDenied404):
        services.referral_complete(
            actor=personas.petra, referral=sent, delivered_on=timezone.localdate(), description="x"
        )
    assert denied("revoked referral") == 2
    assert not selectors.incoming(personas.petra, "all").exists()


def test_the_receiver_cannot_revoke(personas, sent):
    with pytest.raises(PermissionDenied404):
        services.referral_revoke(actor=personas.petra, referral=sent, reason="x")


def test_withdrawing_consent_revokes_open_referrals(personas, sent, case):
    consent = sent.consent
    consent_withdraw(actor=personas.dora, case=case, consent=consent, reason="Asked to stop (synthetic)")
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.REVOKED
    assert sent.events.filter(action="consent_withdrawn").exists()
    with pytest.raises(PermissionDenied404):
        services.referral_record_view(actor=personas.petra, referral=sent)


def test_withdrawing_one_of_two_consents_keeps_the_referral(personas, sent, case):
    second = consent_to_share(personas, case, personas.org_p)
    consent_withdraw(actor=personas.dora, case=case, consent=second, reason="Duplicate")
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.SENT


def test_a_completed_referral_is_not_revoked_by_withdrawal_but_shows_nothing(personas, sent, case):
    services.referral_accept(actor=personas.petra, referral=sent)
    services.referral_complete(
        actor=personas.petra, referral=sent, delivered_on=timezone.localdate(), description="x"
    )
    consent_withdraw(actor=personas.dora, case=case, consent=sent.consent, reason="Stop")
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.COMPLETED
    with pytest.raises(PermissionDenied404):
        services.referral_record_view(actor=personas.petra, referral=sent, section="identity")


# ---- outside providers -------------------------------------------------------------------------------------
def test_outside_provider_outcome_is_entered_by_the_referring_caseworker(personas, case):
    from homeward.tests.factories import OrganisationFactory

    hospital = OrganisationFactory(
        name="District Hospital (synthetic)", type="HealthServiceOrganisation", is_external=True
    )
    entry = service(personas, org=hospital, name="Outpatients", category="health")
    consent_to_share(personas, case, hospital)
    referral = refer(personas, case, entry)
    assert referral.outside
    assert not selectors.incoming(personas.petra).filter(pk=referral.pk).exists()
    services.referral_complete(
        actor=personas.alice, referral=referral, delivered_on=timezone.localdate(), description="Check-up"
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED
    assert ServiceDelivered.objects.get(case=case).provider_org == hospital


def test_outside_referral_not_taken_up(personas, case):
    from homeward.tests.factories import OrganisationFactory

    school = OrganisationFactory(
        name="Technical school (synthetic)", type="SchoolOrCollege", is_external=True
    )
    entry = service(personas, org=school, name="Sewing course", category="vocational")
    consent_to_share(personas, case, school)
    referral = refer(personas, case, entry)
    with pytest.raises(ValidationError):
        services.referral_not_taken_up(actor=personas.alice, referral=referral, reason="")
    services.referral_not_taken_up(actor=personas.alice, referral=referral, reason="The course was full")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED


# ---- transfers ---------------------------------------------------------------------------------------------
@pytest.fixture
def bea(personas):
    return make_user("bea", personas.org_b, Role.SUPERVISOR)


def test_a_transfer_needs_consent_and_the_receivers_acceptance(personas, case, bea):
    with pytest.raises(ValidationError, match="consent"):
        services.transfer_request(actor=personas.sam, case=case, to_org=personas.org_b, reason="Moved to B")
    assert denied("no consent") == 1
    consent_to_share(personas, case, personas.org_b)
    with pytest.raises(PermissionDenied404):  # a caseworker may not hand a case over
        services.transfer_request(actor=personas.alice, case=case, to_org=personas.org_b, reason="Moved")
    transfer = services.transfer_request(actor=personas.sam, case=case, to_org=personas.org_b, reason="Moved")
    case.refresh_from_db()
    assert case.owner_org == personas.org_a  # nothing moves before acceptance
    with pytest.raises(PermissionDenied404):  # bob is a caseworker at B, not a supervisor
        services.transfer_decide(actor=personas.bob, transfer=transfer, accept=True)
    services.transfer_decide(actor=bea, transfer=transfer, accept=True, caseworker=personas.bob)
    case.refresh_from_db()
    assert case.owner_org == personas.org_b and case.caseworker == personas.bob
    assert case.person.owner_org == personas.org_b
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED and transfer.previous_caseworker == personas.alice
    assert any("Transferred from" in change.reason for change in case.status_changes.all())
    # Both organisations' logs record it.
    orgs = {
        e.organisation_id
        for e in AuditEvent.objects.filter(object_type="transfer")
        if str(transfer.code) in e.object_codes and "owner" in e.fields
    }
    assert {personas.org_a.id, personas.org_b.id} <= orgs
    # The previous owner no longer sees the case; the new one does.
    from homeward.cases.selectors import cases_visible_to

    assert not cases_visible_to(personas.alice).filter(pk=case.pk).exists()
    assert cases_visible_to(personas.bob).filter(pk=case.pk).exists()


def test_a_transfer_declined_needs_a_note_and_changes_nothing(personas, case, bea):
    consent_to_share(personas, case, personas.org_b)
    transfer = services.transfer_request(actor=personas.sam, case=case, to_org=personas.org_b, reason="Moved")
    with pytest.raises(ValidationError):
        services.transfer_decide(actor=bea, transfer=transfer, accept=False, note="")
    services.transfer_decide(actor=bea, transfer=transfer, accept=False, note="No staff in that district")
    case.refresh_from_db()
    assert case.owner_org == personas.org_a
    with pytest.raises(ValidationError):
        services.transfer_decide(actor=bea, transfer=transfer, accept=True)


def test_only_one_pending_transfer_and_withdrawal_cancels_it(personas, case, bea):
    consent = consent_to_share(personas, case, personas.org_b)
    transfer = services.transfer_request(actor=personas.sam, case=case, to_org=personas.org_b, reason="Moved")
    with pytest.raises(ValidationError):
        services.transfer_request(actor=personas.sam, case=case, to_org=personas.org_b, reason="Again")
    consent_withdraw(actor=personas.dora, case=case, consent=consent, reason="No")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED
    assert Transfer.objects.filter(status="requested").count() == 0


# ---- directory ---------------------------------------------------------------------------------------------
def test_an_admin_keeps_only_the_organisations_own_entries(personas):
    from homeward.referrals.models import Service

    own = services.service_save(
        actor=personas.olga,
        service=Service(
            organisation=personas.org_a, name="Counselling", category="psychosocial", province=area("LA01")
        ),
        areas=[area("LA01")],
    )
    assert own.pk
    other = service(personas)  # org P's, by the national coordinator
    other.name = "Renamed by someone else"
    with pytest.raises(PermissionDenied404):
        services.service_save(actor=personas.olga, service=other, areas=[area("LA13")])
    assert Service.objects.get(pk=other.pk).name != "Renamed by someone else"
    assert denied("directory entry of another organisation") == 1
    # Nor can an entry be moved into another organisation's name.
    own.organisation = personas.org_p
    with pytest.raises(PermissionDenied404):
        services.service_save(actor=personas.olga, service=own, areas=[area("LA01")])
    for outsider in (personas.alice, personas.petra, personas.rita):
        with pytest.raises(PermissionDenied404):
            services.service_save(
                actor=outsider, service=Service.objects.get(pk=own.pk), areas=[area("LA01")]
            )


def test_directory_entries_are_validated(personas):
    from homeward.referrals.models import Service

    bad = Service(
        organisation=personas.org_p,
        name="x",
        category="legal",
        province=area("LA13"),
        district=area("LA0101"),
        min_age=18,
        max_age=10,
        latitude=16,
    )
    with pytest.raises(ValidationError) as exc:
        services.service_save(actor=personas.nora, service=bad, areas=[])
    assert {"district", "areas", "max_age", "longitude"} <= set(exc.value.error_dict)
    assert not Service.objects.exists()


def test_directory_search_by_need_place_language_and_eligibility(personas):
    from homeward.referrals.selectors import DirectoryFilters, directory_search

    savannakhet = area("LA13")
    district = savannakhet.children.first()
    girls = service(
        personas,
        name="Tailoring for girls",
        category="vocational",
        sex="female",
        min_age=14,
        max_age=17,
        languages=["lo"],
        areas=[savannakhet],
    )
    service(
        personas, name="Welding", category="vocational", sex="male", areas=[savannakhet], languages=["lo"]
    )
    service(personas, name="Vientiane course", category="vocational", areas=[area("LA01")], languages=["lo"])
    national = service(
        personas, name="Hotline counselling", category="psychosocial", national=True, languages=["lo", "th"]
    )
    found = directory_search(
        DirectoryFilters(category="vocational", district=district, sex="female", age=16, language="lo")
    )
    assert list(found) == [girls]
    assert not directory_search(
        DirectoryFilters(category="vocational", district=district, sex="female", age=19)
    ).exists()
    assert list(directory_search(DirectoryFilters(category="psychosocial", province=area("LA05")))) == [
        national
    ]
    assert list(directory_search(DirectoryFilters(language="th"))) == [national]
    assert directory_search(DirectoryFilters(q="tailoring")).get() == girls


# ---- figures and gaps --------------------------------------------------------------------------------------
def test_network_figures_count_each_state_and_overdue(personas, case, entry, open_case):
    from homeward.referrals.models import NetworkSettings

    consent_to_share(personas, case, personas.org_p)
    first = refer(personas, case, entry)
    services.referral_accept(actor=personas.petra, referral=first)
    other = open_case()
    consent_to_share(personas, other, personas.org_p)
    late = refer(personas, other, entry)
    Referral.objects.filter(pk=late.pk).update(sent_at=timezone.now() - timezone.timedelta(days=10))
    NetworkSettings.objects.update_or_create(id=1, defaults={"accept_within_days": 3})
    by_org, by_province, total = selectors.network_figures(_scope(selectors.network_scope(personas.nora)))
    assert total.sent == 2 and total.accepted == 1 and total.open == 2 and total.overdue == 1
    assert total.median_days_to_accept is not None and total.median_days_to_accept < 0.1
    assert by_org[0].label == str(personas.org_p) and by_province[0].sent == 2
    assert selectors.network_scope(personas.alice) is None  # a caseworker sees no network figures
    assert selectors.network_scope(personas.sam).count() == 2  # the supervisor's organisation sent them


def test_gaps_show_needs_no_service_covers(personas, open_case):
    from homeward.reintegration.tests.helpers import approved_plan

    district = area("LA13").children.first()
    case = open_case(province=area("LA13"), district=district)
    approved_plan(personas, case)  # Livelihood and Health
    gaps = {
        (g.district, g.plan_type): g.cases
        for g in selectors.gaps(_scope(selectors.gaps_scope(personas.nora)))
    }
    assert gaps == {(district, "Livelihood"): 1, (district, "Health"): 1}
    service(personas, name="Clinic", category="health", areas=[district])
    service(personas, name="Grants", category="livelihood", national=True)
    assert selectors.gaps(_scope(selectors.gaps_scope(personas.nora))) == []
    assert selectors.gaps_scope(personas.bob) is None
