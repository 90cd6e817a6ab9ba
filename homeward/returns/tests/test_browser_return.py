"""A real browser brings two people home: the ministry records the request, the province traces both families,
the ministry arranges travel and records the handover, the transit centre admits both (in Lao) and discharges one.
Every page is checked with axe-core for serious accessibility problems."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.conftest import PASSWORD
from homeward.returns.tests import journey as j
from homeward.tests.browser_support import axe as _axe
from homeward.tests.browser_support import totp as _totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(personas):
    """ORM writes happen before Playwright starts (its event loop would leave a connection open)."""
    devices = {
        user.username: TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        for user in (personas.alice, personas.bob, personas.tina)
    }
    agency = j.agency("Kredtrakarn Shelter (synthetic)")
    centre = j.facility(personas)
    return devices, agency, centre, j.checkpoint().name_en


def _sign_in(page, server, username, device, steps_ahead=0):
    page.goto(f"{server}/account/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/two-factor/verify/**")
    page.fill("#id_token", _totp(device, steps_ahead))
    page.click("main button[type=submit]")
    page.wait_for_url("**/home/")


def _sign_out(page):
    page.locator("nav form[action$='/account/logout/'] button").click()
    page.wait_for_url("**/account/login/**")


def _submit(page, selector="main form button[type=submit]"):
    with page.expect_navigation():
        page.locator(selector).first.click()


def test_two_people_come_home_through_tracing_handover_and_the_transit_centre(
    server, personas, setup, browser
):
    # No database query from here on: under Playwright's event loop Django would open a connection of its own
    # that no one closes (PostgreSQL then refuses to drop the test database). Every check reads the pages.
    devices, agency, centre, checkpoint = setup
    today = timezone.localdate().strftime("%d/%m/%Y")
    page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB").new_page()
    page.set_default_timeout(10_000)
    problems: dict[str, list] = {}

    # The ministry records the request and the two people.
    _sign_in(page, server, "alice", devices["alice"])
    page.goto(f"{server}/returns/new/")
    problems["request"] = _axe(page)
    page.select_option("#id_requesting_agency", label=f"{agency.name} (Thailand)")
    page.fill("#id_host_reference", "MSDHS-2026-117")
    _submit(page)
    problems["add person"] = _axe(page)
    for given_lo, given, with_another in (("ນ້ອຍ", "Noy", True), ("ແກ້ວ", "Keo", False)):
        page.fill("#id_person-given_name_lo", given_lo)
        page.fill("#id_person-given_name_latin", given)
        page.fill("#id_person-family_name_latin", "Phommachanh")
        page.select_option("#id_person-gender", "Feminine")
        page.fill("#id_person-birth_year_input", "2001")
        page.select_option("#id_person-province", label="Savannakhet")
        page.check("#id_consent-consent_to_return_0")
        page.check("#id_consent-share_with_agency")
        button = "button[name=another]" if with_another else "form.form-wide .actions button:not([name])"
        _submit(page, button)
        if not with_another and page.locator("button[name=confirmed_new]").count():
            _submit(
                page, "button[name=confirmed_new]"
            )  # the sister has the same family name: not a duplicate
    assert page.locator("main table tbody tr").count() == 2
    problems["request page"] = _axe(page)
    request_url = page.url

    page.locator("a[href$='/tracing/']").first.click()
    page.wait_for_selector("#id_assigned_org")
    page.select_option("#id_assigned_org", label=personas.org_b.name)
    page.fill("#id_information", "Village Nong Bua; mother sells rice at the market (synthetic)")
    _submit(page)
    assert page.locator("main table a[href*='/returns/tracing/']").count() == 2
    _sign_out(page)

    # The province traces both families and sends the results back.
    _sign_in(page, server, "bob", devices["bob"])
    for _ in range(2):
        page.goto(f"{server}/home/")
        page.locator("#tracing-queue-title ~ ul a").first.click()
        page.wait_for_selector("#id_method")
        problems["tracing"] = _axe(page)
        page.select_option("#id_method", "home_visit")
        page.select_option("#id_outcome", "found")
        _submit(page, "form[action$='/attempts/'] button[type=submit]")
        page.locator("a[href$='/assessment/']").click()
        page.wait_for_selector("#id_recommendation")
        page.check("#id_safe_to_return_0")
        page.select_option("#id_recommendation", "family_support")
        page.fill("#id_reply_summary", "Family found; mother will care for her.")
        _submit(page)
        _submit(page, "form[action$='/complete/'] button")
    assert page.locator("#tracing-queue-title ~ ul a").count() == 0  # nothing left to trace
    _sign_out(page)

    # The ministry replies, arranges travel and records the handover at the First Friendship Bridge.
    _sign_in(page, server, "alice", devices["alice"], steps_ahead=1)
    page.goto(request_url)
    assert page.locator(".tag-stage-assessed").count() == 2
    links = page.locator("a[href$='/travel/']")
    travel_urls = [server + (links.nth(i).get_attribute("href") or "") for i in range(2)]
    page.goto(request_url + "reply/?lang=th")
    assert page.locator("article.letter[lang=th]").count() == 1
    _submit(page, "main form button[type=submit]")
    for travel_url in travel_urls:
        page.goto(travel_url)
        page.select_option("#id_document_type", "laissez_passer")
        page.fill("#id_planned_on", today)
        page.select_option("#id_checkpoint", label=checkpoint)
        page.select_option("#id_facility", label=centre.name)
        _submit(page)
    page.goto(request_url + "handover/")
    problems["handover"] = _axe(page)
    page.fill("#id_handed_over_time", "00:00")
    page.fill("#id_handed_over_by_names", "Officer Somchai (synthetic), MSDHS")
    page.check("#id_documents_0")
    _submit(page, "form.form-wide button[type=submit]")
    assert page.locator(".tag-stage-handed_over").count() == 2
    _sign_out(page)

    # The transit centre, working in Lao, admits both and discharges one to the provincial office.
    _sign_in(page, server, "tina", devices["tina"])
    with page.expect_navigation():
        page.select_option("#language-select", "lo")
    page.goto(f"{server}/transit/{centre.code}/")
    problems["board"] = _axe(page)
    for staying in (1, 2):
        page.goto(f"{server}/transit/{centre.code}/")
        assert page.locator(".bed-taken").count() == staying - 1
        page.locator("a[href$='/admit/']").first.click()
        page.wait_for_selector("#id_bed")
        page.select_option("#id_bed", index=1)
        _submit(page)
    assert page.locator(".tag-stay-admitted").count() == 1  # the stay page of the second one
    problems["stay"] = _axe(page)
    page.locator("a[href$='/discharge/']").click()
    page.wait_for_selector("#id_escort_names")
    page.fill("#id_escort_names", "Escort Vanh (synthetic)")
    page.select_option("#id_received_by_org", label=personas.org_b.name)
    _submit(page)
    assert page.locator("html").get_attribute("lang") == "lo"
    problems["board after"] = _axe(page)
    assert page.locator(".message-success").count() == 1
    assert page.locator(".bed-taken").count() == 1  # one still staying, one escorted home
    assert {k: v for k, v in problems.items() if v} == {}
