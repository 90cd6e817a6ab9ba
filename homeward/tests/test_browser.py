"""A real browser: Debian's Chromium driven by Playwright. Signs in with a second factor, switches to Lao,
registers a survivor with a Lao-script name, finds her by a Latin spelling, opens the case — and checks each
page with axe-core for serious accessibility problems and the console for blocked (CSP) resources."""

from __future__ import annotations

import os

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.conftest import PASSWORD
from homeward.tests.browser_support import axe as _axe
from homeward.tests.browser_support import totp as _totp

# Playwright's sync API keeps an event loop in this thread; the ORM calls here are plain synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def device(personas):
    """Made before Playwright starts: ORM calls under its event loop would open a connection that no one closes."""
    return TOTPDevice.objects.create(user=personas.alice, name="phone", confirmed=True)


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 768}, {"width": 390, "height": 844}])
def test_a_caseworker_registers_and_finds_a_survivor_in_lao(server, personas, device, browser, viewport):
    context = browser.new_context(viewport=viewport, locale="en-GB")
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    problems: dict[str, list] = {}

    page.goto(f"{server}/account/login/")
    problems["login"] = _axe(page)
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/two-factor/verify/**")
    page.fill("#id_token", _totp(device))
    page.click("main button[type=submit]")
    page.wait_for_url("**/home/")

    with page.expect_navigation():
        page.select_option("#language-select", "lo")
    assert page.locator("html").get_attribute("lang") == "lo"
    problems["home"] = _axe(page)

    page.goto(f"{server}/cases/new/")
    problems["create"] = _axe(page)
    page.fill("#id_person-given_name_lo", "ພອນສະຫວັນ")
    page.fill("#id_person-family_name_lo", "ແສງທອງ")
    page.select_option("#id_person-gender", "Feminine")
    page.fill("#id_person-birth_year_input", "2547")
    page.check("#id_person-birth_era_1")
    page.locator("form.form-wide button[type=submit]").click()
    page.wait_for_url("**/cases/*-*-*-*-*/")
    assert "ພອນສະຫວັນ" in page.locator("h1").inner_text()

    page.goto(f"{server}/cases/")
    page.fill("#id_q", "Phonesavan")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_selector("#results a")
    problems["search"] = _axe(page)
    link = page.locator("#results a", has_text="ພອນສະຫວັນ")
    assert link.count() == 1
    link.click()
    page.wait_for_url("**/cases/*-*-*-*-*/")
    assert "ແສງທອງ" in page.locator("h1").inner_text()
    problems["case"] = _axe(page)

    page.fill("#id_body", "ໂທຫາຄອບຄົວແລ້ວ")
    page.locator("#comment-form button[type=submit]").click()
    page.wait_for_selector(".timeline-comment >> text=ໂທຫາຄອບຄົວແລ້ວ")

    context.close()
    assert {k: v for k, v in problems.items() if v} == {}
    assert [e for e in console_errors if "Content Security Policy" in e or "Refused" in e] == []
