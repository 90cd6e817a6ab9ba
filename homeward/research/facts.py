"""Keeping the figures tables current.

The dashboards read ``CaseFact`` and its companions (``research/models.py``) rather than the case tables, so
that a national dashboard over 100,000 cases groups a few narrow columns instead of joining seven tables and
converting every timestamp to the local day (bench/README.md).

They stay current without a scheduler:

- saving or deleting anything a figure depends on (a case, its person, trafficking context and events, return,
  handover, stays, plans, surveys, referrals) marks the case stale (``StaleCase``, through signals, in the same
  transaction as the change);
- cases created in bulk (imports, generators) have no figures row yet: they are found above the highest case
  with figures, and by an anti-join when two counts show that some are missing below it;
- before a dashboard is drawn, ``bring_up_to_date()`` recomputes the stale and missing cases — usually a
  handful — in one transaction.

``homeward research-refresh`` rebuilds everything: run it after loading data with raw SQL or ``bulk_create`` of
related rows (which send no signals), and nightly as a safety net.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from homeward.cases.models import Case, TraffickingEvent
from homeward.cases.picklists import EventType, FollowsReason, Gender
from homeward.referrals.models import Referral
from homeward.referrals.picklists import ReferralStatus
from homeward.reintegration.models import ReintegrationPlan, SurveyResponse
from homeward.research.models import (
    CaseFact,
    ExploitationFact,
    FlowFact,
    OutcomeFact,
    ReferralFact,
    StaleCase,
    StayFact,
)
from homeward.returns.models import Returnee, Stay

BATCH = 2000
FEMALE = {Gender.FEMININE, Gender.TRANS_FEMININE}
MALE = {Gender.MASCULINE, Gender.TRANS_MASCULINE}


def sex_group(gender: str | None) -> str:
    if gender in FEMALE:
        return "F"
    if gender in MALE:
        return "M"
    return "O"


def local_day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment).date() if moment else None


def _days(first: dt.date | None, then: dt.date | None) -> int | None:
    if first is None or then is None:
        return None
    return (then - first).days


def _month(day: dt.date | None) -> str:
    return f"{day.year:04d}-{day.month:02d}" if day else ""


def _referral_group(status: str) -> str:
    if status in (ReferralStatus.SENT, ReferralStatus.INFO):
        return "waiting"
    if status == ReferralStatus.ACCEPTED:
        return "accepted"
    if status == ReferralStatus.COMPLETED:
        return "completed"
    if status == ReferralStatus.DECLINED:
        return "declined"
    return "other"


def _compute(case_ids: list[int]) -> None:
    """Recompute the figures of these cases (delete, then insert), inside the caller's transaction."""
    CaseFact.objects.filter(case_id__in=case_ids).delete()
    rows = Case.objects.filter(id__in=case_ids).values_list(
        "id",
        "owner_org_id",
        "opened_on",
        "closed_on",
        "status",
        "closure_reason",
        "person__gender",
        "person__birth_year",
        "person__province__code",
        "victim__forced_labour_industry",
        "victim__exploitation_types",
    )
    returns = {
        case_id: (received, local_day(handed))
        for case_id, received, handed in Returnee.objects.filter(case_id__in=case_ids).values_list(
            "case_id", "request__received_on", "handover__handed_over_at"
        )
    }
    admitted: dict[int, dt.date] = {}
    stays: list[StayFact] = []
    stay_rows = (
        Stay.objects.filter(case_id__in=case_ids, admitted_at__isnull=False)
        .order_by("case_id", "admitted_at")
        .values_list("case_id", "facility_id", "admitted_at", "discharged_at")
    )
    stay_data = list(stay_rows)
    for case_id, _facility, admitted_at, _discharged in stay_data:
        admitted.setdefault(case_id, local_day(admitted_at))  # type: ignore[arg-type]
    plans: dict[int, dt.date] = {}
    for case_id, approved_at in (
        ReintegrationPlan.objects.filter(case_id__in=case_ids, approved_at__isnull=False)
        .order_by("case_id", "approved_at")
        .values_list("case_id", "approved_at")
    ):
        plans.setdefault(case_id, local_day(approved_at))  # type: ignore[arg-type]
    followers: dict[int, set[str]] = defaultdict(set)
    for follows_id, reason in Case.objects.filter(follows_id__in=case_ids).values_list(
        "follows_id", "follows_reason"
    ):
        followers[follows_id].add(reason)
    facts = []
    for (
        case_id,
        org_id,
        opened_on,
        closed_on,
        status,
        closure_reason,
        gender,
        birth_year,
        province,
        industry,
        _types,
    ) in rows:
        request_day, return_day = returns.get(case_id, (None, None))
        admitted_day = admitted.get(case_id)
        plan_day = plans.get(case_id)
        age = opened_on.year - birth_year if birth_year and birth_year <= opened_on.year else None
        facts.append(
            CaseFact(
                case_id=case_id,
                owner_org_id=org_id,
                opened_on=opened_on,
                opened_month=_month(opened_on),
                opened_year=opened_on.year,
                closed_on=closed_on,
                closed_month=_month(closed_on),
                closed_year=closed_on.year if closed_on else None,
                status=status,
                closure_reason=closure_reason or "",
                sex=sex_group(gender),
                age=age,
                province=province or "",
                industry=industry or "",
                cohort=(return_day or opened_on).year,
                m_request=request_day,
                m_return=return_day,
                m_admitted=admitted_day,
                m_plan=plan_day,
                d_request_return=_days(request_day, return_day),
                d_return_admitted=_days(return_day, admitted_day),
                d_return_plan=_days(return_day, plan_day),
                d_plan_closed=_days(plan_day, closed_on),
                d_start_plan=_days(return_day or opened_on, plan_day),
                again=FollowsReason.RE_TRAFFICKED in followers.get(case_id, ()),
                migrated=FollowsReason.RE_MIGRATED in followers.get(case_id, ()),
            )
        )
    CaseFact.objects.bulk_create(facts, batch_size=1000)
    by_id = {f.case_id: f for f in facts}
    present = set(by_id)
    ExploitationFact.objects.bulk_create(
        (
            ExploitationFact(case_fact_id=case_id, type=t, sex=by_id[case_id].sex)
            for case_id, *_rest, types in rows
            for t in dict.fromkeys(types or [])
        ),
        batch_size=2000,
    )
    destinations: set[tuple[int, str]] = set()
    for case_id, country, area in TraffickingEvent.objects.filter(
        case_id__in=case_ids, type=EventType.EXPLOITATION
    ).values_list("case_id", "country__code", "area__code"):
        destinations.add((case_id, f"TH:{area}" if country == "TH" and area else (country or "?")))
    FlowFact.objects.bulk_create(
        (
            FlowFact(case_fact_id=c, origin=by_id[c].province, destination=d)
            for c, d in destinations
            if c in present
        ),
        batch_size=2000,
    )
    OutcomeFact.objects.bulk_create(
        (
            OutcomeFact(
                case_fact_id=case_id,
                cohort=by_id[case_id].cohort,
                province=by_id[case_id].province,
                months=months if months is not None else -1,
                composite=float(composite or 0),
                economic=float(economic) if economic is not None else None,
                social=float(social) if social is not None else None,
                psychosocial=float(psychosocial) if psychosocial is not None else None,
            )
            for case_id, months, composite, economic, social, psychosocial in SurveyResponse.objects.filter(
                visit__case_id__in=case_ids, composite__isnull=False
            ).values_list(
                "visit__case_id",
                "visit__months_after_return",
                "composite",
                "economic",
                "social",
                "psychosocial",
            )
            if case_id in present
        ),
        batch_size=2000,
    )
    ReferralFact.objects.bulk_create(
        (
            ReferralFact(
                case_fact_id=case_id,
                province=svc_province or org_province or "",
                status=_referral_group(status),
                days_to_accept=_days(local_day(sent_at), local_day(accepted_at)),
                days_to_complete=_days(local_day(sent_at), local_day(closed_at))
                if status == ReferralStatus.COMPLETED
                else None,
            )
            for case_id, svc_province, org_province, status, sent_at, accepted_at, closed_at in Referral.objects.filter(
                case_id__in=case_ids
            ).values_list(
                "case_id",
                "service__province__code",
                "to_org__province__code",
                "status",
                "sent_at",
                "accepted_at",
                "closed_at",
            )
            if case_id in present
        ),
        batch_size=2000,
    )
    stays = []
    for case_id, facility_id, admitted_at, discharged_at in stay_data:
        if case_id not in present:
            continue
        day = local_day(admitted_at)
        assert day is not None
        stays.append(
            StayFact(
                case_fact_id=case_id,
                facility_id=facility_id,
                admitted_on=day,
                admitted_month=_month(day),
                admitted_year=day.year,
                discharged_on=local_day(discharged_at),
            )
        )
    StayFact.objects.bulk_create(stays, batch_size=2000)


