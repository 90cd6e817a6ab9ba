"""Rebuild the figures tables the dashboards read (homeward.research.facts).

They keep themselves current as people work; run this after loading data in bulk (raw SQL, bulk imports,
generators) and nightly as a safety net. Safe to run at any time: dashboards drawn meanwhile wait or show the
figures of the moment before.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from homeward.research import facts


class Command(BaseCommand):
    help = "Rebuild the figures tables of the research dashboards from the case data."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = facts.rebuild(
            progress=lambda n: self.stdout.write(f"  {n} cases") if n % 20000 == 0 else None
        )
        self.stdout.write(f"Figures rebuilt for {count} cases in {time.perf_counter() - started:.1f} s.")
