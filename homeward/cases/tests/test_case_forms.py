"""Opening a case through the form: good input is saved and audited; bad input is refused and changes nothing."""

import pytest
from django.urls import reverse

from homeward.audit.models import AuditEvent
from homeward.cases.models import Case
from homeward.people.models import Person
from homeward.places.models import Area


def form_data(**overrides):
    data = {
        "person-given_name_lo": "ພອນສະຫວັນ",
        "person-family_name_lo": "ແສງທອງ",
        "person-given_name_latin": "Phonsavanh",
        "person-gender": "Feminine",
        "person-birth_day": "27",
        "person-birth_month": "3",
        "person-birth_year_input": "2547",
        "person-birth_era": "BE",
        "case-opened_on": "2026-11-20",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_caseworker_opens_a_case_with_a_buddhist_era_birth_date(personas, as_user):
    province = Area.objects.get(code="LA13")
    district = province.children.first()
    response = as_user(personas.alice).post(
        reverse("cases:create"), form_data(**{"person-province": province.pk, "person-district": district.pk})
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:detail", kwargs={"code": case.code})
    person = case.person
    assert person.birth_date == "2004-03-27" and person.birth_year == 2004 and person.birth_date_is_exact
    assert person.owner_org == personas.org_a and case.caseworker == personas.alice
    assert case.status == "Active" and case.victim is not None
    event = AuditEvent.objects.get(action="create", object_type="case")
    assert set(event.object_codes) == {str(case.code), str(person.code)}
    assert "given_name_lo" in event.fields and event.actor == personas.alice


def test_year_only_is_accepted(personas, as_user):
    as_user(personas.alice).post(
        reverse("cases:create"),
        form_data(
            **{
                "person-birth_day": "",
                "person-birth_month": "",
                "person-birth_year_input": "2008",
                "person-birth_era": "CE",
            }
        ),
    )
    person = Person.objects.get()
    assert person.birth_date == "2008" and not person.birth_date_is_exact


BAD_INPUTS = {
    "impossible day": ({"person-birth_day": "31", "person-birth_month": "2"}, "does not exist"),
    "future birth": ({"person-birth_year_input": "2600", "person-birth_era": "CE"}, "must be in the past"),
    "BE year typed as CE is too old": (
        {"person-birth_year_input": "1890", "person-birth_era": "CE"},
        "older than 120",
    ),
    "CE year typed as BE": ({"person-birth_year_input": "2004", "person-birth_era": "BE"}, "older than 120"),
    "not a number": ({"person-birth_year_input": "two thousand"}, "whole number"),
    "day without year": ({"person-birth_year_input": ""}, "Give the year of birth"),
    "no name at all": (
        {"person-given_name_lo": "", "person-family_name_lo": "", "person-given_name_latin": ""},
        "at least one name",
    ),
    "script in a name": ({"person-given_name_latin": "<script>alert(1)</script>"}, "HTML or script"),
    "event handler in aliases": ({"person-aliases": 'x" onmouseover=alert(1)'}, "HTML or script"),
    "javascript url in address": ({"person-address_detail": "javascript:alert(1)"}, "HTML or script"),
    "control characters": ({"person-family_name_latin": "Sa\x07eng"}, "control characters"),
    "overlong name": ({"person-given_name_latin": "P" * 101}, "100 characters or fewer"),
    "unknown gender": ({"person-gender": "Robot"}, "Select a valid choice"),
    "missing gender": ({"person-gender": ""}, "This field is required"),
    "future case date": ({"case-opened_on": "2099-01-01"}, "cannot be in the future"),
    "malformed case date": ({"case-opened_on": "32/13/2026"}, "Enter a valid date"),
    "bad email": ({"person-email": "not-an-email"}, "valid email"),
    "negative children": ({"person-number_of_children": "-1"}, "greater than or equal to 0"),
}


@pytest.mark.parametrize("case_name", list(BAD_INPUTS))
def test_bad_input_gets_a_clear_message_and_saves_nothing(personas, as_user, case_name):
    overrides, message = BAD_INPUTS[case_name]
    events_before = AuditEvent.objects.count()
    response = as_user(personas.alice).post(reverse("cases:create"), form_data(**overrides))
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert message in body.replace("&#x27;", "'"), body[body.find("error-summary") :][:800]
    assert Case.objects.count() == 0 and Person.objects.count() == 0
    assert AuditEvent.objects.count() == events_before


def test_a_district_of_another_province_is_refused(personas, as_user):
    district = Area.objects.get(code="LA0101")
    response = as_user(personas.alice).post(
        reverse("cases:create"),
        form_data(**{"person-province": Area.objects.get(code="LA13").pk, "person-district": district.pk}),
    )
    assert "not in the province" in response.content.decode()
    assert Case.objects.count() == 0


def test_bad_input_is_explained_in_lao(personas, as_user):
    client = as_user(personas.alice)
    client.post(reverse("set_language"), {"language": "lo", "next": "/"})
    response = client.post(
        reverse("cases:create"), form_data(**{"person-birth_day": "31", "person-birth_month": "2"})
    )
    body = response.content.decode()
    assert 'lang="lo"' in body
    assert "That date does not exist" not in body
    assert Case.objects.count() == 0


def test_editing_personal_details_is_audited_with_the_changed_fields(personas, as_user, open_case):
    case = open_case()
    url = reverse("cases:person_edit", kwargs={"code": case.code})
    client = as_user(personas.alice)
    page = client.get(url)
    assert "ພອນສະຫວັນ" in page.content.decode()
    data = form_data(
        **{
            "person-given_name_latin": "Phonesavanh",
            "person-birth_year_input": "2004",
            "person-birth_era": "CE",
        }
    )
    response = client.post(url, {k: v for k, v in data.items() if k.startswith("person-")})
    assert response.status_code == 302
    case.person.refresh_from_db()
    assert case.person.given_name_latin == "Phonesavanh"
    event = AuditEvent.objects.filter(action="update", object_type="person").latest("seq")
    assert "given_name_latin" in event.fields and "birth_date" in event.fields


def test_victim_context_saves_multiple_picklist_values(personas, as_user, open_case):
    case = open_case()
    response = as_user(personas.alice).post(
        reverse("cases:victim_edit", kwargs={"code": case.code}),
        {
            "trafficking_status": "ActualVictimOfTrafficking",
            "status_decided_by": "Police",
            "exploitation_types": ["hw_ForcedCriminality", "ForcedLabour"],
            "methods_of_control": ["DebtBondage"],
            "age_when_trafficked": "17",
        },
    )
    assert response.status_code == 302
    case.victim.refresh_from_db()
    assert case.victim.exploitation_types == ["hw_ForcedCriminality", "ForcedLabour"]


def test_victim_context_refuses_unknown_values_and_impossible_ages(personas, as_user, open_case):
    case = open_case()
    client = as_user(personas.alice)
    url = reverse("cases:victim_edit", kwargs={"code": case.code})
    for data in (
        {"trafficking_status": "PossibleVictimOfTrafficking", "exploitation_types": ["Piracy"]},
        {"trafficking_status": "PossibleVictimOfTrafficking", "age_when_trafficked": "140"},
        {"trafficking_status": "ActualVictimOfTrafficking"},
    ):
        response = client.post(url, data)
        assert response.status_code == 200 and "There is a problem" in response.content.decode()
    case.victim.refresh_from_db()
    assert (
        case.victim.exploitation_types == []
        and case.victim.trafficking_status == "PossibleVictimOfTrafficking"
    )


def test_a_trafficking_event_must_be_in_the_past_and_in_its_country(personas, as_user, open_case):
    from homeward.places.models import Country

    case = open_case()
    client = as_user(personas.alice)
    url = reverse("cases:event_add", kwargs={"code": case.code})
    thailand, china = Country.objects.get(code="TH"), Country.objects.get(code="CN")
    bangkok = Area.objects.get(code="TH-10")
    bad = client.post(
        url, {"type": "Exploitation", "date": "2025-01-01", "country": china.pk, "area": bangkok.pk}
    )
    assert "not in the country" in bad.content.decode()
    future = client.post(url, {"type": "Exploitation", "date": "2099-01-01", "country": thailand.pk})
    assert "cannot be in the future" in future.content.decode()
    ok = client.post(
        url,
        {
            "type": "Exploitation",
            "date": "2025-01-01",
            "country": thailand.pk,
            "area": bangkok.pk,
            "description": "Factory work, passport taken",
        },
    )
    assert ok.status_code == 302
    assert case.events.get().area == bangkok
