"""Two figures behind the dashboards' times, on the bench database that bench/dashboards.py built:

    .venv/bin/python bench/research_checks.py --db sqlite|postgres [--reps 50]

1. What keeping the figures current costs on every dashboard request when there is nothing to recompute:
   ``facts.bring_up_to_date()`` timed --reps times, and, for comparison, the full anti-join over every case
   that ``facts._missing`` runs only when the counts disagree (and that every request ran before).
2. How many linear programmes small-cell suppression solves for each page of the national researcher with the
   narrowest filter set (province LA13 over 2024), with the suppression cache cleared: scipy's ``linprog`` as
   called from ``research.suppression`` is counted, and each page builder is timed.

The database must hold the data of bench/research_data.py (run bench/dashboards.py first; this script never
builds or changes data). To compare with an earlier version of the suppression code, check that version out
and run the same command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import research_data as data


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--reps", type=int, default=50)
    args = parser.parse_args()
    data.child_env(args.db)
    import django

    django.setup()
    from django.db.models import Exists, OuterRef

    from homeward.accounts.models import User
    from homeward.cases.models import Case
    from homeward.places.models import Area
    from homeward.research import dashboards, facts, suppression
    from homeward.research.models import CaseFact

    cases = Case.objects.count()
    if not cases:
        print("the bench database is empty: run bench/dashboards.py first", file=sys.stderr)
        return 1
    facts.bring_up_to_date()

    def timed(call) -> list[float]:
        for _n in range(3):
            call()
        out = []
        for _n in range(args.reps):
            start = time.perf_counter()
            call()
            out.append((time.perf_counter() - start) * 1000)
        return out

    def summary(samples: list[float]) -> str:
        ordered = sorted(samples)
        return (
            f"median {statistics.median(ordered):.1f} ms, "
            f"p95 {data.percentile(ordered, 95):.1f} ms (n = {len(ordered)})"
        )

    print(f"{args.db}: {cases:,} cases")
    print(f"bring_up_to_date(), nothing to do: {summary(timed(facts.bring_up_to_date))}")
    anti_join = Case.objects.filter(~Exists(CaseFact.objects.filter(case_id=OuterRef("pk")))).order_by()
    print(f"full anti-join over every case:   {summary(timed(lambda: list(anti_join.values_list('id'))))}")

    calls = [0]
    solve = suppression.linprog

    def counting(*a, **k):
        calls[0] += 1
        return solve(*a, **k)

    suppression.linprog = counting
    user = User.objects.get(username="bench.researcher")
    narrow = dashboards.Filters(
        date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31), province=Area.objects.get(code="LA13")
    )
    scope = dashboards.scope_for(user, narrow)
    print("\nnational researcher, province LA13 over 2024, suppression cache cleared before each page:")
    print("| page | linear programmes | builder ms (median of 5) |")
    print("|---|--:|--:|")
    for topic, build in dashboards.BUILDERS.items():
        times = []
        for _n in range(5):
            suppression._protect.cache_clear()
            calls[0] = 0
            start = time.perf_counter()
            build(scope, narrow)
            times.append((time.perf_counter() - start) * 1000)
        print(f"| {topic} | {calls[0]} | {statistics.median(times):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
