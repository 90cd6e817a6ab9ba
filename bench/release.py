"""k-anonymous research releases of N generated cases, timed through the service, and compared with anjana.

    .venv/bin/python bench/release.py [--cases 100000] [--db sqlite|postgres|both] [--reuse]

Target: a k = 5 release of 100,000 cases in under 60 s.

Each release is one call of ``homeward.research.services.release_kanon`` by a user holding the researcher role,
over every organisation and period (only the cases with research consent in force are released: about 85 % of
the generated cases have one). The call reads one record per person, searches the whole generalisation lattice
(homeward/research/anonymise.py), writes the CTDC and HTCDS files, checks them with pycanon and stores them
encrypted. Wall-clock time of the call, repeated ``--repeat`` times per variant:

- ``k5-l2``: quasi-identifiers age, sex, origin, year; sensitive exploitation; k = 5, l = 2, 5 % suppression;
- ``k5-l1``: the same with l = 1;
- ``k5-l2-5qi``: the same as k5-l2 with a fifth quasi-identifier, the country of exploitation.

After the timed calls, the phases of one release are timed one by one by calling the same functions
(records from the database, lattice search, generalising and shuffling, the two layouts as CSV, the pycanon
check); the rest of the call (utility measures, encryption and storage, audit) is the difference.

Baseline: anjana (https://github.com/IFCA-Advanced-Computing/anjana), run in a side virtual environment
(``--anjana-venv``, default /tmp/anjana-venv, created with ``python3 -m venv`` and ``pip install anjana
pycanon`` when missing) by bench/anjana_runner.py, on the same person records
(``homeward.research.fields.person_records``) with hierarchy tables written from
``homeward.research.fields.hierarchies()``, with the same k, l and suppression level: ``l_diversity`` for
l > 1, ``k_anonymity`` for l = 1. Its output is scored with the project's information-loss measure (normalised
certainty penalty averaged over records and quasi-identifiers, a suppressed record counting as 1; see
``search()`` in homeward/research/anonymise.py): each generalised column is mapped back to its hierarchy level
through the record it came from. The project's own output is scored with the same code as a cross-check.

Each database runs in a child process of this script (``--child``); the data are built by
bench/research_data.py (shared with bench/dashboards.py). Results: bench/results/research-release-<db>-<N>.json
and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import research_data as data

TARGET_SECONDS = 60.0
FULL_SCALE = 10_000
QIS = ["age", "sex", "origin", "year"]
VARIANTS = {
    "k5-l2": {"qis": QIS, "sensitive": ["exploitation"], "k": 5, "l_div": 2},
    "k5-l1": {"qis": QIS, "sensitive": ["exploitation"], "k": 5, "l_div": 1},
    "k5-l2-5qi": {"qis": [*QIS, "exploitation_country"], "sensitive": ["exploitation"], "k": 5, "l_div": 2},
}
MAX_SUPPRESSED = 0.05
RUNNER = Path(__file__).resolve().parent / "anjana_runner.py"


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
        "--repeat", type=int, help=f"timed releases per variant; default 3 (1 below {FULL_SCALE:,} cases)"
    )
    parser.add_argument("--variants", help=f"comma-separated, of {', '.join(VARIANTS)} (default: all)")
    parser.add_argument(
        "--anjana-venv",
        default="/tmp/anjana-venv",  # noqa: S108 - a throw-away venv, outside the project on purpose
        help="side venv with anjana and pycanon",
    )
    parser.add_argument("--no-anjana", action="store_true", help="skip the comparison with anjana")
    parser.add_argument(
        "--profile", metavar="FILE", help="cProfile one release of the first variant into FILE"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeat is None:
        args.repeat = 3 if args.cases >= FULL_SCALE else 1
    if args.variants and set(args.variants.split(",")) - set(VARIANTS):
        parser.error(f"--variants: choose from {', '.join(VARIANTS)}")
    if args.child:
        return child(args)
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if args.profile and len(databases) > 1:
        parser.error("--profile needs a single --db")
    if not args.no_anjana:
        ensure_anjana(Path(args.anjana_venv))
    results = []
    for db in databases:
        print(f"=== {db} ===", flush=True)
        command = [sys.executable, str(Path(__file__).resolve()), "--child", "--db", db]
        for name in ("cases", "seed", "repeat", "anjana_venv"):
            command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
        for flag in ("reuse", "no_anjana"):
            if getattr(args, flag):
                command.append(f"--{flag.replace('_', '-')}")
        if args.variants:
            command += ["--variants", args.variants]
        if args.profile:
            command += ["--profile", args.profile]
        completed = subprocess.run(command, env=data.parent_env(), cwd=data.PROJECT, check=False)  # noqa: S603
        if completed.returncode != 0:
            print(f"{db}: the child process failed (exit {completed.returncode})", file=sys.stderr)
            return completed.returncode
        partial = bool(args.variants or args.no_anjana)
        results.append(json.loads(results_file(db, args.cases, partial).read_text(encoding="utf-8")))
    print()
    for result in results:
        print(markdown(result))
        print()
    return 0


def results_file(db: str, cases: int, partial: bool = False) -> Path:
    """research-release-<db>-<cases>.json; "-partial" for runs limited with --variants or --no-anjana."""
    return data.RESULTS / f"research-release-{db}-{cases}{'-partial' if partial else ''}.json"


def ensure_anjana(venv: Path) -> None:
    """The side venv with anjana and pycanon, created when missing (never the project's venv)."""
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import anjana.anonymity, pycanon"]
    if python.exists() and subprocess.run(check, capture_output=True, check=False).returncode == 0:  # noqa: S603
        return
    base = shutil.which("python3") or "python3"
    print(f"creating the anjana side venv at {venv}", flush=True)
    subprocess.run([base, "-m", "venv", str(venv)], check=True)  # noqa: S603
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "anjana", "pycanon"], check=True)  # noqa: S603
    subprocess.run(check, check=True)  # noqa: S603


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
    out = results_file(args.db, args.cases, bool(args.variants or args.no_anjana))
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    print()
    print(markdown(result))
    print(f"\nwrote {out.relative_to(data.PROJECT)}", flush=True)
    return 0


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    from homeward.accounts.models import User
    from homeward.cases.models import Case
    from homeward.research import fields as F

    # The project's own pycanon environment, where it runs its check in a separate process.
    checker = getattr(settings, "PYCANON_PYTHON", None)
    if checker and not Path(checker).exists():
        raise SystemExit(f"The release check needs pycanon's environment at {checker}: run `make verifier`.")
    researcher = User.objects.get(username="bench.researcher")
    names = args.variants.split(",") if args.variants else list(VARIANTS)
    in_scope = F.scope(opened_from=None, opened_to=None, organisation_ids=None, research_consent=True).count()
    variants = []
    load_before = os.getloadavg()
    for name in names:
        variant = VARIANTS[name]
        print(
            f"--- {name}: qis {', '.join(variant['qis'])}; k={variant['k']}, l={variant['l_div']}", flush=True
        )
        runs = []
        release = None
        for index in range(args.repeat):
            started = time.perf_counter()
            release = _release(researcher, name, variant, index)
            seconds = time.perf_counter() - started
            runs.append(round(seconds, 2))
            print(
                f"  release {index + 1}/{args.repeat}: {seconds:6.1f} s  status {release.status}  "
                f"loss {release.utility['information_loss']}  suppressed {release.utility['records_suppressed']}",
                flush=True,
            )
        assert release is not None
        if args.profile and name == names[0]:
            import cProfile

            profiler = cProfile.Profile()
            profiler.runcall(_release, researcher, name, variant, "profiled")
            profiler.dump_stats(args.profile)
            print(f"  profile written to {args.profile}", flush=True)
        phases, records, hierarchies, outcome = _phases(variant)
        phases["rest_of_the_call_s"] = round(statistics.median(runs) - sum(phases.values()), 2)
        print("  phases: " + ", ".join(f"{k} {v}" for k, v in phases.items()), flush=True)
        own_loss = _ncp(records, _project_output(records, outcome, hierarchies), variant["qis"], hierarchies)
        entry = {
            "variant": name,
            "quasi_identifiers": variant["qis"],
            "sensitive": variant["sensitive"],
            "k": variant["k"],
            "l": variant["l_div"],
            "max_suppressed": MAX_SUPPRESSED,
            "seconds": runs,
            "median_seconds": round(statistics.median(runs), 2),
            "service_seconds": float(release.seconds),
            "status": release.status,
            "records_in_scope": release.utility["records_in_scope"],
            "records_released": release.records,
            "records_suppressed": release.utility["records_suppressed"],
            "information_loss": release.utility["information_loss"],
            "information_loss_recomputed": round(own_loss["loss"], 4),
            "levels": release.parameters["levels"],
            "guarantee": release.guarantee,
            "verification": release.verification,
            "lattice_nodes": release.utility["lattice_nodes"],
            "marginal_distance": release.utility["marginal_distance"],
            "phases": phases,
            "pass": release.status == "ready" and statistics.median(runs) < TARGET_SECONDS,
        }
        if not args.no_anjana:
            entry["anjana"] = _anjana(args, name, variant, records, hierarchies)
            a = entry["anjana"]
            print(
                f"  anjana: {a.get('seconds')} s, loss {a.get('information_loss')}, "
                f"suppressed {a.get('records_suppressed')}, levels {a.get('levels')}",
                flush=True,
            )
        variants.append(entry)
    load_after = os.getloadavg()
    return {
        "database": args.db,
        "database_version": data._database_version(connection),
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
        "machine": data._machine(),
        "cases": Case.objects.count(),
        "cases_with_research_consent": in_scope,
        "repeat": args.repeat,
        "load_average_1min_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "target_seconds": TARGET_SECONDS,
        "pass": all(v["pass"] for v in variants if v["k"] == 5),
        "variants": variants,
    }


