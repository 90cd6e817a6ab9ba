"""The return pages as their users meet them: duplicate check, translated refusals, who sees what."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from homeward.audit.models import AuditEvent
from homeward.cases.picklists import ConsentPurpose
from homeward.returns.models import Handover, Returnee, ReturnRequest, Tracing
from homeward.returns.tests import journey as j

TODAY = timezone.localdate


def _d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def test_a_request_is_recorded_then_people_added_with_a_duplicate_check(personas, as_user, open_case):
    existing = open_case()  # ພອນສະຫວັນ ແສງທອງ / Phonsavanh Saengthong
    agency = j.agency()
    client = as_user(personas.alice)
    response = client.post(
        reverse("returns:create"),
        {
            "requesting_agency": agency.pk,
            "host_country": agency.country_id,
            "received_on": _d(TODAY()),
            "host_reference": "TH-2026-0042",
            "documents_received": ["case_file", "photo"],
        },
    )
    request = ReturnRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "returns:returnee_add", args=[request.code]
    )
    assert request.host_reference == "TH-2026-0042" and request.documents_received == ["case_file", "photo"]

    person = {
        "person-given_name_latin": "Phonesavanh",
        "person-family_name_latin": "Saengthong",
        "person-gender": "Feminine",
        "person-birth_era": "CE",
        "consent-consent_to_return": "yes",
        "consent-consent_given_on": _d(TODAY()),
        "consent-share_with_agency": "on",
    }
    url = reverse("returns:returnee_add", args=[request.code])
    response = client.post(url, person)
    assert response.status_code == 200
    assert existing.reference in response.content.decode()  # a likely match, shown before anything is created
    assert not Returnee.objects.exists()

    response = client.post(url, {**person, "existing": str(existing.person.code)})
    assert response.status_code == 302
    returnee = Returnee.objects.get()
    assert returnee.case == existing  # the open case is reused, no duplicate person
    assert set(returnee.case.consents.values_list("purpose", flat=True)) == {
        ConsentPurpose.RETURN,
        ConsentPurpose.SHARING,
    }

    response = client.post(
        url, {**person, "person-given_name_latin": "Noy", "person-family_name_latin": "Sisouk"}
    )
    assert response.status_code == 302  # no likely match: created straight away
    response = client.post(url, {**person, "confirmed_new": "1"})
    assert response.status_code == 302  # a likely match, but the caseworker says it is someone else
    assert Returnee.objects.count() == 3 and len({r.case.person_id for r in Returnee.objects.all()}) == 3


def test_a_refused_handover_is_explained_in_the_users_language_and_saves_nothing(personas, as_user):
    request = j.new_request(personas)
    returnee = j.add_returnee(personas, request)
    client = as_user(personas.alice)
    client.cookies["django_language"] = "lo"
    response = client.post(
        reverse("returns:handover", args=[request.code]),
        {
            "returnees": [returnee.pk],
            "checkpoint": j.checkpoint().pk,
            "handed_over_on": _d(TODAY()),
            "handed_over_time": "00:01",
            "handed_over_by_org": request.requesting_agency_id,
            "handed_over_by_names": "Officer T",
            "received_by": personas.alice.pk,
            "share_org_1": personas.org_p.pk,
            "share_sections_1": ["identity"],
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="lo"' in page and returnee.case.reference in page
    assert "There is no consent to share" not in page  # the message is in Lao, not English
    assert not Handover.objects.exists()


def test_the_province_sees_what_tracing_needs_and_records_it(personas, as_user):
    journey = j.build(personas)
    tracing = journey.waiting.tracing
    client = as_user(personas.bob)
    page = client.get(reverse("returns:tracing", args=[tracing.code])).content.decode()
    assert "Mother&#x27;s name and village" in page or "Mother's name and village" in page
    assert reverse("cases:detail", args=[journey.waiting.case.code]) not in page  # no way into the case
    assert client.get(reverse("cases:detail", args=[journey.waiting.case.code])).status_code == 404
    response = client.post(
        reverse("returns:assessment", args=[tracing.code]),
        {"assessed_on": _d(TODAY()), "safe_to_return": "no", "recommendation": "delay"},
    )
    assert (
        response.status_code == 200 and "risks" in response.content.decode().lower()
    )  # unsafe needs the risks
    response = client.post(
        reverse("returns:assessment", args=[tracing.code]),
        {
            "assessed_on": _d(TODAY()),
            "safe_to_return": "no",
            "risks": ["debt", "recruiter"],
            "recommendation": "delay",
        },
    )
    assert response.status_code == 302
    client.post(reverse("returns:tracing_complete", args=[tracing.code]))
    assert Tracing.objects.get(pk=tracing.pk).status == "completed"
    assert AuditEvent.objects.filter(actor=personas.bob, object_type="case", action="view").exists()


def test_transit_staff_see_people_staying_and_nothing_after_they_leave(personas, as_user):
    journey = j.build(personas)
    client = as_user(personas.tina)
    board = client.get(reverse("transit:board", args=[journey.centre.code])).content.decode()
    assert journey.done.case.person.given_name_latin in board  # staying
    assert journey.waiting.case.person.given_name_latin in board  # arriving this week
    stay_url = reverse("transit:stay", args=[journey.admitted.code])
    assert client.get(stay_url).status_code == 200
    assert client.get(reverse("cases:detail", args=[journey.done.case.code])).status_code == 404
    assert client.get(reverse("returns:detail", args=[journey.request.code])).status_code == 404
    response = client.post(
        reverse("transit:discharge", args=[journey.admitted.code]),
        {
            "discharged_on": _d(TODAY()),
            "discharged_time": timezone.localtime().strftime("%H:%M"),
            "destination_province": journey.done.case.person.province_id
            or j.Area.objects.get(code="LA13").pk,
            "escort_names": "Escort E",
            "received_by_org": personas.org_b.pk,
        },
    )
    assert response.status_code == 302
    assert client.get(stay_url).status_code == 404  # gone home: no longer the centre's to see
    assert Returnee.objects.get(pk=journey.done.pk).stage == "home"


def test_a_facility_manager_sees_counts_not_names(personas, as_user):
    journey = j.build(personas)
    page = as_user(personas.olga).get(reverse("transit:board", args=[journey.centre.code])).content.decode()
    assert journey.done.case.person.given_name_latin not in page
    assert reverse("transit:stay", args=[journey.admitted.code]) not in page


def test_the_case_page_shows_the_way_home(personas, as_user):
    journey = j.build(personas)
    page = (
        as_user(personas.alice).get(reverse("cases:detail", args=[journey.done.case.code])).content.decode()
    )
    for expected in (
        "Return requested by",
        "Family tracing asked of",
        "Family assessed",
        "Reply sent to",
        "Return planned",
        "Handed over at",
        "Admitted to",
    ):
        assert expected in page, expected
    assert journey.request.reference in page


def test_the_reply_letter_is_written_in_the_language_chosen(personas, as_user):
    request = j.new_request(personas)
    returnee = j.add_returnee(personas, request)
    j.complete_tracing(personas, j.ask_tracing(personas, [returnee])[0])
    client = as_user(personas.alice)
    page = client.get(reverse("returns:reply", args=[request.code]) + "?lang=th").content.decode()
    assert 'class="letter" lang="th"' in page
    assert "Family found and ready to welcome her." in page  # what the province wrote for the agency
    assert "Mother and two brothers" not in page  # and nothing else of the assessment
    response = client.post(
        reverse("returns:reply", args=[request.code]),
        {"sent_on": _d(TODAY()), "channel": "email", "language": "th"},
    )
    assert response.status_code == 302
    assert request.replies.get().returnees.get() == returnee


def test_overdue_tracing_is_in_the_home_queues(personas, as_user):
    journey = j.build(personas)
    Tracing.objects.filter(pk=journey.waiting.tracing.pk).update(
        requested_on=TODAY() - dt.timedelta(days=30), due_on=TODAY() - dt.timedelta(days=2)
    )
    for persona in (personas.alice, personas.bob):
        for where in ("home", "queue"):
            page = as_user(persona).get(reverse(where)).content.decode()
            assert (
                "overdue" in page and reverse("returns:tracing", args=[journey.waiting.tracing.code]) in page
            )
        from homeward.reintegration.selectors import queue_count

        assert queue_count(persona) >= 1  # counted in the menu
    page = as_user(personas.tina).get(reverse("home")).content.decode()
    assert journey.centre.name in page


def test_the_request_list_filters_by_stage_and_counts_people_once(personas, as_user):
    journey = j.build(personas)  # two people on one request: one staying, one still traced
    other = j.new_request(personas)
    j.add_returnee(personas, other)
    client = as_user(personas.alice)
    page = client.get(reverse("returns:list") + "?stage=in_transit").content.decode()
    assert journey.request.reference in page and other.reference not in page
    row = page[page.index(journey.request.reference) :]
    cells = [c.split(">")[-1] for c in row.split("</td>")[3:5]]
    assert cells == ["2", "2"]  # two people, both still on the way; not doubled by the filter


def test_a_partner_agency_is_added_once_and_gets_no_users(personas, as_user):
    from homeward.accounts.models import Organisation

    client = as_user(personas.alice)
    data = {"name": "Shelter N (synthetic)", "type": "NGO", "country": j.Country.objects.get(code="TH").pk}
    assert client.post(reverse("returns:agency_create"), data).status_code == 302
    agency = Organisation.objects.get(name="Shelter N (synthetic)")
    assert agency.is_external and not agency.memberships.exists()
    client.cookies["django_language"] = "lo"
    response = client.post(reverse("returns:agency_create"), data)
    page = response.content.decode()
    assert response.status_code == 200 and "error-summary" in page
    assert "already exists" not in page  # the message is in Lao
    assert Organisation.objects.filter(name="Shelter N (synthetic)").count() == 1


def test_discharging_a_planned_arrival_is_refused_on_the_page(personas, as_user):
    journey = j.build(personas)
    response = as_user(personas.tina).post(
        reverse("transit:discharge", args=[journey.planned.code]),
        {
            "discharged_on": _d(TODAY()),
            "discharged_time": "00:00",
            "destination_province": j.Area.objects.get(code="LA13").pk,
            "escort_names": "Escort E",
            "received_by_org": personas.org_b.pk,
        },
    )
    assert response.status_code == 200 and "never admitted" in response.content.decode()
    journey.planned.refresh_from_db()
    assert journey.planned.status == "planned" and journey.planned.discharged_at is None
