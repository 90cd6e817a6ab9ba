"""HTCDS import throughput: a generated 50,000-row workbook, checked and imported as the import job does it.

    .venv/bin/python bench/interop_import.py [--rows 50000] [--existing 10000] [--db sqlite|postgres|both]
                                             [--profile FILE]

For each database: a fresh database with the places, one organisation and a caseworker, ``--existing`` cases
already recorded (so the duplicate search has people to meet), and an XLSX file in the HTCDS layout with
``--rows`` synthetic rows (Lao and Latin names, sex, date of birth, citizenship, home province and district,
trafficking status, exploitation types, methods of control and recruitment, case status, consent, and one
trafficking event each). Then, timed, exactly what an import job does:

    import_upload   keep the file (encrypted) as a job; the file is over the inline size, so a task is queued
    import_check    read the file (calamine), check every row, look for possible duplicates, write the report
    import_confirm  the go-ahead (every row)
    import_run      read and check the file again, write every person, case, event and consent in one
                    transaction, audit, delete the file

The task functions are called directly (the worker's polling interval is not the importer's speed). The target
is 2,000 rows per second or more over the whole path, upload to done. Peak memory (RSS) is reported too.
Results: bench/results/interop-import-<db>.json and a Markdown table on stdout. Only loopback traffic.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import PROJECT, RESULTS, VAR_DIR, _database_version, _machine, fresh_database, pg_database_exists

SQLITE_PATH = VAR_DIR / "interop.sqlite3"
PG_NAME = "homeward_bench_interop"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
TARGET_ROWS_PER_SECOND = 2000
COLUMNS = [
    "prs_FirstName",
    "prs_SecondName",
    "hw_FirstNameLao",
    "hw_SecondNameLao",
    "prs_Gender",
    "prs_Birthdate",
    "prs_Citizenship",
    "prs_MobilePhone",
    "prs_MailingCountry",
    "prs_MailingState",
    "hw_MailingDistrict",
    "prs_MailingStreet",
    "con_Consent",
    "vic_TraffickingStatus",
    "vic_MethodOfRecruitment",
    "vic_MethodsOfControl",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "cas_Status",
    "hw_OpenedOn",
    "hte_Type",
    "hte_Country",
    "hte_State",
    "hte_Date",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--existing", type=int, default=10_000, help="cases recorded before the import")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", metavar="FILE", help="cProfile the timed path into FILE (one --db only)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if args.profile and len(databases) > 1:
        parser.error("--profile needs a single --db")
    results = []
    for db in databases:
        print(f"=== {db} ===", flush=True)
        command = [sys.executable, str(Path(__file__).resolve()), "--child", "--db", db]
        command += ["--rows", str(args.rows), "--existing", str(args.existing), "--seed", str(args.seed)]
        if args.profile:
            command += ["--profile", args.profile]
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "HOMEWARD_KEYS")}
        completed = subprocess.run(command, env=env, cwd=PROJECT, check=False)  # noqa: S603
        if completed.returncode != 0:
            print(f"{db}: the child process failed (exit {completed.returncode})", file=sys.stderr)
            return completed.returncode
        results.append(json.loads((RESULTS / f"interop-import-{db}.json").read_text(encoding="utf-8")))
    print()
    print(markdown_table(results))
    return 0


def child(args: argparse.Namespace) -> int:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    os.environ["HOMEWARD_VAR_DIR"] = str(VAR_DIR)
    os.environ.pop("HOMEWARD_KEY_FILE", None)
    os.environ["HOMEWARD_DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "homeward.settings"
    os.environ["HOMEWARD_IMPORT_MAX_ROWS"] = str(max(args.rows, 10))
    if args.db == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
        fresh_database("sqlite", SQLITE_PATH)
    else:
        os.environ["DATABASE_URL"] = PG_URL
        if pg_database_exists(PG_NAME):
            print(f"dropping the earlier {PG_NAME}", flush=True)
        fresh_database("postgres", pg_name=PG_NAME)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("keys", "init", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("migrate", verbosity=0, interactive=False)
    from homeward.accounts.capabilities import Role
    from homeward.accounts.models import Membership, Organisation, User
    from homeward.cases.generate import generate_cases
    from homeward.cases.models import Case
    from homeward.interop import services
    from homeward.interop.models import ImportJob, ImportMode, ImportStatus
    from homeward.places.services import places_load

    places_load()
    org = Organisation.objects.create(name="Bench organisation", type="CentralGovernment")
    user = User.objects.create_user("bench-caseworker", display_name="Bench")  # no password: never signs in
    Membership.objects.create(user=user, organisation=org, role=Role.CASEWORKER)
    started = time.perf_counter()
    if args.existing:
        generate_cases(count=args.existing, organisations=[org], seed=args.seed + 1)
    print(f"{args.existing} existing cases: {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    data = workbook(args.rows, args.seed)
    print(f"workbook of {args.rows} rows: {len(data) / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    job = services.import_upload(actor=user, organisation=org, filename="bench.xlsx", data=data)
    timings["upload"] = time.perf_counter() - t0
    assert job.status == ImportStatus.WAITING, job.status
    t = time.perf_counter()
    services.import_check(job.pk)
    timings["check"] = time.perf_counter() - t
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED and job.rows_valid == args.rows, (job.status, job.rows_invalid)
    duplicates = job.rows_duplicate
    t = time.perf_counter()
    job = ImportJob.objects.get(pk=job.pk)
    services._confirm(actor=user, job=job, mode=ImportMode.ALL, skip_duplicates=False, ip=None)
    timings["confirm"] = time.perf_counter() - t
    t = time.perf_counter()
    services.import_run(job.pk)
    timings["run"] = time.perf_counter() - t
    total = time.perf_counter() - t0
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.cases_created == args.rows, (job.status, job.error)
    assert Case.objects.count() == args.rows + args.existing
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "db": args.db,
        "database": _database_version(connection),
        "rows": args.rows,
        "existing_cases": args.existing,
        "file_mb": round(len(data) / 1e6, 2),
        "possible_duplicates": duplicates,
        "seconds": {k: round(v, 2) for k, v in timings.items()},
        "total_seconds": round(total, 2),
        "rows_per_second": round(args.rows / total),
        "check_rows_per_second": round(args.rows / timings["check"]),
        "run_rows_per_second": round(args.rows / timings["run"]),
        "peak_rss_mb": round(peak_mb),
        "machine": _machine(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    (RESULTS / f"interop-import-{args.db}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(markdown_table([result]), flush=True)
    return 0


def workbook(count: int, seed: int) -> bytes:
    """``count`` synthetic rows in the HTCDS layout, one sheet, written as a spreadsheet program would."""
    import openpyxl

    from homeward.lib.synthetic import synthetic_case
    from homeward.places.models import Area

    rng = random.Random(seed)
    today = dt.date.today()
    districts: dict[str, list[str]] = {}
    for code, parent in Area.objects.filter(level=2).values_list("code", "parent__code"):
        districts.setdefault(parent, []).append(code)
    thai = list(Area.objects.filter(country__code="TH", level=1).values_list("code", flat=True))
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("HTCDS")
    sheet.append(COLUMNS)
    for _n in range(count):
        draft = synthetic_case(rng, today)
        closed = rng.random() < 0.3
        opened = today - dt.timedelta(days=rng.randrange(30, 2000))
        sheet.append(
            [
                draft.given_latin,
                draft.family_latin,
                draft.given_lo,
                draft.family_lo,
                draft.gender,
                draft.birth_date.isoformat() if draft.birth_exact else str(draft.birth_date.year),
                "LA",
                f"+856 20 {rng.randrange(10**7, 10**8)}",
                "LA",
                draft.origin_province,
                rng.choice(districts.get(draft.origin_province, [""])),
                "Ban Synthetic",
                rng.random() < 0.8,
                "ActualVictimOfTrafficking",
                "ThroughFriendsOrSocialEvents;hw_ThroughABrokerOrAgent",
                "DebtBondage;WithholdsDocuments",
                ";".join(draft.exploitation),
                "C_Manufacturing",
                "Closed" if closed else "Active",
                opened.isoformat(),
                "Exploitation",
                "TH",
                rng.choice(thai),
                (opened - dt.timedelta(days=rng.randrange(30, 400))).isoformat(),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def markdown_table(results: list[dict]) -> str:
    lines = [
        "| database | rows | file | upload | check | run | total | rows/s (whole path) | check rows/s | run rows/s "
        "| peak RSS |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        s = r["seconds"]
        lines.append(
            f"| {r['database']} | {r['rows']:,} | {r['file_mb']} MB | {s['upload']} s | {s['check']} s | "
            f"{s['run']} s | {r['total_seconds']} s | **{r['rows_per_second']:,}** | "
            f"{r['check_rows_per_second']:,} | {r['run_rows_per_second']:,} | {r['peak_rss_mb']} MB |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
