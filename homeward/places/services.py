"""Load places from the bundled reference data (idempotent), and search them under any spelling."""

from __future__ import annotations

import csv
import gettext
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class _Rows:
    """The reference data as rows, read from the bundled files once per process (they never change while it
    runs): {code: field values}; links are given by code."""

    countries: dict[str, dict[str, Any]]
    areas: dict[str, dict[str, Any]]  # Lao provinces, then Lao districts, then Thai provinces
    checkpoints: dict[str, dict[str, Any]]


@cache
def _rows() -> _Rows:
    countries: dict[str, dict[str, Any]] = {}
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
        countries[country.alpha_2] = {
            "name_en": localised["en"],
            "name_lo": localised["lo"],
            "name_th": localised["th"],
            "name_fr": localised["fr"],
            "search_text": search_text(spellings),
        }
    areas: dict[str, dict[str, Any]] = {}
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
            areas[row["code"]] = {
                "country": "LA",
                "parent": None,
                "level": AreaLevel.PROVINCE,
                "iso_code": row["iso_3166_2"],
                "name_en": row["name_en"],
                "name_lo": row["name_local"],
                "name_th": row["name_th"],
                "name_fr": row["name_en"],
                "search_text": search_text(spellings),
            }
    with (DATA / "lao_districts.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            spellings = [
                row["name_en"],
                row["name_local"],
                row["name_en_census2015"],
                row["name_en_app"],
                *_split_variants(row["name_local_variants"]),
            ]
            areas[row["code"]] = {
                "country": "LA",
                "parent": row["parent_code"],
                "level": AreaLevel.DISTRICT,
                "name_en": row["name_en"],
                "name_lo": row["name_local"],
                "name_th": "",
                "name_fr": row["name_en"],
                "search_text": search_text(spellings),
            }
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
            areas[row["code"]] = {
                "country": "TH",
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
            }
    checkpoints: dict[str, dict[str, Any]] = {}
    with (DATA / "border_checkpoints.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            checkpoints[row["code"]] = {
                "kind": row["kind"],
                "lao_area": row["lao_area"],
                "other_country": row["other_country"] or None,
                "other_area": row["other_area"] or None,
                "name_en": row["name_en"],
                "name_lo": row["name_lo"],
                "name_th": row["name_th"],
                "name_fr": row["name_fr"],
                "is_active": row["active"] == "1",
                "search_text": search_text([row["name_en"], row["name_lo"], row["name_th"], row["code"]]),
            }
    return _Rows(countries, areas, checkpoints)


@transaction.atomic
def places_load() -> dict[str, int]:
    """Create or update every country, Lao province and district, Thai province and border checkpoint. Safe to
    run again. Into an empty database the rows are inserted in bulk (a new install, each test database)."""
    rows = _rows()
    if not Country.objects.exists() and not Area.objects.exists():
        _bulk_load(rows)
    else:
        _update_load(rows)
    return {
        "countries": len(rows.countries),
        "provinces": sum(1 for a in rows.areas.values() if a["level"] == AreaLevel.PROVINCE),
        "districts": sum(1 for a in rows.areas.values() if a["level"] == AreaLevel.DISTRICT),
        "checkpoints": len(rows.checkpoints),
    }


def _bulk_load(rows: _Rows) -> None:
    Country.objects.bulk_create([Country(code=code, **values) for code, values in rows.countries.items()])
    countries = {c.code: c for c in Country.objects.all()}
    provinces = [
        Area(code=code, **{**values, "country": countries[values["country"]]})
        for code, values in rows.areas.items()
        if values["parent"] is None
    ]
    Area.objects.bulk_create(provinces)
    parents = {a.code: a for a in Area.objects.filter(parent__isnull=True)}
    Area.objects.bulk_create(
        [
            Area(
                code=code,
                **{**values, "country": countries[values["country"]], "parent": parents[values["parent"]]},
            )
            for code, values in rows.areas.items()
            if values["parent"] is not None
        ]
    )
    areas = {a.code: a for a in Area.objects.filter(level=AreaLevel.PROVINCE)}
    BorderCheckpoint.objects.bulk_create(
        [_checkpoint(code, values, areas, countries) for code, values in rows.checkpoints.items()]
    )


def _checkpoint(
    code: str, values: dict[str, Any], areas: dict[str, Area], countries: dict[str, Country]
) -> BorderCheckpoint:
    return BorderCheckpoint(
        code=code,
        **{
            **values,
            "lao_area": areas[values["lao_area"]],
            "other_country": countries[values["other_country"]] if values["other_country"] else None,
            "other_area": areas[values["other_area"]] if values["other_area"] else None,
        },
    )


def _update_load(rows: _Rows) -> None:
    for code, values in rows.countries.items():
        Country.objects.update_or_create(code=code, defaults=values)
    countries = {c.code: c for c in Country.objects.all()}
    for parent_pass in (False, True):  # provinces first, then the districts that point to them
        parents = {a.code: a for a in Area.objects.filter(parent__isnull=True)}
        for code, values in rows.areas.items():
            if (values["parent"] is not None) != parent_pass:
                continue
            defaults = {
                **values,
                "country": countries[values["country"]],
                "parent": parents[values["parent"]] if values["parent"] else None,
            }
            Area.objects.update_or_create(code=code, defaults=defaults)
    areas = {a.code: a for a in Area.objects.filter(level=AreaLevel.PROVINCE)}
    for code, values in rows.checkpoints.items():
        checkpoint = _checkpoint(code, values, areas, countries)
        BorderCheckpoint.objects.update_or_create(
            code=code,
            defaults={
                f.name: getattr(checkpoint, f.name)
                for f in BorderCheckpoint._meta.concrete_fields
                if f.name not in ("id", "code")
            },
        )


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