def _release(researcher: Any, name: str, variant: dict[str, Any], index: Any) -> Any:
    from homeward.research import services

    return services.release_kanon(
        actor=researcher,
        title=f"Bench release {name} #{index}",
        purpose="Benchmark of research releases (bench/release.py).",
        qis=list(variant["qis"]),
        sensitive=list(variant["sensitive"]),
        k=variant["k"],
        l_div=variant["l_div"],
        max_suppressed=MAX_SUPPRESSED,
        opened_from=None,
        opened_to=None,
        organisation_ids=None,
    )


def _phases(variant: dict[str, Any]) -> tuple[dict[str, float], Any, Any, Any]:
    """The main steps of release_kanon, called one by one with the same arguments."""
    from homeward.research import anonymise, services
    from homeward.research import fields as F
    from homeward.research.models import Layout

    qis, sensitive = variant["qis"], variant["sensitive"]
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    hierarchies = F.hierarchies()
    cases = F.scope(opened_from=None, opened_to=None, organisation_ids=None, research_consent=True)
    records = F.person_records(cases)
    t1 = time.perf_counter()
    outcome = anonymise.search(
        records,
        qis,
        sensitive,
        hierarchies,
        k=variant["k"],
        l_div=variant["l_div"],
        max_suppressed=MAX_SUPPRESSED,
    )
    t2 = time.perf_counter()
    released = services._shuffled(anonymise.apply(records, outcome, hierarchies))
    t3 = time.perf_counter()
    chosen = [*qis, *sensitive]
    files = {
        Layout.HTCDS: F.htcds_layout(released, chosen).to_csv(index=False, lineterminator="\n").encode(),
        Layout.CTDC: F.ctdc_layout(released, chosen).to_csv(index=False, lineterminator="\n").encode(),
    }
    t4 = time.perf_counter()
    services.verify_kanon(files, qis, sensitive)
    t5 = time.perf_counter()
    times = {
        "records_from_database_s": round(t1 - t0, 2),
        "lattice_search_s": round(t2 - t1, 2),
        "generalise_and_shuffle_s": round(t3 - t2, 2),
        "layouts_csv_s": round(t4 - t3, 2),
        "pycanon_check_s": round(t5 - t4, 2),
    }
    return times, records, hierarchies, outcome


