"""A real browser follows a survivor after return: the caseworker assesses needs and writes the plan, the
supervisor approves it from the work queue, the caseworker records a service and two scored visits and sees
the chart, proposes closure, and the supervisor closes the case. Pages are checked with axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.cases.models import Case
from homeward.returns.tests.test_browser_return import _sign_in, _sign_out, _submit
from homeward.tests.browser_support import axe as _axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(personas, open_case, score_config):
    """ORM writes before Playwright starts. The case opened 400 days ago, so every visit is already due."""
    devices = {
        u.username: TOTPDevice.objects.create(user=u, name="phone", confirmed=True)
        for u in (personas.alice, personas.sam)
    }
    case = open_case()
    Case.objects.filter(pk=case.pk).update(opened_on=timezone.localdate() - dt.timedelta(days=400))
    return devices, f"/cases/{case.code}/"


def test_a_case_after_return_from_needs_to_closure(server, setup, browser):
    # No database query from here on (see the returns browser test): every check reads the pages.
    devices, case_path = setup
    page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB").new_page()
    page.set_default_timeout(10_000)
    problems: dict[str, list] = {}

    _sign_in(page, server, "alice", devices["alice"])
    page.goto(server + case_path)
    page.locator("a[href$='/needs/']").click()
    page.wait_for_selector("#id_goals")
    problems["needs"] = _axe(page)
    page.fill("#id_goals", "Open a noodle stall and look after my mother")
    page.check("#id_need-income-level_2")  # serious
    page.check("#id_need-income-scopes_0")  # individual
    _submit(page, "form.form-wide button[type=submit]")
    assert page.locator(".tag-need-serious").count() == 1

    page.locator("a[href$='/plan/']").click()
    page.wait_for_selector("#id_objectives")
    problems["plan"] = _axe(page)
    page.fill("#id_objectives", "A steady income from a noodle stall within six months")
    page.check("input[name=types][value=Livelihood]")
    _submit(page)
    _submit(page, "form[action$='/submit/'] button")
    assert page.locator("text=waiting for a supervisor").count() == 1
    _sign_out(page)

    _sign_in(page, server, "sam", devices["sam"])
    page.goto(f"{server}/queue/")
    problems["queue"] = _axe(page)
    page.locator("a[href$='/decide/']").first.click()
    page.wait_for_selector("button[name=approve]")
    _submit(page, "button[name=approve]")
    assert page.locator("#after-return .tag-active").count() == 1  # the plan is in force
    _sign_out(page)

    _sign_in(page, server, "alice", devices["alice"], steps_ahead=1)
    page.goto(server + case_path)
    page.locator("a[href$='/services/new/']").click()
    page.wait_for_selector("#id_type")
    page.select_option("#id_type", "Livelihood")
    page.fill("#id_provider_name", "Village savings group")
    page.fill("#id_cost", "2000000")
    page.select_option("#id_currency", "LAK")
    _submit(page, "main form button[type=submit]")
    assert page.locator("#after-return table").first.inner_text().count("LAK") >= 1

    for answers in ("first", "last"):
        page.goto(server + case_path)
        page.locator("#after-return li:has(.overdue) a[href*='/reintegration/visits/']").first.click()
        page.wait_for_selector("#id_mode_0")
        problems["visit"] = _axe(page)
        page.check("#id_mode_0")
        for group in page.locator("fieldset.section:nth-of-type(2) .fieldset").all():
            radios = group.locator("input[type=radio]")
            radios.nth(0 if answers == "first" else radios.count() - 2).check()
        page.fill("#id_visited_on", page.locator("p.meta").inner_text().split("due ")[1].split(" ")[0])
        _submit(page, "form.form-wide button[type=submit]")
    assert page.locator("#after-return svg.chart-svg polyline").count() == 4
    problems["case"] = _axe(page)

    page.locator("a[href$='/close/']").click()
    page.wait_for_selector("#id_reason")
    page.select_option("#id_reason", "hw_SupportCompleted")
    _submit(page, "main form button[type=submit]")
    _sign_out(page)

    _sign_in(page, server, "sam", devices["sam"], steps_ahead=1)
    page.goto(f"{server}/queue/")
    page.locator("a[href*='/reintegration/closures/']").first.click()
    page.wait_for_selector("button[name=approve]")
    _submit(page, "button[name=approve]")
    assert page.locator(".tag-closed").count() >= 1
    assert {k: v for k, v in problems.items() if v} == {}
