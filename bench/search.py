"""Case search by name over N synthetic people, timed along the path the case-list view takes.

    .venv/bin/python bench/search.py [--people 100000] [--queries 300] [--db sqlite|postgres|both] [--reuse]

For each database this builds a fresh database (or reuses a populated one with --reuse), loads places, makes
three organisations with a caseworker each, generates the people and cases, then times name queries as the
caseworker of the first organisation. Each timed query is what the view does before rendering:

    case_list(user, CaseFilters(q=query))          # permission lookup + blind-index name search
    Paginator(qs, 25).get_page(None)                # COUNT(*) for the paginator
    list(page.object_list); person.display_name     # first 25 rows, select_related, names decrypted

Not timed: the audit record the view writes, template rendering, HTTP and middleware.

Each database runs in a child process of this script (``--child``) so that Django settings stay clean.
Results: bench/results/search-<db>.json, and a Markdown table on stdout. Only loopback traffic.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT / "var" / "bench"
RESULTS = PROJECT / "bench" / "results"
SQLITE_PATH = VAR_DIR / "bench.sqlite3"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_NAME = "homeward_bench"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
TARGET_P95_MS = 150.0
PAGE_SIZE = 25  # homeward.cases.views.PAGE_SIZE
ORG_NAMES = ["Bench organisation A", "Bench organisation B", "Bench organisation C"]
CATEGORIES = ["lao", "latin", "thai", "full"]
CATEGORY_LABELS = {
    "lao": "Lao script",
    "latin": "Latin spellings",
    "thai": "Thai script",
    "full": "Full name (given family)",
}
GENERATION_CHUNK = 5000

# Romanisations that are NOT in homeward.lib.synthetic's lists, so never stored verbatim: the search must meet
# them through the folded or skeleton key. Keyed by the Lao name; the bench keeps only those whose keys meet
# the Lao name's keys at some level (and prints any it drops).
UNLISTED_VARIANTS = {
    "ພອນສະຫວັນ": ["Phonsawanh", "Phonesawan"],
    "ມະນີວອນ": ["Manivonh", "Maneevone"],
    "ແສງດາວ": ["Saengdaow"],
    "ດວງໃຈ": ["Duangchay", "Douangjay"],
    "ສີດາ": ["Sidaa"],
    "ວັນນີ": ["Vany", "Wanny"],
    "ບົວພັນ": ["Bouaphane"],
    "ຄຳພອນ": ["Khamphonh", "Kamphon"],
    "ນາລີ": ["Nalie"],
    "ອາລຸນ": ["Alounh"],
    "ສຸດາ": ["Sooda"],
    "ທິບພະວັນ": ["Thipavanh", "Tipphavan"],
    "ນ້ອຍ": ["Noiy"],
    "ແກ້ວ": ["Kaeo"],
    "ວິໄລພອນ": ["Vilaiphone", "Wilayphon"],
    "ບຸນມີ": ["Bounmee", "Bunmee"],
    "ສົມພອນ": ["Somphonh"],
    "ຄຳຫລ້າ": ["Khamlaa"],
    "ສີສຸກ": ["Sisoukh", "Seesuk"],
    "ບຸນທັນ": ["Bounthane"],
    "ພູວົງ": ["Phouvongh", "Puvong"],
    "ສົມສັກ": ["Somsakh"],
    "ວິໄລ": ["Wilay"],
    "ທອງດີ": ["Thongdee", "Tongdy"],
    "ອານຸສອນ": ["Anousonh", "Anusone"],
    "ແສງທອງ": ["Saengtong", "Sengtong"],
    "ສີສະຫວາດ": ["Sisavad", "Sysavath"],
    "ພົມມະຈັນ": ["Phomachanh", "Phommachane"],
    "ວົງສາ": ["Vongsaa", "Vongxa"],
    "ຈັນທະວົງ": ["Chanthavongh", "Jantavong"],
    "ສຸລິວົງ": ["Soulivongh", "Sulivongh"],
    "ແກ້ວມະນີ": ["Keomanee", "Kaeomany"],
    "ພູມມະວົງ": ["Phoumavongh", "Phummavong"],
    "ໄຊຍະວົງ": ["Xayyavong", "Saiyavong"],
    "ອິນທະວົງ": ["Intavongh", "Inthawong"],
    "ສີຫາລາດ": ["Sihalad", "Seehalat"],
    "ດວງມາລາ": ["Duangmalaa", "Douangmalah"],
    "ລັດຕະນະ": ["Rattanah", "Latthana"],
    "ສີທິລາດ": ["Sitthilath", "Sithilad"],
    "ບຸບຜາ": ["Boupphah", "Bupha"],
    "ໄຊສົມບູນ": ["Xaysombounh", "Saisomboun"],
}


# ---------------------------------------------------------------------------------------------------------
# Parent: one child process per database, then a combined table.
# ---------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000, help="people (one case each); default 100000")
    parser.add_argument("--queries", type=int, default=300, help="timed queries; default 300")
    parser.add_argument("--warmup", type=int, default=20, help="untimed warm-up queries first; default 20")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seed", type=int, default=2026, help="seed for the data and the queries")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the bench database if it already holds --people people"
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="also run ANALYZE on SQLite (Django never does; PostgreSQL always gets VACUUM ANALYZE)",
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="cProfile the timed queries into FILE (one --db only)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.people < 1 or args.queries < len(CATEGORIES):
        parser.error("--people must be positive and --queries at least 4")

    if args.child:
        return child(args)

    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if args.profile and len(databases) > 1:
        parser.error("--profile needs a single --db")
    results = []
    for db in databases:
        print(f"=== {db} ===", flush=True)
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            "--db",
            db,
            "--people",
            str(args.people),
            "--queries",
            str(args.queries),
            "--warmup",
            str(args.warmup),
            "--seed",
            str(args.seed),
        ]
        if args.reuse:
            command.append("--reuse")
        if args.analyze:
            command.append("--analyze")
        if args.profile:
            command += ["--profile", args.profile]
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "HOMEWARD_KEYS")}
        completed = subprocess.run(command, env=env, cwd=PROJECT, check=False)  # noqa: S603
        if completed.returncode != 0:
            print(f"{db}: the child process failed (exit {completed.returncode})", file=sys.stderr)
            return completed.returncode
        results.append(json.loads(results_file(db, args.analyze).read_text(encoding="utf-8")))
    if len(results) > 1:
        print()
        print(markdown_table(results))
    return 0


# ---------------------------------------------------------------------------------------------------------
# Child: one database.
# ---------------------------------------------------------------------------------------------------------


def child(args: argparse.Namespace) -> int:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    os.environ["HOMEWARD_VAR_DIR"] = str(VAR_DIR)
    os.environ.pop("HOMEWARD_KEYS", None)  # the bench uses its own key file, var/bench/keys.json
    os.environ.pop("HOMEWARD_KEY_FILE", None)
    os.environ["HOMEWARD_DEBUG"] = "0"  # no query log, as in production
    os.environ["DJANGO_SETTINGS_MODULE"] = "homeward.settings"
    key_file_existed = (VAR_DIR / "keys.json").exists()

    if args.db == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
        exists = SQLITE_PATH.exists()
    else:
        os.environ["DATABASE_URL"] = PG_URL
        exists = pg_database_exists()

    reuse = args.reuse and exists and key_file_existed
    if not reuse:
        fresh_database(args.db)

    import django

    django.setup()

    from django.core.management import call_command

    call_command("keys", "init", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrations: {time.perf_counter() - started:.1f} s", flush=True)

    if reuse and not _populated(args.people):
        print("--reuse: the database does not hold the requested data; starting afresh", flush=True)
        from django.db import connections

        connections.close_all()
        fresh_database(args.db)
        call_command("migrate", verbosity=0, interactive=False)
        reuse = False

    meta_file = VAR_DIR / f"generation-{args.db}.json"
    if reuse:
        generation = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        print(f"reusing the populated database ({args.people} people)", flush=True)
    else:
        generation = _populate(args)
        meta_file.write_text(json.dumps(generation, indent=2), encoding="utf-8")

    maintenance = _maintenance(args)
    result = _measure(args)
    result["maintenance"] = maintenance
    result["generation"] = generation
    result["reused_database"] = reuse
    out = results_file(args.db, args.analyze)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print()
    print(markdown_table([result]))
    print(f"\nwrote {out.relative_to(PROJECT)}", flush=True)
    return 0


def results_file(db: str, analyze: bool) -> Path:
    """search-sqlite.json, search-postgres.json; search-sqlite-analyzed.json for SQLite with --analyze."""
    return RESULTS / f"search-{db}{'-analyzed' if analyze and db == 'sqlite' else ''}.json"


def pg_database_exists(name: str = PG_NAME) -> bool:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def fresh_database(db: str, sqlite_path: Path = SQLITE_PATH, pg_name: str = PG_NAME) -> None:
    """Delete the SQLite file (and its journals) or drop and recreate the PostgreSQL database."""
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
        print(f"fresh SQLite database {sqlite_path.relative_to(PROJECT)}", flush=True)
        return
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{pg_name}"')
    print(f"fresh PostgreSQL database {pg_name}", flush=True)


def _populated(people: int) -> bool:
    from homeward.accounts.models import Organisation
    from homeward.people.models import Person

    orgs = Organisation.objects.filter(name__in=ORG_NAMES).count()
    return orgs == len(ORG_NAMES) and Person.objects.count() == people


def _populate(args: argparse.Namespace) -> dict:
    from django.db import transaction

    from homeward.accounts.capabilities import Role
    from homeward.accounts.models import Membership, Organisation, OrgType, User
    from homeward.cases.generate import generate_cases
    from homeward.people.models import NameKey
    from homeward.places.models import Country
    from homeward.places.services import places_load

    started = time.perf_counter()
    places_load()
    print(f"places loaded: {time.perf_counter() - started:.1f} s", flush=True)

    laos = Country.objects.get(code="LA")
    orgs, workers = [], {}
    with transaction.atomic():
        for index, name in enumerate(ORG_NAMES):
            org = Organisation.objects.create(
                name=name, short_name=f"Bench {index + 1}", type=OrgType.NGO, country=laos
            )
            user = User.objects.create(
                username=f"bench.caseworker{index + 1}", display_name=f"Bench caseworker {index + 1}"
            )
            Membership.objects.create(user=user, organisation=org, role=Role.CASEWORKER)
            orgs.append(org)
            workers[org.id] = [user]

    print(f"generating {args.people} people and cases over {len(orgs)} organisations", flush=True)
    started = time.perf_counter()
    made = 0
    chunk_index = 0
    while made < args.people:
        size = min(GENERATION_CHUNK, args.people - made)
        # A seed per chunk: generate_cases starts its random stream afresh on every call.
        made += generate_cases(
            count=size, organisations=orgs, caseworkers=workers, seed=args.seed * 1000 + chunk_index
        )
        chunk_index += 1
        elapsed = time.perf_counter() - started
        rate = made / elapsed
        eta = (args.people - made) / rate if rate else 0
        print(f"  {made:>7}/{args.people}  {elapsed:6.0f} s  {rate:5.0f}/s  ~{eta:4.0f} s left", flush=True)
    generation_seconds = time.perf_counter() - started

    name_keys = NameKey.objects.count()
    print(
        f"generated {made} people/cases and {name_keys} name keys in {generation_seconds:.0f} s "
        f"({generation_seconds / 60:.1f} min)",
        flush=True,
    )
    return {
        "people": made,
        "name_keys": name_keys,
        "seconds": round(generation_seconds, 1),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _maintenance(args: argparse.Namespace) -> str:
    """PostgreSQL: VACUUM ANALYZE, the state autovacuum reaches shortly after a bulk load (statistics, and the
    visibility map that index-only scans need). SQLite: nothing, as Django runs no ANALYZE, unless --analyze."""
    from django.db import connection

    if connection.vendor == "postgresql":
        statement = "VACUUM ANALYZE"
    elif args.analyze:
        statement = "ANALYZE"
    else:
        with connection.cursor() as cursor:  # a previous --analyze run leaves statistics behind
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'sqlite_stat%'")
            if cursor.fetchall():
                cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
                cursor.execute("DROP TABLE IF EXISTS sqlite_stat4")
        connection.close()  # an open connection keeps the statistics it loaded
        return "none (no ANALYZE)"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()  # measure on a connection that loads the new statistics, as a new request would
    print(f"{statement}: {time.perf_counter() - started:.1f} s", flush=True)
    return statement


# ---------------------------------------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------------------------------------


def build_queries(count: int, seed: int, *, verbose: bool = True) -> list[tuple[str, str]]:
    """``count`` queries, an equal share per category, in a seeded random order."""
    from homeward.lib import names
    from homeward.lib.synthetic import FAMILY, FEMALE_GIVEN, MALE_GIVEN

    given = FEMALE_GIVEN + MALE_GIVEN
    rng = random.Random(seed)

    variants: dict[str, list[str]] = {}
    dropped = []
    for lao, _spellings in given + FAMILY:
        stored = {(level, value) for level, value in names.query_keys(lao)[0].items()}
        kept = []
        for variant in UNLISTED_VARIANTS.get(lao, []):
            keys = {(level, value) for level, value in names.query_keys(variant)[0].items()}
            (kept if keys & stored else dropped).append(variant)
        variants[lao] = kept
    if dropped and verbose:
        print(f"unlisted spellings that meet no key of their Lao name (left out): {', '.join(dropped)}")

    def latin(entry: tuple[str, list[str]]) -> str:
        lao, spellings = entry
        pool = variants[lao] if variants[lao] and rng.random() < 0.5 else spellings
        return rng.choice(pool)

    def one_name() -> tuple[str, list[str]]:
        return rng.choice(given) if rng.random() < 0.5 else rng.choice(FAMILY)

    queries: list[tuple[str, str]] = []
    per = [
        count // len(CATEGORIES) + (1 if i < count % len(CATEGORIES) else 0) for i in range(len(CATEGORIES))
    ]
    for category, n in zip(CATEGORIES, per, strict=True):
        for _ in range(n):
            if category == "lao":
                query = one_name()[0]
            elif category == "latin":
                query = latin(one_name())
            elif category == "thai":
                query = names.lao_to_thai(one_name()[0])
            else:
                g, f = rng.choice(given), rng.choice(FAMILY)
                script = rng.choices(["latin", "lao", "thai"], weights=[2, 1, 1])[0]
                if script == "latin":
                    query = f"{latin(g)} {latin(f)}"
                elif script == "lao":
                    query = f"{g[0]} {f[0]}"
                else:
                    query = f"{names.lao_to_thai(g[0])} {names.lao_to_thai(f[0])}"
            queries.append((category, query))
    rng.shuffle(queries)
    return queries


def _measure(args: argparse.Namespace) -> dict:
    from django.core.paginator import Paginator
    from django.db import connection

    from homeward.accounts.models import User
    from homeward.accounts.policy import forget
    from homeward.cases.models import Case
    from homeward.cases.selectors import CaseFilters, case_list
    from homeward.people.models import NameKey, Person

    user = User.objects.get(username="bench.caseworker1")
    queries = build_queries(args.queries, args.seed)
    warmup = build_queries(max(args.warmup, len(CATEGORIES)), args.seed + 1, verbose=False)[: args.warmup]

    def run(query: str) -> tuple[float, float, float, float, float, int, list[str]]:
        forget(user)  # each request reads the user's memberships afresh
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        qs = case_list(user, CaseFilters(q=query))
        t1 = time.perf_counter()
        page = Paginator(qs, PAGE_SIZE).get_page(None)
        total = page.paginator.count
        t2 = time.perf_counter()
        rows = list(page.object_list)
        shown = [case.person.display_name for case in rows]
        t3 = time.perf_counter()
        cpu = (time.process_time() - cpu0) * 1000
        return (t3 - t0) * 1000, (t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000, cpu, total, shown

    print(f"warm-up: {len(warmup)} queries", flush=True)
    for _category, query in warmup:
        run(query)

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    print(f"measuring: {len(queries)} queries as {user.username}", flush=True)
    samples = []
    load_before = os.getloadavg()
    for category, query in queries:
        if profiler:
            profiler.enable()
        total_ms, search_ms, count_ms, fetch_ms, cpu_ms, results, shown = run(query)
        if profiler:
            profiler.disable()
        samples.append(
            {
                "category": category,
                "query": query,
                "ms": round(total_ms, 3),
                "search_ms": round(search_ms, 3),
                "count_ms": round(count_ms, 3),
                "page_ms": round(fetch_ms, 3),
                "python_cpu_ms": round(cpu_ms, 3),
                "results": results,
                "first": shown[0] if shown else "",
            }
        )
    load_after = os.getloadavg()
    if profiler:
        profiler.dump_stats(args.profile)
        print(f"profile written to {args.profile}")

    def summary(items: list[dict]) -> dict:
        ms = sorted(s["ms"] for s in items)
        return {
            "queries": len(items),
            "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(percentile(ms, 95), 1),
            "p99_ms": round(percentile(ms, 99), 1),
            "max_ms": round(ms[-1], 1),
            "mean_ms": round(statistics.fmean(ms), 1),
            "mean_search_ms": round(statistics.fmean(s["search_ms"] for s in items), 1),
            "mean_count_ms": round(statistics.fmean(s["count_ms"] for s in items), 1),
            "mean_page_ms": round(statistics.fmean(s["page_ms"] for s in items), 1),
            "mean_python_cpu_ms": round(statistics.fmean(s["python_cpu_ms"] for s in items), 1),
            "mean_results": round(statistics.fmean(s["results"] for s in items), 1),
            "zero_result_queries": sum(1 for s in items if s["results"] == 0),
        }

    by_category = {c: summary([s for s in samples if s["category"] == c]) for c in CATEGORIES}
    overall = summary(samples)
    return {
        "database": args.db,
        "database_version": _database_version(connection),
        "date": dt.datetime.now(dt.UTC).date().isoformat(),  # UTC: Django sets TZ to TIME_ZONE
        "machine": _machine(),
        "people": Person.objects.count(),
        "cases": Case.objects.count(),
        "name_keys": NameKey.objects.count(),
        "cases_visible_to_user": Case.objects.filter(owner_org__memberships__user=user).count(),
        "warmup_queries": len(warmup),
        # Other work on the machine shows here; the figures are wall-clock times.
        "load_average_1min_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "seed": args.seed,
        "target_p95_ms": TARGET_P95_MS,
        "pass": overall["p95_ms"] < TARGET_P95_MS,
        "overall": overall,
        "by_category": by_category,
        "samples": samples,
    }


def percentile(sorted_values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        return float("nan")
    rank = (len(sorted_values) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def _database_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("show server_version")
        return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"


def _machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "django": __import__("django").get_version(),
    }


def markdown_table(results: list[dict]) -> str:
    lines = [
        "| Database | Queries | p50 ms | p95 ms | p99 ms | max ms | mean results | p95 < 150 ms |",
        "|---|---|--:|--:|--:|--:|--:|---|",
    ]
    for result in results:
        db = result["database_version"]
        for category in CATEGORIES:
            s = result["by_category"][category]
            lines.append(
                f"| {db} | {CATEGORY_LABELS[category]} ({s['queries']}) | {s['p50_ms']:.1f} | {s['p95_ms']:.1f} "
                f"| {s['p99_ms']:.1f} | {s['max_ms']:.1f} | {s['mean_results']:.0f} | |"
            )
        s = result["overall"]
        verdict = "pass" if result["pass"] else "**FAIL**"
        lines.append(
            f"| {db} | **all ({s['queries']})** | **{s['p50_ms']:.1f}** | **{s['p95_ms']:.1f}** "
            f"| **{s['p99_ms']:.1f}** | **{s['max_ms']:.1f}** | {s['mean_results']:.0f} | {verdict} |"
        )
    lines.append("")
    for result in results:
        s = result["overall"]
        load = result["load_average_1min_before_after"]
        lines.append(
            f"- {result['database_version']}: {result['people']} people, {result['name_keys']} name keys; "
            f"statistics: {result['maintenance']}; mean ms per query: search {s['mean_search_ms']}, "
            f"count {s['mean_count_ms']}, first page {s['mean_page_ms']}; load average {load[0]} -> {load[1]}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
