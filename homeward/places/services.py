"""Load places from the bundled reference data (idempotent), and search them under any spelling."""

from __future__ import annotations

import csv
import gettext
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import pycountry
from django.db import transaction
from django.db.models import Q, QuerySet

from homeward.lib import names
from homeward.places.models import Area, AreaLevel, BorderCheckpoint, Country

DATA = Path(__file__).with_name("data")


def search_text(spellings: Iterable[str]) -> str:
    """All spellings normalised, plus the folded romanisation of each: '|'-joined for a contains search."""
    keys: list[str] = []
    for spelling in spellings:
        if not spelling:
            continue
        norm = names.normalise(spelling)
        keys.append(norm)
        folded = names.fold(names.romanise(norm.replace(" ", "")))
        if folded:
            keys.append(folded)
    return "|" + "|".join(dict.fromkeys(keys)) + "|"


def _country_names(code: str) -> dict[str, str]:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise ValueError(code)
    common = getattr(country, "common_name", None)
    out = {"en": common or country.name}
    for lang in ("lo", "th", "fr"):
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        except OSError:
            out[lang] = ""
            continue
        translated_common = translation.gettext(common) if common else common
        out[lang] = (
            translated_common if common and translated_common != common else translation.gettext(country.name)
        )
    return out


def _split_variants(text: str) -> list[str]:
    # "ຫລວງນໍ້າທາ (lao), Luangnamtha (lao)" -> ["ຫລວງນໍ້າທາ", "Luangnamtha"]
    out = []
    for part in text.replace(";", ",").split(","):
        part = part.split("(")[0].strip()
        if part:
            out.append(part)
    return out


@transaction.atomic
def places_load() -> dict[str, int]:
    """Create or update every country, Lao province and district and Thai province. Safe to run again."""
    counts = {"countries": 0, "provinces": 0, "districts": 0}
    for country in pycountry.countries:
        localised = _country_names(country.alpha_2)
        spellings = [
            country.name,
            localised["en"],
            getattr(country, "official_name", ""),
            country.alpha_2,
            country.alpha_3,
            *localised.values(),
        ]
        Country.objects.update_or_create(
            code=country.alpha_2,
            defaults={
                "name_en": localised["en"],
                "name_lo": localised["lo"],
                "name_th": localised["th"],
                "name_fr": localised["fr"],
                "search_text": search_text(spellings),
            },
        )
        counts["countries"] += 1
    laos = Country.objects.get(code="LA")
    thailand = Country.objects.get(code="TH")

    with (DATA / "lao_provinces.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            spellings = [
                row["name_en"],
                row["name_local"],
                row["name_en_iso"],
                row["name_local_iso_lo"],
                row["name_th"],
                row["name_en_geoboundaries"],
                row["iso_3166_2"],
                *_split_variants(row["iso_local_other_name"]),
            ]
            Area.objects.update_or_create(
                code=row["code"],
                defaults={
                    "country": laos,
                    "parent": None,
                    "level": AreaLevel.PROVINCE,
                    "iso_code": row["iso_3166_2"],
                    "name_en": row["name_en"],
                    "name_lo": row["name_local"],
                    "name_th": row["name_th"],
                    "name_fr": row["name_en"],
                    "search_text": search_text(spellings),
                },
            )
            counts["provinces"] += 1
    provinces = {a.code: a for a in Area.objects.filter(country=laos, level=AreaLevel.PROVINCE)}
    with (DATA / "lao_districts.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            spellings = [
                row["name_en"],
                row["name_local"],
                row["name_en_census2015"],
                row["name_en_app"],
                *_split_variants(row["name_local_variants"]),
            ]
            Area.objects.update_or_create(
                code=row["code"],
                defaults={
                    "country": laos,
                    "parent": provinces[row["parent_code"]],
                    "level": AreaLevel.DISTRICT,
                    "name_en": row["name_en"],
                    "name_lo": row["name_local"],
                    "name_th": "",
                    "name_fr": row["name_en"],
                    "search_text": search_text(spellings),
                },
            )
            counts["districts"] += 1
    with (DATA / "thai_provinces.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            spellings = [
                row["name_en"],
                row["name_local"],
                row["name_en_iso"],
                row["name_lo"],
                row["abbr_th"],
                row["abbr_en"],
                row["code"],
            ]
            Area.objects.update_or_create(
                code=row["code"],
                defaults={
                    "country": thailand,
                    "parent": None,
                    "level": AreaLevel.PROVINCE,
                    "iso_code": row["code"],
                    "name_en": row["name_en"],
                    "name_lo": row["name_lo"],
                    "name_th": row["name_local"],
                    "name_fr": row["name_en"],
                    "search_text": search_text(spellings),
                    "latitude": Decimal(row["lat"]) if row["lat"] else None,
                    "longitude": Decimal(row["lng"]) if row["lng"] else None,
                },
            )
            counts["provinces"] += 1
    counts["checkpoints"] = _load_checkpoints()
    return counts


def _load_checkpoints() -> int:
    areas = {a.code: a for a in Area.objects.filter(level=AreaLevel.PROVINCE)}
    countries = {c.code: c for c in Country.objects.filter(code__in=["TH", "CN", "MM", "KH", "VN"])}
    count = 0
    with (DATA / "border_checkpoints.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            other_country = countries.get(row["other_country"]) or (
                Country.objects.get(code=row["other_country"]) if row["other_country"] else None
            )
            BorderCheckpoint.objects.update_or_create(
                code=row["code"],
                defaults={
                    "kind": row["kind"],
                    "lao_area": areas[row["lao_area"]],
                    "other_country": other_country,
                    "other_area": areas[row["other_area"]] if row["other_area"] else None,
                    "name_en": row["name_en"],
                    "name_lo": row["name_lo"],
                    "name_th": row["name_th"],
                    "name_fr": row["name_fr"],
                    "is_active": row["active"] == "1",
                    "search_text": search_text([row["name_en"], row["name_lo"], row["name_th"], row["code"]]),
                },
            )
            count += 1
    return count


def _query_filter(query: str) -> Q:
    norm = names.normalise(query)
    condition = Q(search_text__contains=norm)
    folded = names.fold(names.romanise(norm.replace(" ", "")))
    if folded and len(folded) >= 3:
        condition |= Q(search_text__contains=folded)
    return condition


def areas_search(query: str, *, country: str | None = None, level: int | None = None) -> QuerySet[Area]:
    qs = Area.objects.select_related("country", "parent")
    if country:
        qs = qs.filter(country__code=country)
    if level:
        qs = qs.filter(level=level)
    if query.strip():
        qs = qs.filter(_query_filter(query))
    return qs


def countries_search(query: str) -> QuerySet[Country]:
    qs = Country.objects.all()
    if query.strip():
        qs = qs.filter(_query_filter(query))
    return qs
