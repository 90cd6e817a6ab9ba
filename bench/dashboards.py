"""Research dashboards over N generated cases, timed through the whole view.

    .venv/bin/python bench/dashboards.py [--cases 100000] [--db sqlite|postgres|both] [--reuse]

Target: every research dashboard (``homeward.research.views.dashboard``: /research/ and /research/<topic>/)
and the research extract (/research/report/) renders in under 300 ms at the 95th percentile over 100,000
cases, on SQLite and on PostgreSQL, with a number of SQL queries per request that does not grow with the data.

Each request goes through ``django.test.Client`` (middleware, sign-in and second-factor checks, the view, the
template), signed in with ``force_login`` and a confirmed TOTP device, HTTP_HOST 127.0.0.1, over HTTPS
(``secure=True``, as in production). Two viewers:

- a national researcher (role researcher): national figures with small-cell suppression;
- the caseworker of one of the three organisations: that organisation's cases, exact counts.

Four filter sets: none, ``province=LA13``, ``sex=F&age_group=18-24``, ``date_from=01/01/2024&date_to=31/12/2024``.
For every viewer, filter and page: warm-up requests, one request with the SQL captured (query count and SQL
time), then ``--reps`` pairs of timed requests:

- *cold*: ``homeward.research.suppression._protect.cache_clear()`` first, so every suppressed table is solved
  again (a process that has not shown these figures yet, or new data);
- *warm*: the same request again, the suppression results now cached in the process (functools.lru_cache,
  keyed by the content of the table).

Each database runs in a child process of this script (``--child``); the data are built by
bench/research_data.py (shared with bench/release.py). Results: bench/results/research-dashboards-<db>-<N>.json
and a Markdown table on stdout.
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import research_data as data

TARGET_P95_MS = 300.0
PAGES = [
    ("caseload", "/research/"),
    ("flows", "/research/flows/"),
    ("exploitation", "/research/exploitation/"),
    ("pipeline", "/research/pipeline/"),
    ("outcomes", "/research/outcomes/"),
    ("closures", "/research/closures/"),
    ("network", "/research/network/"),
    ("transit", "/research/transit/"),
    ("training", "/research/training/"),
    ("report", "/research/report/"),
]
FILTERS = [
    ("none", ""),
    ("province", "province=LA13"),
    ("sex+age", "sex=F&age_group=18-24"),
    ("2024", "date_from=01/01/2024&date_to=31/12/2024"),
]
VIEWERS = [("researcher", "bench.researcher"), ("caseworker", "bench.caseworker1")]
FULL_SCALE = 10_000  # below this many cases the defaults are those of a smoke test
MIN_PAIRS = 5


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000, help="generated cases; default 100000")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the bench database if it holds --cases cases"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--reps",
        type=int,
        help=f"timed cold+warm pairs per page, filter and viewer; default 30 (1 below {FULL_SCALE:,} cases)",
    )
    parser.add_argument(
        "--warmup", type=int, help=f"untimed requests first; default 3 (none below {FULL_SCALE:,} cases)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=120.0,
        help="seconds of timed requests per page, filter and viewer: stop after this even before --reps pairs, "
        "but never before 5 pairs (pages that slow miss the target many times over); default 120",
    )
    parser.add_argument("--pages", help="comma-separated topics to measure (default: all)")
    parser.add_argument(
        "--filter",
        action="append",
        metavar="NAME=QUERY",
        help="measure this filter set instead of the standard four (repeatable), for example "
        "'narrow=province=LA13&sex=M&age_group=0-17&date_from=01/01/2024&date_to=31/12/2024'",
    )
    parser.add_argument("--profile", metavar="FILE", help="cProfile the timed requests into FILE (one --db)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reps is None:
        args.reps = 30 if args.cases >= FULL_SCALE else 1
    if args.warmup is None:
        args.warmup = 3 if args.cases >= FULL_SCALE else 0
    if args.child:
        return child(args)
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if args.profile and len(databases) > 1:
        parser.error("--profile needs a single --db")
    results = []
    for db in databases:
        print(f"=== {db} ===", flush=True)
        command = [sys.executable, str(Path(__file__).resolve()), "--child", "--db", db]
        for name in ("cases", "seed", "reps", "warmup", "budget"):
            command += [f"--{name}", str(getattr(args, name))]
        if args.reuse:
            command.append("--reuse")
        if args.pages:
            command += ["--pages", args.pages]
        for item in args.filter or []:
            command += ["--filter", item]
        if args.profile:
            command += ["--profile", args.profile]
        completed = subprocess.run(command, env=data.parent_env(), cwd=data.PROJECT, check=False)  # noqa: S603
        if completed.returncode != 0:
            print(f"{db}: the child process failed (exit {completed.returncode})", file=sys.stderr)
            return completed.returncode
        partial = bool(args.pages or args.profile or args.filter)
        results.append(json.loads(results_file(db, args.cases, partial).read_text(encoding="utf-8")))
    print()
    for result in results:
        print(markdown(result))
        print()
    return 0


def results_file(db: str, cases: int, partial: bool = False) -> Path:
    """research-dashboards-<db>-<cases>.json; "-partial" for runs limited with --pages or --filter, or profiled."""
    return data.RESULTS / f"research-dashboards-{db}-{cases}{'-partial' if partial else ''}.json"


# ---------------------------------------------------------------------------------------------------------
# Child: one database.
# ---------------------------------------------------------------------------------------------------------


def child(args: argparse.Namespace) -> int:
    data.child_env(args.db)
    code = data.code_fingerprint()  # the code this process imports: files may change while it runs
    generation = data.prepare(args.db, args.cases, args.seed, args.reuse)
    result = measure(args)
    result["code"] = code
    result["generation"] = generation
    out = results_file(args.db, args.cases, bool(args.pages or args.profile or args.filter))
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    print()
    print(markdown(result))
    print(f"\nwrote {out.relative_to(data.PROJECT)}", flush=True)
    return 0


def _signed_in(username: str) -> Any:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from homeward.accounts.models import User

    user = User.objects.get(username=username)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    response = client.get(
        "/research/training/", secure=True
    )  # records the session: not part of a page's cost
    assert response.status_code == 200, (username, response.status_code, response.get("Location"))
    return client


def filter_sets(args: argparse.Namespace) -> list[tuple[str, str]]:
    if not args.filter:
        return FILTERS
    pairs = [item.split("=", 1) for item in args.filter]
    return [(name, query) for name, query in pairs]


def _check_filters(filters: list[tuple[str, str]]) -> None:
    """Every filter set parses (dates typed dd/mm/yyyy) and filters something."""
    from django.http import QueryDict

    from homeward.research.forms import FilterForm

    for name, query in filters:
        if not query:
            continue
        form = FilterForm(QueryDict(query), organisations=[])
        assert form.is_valid(), (name, form.errors)
        assert form.filters().query(), name


def _get(client: Any, url: str) -> tuple[float, float, int]:
    """One request: wall-clock ms, this process's CPU ms, bytes of the page."""
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    response = client.get(url, secure=True)
    elapsed = (time.perf_counter() - t0) * 1000
    cpu = (time.process_time() - cpu0) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, cpu, len(response.content)


