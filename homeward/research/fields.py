"""The fields a research release may carry, their generalisation hierarchies, and the two file layouts.

A release never carries names, contacts, exact dates of birth, free text, documents or case codes: none of
them is in this catalogue, and a release is built from this catalogue only. Ages are computed from the year of
birth (kept in the clear for statistics); dates are released as years.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from homeward.cases.models import Case, Consent, TraffickingEvent
from homeward.cases.picklists import ConsentPurpose, EventType
from homeward.places.models import Area
from homeward.research.anonymise import TOP, UNKNOWN, Hierarchy

DATA = Path(__file__).parent / "data"

# CTDC's broad age bands (the Counter Trafficking Data Collaborative's global dataset).
AGE_BANDS = ((0, 8), (9, 17), (18, 20), (21, 23), (24, 26), (27, 29), (30, 38), (39, 47), (48, 200))


def age_band(age: int) -> str:
    for lo, hi in AGE_BANDS:
        if lo <= age <= hi:
            return f"{lo}--{hi}" if hi < 200 else f"{lo}+"
    return UNKNOWN


@functools.cache
def regions() -> dict[str, str]:
    """Lao province P-code -> region (northern, central, southern), as the Lao Statistics Bureau groups them."""
    with (DATA / "lao_regions.csv").open(encoding="utf-8") as f:
        return {row["province_code"]: row["region"] for row in csv.DictReader(f)}


def _area_parents() -> dict[str, str]:
    return {
        code: parent
        for code, parent in Area.objects.filter(country__code="LA", level=2).values_list(
            "code", "parent__code"
        )
    }


def hierarchies() -> dict[str, Hierarchy]:
    parents = _area_parents()
    provinces = sorted(regions())

    def province_of(v: str) -> str:
        return parents.get(v, v if v in provinces else UNKNOWN)

    def year_period(v: str) -> str:
        if not v.isdigit():
            return UNKNOWN
        start = int(v) - (int(v) % 5)
        return f"{start}-{start + 4}"

    def majority(v: str) -> str:
        return ("Minor" if int(v) < 18 else "Adult") if v.isdigit() else UNKNOWN

    this_year = dt.date.today().year
    return {
        "age": Hierarchy(
            levels=[lambda v: age_band(int(v)) if v.isdigit() else UNKNOWN, majority],
            domain=[str(a) for a in range(0, 100)],
        ),
        "sex": Hierarchy(levels=[], domain=_choices("cases.picklists", "Gender")),
        "origin": Hierarchy(
            levels=[province_of, lambda v: regions().get(province_of(v), UNKNOWN)],
            domain=[*sorted(parents), *provinces],
        ),
        "citizenship": Hierarchy(levels=[], domain=_countries()),
        "year": Hierarchy(levels=[year_period], domain=[str(y) for y in range(2000, this_year + 1)]),
        "exploitation_country": Hierarchy(levels=[], domain=_countries()),
    }


def _countries() -> list[str]:
    from homeward.places.models import Country

    return list(Country.objects.values_list("code", flat=True))


def _choices(module: str, name: str) -> list[str]:
    import importlib

    return [c.value for c in getattr(importlib.import_module(f"homeward.{module}"), name)]


@dataclass(frozen=True)
class Field:
    key: str
    label: str | Promise
    htcds: str
    hierarchy: bool  # may be a quasi-identifier
    multi: bool = False


FIELDS: tuple[Field, ...] = (
    Field("age", _("Age at registration"), "hw_AgeAtRegistration", True),
    Field("sex", _("Sex / gender"), "prs_Gender", True),
    Field("origin", _("Home district or province"), "prs_MailingState", True),
    Field("citizenship", _("Citizenship"), "prs_Citizenship", True),
    Field("year", _("Year of registration"), "hw_YearOfRegistration", True),
    Field("exploitation_country", _("Country of exploitation"), "hte_Country", True),
    Field("exploitation", _("Types of exploitation"), "vic_TypeOfExploitation", False, True),
    Field("industry", _("Industry of forced labour"), "vic_ForcedLabourIndustry", False),
    Field("trafficking_status", _("Trafficking status"), "vic_TraffickingStatus", False),
    Field("control", _("Methods of control"), "vic_MethodsOfControl", False, True),
    Field("recruitment", _("Methods of recruitment"), "vic_MethodOfRecruitment", False, True),
    Field("relationship", _("Relationship to trafficker"), "vic_RelationshipToTrafficker", False),
)
BY_KEY = {f.key: f for f in FIELDS}

# What each level of a hierarchy keeps, for the release record (level 0 first; the last level hides the field).
LEVEL_NAMES: dict[str, tuple[str | Promise, ...]] = {
    "age": (_("exact age"), _("CTDC age band"), _("minor or adult"), _("hidden")),
    "origin": (_("district"), _("province"), _("region"), _("hidden")),
    "year": (_("year"), _("five-year period"), _("hidden")),
}
DEFAULT_LEVEL_NAMES: tuple[str | Promise, ...] = (_("as recorded"), _("hidden"))


def level_name(field: str, level: int) -> str:
    names = LEVEL_NAMES.get(field, DEFAULT_LEVEL_NAMES)
    return str(names[min(level, len(names) - 1)])


QI_FIELDS = tuple(f.key for f in FIELDS if f.hierarchy)


def research_consent_in_force(on: dt.date) -> Exists:
    return Exists(
        Consent.objects.filter(
            case=OuterRef("pk"),
            purpose=ConsentPurpose.RESEARCH,
            granted=True,
            withdrawn_on__isnull=True,
            given_on__lte=on,
        ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
    )


def scope(
    *,
    opened_from: dt.date | None,
    opened_to: dt.date | None,
    organisation_ids: list[int] | None,
    research_consent: bool,
    on: dt.date | None = None,
) -> QuerySet[Case]:
    qs = Case.objects.all()
    if opened_from:
        qs = qs.filter(opened_on__gte=opened_from)
    if opened_to:
        qs = qs.filter(opened_on__lte=opened_to)
    if organisation_ids:
        qs = qs.filter(owner_org_id__in=organisation_ids)
    if research_consent:
        qs = qs.filter(research_consent_in_force(on or dt.date.today()))
    return qs


def _joined(values: Any) -> str:
    return ";".join(sorted(values)) if values else UNKNOWN


def person_records(cases: QuerySet[Case]) -> pd.DataFrame:
    """One record per person (the privacy unit): their most recent case in ``cases``."""
    rows = cases.order_by("person_id", "-opened_on", "-id").values_list(
        "id",
        "person_id",
        "opened_on",
        "person__birth_year",
        "person__gender",
        "person__district__code",
        "person__province__code",
        "person__citizenship__code",
        "victim__exploitation_types",
        "victim__forced_labour_industry",
        "victim__trafficking_status",
        "victim__methods_of_control",
        "victim__methods_of_recruitment",
        "victim__relationship_to_trafficker",
    )
    latest: dict[int, tuple] = {}
    for row in rows.iterator(chunk_size=5000):
        latest.setdefault(row[1], row)
    case_ids = [row[0] for row in latest.values()]
    countries: dict[int, str] = {}
    for i in range(0, len(case_ids), 5000):
        for case_id, code in (
            TraffickingEvent.objects.filter(case_id__in=case_ids[i : i + 5000], type=EventType.EXPLOITATION)
            .order_by("case_id", "date", "id")
            .values_list("case_id", "country__code")
        ):
            countries.setdefault(case_id, code)
    records = []
    for (
        case_id,
        _person_id,
        opened_on,
        birth_year,
        gender,
        district,
        province,
        citizenship,
        exploitation,
        industry,
        status,
        control,
        recruitment,
        relationship,
    ) in latest.values():
        age = opened_on.year - birth_year if birth_year and birth_year <= opened_on.year else None
        records.append(
            {
                "age": str(age) if age is not None else UNKNOWN,
                "sex": gender or UNKNOWN,
                "origin": district or province or UNKNOWN,
                "citizenship": citizenship or UNKNOWN,
                "year": str(opened_on.year),
                "exploitation_country": countries.get(case_id, UNKNOWN),
                "exploitation": _joined(exploitation),
                "industry": industry or UNKNOWN,
                "trafficking_status": status or UNKNOWN,
                "control": _joined(control),
                "recruitment": _joined(recruitment),
                "relationship": relationship or UNKNOWN,
            }
        )
    return pd.DataFrame.from_records(records, columns=[f.key for f in FIELDS])


# ---- layouts ----------------------------------------------------------------------------------------------
def htcds_layout(df: pd.DataFrame, fields: list[str]) -> pd.DataFrame:
    """HTCDS field names; generalised values as released; multi-valued fields separated by ';'."""
    return pd.DataFrame({BY_KEY[f].htcds: df[f].values for f in fields})


_CTDC_GENDER = {
    "Feminine": "Female",
    "Masculine": "Male",
    "TransgenderFeminine": "Transgender/NonConforming",
    "TransgenderMasculine": "Transgender/NonConforming",
    "NonConforming": "Transgender/NonConforming",
}
_CTDC_EXPLOIT = {
    "isForcedLabour": {"ForcedLabour", "ChildLabour", "ForcedBegging", "Servitude"},
    "isSexualExploit": {"SexualExploitation"},
    "isForcedMarriage": {"ForcedMarriage"},
    "isForcedMilitary": {"ForcedMilitaryByNonStateActors"},
    "isOrganRemoval": {"OrganRemoval"},
    "isOtherExploit": {"ForcedAdoption", "Surrogacy", "hw_ForcedCriminality", "Other"},
}
_CTDC_LABOUR = {
    "A_AgricultureForestryAndFishing": "typeOfLabourAgriculture",
    "B_MiningAndQuarrying": "typeOfLabourMiningOrDrilling",
    "C_Manufacturing": "typeOfLabourManufacturing",
    "F_Construction": "typeOfLabourConstruction",
    "H_TransportationAndStorage": "typeOfLabourTransportation",
    "I_AccommodationAndFoodServiceActivities": "typeOfLabourHospitality",
    "T_ActivitiesOfHouseholdsAsEmployers": "typeOfLabourDomesticWork",
}
_CTDC_CONTROL = {
    "DebtBondage": "meansOfControlDebtBondage",
    "TakesEarnings": "meansOfControlTakesEarnings",
    "RestrictsFinancialAccess": "meansOfControlRestrictsFinancialAccess",
    "PhysicalThreats": "meansOfControlThreats",
    "ThreatensChildrenFamily": "meansOfControlThreats",
    "PsychologicalAbuse": "meansOfControlPsychologicalAbuse",
    "PhysicalAbuse": "meansOfControlPhysicalAbuse",
    "SexualAbuse": "meansOfControlSexualAbuse",
    "FalsePromises": "meansOfControlFalsePromises",
    "PsychoactiveSubstance": "meansOfControlPsychoactiveSubstances",
    "hw_Confinement": "meansOfControlRestrictsMovement",
    "RestrictsMedicalCare": "meansOfControlRestrictsMedicalCare",
    "ExcessiveWorkingHours": "meansOfControlExcessiveWorkingHours",
    "ThreatsLawEnforcement": "meansOfControlThreatOfLawEnforcement",
    "WithholdsNecessities": "meansOfControlWithholdsNecessities",
    "WithholdsDocuments": "meansOfControlWithholdsDocuments",
    "Other": "meansOfControlOther",
}
_CTDC_RELATION = {"Familial": "Family", "Acquainted": "Friend/Acquaintance", "Unaquainted": "Other"}


def _ctdc_age(label: str) -> tuple[str, str]:
    """(ageBroad, majorityStatus) of a released age label: an exact age, a band, Adult/Minor, or '*'."""
    if label.isdigit():
        age = int(label)
        return age_band(age), "Minor" if age < 18 else "Adult"
    if "--" in label or label.endswith("+"):
        lo = int(label.split("-")[0].rstrip("+"))
        return label, "Minor" if lo < 18 else "Adult"
    if label in ("Adult", "Minor"):
        return "", label
    return "", ""


def ctdc_layout(df: pd.DataFrame, fields: list[str]) -> pd.DataFrame:
    """The column layout of CTDC's global dataset: broad age bands, 0/1 flags per type, ISO country codes.
    Columns for fields not in the release are left out; Homeward's additions are named origin*."""
    out: dict[str, Any] = {}
    n = len(df)
    if "year" in fields:
        out["yearOfRegistration"] = df["year"].values
    out["Datasource"] = ["Case Management"] * n
    if "sex" in fields:
        out["gender"] = [_CTDC_GENDER.get(v, "" if v in (UNKNOWN, TOP) else v) for v in df["sex"]]
    if "age" in fields:
        pairs = [_ctdc_age(v) for v in df["age"]]
        out["ageBroad"] = [p[0] for p in pairs]
        out["majorityStatus"] = [p[1] for p in pairs]
    if "citizenship" in fields:
        out["citizenship"] = [v if v not in (UNKNOWN, TOP) else "" for v in df["citizenship"]]
    if "origin" in fields:
        out["originArea"] = [v if v not in (UNKNOWN, TOP) else "" for v in df["origin"]]
    if "control" in fields:
        sets = [set(v.split(";")) for v in df["control"]]
        for col in dict.fromkeys(_CTDC_CONTROL.values()):
            codes = {c for c, target in _CTDC_CONTROL.items() if target == col}
            out[col] = [int(bool(s & codes)) for s in sets]
        out["meansOfControlNotSpecified"] = [int(s == {UNKNOWN}) for s in sets]
        out["meansOfControlConcatenated"] = ["; ".join(sorted(s - {UNKNOWN})) for s in sets]
    if "exploitation" in fields:
        sets = [set(v.split(";")) for v in df["exploitation"]]
        for col, codes in _CTDC_EXPLOIT.items():
            out[col] = [int(bool(s & codes)) for s in sets]
        out["typeOfExploitConcatenated"] = ["; ".join(sorted(s - {UNKNOWN})) for s in sets]
    if "industry" in fields:
        for col in dict.fromkeys(_CTDC_LABOUR.values()):
            out[col] = [int(_CTDC_LABOUR.get(v) == col) for v in df["industry"]]
        out["typeOfLabourOther"] = [
            int(v not in _CTDC_LABOUR and v not in (UNKNOWN, TOP)) for v in df["industry"]
        ]
        out["typeOfLabourNotSpecified"] = [int(v == UNKNOWN) for v in df["industry"]]
    if "relationship" in fields:
        out["RecruiterRelationship"] = [_CTDC_RELATION.get(v, "") for v in df["relationship"]]
    if "recruitment" in fields:
        out["recruitmentConcatenated"] = [v if v != UNKNOWN else "" for v in df["recruitment"]]
    if "trafficking_status" in fields:
        out["traffickingStatus"] = [v if v != UNKNOWN else "" for v in df["trafficking_status"]]
    if "exploitation_country" in fields:
        out["CountryOfExploitation"] = [
            v if v not in (UNKNOWN, TOP) else "" for v in df["exploitation_country"]
        ]
    return pd.DataFrame(out)


# The CTDC columns that carry each quasi-identifier (for the independent check of the CTDC file).
CTDC_QI_COLUMNS = {
    "year": ["yearOfRegistration"],
    "sex": ["gender"],
    "age": ["ageBroad", "majorityStatus"],
    "citizenship": ["citizenship"],
    "origin": ["originArea"],
    "exploitation_country": ["CountryOfExploitation"],
}
