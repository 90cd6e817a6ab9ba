"""The service directory in Open Referral HSDS 3.x form: export as JSON or as the tabular CSV data package, and
import either back, all or nothing, with every problem named by file, row and column.

docs/hsds-mapping.md maps each ``Service`` field to the HSDS table and field it is written to and read from,
and describes the Homeward extensions (``hw_*``). Ids other than service.id and organization.id are derived
with ``uuid5`` from the service's code, so that exporting the same directory twice gives the same files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import translation
from django.utils.translation import gettext as _

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Organisation, OrgType
from homeward.accounts.policy import can
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.cases.picklists import Language
from homeward.cases.services import PermissionDenied404
from homeward.places.models import Area, Country
from homeward.referrals.models import Service
from homeward.referrals.picklists import EligibleSex, ServiceCategory, ServiceStatus
from homeward.referrals.services import may_edit_directory, service_save

CATEGORY_TAXONOMY = "homeward-service-category"
ELIGIBILITY_TAXONOMY = "homeward-eligibility"
CATEGORY_LINK_TYPE = "service_category"
ELIGIBILITY_LINK_TYPE = "eligibility"
CAPACITY_UNIT = "places"
NATIONAL_AREA_CODE = "LA"
NATIONAL_AREA_NAME = "Lao PDR"
# Ids shared by every service (taxonomy terms, the unit) are derived from this namespace.
HSDS_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:homeward:hsds")

MB = 1024 * 1024
MAX_FILE_BYTES = 5 * MB
MAX_ZIP_MEMBERS = 30
MAX_MEMBER_BYTES = 5 * MB
MAX_TOTAL_BYTES = 20 * MB
MAX_SERVICES = 5000
MAX_JSON_DEPTH = 32
_SMALL_MAX = 32767  # PositiveSmallIntegerField
_INT_MAX = 2147483647  # PositiveIntegerField

# The tables of the CSV package, their columns (HSDS 3.x fields, then Homeward extensions), in file order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "organization": ("id", "name", "alternate_name", "description", "email", "website", "hw_type"),
    "service": (
        "id",
        "organization_id",
        "name",
        "alternate_name",
        "description",
        "url",
        "email",
        "status",
        "application_process",
        "fees_description",
        "eligibility_description",
        "minimum_age",
        "maximum_age",
        "assured_date",
        "last_modified",
        "hw_description_lo",
        "hw_waiting_days",
    ),
    "location": (
        "id",
        "organization_id",
        "location_type",
        "name",
        "alternate_name",
        "latitude",
        "longitude",
        "hw_province_code",
        "hw_district_code",
    ),
    "address": (
        "id",
        "location_id",
        "address_1",
        "address_2",
        "city",
        "region",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ),
    "service_at_location": ("id", "service_id", "location_id"),
    "service_area": (
        "id",
        "service_id",
        "name",
        "description",
        "extent",
        "extent_type",
        "uri",
        "hw_area_code",
    ),
    "language": ("id", "service_id", "name", "code"),
    "phone": ("id", "service_id", "organization_id", "number", "type"),
    "contact": ("id", "service_id", "name", "email"),
    "schedule": ("id", "service_id", "description"),
    "service_capacity": ("id", "service_id", "unit_id", "available", "maximum", "updated"),
    "unit": ("id", "name", "scheme"),
    "taxonomy_term": ("id", "code", "name", "description", "taxonomy"),
    "attribute": ("id", "link_id", "link_type", "link_entity", "taxonomy_term_id", "value"),
}
_FIELD_TYPES = {
    "minimum_age": "integer",
    "maximum_age": "integer",
    "hw_waiting_days": "integer",
    "available": "integer",
    "maximum": "integer",
    "latitude": "number",
    "longitude": "number",
    "assured_date": "date",
    "last_modified": "datetime",
    "updated": "datetime",
}

Row = dict[str, Any]


# ---- export -----------------------------------------------------------------------------------------------
def _derived(code: uuid.UUID, what: str) -> str:
    return str(uuid.uuid5(code, what))


def _shared_id(what: str) -> str:
    return str(uuid.uuid5(HSDS_NAMESPACE, what))


def _term(taxonomy: str, code: str, name: str) -> Row:
    return {
        "id": _shared_id(f"{taxonomy}:{code}"),
        "code": code,
        "name": name,
        "description": "",
        "taxonomy": taxonomy,
    }


def _unit() -> Row:
    return {"id": _shared_id(f"unit:{CAPACITY_UNIT}"), "name": CAPACITY_UNIT, "scheme": ""}


def _organization_rows(org: Organisation) -> tuple[Row, list[Row]]:
    row = {
        "id": str(org.code),
        "name": org.name,
        "alternate_name": org.short_name,
        "description": "",
        "email": org.email,
        "website": "",
        "hw_type": org.type,
    }
    phones = []
    if org.phone:
        phones.append(
            {
                "id": _derived(org.code, "phone"),
                "service_id": "",
                "organization_id": str(org.code),
                "number": org.phone,
                "type": "voice",
            }
        )
    return row, phones


def _service_rows(s: Service) -> dict[str, list[Row]]:
    """The rows of every HSDS table that describe one service (its organisation, unit and terms included)."""
    code = s.code
    sid = str(code)
    org_row, org_phones = _organization_rows(s.organisation)
    tables: dict[str, list[Row]] = {name: [] for name in COLUMNS}
    tables["organization"].append(org_row)
    tables["phone"].extend(org_phones)
    tables["service"].append(
        {
            "id": sid,
            "organization_id": str(s.organisation.code),
            "name": s.name,
            "alternate_name": s.name_lo,
            "description": s.description,
            "url": s.url,
            "email": s.email,
            "status": s.status,
            "application_process": s.application_process,
            "fees_description": s.fees,
            "eligibility_description": s.eligibility,
            "minimum_age": s.min_age,
            "maximum_age": s.max_age,
            "assured_date": s.assured_on.isoformat() if s.assured_on else None,
            "last_modified": s.updated_at.isoformat() if s.updated_at else None,
            "hw_description_lo": s.description_lo,
            "hw_waiting_days": s.waiting_days,
        }
    )
    location_id = _derived(code, "location")
    tables["location"].append(
        {
            "id": location_id,
            "organization_id": str(s.organisation.code),
            "location_type": "physical",
            "name": s.name,
            "alternate_name": s.name_lo,
            "latitude": s.latitude,
            "longitude": s.longitude,
            "hw_province_code": s.province.code,
            "hw_district_code": s.district.code if s.district else "",
        }
    )
    tables["address"].append(
        {
            "id": _derived(code, "address"),
            "location_id": location_id,
            "address_1": s.address,
            "address_2": "",
            "city": s.district.name_en if s.district else "",
            "region": "",
            "state_province": s.province.name_en,
            "postal_code": "",
            "country": "LA",
            "address_type": "physical",
        }
    )
    tables["service_at_location"].append(
        {"id": _derived(code, "service_at_location"), "service_id": sid, "location_id": location_id}
    )
    areas: list[tuple[str, str]] = (
        [(NATIONAL_AREA_CODE, NATIONAL_AREA_NAME)]
        if s.national
        else sorted((a.code, a.name_en) for a in s.areas.all())
    )
    for area_code, area_name in areas:
        tables["service_area"].append(
            {
                "id": _derived(code, f"service_area:{area_code}"),
                "service_id": sid,
                "name": area_name,
                "description": "",
                "extent": "",
                "extent_type": "",
                "uri": "",
                "hw_area_code": area_code,
            }
        )
    with translation.override("en"):
        for lang in s.languages:
            label = str(Language(lang).label) if lang in Language.values else lang
            tables["language"].append(
                {"id": _derived(code, f"language:{lang}"), "service_id": sid, "name": label, "code": lang}
            )
        terms: list[tuple[str, Row]] = [
            (CATEGORY_LINK_TYPE, _term(CATEGORY_TAXONOMY, s.category, str(ServiceCategory(s.category).label)))
        ]
        if s.sex:
            terms.append(
                (
                    ELIGIBILITY_LINK_TYPE,
                    _term(ELIGIBILITY_TAXONOMY, f"sex:{s.sex}", str(EligibleSex(s.sex).label)),
                )
            )
    for country in sorted(s.nationalities.all(), key=lambda c: c.code):
        terms.append(
            (
                ELIGIBILITY_LINK_TYPE,
                _term(ELIGIBILITY_TAXONOMY, f"nationality:{country.code}", country.name_en),
            )
        )
    for link_type, term in terms:
        tables["taxonomy_term"].append(term)
        tables["attribute"].append(
            {
                "id": _derived(code, f"attribute:{term['code']}"),
                "link_id": sid,
                "link_type": link_type,
                "link_entity": "service",
                "taxonomy_term_id": term["id"],
                "value": "",
            }
        )
    if s.phone:
        tables["phone"].append(
            {
                "id": _derived(code, "phone"),
                "service_id": sid,
                "organization_id": "",
                "number": s.phone,
                "type": "voice",
            }
        )
    if s.contact_name:
        tables["contact"].append(
            {"id": _derived(code, "contact"), "service_id": sid, "name": s.contact_name, "email": s.email}
        )
    if s.hours:
        tables["schedule"].append(
            {"id": _derived(code, "schedule"), "service_id": sid, "description": s.hours}
        )
    if s.capacity is not None or s.available is not None:
        unit = _unit()
        tables["unit"].append(unit)
        tables["service_capacity"].append(
            {
                "id": _derived(code, "service_capacity"),
                "service_id": sid,
                "unit_id": unit["id"],
                "available": s.available,
                "maximum": s.capacity,
                "updated": s.updated_at.isoformat() if s.updated_at else None,
            }
        )
    return tables


def _ordered(services: Iterable[Service]) -> list[Service]:
    items = list(services)
    prefetch_related_objects(items, "organisation", "province", "district", "areas", "nationalities")
    return sorted(items, key=lambda s: (s.name.casefold(), str(s.code)))


def _nulls(row: Row) -> Row:
    """JSON form of a row: empty text becomes null."""
    return {k: (None if v == "" else v) for k, v in row.items()}


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def export_json(services: Iterable[Service]) -> bytes:
    """The services as a UTF-8 JSON list of HSDS service objects, with their related records nested."""
    out = []
    for s in _ordered(services):
        t = _service_rows(s)
        terms = {term["id"]: term for term in t["taxonomy_term"]}
        units = {unit["id"]: unit for unit in t["unit"]}
        org_phones = [p for p in t["phone"] if not p["service_id"]]
        addresses = [_nulls(a) for a in t["address"]]
        locations = {
            loc["id"]: {**_nulls(loc), "addresses": [a for a in addresses if a["location_id"] == loc["id"]]}
            for loc in t["location"]
        }
        obj = _nulls(t["service"][0])
        obj["organization"] = {**_nulls(t["organization"][0]), "phones": [_nulls(p) for p in org_phones]}
        obj["service_areas"] = [_nulls(r) for r in t["service_area"]]
        obj["languages"] = [_nulls(r) for r in t["language"]]
        obj["phones"] = [_nulls(p) for p in t["phone"] if p["service_id"]]
        obj["contacts"] = [_nulls(r) for r in t["contact"]]
        obj["schedules"] = [_nulls(r) for r in t["schedule"]]
        obj["service_at_locations"] = [
            {**_nulls(sal), "location": locations[sal["location_id"]]} for sal in t["service_at_location"]
        ]
        obj["capacities"] = [
            {**_nulls(c), "unit": _nulls(units[c["unit_id"]])} for c in t["service_capacity"]
        ]
        obj["attributes"] = [
            {**_nulls(a), "taxonomy_term": _nulls(terms[a["taxonomy_term_id"]])} for a in t["attribute"]
        ]
        out.append(obj)
    return json.dumps(out, ensure_ascii=False, indent=2, default=_json_default).encode("utf-8")


# A cell a spreadsheet would run as a formula (=, @, a tab or carriage return, or + or - before something that is
# only digits, spaces and brackets, as in "+cmd|..."): written with a leading apostrophe, which spreadsheets show as text, and removed
# again on import, so the round trip stays exact. Phone numbers such as "+856 20 ..." are left as they are.
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-](?![\d ().-]*$))")
_ESCAPED = re.compile(r"^'(?:[=@\t\r]|[+-](?![\d ().-]*$))")


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if _FORMULA.match(text) or _ESCAPED.match(text) else text


def _csv_value(text: str) -> str:
    return text[1:] if _ESCAPED.match(text) else text


def _datapackage() -> bytes:
    resources = []
    for table, columns in COLUMNS.items():
        resources.append(
            {
                "name": table,
                "path": f"{table}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [{"name": c, "type": _FIELD_TYPES.get(c, "string")} for c in columns],
                    "primaryKey": ["id"],
                },
            }
        )
    package = {
        "name": "homeward-service-directory",
        "title": "Homeward service directory (Open Referral HSDS 3.x)",
        "profile": "tabular-data-package",
        "resources": resources,
    }
    return json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")


def _zip_add(zf: zipfile.ZipFile, name: str, content: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # fixed, so the archive is reproducible
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, content)


def export_csv_zip(services: Iterable[Service]) -> bytes:
    """The services as a ZIP: datapackage.json and one UTF-8 CSV per HSDS table, each with a header row."""
    tables: dict[str, dict[str, Row]] = {name: {} for name in COLUMNS}
    for s in _ordered(services):
        for table, rows in _service_rows(s).items():
            for row in rows:
                tables[table].setdefault(row["id"], row)
    sort_keys = {
        "organization": lambda r: (r["name"].casefold(), r["id"]),
        "taxonomy_term": lambda r: (r["taxonomy"], r["code"]),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        _zip_add(zf, "datapackage.json", _datapackage())
        for table, columns in COLUMNS.items():
            rows = list(tables[table].values())
            if table in sort_keys:
                rows.sort(key=sort_keys[table])
            text = io.StringIO(newline="")
            writer = csv.writer(text)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_csv_text(row.get(c)) for c in columns])
            _zip_add(zf, f"{table}.csv", text.getvalue().encode("utf-8"))
    return buffer.getvalue()


# ---- import: results ----------------------------------------------------------------------------------------
@dataclass
class ImportProblem:
    where: str  # "service.csv, row 4" or "service 3" (JSON, 1-based), already translated
    column: str  # the HSDS field, or "" for the whole row or file
    message: str  # translated, plain words


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    organisations_created: int = 0
    problems: list[ImportProblem] = field(default_factory=list)


@dataclass
class _Rec:
    """One record read from the file, and where it came from (for problems)."""

    data: Mapping[str, Any]
    where: str
    prefix: str = ""  # JSON records nested in a service name their fields "table.field"

    def col(self, name: str) -> str:
        return f"{self.prefix}{name}" if name else ""


@dataclass
class _Entry:
    """One service as read from the file, with its related records."""

    service: _Rec
    organization: _Rec | None = None
    org_phones: list[_Rec] = field(default_factory=list)
    service_areas: list[_Rec] = field(default_factory=list)
    languages: list[_Rec] = field(default_factory=list)
    phones: list[_Rec] = field(default_factory=list)
    contacts: list[_Rec] = field(default_factory=list)
    schedules: list[_Rec] = field(default_factory=list)
    locations: list[tuple[_Rec, list[_Rec]]] = field(default_factory=list)
    capacities: list[tuple[_Rec, _Rec | None]] = field(default_factory=list)
    attributes: list[tuple[_Rec, _Rec | None]] = field(default_factory=list)


@dataclass
class _Plan:
    """A service ready to save, with where each model field came from."""

    service: Service
    creating: bool
    new_org: Organisation | None
    areas: list[Area]
    nationalities: list[Country]
    where: str
    sources: dict[str, tuple[_Rec, str]]


class _Problems:
    def __init__(self) -> None:
        self.items: list[ImportProblem] = []
        self.seen: set[tuple[str, str]] = set()

    def add(self, where: str, column: str, message: str) -> None:
        self.seen.add((where, column))
        self.items.append(ImportProblem(where=where, column=column, message=message))

    def at(self, rec: _Rec, name: str, message: str) -> None:
        self.add(rec.where, rec.col(name), message)

    def has(self, rec: _Rec, name: str) -> bool:
        return (rec.where, rec.col(name)) in self.seen

    def __bool__(self) -> bool:
        return bool(self.items)


def _file_where() -> str:
    return _("file")


def _shown(value: Any, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- import: reading the file -------------------------------------------------------------------------------
def _too_deep(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _decode(raw: bytes, where: str, problems: _Problems) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.add(where, "", _("The file is not UTF-8 text. Save it as UTF-8 and try again."))
        return None


def _nested(parent: _Rec, key: str, table: str, problems: _Problems) -> list[_Rec]:
    value = parent.data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        problems.at(parent, key, _("This should be a list of objects."))
        return []
    return [_Rec(item, parent.where, f"{table}.") for item in value]


def _nested_one(parent: _Rec, key: str, table: str, problems: _Problems) -> _Rec | None:
    value = parent.data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.at(parent, key, _("This should be an object."))
        return None
    return _Rec(value, parent.where, f"{table}.")


def _parse_json(raw: bytes, problems: _Problems) -> list[_Entry] | None:
    where = _file_where()
    text = _decode(raw, where, problems)
    if text is None:
        return None
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except RecursionError:
        problems.add(where, "", _("The JSON is nested too deeply to be a service directory."))
        return None
    except ValueError as error:
        problems.add(where, "", _("This is not valid JSON: %(error)s.") % {"error": _shown(error, 120)})
        return None
    if _too_deep(data, MAX_JSON_DEPTH):
        problems.add(
            where,
            "",
            _("The JSON is nested more than %(limit)s levels deep, which a service directory never is.")
            % {"limit": MAX_JSON_DEPTH},
        )
        return None
    items = data.get("services") if isinstance(data, dict) else data
    if not isinstance(items, list):
        problems.add(
            where, "", _('The JSON should be a list of services, or an object with a "services" list.')
        )
        return None
    if len(items) > MAX_SERVICES:
        problems.add(
            where,
            "",
            _("The file holds %(count)s services; import at most %(limit)s at a time.")
            % {"count": len(items), "limit": MAX_SERVICES},
        )
        return None
    # Attributes may name a taxonomy term given in full elsewhere in the file.
    term_index: dict[str, Mapping[str, Any]] = {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("attributes"), list):
            for attribute in item["attributes"]:
                term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
                if isinstance(term, dict) and isinstance(term.get("id"), str):
                    term_index.setdefault(term["id"], term)
    entries = []
    for number, item in enumerate(items, start=1):
        where_service = _("service %(number)s") % {"number": number}
        if not isinstance(item, dict):
            problems.add(where_service, "", _("Each service should be a JSON object."))
            continue
        rec = _Rec(item, where_service)
        entry = _Entry(service=rec)
        entry.organization = _nested_one(rec, "organization", "organization", problems)
        if entry.organization is not None:
            entry.org_phones = _nested(entry.organization, "phones", "organization.phone", problems)
        entry.service_areas = _nested(rec, "service_areas", "service_area", problems)
        entry.languages = _nested(rec, "languages", "language", problems)
        entry.phones = _nested(rec, "phones", "phone", problems)
        entry.contacts = _nested(rec, "contacts", "contact", problems)
        entry.schedules = _nested(rec, "schedules", "schedule", problems)
        for sal in _nested(rec, "service_at_locations", "service_at_location", problems):
            location = _nested_one(sal, "location", "location", problems)
            if location is not None:
                entry.locations.append((location, _nested(location, "addresses", "address", problems)))
        for capacity in _nested(rec, "capacities", "service_capacity", problems):
            entry.capacities.append((capacity, _nested_one(capacity, "unit", "unit", problems)))
        for attribute in _nested(rec, "attributes", "attribute", problems):
            term = _nested_one(attribute, "taxonomy_term", "taxonomy_term", problems)
            if term is None:
                found = term_index.get(str(attribute.data.get("taxonomy_term_id") or ""))
                term = _Rec(found, where_service, "taxonomy_term.") if found is not None else None
            entry.attributes.append((attribute, term))
        entries.append(entry)
    return entries


def _bad_member_name(name: str) -> bool:
    return name.strip(".") == "" or any(mark in name for mark in ("/", "\\", ":", ".."))


def _read_zip_members(raw: bytes, problems: _Problems) -> dict[str, bytes] | None:
    """The known CSV files of the package, read within the limits; None when the ZIP is refused."""
    where = _file_where()
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        problems.add(where, "", _("This is not a ZIP file Homeward can open."))
        return None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            problems.add(
                where,
                "",
                _("The ZIP holds %(count)s files; at most %(limit)s are allowed.")
                % {"count": len(infos), "limit": MAX_ZIP_MEMBERS},
            )
            return None
        names: set[str] = set()
        total = 0
        for info in infos:
            name = info.filename
            if _bad_member_name(name):
                problems.add(
                    _shown(name) or where,
                    "",
                    _("Put every file at the top of the ZIP, with no folders and no paths."),
                )
                continue
            if name in names:
                problems.add(name, "", _("The ZIP holds two files of this name."))
            names.add(name)
            if info.file_size > MAX_MEMBER_BYTES:
                problems.add(
                    name,
                    "",
                    _("This file unpacks to %(size)s MB; each file may be at most %(limit)s MB.")
                    % {"size": round(info.file_size / MB, 1), "limit": MAX_MEMBER_BYTES // MB},
                )
            total += info.file_size
        if total > MAX_TOTAL_BYTES:
            problems.add(
                where,
                "",
                _("The files unpack to more than %(limit)s MB in all.") % {"limit": MAX_TOTAL_BYTES // MB},
            )
        if problems:
            return None
        members: dict[str, bytes] = {}
        read_total = 0
        for info in infos:
            table = info.filename[:-4] if info.filename.endswith(".csv") else ""
            if table not in COLUMNS:
                continue  # datapackage.json and anything else is not read
            try:
                with archive.open(info) as handle:
                    content = handle.read(MAX_MEMBER_BYTES + 1)  # in case the header lies about the size
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, zlib.error):
                problems.add(info.filename, "", _("This file in the ZIP is damaged or encrypted."))
                continue
            read_total += len(content)
            if len(content) > MAX_MEMBER_BYTES or read_total > MAX_TOTAL_BYTES:
                problems.add(
                    info.filename,
                    "",
                    _("This file unpacks to more than it declares; the ZIP is refused."),
                )
                return None
            members[table] = content
        if problems:
            return None
        return members


def _read_csv(member: str, raw: bytes, problems: _Problems) -> tuple[list[str], list[_Rec]] | None:
    text = _decode(raw, member, problems)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        records = []
        for number, values in enumerate(reader, start=2):  # the header is row 1, as a spreadsheet shows it
            if not any(v.strip() for v in values):
                continue
            data = {h: _csv_value(v) for h, v in zip(header, values, strict=False) if h}
            where = _("%(file)s, row %(row)s") % {"file": member, "row": number}
            records.append(_Rec(data, where))
    except csv.Error as error:
        problems.add(member, "", _("This CSV file could not be read: %(error)s.") % {"error": _shown(error)})
        return None
    return header, records


def _parse_zip(raw: bytes, problems: _Problems) -> list[_Entry] | None:
    members = _read_zip_members(raw, problems)
    if members is None:
        return None
    if "service" not in members:
        problems.add(_file_where(), "", _("The ZIP has no service.csv, so there is nothing to import."))
        return None
    tables: dict[str, list[_Rec]] = {}
    for table, content in members.items():
        read = _read_csv(f"{table}.csv", content, problems)
        if read is None:
            continue
        header, records = read
        if table == "service":
            for required in ("id", "name"):
                if required not in header:
                    problems.add(
                        "service.csv",
                        required,
                        _("The file has no %(column)s column.") % {"column": required},
                    )
        tables[table] = records
    if problems:
        return None
    services = tables.get("service", [])
    if len(services) > MAX_SERVICES:
        problems.add(
            "service.csv",
            "",
            _("The file holds %(count)s services; import at most %(limit)s at a time.")
            % {"count": len(services), "limit": MAX_SERVICES},
        )
        return None

    def value(rec: _Rec, name: str) -> str:
        return str(rec.data.get(name) or "").strip()

    def by(table: str, key: str) -> dict[str, list[_Rec]]:
        index: dict[str, list[_Rec]] = {}
        for rec in tables.get(table, []):
            index.setdefault(value(rec, key), []).append(rec)
        return index

    def first_by_id(table: str) -> dict[str, _Rec]:
        index: dict[str, _Rec] = {}
        for rec in tables.get(table, []):
            index.setdefault(value(rec, "id"), rec)
        return index

    service_ids = {value(rec, "id") for rec in services} - {""}
    organizations = first_by_id("organization")
    locations = first_by_id("location")
    units = first_by_id("unit")
    terms = first_by_id("taxonomy_term")
    addresses = by("address", "location_id")
    service_phones: dict[str, list[_Rec]] = {}
    org_phones: dict[str, list[_Rec]] = {}
    for rec in tables.get("phone", []):
        if value(rec, "service_id"):
            service_phones.setdefault(value(rec, "service_id"), []).append(rec)
        elif value(rec, "organization_id"):
            org_phones.setdefault(value(rec, "organization_id"), []).append(rec)
    attributes: dict[str, list[_Rec]] = {}
    for rec in tables.get("attribute", []):
        if value(rec, "link_entity") in ("", "service"):
            attributes.setdefault(value(rec, "link_id"), []).append(rec)
    grouped = {
        table: by(table, "service_id")
        for table in (
            "service_area",
            "language",
            "contact",
            "schedule",
            "service_capacity",
            "service_at_location",
        )
    }
    # Rows that belong to no service in service.csv.
    orphan_sources = [*grouped.items(), ("phone", service_phones)]
    for _table, index in orphan_sources:
        for sid, recs in index.items():
            if sid not in service_ids:
                for rec in recs:
                    problems.at(
                        rec,
                        "service_id",
                        _("There is no service with the id %(id)s in service.csv.") % {"id": _shown(sid)},
                    )
    for link_id, recs in attributes.items():
        if link_id not in service_ids:
            for rec in recs:
                problems.at(
                    rec,
                    "link_id",
                    _("There is no service with the id %(id)s in service.csv.") % {"id": _shown(link_id)},
                )

    entries = []
    for rec in services:
        sid = value(rec, "id")
        org_id = value(rec, "organization_id")
        entry = _Entry(service=rec, organization=organizations.get(org_id) if org_id else None)
        entry.org_phones = org_phones.get(org_id, []) if org_id else []
        if sid:
            entry.service_areas = grouped["service_area"].get(sid, [])
            entry.languages = grouped["language"].get(sid, [])
            entry.phones = service_phones.get(sid, [])
            entry.contacts = grouped["contact"].get(sid, [])
            entry.schedules = grouped["schedule"].get(sid, [])
            for sal in grouped["service_at_location"].get(sid, []):
                location_id = value(sal, "location_id")
                location = locations.get(location_id)
                if location is None:
                    problems.at(
                        sal,
                        "location_id",
                        _("There is no location with the id %(id)s in location.csv.")
                        % {"id": _shown(location_id)},
                    )
                    continue
                entry.locations.append((location, addresses.get(location_id, [])))
            for capacity in grouped["service_capacity"].get(sid, []):
                unit_id = value(capacity, "unit_id")
                unit = units.get(unit_id) if unit_id else None
                if unit_id and unit is None:
                    problems.at(
                        capacity,
                        "unit_id",
                        _("There is no unit with the id %(id)s in unit.csv.") % {"id": _shown(unit_id)},
                    )
                    continue
                entry.capacities.append((capacity, unit))
            for attribute in attributes.get(sid, []):
                entry.attributes.append((attribute, terms.get(value(attribute, "taxonomy_term_id"))))
        entries.append(entry)
    return entries


# ---- import: checking every entry -------------------------------------------------------------------------
class _Reader:
    """Turns the entries read from the file into services ready to save, collecting every problem."""

    def __init__(self, actor: Any, problems: _Problems) -> None:
        self.actor = actor
        self.problems = problems
        self.manage = can(actor, Cap.DIRECTORY_MANAGE)
        lao = list(Area.objects.filter(country__code="LA").select_related("country", "parent"))
        self.area_by_code = {a.code.upper(): a for a in lao}
        self.area_by_name: dict[str, list[Area]] = {}
        for area in lao:
            for name in {area.name_en.casefold(), area.name_lo.casefold()} - {""}:
                self.area_by_name.setdefault(name, []).append(area)
        self.countries = {c.code.upper(): c for c in Country.objects.all()}
        lao_country = self.countries.get("LA")
        self.national_names = {NATIONAL_AREA_NAME.casefold(), "laos", "lao people's democratic republic"}
        if lao_country is not None:
            self.national_names |= {lao_country.name_en.casefold(), lao_country.name_lo.casefold()} - {""}
        with translation.override("en"):
            self.language_by_name = {str(label).casefold(): code for code, label in Language.choices}
        self.orgs_by_code: dict[uuid.UUID, Organisation | None] = {}
        self.orgs_by_name: dict[str, Organisation | None] = {}
        self.new_orgs: dict[str, Organisation] = {}  # by name
        self.new_org_codes: dict[uuid.UUID, Organisation] = {}
        self.existing: dict[uuid.UUID, Service] = {}
        self.seen_ids: set[uuid.UUID] = set()

    # -- values
    def text(self, rec: _Rec | None, name: str) -> str:
        if rec is None:
            return ""
        value = rec.data.get(name)
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
            return str(value)
        self.problems.at(rec, name, _("This should be text."))
        return ""

    def whole(self, rec: _Rec | None, name: str, limit: int) -> int | None:
        if rec is None:
            return None
        value = rec.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        number: Decimal | None = None
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            number = Decimal(value)
        elif isinstance(value, str):
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                number = None
        if (
            number is None
            or not number.is_finite()
            or number < 0
            or (number <= limit and number != number.to_integral_value())
        ):
            self.problems.at(
                rec, name, _("%(value)s is not a whole number of 0 or more.") % {"value": _shown(value)}
            )
            return None
        if number > limit:
            self.problems.at(
                rec,
                name,
                _("%(value)s is too large: at most %(limit)s.") % {"value": _shown(value), "limit": limit},
            )
            return None
        return int(number)

    def coordinate(self, rec: _Rec | None, name: str, bound: int) -> Decimal | None:
        if rec is None:
            return None
        value = rec.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        number: Decimal | None = None
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            number = Decimal(value)
        elif isinstance(value, str):
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                number = None
        if number is None or not number.is_finite():
            self.problems.at(rec, name, _("%(value)s is not a number.") % {"value": _shown(value)})
            return None
        if not -bound <= number <= bound:
            message = (
                _("The latitude must be between -90 and 90.")
                if name == "latitude"
                else _("The longitude must be between -180 and 180.")
            )
            self.problems.at(rec, name, message)
            return None
        return number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)

    def date(self, rec: _Rec, name: str) -> dt.date | None:
        raw = self.text(rec, name)
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
        try:
            return dt.datetime.fromisoformat(raw).date()
        except ValueError:
            self.problems.at(
                rec, name, _("%(value)s is not a date in the form YYYY-MM-DD.") % {"value": _shown(raw)}
            )
            return None

    # -- organisations
    def organisation(self, entry: _Entry) -> tuple[Organisation | None, bool]:
        """The organisation of the entry, or a new one to create; (None, False) after a problem."""
        rec = entry.service
        org_rec = entry.organization
        raw_id = self.text(rec, "organization_id") or self.text(org_rec, "id")
        name = self.text(org_rec, "name")
        code = _uuid(raw_id)
        org: Organisation | None = None
        if code is not None:
            if code not in self.orgs_by_code:
                self.orgs_by_code[code] = Organisation.objects.filter(code=code).first()
            org = self.orgs_by_code[code]
            if org is None and code in self.new_org_codes:
                return self.new_org_codes[code], True
        if org is None and name:
            if name not in self.orgs_by_name:
                self.orgs_by_name[name] = Organisation.objects.filter(name=name).first()
            org = self.orgs_by_name[name]
        if org is not None:
            if not may_edit_directory(self.actor, org.id):
                self.problems.at(
                    rec,
                    "organization_id",
                    _(
                        "You can import only your own organisation's entries; this one belongs to "
                        "%(organisation)s."
                    )
                    % {"organisation": org.name},
                )
                return None, False
            return org, False
        if not raw_id and not name:
            self.problems.at(rec, "organization_id", _("Say which organisation gives the service."))
            return None, False
        shown = name or raw_id
        if not self.manage:
            self.problems.at(
                rec,
                "organization_id",
                _(
                    "The organisation %(organisation)s is not in Homeward. Only a national coordinator can "
                    "add it by importing; ask one, or choose an organisation already in Homeward."
                )
                % {"organisation": _shown(shown)},
            )
            return None, False
        if org_rec is None or not name:
            self.problems.at(
                rec,
                "organization_id",
                _(
                    "The organisation %(organisation)s is not in Homeward, and the file does not give its name."
                )
                % {"organisation": _shown(shown)},
            )
            return None, False
        if name in self.new_orgs:
            return self.new_orgs[name], True
        return self.new_organisation(org_rec, entry.org_phones, name, code), True

    def new_organisation(
        self, rec: _Rec, phones: list[_Rec], name: str, code: uuid.UUID | None
    ) -> Organisation | None:
        kind = self.text(rec, "hw_type")
        short_name = self.text(rec, "alternate_name")
        phone = next((self.text(p, "number") for p in phones if self.text(p, "number")), "")
        org = Organisation(
            name=name,
            short_name=short_name if len(short_name) <= 40 else "",
            type=kind if kind in OrgType.values else OrgType.NGO,
            email=self.text(rec, "email"),
            phone=phone if len(phone) <= 20 else "",
            is_external=True,
        )
        if code is not None:
            org.code = code
        try:
            org.full_clean()
        except ValidationError as error:
            columns = {"name": "name", "email": "email", "short_name": "alternate_name"}
            for field_name, messages in error.message_dict.items():
                for message in messages:
                    self.problems.at(rec, columns.get(field_name, ""), message)
            return None
        self.new_orgs[name] = org
        if code is not None:
            self.new_org_codes[code] = org
        return org

    # -- places
    def province(self, location: _Rec | None, address: _Rec | None, fallback: _Rec) -> Area | None:
        code = self.text(location, "hw_province_code")
        if location is not None and code:
            area = self.area_by_code.get(code.upper())
            if area is None or area.level != 1:
                self.problems.at(
                    location,
                    "hw_province_code",
                    _("The province code %(value)s is not a Lao province.") % {"value": _shown(code)},
                )
                return None
            return area
        name = self.text(address, "state_province")
        if address is not None and name:
            found = [a for a in self.area_by_name.get(name.casefold(), []) if a.level == 1]
            if len(found) != 1:
                self.problems.at(
                    address,
                    "state_province",
                    _("%(value)s is not the name of a Lao province.") % {"value": _shown(name)},
                )
                return None
            return found[0]
        self.problems.at(
            location or fallback,
            "hw_province_code",
            _("Give the province where the service is (hw_province_code or the address's state_province)."),
        )
        return None

    def district(self, location: _Rec | None, address: _Rec | None, province: Area | None) -> Area | None:
        code = self.text(location, "hw_district_code")
        if location is not None and code:
            area = self.area_by_code.get(code.upper())
            if area is None or area.level != 2:
                self.problems.at(
                    location,
                    "hw_district_code",
                    _("The district code %(value)s is not a Lao district.") % {"value": _shown(code)},
                )
                return None
            if province is not None and area.parent_id != province.id:
                self.problems.at(
                    location,
                    "hw_district_code",
                    _("The district %(district)s is not in the province %(province)s.")
                    % {"district": area.name_en, "province": province.name_en},
                )
                return None
            return area
        city = self.text(address, "city")
        if city and province is not None:
            found = [
                a
                for a in self.area_by_name.get(city.casefold(), [])
                if a.level == 2 and a.parent_id == province.id
            ]
            if len(found) == 1:
                return found[0]
        return None  # a town that is not a district name: the district stays empty

    def areas(self, entry: _Entry) -> tuple[bool, list[Area]]:
        national = False
        areas: dict[str, Area] = {}
        for rec in entry.service_areas:
            code = self.text(rec, "hw_area_code")
            name = self.text(rec, "name")
            if code:
                if code.upper() == NATIONAL_AREA_CODE:
                    national = True
                elif code.upper() in self.area_by_code:
                    area = self.area_by_code[code.upper()]
                    areas[area.code] = area
                else:
                    self.problems.at(
                        rec,
                        "hw_area_code",
                        _("The area code %(value)s is not a Lao province or district.")
                        % {"value": _shown(code)},
                    )
            elif name:
                if name.casefold() in self.national_names:
                    national = True
                    continue
                found = self.area_by_name.get(name.casefold(), [])
                if len(found) == 1:
                    areas[found[0].code] = found[0]
                elif found:
                    self.problems.at(
                        rec,
                        "name",
                        _(
                            "Several Lao provinces or districts are called %(value)s; give its code in "
                            "hw_area_code instead."
                        )
                        % {"value": _shown(name)},
                    )
                else:
                    self.problems.at(
                        rec,
                        "name",
                        _("%(value)s is not the name of a Lao province or district.")
                        % {"value": _shown(name)},
                    )
            else:
                self.problems.at(rec, "name", _("Give the area's name or its code (hw_area_code)."))
        return national, sorted(areas.values(), key=lambda a: a.code)

    # -- one entry
    def read(self, entries: list[_Entry]) -> list[_Plan]:
        raw_ids = [e.service.data.get("id") for e in entries]
        codes = [c for c in (_uuid(r.strip()) for r in raw_ids if isinstance(r, str)) if c is not None]
        for start in range(0, len(codes), 500):  # within every database's limit on query parameters
            for service in Service.objects.filter(code__in=codes[start : start + 500]):
                self.existing[service.code] = service
        plans = []
        for entry in entries:
            plan = self.entry(entry)
            if plan is not None:
                plans.append(plan)
        return plans

    def entry(self, entry: _Entry) -> _Plan | None:
        rec = entry.service
        before = len(self.problems.items)
        sources: dict[str, tuple[_Rec, str]] = {"code": (rec, "id"), "organisation": (rec, "organization_id")}
        service, creating = self.identity(rec)
        org, is_new = self.organisation(entry)
        if org is not None:
            service.organisation = org
        self.plain_fields(rec, service, sources)
        self.reach(entry, service, sources)
        self.capacity(entry, service, sources)
        province = self.place(entry, service, sources)
        areas = self.served(entry, service, sources)
        nationalities = self.terms(entry, service, sources)
        # What Django checks besides: lengths, e-mail and web addresses, required fields.
        exclude = ["areas", "nationalities"]
        if org is None or is_new:
            exclude.append("organisation")
        if province is None:
            exclude.append("province")
        try:
            service.full_clean(exclude=exclude, validate_constraints=False)
        except ValidationError as error:
            self.report(error, sources, rec, only_new=True)
        if len(self.problems.items) > before or org is None:
            return None
        return _Plan(
            service=service,
            creating=creating,
            new_org=org if is_new else None,
            areas=areas,
            nationalities=nationalities,
            where=rec.where,
            sources=sources,
        )

    def identity(self, rec: _Rec) -> tuple[Service, bool]:
        """The entry with the service's id, to update; else a new one, with that id. True when new."""
        raw_id = self.text(rec, "id")
        code = _uuid(raw_id)
        if raw_id and code is None:
            self.problems.at(
                rec, "id", _("%(value)s is not a valid id (a UUID).") % {"value": _shown(raw_id)}
            )
        if code is not None:
            if code in self.seen_ids:
                self.problems.at(
                    rec, "id", _("Another service in this file has the same id %(id)s.") % {"id": code}
                )
            self.seen_ids.add(code)
        existing = self.existing.get(code) if code is not None else None
        if existing is not None:
            if may_edit_directory(self.actor, existing.organisation_id):
                return existing, False
            self.problems.at(
                rec,
                "id",
                _("This entry is already in the directory, kept by %(organisation)s; you cannot change it.")
                % {"organisation": existing.organisation.name},
            )
        service = Service()
        if code is not None:
            service.code = code
        return service, True

    def plain_fields(self, rec: _Rec, service: Service, sources: dict[str, tuple[_Rec, str]]) -> None:
        for model_field, column in (
            ("name", "name"),
            ("name_lo", "alternate_name"),
            ("description", "description"),
            ("description_lo", "hw_description_lo"),
            ("url", "url"),
            ("email", "email"),
            ("application_process", "application_process"),
            ("fees", "fees_description"),
            ("eligibility", "eligibility_description"),
            ("status", "status"),
            ("min_age", "minimum_age"),
            ("max_age", "maximum_age"),
            ("waiting_days", "hw_waiting_days"),
            ("assured_on", "assured_date"),
        ):
            sources[model_field] = (rec, column)
            if model_field in ("min_age", "max_age", "waiting_days"):
                setattr(service, model_field, self.whole(rec, column, _SMALL_MAX))
            elif model_field == "assured_on":
                service.assured_on = self.date(rec, column)
            else:
                setattr(service, model_field, self.text(rec, column))
        service.status = service.status.lower() or ServiceStatus.ACTIVE
        if service.status not in ServiceStatus.values:
            self.problems.at(
                rec,
                "status",
                _("The status %(value)s is not one of: %(choices)s.")
                % {"value": _shown(service.status), "choices": ", ".join(ServiceStatus.values)},
            )
        if service.min_age is not None and service.max_age is not None and service.min_age > service.max_age:
            self.problems.at(
                rec,
                "maximum_age",
                _("The oldest age (%(max)s) is below the youngest age (%(min)s).")
                % {"max": service.max_age, "min": service.min_age},
            )

    def reach(self, entry: _Entry, service: Service, sources: dict[str, tuple[_Rec, str]]) -> None:
        """Contact, phone and opening hours: Homeward keeps one of each; the first given is read."""
        contact = next((c for c in entry.contacts if self.text(c, "name") or self.text(c, "email")), None)
        service.contact_name = self.text(contact, "name")
        if contact is not None:
            sources["contact_name"] = (contact, "name")
            if not service.email and self.text(contact, "email"):
                service.email = self.text(contact, "email")
                sources["email"] = (contact, "email")
        phone = next((p for p in entry.phones if self.text(p, "number")), None)
        service.phone = self.text(phone, "number")
        if phone is not None:
            sources["phone"] = (phone, "number")
        schedule = next((s for s in entry.schedules if self.text(s, "description")), None)
        service.hours = self.text(schedule, "description")
        if schedule is not None:
            sources["hours"] = (schedule, "description")

    def capacity(self, entry: _Entry, service: Service, sources: dict[str, tuple[_Rec, str]]) -> None:
        """The first service_capacity counted in places (other units are not Homeward's)."""
        capacity = next(
            (
                c
                for c, unit in entry.capacities
                if unit is None or self.text(unit, "name").casefold() in ("", CAPACITY_UNIT, "place")
            ),
            None,
        )
        service.capacity = self.whole(capacity, "maximum", _INT_MAX)
        service.available = self.whole(capacity, "available", _INT_MAX)
        if capacity is None:
            return
        sources["capacity"] = (capacity, "maximum")
        sources["available"] = (capacity, "available")
        if (
            service.capacity is not None
            and service.available is not None
            and service.available > service.capacity
        ):
            self.problems.at(
                capacity,
                "available",
                _("There cannot be more places free (%(available)s) than places in all (%(maximum)s).")
                % {"available": service.available, "maximum": service.capacity},
            )

    def place(self, entry: _Entry, service: Service, sources: dict[str, tuple[_Rec, str]]) -> Area | None:
        """Where it is given: the first location and its first address. Returns the province."""
        location, addresses = entry.locations[0] if entry.locations else (None, [])
        address = addresses[0] if addresses else None
        province = self.province(location, address, entry.service)
        if province is not None:
            service.province = province
        service.district = self.district(location, address, province)
        place_rec = location or entry.service
        sources["province"] = (place_rec, "hw_province_code")
        sources["district"] = (place_rec, "hw_district_code")
        sources["latitude"] = (place_rec, "latitude")
        sources["longitude"] = (place_rec, "longitude")
        country = self.text(address, "country").upper()
        if address is not None and country and country not in ("LA", "LAO"):
            self.problems.at(
                address, "country", _("The directory holds services in Lao PDR only: the country must be LA.")
            )
        service.address = ""
        if address is not None:
            parts = [self.text(address, "address_1"), self.text(address, "address_2")]
            service.address = ", ".join(p for p in parts if p)
            sources["address"] = (address, "address_1")
        service.latitude = self.coordinate(location, "latitude", 90)
        service.longitude = self.coordinate(location, "longitude", 180)
        if (
            location is not None
            and (service.latitude is None) != (service.longitude is None)
            and not (self.problems.has(location, "latitude") or self.problems.has(location, "longitude"))
        ):
            self.problems.at(
                location, "longitude", _("Give both the latitude and the longitude, or neither.")
            )
        return province

    def served(self, entry: _Entry, service: Service, sources: dict[str, tuple[_Rec, str]]) -> list[Area]:
        """The areas it serves (or the whole country) and the languages spoken."""
        rec = entry.service
        before = len(self.problems.items)
        national, areas = self.areas(entry)
        service.national = national
        sources["areas"] = (rec, "service_areas")
        sources["national"] = (rec, "service_areas")
        if not national and not areas and len(self.problems.items) == before:
            self.problems.at(
                rec,
                "service_areas",
                _(
                    "Say which provinces or districts it serves, or that it serves the whole country "
                    "(a service_area with hw_area_code LA)."
                ),
            )
        languages: list[str] = []
        for lang_rec in entry.languages:
            lang_code = self.text(lang_rec, "code").lower()
            lang_name = self.text(lang_rec, "name")
            if lang_code in Language.values:
                languages.append(lang_code)
            elif lang_code:
                self.problems.at(
                    lang_rec,
                    "code",
                    _("The language code %(value)s is not one Homeward knows. Use one of: %(choices)s.")
                    % {"value": _shown(lang_code), "choices": ", ".join(Language.values)},
                )
            elif lang_name.casefold() in self.language_by_name:
                languages.append(self.language_by_name[lang_name.casefold()])
            else:
                self.problems.at(
                    lang_rec,
                    "name" if lang_name else "code",
                    _("The language %(value)s is not one Homeward knows; give its ISO 639 code.")
                    % {"value": _shown(lang_name)},
                )
        service.languages = list(dict.fromkeys(languages))
        sources["languages"] = (rec, "languages")
        return areas

    def terms(self, entry: _Entry, service: Service, sources: dict[str, tuple[_Rec, str]]) -> list[Country]:
        """The type of service and the eligibility, from attributes and their taxonomy terms. Returns the
        nationalities it is limited to."""
        categories: list[str] = []
        category_problem = False
        sexes: set[str] = set()
        nationalities: dict[str, Country] = {}
        for attribute, term in entry.attributes:
            if term is None:
                self.problems.at(
                    attribute,
                    "taxonomy_term_id",
                    _("There is no taxonomy term with the id %(id)s.")
                    % {"id": _shown(self.text(attribute, "taxonomy_term_id"))},
                )
                continue
            taxonomy = self.text(term, "taxonomy")
            term_code = self.text(term, "code")
            link_type = self.text(attribute, "link_type")
            if taxonomy == CATEGORY_TAXONOMY or (not taxonomy and link_type == CATEGORY_LINK_TYPE):
                sources["category"] = (term, "code")
                if term_code.lower() in ServiceCategory.values:
                    categories.append(term_code.lower())
                else:
                    category_problem = True
                    self.problems.at(
                        term,
                        "code",
                        _("The type of service %(value)s is not one Homeward knows. Use one of: %(choices)s.")
                        % {"value": _shown(term_code), "choices": ", ".join(ServiceCategory.values)},
                    )
            elif taxonomy == ELIGIBILITY_TAXONOMY or (not taxonomy and link_type == ELIGIBILITY_LINK_TYPE):
                kind, _sep, term_value = term_code.partition(":")
                if kind == "sex" and term_value.lower() in (EligibleSex.FEMALE, EligibleSex.MALE):
                    sexes.add(term_value.lower())
                    sources["sex"] = (term, "code")
                elif kind == "nationality" and term_value.upper() in self.countries:
                    nationalities[term_value.upper()] = self.countries[term_value.upper()]
                    sources["nationalities"] = (term, "code")
                elif kind == "nationality":
                    self.problems.at(
                        term,
                        "code",
                        _("The country code %(value)s is not an ISO 3166 country code.")
                        % {"value": _shown(term_value)},
                    )
                else:
                    self.problems.at(
                        term,
                        "code",
                        _(
                            "The eligibility term %(value)s is not one Homeward knows: use sex:female, sex:male "
                            "or nationality: and a country code."
                        )
                        % {"value": _shown(term_code)},
                    )
            # Terms of other taxonomies are not Homeward's and are left aside.
        rec = entry.service
        distinct = list(dict.fromkeys(categories))
        if len(distinct) > 1:
            self.problems.at(
                rec,
                "attributes",
                _("A service has one type; this one has several: %(values)s.")
                % {"values": ", ".join(distinct)},
            )
        elif not distinct and not category_problem:
            self.problems.at(
                rec,
                "attributes",
                _("Give the type of service: an attribute with a term of the taxonomy %(taxonomy)s.")
                % {"taxonomy": CATEGORY_TAXONOMY},
            )
        service.category = distinct[0] if distinct else ""
        sources.setdefault("category", (rec, "attributes"))
        service.sex = sexes.pop() if len(sexes) == 1 else EligibleSex.ANY  # both sexes: anyone
        return sorted(nationalities.values(), key=lambda c: c.code)

    def report(
        self, error: ValidationError, sources: dict[str, tuple[_Rec, str]], rec: _Rec, only_new: bool
    ) -> None:
        """A ValidationError from Django or service_save, as problems at the record and column it came from."""
        by_field = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        for field_name, messages in by_field.items():
            source, column = sources.get(field_name, (rec, ""))
            if only_new and (self.problems.has(source, column) or field_name == NON_FIELD_ERRORS):
                continue
            for message in messages:
                self.problems.at(source, column, message)


