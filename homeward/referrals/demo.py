"""Demo referral network: a directory covering all 18 provinces with realistic gaps (no legal aid or
vocational training in several northern provinces, one hospital entry temporarily closed), referrals in every
state with realistic timings, and transfers waiting, accepted and declined. Synthetic organisations and people."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from homeward.accounts.models import Organisation, OrgType
from homeward.cases.models import Case, Consent
from homeward.cases.services import consent_record, consent_withdraw
from homeward.places.geo import province_centres
from homeward.places.models import Area, Country
from homeward.referrals import services
from homeward.referrals.models import Referral, ReferralEvent, Service, Transfer
from homeward.reintegration.models import ServiceDelivered

PROVINCES = [f"LA{n:02d}" for n in range(1, 19)]
MESSAGES = {
    "legal": [
        "Needs advice on a debt the broker says she owes (synthetic).",
        "Asks for help to get her wages back from the employer (synthetic).",
    ],
    "shelter": [
        "Cannot go home yet: the recruiter lives in the same village (synthetic).",
        "Needs a safe place for a few weeks while the family is prepared (synthetic).",
    ],
    "health": [
        "Needs a health check after return, and follow-up for headaches (synthetic).",
        "Asks for a women's health check (synthetic).",
    ],
}
# Provinces where a provider of each kind works (the rest are the gaps the gaps view shows).
LEGAL_AID = ["LA01", "LA13", "LA16", "LA11", "LA10"]
VOCATIONAL = ["LA01", "LA06", "LA10", "LA11", "LA12", "LA13", "LA15", "LA16"]
GRANTS = ["LA01", "LA12", "LA13", "LA14", "LA15", "LA16"]
NO_HOSPITAL_ENTRY = ["LA18"]  # Xaisomboun: not yet listed
CLOSED_HOSPITAL = "LA07"


def _area(code: str) -> Area:
    return Area.objects.get(code=code)


def _point(code: str, rng: random.Random) -> tuple[Decimal, Decimal]:
    lon, lat = province_centres()[code]
    return (
        Decimal(str(round(lat + rng.uniform(-0.08, 0.08), 6))),
        Decimal(str(round(lon + rng.uniform(-0.08, 0.08), 6))),
    )


def _entry(actor: Any, rng: random.Random, org: Organisation, province: str, **fields: Any) -> Service:
    areas = fields.pop("areas", None)
    national = fields.get("national", False)
    latitude, longitude = _point(province, rng)
    service = Service(
        organisation=org,
        province=_area(province),
        latitude=latitude,
        longitude=longitude,
        languages=fields.pop("languages", ["lo"]),
        assured_on=timezone.localdate() - dt.timedelta(days=rng.randint(10, 200)),
        **fields,
    )
    chosen = [] if national else [_area(a) for a in (areas or [province])]
    return services.service_save(actor=actor, service=service, areas=chosen)


def generate_directory(*, orgs: list[Organisation], coordinator: Any, seed: int = 2026) -> int:
    """orgs: MoLSW, Savannakhet province office, LWU, legal-aid NGO, IOM (the demo's organisations)."""
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
    molsw, savannakhet, lwu, legal, iom = orgs
    laos = Country.objects.get(code="LA")
    made = 0
    with transaction.atomic():
        _entry(
            coordinator,
            rng,
            lwu,
            "LA01",
            name="LWU counselling hotline",
            name_lo="ສາຍດ່ວນໃຫ້ຄຳປຶກສາ ສະຫະພັນແມ່ຍິງ",
            category="psychosocial",
            national=True,
            languages=["lo", "th", "en"],
            hours="Every day, 8:00-20:00",
            phone="1362",
            description="Confidential telephone counselling in Lao and Thai (demo).",
        )
        _entry(
            coordinator,
            rng,
            lwu,
            "LA01",
            name="LWU safe house",
            name_lo="ເຮືອນປອດໄພ ສະຫະພັນແມ່ຍິງ",
            category="shelter",
            sex="female",
            capacity=24,
            available=5,
            areas=["LA01", "LA10"],
            description="Short stays for women and girls who cannot go home yet (demo).",
        )
        _entry(
            coordinator,
            rng,
            molsw,
            "LA01",
            name="Transit centre family tracing",
            category="family",
            national=True,
            languages=["lo", "th"],
            description="Family tracing and mediation before return (demo).",
        )
        _entry(
            coordinator,
            rng,
            savannakhet,
            "LA13",
            name="Civil documents desk",
            category="documents",
            areas=["LA13", "LA12", "LA14"],
            description="Help with family books and ID cards (demo).",
        )
        made += 4
        for province in LEGAL_AID:
            _entry(
                coordinator,
                rng,
                legal,
                province,
                name=f"Legal aid clinic — {_area(province).name_en}",
                category="legal",
                languages=["lo", "en"] if province == "LA01" else ["lo"],
                waiting_days=rng.choice([3, 7, 14]),
                application_process="Referral letter, or come with a caseworker (demo).",
            )
            made += 1
        for province in GRANTS:
            _entry(
                coordinator,
                rng,
                iom,
                province,
                name=f"Reintegration grants — {_area(province).name_en}",
                category="livelihood",
                min_age=18,
                languages=["lo", "en"],
                description="Small-business grants in instalments, with coaching (demo).",
            )
            made += 1
        for index, province in enumerate(PROVINCES):
            name = _area(province).name_en
            hospital, _created = Organisation.objects.get_or_create(
                name=f"{name} Provincial Hospital (demo)",
                defaults={
                    "short_name": f"Hospital {name}",
                    "type": OrgType.HEALTH,
                    "is_external": True,
                    "country": laos,
                    "province": _area(province),
                    "phone": f"+856 {20 + index} 000 000",
                },
            )
            if province not in NO_HOSPITAL_ENTRY:
                _entry(
                    coordinator,
                    rng,
                    hospital,
                    province,
                    name="Outpatient and women's health",
                    category="health",
                    status="temporarily closed" if province == CLOSED_HOSPITAL else "active",
                    hours="Mon-Fri 8:00-16:00",
                    fees="Free for referred survivors (demo)",
                )
                made += 1
            if province in VOCATIONAL:
                school, _created = Organisation.objects.get_or_create(
                    name=f"{name} Technical and Vocational School (demo)",
                    defaults={
                        "short_name": f"TVET {name}",
                        "type": OrgType.SCHOOL,
                        "is_external": True,
                        "country": laos,
                        "province": _area(province),
                    },
                )
                _entry(
                    coordinator,
                    rng,
                    school,
                    province,
                    name="Tailoring and hairdressing course",
                    category="vocational",
                    sex="female" if index % 3 == 0 else "",
                    min_age=15,
                    max_age=35,
                    capacity=30,
                    available=rng.randint(0, 8),
                    languages=["lo"],
                )
                _entry(
                    coordinator,
                    rng,
                    school,
                    province,
                    name="Motorbike repair course",
                    category="vocational",
                    min_age=16,
                    waiting_days=30,
                    languages=["lo"],
                )
                made += 2
    return made


def _consent(case: Case, org: Organisation, actor: Any, days_ago: float) -> Consent:
    return consent_record(
        actor=actor,
        case=case,
        consent=Consent(
            purpose="sharing", shared_with=org, given_on=timezone.localdate() - dt.timedelta(days=days_ago)
        ),
    )


def _backdate(referral: Referral, sent_days: float, steps: list[float]) -> None:
    """Move the referral's history into the past: sent ``sent_days`` ago, each later event ``steps`` days on."""
    now = timezone.now()
    sent = now - dt.timedelta(days=sent_days)
    times = [sent]
    for step in steps:
        times.append(times[-1] + dt.timedelta(days=step))
    for event, at in zip(referral.events.order_by("at", "id"), times, strict=False):
        ReferralEvent.objects.filter(pk=event.pk).update(at=at)
    update: dict[str, Any] = {"sent_at": sent}
    if referral.accepted_at:
        update["accepted_at"] = times[1] if len(times) > 1 else sent
    if referral.closed_at:
        update["closed_at"] = times[-1]
    Referral.objects.filter(pk=referral.pk).update(**update)
    if referral.service_delivered_id:
        ServiceDelivered.objects.filter(pk=referral.service_delivered_id).update(
            delivered_on=times[-1].date()
        )


def generate_referrals(*, orgs: list[Organisation], users: dict[str, Any], seed: int = 2026) -> int:
    """Referrals of MoLSW cases in every state, with realistic timings, and three transfers."""
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
    molsw, savannakhet, lwu, legal, _iom = orgs
    worker, provider, lwu_worker = users["caseworker"], users["provider"], users["caseworker.lwu"]
    supervisor, svk_supervisor = users["supervisor"], users["supervisor.svk"]
    cases = list(
        Case.objects.filter(owner_org=molsw, status__in=["Active", "FollowUp"])
        .select_related("person")
        .order_by("opened_on", "id")[:30]
    )
    legal_entries = list(Service.objects.filter(organisation=legal).order_by("id"))
    counselling = Service.objects.filter(organisation=lwu, category="shelter").first()
    hospital = (
        Service.objects.filter(category="health", status="active").select_related("organisation").first()
    )
    today = timezone.localdate()
    made = 0
    # One referral in each state first (so that a small demo has them all), then more for the figures.
    plan: list[tuple[list[Any], str, float, list[float]]] = [
        # (receiver entries, final state, days ago sent, step lengths in days)
        (legal_entries, "completed", 120, [1.5, 21]),
        (legal_entries, "accepted", 50, [2.5]),  # overdue: not completed within the service level
        (legal_entries, "sent", 9, []),  # overdue: not answered
        (legal_entries, "info", 5, [1]),
        (legal_entries, "declined", 70, [2]),
        (legal_entries, "revoked", 40, [6]),
        (legal_entries, "withdrawn", 30, [1]),
        ([hospital], "outside_completed", 25, [7]),
        ([hospital], "outside_open", 3, []),
        *[
            (legal_entries, "completed", d, [rng.uniform(0.5, 4), rng.uniform(5, 30)])
            for d in (95, 80, 60, 44)
        ],
        (legal_entries, "accepted", 20, [rng.uniform(0.3, 3)]),
        (legal_entries, "sent", 1, []),
        *[([counselling], "completed", d, [rng.uniform(0.2, 1), rng.uniform(2, 10)]) for d in (100, 33)],
        ([counselling], "sent", 2, []),
        ([counselling], "declined", 15, [1]),
    ]
    for case, (entries, state, days_ago, steps) in zip(cases, plan, strict=False):
        entry = rng.choice(entries)
        if entry is None:
            continue
        # Never before the case was opened.
        age = (today - case.opened_on).days
        if days_ago > age:
            scale = age / days_ago
            days_ago, steps = age * 0.99, [step * scale for step in steps]
        with transaction.atomic():
            consent = _consent(case, entry.organisation, worker, days_ago + 2)
            referral = services.referral_send(
                actor=worker,
                case=case,
                to_org=entry.organisation,
                service=entry,
                category=entry.category,
                sections=["identity", "contact", "needs"] if rng.random() < 0.5 else ["identity", "contact"],
                message=rng.choice(MESSAGES[entry.category]),
                urgent=rng.random() < 0.15,
            )
            receiver = lwu_worker if entry.organisation_id == lwu.id else provider
            if state in ("completed", "accepted"):
                services.referral_accept(actor=receiver, referral=referral)
            if state == "completed":
                services.referral_complete(
                    actor=receiver,
                    referral=referral,
                    delivered_on=today,
                    description="Service given as agreed (synthetic).",
                )
            elif state == "info":
                services.referral_ask_info(
                    actor=receiver, referral=referral, question="Is there a court date yet?"
                )
            elif state == "declined":
                services.referral_decline(
                    actor=receiver, referral=referral, reason="No place until next month (synthetic)."
                )
            elif state == "revoked":
                services.referral_revoke(
                    actor=worker, referral=referral, reason="The person moved to another province."
                )
            elif state == "withdrawn":
                consent_withdraw(
                    actor=worker, case=case, consent=consent, reason="The person asked to stop sharing."
                )
            elif state == "outside_completed":
                services.referral_complete(
                    actor=worker,
                    referral=referral,
                    delivered_on=today,
                    description="Check-up done (synthetic).",
                )
            referral.refresh_from_db()
            _backdate(referral, days_ago, steps)
        made += 1
    # Transfers: one waiting, one accepted long ago, one declined.
    movers = list(
        Case.objects.filter(owner_org=molsw, status="Active", referrals__isnull=True).order_by("-id")[:3]
    )
    for case, outcome in zip(movers, ("waiting", "accepted", "declined"), strict=False):
        with transaction.atomic():
            _consent(case, savannakhet, worker, 10)
            transfer = services.transfer_request(
                actor=supervisor,
                case=case,
                to_org=savannakhet,
                reason="The person has moved home to Savannakhet.",
            )
            if outcome == "accepted":
                services.transfer_decide(
                    actor=svk_supervisor, transfer=transfer, accept=True, caseworker=users["caseworker.svk"]
                )
            elif outcome == "declined":
                services.transfer_decide(
                    actor=svk_supervisor,
                    transfer=transfer,
                    accept=False,
                    note="The family lives in Khammouane: please ask that office.",
                )
            Transfer.objects.filter(pk=transfer.pk).update(
                requested_at=timezone.now()
                - dt.timedelta(days={"waiting": 2, "accepted": 60, "declined": 20}[outcome])
            )
    return made
