"""A real browser across two organisations: the ministry refers a survivor to a legal-aid provider, the
provider receives the referral with only the sections shared, accepts and reports the service; then the person
withdraws their consent and the provider loses access to the referral still open. Every page is checked with
axe-core for serious accessibility problems."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.referrals.tests.helpers import area, consent_to_share, refer, service
from homeward.returns.tests.test_browser_return import _sign_in, _sign_out, _submit
from homeward.tests.browser_support import axe as _axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(personas, open_case):
    """ORM writes happen before Playwright starts (its event loop would leave a connection open)."""
    devices = {
        user.username: TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        for user in (personas.alice, personas.petra)
    }
    savannakhet = area("LA13")
    case = open_case(province=savannakhet, district=savannakhet.children.first(), phone="+856 20 5555 0199")
    legal = service(personas, name="Legal aid clinic (synthetic)", category="legal")
    counselling = service(personas, name="Counselling (synthetic)", category="psychosocial")
    consent = consent_to_share(personas, case, personas.org_p)
    # A second referral, already open, to show what the provider loses when consent is withdrawn.
    second = refer(personas, case, counselling, message="Counselling after return (synthetic)")
    return devices, case, legal, consent, second


def test_refer_receive_complete_then_consent_withdrawn(server, personas, setup, browser):
    # No database query from here on: every check reads the pages.
    devices, case, legal, consent, second = setup
    today = timezone.localdate().strftime("%d/%m/%Y")

    # Each organisation in its own browser, each person signing in once: a second-factor code is accepted only
    # once, and signing the same person in again within a test depends on the clock.
    def window():
        page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB").new_page()
        page.set_default_timeout(10_000)
        return page

    page, provider = window(), window()
    problems: dict[str, list] = {}

    # The ministry's caseworker refers from the case: the directory opens on the person's district.
    _sign_in(page, server, "alice", devices["alice"])
    page.goto(f"{server}/cases/{case.code}/")
    page.click("text=Refer to a service")
    page.wait_for_url("**/refer/")
    problems["search"] = _axe(page)
    page.select_option("#id_category", "legal")
    _submit(page, "main form.filters button[type=submit]")
    page.click(f"a[href$='?service={legal.code}']")
    problems["refer form"] = _axe(page)
    assert page.locator("#id_sections_0").is_checked()  # name and age, shared by default
    assert not page.locator("input[value=trafficking]").is_checked()  # never by default
    page.uncheck("input[name=sections][value=contact]")
    page.fill("#id_message", "Needs advice on a debt to the broker (synthetic).")
    _submit(page)
    assert "has been sent" in page.content()
    reference = page.locator("main .page-head .caption").inner_text()

    # The provider sees it in the queue, with only what was shared.
    alice, page = page, provider
    _sign_in(page, server, "petra", devices["petra"])
    page.goto(f"{server}/referrals/received/")
    problems["queue"] = _axe(page)
    assert "Phonsavanh" not in page.content()  # no names in the queue
    page.click(f"text={reference.split()[-1]}")
    problems["received"] = _axe(page)
    assert "Phonsavanh" in page.content() and "debt to the broker" in page.content()
    assert "+856 20 5555 0199" not in page.content()  # the phone was not shared
    response = page.goto(page.url.split("?")[0] + "?section=contact")
    assert response.status == 404
    page.go_back()
    _submit(page, "form[action$='/accept/'] button")
    assert "You have accepted" in page.content()
    page.fill("#id_delivered_on", today)
    page.fill("#id_description", "Advice and a letter to the broker (synthetic)")
    _submit(page, "form[action$='/complete/'] button[type=submit]")
    assert "now appears in the case" in page.content()
    # Accept the second one too, then leave.
    page.goto(f"{server}/referrals/{second.code}/")
    _submit(page, "form[action$='/accept/'] button")

    # The caseworker sees the service in the case, then records the person's withdrawal of consent.
    page = alice
    page.goto(f"{server}/cases/{case.code}/")
    assert "Advice and a letter to the broker" in page.content()
    page.goto(f"{server}/cases/{case.code}/consents/{consent.code}/withdraw/")
    problems["withdraw"] = _axe(page)
    page.fill("#id_reason", "The person asked us to stop sharing (synthetic).")
    _submit(page)
    page.goto(f"{server}/referrals/{second.code}/")
    assert "Revoked: consent withdrawn" in page.content()
    _sign_out(page)

    # The provider, still signed in, reloads the open referral: it is gone.
    page = provider
    response = page.goto(f"{server}/referrals/{second.code}/")
    assert response.status == 404
    page.goto(f"{server}/referrals/received/?status=all")
    assert "Counselling (synthetic)" not in page.content()

    assert {k: v for k, v in problems.items() if v} == {}