def _in_domain(hierarchy: Any, values: Any) -> list[str]:
    """The values as the hierarchy knows them: anything outside its domain is "Unknown", as Hierarchy.encode and
    Hierarchy.label treat it."""
    from homeward.research.anonymise import UNKNOWN

    domain = set(hierarchy.domain)
    return [v if v in domain else UNKNOWN for v in (str(v) for v in values)]


def _project_output(records: Any, outcome: Any, hierarchies: Any) -> Any:
    from homeward.research import anonymise

    frame = records.copy()
    frame["_row"] = range(len(frame))
    return anonymise.apply(frame, outcome, hierarchies)


def _ncp(records: Any, output: Any, qis: list[str], hierarchies: Any) -> dict[str, Any]:
    """The information loss of ``output`` (rows carrying ``_row``, their position in ``records``) as
    homeward.research.anonymise.search measures it: for each kept record and quasi-identifier, (number of domain
    values that share the record's generalised label at its level - 1) / (domain size - 1), averaged over the
    quasi-identifiers; a suppressed record counts as 1; the sum over records is divided by their number.

    Each column is put at the lowest level of its hierarchy that turns every kept record's original value into
    the value in the output (both tools generalise a whole column to one level)."""
    n = len(records)
    rows = output["_row"].astype(int).to_numpy()
    levels, penalty = {}, 0.0
    for q in qis:
        h = hierarchies[q]
        original = _in_domain(h, records[q].to_numpy()[rows])
        shown = [str(v) for v in output[q].to_numpy()]
        level = next(
            (
                lv
                for lv in range(h.height)
                if all(h.label(o, lv) == s for o, s in zip(original, shown, strict=True))
            ),
            None,
        )
        if level is None:
            raise ValueError(f"{q}: the output is not one level of the hierarchy")
        spread: dict[str, int] = {}
        for value in h.domain:
            label = h.label(value, level)
            spread[label] = spread.get(label, 0) + 1
        width = max(len(h.domain) - 1, 1)
        penalty += sum((spread[s] - 1) / width for s in shown)
        levels[q] = level
    suppressed = n - len(output)
    return {"loss": (penalty / max(len(qis), 1) + suppressed) / n, "levels": levels, "suppressed": suppressed}


