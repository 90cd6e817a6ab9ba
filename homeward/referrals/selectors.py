"""Reads of the referral network that depend on who asks: the directory search, the queues of referrals
received and sent, a case's referrals and transfers, the network figures and the gaps view."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from homeward.accounts.capabilities import Cap
from homeward.accounts.policy import can, orgs_with
from homeward.cases.models import Case
from homeward.fields import PicklistMultiField
from homeward.places.models import Area
from homeward.referrals.models import NetworkSettings, Referral, Service, Transfer
from homeward.referrals.picklists import (
    OPEN_REFERRAL,
    PLAN_TYPE_CATEGORIES,
    ReferralStatus,
    ServiceStatus,
    TransferStatus,
)
from homeward.reintegration.models import ReintegrationPlan
from homeward.reintegration.picklists import PlanStatus


def _get(qs: QuerySet, code: Any) -> Any:
    try:
        return qs.get(code=code)
    except (qs.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


# ---- directory --------------------------------------------------------------------------------------------
@dataclass
class DirectoryFilters:
    q: str = ""
    category: str = ""
    province: Area | None = None
    district: Area | None = None
    language: str = ""
    sex: str = ""
    age: int | None = None
    nationality: str = ""  # ISO alpha-2
    organisation: Any = None
    include_closed: bool = False
    trained_first: bool = False  # providers whose staff completed the matching training topic come first


def serving(area: Area) -> Q:
    """Services available to someone living in this province or district: national ones, those serving the
    area, and (for a district) those serving its province; for a province, also those serving a district in it."""
    q = Q(national=True) | Q(areas=area)
    if area.level == 2 and area.parent_id:
        q |= Q(areas__id=area.parent_id)
    elif area.level == 1:
        q |= Q(areas__parent_id=area.id)
    return q


def directory_search(filters: DirectoryFilters) -> QuerySet[Service]:
    """The directory is not about survivors: every signed-in member of an organisation may search it."""
    qs = Service.objects.select_related("organisation", "province", "district")
    if not filters.include_closed:
        qs = qs.filter(status=ServiceStatus.ACTIVE)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.district is not None:
        qs = qs.filter(serving(filters.district))
    elif filters.province is not None:
        qs = qs.filter(serving(filters.province))
    if filters.language:
        qs = qs.filter(languages__contains=PicklistMultiField.needle(filters.language))
    if filters.sex:
        qs = qs.filter(sex__in=["", filters.sex])
    if filters.age is not None:
        qs = qs.filter(Q(min_age__isnull=True) | Q(min_age__lte=filters.age))
        qs = qs.filter(Q(max_age__isnull=True) | Q(max_age__gte=filters.age))
    if filters.nationality:
        qs = qs.filter(Q(nationalities__isnull=True) | Q(nationalities__code=filters.nationality))
    if filters.organisation is not None:
        qs = qs.filter(organisation=filters.organisation)
    if filters.q.strip():
        for word in filters.q.split()[:6]:
            qs = qs.filter(
                Q(name__icontains=word)
                | Q(name_lo__icontains=word)
                | Q(description__icontains=word)
                | Q(description_lo__icontains=word)
                | Q(organisation__name__icontains=word)
                | Q(organisation__short_name__icontains=word)
            )
    ids = qs.values("id").distinct()
    found = (
        Service.objects.filter(id__in=ids)
        .select_related("organisation", "province", "district")
        .prefetch_related("areas")
    )
    if filters.trained_first:
        found = found.annotate(trained=_trained_rank()).order_by(
            "-trained", "province__code", "organisation__name", "name"
        )
        return found
    return found.order_by("province__code", "organisation__name", "name")


def _trained_rank() -> Any:
    """1 for a service whose organisation's staff completed, in the last two years, the training topic that
    matches its type of service (psychosocial first aid for counselling, shelter management for shelters...)."""
    from django.db.models import Case as SqlCase
    from django.db.models import IntegerField, Value, When

    from homeward.training.picklists import CATEGORY_TOPIC
    from homeward.training.selectors import organisations_trained_in

    whens = [
        When(category=category, organisation_id__in=orgs, then=Value(1))
        for category, topic in CATEGORY_TOPIC.items()
        if (orgs := organisations_trained_in(topic))
    ]
    return SqlCase(*whens, default=Value(0), output_field=IntegerField()) if whens else Value(0)


def get_service(code: Any) -> Service:
    return _get(
        Service.objects.select_related("organisation", "province", "district").prefetch_related(
            "areas", "nationalities"
        ),
        code,
    )


def province_counts(services: QuerySet[Service]) -> dict[str, int]:
    """For the map: {province code: number of the services found that serve people living there}."""
    provinces = list(Area.objects.filter(level=1, country__code="LA").values_list("id", "code"))
    counts = dict.fromkeys((code for _id, code in provinces), 0)
    by_id = dict(provinces)
    for service in services:
        served: set[int] = set()
        if service.national:
            served = set(by_id)
        else:
            for area in service.areas.all():
                served.add(area.id if area.level == 1 else area.parent_id or 0)
        for province_id in served:
            if province_id in by_id:
                counts[by_id[province_id]] += 1
    return counts


# ---- referrals and transfers ------------------------------------------------------------------------------
def _referrals() -> QuerySet[Referral]:
    return Referral.objects.select_related(
        "case", "case__owner_org", "from_org", "to_org", "service", "sent_by", "consent"
    )


def get_referral_as_sender(user: Any, code: Any) -> Referral:
    """A referral of a case the user may see (its owner now)."""
    return _get(_referrals().filter(case__owner_org_id__in=orgs_with(user, Cap.CASE_VIEW)), code)


def get_referral(user: Any, code: Any) -> tuple[Referral, str]:
    """The referral and the side the user sees it from: "sender" (the case's organisation) or "receiver".
    404 to anyone else; the receiver gate (revoked, audited) is the service's job."""
    referral = _get(_referrals().select_related("case__person"), code)
    if can(user, Cap.CASE_VIEW, referral.case.owner_org_id):
        return referral, "sender"
    if not referral.outside and can(user, Cap.REFERRAL_RECEIVE, referral.to_org_id):
        return referral, "receiver"
    raise Http404


def incoming(user: Any, status: str = "open") -> QuerySet[Referral]:
    """Referrals sent to the user's organisations (never revoked ones: those are gone for the receiver)."""
    qs = _referrals().filter(to_org_id__in=orgs_with(user, Cap.REFERRAL_RECEIVE), outside=False)
    qs = qs.exclude(status=ReferralStatus.REVOKED)
    if status == "open":
        qs = qs.filter(status__in=OPEN_REFERRAL)
    elif status in ReferralStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-urgent", "sent_at", "id") if status == "open" else qs


def outgoing(user: Any, status: str = "open") -> QuerySet[Referral]:
    qs = (
        _referrals()
        .select_related("case__person")
        .filter(case__owner_org_id__in=orgs_with(user, Cap.REFERRAL_SEND))
    )
    if status == "open":
        qs = qs.filter(status__in=OPEN_REFERRAL)
    elif status in ReferralStatus.values:
        qs = qs.filter(status=status)
    return qs


def referrals_of(case: Case) -> list[Referral]:
    return list(
        Referral.objects.filter(case=case).select_related("to_org", "service", "sent_by").order_by("-sent_at")
    )


def transfers_of(case: Case) -> list[Transfer]:
    return list(
        Transfer.objects.filter(case=case)
        .select_related("from_org", "to_org", "requested_by", "decided_by")
        .order_by("-requested_at")
    )


def transfers_incoming(user: Any) -> QuerySet[Transfer]:
    return Transfer.objects.filter(
        to_org_id__in=orgs_with(user, Cap.CASE_TRANSFER), status=TransferStatus.REQUESTED
    ).select_related("case", "case__person__province", "from_org", "to_org", "requested_by")


def get_transfer(user: Any, code: Any) -> Transfer:
    """A transfer, to a supervisor of either side (or the case's own staff, who see its history)."""
    transfer = _get(
        Transfer.objects.select_related(
            "case", "case__person", "case__person__province", "from_org", "to_org"
        ),
        code,
    )
    if can(user, Cap.CASE_TRANSFER, transfer.to_org_id) and transfer.status == TransferStatus.REQUESTED:
        return transfer
    if can(user, Cap.CASE_TRANSFER, transfer.from_org_id):
        return transfer
    raise Http404


def due_dates(referral: Referral, settings: NetworkSettings) -> tuple[dt.datetime | None, bool]:
    """When the receiver's next step is due, and whether it is late."""
    now = timezone.now()
    if referral.status in (ReferralStatus.SENT, ReferralStatus.INFO):
        due = referral.sent_at + dt.timedelta(days=settings.accept_within_days)
    elif referral.status == ReferralStatus.ACCEPTED and referral.accepted_at:
        due = referral.accepted_at + dt.timedelta(days=settings.complete_within_days)
    else:
        return None, False
    return due, due < now


# ---- network figures --------------------------------------------------------------------------------------
def network_scope(user: Any) -> QuerySet[Referral] | None:
    """National figures to those who hold them; a supervisor sees the referrals their organisation sent or
    received. None: no figures for this user."""
    if can(user, Cap.STATS_NATIONAL):
        return Referral.objects.all()
    orgs = orgs_with(user, Cap.PLAN_APPROVE)
    if not orgs:
        return None
    return Referral.objects.filter(Q(from_org_id__in=orgs) | Q(to_org_id__in=orgs))


@dataclass
class Figures:
    label: str
    sent: int = 0
    accepted: int = 0
    declined: int = 0
    completed: int = 0
    revoked: int = 0
    open: int = 0
    overdue: int = 0
    _to_accept: list[float] = field(default_factory=list)
    _to_complete: list[float] = field(default_factory=list)

    @property
    def median_days_to_accept(self) -> float | None:
        return round(statistics.median(self._to_accept), 1) if self._to_accept else None

    @property
    def median_days_to_complete(self) -> float | None:
        return round(statistics.median(self._to_complete), 1) if self._to_complete else None

    @property
    def acceptance_rate(self) -> int | None:
        answered = self.accepted + self.declined
        return round(100 * self.accepted / answered) if answered else None


DAY = 86400.0


def network_figures(
    referrals: QuerySet[Referral], since: dt.date | None = None
) -> tuple[list[Figures], list[Figures], Figures]:
    """Per receiving organisation and per province of the service, the referrals sent, accepted, declined,
    completed, revoked, still open and overdue, with the median days from sending to acceptance and to
    completion. Times are computed in Python from one query (medians are not portable SQL)."""
    settings = NetworkSettings.current()
    now = timezone.now()
    qs = referrals
    if since:
        qs = qs.filter(sent_at__date__gte=since)
    rows = qs.values_list(
        "to_org__name",
        "to_org__short_name",
        "service__province__code",
        "to_org__province__code",
        "status",
        "sent_at",
        "accepted_at",
        "closed_at",
    )
    provinces = {a.code: a for a in Area.objects.filter(level=1, country__code="LA")}
    by_org: dict[str, Figures] = {}
    by_province: dict[str, Figures] = {}
    total = Figures(label="")
    for (
        org_name,
        short,
        svc_province,
        org_province,
        status,
        sent_at,
        accepted_at,
        closed_at,
    ) in rows:
        province_code = svc_province or org_province or ""
        province = provinces.get(province_code)
        targets = [
            by_org.setdefault(org_name, Figures(label=short or org_name)),
            by_province.setdefault(province_code, Figures(label=province.name if province else "—")),
            total,
        ]
        late = False
        if status in (ReferralStatus.SENT, ReferralStatus.INFO):
            late = sent_at + dt.timedelta(days=settings.accept_within_days) < now
        elif status == ReferralStatus.ACCEPTED and accepted_at:
            late = accepted_at + dt.timedelta(days=settings.complete_within_days) < now
        for f in targets:
            f.sent += 1
            f.accepted += accepted_at is not None
            f.declined += status == ReferralStatus.DECLINED
            f.completed += status == ReferralStatus.COMPLETED
            f.revoked += status == ReferralStatus.REVOKED
            f.open += status in OPEN_REFERRAL
            f.overdue += late
            if accepted_at:
                f._to_accept.append((accepted_at - sent_at).total_seconds() / DAY)
            if status == ReferralStatus.COMPLETED and closed_at:
                f._to_complete.append((closed_at - sent_at).total_seconds() / DAY)
    orgs = sorted(by_org.values(), key=lambda f: (-f.sent, f.label))
    by_prov = [by_province[code] for code in sorted(by_province)]
    return orgs, by_prov, total


# ---- gaps -------------------------------------------------------------------------------------------------
@dataclass
class Gap:
    province: Area | None
    district: Area | None
    plan_type: str
    cases: int


def gaps_scope(user: Any) -> QuerySet[Case] | None:
    if can(user, Cap.STATS_NATIONAL):
        return Case.objects.all()
    orgs = orgs_with(user, Cap.PLAN_APPROVE)
    return Case.objects.filter(owner_org_id__in=orgs) if orgs else None


def gaps(cases: QuerySet[Case]) -> list[Gap]:
    """Needs named in the current plans of open cases, where no open service of a matching type serves the
    person's home district (or, without a district, their province). Counts only: no one is named."""
    coverage: dict[str, tuple[bool, set[int]]] = {}
    for category, national, area_id in Service.objects.filter(status=ServiceStatus.ACTIVE).values_list(
        "category", "national", "areas__id"
    ):
        is_national, served = coverage.get(category, (False, set()))
        if area_id:
            served.add(area_id)
        coverage[category] = (is_national or national, served)
    districts_by_province: dict[int, set[int]] = defaultdict(set)
    for district_id, province_id in Area.objects.filter(level=2, country__code="LA").values_list(
        "id", "parent_id"
    ):
        districts_by_province[province_id].add(district_id)

    def covered(category: str, province_id: int | None, district_id: int | None) -> bool:
        national, served = coverage.get(category, (False, set()))
        if national:
            return True
        if district_id:
            return district_id in served or (province_id is not None and province_id in served)
        # Only the province is known: any service in the province or one of its districts will do.
        return province_id is not None and (
            province_id in served or bool(served & districts_by_province.get(province_id, set()))
        )

    plans = ReintegrationPlan.objects.filter(
        case__in=cases.filter(status__in=["Active", "FollowUp"]),
        status__in=[PlanStatus.APPROVED, PlanStatus.SUBMITTED, PlanStatus.DRAFT],
    ).values_list("case_id", "types", "case__person__province_id", "case__person__district_id")
    seen: set[tuple[int, str]] = set()
    counts: dict[tuple[int | None, int | None, str], int] = defaultdict(int)
    for case_id, types, province_id, district_id in plans:
        for plan_type in types or []:
            if (case_id, plan_type) in seen:
                continue
            seen.add((case_id, plan_type))
            categories = PLAN_TYPE_CATEGORIES.get(plan_type, ())
            if not any(covered(c, province_id, district_id) for c in categories):
                counts[(province_id, district_id, plan_type)] += 1
    areas = Area.objects.in_bulk({a for key in counts for a in key[:2] if a})
    out = [
        Gap(areas.get(p) if p else None, areas.get(d) if d else None, t, n) for (p, d, t), n in counts.items()
    ]
    return sorted(
        out,
        key=lambda g: (
            g.province.code if g.province else "~",
            g.district.code if g.district else "",
            g.plan_type,
        ),
    )


def waiting_count(user: Any) -> int:
    """For the menu: referrals waiting for the user's organisations to answer, questions from receivers
    waiting for the user's organisations, and transfers waiting for a decision."""
    count = 0
    receive = orgs_with(user, Cap.REFERRAL_RECEIVE)
    if receive:
        count += Referral.objects.filter(
            to_org_id__in=receive, status=ReferralStatus.SENT, outside=False
        ).count()
    send = orgs_with(user, Cap.REFERRAL_SEND)
    if send:
        count += Referral.objects.filter(case__owner_org_id__in=send, status=ReferralStatus.INFO).count()
    transfer = orgs_with(user, Cap.CASE_TRANSFER)
    if transfer:
        count += Transfer.objects.filter(to_org_id__in=transfer, status=TransferStatus.REQUESTED).count()
    return count
