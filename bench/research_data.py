"""The research benchmarks' shared database: N synthetic cases with everything the research dashboards and
releases read (returns, handovers, transit stays, reintegration plans, scored follow-up visits, closures,
referrals to a service directory, cases that follow earlier ones, research consents).

Used by bench/dashboards.py and bench/release.py; each of them runs one child process per database, which
calls ``prepare()`` here. Both scripts use the same database, so ``--reuse`` lets the second one skip the
generation the first one did:

- SQLite: var/bench/research/research.sqlite3;
- PostgreSQL: homeward_bench_research on 127.0.0.1:5432, user postgres (dropped and recreated).

HOMEWARD_VAR_DIR is var/bench/research (its own key file, documents and release files), so this never touches
the other benchmarks' files. Generation is not part of any measured figure, but its time is recorded in
var/bench/research/generation-<db>.json and carried into each result file.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import _database_version, _machine, fresh_database, percentile, pg_database_exists

PROJECT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT / "var" / "bench" / "research"
RESULTS = PROJECT / "bench" / "results"
SQLITE_PATH = VAR_DIR / "research.sqlite3"
PG_NAME = "homeward_bench_research"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
GENERATION_CHUNK = 5000
ORG_NAMES = [
    "Bench research organisation A",
    "Bench research organisation B",
    "Bench research organisation C",
]
RESEARCH_ORG = "Bench research institute"
# Cases are spread over a team per organisation (generate_cases picks one at random for each case), so that one
# caseworker holds about 670 of 100,000 cases: the menu of a caseworker counts their own overdue work.
CASEWORKERS_PER_ORG = 50
PROVIDERS = 10
SERVICES = 50
FACILITIES = 3
ROOMS_PER_FACILITY = 12
BEDS_PER_ROOM = 10
# Shares of all cases (the brief of the benchmark).
P_RETURNEE = 0.60  # a return request and a returnee; 95 % of them also handed over at the border
P_HANDED_OVER = 0.95
P_STAY_OF_HANDED = 0.70  # 0.60 * 0.95 * 0.70 = 40 % of all cases stayed at a transit centre
P_PLAN = 0.70  # an approved reintegration plan
P_REFERRAL = 0.20
P_RESEARCH_CONSENT = 0.85
P_FOLLOWS = 0.03

__all__ = [
    "_database_version",
    "_machine",
    "child_env",
    "code_fingerprint",
    "parent_env",
    "percentile",
    "prepare",
]


def code_fingerprint() -> dict[str, str]:
    """SHA-256 (first 12 hex digits) and time of change of the code measured: other people change homeward/
    while benchmarks run, so every result file says which version it timed."""
    import hashlib

    files = [
        *sorted((PROJECT / "homeward" / "research").glob("*.py")),
        *sorted((PROJECT / "homeward" / "templates" / "research").glob("*.html")),
        PROJECT / "homeward" / "reintegration" / "selectors.py",
        PROJECT / "homeward" / "context_processors.py",
    ]
    out = {}
    for path in files:
        stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat(timespec="seconds")
        out[str(path.relative_to(PROJECT))] = f"{hashlib.sha256(path.read_bytes()).hexdigest()[:12]} {stamp}"
    return out


def parent_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "HOMEWARD_KEYS")}


def child_env(db: str) -> None:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    os.environ["HOMEWARD_VAR_DIR"] = str(VAR_DIR)
    os.environ.pop("HOMEWARD_KEYS", None)  # the bench's own key file, var/bench/research/keys.json
    os.environ.pop("HOMEWARD_KEY_FILE", None)
    os.environ.pop("HOMEWARD_DOCUMENT_ROOT", None)
    os.environ["HOMEWARD_DEBUG"] = "0"  # no query log, as in production
    os.environ["DJANGO_SETTINGS_MODULE"] = "homeward.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}" if db == "sqlite" else PG_URL


def prepare(db: str, cases: int, seed: int, reuse: bool) -> dict[str, Any]:
    """Set up Django on a bench database holding ``cases`` cases (generated unless --reuse finds them) and
    return what is known of the generation. Call child_env(db) first."""
    meta_file = VAR_DIR / f"generation-{db}.json"
    exists = SQLITE_PATH.exists() if db == "sqlite" else pg_database_exists(PG_NAME)
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
    reuse = (
        reuse
        and exists
        and (VAR_DIR / "keys.json").exists()
        and meta.get("cases") == cases
        and meta.get("seed") == seed
        and meta.get("complete")
    )
    if not reuse:
        meta_file.unlink(missing_ok=True)
        fresh_database(db, SQLITE_PATH, PG_NAME)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("keys", "init", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrations: {time.perf_counter() - started:.1f} s", flush=True)

    if reuse and not _populated(cases):
        print("--reuse: the database does not hold the requested data; starting afresh", flush=True)
        from django.db import connections

        connections.close_all()
        fresh_database(db, SQLITE_PATH, PG_NAME)
        call_command("migrate", verbosity=0, interactive=False)
        reuse = False
    if reuse:
        print(f"reusing the populated database ({cases} cases)", flush=True)
        if refresh_figures(meta):
            meta["maintenance"] = maintenance()
            meta_file.write_text(json.dumps(meta, indent=2), encoding="utf-8")
        meta["reused"] = True
        return meta
    meta = populate(cases, seed)
    refresh_figures(meta)
    meta["maintenance"] = maintenance()
    meta["complete"] = True
    meta_file.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    meta["reused"] = False
    return meta


def refresh_figures(meta: dict[str, Any]) -> bool:
    """Where the project keeps figures tables for the dashboards (``homeward research-refresh``), rebuild them
    once after the bulk load, as its documentation asks after bulk_create of related rows (which sends no
    signals). Versions without the command need nothing. Returns whether it ran."""
    from django.core.management import call_command, get_commands

    if "research-refresh" not in get_commands() or meta.get("figures_refreshed"):
        return False
    started = time.perf_counter()
    call_command("research-refresh", stdout=open(os.devnull, "w"))  # noqa: SIM115
    meta["figures_refreshed"] = True
    meta["figures_refresh_seconds"] = round(time.perf_counter() - started, 1)
    print(f"research-refresh: {meta['figures_refresh_seconds']} s", flush=True)
    return True


def _populated(cases: int) -> bool:
    from homeward.accounts.models import Organisation
    from homeward.cases.models import Case

    return (
        Organisation.objects.filter(name__in=ORG_NAMES).count() == len(ORG_NAMES)
        and Case.objects.count() == cases
    )


def maintenance() -> str:
    """PostgreSQL: VACUUM ANALYZE (the state autovacuum reaches soon after a bulk load). SQLite: ANALYZE, which
    generate_cases (and so `homeward generate`) already runs after every call; the related rows added here
    come after its last run, so it is run once more."""
    from django.db import connection

    statement = "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()  # measure on a connection that loads the new statistics
    print(f"{statement}: {time.perf_counter() - started:.1f} s", flush=True)
    return statement


# ---------------------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------------------


def populate(count: int, seed: int) -> dict[str, Any]:
    from django.db import transaction

    from homeward.accounts.capabilities import Role
    from homeward.accounts.models import Membership, Organisation, OrgType, User
    from homeward.cases.generate import generate_cases
    from homeward.places.models import Area, Country
    from homeward.places.services import places_load

    started = time.perf_counter()
    places_load()
    print(f"places loaded: {time.perf_counter() - started:.1f} s", flush=True)
    laos = Country.objects.get(code="LA")
    provinces = {a.code: a for a in Area.objects.filter(level=1, country__code="LA")}
    with transaction.atomic():
        orgs, workers = [], {}
        for index, name in enumerate(ORG_NAMES):
            org = Organisation.objects.create(
                name=name,
                short_name=f"Bench {index + 1}",
                type=OrgType.NGO,
                country=laos,
                province=provinces[["LA01", "LA13", "LA16"][index]],
            )
            team = []
            for number in range(CASEWORKERS_PER_ORG):
                suffix = f"{index + 1}" if number == 0 else f"{index + 1}.{number + 1}"
                user = User.objects.create(
                    username=f"bench.caseworker{suffix}", display_name=f"Bench caseworker {suffix}"
                )
                Membership.objects.create(user=user, organisation=org, role=Role.CASEWORKER)
                team.append(user)
            orgs.append(org)
            workers[org.id] = team
        supervisor = User.objects.create(username="bench.supervisor", display_name="Bench supervisor")
        for org in orgs:
            Membership.objects.create(user=supervisor, organisation=org, role=Role.SUPERVISOR)
        institute = Organisation.objects.create(
            name=RESEARCH_ORG, short_name="Bench research", type=OrgType.INTERNATIONAL, country=laos
        )
        researcher = User.objects.create(username="bench.researcher", display_name="Bench researcher")
        Membership.objects.create(user=researcher, organisation=institute, role=Role.RESEARCHER)
        coordinator = User.objects.create(username="bench.coordinator", display_name="Bench coordinator")
        Membership.objects.create(user=coordinator, organisation=institute, role=Role.NATIONAL_COORDINATOR)

    print(f"generating {count} people and cases over {len(orgs)} organisations", flush=True)
    started = time.perf_counter()
    made = 0
    chunk_index = 0
    while made < count:
        size = min(GENERATION_CHUNK, count - made)
        made += generate_cases(
            count=size, organisations=orgs, caseworkers=workers, seed=seed * 1000 + chunk_index
        )
        chunk_index += 1
        elapsed = time.perf_counter() - started
        rate = made / elapsed
        print(
            f"  {made:>7}/{count}  {elapsed:6.0f} s  {rate:5.0f}/s  ~{(count - made) / rate:4.0f} s left",
            flush=True,
        )
    cases_seconds = time.perf_counter() - started

    started = time.perf_counter()
    counts = _related(orgs, supervisor, seed)
    related_seconds = time.perf_counter() - started

    started = time.perf_counter()
    from homeward.training.demo import generate_training

    counts["training_participations"] = generate_training(orgs=orgs, coordinator=coordinator, seed=seed)
    training_seconds = time.perf_counter() - started
    print(
        f"generated {made} cases in {cases_seconds:.0f} s, related rows in {related_seconds:.0f} s, "
        f"training in {training_seconds:.1f} s",
        flush=True,
    )
    return {
        "cases": made,
        "seed": seed,
        "rows": counts,
        "cases_seconds": round(cases_seconds, 1),
        "related_seconds": round(related_seconds, 1),
        "training_seconds": round(training_seconds, 1),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _bulk(model: Any, objects: list[Any], label: str) -> list[Any]:
    """bulk_create in transactions of 10,000 rows (primary keys are set on both databases)."""
    from django.db import transaction

    started = time.perf_counter()
    for i in range(0, len(objects), 10_000):
        with transaction.atomic():
            model.objects.bulk_create(objects[i : i + 10_000], batch_size=1000)
    print(f"  {label:<28} {len(objects):>8} rows  {time.perf_counter() - started:6.1f} s", flush=True)
    return objects


def _related(orgs: list[Any], supervisor: Any, seed: int) -> dict[str, int]:
    from django.utils import timezone

    from homeward.accounts.models import Organisation, OrgType
    from homeward.cases.models import Case, Consent
    from homeward.cases.picklists import ConsentPurpose, FollowsReason
    from homeward.places.models import Area, BorderCheckpoint, Country
    from homeward.referrals.models import Referral, Service
    from homeward.referrals.picklists import ServiceCategory
    from homeward.reintegration.demo import ensure_default_config
    from homeward.reintegration.models import ClosureRequest, FollowUpVisit, ReintegrationPlan, SurveyResponse
    from homeward.returns.models import Bed, Facility, Handover, Returnee, ReturnRequest, Room, Stay

    rng = random.Random(seed * 7919 + 1)
    today = timezone.localdate()
    now = timezone.now()
    config = ensure_default_config()
    weights = {d: Decimal(str(config.dimension_weight(d))) for d in ("economic", "social", "psychosocial")}
    weight_sum = sum(weights.values())
    provinces = list(Area.objects.filter(level=1, country__code="LA").order_by("code"))
    countries = {c.code: c for c in Country.objects.filter(code__in=["LA", "TH", "KH", "CN", "MY"])}
    checkpoints = list(BorderCheckpoint.objects.order_by("code"))
    checkpoints_to = {
        code: [c for c in checkpoints if c.other_country_id == country.id] or checkpoints
        for code, country in countries.items()
    }
    org_ids = [o.id for o in orgs]

    # Partner agencies abroad, service providers, the directory, transit centres.
    agencies = []
    for index, (name, code) in enumerate(
        [
            ("Bench shelter, Nonthaburi", "TH"),
            ("Bench shelter, Songkhla", "TH"),
            ("Bench police division, Bangkok", "TH"),
            ("Bench NGO, Phnom Penh", "KH"),
            ("Bench embassy desk, Kunming", "CN"),
        ]
    ):
        agencies.append(
            Organisation.objects.create(
                name=name,
                short_name=f"Agency {index + 1}",
                type=OrgType.CENTRAL_GOVERNMENT,
                country=countries[code],
                is_external=True,
            )
        )
    agency_weights = [40, 25, 15, 12, 8]
    providers = []
    for index in range(PROVIDERS):
        province = provinces[(index * 5) % len(provinces)]
        providers.append(
            Organisation.objects.create(
                name=f"Bench provider {index + 1}",
                short_name=f"Provider {index + 1}",
                type=[OrgType.HEALTH, OrgType.LEGAL, OrgType.NGO, OrgType.SCHOOL][index % 4],
                country=countries["LA"],
                province=province,
                is_external=index % 3 == 0,
            )
        )
    categories = list(ServiceCategory.values)
    services = _bulk(
        Service,
        [
            Service(
                organisation=providers[index % PROVIDERS],
                name=f"Bench service {index + 1}",
                category=categories[index % len(categories)],
                status="active" if index % 17 else "temporarily closed",
                province=rng.choice(provinces) if index % 4 else providers[index % PROVIDERS].province,
                national=index % 11 == 0,
                languages=["lo"],
                assured_on=today - dt.timedelta(days=rng.randint(10, 300)),
            )
            for index in range(SERVICES)
        ],
        "directory services",
    )
    facilities = _bulk(
        Facility,
        [
            Facility(
                organisation=orgs[index % len(orgs)],
                name=f"Bench transit centre {index + 1}",
                province=provinces[[0, 12, 15][index % 3]],
            )
            for index in range(FACILITIES)
        ],
        "transit centres",
    )
    rooms = _bulk(
        Room,
        [
            Room(
                facility=facility,
                name=f"Room {r + 1}",
                age_group="children" if r % 4 == 3 else "adults",
                sex="male" if r % 3 == 2 else "female",
            )
            for facility in facilities
            for r in range(ROOMS_PER_FACILITY)
        ],
        "rooms",
    )
    beds = _bulk(
        Bed,
        [Bed(room=room, label=f"Bed {b + 1}") for room in rooms for b in range(BEDS_PER_ROOM)],
        "beds",
    )
    beds_of: dict[int, list[int]] = {f.id: [] for f in facilities}
    room_facility = {room.id: room.facility_id for room in rooms}
    for bed in beds:
        beds_of[room_facility[bed.room_id]].append(bed.id)
    free_beds = {f: list(ids) for f, ids in beds_of.items()}
    for ids in free_beds.values():
        rng.shuffle(ids)

    rows = list(
        Case.objects.filter(owner_org_id__in=org_ids)
        .order_by("id")
        .values_list(
            "id", "opened_on", "closed_on", "owner_org_id", "caseworker_id", "closure_reason", "person_id"
        )
    )

    returnee_cases = []  # (case id, org, opened, worker, handover day or None)
    return_day: dict[int, dt.date] = {}
    stays, plans, visits, scores, closures, referrals, consents = [], [], [], [], [], [], []
    research_consents = []
    for case_id, opened, closed, org, worker, reason, _person in rows:
        # Return request, border handover, transit stay.
        handed = None
        if rng.random() < P_RETURNEE:
            day = opened + dt.timedelta(days=rng.randint(7, 60))
            if closed and day > closed:
                day = opened + dt.timedelta(days=max(1, (closed - opened).days // 3))
            if rng.random() < P_HANDED_OVER and day < today:
                handed = day
                return_day[case_id] = day
            returnee_cases.append((case_id, org, opened, worker, handed))
        if handed and rng.random() < P_STAY_OF_HANDED:
            facility = facilities[rng.choices(range(FACILITIES), weights=[5, 3, 2])[0]].id
            admitted = _at(handed, 15, rng.randint(0, 59))
            discharged = admitted + dt.timedelta(days=rng.randint(3, 21), hours=rng.randint(-6, 6))
            status, bed = "discharged", rng.choice(beds_of[facility])
            if admitted >= now:
                admitted, discharged = now - dt.timedelta(hours=2), None
            if discharged is None or discharged >= now:
                if free_beds[facility]:
                    status, bed, discharged = "admitted", free_beds[facility].pop(), None
                else:
                    discharged = max(admitted, now - dt.timedelta(hours=1))
            stays.append(
                Stay(
                    case_id=case_id,
                    facility_id=facility,
                    status=status,
                    expected_on=handed,
                    bed_id=bed,
                    admitted_at=admitted,
                    admitted_by=None,
                    discharged_at=discharged,
                    destination_province=rng.choice(provinces) if discharged else None,
                )
            )
        # Approved reintegration plan, follow-up visits with scored surveys.
        base = handed or opened
        p_plan = (
            0.85
            if handed
            else (P_PLAN - 0.85 * P_RETURNEE * P_HANDED_OVER) / (1 - P_RETURNEE * P_HANDED_OVER)
        )
        if rng.random() < p_plan:
            approved = base + dt.timedelta(days=rng.randint(14, 120))
            if closed:
                approved = min(approved, closed - dt.timedelta(days=rng.randint(5, 60)))
                approved = max(approved, base)
            if approved < today:
                approved_at = _at(approved, rng.randint(8, 17), rng.randint(0, 59))
                plans.append(
                    ReintegrationPlan(
                        case_id=case_id,
                        version=1,
                        status="approved",
                        types=rng.sample(
                            ["Livelihood", "Health", "Education", "SocialCare", "Financial"], k=2
                        ),
                        planned_end=base + dt.timedelta(days=365),
                        created_by_id=worker,
                        created_at=approved_at - dt.timedelta(days=rng.randint(3, 20)),
                        submitted_by_id=worker,
                        submitted_at=approved_at - dt.timedelta(days=rng.randint(1, 3)),
                        approved_by=supervisor,
                        approved_at=approved_at,
                    )
                )
                level = rng.uniform(0.2, 0.55)
                months_of = {2: (3, 6), 3: (3, 6, 12), 4: (0, 3, 6, 12)}[rng.randint(2, 4)]
                for months in months_of:
                    due = approved if months == 0 else base + dt.timedelta(days=30 * months)
                    done = due <= today
                    visit = FollowUpVisit(
                        case_id=case_id,
                        months_after_return=months,
                        due_on=due,
                        status="done" if done else "due",
                        visited_on=due if done else None,
                        mode=rng.choice(["home", "home", "phone", "office"]) if done else "",
                        recorded_by_id=worker if done else None,
                        recorded_at=_at(due, 16) if done else None,
                    )
                    visits.append(visit)
                    if done:
                        level = min(0.95, max(0.05, level + rng.uniform(-0.1, 0.18)))
                        dims = {d: min(1.0, max(0.0, level + rng.uniform(-0.15, 0.15))) for d in weights}
                        values = {d: Decimal(f"{v:.4f}") for d, v in dims.items()}
                        composite = sum(values[d] * weights[d] for d in weights) / weight_sum
                        scores.append((visit, values, composite.quantize(Decimal("0.0001"))))
        # Closure request behind each closed case.
        if closed:
            closures.append(
                ClosureRequest(
                    case_id=case_id,
                    reason=reason or "Other",
                    referred=reason == "hw_Referred",
                    status="approved",
                    requested_by_id=worker,
                    requested_at=_at(closed - dt.timedelta(days=rng.randint(1, 10)), 10),
                    decided_by=supervisor,
                    decided_at=_at(closed, 11),
                )
            )
        # Referral to a service of the directory, under a consent to share with its organisation.
        if rng.random() < P_REFERRAL:
            sent_day = opened + dt.timedelta(days=rng.randint(3, 300))
            if sent_day < today:
                service = rng.choice(services)
                sent_at = _at(sent_day, 9, rng.randint(0, 59))
                state = rng.choices(
                    ["completed", "accepted", "sent", "info", "declined", "revoked"],
                    weights=[45, 12, 8, 3, 15, 17],
                )[0]
                accepted_at = closed_at = None
                if state in ("accepted", "completed"):
                    accepted_at = sent_at + dt.timedelta(hours=rng.uniform(2, 120))
                    if accepted_at >= now:
                        state, accepted_at = "sent", None
                if state == "completed":
                    closed_at = accepted_at + dt.timedelta(days=rng.uniform(2, 45))
                    if closed_at >= now:
                        state, closed_at = "accepted", None
                if state in ("declined", "revoked"):
                    closed_at = sent_at + dt.timedelta(days=rng.uniform(0.5, 10))
                    if closed_at >= now:
                        state, closed_at = "sent", None
                consent = Consent(
                    case_id=case_id,
                    purpose=ConsentPurpose.SHARING,
                    shared_with_id=service.organisation_id,
                    granted=True,
                    given_on=sent_day,
                    recorded_by_id=worker,
                )
                consents.append(consent)
                referrals.append(
                    Referral(
                        reference=f"RF-B{len(referrals) + 1:07d}",
                        case_id=case_id,
                        from_org_id=org,
                        to_org_id=service.organisation_id,
                        service=service,
                        category=service.category,
                        outside=service.organisation_id in {p.id for p in providers if p.is_external},
                        sections=["identity", "contact"],
                        urgent=rng.random() < 0.1,
                        consent=consent,
                        status=state,
                        sent_by_id=worker,
                        sent_at=sent_at,
                        accepted_at=accepted_at,
                        closed_at=closed_at,
                    )
                )
        if rng.random() < P_RESEARCH_CONSENT:
            research_consents.append(
                Consent(
                    case_id=case_id,
                    purpose=ConsentPurpose.RESEARCH,
                    granted=True,
                    given_on=opened,
                    recorded_by_id=worker,
                )
            )

    # Return requests group 1-3 people of one organisation who came home about the same time.
    returnee_cases.sort(key=lambda r: (r[1], r[2], r[0]))
    requests, members = [], []
    i = 0
    while i < len(returnee_cases):
        size = rng.choices([1, 2, 3], weights=[60, 25, 15])[0]
        group = [r for r in returnee_cases[i : i + size] if r[1] == returnee_cases[i][1]]
        i += len(group)
        agency = agencies[rng.choices(range(len(agencies)), weights=agency_weights)[0]]
        requests.append(
            ReturnRequest(
                reference=f"RQ-B{len(requests) + 1:07d}",
                owner_org_id=group[0][1],
                requesting_agency=agency,
                host_country_id=agency.country_id,
                received_on=min(r[2] for r in group),
                documents_received=["case_file", "identity", "photo"][: rng.randint(1, 3)],
                created_by_id=group[0][3],
            )
        )
        members.append(group)
    _bulk(ReturnRequest, requests, "return requests")
    current = {s.case_id for s in stays if s.status == "admitted"}
    returnees = []
    for request, group in zip(requests, members, strict=True):
        for case_id, _org, _opened, _worker, handed in group:
            if handed:
                stage = "in_transit" if case_id in current else "home"
            else:
                stage = rng.choice(["requested", "tracing", "assessed", "travel", "cancelled"])
            returnees.append(Returnee(request=request, case_id=case_id, stage=stage))
    _bulk(Returnee, returnees, "returnees")
    agency_of = {r.id: r.requesting_agency for r in requests}
    handovers = []
    by_case = {r[0]: r for r in returnee_cases}
    for returnee in returnees:
        _case, _org, _opened, worker, handed = by_case[returnee.case_id]
        if handed:
            handovers.append(
                Handover(
                    returnee=returnee,
                    checkpoint=rng.choice(checkpoints_to[agency_of[returnee.request_id].country.code]),
                    handed_over_at=_at(handed, 10, rng.randint(0, 59)),
                    handed_over_by_org=agency_of[returnee.request_id],
                    received_by_id=worker,
                    documents=["travel", "case_file"],
                )
            )
    _bulk(Handover, handovers, "handovers")
    _bulk(Stay, stays, "transit stays")
    _bulk(ReintegrationPlan, plans, "approved plans")
    _bulk(FollowUpVisit, visits, "follow-up visits")
    _bulk(
        SurveyResponse,
        [
            SurveyResponse(
                visit=visit,
                config=config,
                economic=values["economic"],
                social=values["social"],
                psychosocial=values["psychosocial"],
                composite=composite,
            )
            for visit, values, composite in scores
        ],
        "survey responses",
    )
    _bulk(ClosureRequest, closures, "closure requests")
    _bulk(Consent, consents, "sharing consents")
    for referral in referrals:
        referral.consent_id = referral.consent.id
    _bulk(Referral, referrals, "referrals")
    _bulk(Consent, research_consents, "research consents")

    # Later cases of the same person, linked to the earlier (closed) case as trafficked or migrated again.
    by_opened = sorted(rows, key=lambda r: r[1])
    opened_days = [r[1] for r in by_opened]
    closed_rows = [r for r in rows if r[2] and (today - r[2]).days > 60]
    wanted = int(len(rows) * P_FOLLOWS)
    used: set[int] = set()
    updates = []
    for earlier in rng.sample(closed_rows, min(len(closed_rows), wanted * 2)):
        if len(updates) >= wanted:
            break
        start = bisect.bisect_right(opened_days, earlier[2] + dt.timedelta(days=30))
        if start >= len(by_opened) or earlier[0] in used:
            continue
        later = by_opened[rng.randrange(start, len(by_opened))]
        if later[0] in used:
            continue
        used.update((earlier[0], later[0]))
        updates.append(
            Case(
                id=later[0],
                follows_id=earlier[0],
                follows_reason=FollowsReason.RE_TRAFFICKED
                if rng.random() < 0.65
                else FollowsReason.RE_MIGRATED,
                person_id=earlier[6],
            )
        )
    started = time.perf_counter()
    Case.objects.bulk_update(updates, ["follows", "follows_reason", "person"], batch_size=500)
    print(
        f"  {'cases following earlier ones':<28} {len(updates):>8} rows  {time.perf_counter() - started:6.1f} s"
    )

    return {
        "return_requests": len(requests),
        "returnees": len(returnees),
        "handovers": len(handovers),
        "transit_stays": len(stays),
        "stays_admitted_now": len(current),
        "beds": len(beds),
        "approved_plans": len(plans),
        "follow_up_visits": len(visits),
        "survey_responses": len(scores),
        "closure_requests": len(closures),
        "services": len(services),
        "referrals": len(referrals),
        "sharing_consents": len(consents),
        "research_consents": len(research_consents),
        "cases_following_earlier": len(updates),
    }
