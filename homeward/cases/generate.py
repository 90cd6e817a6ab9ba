"""Bulk creation of synthetic cases (demo and benchmarks). Encrypts and indexes exactly as the services do."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from homeward.accounts.models import Organisation, User
from homeward.cases.models import Case, CaseStatusChange, TraffickingEvent, VictimContext
from homeward.keys import keyring
from homeward.lib import names
from homeward.lib.codes import reference
from homeward.lib.synthetic import VILLAGES, synthetic_case
from homeward.people.models import NameKey, Person
from homeward.people.services import person_name_strings
from homeward.places.models import Area, Country


def generate_cases(
    *,
    count: int,
    organisations: Sequence[Organisation],
    caseworkers: dict[int, list[User]] | None = None,
    seed: int = 2026,
    batch_size: int = 500,
    progress: bool = False,
) -> int:
    rng = random.Random(seed)
    today = timezone.localdate()
    areas = {a.code: a for a in Area.objects.all()}
    countries = {c.code: c for c in Country.objects.filter(code__in=["LA", "TH", "CN", "MM", "KH", "MY"])}
    laos = countries["LA"]
    caseworkers = caseworkers or {}
    ring = keyring()
    used_refs = set(Case.objects.values_list("reference", flat=True))
    made = 0
    while made < count:
        size = min(batch_size, count - made)
        with transaction.atomic():
            drafts = [synthetic_case(rng, today) for _ in range(size)]
            people, cases = [], []
            for draft in drafts:
                org = organisations[rng.randrange(len(organisations))]
                province = areas[draft.origin_province]
                districts = [a for a in areas.values() if a.parent_id == province.id]
                people.append(
                    Person(
                        owner_org=org,
                        gender=draft.gender,
                        given_name_lo=draft.given_lo,
                        family_name_lo=draft.family_lo,
                        given_name_th=draft.given_th,
                        family_name_th=draft.family_th,
                        given_name_latin=draft.given_latin,
                        family_name_latin=draft.family_latin,
                        aliases="\n".join(draft.aliases),
                        birth_date=draft.birth_date.isoformat()
                        if draft.birth_exact
                        else str(draft.birth_date.year),
                        birth_year=draft.birth_date.year,
                        birth_date_is_exact=draft.birth_exact,
                        citizenship=laos,
                        primary_language="lo",
                        phone=draft.phone,
                        province=province,
                        district=rng.choice(districts) if districts else None,
                        address_detail=f"Ban {rng.choice(VILLAGES)}",
                    )
                )
            Person.objects.bulk_create(people)
            keys = []
            for person in people:
                for level, value in names.name_keys(person_name_strings(person)):
                    keys.append(
                        NameKey(
                            person=person,
                            digest=ring.blind_index(value, level),
                            level=level,
                            key_id=ring.index.primary,
                        )
                    )
            NameKey.objects.bulk_create(keys, ignore_conflicts=True)
            for person, draft in zip(people, drafts, strict=True):
                ref = reference("HW")
                while ref in used_refs:
                    ref = reference("HW")
                used_refs.add(ref)
                workers = caseworkers.get(person.owner_org_id) or [None]
                cases.append(
                    Case(
                        reference=ref,
                        person=person,
                        owner_org_id=person.owner_org_id,
                        caseworker=rng.choice(workers),
                        status=draft.status,
                        opened_on=draft.opened_on,
                        closed_on=min(draft.opened_on + dt.timedelta(days=rng.randint(90, 400)), today)
                        if draft.closure_reason
                        else None,
                        closure_reason=draft.closure_reason,
                    )
                )
            Case.objects.bulk_create(cases)
            victims, events, changes = [], [], []
            for case, draft in zip(cases, drafts, strict=True):
                victims.append(
                    VictimContext(
                        case=case,
                        trafficking_status=draft.trafficking_status,
                        status_decided_by="Police"
                        if draft.trafficking_status == "ActualVictimOfTrafficking"
                        else "",
                        agreement_to_manage_data=True,
                        age_when_trafficked=max(draft.recruited_on.year - draft.birth_date.year, 0),
                        exploitation_types=draft.exploitation,
                        forced_labour_industry=draft.industry,
                        methods_of_control=draft.control,
                        methods_of_recruitment=draft.recruitment,
                        vulnerabilities=draft.vulnerabilities,
                    )
                )
                for kind, when, country_code, area_code in draft.events:
                    events.append(
                        TraffickingEvent(
                            case=case,
                            type=kind,
                            date=when,
                            country=countries[country_code],
                            area=areas.get(area_code) if area_code else None,
                        )
                    )
                changes.append(
                    CaseStatusChange(
                        case=case,
                        from_status="",
                        to_status="Active",
                        changed_at=timezone.make_aware(dt.datetime.combine(case.opened_on, dt.time(9))),
                    )
                )
                if case.status != "Active":
                    changes.append(
                        CaseStatusChange(
                            case=case,
                            from_status="Active",
                            to_status=case.status,
                            changed_at=timezone.make_aware(
                                dt.datetime.combine(case.closed_on or today, dt.time(10))
                            ),
                        )
                    )
            VictimContext.objects.bulk_create(victims)
            TraffickingEvent.objects.bulk_create(events)
            CaseStatusChange.objects.bulk_create(changes)
        made += size
        if progress:
            print(f"  {made}/{count}", flush=True)
    analyze_tables()
    return made


def analyze_tables() -> None:
    """Refresh the planner's statistics after a bulk load. Without them SQLite drives the name search from an
    organisation's whole list of people instead of the digest index (bench/README.md)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