def _anjana(
    args: argparse.Namespace, name: str, variant: dict[str, Any], records: Any, hierarchies: Any
) -> dict[str, Any]:
    import pandas as pd

    qis, sensitive = variant["qis"], variant["sensitive"][0]
    folder = data.VAR_DIR / "anjana" / f"{args.db}-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    for old in ("anonymised.csv", "result.json"):
        (folder / old).unlink(missing_ok=True)
    frame = pd.DataFrame({q: _in_domain(hierarchies[q], records[q]) for q in qis})
    frame[sensitive] = records[sensitive].astype(str).to_numpy()
    frame["_row"] = range(len(frame))
    frame.to_csv(folder / "records.csv", index=False)
    for q in qis:
        h = hierarchies[q]
        table = pd.DataFrame({str(level): [h.label(v, level) for v in h.domain] for level in range(h.height)})
        table.to_csv(folder / f"hierarchy-{q}.csv", index=False)
    job = {
        "qis": qis,
        "sensitive": sensitive,
        "k": variant["k"],
        "l": variant["l_div"],
        "supp_level": MAX_SUPPRESSED * 100,
    }
    (folder / "job.json").write_text(json.dumps(job), encoding="utf-8")
    python = str(Path(args.anjana_venv) / "bin" / "python")
    started = time.perf_counter()
    command = [python, str(RUNNER), str(folder)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        return {"error": completed.stderr[-2000:], "process_seconds": round(wall, 1)}
    result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    result["process_seconds"] = round(wall, 1)
    result["function"] = "l_diversity" if variant["l_div"] > 1 else "k_anonymity"
    if result["rows_out"] == 0:
        result.update(information_loss=1.0, records_suppressed=len(records), levels=None, no_solution=True)
        return result
    output = pd.read_csv(folder / "anonymised.csv", dtype=str, keep_default_na=False)
    scored = _ncp(records, output, qis, hierarchies)
    result.update(
        information_loss=round(scored["loss"], 4),
        records_suppressed=scored["suppressed"],
        levels=scored["levels"],
    )
    return result


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"{result['database_version']}: {result['cases']:,} cases, {result['cases_with_research_consent']:,} with "
        f"research consent in force; {result['repeat']} release(s) per variant.",
        "",
        "| Variant | QIs | k | l | seconds (each run) | records | suppressed | information loss | levels "
        "| pycanon k / l (HTCDS), k (CTDC) | status | < 60 s |",
        "|---|---|--:|--:|---|--:|--:|--:|---|---|---|---|",
    ]
    for v in result["variants"]:
        check = v["verification"]["pycanon"]
        htcds, ctdc = check["htcds"], check["ctdc"]
        levels = ", ".join(f"{q} {h}" for q, h in v["levels"].items())
        lines.append(
            f"| {v['variant']} | {len(v['quasi_identifiers'])} | {v['k']} | {v['l']} "
            f"| {' / '.join(f'{s:.1f}' for s in v['seconds'])} | {v['records_released']:,} "
            f"| {v['records_suppressed']:,} | {v['information_loss']:.4f} | {levels} "
            f"| {htcds['k']} / {htcds.get('l', '-')}, {ctdc['k']} | {v['status']} "
            f"| {'yes' if v['pass'] else '**NO**'} |"
        )
    lines += ["", "Phases of one release (s):", ""]
    keys = list(result["variants"][0]["phases"])
    lines.append("| Variant | " + " | ".join(k.removesuffix("_s").replace("_", " ") for k in keys) + " |")
    lines.append("|---|" + "--:|" * len(keys))
    for v in result["variants"]:
        lines.append(f"| {v['variant']} | " + " | ".join(f"{v['phases'][k]:.2f}" for k in keys) + " |")
    if any("anjana" in v for v in result["variants"]):
        lines += [
            "",
            "Against anjana (same records, hierarchies, k, l and suppression level; same loss measure):",
            "",
            "| Variant | Homeward loss | anjana loss | Homeward suppressed | anjana suppressed | Homeward levels "
            "| anjana levels | Homeward lattice search s | anjana s | anjana pycanon k / l |",
            "|---|--:|--:|--:|--:|---|---|--:|--:|---|",
        ]
        for v in result["variants"]:
            a = v.get("anjana", {})
            if "error" in a:
                lines.append(f"| {v['variant']} | {v['information_loss']:.4f} | error | | | | | | | |")
                continue
            ours = ", ".join(str(h) for h in v["levels"].values())
            theirs = ", ".join(str(h) for h in (a.get("levels") or {}).values()) or "no solution"
            lines.append(
                f"| {v['variant']} | {v['information_loss']:.4f} | {a['information_loss']:.4f} "
                f"| {v['records_suppressed']:,} | {a['records_suppressed']:,} | {ours} | {theirs} "
                f"| {v['phases']['lattice_search_s']:.2f} | {a['seconds']:.1f} "
                f"| {a.get('pycanon_k', '-')} / {a.get('pycanon_l', '-')} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
