"""A real browser runs a training: the national coordinator creates a course and a session, registers two
people, records attendance and scores, prints a certificate; then, signed out, anyone verifies its code. Every
page is checked with axe-core for serious accessibility problems."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.places.models import Area
from homeward.returns.tests.test_browser_return import _sign_in, _sign_out, _submit
from homeward.tests.browser_support import axe as _axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(personas):
    """ORM reads and writes happen before Playwright starts."""
    device = TOTPDevice.objects.create(user=personas.nora, name="phone", confirmed=True)
    return device, Area.objects.get(code="LA13").pk, personas.org_a.pk, personas.org_i.pk


def test_course_session_attendance_certificate_and_public_check(server, personas, setup, browser):
    device, savannakhet, org_a, org_i = setup
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB").new_page()
    page.set_default_timeout(10_000)
    problems: dict[str, list] = {}

    _sign_in(page, server, "nora", device)
    page.goto(f"{server}/training/courses/new/")
    problems["course form"] = _axe(page)
    page.fill("#id_title_en", "Referral and case management (synthetic)")
    page.fill("#id_title_lo", "ການສົ່ງຕໍ່ ແລະ ການຄຸ້ມຄອງກໍລະນີ")
    page.check("input[name=topics][value=referral]")
    page.fill("#id_duration_days", "1")
    page.fill("#id_max_score", "20")
    _submit(page)
    assert "The course has been saved" in page.content()

    page.click("main .actions a:has-text('New session')")
    page.wait_for_url("**/sessions/new/**")
    problems["session form"] = _axe(page)
    page.fill("#id_start_on", yesterday)
    page.fill("#id_end_on", yesterday)
    page.select_option("#id_province", str(savannakhet))
    page.select_option("#id_organiser", str(org_i))
    page.fill("#id_trainers", "Trainer One (synthetic)")
    _submit(page)
    assert "The session has been saved" in page.content()
    session_url = page.url

    for name, sex in (("Noy Synthetic", "female"), ("Keo Synthetic", "male")):
        page.goto(session_url + "register/")
        page.fill("#id_new-name", name)
        page.select_option("#id_new-sex", sex)
        page.select_option("#id_new-organisation", str(org_a))
        page.fill("#id_new-position", "Caseworker")
        page.select_option("#id_new-province", str(savannakhet))
        _submit(page, "form:has(input[name=new]) button[type=submit]")
        assert f"{name} is registered" in page.content()
    problems["session"] = _axe(page)

    page.locator("form[action$='/attendance/'] input[type=checkbox]").first.check()
    _submit(page, "form[action$='/attendance/'] button[type=submit]")
    assert "The attendance has been saved" in page.content()
    first = page.locator("form.result-form").first
    first.locator("input[name=pre_score]").fill("7")
    first.locator("input[name=post_score]").fill("18")
    first.locator("input[name=completed]").check()
    with page.expect_navigation():
        first.locator("button[type=submit]").click()
    assert "have been saved" in page.content()
    page.click("main a[href$='/certificate/']")
    page.wait_for_url("**/certificate/")
    problems["certificate"] = _axe(page)
    assert "ໃບຢັ້ງຢືນ" in page.content() and "Keo Synthetic" in page.content()
    code = page.locator(".certificate-foot strong").inner_text()
    assert code.startswith("TC-")
    _sign_out(page)

    # Signed out, anyone checks the code.
    page.goto(f"{server}/verify/")
    problems["verify"] = _axe(page)
    page.fill("#id_code", code)
    _submit(page, "main form button[type=submit]")
    assert "is genuine" in page.content() and "Keo Synthetic" in page.content()
    assert "Caseworker" not in page.locator("main").inner_text()  # nothing but name, course and date

    assert {k: v for k, v in problems.items() if v} == {}
