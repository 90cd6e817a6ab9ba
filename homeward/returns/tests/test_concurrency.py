"""Two admissions to the same bed at the same moment: exactly one wins, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from homeward.conftest import audit_triggers_off
from homeward.returns import services
from homeward.returns.models import Stay
from homeward.returns.picklists import StayStatus
from homeward.returns.tests import journey as j

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_arrivals(personas):
    centre = j.facility(personas, beds=1)
    stays = []
    for year in ("1996", "1997"):
        returnee = j.add_returnee(personas, j.new_request(personas), birth_date=year, birth_year=int(year))
        j.plan_travel(personas, returnee, centre)
        stays.append(j.planned_stay(returnee.case))
    yield centre, stays
    audit_triggers_off()  # the transactional flush empties the append-only audit table


def test_two_admissions_cannot_take_the_same_bed(personas, two_arrivals):
    centre, stays = two_arrivals
    bed = j.bed(centre)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def admit(stay: Stay) -> None:
        try:
            start.wait()
            services.stay_admit(actor=personas.tina, stay=stay, bed=bed, admitted_at=timezone.now())
            outcomes.append("admitted")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=admit, args=(stay,)) for stay in stays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes.count("admitted") == 1, outcomes
    assert "already staying in that bed" in next(o for o in outcomes if o != "admitted")
    assert Stay.objects.filter(bed=bed, status=StayStatus.ADMITTED).count() == 1
    assert Stay.objects.filter(status=StayStatus.PLANNED).count() == 1
