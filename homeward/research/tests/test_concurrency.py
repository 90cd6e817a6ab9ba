"""Two dashboards drawn at the same moment both bring the figures up to date: neither fails, and every case
has exactly one figures row, on SQLite and on PostgreSQL (CI runs the suite on both)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from homeward.conftest import audit_triggers_off
from homeward.research import facts
from homeward.research.models import CaseFact, StaleCase
from homeward.research.tests.helpers import population

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("stale", [True, False], ids=["stale-and-missing", "missing-only"])
def test_two_requests_recompute_the_same_cases_at_once(personas, stale, rounds=3):
    cases = population(personas, count=400)
    try:
        for _round in range(rounds):
            CaseFact.objects.all().delete()
            if stale:
                facts.mark_stale(c.id for c in cases[:10])
            start = threading.Barrier(2)
            errors: list[str] = []

            def run(start=start, errors=errors) -> None:
                try:
                    start.wait()
                    facts.bring_up_to_date()
                except Exception as exc:  # any failure is the finding
                    errors.append(repr(exc))
                finally:
                    connection.close()  # each thread has its own connection

            threads = [threading.Thread(target=run) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
            assert errors == []
            assert CaseFact.objects.count() == 400
            assert sorted(CaseFact.objects.values_list("case_id", flat=True)) == sorted(c.id for c in cases)
            assert not StaleCase.objects.exists()
    finally:
        audit_triggers_off()  # the transactional flush empties the append-only audit table
