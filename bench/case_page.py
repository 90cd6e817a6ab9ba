"""The case page of a heavily followed case: 50 scored follow-up visits and 200 services delivered.

    .venv/bin/python bench/case_page.py [--requests 200] [--db sqlite|postgres|both] [--background 20000]

For each database (in a child process, so that settings stay clean) this builds a fresh database, loads the
places and the default score configuration, generates --background synthetic cases in three organisations,
then gives one case an approved plan, 200 services (one in ten a grant in two instalments), 50 follow-up
visits each with a full survey, a needs assessment and a trafficking history. It then requests that case's
page through Django's test client as its caseworker, signed in with a second factor: the whole request
(middleware, permission check, the reads, the audit record of the view, template rendering), timed with
time.perf_counter. It also counts the database queries of the page for this case and for a case with 2
visits and 4 services: the two counts must be equal (a page that costs a query per visit would differ).

Target (product brief, issue 4): 95th percentile under 300 ms, constant number of queries.
Results: bench/results/case-page-<db>.json and a Markdown table on stdout. Only loopback traffic.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import PG_ADMIN, _machine, percentile

PROJECT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT / "var" / "bench"
RESULTS = PROJECT / "bench" / "results"
SQLITE_PATH = VAR_DIR / "case-page.sqlite3"
PG_NAME = "homeward_bench_casepage"
TARGET_P95_MS = 300.0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--visits", type=int, default=50)
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--background", type=int, default=20000)
    parser.add_argument("--child", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    if args.child:
        return child(args)
    results = []
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        command = [sys.executable, __file__, "--child", db]
        for name in ("requests", "warmup", "visits", "services", "background"):
            command += [f"--{name}", str(getattr(args, name))]
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "HOMEWARD_KEYS")}
        if subprocess.run(command, env=env, cwd=PROJECT, check=False).returncode != 0:  # noqa: S603
            return 1
        results.append(json.loads((RESULTS / f"case-page-{db}.json").read_text()))
    print()
    print(
        "| database | visits | services | requests | median ms | p95 ms | max ms | queries (this case) | queries (small case) | target |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        ok = "met" if r["p95_ms"] < TARGET_P95_MS and r["queries"] == r["queries_small_case"] else "NOT met"
        print(
            f"| {r['database']} | {r['visits']} | {r['services']} | {r['requests']} | {r['median_ms']:.1f} | "
            f"{r['p95_ms']:.1f} | {r['max_ms']:.1f} | {r['queries']} | {r['queries_small_case']} | {ok} |"
        )
    return 0


def child(args: argparse.Namespace) -> int:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    os.environ["HOMEWARD_VAR_DIR"] = str(VAR_DIR)
    os.environ.pop("HOMEWARD_KEYS", None)
    os.environ.pop("HOMEWARD_KEY_FILE", None)
    os.environ["HOMEWARD_DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "homeward.settings"
    if args.child == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_NAME}"')
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    settings.SECURE_SSL_REDIRECT = False
    call_command("keys", "init", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("migrate", verbosity=0, interactive=False)
    from homeward.places.services import places_load

    places_load()
    started = time.perf_counter()
    big, small, user = _build(args)
    built_s = time.perf_counter() - started
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = _signed_in(Client(), user)
    url, small_url = f"/cases/{big.code}/", f"/cases/{small.code}/"
    client.get(small_url)  # the session's first request records the session: not part of the page's cost
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    queries, captured_big = len(captured), captured
    with CaptureQueriesContext(connection) as captured:
        assert client.get(small_url).status_code == 200
    queries_small = len(captured)
    if os.environ.get("BENCH_SHOW_QUERIES"):
        big_sql = [q["sql"][:160] for q in captured_big.captured_queries]
        small_sql = [q["sql"][:160] for q in captured.captured_queries]
        for sql in big_sql:
            if sql not in small_sql:
                print("ONLY IN BIG:", sql)
    for _ in range(args.warmup):
        client.get(url)
    times = []
    for _ in range(args.requests):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    times.sort()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            version = f"SQLite {cursor.fetchone()[0]}"
        else:
            cursor.execute("show server_version")
            version = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    result = {
        "database": version,
        "date": dt.date.today().isoformat(),
        "machine": _machine(),
        "background_cases": args.background,
        "visits": args.visits,
        "services": args.services,
        "requests": args.requests,
        "median_ms": statistics.median(times),
        "p95_ms": percentile(times, 95),
        "max_ms": times[-1],
        "queries": queries,
        "queries_small_case": queries_small,
        "page_bytes": len(client.get(url).content),
        "build_seconds": round(built_s, 1),
    }
    (RESULTS / f"case-page-{args.child}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    return 0


def _signed_in(client, user):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _build(args):
    from django.utils import timezone

    from homeward.accounts.models import Membership, Organisation, OrgType, User
    from homeward.cases.generate import generate_cases
    from homeward.cases.models import Case
    from homeward.reintegration import services
    from homeward.reintegration.demo import ensure_default_config
    from homeward.reintegration.models import NeedRating, NeedsAssessment, ReintegrationPlan, ServiceDelivered
    from homeward.reintegration.picklists import NeedArea

    config = ensure_default_config()
    orgs = [
        Organisation.objects.create(name=f"Bench case-page organisation {n}", type=OrgType.NGO) for n in "ABC"
    ]
    worker = User.objects.create_user("bench.caseworker", password="bench password 2026 x")  # noqa: S106 - bench only
    boss = User.objects.create_user("bench.supervisor", password="bench password 2026 x")  # noqa: S106 - bench only
    for org in orgs:
        Membership.objects.create(user=worker, organisation=org, role="caseworker")
    Membership.objects.create(user=boss, organisation=orgs[0], role="supervisor")
    generate_cases(
        count=args.background, organisations=orgs, caseworkers={o.id: [worker] for o in orgs}, seed=7
    )
    today = timezone.localdate()
    big, small = Case.objects.filter(owner_org=orgs[0]).order_by("id")[:2]
    Case.objects.filter(pk__in=[big.pk, small.pk]).update(opened_on=today - dt.timedelta(days=4 * 365))
    options = {
        i.code: [o.code for o in i.options.all() if o.score is not None]
        for i in config.indicators.prefetch_related("options")
    }
    for case, visits, count in ((big, args.visits, args.services), (small, 2, 4)):
        case.refresh_from_db()
        services.needs_assessment_save(
            actor=worker,
            case=case,
            assessment=NeedsAssessment(assessed_on=case.opened_on, goals="Bench goals"),
            ratings=[NeedRating(area=a, level="some", scopes=["individual"]) for a in NeedArea.values],
        )
        plan = services.plan_save(
            actor=worker, case=case, plan=ReintegrationPlan(objectives="Bench", types=["Livelihood"])
        )
        services.plan_submit(actor=worker, plan=plan)
        services.plan_decide(actor=boss, plan=plan, approve=True)
        for n in range(count):
            grant = n % 10 == 0
            services.service_record(
                actor=worker,
                case=case,
                service=ServiceDelivered(
                    type="Livelihood",
                    provider_name="Bench provider",
                    delivered_on=case.opened_on + dt.timedelta(days=n % 1000),
                    cost=Decimal(100000 + n),
                    currency="LAK",
                    grant_purpose="business" if grant else "",
                ),
                instalments=[
                    services.Instalment(case.opened_on, Decimal(50000 + n / 2)),
                    services.Instalment(case.opened_on, Decimal(50000 + n / 2)),
                ]
                if grant
                else [],
            )
        for n in range(visits):
            visit = services.visit_add(
                actor=worker, case=case, due_on=case.opened_on + dt.timedelta(days=20 * (n + 1))
            )
            services.visit_record(
                actor=worker,
                visit=visit,
                record=services.VisitRecord(
                    visited_on=min(visit.due_on, today),
                    mode="home",
                    answers={code: codes[(n + len(code)) % len(codes)] for code, codes in options.items()},
                ),
            )
    return big, small, worker


if __name__ == "__main__":
    sys.exit(main())
