"""Synthetic survivors for the demo, tests and benchmarks. Framework-free; every person is invented.

Names are common Lao given and family names combined at random, written in Lao script with the usual
inconsistent romanisations. Distributions follow the domain brief's plausible weights, not statistics.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from homeward.lib.names import lao_to_thai

# (Lao script, romanisations seen in documents)
FEMALE_GIVEN = [
    ("ພອນສະຫວັນ", ["Phonsavanh", "Phonesavanh", "Phonsavan", "Phonesavan"]),
    ("ມະນີວອນ", ["Manivone", "Manivon", "Maniwon"]),
    ("ແສງດາວ", ["Sengdao", "Saengdao", "Sengdaow"]),
    ("ດວງໃຈ", ["Douangchai", "Duangjai", "Douangjai"]),
    ("ສີດາ", ["Sida", "Seeda"]),
    ("ວັນນີ", ["Vanny", "Vanni", "Wanni"]),
    ("ບົວພັນ", ["Bouaphanh", "Bouaphan", "Buaphan"]),
    ("ຄຳພອນ", ["Khamphone", "Khamphon", "Kamphone"]),
    ("ນາລີ", ["Naly", "Nali", "Nalee"]),
    ("ອາລຸນ", ["Aloun", "Alun", "Aroun"]),
    ("ສຸດາ", ["Souda", "Suda"]),
    ("ທິບພະວັນ", ["Thipphavanh", "Thipphavan", "Tiphavanh"]),
    ("ນ້ອຍ", ["Noy", "Noi"]),
    ("ແກ້ວ", ["Keo", "Kaew", "Keow"]),
    ("ວິໄລພອນ", ["Vilayphone", "Vilaiphon", "Wilaiphon"]),
]
MALE_GIVEN = [
    ("ບຸນມີ", ["Bounmy", "Bounmi", "Bunmi"]),
    ("ສົມພອນ", ["Somphone", "Somphon", "Sompon"]),
    ("ຄຳຫລ້າ", ["Khamla", "Khamlah", "Kamla"]),
    ("ສີສຸກ", ["Sisouk", "Sisuk", "Seesouk"]),
    ("ບຸນທັນ", ["Bounthanh", "Bounthan", "Bunthan"]),
    ("ພູວົງ", ["Phouvong", "Phuvong", "Phouwong"]),
    ("ສົມສັກ", ["Somsack", "Somsak", "Somsaque"]),
    ("ວິໄລ", ["Vilay", "Vilai", "Wilai"]),
    ("ທອງດີ", ["Thongdy", "Thongdi", "Tongdee"]),
    ("ອານຸສອນ", ["Anousone", "Anouson", "Anuson"]),
]
FAMILY = [
    ("ແສງທອງ", ["Saengthong", "Sengthong", "Sengthon"]),
    ("ສີສະຫວາດ", ["Sisavath", "Sisavat", "Sisawat"]),
    ("ພົມມະຈັນ", ["Phommachanh", "Phommachan", "Phommajan"]),
    ("ວົງສາ", ["Vongsa", "Wongsa"]),
    ("ຈັນທະວົງ", ["Chanthavong", "Chantavong", "Jantawong"]),
    ("ສຸລິວົງ", ["Soulivong", "Sulivong", "Souliwong"]),
    ("ແກ້ວມະນີ", ["Keomany", "Keomani", "Kaewmani"]),
    ("ພູມມະວົງ", ["Phoummavong", "Phoumavong", "Phummawong"]),
    ("ໄຊຍະວົງ", ["Xayavong", "Sayavong", "Xaiyavong"]),
    ("ອິນທະວົງ", ["Inthavong", "Inthavongs", "Intawong"]),
    ("ສີຫາລາດ", ["Sihalath", "Sihalat", "Seehalath"]),
    ("ດວງມາລາ", ["Douangmala", "Duangmala"]),
    ("ລັດຕະນະ", ["Lattana", "Rattana", "Latana"]),
    ("ສີທິລາດ", ["Sithilath", "Sitthilat"]),
    ("ບຸບຜາ", ["Bouppha", "Boupha", "Buppha"]),
    ("ໄຊສົມບູນ", ["Xaisomboun", "Saysomboun", "Xaysomboun"]),
]

# Common parts of Lao village names, combined into invented villages ("Ban Nongsavang").
_VILLAGE_PARTS = (
    ["Nong", "Done", "Phon", "Na", "Xieng", "Houay", "Pak", "Hat", "Khok", "Sop"],
    ["savang", "kham", "thong", "sai", "deua", "nyai", "noy", "khoun", "mai", "keo"],
)
VILLAGES = [a + b for a in _VILLAGE_PARTS[0] for b in _VILLAGE_PARTS[1]]

ORIGIN_WEIGHTS = {
    "LA13": 18,
    "LA16": 14,
    "LA10": 10,
    "LA12": 9,
    "LA14": 9,
    "LA08": 8,
    "LA05": 7,
    "LA03": 5,
    "LA04": 5,
    "LA01": 4,
    "LA11": 3,
    "LA06": 3,
    "LA17": 1,
    "LA15": 1,
    "LA09": 1,
    "LA07": 1,
    "LA02": 1,
    "LA18": 1,
}
THAI_DESTINATIONS = {
    "TH-10": 30,
    "TH-20": 10,
    "TH-43": 8,
    "TH-41": 6,
    "TH-74": 8,
    "TH-13": 8,
    "TH-11": 8,
    "TH-12": 6,
    "TH-57": 6,
    "TH-90": 4,
    "TH-34": 6,
}

# destination country -> weight, and for each the exploitation mix
DESTINATIONS = {"TH": 68, "CN": 12, "MM": 8, "KH": 5, "MY": 3, "LA": 4}
EXPLOITATION_BY_COUNTRY = {
    "TH": {
        "SexualExploitation": 35,
        "ForcedLabour": 45,
        "Servitude": 8,
        "ChildLabour": 7,
        "ForcedBegging": 5,
    },
    "CN": {"ForcedMarriage": 85, "SexualExploitation": 10, "ForcedLabour": 5},
    "MM": {"hw_ForcedCriminality": 80, "ForcedLabour": 10, "SexualExploitation": 10},
    "KH": {"hw_ForcedCriminality": 85, "ForcedLabour": 15},
    "MY": {"ForcedLabour": 70, "SexualExploitation": 30},
    "LA": {"hw_ForcedCriminality": 60, "SexualExploitation": 30, "ForcedLabour": 10},
}
INDUSTRIES = {
    "C_Manufacturing": 30,
    "T_ActivitiesOfHouseholdsAsEmployers": 25,
    "A_AgricultureForestryAndFishing": 20,
    "I_AccommodationAndFoodServiceActivities": 15,
    "F_Construction": 10,
}
CONTROL = [
    "DebtBondage",
    "FalsePromises",
    "WithholdsDocuments",
    "PhysicalThreats",
    "TakesEarnings",
    "ExcessiveWorkingHours",
    "PsychologicalAbuse",
    "RestrictsFinancialAccess",
    "hw_Confinement",
]
RECRUITMENT = [
    "ThroughFriendsOrSocialEvents",
    "ThroughFamilyOrFamilyEvents",
    "ThroughOnlineSocialNetworks",
    "hw_ThroughABrokerOrAgent",
    "ThroughAnOnlineAdvertisement",
]
VULNERABILITIES = ["Poverty", "Education", "Migration", "Discrimination", "WorkEnvironment"]
STATUSES = {"Active": 35, "FollowUp": 30, "Closed": 30, "ClosedReferred": 5}
CLOSURE = ["hw_SupportCompleted", "hw_ChoseToStop", "hw_MovedAway", "hw_ReMigrated", "hw_LostContact"]


def _weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()), k=1)[0]


@dataclass
class SyntheticCase:
    gender: str
    given_lo: str
    family_lo: str
    given_latin: str
    family_latin: str
    given_th: str
    family_th: str
    aliases: list[str]
    birth_date: dt.date
    birth_exact: bool
    origin_province: str
    destination_country: str
    destination_area: str | None
    exploitation: list[str]
    industry: str
    control: list[str]
    recruitment: list[str]
    vulnerabilities: list[str]
    trafficking_status: str
    opened_on: dt.date
    status: str
    closure_reason: str
    recruited_on: dt.date
    exploited_from: dt.date
    phone: str = ""
    events: list[tuple[str, dt.date, str, str | None]] = field(default_factory=list)


def synthetic_case(rng: random.Random, today: dt.date) -> SyntheticCase:
    female = rng.random() < 0.85
    given_lo, given_spellings = rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
    family_lo, family_spellings = rng.choice(FAMILY)
    opened_on = today - dt.timedelta(days=rng.randint(0, 365 * 6))
    age_at_opening = rng.choices(
        [rng.randint(13, 17), rng.randint(18, 24), rng.randint(25, 40)], weights=[30, 45, 25]
    )[0]
    birth = opened_on - dt.timedelta(days=365 * age_at_opening + rng.randint(0, 364))
    country = _weighted(rng, DESTINATIONS)
    exploitation = [_weighted(rng, EXPLOITATION_BY_COUNTRY[country])]
    if rng.random() < 0.15:
        exploitation.append(_weighted(rng, EXPLOITATION_BY_COUNTRY["TH"]))
    area = _weighted(rng, THAI_DESTINATIONS) if country == "TH" else ("LA05" if country == "LA" else None)
    status = _weighted(rng, STATUSES)
    if (today - opened_on).days < 120 and status.startswith("Closed"):
        status = "Active"
    recruited_on = opened_on - dt.timedelta(days=rng.randint(60, 900))
    exploited_from = recruited_on + dt.timedelta(days=rng.randint(3, 30))
    origin = _weighted(rng, ORIGIN_WEIGHTS)
    aliases = [rng.choice(given_spellings) + " " + rng.choice(family_spellings)]
    if rng.random() < 0.2:
        aliases.append(rng.choice(["Noy", "Nang", "Keo", "Dao", "Toy"]))
    case = SyntheticCase(
        gender="Feminine" if female else "Masculine",
        given_lo=given_lo,
        family_lo=family_lo,
        given_latin=rng.choice(given_spellings),
        family_latin=rng.choice(family_spellings),
        given_th=lao_to_thai(given_lo) if rng.random() < 0.3 else "",
        family_th=lao_to_thai(family_lo) if rng.random() < 0.3 else "",
        aliases=aliases,
        birth_date=birth,
        birth_exact=rng.random() < 0.7,
        origin_province=origin,
        destination_country=country,
        destination_area=area,
        exploitation=exploitation,
        industry=_weighted(rng, INDUSTRIES) if "ForcedLabour" in exploitation else "",
        control=rng.sample(CONTROL, k=rng.randint(1, 3)),
        recruitment=rng.sample(RECRUITMENT, k=1),
        vulnerabilities=rng.sample(VULNERABILITIES, k=rng.randint(1, 2)),
        trafficking_status=rng.choices(
            ["ActualVictimOfTrafficking", "PossibleVictimOfTrafficking"], weights=[70, 30]
        )[0],
        opened_on=opened_on,
        status=status,
        closure_reason=rng.choice(CLOSURE) if status.startswith("Closed") else "",
        recruited_on=recruited_on,
        exploited_from=exploited_from,
        phone=f"+856 20 5{rng.randint(100, 999)} {rng.randint(1000, 9999)}" if rng.random() < 0.5 else "",
    )
    case.events = [
        ("Recruitment", recruited_on, "LA", origin),
        (
            "Transit",
            recruited_on + dt.timedelta(days=rng.randint(1, 3)),
            "TH" if country == "TH" else "LA",
            "TH-43" if country == "TH" else "LA05",
        ),
        ("Exploitation", exploited_from, country, area),
    ]
    return case