def summary(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "n": len(ordered),
        "p50_ms": round(data.percentile(ordered, 50), 1),
        "p95_ms": round(data.percentile(ordered, 95), 1),
        "max_ms": round(ordered[-1], 1),
        "mean_ms": round(statistics.fmean(ordered), 1),
    }


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from homeward.cases.models import Case
    from homeward.research import suppression

    filters = filter_sets(args)
    _check_filters(filters)
    pages = PAGES
    if args.pages:
        wanted = set(args.pages.split(","))
        pages = [p for p in PAGES if p[0] in wanted]
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()

    runs = []
    load_before = os.getloadavg()
    started = time.perf_counter()
    for viewer, username in VIEWERS:
        client = _signed_in(username)
        visible = Case.objects.filter(owner_org__memberships__user__username=username).distinct().count()
        for filter_name, query in filters:
            for topic, path in pages:
                url = f"{path}?{query}" if query else path

                for _ in range(args.warmup):
                    _get(client, url)
                suppression._protect.cache_clear()
                with CaptureQueriesContext(connection) as captured:
                    _ms, _cpu, size = _get(client, url)
                sql = sorted(
                    ((float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries), reverse=True
                )
                cold, warm, cold_cpu, warm_cpu = [], [], [], []
                if profiler:
                    profiler.enable()
                began = time.perf_counter()
                for rep in range(args.reps):
                    if rep >= MIN_PAIRS and time.perf_counter() - began > args.budget:
                        break
                    suppression._protect.cache_clear()
                    ms, cpu, _size = _get(client, url)
                    cold.append(ms)
                    cold_cpu.append(cpu)
                    ms, cpu, _size = _get(client, url)
                    warm.append(ms)
                    warm_cpu.append(cpu)
                if profiler:
                    profiler.disable()
                run = {
                    "viewer": viewer,
                    "cases_visible": visible,
                    "topic": topic,
                    "filter": filter_name,
                    "url": url,
                    "queries": len(sql),
                    "sql_ms": round(sum(t for t, _s in sql), 1),
                    "slowest_sql": [{"ms": round(t, 1), "sql": s[:400]} for t, s in sql[:3]],
                    "bytes": size,
                    "load_1min_after": round(os.getloadavg()[0], 2),  # other work on the machine shows here
                    "cold": summary(cold),
                    "warm": summary(warm),
                    "cold_python_cpu_ms": round(statistics.fmean(cold_cpu), 1),
                    "warm_python_cpu_ms": round(statistics.fmean(warm_cpu), 1),
                    "cold_samples": [round(v, 2) for v in cold],
                    "warm_samples": [round(v, 2) for v in warm],
                }
                runs.append(run)
                print(
                    f"  {viewer:<10} {filter_name:<8} {topic:<12} queries {run['queries']:>3}  "
                    f"cold p50 {run['cold']['p50_ms']:7.1f} p95 {run['cold']['p95_ms']:7.1f}  "
                    f"warm p50 {run['warm']['p50_ms']:7.1f} p95 {run['warm']['p95_ms']:7.1f}  "
                    f"sql {run['sql_ms']:6.1f} ms",
                    flush=True,
                )
    load_after = os.getloadavg()
    if profiler:
        profiler.dump_stats(args.profile)
        print(f"profile written to {args.profile}")

    pooled = []
    for viewer, _username in VIEWERS:
        for topic, _path in pages:
            mine = [r for r in runs if r["viewer"] == viewer and r["topic"] == topic]
            cold = summary([v for r in mine for v in r["cold_samples"]])
            warm = summary([v for r in mine for v in r["warm_samples"]])
            pooled.append(
                {
                    "viewer": viewer,
                    "topic": topic,
                    "queries": sorted({r["queries"] for r in mine}),
                    "cold": cold,
                    "warm": warm,
                    "worst_filter_cold_p95_ms": max(r["cold"]["p95_ms"] for r in mine),
                    "worst_filter_warm_p95_ms": max(r["warm"]["p95_ms"] for r in mine),
                    "pass_cold": cold["p95_ms"] < TARGET_P95_MS,
                    "pass_warm": warm["p95_ms"] < TARGET_P95_MS,
                }
            )
    return {
        "database": args.db,
        "database_version": data._database_version(connection),
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
        "machine": data._machine(),
        "cases": Case.objects.count(),
        "reps": args.reps,
        "warmup": args.warmup,
        "budget_seconds": args.budget,
        "seconds": round(time.perf_counter() - started, 1),
        "load_average_1min_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "filters": dict(filters),
        "target_p95_ms": TARGET_P95_MS,
        "pass": all(p["pass_cold"] and p["pass_warm"] for p in pooled),
        "pooled": pooled,
        "runs": runs,
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"{result['database_version']}, {result['cases']:,} cases; up to {result['reps']} cold+warm pairs per "
        f"page, filter and viewer (fewer, at least {MIN_PAIRS}, for pages over the time budget), pooled over "
        f"the {len(result.get('filters', FILTERS))} filter sets (n = samples per cell). ms.",
        "",
        "| Viewer | Page | Queries | n | cold p50 | cold p95 | cold max | warm p50 | warm p95 | warm max "
        "| worst filter p95 (cold) | p95 < 300 ms |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for p in result["pooled"]:
        c, w = p["cold"], p["warm"]
        verdict = "yes" if p["pass_cold"] and p["pass_warm"] else "**NO**"
        queries = "/".join(str(q) for q in p["queries"])
        lines.append(
            f"| {p['viewer']} | {p['topic']} | {queries} | {c['n']} | {c['p50_ms']:.1f} | {c['p95_ms']:.1f} "
            f"| {c['max_ms']:.1f} | {w['p50_ms']:.1f} | {w['p95_ms']:.1f} | {w['max_ms']:.1f} "
            f"| {p['worst_filter_cold_p95_ms']:.1f} | {verdict} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
