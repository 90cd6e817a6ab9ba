import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from homeward.audit.models import AuditEvent
from homeward.cases.models import Consent
from homeward.cases.services import active_consent, consent_record, consent_withdraw

TODAY = timezone.localdate()


def test_consent_is_recorded_per_purpose_and_checked_by_services(personas, open_case):
    case = open_case()
    assert not active_consent(case, "research")
    consent_record(actor=personas.alice, case=case, consent=Consent(purpose="research", given_on=TODAY))
    consent_record(
        actor=personas.alice,
        case=case,
        consent=Consent(purpose="sharing", shared_with=personas.org_p, given_on=TODAY),
    )
    assert active_consent(case, "research")
    assert active_consent(case, "sharing", personas.org_p.id)
    assert not active_consent(case, "sharing", personas.org_b.id)
    assert not active_consent(case, "assistance")
    assert AuditEvent.objects.filter(object_type="consent", action="create").count() == 2


def test_refused_and_expired_consent_do_not_count(personas, open_case):
    case = open_case()
    consent_record(
        actor=personas.alice, case=case, consent=Consent(purpose="research", given_on=TODAY, granted=False)
    )
    consent_record(
        actor=personas.alice,
        case=case,
        consent=Consent(
            purpose="assistance",
            given_on=TODAY - dt.timedelta(days=400),
            expires_on=TODAY - dt.timedelta(days=1),
        ),
    )
    assert not active_consent(case, "research")
    assert not active_consent(case, "assistance")
    states = {c.purpose: c.state() for c in case.consents.all()}
    assert states == {"research": "refused", "assistance": "expired"}


def test_withdrawal_ends_consent_with_a_reason_and_cannot_be_repeated(personas, open_case):
    case = open_case()
    consent = consent_record(
        actor=personas.alice, case=case, consent=Consent(purpose="research", given_on=TODAY)
    )
    with pytest.raises(ValidationError):
        consent_withdraw(actor=personas.dora, case=case, consent=consent, reason=" ")
    consent_withdraw(actor=personas.dora, case=case, consent=consent, reason="Asked by phone")
    assert not active_consent(case, "research")
    assert consent.state() == "withdrawn" and consent.withdrawn_by == personas.dora
    with pytest.raises(ValidationError):
        consent_withdraw(actor=personas.dora, case=case, consent=consent, reason="again")


def test_sharing_consent_must_name_the_organisation(personas, as_user, open_case):
    case = open_case()
    response = as_user(personas.alice).post(
        reverse("cases:consent_add", kwargs={"code": case.code}),
        {"purpose": "sharing", "granted": "on", "given_on": TODAY.isoformat()},
    )
    assert "Choose the organisation" in response.content.decode()
    assert case.consents.count() == 0


def test_expiry_before_the_date_given_is_refused(personas, as_user, open_case):
    case = open_case()
    response = as_user(personas.alice).post(
        reverse("cases:consent_add", kwargs={"code": case.code}),
        {
            "purpose": "research",
            "granted": "on",
            "given_on": TODAY.isoformat(),
            "expires_on": (TODAY - dt.timedelta(days=3)).isoformat(),
        },
    )
    assert "must be after" in response.content.decode()
    assert case.consents.count() == 0


def test_the_case_page_shows_each_consents_state(personas, as_user, open_case):
    case = open_case()
    consent_record(actor=personas.alice, case=case, consent=Consent(purpose="research", given_on=TODAY))
    body = as_user(personas.alice).get(reverse("cases:detail", kwargs={"code": case.code})).content.decode()
    assert "tag-active" in body and "Record withdrawal" in body


def test_the_withdraw_page_records_it(personas, as_user, open_case):
    case = open_case()
    consent = consent_record(
        actor=personas.alice, case=case, consent=Consent(purpose="research", given_on=TODAY)
    )
    url = reverse("cases:consent_withdraw", kwargs={"code": case.code, "consent_code": consent.code})
    response = as_user(personas.dora).post(url, {"reason": "Changed her mind"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawal_reason == "Changed her mind"


def test_a_buddhist_era_year_typed_as_an_expiry_is_questioned(personas, as_user, open_case):
    case = open_case()
    response = as_user(personas.alice).post(
        reverse("cases:consent_add", kwargs={"code": case.code}),
        {
            "purpose": "research",
            "granted": "on",
            "given_on": TODAY.strftime("%d/%m/%Y"),
            "expires_on": f"01/01/{TODAY.year + 543}",
        },
    )
    assert "Buddhist Era years are 543 ahead" in response.content.decode()
    assert case.consents.count() == 0


def test_dates_are_typed_day_first(personas, as_user, open_case):
    case = open_case()
    response = as_user(personas.alice).post(
        reverse("cases:consent_add", kwargs={"code": case.code}),
        {"purpose": "research", "granted": "on", "given_on": "03/02/2025"},
    )
    assert response.status_code == 302
    assert case.consents.get().given_on == dt.date(2025, 2, 3)
