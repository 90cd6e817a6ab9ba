"""A real browser on the research pages: the researcher sees the dashboards drawn by the vendored chart library
(in Lao too, with the same labels as the tables), the province map, no content-security-policy refusal, and
makes a set of private counts through the form. Every page is checked with axe-core."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.research import services
from homeward.research.tests.helpers import population
from homeward.returns.tests.test_browser_return import _sign_in, _submit
from homeward.tests.browser_support import axe as _axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(personas):
    """ORM reads and writes happen before Playwright starts."""
    population(personas, count=120)
    device = TOTPDevice.objects.create(user=personas.rita, name="phone", confirmed=True)
    today = dt.date.today()
    services.dataset_save(
        actor=personas.dora,
        name="All cases (synthetic)",
        description="",
        opened_from=dt.date(2015, 1, 1),
        opened_to=today,
        epsilon_budget=Decimal("1"),
    )
    return device


def test_dashboards_map_and_a_private_release_in_a_real_browser(server, personas, setup, browser):
    device = setup
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    problems: dict[str, list] = {}

    _sign_in(page, server, "rita", device)
    page.goto(f"{server}/research/")
    page.wait_for_selector("[data-chart='chart-new'] svg text")
    page.wait_for_selector("[data-map] svg path")
    legend = page.locator("[data-chart='chart-new'] svg").text_content() or ""
    headers = page.locator("#table-new thead th").all_inner_texts()
    assert all(label in legend for label in headers[1:3]), (legend, headers)
    problems["caseload"] = _axe(page)

    page.goto(f"{server}/research/flows/")
    assert page.locator("#table-flows table").count() == 1
    problems["flows"] = _axe(page)

    # In Lao: the chart's legend speaks the table's language.
    with page.expect_navigation():
        page.select_option("#language-select", "lo")
    page.goto(f"{server}/research/")
    page.wait_for_selector("[data-chart='chart-new'] svg text")
    assert page.evaluate("document.documentElement.lang") == "lo"
    lao_legend = page.locator("[data-chart='chart-new'] svg").text_content() or ""
    lao_headers = page.locator("#table-new thead th").all_inner_texts()
    assert all(label in lao_legend for label in lao_headers[1:3])
    with page.expect_navigation():
        page.select_option("#language-select", "en")

    # A set of private counts through the form.
    page.goto(f"{server}/research/releases/new/counts/")
    problems["counts form"] = _axe(page)
    page.fill("#id_title", "People by sex (synthetic)")
    page.fill("#id_purpose", "Browser test")
    page.select_option("#id_dataset", index=1)
    page.select_option("#id_first", "sex")
    page.fill("#id_epsilon", "0.3")
    _submit(page)
    assert "Verified, ready to download" in page.locator("main").inner_text()
    assert "ε = 0.300" in page.locator("main").inner_text()
    problems["release"] = _axe(page)
    with page.expect_download() as download:
        page.locator("main a[href$='/htcds.csv']").click()
    assert download.value.suggested_filename.endswith("-htcds.csv")

    # Asking for more than is left is refused on the form.
    page.goto(f"{server}/research/releases/new/counts/")
    page.fill("#id_title", "Too much")
    page.fill("#id_purpose", "Browser test")
    page.select_option("#id_dataset", index=1)
    page.select_option("#id_first", "age")
    page.fill("#id_epsilon", "0.9")
    _submit(page)
    assert "more than the 0.700 left" in page.locator("main").inner_text()

    assert not refused, refused
    assert not any(problems.values()), problems
    context.close()