def _uuid(raw: str) -> uuid.UUID | None:
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


class _Rollback(Exception):
    pass


def import_directory(*, actor: Any, filename: str, data: bytes, ip: str | None = None) -> ImportResult:
    """Import directory entries from an HSDS JSON file or CSV package (ZIP), all or nothing.

    Every entry is checked first and every problem reported; only when there is none is anything written, in
    one transaction, each entry through ``service_save`` (which checks permission and audits)."""
    if not (can(actor, Cap.DIRECTORY_MANAGE) or can(actor, Cap.DIRECTORY_EDIT)):
        raise PermissionDenied404
    result = ImportResult()
    problems = _Problems()
    if len(data) > MAX_FILE_BYTES:
        problems.add(
            _file_where(),
            "",
            _("The file is larger than %(limit)s MB. Split it into smaller files.")
            % {"limit": MAX_FILE_BYTES // MB},
        )
        result.problems = problems.items
        return result
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    entries: list[_Entry] | None
    if suffix == "json":
        entries = _parse_json(data, problems)
    elif suffix == "zip":
        entries = _parse_zip(data, problems)
    else:
        problems.add(
            _file_where(),
            "",
            _(
                "Homeward imports a .json file or a .zip of CSV files in the Open Referral (HSDS) form; "
                "this file is neither."
            ),
        )
        entries = None
    if entries is not None and not entries and not problems:
        problems.add(_file_where(), "", _("The file holds no services."))
    if problems or entries is None:
        result.problems = problems.items
        return result

    reader = _Reader(actor, problems)
    plans = reader.read(entries)
    if problems:
        result.problems = problems.items
        return result

    try:
        with transaction.atomic():
            saved_orgs: set[int] = set()
            for plan in plans:
                org = plan.new_org
                if org is not None:
                    if org.pk is None:
                        org.save()
                        audit_record(
                            actor=actor,
                            action=Action.CREATE,
                            object_type="organisation",
                            object_codes=[org.code],
                            fields=["name", "type", "is_external"],
                            ip=ip,
                        )
                        saved_orgs.add(org.pk)
                    plan.service.organisation = org
                try:
                    service_save(
                        actor=actor,
                        service=plan.service,
                        areas=plan.areas,
                        nationalities=plan.nationalities,
                        ip=ip,
                    )
                except ValidationError as error:
                    reader.report(error, plan.sources, plan.sources["code"][0], only_new=False)
                    continue
                except PermissionDenied404:
                    problems.add(plan.where, "", _("You may not change this entry."))
                    continue
                except IntegrityError:
                    problems.add(
                        plan.where, "id", _("This entry clashes with one saved at the same time; try again.")
                    )
                    continue
                if plan.creating:
                    result.created += 1
                else:
                    result.updated += 1
            if problems:
                raise _Rollback
            result.organisations_created = len(saved_orgs)
    except _Rollback:
        for plan in plans:
            if plan.new_org is not None:
                plan.new_org.pk = None
        return ImportResult(problems=problems.items)
    return result
