"""The service directory in Open Referral HSDS form: export, import back exactly, and refuse what is wrong
(with every problem named) without writing anything."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from homeward.accounts.models import Organisation, OrgType
from homeward.audit.models import AuditEvent
from homeward.cases.services import PermissionDenied404
from homeward.places.models import Area, Country
from homeward.referrals import hsds
from homeward.referrals.hsds import export_csv_zip, export_json, import_directory
from homeward.referrals.models import Service
from homeward.referrals.services import service_save

FIELDS = [
    f.name
    for f in Service._meta.concrete_fields
    if f.name not in ("id", "updated_at", "updated_by", "organisation")
]


def area(code: str) -> Area:
    return Area.objects.get(code=code)


def make_service(actor: Any, org: Organisation, **fields: Any) -> Service:
    areas = fields.pop("areas", [])
    nationalities = fields.pop("nationalities", [])
    defaults: dict[str, Any] = {
        "name": "Service",
        "category": "health",
        "province": area("LA01"),
    }
    defaults.update(fields)
    if not defaults.get("national") and not areas:
        areas = [defaults["province"]]
    service = Service(organisation=org, **defaults)
    return service_save(
        actor=actor,
        service=service,
        areas=[a if isinstance(a, Area) else area(a) for a in areas],
        nationalities=[Country.objects.get(code=c) for c in nationalities],
    )


@pytest.fixture
def directory(personas) -> list[Service]:
    nora = personas.nora
    return [
        make_service(
            nora,
            personas.org_a,
            name="Safe House Vientiane",
            name_lo="ເຮືອນປອດໄພ ວຽງຈັນ",
            description="Shelter for women and girls who have returned.",
            description_lo="ທີ່ພັກອາໄສສຳລັບແມ່ຍິງ ແລະ ເດັກຍິງ",
            category="shelter",
            status="active",
            address="Ban Phonxay, Road 13",
            province=area("LA01"),
            district=area("LA0101"),
            latitude=Decimal("17.966667"),
            longitude=Decimal("102.600000"),
            national=True,
            sex="female",
            min_age=12,
            max_age=25,
            nationalities=["LA", "TH"],
            eligibility="Referred by a caseworker; survivors of trafficking.",
            languages=["lo", "th", "hmn"],
            contact_name="ນາງ ສົມໃຈ",
            phone="+856 21 123 456",
            email="shelter@example.org",
            url="https://example.org/shelter",
            hours="Mon–Fri 8:00–16:30; emergencies any time",
            application_process="Call first, then send the referral.",
            fees="Free",
            capacity=20,
            available=3,
            waiting_days=7,
            assured_on=dt.date(2026, 3, 1),
        ),
        make_service(
            nora,
            personas.org_p,
            name="Legal aid clinic",
            name_lo="ຄລີນິກຊ່ວຍເຫຼືອທາງກົດໝາຍ",
            category="legal",
            status="temporarily closed",
            province=area("LA05"),
            district=None,
            areas=["LA05", "LA0601", "LA0101"],
            sex="male",
            languages=[],
        ),
        make_service(
            nora,
            personas.org_i,
            name="Family tracing",
            category="family",
            status="inactive",
            province=area("LA13"),
            areas=["LA13"],
            min_age=18,
            languages=["en", "lo"],
            capacity=None,
            available=5,
        ),
    ]


def snapshot(services: Any) -> dict[str, dict[str, Any]]:
    out = {}
    for s in services:
        row = {f: getattr(s, f) for f in FIELDS}
        row["organisation"] = s.organisation.code
        row["areas"] = sorted(a.code for a in s.areas.all())
        row["nationalities"] = sorted(c.code for c in s.nationalities.all())
        out[str(s.code)] = row
    return out


def zip_tables(data: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {
            name[:-4]: list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8"), newline="")))
            for name in zf.namelist()
            if name.endswith(".csv")
        }


def build_zip(tables: dict[str, list[dict[str, str]]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, rows in tables.items():
            text = io.StringIO(newline="")
            columns = list(hsds.COLUMNS[name])
            writer = csv.DictWriter(text, columns)
            writer.writeheader()
            writer.writerows(rows)
            zf.writestr(f"{name}.csv", text.getvalue().encode("utf-8"))
    return buffer.getvalue()


def where_columns(result: hsds.ImportResult) -> set[tuple[str, str]]:
    return {(p.where, p.column) for p in result.problems}


# ---- export ------------------------------------------------------------------------------------------------
def test_json_export_is_hsds_shaped_deterministic_and_keeps_lao(directory):
    data = export_json(directory)
    assert data == export_json(list(reversed(directory)))
    text = data.decode("utf-8")
    assert "ເຮືອນປອດໄພ ວຽງຈັນ" in text  # not \u-escaped
    services = json.loads(text)
    shelter = next(s for s in services if s["name"] == "Safe House Vientiane")
    assert shelter["id"] == str(directory[0].code)
    assert shelter["organization"]["id"] == str(directory[0].organisation.code)
    assert shelter["status"] == "active"
    assert shelter["minimum_age"] == 12
    assert shelter["hw_waiting_days"] == 7
    assert shelter["service_areas"] == [
        {
            "id": str(uuid.uuid5(directory[0].code, "service_area:LA")),
            "service_id": str(directory[0].code),
            "name": "Lao PDR",
            "description": None,
            "extent": None,
            "extent_type": None,
            "uri": None,
            "hw_area_code": "LA",
        }
    ]
    assert [lang["code"] for lang in shelter["languages"]] == ["lo", "th", "hmn"]
    assert shelter["languages"][0]["name"] == "Lao"
    location = shelter["service_at_locations"][0]["location"]
    assert location["id"] == str(uuid.uuid5(directory[0].code, "location"))
    assert location["latitude"] == 17.966667
    assert location["hw_district_code"] == "LA0101"
    assert location["addresses"][0]["state_province"] == "Vientiane Capital"
    assert location["addresses"][0]["country"] == "LA"
    capacity = shelter["capacities"][0]
    assert (capacity["maximum"], capacity["available"], capacity["unit"]["name"]) == (20, 3, "places")
    codes = {a["taxonomy_term"]["code"]: a for a in shelter["attributes"]}
    assert set(codes) == {"shelter", "sex:female", "nationality:LA", "nationality:TH"}
    assert codes["shelter"]["taxonomy_term"]["taxonomy"] == "homeward-service-category"
    assert codes["shelter"]["link_type"] == "service_category"


def test_csv_package_has_every_table_and_a_datapackage(directory):
    data = export_csv_zip(directory)
    assert data == export_csv_zip(list(reversed(directory)))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        package = json.loads(zf.read("datapackage.json"))
    assert names == {"datapackage.json", *(f"{t}.csv" for t in hsds.COLUMNS)}
    assert {r["path"] for r in package["resources"]} == {f"{t}.csv" for t in hsds.COLUMNS}
    tables = zip_tables(data)
    assert len(tables["service"]) == 3
    assert len(tables["organization"]) == 3
    assert len(tables["unit"]) == 1  # shared by every capacity
    assert len({r["id"] for r in tables["taxonomy_term"]}) == len(tables["taxonomy_term"])
    assert {r["hw_area_code"] for r in tables["service_area"]} == {"LA", "LA05", "LA0601", "LA0101", "LA13"}


# ---- round trips -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("exporter", "filename"), [(export_json, "directory.json"), (export_csv_zip, "directory.zip")]
)
def test_round_trip_gives_back_every_field(personas, directory, exporter, filename):
    before = snapshot(Service.objects.all())
    data = exporter(Service.objects.all())
    Service.objects.all().delete()
    audited = AuditEvent.objects.filter(object_type="service_entry", action="create").count()
    result = import_directory(actor=personas.nora, filename=filename, data=data, ip="10.0.0.1")
    assert result.problems == []
    assert AuditEvent.objects.filter(object_type="service_entry", action="create").count() == audited + 3
    assert (result.created, result.updated, result.organisations_created) == (3, 0, 0)
    assert snapshot(Service.objects.all()) == before
    assert exporter(Service.objects.all()) != b""


def test_json_object_with_services_key_is_accepted(personas, directory):
    payload = {"services": json.loads(export_json(directory))}
    Service.objects.all().delete()
    result = import_directory(
        actor=personas.nora, filename="x.JSON", data=json.dumps(payload).encode("utf-8")
    )
    assert result.problems == [] and result.created == 3


def test_updating_an_existing_entry_by_id(personas, directory):
    services = json.loads(export_json(directory))
    shelter = next(s for s in services if s["name"] == "Safe House Vientiane")
    shelter["name"] = "Safe House Vientiane (new building)"
    shelter["capacities"][0]["available"] = 0
    result = import_directory(
        actor=personas.nora, filename="d.json", data=json.dumps(services).encode("utf-8")
    )
    assert result.problems == []
    assert (result.created, result.updated) == (0, 3)
    assert Service.objects.count() == 3
    stored = Service.objects.get(code=directory[0].code)
    assert stored.name == "Safe House Vientiane (new building)"
    assert stored.available == 0
    assert stored.pk == directory[0].pk


def test_names_and_codes_of_other_hsds_sources_are_understood(personas):
    """A minimal entry from another HSDS publisher: areas and province by name, language by name."""
    org = personas.org_a
    entry = {
        "id": str(uuid.uuid4()),
        "organization_id": str(org.code),
        "name": "Clinic",
        "status": "active",
        "service_areas": [{"name": "Savannakhet"}, {"name": "ສີໂຄດຕະບອງ"}],
        "languages": [{"name": "Thai"}],
        "service_at_locations": [
            {"location": {"addresses": [{"state_province": "Savannakhet", "city": "Kaysone Phomvihane"}]}}
        ],
        "attributes": [{"taxonomy_term": {"taxonomy": "homeward-service-category", "code": "health"}}],
    }
    result = import_directory(actor=personas.olga, filename="a.json", data=json.dumps([entry]).encode())
    assert result.problems == []
    stored = Service.objects.get(code=entry["id"])
    assert stored.province.code == "LA13"
    assert sorted(a.code for a in stored.areas.all()) == ["LA0102", "LA13"]
    assert stored.languages == ["th"]


# ---- organisations and permissions -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("exporter", "filename", "where"),
    [(export_json, "d.json", "service 1"), (export_csv_zip, "d.zip", "service.csv, row 2")],
)
def test_unknown_organisation_is_created_only_by_a_national_coordinator(personas, exporter, filename, where):
    with transaction.atomic():  # another Homeward instance: rolled back once exported
        org = Organisation.objects.create(
            name="Lao Women's Union (test)",
            short_name="LWU",
            type=OrgType.CENTRAL_GOVERNMENT,
            phone="+85621000",
        )
        make_service(personas.nora, org, name="Counselling", category="psychosocial")
        data = exporter(Service.objects.filter(organisation=org))
        transaction.set_rollback(True)
    assert not Organisation.objects.filter(code=org.code).exists()

    refused = import_directory(actor=personas.olga, filename=filename, data=data)
    assert refused.created == 0
    assert where_columns(refused) == {(where, "organization_id")}
    assert "national coordinator" in refused.problems[0].message
    assert not Organisation.objects.filter(name="Lao Women's Union (test)").exists()
    assert not Service.objects.exists()

    result = import_directory(actor=personas.nora, filename=filename, data=data)
    assert result.problems == []
    assert (result.created, result.organisations_created) == (1, 1)
    assert AuditEvent.objects.filter(object_type="organisation", object_codes=[str(org.code)]).exists()
    created = Organisation.objects.get(name="Lao Women's Union (test)")
    assert created.code == org.code
    assert created.is_external
    assert (created.short_name, created.type, created.phone) == (
        "LWU",
        OrgType.CENTRAL_GOVERNMENT,
        "+85621000",
    )
    assert Service.objects.get().organisation == created


def test_organisation_admin_imports_only_her_own_organisations_entries(personas):
    theirs = make_service(personas.nora, personas.org_p, name="Legal aid", category="legal")
    ours = make_service(personas.nora, personas.org_a, name="Our clinic")
    data_theirs = export_json([theirs])
    data_ours = export_json([ours])
    Service.objects.all().delete()

    refused = import_directory(actor=personas.olga, filename="t.json", data=data_theirs)
    assert where_columns(refused) == {("service 1", "organization_id")}
    assert "Legal Aid P" in refused.problems[0].message
    assert not Service.objects.exists()

    result = import_directory(actor=personas.olga, filename="o.json", data=data_ours)
    assert result.problems == [] and result.created == 1
    assert Service.objects.get().code == ours.code


def test_organisation_admin_cannot_take_over_another_organisations_entry(personas):
    theirs = make_service(personas.nora, personas.org_p, name="Legal aid", category="legal")
    services = json.loads(export_json([theirs]))
    services[0]["organization_id"] = str(personas.org_a.code)
    services[0]["organization"]["id"] = str(personas.org_a.code)
    result = import_directory(actor=personas.olga, filename="t.json", data=json.dumps(services).encode())
    assert ("service 1", "id") in where_columns(result)
    assert Service.objects.get().organisation == personas.org_p


def test_without_a_directory_capability_the_import_does_not_exist(personas, directory):
    data = export_json(directory)
    for user in (personas.alice, personas.petra):
        with pytest.raises(PermissionDenied404):
            import_directory(actor=user, filename="d.json", data=data)
    with pytest.raises(PermissionDenied404):
        import_directory(actor=personas.alice, filename="d.exe", data=b"\x00" * 10)


# ---- all or nothing ----------------------------------------------------------------------------------------
def test_one_bad_entry_among_good_ones_writes_nothing_and_names_every_problem(personas, directory):
    services = json.loads(export_json(directory))
    Service.objects.all().delete()
    bad = services[1]  # sorted by name: Family tracing, Legal aid clinic, Safe House Vientiane
    assert bad["name"] == "Legal aid clinic"
    bad["service_at_locations"][0]["location"]["hw_district_code"] = "LA9999"
    bad["languages"] = [{"code": "xx", "name": "Martian"}]
    bad["minimum_age"], bad["maximum_age"] = 30, 10
    category = next(a for a in bad["attributes"] if a["link_type"] == "service_category")
    category["taxonomy_term"]["code"] = "spaceflight"
    bad["email"] = "not an address"
    bad["service_areas"].append({"hw_area_code": "LA9988"})

    result = import_directory(actor=personas.nora, filename="d.json", data=json.dumps(services).encode())
    assert result.created == 0
    assert where_columns(result) == {
        ("service 2", "location.hw_district_code"),
        ("service 2", "language.code"),
        ("service 2", "maximum_age"),
        ("service 2", "taxonomy_term.code"),
        ("service 2", "email"),
        ("service 2", "service_area.hw_area_code"),
    }
    messages = " ".join(p.message for p in result.problems)
    assert "LA9999 is not a Lao district" in messages
    assert "xx" in messages and "spaceflight" in messages and "LA9988" in messages
    assert Service.objects.count() == 0


def test_bad_rows_in_the_csv_package_are_named_by_file_and_row(personas, directory):
    tables = zip_tables(export_csv_zip(directory))
    Service.objects.all().delete()
    legal_id = next(r["id"] for r in tables["service"] if r["name"] == "Legal aid clinic")
    legal_location = next(r for r in tables["service_at_location"] if r["service_id"] == legal_id)
    location_row = next(
        i for i, r in enumerate(tables["location"], start=2) if r["id"] == legal_location["location_id"]
    )
    tables["location"][location_row - 2]["hw_district_code"] = "LA9999"
    tables["language"].append({"id": str(uuid.uuid4()), "service_id": legal_id, "name": "", "code": "xx"})
    service_row = next(i for i, r in enumerate(tables["service"], start=2) if r["id"] == legal_id)
    tables["service"][service_row - 2].update(minimum_age="30", maximum_age="10", hw_waiting_days="soon")
    term = next(r for r in tables["taxonomy_term"] if r["code"] == "legal")
    term["code"] = "spaceflight"
    term_row = tables["taxonomy_term"].index(term) + 2
    count = Service.objects.count()

    result = import_directory(actor=personas.nora, filename="d.zip", data=build_zip(tables))
    assert where_columns(result) == {
        (f"location.csv, row {location_row}", "hw_district_code"),
        (f"language.csv, row {len(tables['language']) + 1}", "code"),
        (f"service.csv, row {service_row}", "maximum_age"),
        (f"service.csv, row {service_row}", "hw_waiting_days"),
        (f"taxonomy_term.csv, row {term_row}", "code"),
    }
    assert Service.objects.count() == count == 0


def test_a_failure_while_saving_rolls_everything_back(personas, directory, monkeypatch):
    from django.core.exceptions import ValidationError

    data = export_json(directory)
    Service.objects.all().delete()
    calls = []

    def failing_save(**kwargs: Any) -> Service:
        calls.append(kwargs["service"].name)
        if len(calls) == 3:
            raise ValidationError({"district": ["The district must be in the province chosen."]})
        return service_save(**kwargs)

    monkeypatch.setattr(hsds, "service_save", failing_save)
    result = import_directory(actor=personas.nora, filename="d.json", data=data)
    assert len(calls) == 3
    assert where_columns(result) == {("service 3", "location.hw_district_code")}
    assert (result.created, result.updated) == (0, 0)
    assert not Service.objects.exists()


# ---- broken and hostile files ------------------------------------------------------------------------------
def only_file_problem(result: hsds.ImportResult) -> str:
    assert len(result.problems) == 1, result.problems
    assert result.created == result.updated == 0
    return result.problems[0].message


def test_broken_json_is_a_problem_not_an_error(personas):
    message = only_file_problem(import_directory(actor=personas.nora, filename="d.json", data=b'[{"id": '))
    assert "not valid JSON" in message
    message = only_file_problem(import_directory(actor=personas.nora, filename="d.json", data=b'{"a": 1}'))
    assert "list of services" in message
    message = only_file_problem(
        import_directory(actor=personas.nora, filename="d.json", data=b"[" * 5000 + b"]" * 5000)
    )
    assert "nested" in message
    message = only_file_problem(import_directory(actor=personas.nora, filename="d.json", data=b"[NaN]"))
    assert "not valid JSON" in message
    message = only_file_problem(
        import_directory(actor=personas.nora, filename="d.json", data="[]".encode("utf-16"))
    )
    assert "UTF-8" in message


def test_other_file_types_are_refused(personas):
    message = only_file_problem(import_directory(actor=personas.nora, filename="d.xlsx", data=b"PK\x03\x04"))
    assert ".json" in message and ".zip" in message


def test_a_file_that_is_not_a_zip(personas):
    message = only_file_problem(import_directory(actor=personas.nora, filename="d.zip", data=b"hello"))
    assert "not a ZIP" in message


def test_zip_without_service_csv(personas):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("language.csv", "id,service_id,name,code\n")
    message = only_file_problem(
        import_directory(actor=personas.nora, filename="d.zip", data=buffer.getvalue())
    )
    assert "service.csv" in message


@pytest.mark.parametrize("name", ["../evil.csv", "/etc/service.csv", "sub/service.csv", "..\\service.csv"])
def test_zip_with_paths_is_refused(personas, name):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("service.csv", "id,name\n")
        zf.writestr(name, "id,name\n")
    result = import_directory(actor=personas.nora, filename="d.zip", data=buffer.getvalue())
    assert len(result.problems) == 1
    assert "top of the ZIP" in result.problems[0].message
    assert not Service.objects.exists()


def test_zip_bomb_is_refused_without_being_unpacked(personas, monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("service.csv", b"id,name\n" + b"0" * (30 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024  # small on the wire
    opened = []
    real_open = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(name)
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    result = import_directory(actor=personas.nora, filename="d.zip", data=data)
    assert result.created == 0
    member = next(p for p in result.problems if p.where == "service.csv")
    assert "at most 5 MB" in member.message
    assert any("20 MB" in p.message for p in result.problems)  # 30 MB in all
    assert opened == []


def test_zip_whose_header_understates_the_size_is_refused(personas):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("service.csv", b"id,name\n" + b"0" * (6 * 1024 * 1024))
    data = bytearray(buffer.getvalue())
    # Rewrite the declared uncompressed size (local header and central directory) to 100 bytes.
    small = (100).to_bytes(4, "little")
    local = data.find(b"PK\x03\x04")
    data[local + 22 : local + 26] = small
    central = data.find(b"PK\x01\x02")
    data[central + 24 : central + 28] = small
    result = import_directory(actor=personas.nora, filename="d.zip", data=bytes(data))
    assert [p.where for p in result.problems] == ["service.csv"]
    assert result.created == 0


def test_zip_with_too_many_members_is_refused(personas):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for n in range(31):
            zf.writestr(f"extra{n}.txt", "x")
    message = only_file_problem(
        import_directory(actor=personas.nora, filename="d.zip", data=buffer.getvalue())
    )
    assert "31" in message


def test_csv_that_is_not_utf8_is_refused(personas):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("service.csv", "id,name\n,Caf\xe9\n".encode("latin-1"))
    result = import_directory(actor=personas.nora, filename="d.zip", data=buffer.getvalue())
    assert [(p.where, p.column) for p in result.problems] == [("service.csv", "")]
    assert "UTF-8" in result.problems[0].message


def test_a_file_over_the_size_limit_is_refused(personas):
    data = b"[" + b" " * (5 * 1024 * 1024) + b"]"
    message = only_file_problem(import_directory(actor=personas.nora, filename="d.json", data=data))
    assert "5 MB" in message


def test_too_many_services_are_refused(personas):
    data = json.dumps([{}] * 5001).encode()
    message = only_file_problem(import_directory(actor=personas.nora, filename="d.json", data=data))
    assert "5001" in message


def test_a_formula_in_a_csv_is_kept_as_text(personas, directory):
    tables = zip_tables(export_csv_zip(directory))
    Service.objects.all().delete()
    formula = '=HYPERLINK("http://evil.example","click")'
    tables["service"][0]["description"] = formula
    tables["service"][0]["fees_description"] = "+1+2"
    tables["service"][0]["eligibility_description"] = "@SUM(A1:A9)"
    result = import_directory(actor=personas.nora, filename="d.zip", data=build_zip(tables))
    assert result.problems == []
    stored = Service.objects.get(code=tables["service"][0]["id"])
    assert (stored.description, stored.fees, stored.eligibility) == (formula, "+1+2", "@SUM(A1:A9)")
    stored.phone = "+856 20 5555 0101"
    stored.save()
    again = zip_tables(export_csv_zip([stored]))
    exported = again["service"][0]
    # Written so that a spreadsheet shows text, never runs it; a phone number is left alone.
    assert exported["description"] == "'" + formula
    assert (exported["fees_description"], exported["eligibility_description"]) == ("'+1+2", "'@SUM(A1:A9)")
    assert again["phone"][0]["number"] == "+856 20 5555 0101"
    # And read back exactly.
    Service.objects.all().delete()
    assert import_directory(actor=personas.nora, filename="d.zip", data=build_zip(again)).problems == []
    stored = Service.objects.get(code=tables["service"][0]["id"])
    assert (stored.description, stored.fees, stored.eligibility) == (formula, "+1+2", "@SUM(A1:A9)")