LOCK_KEY = 0x486F6D65  # "Home": the advisory lock that serialises recomputation on PostgreSQL


def _lock() -> None:
    """Two requests recomputing the same case must not both insert its row: on PostgreSQL they queue on an
    advisory lock for the rest of the transaction; SQLite transactions are already one at a time (immediate)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _in_batches(ids: Iterable[int]) -> Iterable[list[int]]:
    batch: list[int] = []
    for i in ids:
        batch.append(i)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def rebuild(progress: Any = None) -> int:
    """Recompute the figures of every case. Returns the number of cases."""
    done = 0
    with transaction.atomic():
        StaleCase.objects.all().delete()
        CaseFact.objects.all().delete()
    for batch in _in_batches(
        Case.objects.order_by("id").values_list("id", flat=True).iterator(chunk_size=BATCH)
    ):
        with transaction.atomic():
            _compute(batch)
        done += len(batch)
        if progress:
            progress(done)
    return done


def _missing() -> list[int]:
    """The cases without figures.

    Cases are numbered in order of creation and ``rebuild`` works in that order too, so the cases without figures
    are nearly always those above the highest case with figures: a look at the end of two primary keys (well
    under a millisecond at 100,000 cases, where the anti-join over every case took 25-40 ms on each request). Two
    counts then tell whether anything is missing below that point (a bulk load that committed after a later
    case's figures were computed); only then does the full anti-join run."""
    top = CaseFact.objects.aggregate(top=Max("case_id"))["top"] or 0
    above = list(Case.objects.filter(id__gt=top).order_by().values_list("id", flat=True))
    # COUNT(*) on its own: SQLite answers it from the table's b-tree without reading the rows.
    if Case.objects.order_by().count() == CaseFact.objects.count() + len(above):
        return above  # every case up to ``top`` has its row (one row per case, and no row without its case)
    return list(
        Case.objects.filter(~Exists(CaseFact.objects.filter(case_id=OuterRef("pk"))))
        .order_by()  # not the case list's ordering: an unsorted anti-join
        .values_list("id", flat=True)
    )


def bring_up_to_date() -> int:
    """Recompute the cases marked stale and the cases without figures. Returns how many were recomputed."""
    missing = _missing()
    stale_rows = list(StaleCase.objects.values_list("id", "case_id"))
    if not missing and not stale_rows:
        return 0
    ids = sorted(set(missing) | {case_id for _id, case_id in stale_rows})
    with transaction.atomic():
        _lock()
        # Only the stale marks read above are cleared: a mark written meanwhile stays for the next request.
        StaleCase.objects.filter(id__in=[row_id for row_id, _c in stale_rows]).delete()
        for batch in _in_batches(ids):
            _compute(batch)
    return len(ids)


def mark_stale(case_ids: Iterable[int | None]) -> None:
    wanted = {c for c in case_ids if c}
    if wanted:
        StaleCase.objects.bulk_create([StaleCase(case_id=c) for c in wanted], ignore_conflicts=True)
