#!/usr/bin/env python3
"""Take screenshots of a running Homeward demo for the documentation.

Signs in to a running demo (``make demo``, or a separate one on another port), visits the main pages in
each language and at each window size, and saves full-page PNGs as
``docs/screenshots/<lang>-<width>-<page>.png``. Pages: ``login``; as ``--user`` (a caseworker): ``home``,
``case-list``, ``search`` (the case list searched for ``--search``), ``case-new``, ``case`` (the first open case
found) and ``trafficking`` (its trafficking-context form); as ``--dpo-user``: ``audit-log``; as
``--admin-user``: ``organisation`` (confirming the password first if Homeward asks); as ``--user`` again:
``returns`` and ``returns-request`` (a request with three people on the way) and ``handover``; as
``--tracer-user`` (a provincial caseworker): ``tracing``; as ``--transit-user``: ``board``; as ``--user``:
``queue``, ``visit`` (an overdue visit) and ``after-return`` (the first case found with a score chart); and (group
``interop``) ``import``, ``import-check`` (an invented file checked, then discarded), ``export``, ``phone`` (the
phone password page), ``intake-list`` and ``intake`` (a form sent from a phone, from the demo's intake queue); and
(group ``api``) ``api-tokens`` and ``api-docs``. The language is switched
with the menu in the page header, as a person would. It prints a warning for a page wider than the window.

It drives Debian's Chromium (``/usr/bin/chromium``) through Playwright for Python; it never downloads a
browser (do not run ``playwright install``). Start a demo first, for example on port 8001::

    export HOMEWARD_VAR_DIR=/tmp/hw-docs HOMEWARD_DEMO=1
    .venv/bin/homeward keys init
    .venv/bin/homeward migrate -v0
    .venv/bin/homeward demo-setup
    .venv/bin/homeward runserver 127.0.0.1:8001 --noreload &

then::

    .venv/bin/python scripts/screenshots.py                      # English and Lao, 1366x768 and 390x844
    .venv/bin/python scripts/screenshots.py --languages en --sizes 1366x768

Demo mode does not ask for the second factor, so a password is enough. Every person in the demo is invented.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "homeward-demo-2026"  # noqa: S105 - the published password of the invented demo accounts


class ScreenshotError(RuntimeError):
    pass


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x", 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1366x768, got {text!r}") from None
    return width, height


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8001", help="the running demo")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="output folder")
    parser.add_argument("--user", default="caseworker", help="user for the case pages")
    parser.add_argument("--dpo-user", default="dpo", help="user for the audit log page")
    parser.add_argument("--admin-user", default="orgadmin", help="user for the organisation page")
    parser.add_argument(
        "--tracer-user", default="caseworker.svk", help="provincial user for the tracing page"
    )
    parser.add_argument("--transit-user", default="transit", help="transit-centre user for the board")
    parser.add_argument("--provider-user", default="provider", help="service provider for referrals received")
    parser.add_argument("--coordinator-user", default="coordinator", help="national coordinator (directory)")
    parser.add_argument("--receiver-user", default="supervisor.svk", help="supervisor offered a transfer")
    parser.add_argument("--researcher-user", default="researcher", help="researcher (dashboards, releases)")
    parser.add_argument(
        "--only", default="", help="comma-separated groups to shoot (default all): " + ", ".join(GROUPS)
    )
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--languages", default="en,lo", help="comma-separated language codes")
    parser.add_argument(
        "--sizes", default="1366x768,390x844", help="comma-separated window sizes, WIDTHxHEIGHT"
    )
    parser.add_argument("--search", default="Phonesavan", help="name searched for on the case list")
    parser.add_argument("--chromium", default=CHROMIUM, help="path to the Chromium executable")
    parser.add_argument("--phone-scale", type=float, default=1.0, help="device pixel ratio below 700px")
    parser.add_argument("--headed", action="store_true", help="show the browser window")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each page")
    args = parser.parse_args(argv)
    args.languages = [lang.strip() for lang in args.languages.split(",") if lang.strip()]
    args.only = [group.strip() for group in args.only.split(",") if group.strip()] or list(GROUPS)
    args.sizes = [parse_size(size) for size in args.sizes.split(",") if size.strip()]
    args.base_url = args.base_url.rstrip("/") + "/"
    return args


class Shooter:
    def __init__(self, browser: Browser, args: argparse.Namespace):
        self.browser = browser
        self.args = args
        self.saved: list[Path] = []
        self.problems: list[str] = []

    # ---- helpers -----------------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return urljoin(self.args.base_url, path.lstrip("/"))

    def new_context(self, size: tuple[int, int]) -> BrowserContext:
        width, height = size
        # Phone-sized windows behave as a phone (touch, mobile viewport). One device pixel per CSS pixel keeps
        # the files small; pass --phone-scale 2 or 3 for sharper phone images.
        phone = width < 700
        context = self.browser.new_context(
            viewport={"width": width, "height": height},
            device_scale_factor=self.args.phone_scale if phone else 1,
            is_mobile=phone,
            has_touch=phone,
            locale="en-GB",
            timezone_id="Asia/Vientiane",
        )
        context.set_default_timeout(self.args.timeout * 1000)
        return context

    def settle(self, page: Page) -> None:
        page.wait_for_load_state("load")
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_load_state("networkidle", timeout=5000)
        page.evaluate("document.fonts ? document.fonts.ready.then(() => true) : true")

    def goto(self, page: Page, path: str) -> None:
        response = page.goto(self.url(path))
        if response is not None and response.status >= 400:
            raise ScreenshotError(f"{path} answered HTTP {response.status}")
        self.settle(page)

    def shoot(self, page: Page, lang: str, size: tuple[int, int], name: str) -> None:
        self.settle(page)
        path = self.args.out / f"{lang}-{size[0]}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.saved.append(path)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 1:
            self.problems.append(f"{path.name}: the page is {overflow}px wider than the window")
        print(f"  saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    def set_language(self, page: Page, lang: str) -> None:
        """Use the language menu in the page header, as a person would."""
        if page.evaluate("document.documentElement.lang") == lang:
            return
        select = page.locator("select[name=language]")
        try:
            with page.expect_navigation():
                select.select_option(lang)  # homeward.js submits the form on change
        except PlaywrightTimeout:
            # Without JavaScript the form has a submit button; submit the form directly.
            with page.expect_navigation():
                page.locator("form:has(select[name=language])").evaluate("form => form.submit()")
        self.settle(page)
        current = page.evaluate("document.documentElement.lang")
        if current != lang:
            # Django accepts a language only once its catalogue is compiled (`make messages`).
            problem = (
                f"the language menu did not switch to {lang!r} (page says {current!r}): "
                "is the catalogue compiled? The pages are shot anyway."
            )
            if problem not in self.problems:
                self.problems.append(problem)
                print(f"  warning: {problem}")

    def sign_in(self, page: Page, username: str) -> None:
        self.goto(page, "/account/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", self.args.password)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        self.settle(page)
        if "/account/login/" in page.url:
            raise ScreenshotError(
                f"could not sign in as {username!r}: check the user exists and the password is right "
                "(five failures lock sign-in for 15 minutes)"
            )
        if "/account/two-factor/" in page.url:
            raise ScreenshotError(
                f"{username!r} is asked for a second factor: run the demo with HOMEWARD_DEMO=1 "
                "and use an account without an authenticator"
            )

    def confirm_password_if_asked(self, page: Page) -> None:
        """Administrative pages may first ask for the password again (re-authentication)."""
        if "/account/confirm-password/" not in page.url:
            return
        page.fill("input[name=password]", self.args.password)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        self.settle(page)
        if "/account/confirm-password/" in page.url:
            raise ScreenshotError("the password confirmation was refused")

    def session(
        self,
        lang: str,
        size: tuple[int, int],
        username: str,
        visit: Callable[[Page, str, tuple[int, int]], None],
    ) -> None:
        context = self.new_context(size)
        try:
            page = context.new_page()
            self.goto(page, "/account/login/")
            self.set_language(page, lang)
            self.sign_in(page, username)
            visit(page, lang, size)
        finally:
            context.close()

    # ---- the pages ---------------------------------------------------------------------------------------
    def run(self) -> None:
        self.args.out.mkdir(parents=True, exist_ok=True)
        for lang in self.args.languages:
            for size in self.args.sizes:
                print(f"{lang} {size[0]}x{size[1]}")
                if "login" in self.args.only:
                    self.login_page(lang, size)
                for group in self.args.only:
                    if group == "login":
                        continue
                    user_arg, method = GROUPS[group]
                    self.session(lang, size, getattr(self.args, user_arg), getattr(self, method))

    def login_page(self, lang: str, size: tuple[int, int]) -> None:
        context = self.new_context(size)
        try:
            page = context.new_page()
            self.goto(page, "/account/login/")
            self.set_language(page, lang)
            self.shoot(page, lang, size, "login")
        finally:
            context.close()

    def case_pages(self, page: Page, lang: str, size: tuple[int, int]) -> None:
        self.goto(page, "/home/")
        self.shoot(page, lang, size, "home")

        self.goto(page, "/cases/")
        self.shoot(page, lang, size, "case-list")

        # Search as a person would: type the name and press the search button. The form posts (htmx swaps the
        # results in) and the address becomes /cases/?s=<token>: the name never appears in a URL.
        page.fill("input[name=q]", self.args.search)
        page.locator("form.filters button[type=submit]").click()
        try:
            page.wait_for_url("**s=*", timeout=10_000)
        except PlaywrightTimeout:
            # An old-style address with the name is redirected to the token form.
            self.goto(page, f"/cases/?q={self.args.search}")
        self.settle(page)
        self.shoot(page, lang, size, "search")
        case_url = self.pick_case(page)
        if not case_url:
            self.problems.append(f"{lang}-{size[0]}: the search for {self.args.search!r} found no case")
            self.goto(page, "/cases/?status=open")
            case_url = self.pick_case(page)
        if not case_url:
            raise ScreenshotError("the case list is empty: run `homeward demo-setup` first")

        self.goto(page, "/cases/new/")
        self.shoot(page, lang, size, "case-new")

        self.goto(page, case_url)
        self.shoot(page, lang, size, "case")

        self.goto(page, case_url.rstrip("/") + "/trafficking/")
        self.shoot(page, lang, size, "trafficking")

    @staticmethod
    def pick_case(page: Page) -> str:
        """The first listed case that is still open (a closed case shows less), else the first case."""
        rows = page.locator("#results tbody tr")
        first = ""
        for index in range(rows.count()):
            row = rows.nth(index)
            href = row.locator("a").first.get_attribute("href") or ""
            first = first or href
            if row.locator(".tag-closed, .tag-closedreferred").count() == 0:
                return href
        return first

    def audit_page(self, page: Page, lang: str, size: tuple[int, int]) -> None:
        self.goto(page, "/audit/")
        self.shoot(page, lang, size, "audit-log")

    def organisation_page(self, page: Page, lang: str, size: tuple[int, int]) -> None:
        self.goto(page, "/organisations/")
        self.confirm_password_if_asked(page)
        link = page.locator("main table a").first
        if link.count() == 0:
            raise ScreenshotError(f"{self.args.admin_user!r} manages no organisation")
        with page.expect_navigation():
            link.click()
        self.settle(page)
        self.confirm_password_if_asked(page)
        self.shoot(page, lang, size, "organisation")

    def return_pages(self, page: Page, lang: str, size: tuple[int, int]) -> None:
        """A request with people at several stages (the demo's largest still on the way), and a handover form."""
        self.goto(page, "/returns/")
        self.shoot(page, lang, size, "returns")
        rows = page.locator("main table tbody tr")
        chosen, handover = "", ""
        for index in range(rows.count()):
            row = rows.nth(index)
            href = row.locator("a").first.get_attribute("href") or ""
            open_people = int(row.locator("td.num").nth(1).inner_text() or 0)
            if open_people >= 3 and not chosen:
                chosen = href
        if not chosen:
            raise ScreenshotError("no return request with three people on the way: run `homeward demo-setup`")
        self.goto(page, chosen)
        self.shoot(page, lang, size, "returns-request")
        for index in range(rows.count()):
            self.goto(page, "/returns/")
            href = (
                page.locator("main table tbody tr").nth(index).locator("a").first.get_attribute("href") or ""
            )
            self.goto(page, href)
            if page.locator("a[href$='/handover/']").count():
                handover = href + "handover/"
                break
        if handover:
            self.goto(page, handover)
            self.shoot(page, lang, size, "handover")

    def tracing_page(self, page: Page, lang: str, size: tuple[int, int]) -> None:
        self.goto(page, "/returns/tracing/")
        link = page.locator("main table tbody a").first
        if link.count() == 0:
            raise ScreenshotError(f"{self.args.tracer_user!r} has no family tracing to do")
        with page.expect_navigation():
            link.click()
        self.settle(page)
        self.shoot(page, lang, size, "tracing")

    def transit_pages(self, page: Page, lang: str, size: tuple[int, int]) -> None:
        self.goto(page, "/transit/")
        link = page.locator("main .card a").first
        if link.count() == 0:
            raise ScreenshotError(f"{self.args.transit_user!r} sees no transit centre")
        with page.expect_navigation():
            link.click()
        self.settle(page)
        self.shoot(page, lang, size, "board")

    def reintegration_pages(self, page: Page, lang: str, size: tuple[int, int]) -> None:
        """The work queue, a visit to record, and a case whose follow-up has a score chart."""
        self.goto(page, "/queue/")
        self.shoot(page, lang, size, "queue")
        self.goto(page, "/reintegration/visits/overdue/")
        link = page.locator("main table.responsive-table a").first
        if link.count():
            with page.expect_navigation():
                link.click()
            self.settle(page)
            self.shoot(page, lang, size, "visit")
        for number in range(1, 6):
            self.goto(page, f"/cases/?status=open&page={number}")
            hrefs = [a.get_attribute("href") or "" for a in page.locator("#results tbody tr a").all()]
            for href in hrefs:
                self.goto(page, href)
                if page.locator("svg.chart-svg").count():
                    page.locator("#after-return").scroll_into_view_if_needed()
                    self.shoot(page, lang, size, "after-return")
                    return
        self.problems.append(f"{lang}-{size[0]}: no case with a score chart found")

    def referral_pages(self, page: Page, lang: str, size: tuple[int, int]) -> None:
        """The caseworker's side: referrals sent, one referral, its slip in Lao, and referring a case."""
        self.goto(page, "/referrals/sent/")
        self.shoot(page, lang, size, "referrals-sent")
        link = page.locator("main table tbody tr td:nth-child(2) a").first
        case_link = page.locator("main table tbody tr td:first-child a").first
        if link.count() == 0:
            raise ScreenshotError("no referral sent: run `homeward demo-setup`")
        case_url = case_link.get_attribute("href") or ""
        referral_url = link.get_attribute("href") or ""
        self.goto(page, referral_url)
        self.shoot(page, lang, size, "referral-sent")
        self.goto(page, referral_url + "slip/?lang=lo")
        self.shoot(page, lang, size, "referral-slip")
        self.goto(page, case_url)
        page.locator("#referrals").scroll_into_view_if_needed()
        self.shoot(page, lang, size, "case-referrals")
        self.goto(page, "/referrals/cases/" + case_url.rstrip("/").split("/")[-1] + "/refer/")
        self.shoot(page, lang, size, "refer-search")
        choose = page.locator("main .service-card a.button").first
        if choose.count():
            with page.expect_navigation():
                choose.click()
            self.settle(page)
            self.shoot(page, lang, size, "refer-form")

    def received_pages(self, page: Page, lang: str, size: tuple[int, int]) -> None:
        self.goto(page, "/referrals/received/")
        self.shoot(page, lang, size, "referrals-received")
        link = page.locator("main table tbody a").first
        if link.count():
            with page.expect_navigation():
                link.click()
            self.settle(page)
            self.shoot(page, lang, size, "referral-received")

    def directory_pages(self, page: Page, lang: str, size: tuple[int, int]) -> None:
        self.goto(page, "/referrals/directory/?category=vocational")
        self.shoot(page, lang, size, "directory")
        self.goto(page, "/referrals/directory/?category=vocational&view=map")
        self.shoot(page, lang, size, "directory-map")
        self.goto(page, "/referrals/directory/")
        link = page.locator("main .service-name").first
        href = link.get_attribute("href") or ""
        self.goto(page, href)
        self.shoot(page, lang, size, "service")
        self.goto(page, href + "edit/")
        self.shoot(page, lang, size, "service-edit")
        self.goto(page, "/referrals/figures/?period=all")
        self.shoot(page, lang, size, "network-figures")
        self.goto(page, "/referrals/gaps/")
        self.shoot(page, lang, size, "network-gaps")

    def transfer_pages(self, page: Page, lang: str, size: tuple[int, int]) -> None:
        self.goto(page, "/referrals/transfers/")
        self.shoot(page, lang, size, "transfers")
        link = page.locator("main table tbody a").first
        if link.count():
            with page.expect_navigation():
                link.click()
            self.settle(page)
            self.shoot(page, lang, size, "transfer")

    def training_pages(self, page: Page, lang: str, size: tuple[int, int]) -> None:
        """The catalogue, a past session with results, a certificate, the coverage, and the public check."""
        self.goto(page, "/training/")
        self.shoot(page, lang, size, "training")
        links = [
            a.get_attribute("href") or "" for a in page.locator("main table a[href*='/sessions/']").all()
        ]
        if not links:
            raise ScreenshotError("no training session: run `homeward demo-setup`")
        self.goto(page, links[-1])  # the last listed is a past session, with results
        self.shoot(page, lang, size, "training-session")
        self.goto(page, links[-1] + "register/")
        self.shoot(page, lang, size, "training-register")
        self.goto(page, links[-1])
        certificate = page.locator("main a[href$='/certificate/']").first
        if certificate.count():
            code = certificate.inner_text().strip()
            self.goto(page, certificate.get_attribute("href") or "")
            self.shoot(page, lang, size, "certificate")
            self.goto(page, f"/verify/{code}/")
            self.shoot(page, lang, size, "certificate-check")
        self.goto(page, "/training/coverage/")
        self.shoot(page, lang, size, "training-coverage")

    def interop_pages(self, page: Page, lang: str, size: tuple[int, int]) -> None:
        """The import page, the check of an invented file (problems, a repeated row), and the export form. The
        checked file is discarded afterwards: nothing is imported into the demo."""
        import tempfile

        self.goto(page, "/interop/import/")
        self.shoot(page, lang, size, "import")
        with tempfile.TemporaryDirectory() as folder:
            sample = Path(folder) / "htcds-sample.csv"
            sample.write_text(IMPORT_SAMPLE, encoding="utf-8")
            page.set_input_files("input[type=file]", str(sample))
            with page.expect_navigation():
                page.locator("main form button[type=submit]").first.click()
        self.settle(page)
        self.shoot(page, lang, size, "import-check")
        discard = page.locator("form[action$='/discard/'] button")
        if discard.count():
            with page.expect_navigation():
                discard.click()
        self.goto(page, "/interop/export/")
        self.shoot(page, lang, size, "export")
        self.goto(page, "/interop/phone/")
        self.shoot(page, lang, size, "phone")
        self.goto(page, "/interop/intake/")
        self.shoot(page, lang, size, "intake-list")
        links = [a.get_attribute("href") or "" for a in page.locator("main table tbody a").all()]
        if links:
            self.goto(page, links[-1])
            self.shoot(page, lang, size, "intake")

    def api_pages(self, page: Page, lang: str, size: tuple[int, int]) -> None:
        """The API tokens page (no token is made) and the API's documentation page (Swagger UI, English only)."""
        self.goto(page, "/api/tokens/")
        self.shoot(page, lang, size, "api-tokens")
        self.goto(page, "/api/docs/")
        page.wait_for_timeout(800)  # Swagger UI draws after load
        self.shoot(page, lang, size, "api-docs")

    def research_pages(self, page: Page, lang: str, size: tuple[int, int]) -> None:
        """Every dashboard (national, suppressed), the research extract, releases, a release of each kind, the
        forms, and the datasets with their budgets."""
        for topic in (
            "caseload",
            "flows",
            "exploitation",
            "pipeline",
            "outcomes",
            "closures",
            "network",
            "transit",
            "training",
        ):
            self.goto(page, "/research/" if topic == "caseload" else f"/research/{topic}/")
            page.wait_for_timeout(600)  # charts draw after load
            self.shoot(page, lang, size, f"research-{topic}")
        self.goto(page, "/research/report/")
        self.shoot(page, lang, size, "research-report")
        self.goto(page, "/research/releases/")
        self.shoot(page, lang, size, "releases")
        for n, link in enumerate(
            [a.get_attribute("href") or "" for a in page.locator("main table tbody a").all()][:2]
        ):
            self.goto(page, link)
            self.shoot(page, lang, size, f"release-{n + 1}")
        self.goto(page, "/research/releases/new/records/")
        self.shoot(page, lang, size, "release-records-form")
        self.goto(page, "/research/releases/new/counts/")
        self.shoot(page, lang, size, "release-counts-form")
        self.goto(page, "/research/datasets/")
        self.shoot(page, lang, size, "datasets")


# Groups of pages: {name: (the argument naming the user, the method that visits them)}.
# An invented HTCDS file for the import pages: good rows, a row with problems, and a row repeated.
IMPORT_SAMPLE = (
    "prs_FirstName,prs_SecondName,prs_Gender,prs_Birthdate,prs_MailingState,vic_TypeOfExploitation,hte_Type,"
    "hte_Country\n"
    "ນາງ ສົມໃຈ,ຕົວຢ່າງ,Feminine,1998,LA13,ForcedLabour,Exploitation,TH\n"
    "Synthetic,Example,Masculine,2001-04,Savannakhet,hw_ForcedCriminality,Exploitation,MM\n"
    "Synthetic,Example,Masculine,2001,Savannakhet,hw_ForcedCriminality,Exploitation,MM\n"
    "Synthetic,Problem,,31/02/1990,Atlantis,Slavery,Exploitation,\n"
)


GROUPS = {
    "login": ("user", "login_page"),
    "cases": ("user", "case_pages"),
    "audit": ("dpo_user", "audit_page"),
    "organisation": ("admin_user", "organisation_page"),
    "returns": ("user", "return_pages"),
    "tracing": ("tracer_user", "tracing_page"),
    "transit": ("transit_user", "transit_pages"),
    "reintegration": ("user", "reintegration_pages"),
    "referrals": ("user", "referral_pages"),
    "received": ("provider_user", "received_pages"),
    "directory": ("coordinator_user", "directory_pages"),
    "transfers": ("receiver_user", "transfer_pages"),
    "training": ("coordinator_user", "training_pages"),
    "research": ("researcher_user", "research_pages"),
    "interop": ("user", "interop_pages"),
    "api": ("user", "api_pages"),
}


def wait_for_server(base_url: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(urljoin(base_url, "healthz"), timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise ScreenshotError(f"no Homeward answers at {base_url} (is the demo running?)")
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not Path(args.chromium).exists():
        print(
            f"No Chromium at {args.chromium}. Install Debian's package: apt-get install chromium "
            "(never `playwright install`).",
            file=sys.stderr,
        )
        return 2
    try:
        wait_for_server(args.base_url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=args.chromium, args=CHROMIUM_ARGS, headless=not args.headed
            )
            shooter = Shooter(browser, args)
            try:
                shooter.run()
            finally:
                browser.close()
    except ScreenshotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{len(shooter.saved)} screenshots in {args.out}")
    for problem in shooter.problems:
        print(f"check: {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
