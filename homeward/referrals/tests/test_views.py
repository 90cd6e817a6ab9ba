"""The referral pages as their users see them: the directory (list, map, entry, edit), referring from a case,
the receiver's page with only the sections shared, the slip, the queues, transfers, figures and gaps."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from homeward.audit.models import Action, AuditEvent
from homeward.referrals.models import Referral, Service
from homeward.referrals.picklists import ReferralStatus
from homeward.referrals.tests.helpers import area, consent_to_share, refer, service

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(open_case):
    return open_case(province=area("LA13"), district=area("LA13").children.first(), phone="+856 20 5555 0101")


@pytest.fixture
def entry(personas):
    return service(personas, phone="+856 41 000 000", hours="Mon-Fri 8:00-16:00")


def test_directory_list_filters_and_map(personas, as_user, entry):
    service(
        personas,
        name="Vientiane shelter",
        category="shelter",
        areas=[area("LA01")],
        province=area("LA01"),
        latitude=Decimal("17.97"),
        longitude=Decimal("102.60"),
    )
    client = as_user(personas.petra)
    page = client.get(reverse("referrals:directory"), {"category": "legal"}).content.decode()
    assert "Legal aid clinic (synthetic)" in page and "Vientiane shelter" not in page
    page = client.get(
        reverse("referrals:directory"), {"province": area("LA01").pk, "view": "map"}
    ).content.decode()
    assert "<svg" in page and "<circle" in page and "Vientiane shelter" in page  # its pin
    assert "Legal aid clinic" not in page  # serves Savannakhet only
    assert page.count("<path") == 18


def test_service_page_and_export(personas, as_user, entry):
    client = as_user(personas.rita)
    page = client.get(reverse("referrals:service", args=[entry.code])).content.decode()
    assert "+856 41 000 000" in page and "Mon-Fri" in page
    assert reverse("referrals:service_edit", args=[entry.code]) not in page  # rita may not edit
    exported = client.get(reverse("referrals:directory_export"), {"format": "json"})
    data = json.loads(exported.content)
    assert [s["id"] for s in data] == [str(entry.code)]


def test_admin_edits_own_entry_but_gets_404_on_others(personas, as_user, entry):
    client = as_user(personas.olga)
    response = client.post(
        reverse("referrals:service_new"),
        {
            "organisation": personas.org_a.pk,
            "name": "Counselling room",
            "category": "psychosocial",
            "status": "active",
            "province": area("LA01").pk,
            "provinces": [area("LA01").pk],
            "languages": ["lo", "en"],
            "sex": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Service.objects.get(name="Counselling room")
    assert created.languages == ["lo", "en"] and list(created.areas.all()) == [area("LA01")]
    before = AuditEvent.objects.filter(action=Action.DENIED).count()
    assert client.get(reverse("referrals:service_edit", args=[entry.code])).status_code == 404
    assert AuditEvent.objects.filter(action=Action.DENIED).count() == before + 1
    response = client.post(
        reverse("referrals:service_new"),
        {
            "organisation": personas.org_p.pk,
            "name": "Hijack",
            "category": "legal",
            "status": "active",
            "province": area("LA01").pk,
            "national": "on",
            "sex": "",
        },
    )
    assert response.status_code == 200 and not Service.objects.filter(name="Hijack").exists()


def test_refer_from_the_case_then_receive_with_only_the_sections_shared(personas, as_user, case, entry):
    alice = as_user(personas.alice)
    search = alice.get(reverse("referrals:refer", args=[case.code])).content.decode()
    assert "Legal aid clinic (synthetic)" in search  # serves Savannakhet, where the person lives
    url = reverse("referrals:refer", args=[case.code]) + f"?service={entry.code}"
    form = alice.get(url).content.decode()
    assert "has not agreed to share" in form
    response = alice.post(url, {"sections": ["identity"], "message": "Debt advice"})
    assert response.status_code == 200 and not Referral.objects.exists()
    consent_to_share(personas, case, personas.org_p)
    response = alice.post(url, {"sections": ["identity"], "message": "Debt advice"})
    referral = Referral.objects.get()
    assert response.status_code == 302 and referral.sections == ["identity"]

    petra = as_user(personas.petra)
    queue = petra.get(reverse("referrals:incoming")).content.decode()
    assert referral.reference in queue and "Phonsavanh" not in queue  # no names in the queue
    page = petra.get(reverse("referrals:detail", args=[referral.code])).content.decode()
    assert "Phonsavanh" in page and "Debt advice" in page
    assert (
        petra.get(reverse("referrals:detail", args=[referral.code]), {"section": "contact"}).status_code
        == 404
    )
    assert petra.get(reverse("cases:detail", args=[case.code])).status_code == 404
    assert petra.post(reverse("referrals:accept", args=[referral.code])).status_code == 302
    response = petra.post(
        reverse("referrals:complete", args=[referral.code]),
        {
            "delivered_on": timezone.localdate().strftime("%d/%m/%Y"),
            "service_type": "Legal",
            "description": "Letter",
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED
    case_page = as_user(personas.alice).get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "Letter" in case_page  # the service delivered, in the case's services


def test_slip_in_lao_carries_only_shared_sections(personas, as_user, case, entry):
    consent_to_share(personas, case, personas.org_p)
    referral = refer(personas, case, entry, sections=["identity"])
    page = as_user(personas.alice).get(reverse("referrals:slip", args=[referral.code]), {"lang": "lo"})
    text = page.content.decode()
    assert page.status_code == 200 and 'lang="lo"' in text
    assert "ພອນສະຫວັນ" in text  # the name section
    slip = text.split('class="letter slip"')[1]
    assert case.person.phone and case.person.phone not in slip  # the contact section was not shared
    assert "+856 41 000 000" in slip  # the provider's own phone is on it


def test_transfer_pages(personas, as_user, case):
    from homeward.accounts.capabilities import Role
    from homeward.conftest import make_user

    bea = make_user("bea", personas.org_b, Role.SUPERVISOR)
    consent_to_share(personas, case, personas.org_b)
    sam = as_user(personas.sam)
    response = sam.post(
        reverse("referrals:transfer_new", args=[case.code]),
        {"to_org": personas.org_b.pk, "reason": "Moved to B"},
    )
    assert response.status_code == 302
    transfer = case.transfers.get()
    client = as_user(bea)
    page = client.get(reverse("referrals:transfer", args=[transfer.code])).content.decode()
    assert "Moved to B" in page and "Phonsavanh" not in page  # the decision needs no name
    response = client.post(
        reverse("referrals:transfer", args=[transfer.code]), {"accept": "1", "caseworker": personas.bob.pk}
    )
    assert response.status_code == 302
    assert as_user(personas.alice).get(reverse("cases:detail", args=[case.code])).status_code == 404
    assert as_user(personas.bob).get(reverse("cases:detail", args=[case.code])).status_code == 200


def test_figures_and_gaps_pages(personas, as_user, case, entry):
    from homeward.reintegration.tests.helpers import approved_plan

    approved_plan(personas, case)
    consent_to_share(personas, case, personas.org_p)
    refer(personas, case, entry)
    page = as_user(personas.nora).get(reverse("referrals:figures")).content.decode()
    assert str(personas.org_p) in page and "<tfoot>" in page
    gaps = as_user(personas.rita).get(reverse("referrals:gaps")).content.decode()
    assert "Savannakhet" in gaps and "Phonsavanh" not in gaps


def test_settings_change_the_service_levels(personas, as_user):
    from homeward.referrals.models import NetworkSettings

    client = as_user(personas.nora)
    response = client.post(
        reverse("referrals:settings"), {"accept_within_days": 5, "complete_within_days": 20}
    )
    assert response.status_code == 302
    assert NetworkSettings.current().accept_within_days == 5
    response = client.post(
        reverse("referrals:settings"), {"accept_within_days": 0, "complete_within_days": 20}
    )
    assert response.status_code == 200 and NetworkSettings.current().accept_within_days == 5


def test_the_data_protection_officer_reads_refused_attempts(personas, as_user, case, entry):
    url = reverse("referrals:refer", args=[case.code]) + f"?service={entry.code}"
    as_user(personas.alice).post(url, {"sections": ["identity"], "message": "Debt advice"})
    log = as_user(personas.dora).get(reverse("audit_log")).content.decode()
    assert "Refused" in log and f"no consent to share with organisation {personas.org_p.code}" in log


def test_a_provider_without_accounts_is_listed_then_given_a_service(personas, as_user):
    from homeward.accounts.models import Organisation

    client = as_user(personas.nora)
    response = client.post(
        reverse("referrals:provider_new"),
        {
            "name": "Outram District Hospital (synthetic)",
            "type": "HealthServiceOrganisation",
            "province": area("LA13").pk,
        },
    )
    hospital = Organisation.objects.get(name="Outram District Hospital (synthetic)")
    assert hospital.is_external and hospital.country.code == "LA"
    assert response["Location"].endswith(f"?organisation={hospital.pk}")
    page = client.get(response["Location"]).content.decode()
    assert f'<option value="{hospital.pk}" selected>' in page
    # An organisation without accounts has no users.
    assert not hospital.memberships.exists()
