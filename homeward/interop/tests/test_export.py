"""HTCDS export: the cases of an organisation in the standard's layout, encrypted with the user's password, with
a reason in the audit log; and the round trip: export, import into an empty organisation, export again, and every
cell is the same."""

from __future__ import annotations

import io

import openpyxl
import pytest

from homeward.audit.models import AuditEvent
from homeward.cases import services as case_services
from homeward.cases.generate import generate_cases
from homeward.cases.models import Case, Consent
from homeward.interop import export, services
from homeward.interop.models import ImportMode, ImportStatus
from homeward.interop.services import ImportRefused, cases_export

PASSWORD = "synthetic export passphrase"


def sheets_of(data: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def export_plain(actor, organisation, status: str = "") -> bytes:
    encrypted, _count = cases_export(
        actor=actor,
        organisation=organisation,
        status=status,
        reason="Synthetic test export",
        password=PASSWORD,
    )
    return export.decrypt(encrypted, PASSWORD)


def test_the_export_is_encrypted_audited_and_holds_only_the_organisations_cases(personas, open_case):
    mine = open_case()
    theirs = open_case(actor=personas.bob, org=personas.org_b)
    encrypted, count = cases_export(
        actor=personas.alice,
        organisation=personas.org_a,
        status="",
        reason="Monthly return to the ministry",
        password=PASSWORD,
    )
    assert count == 1
    assert not encrypted.startswith(b"PK") and encrypted.startswith(b"\xd0\xcf\x11\xe0")  # an OLE container
    assert b"Phonsavanh" not in encrypted
    with pytest.raises(Exception):  # noqa: B017 - any refusal: the wrong password opens nothing
        export.decrypt(encrypted, "not the password at all")
    cases = sheets_of(export.decrypt(encrypted, PASSWORD))["Cases"]
    assert cases[0][:3] == ("hw_CaseReference", "prs_FirstName", "prs_SecondName")
    assert [row[0] for row in cases[1:]] == [mine.reference]
    assert cases[1][1:3] == ("Phonsavanh", "Saengthong")
    event = AuditEvent.objects.get(object_type="htcds_export")
    assert event.action == "download" and event.reason == "Monthly return to the ministry"
    assert event.object_codes == [str(mine.code)] and str(theirs.code) not in event.object_codes
    assert event.actor == personas.alice and event.organisation_id == personas.org_a.id


def test_an_export_needs_a_reason_and_the_right_to_see_the_cases(personas):
    from homeward.cases.services import PermissionDenied404

    with pytest.raises(ImportRefused):
        cases_export(
            actor=personas.alice, organisation=personas.org_a, status="", reason="  ", password=PASSWORD
        )
    for who in ("bob", "olga", "tina", "nora", "rita", "oscar"):
        with pytest.raises(PermissionDenied404):
            cases_export(
                actor=getattr(personas, who),
                organisation=personas.org_a,
                status="",
                reason="x" * 20,
                password=PASSWORD,
            )
    assert not AuditEvent.objects.filter(object_type="htcds_export").exists()


def test_open_and_closed_cases_can_be_exported_apart(personas, open_case):
    kept_open = open_case()
    closed = open_case()
    case_services.case_set_status(
        actor=personas.sam, case=closed, to_status="Closed", closure_reason="hw_SupportCompleted"
    )
    open_refs = [r[0] for r in sheets_of(export_plain(personas.alice, personas.org_a, "open"))["Cases"][1:]]
    closed_refs = [
        r[0] for r in sheets_of(export_plain(personas.alice, personas.org_a, "closed"))["Cases"][1:]
    ]
    assert (open_refs, closed_refs) == ([kept_open.reference], [closed.reference])


def test_formula_like_text_is_escaped_and_never_written_as_a_formula(personas, open_case):
    case = open_case()
    case_services.comment_add(actor=personas.alice, case=case, body='=HYPERLINK("http://x","y")')
    data = export_plain(personas.alice, personas.org_a)
    comments = sheets_of(data)["Comments"]
    assert comments[1][2] == '\'=HYPERLINK("http://x","y")'
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)


def test_export_then_import_into_an_empty_organisation_reproduces_every_field(personas):
    generate_cases(count=120, organisations=[personas.org_a])
    cases = list(Case.objects.filter(owner_org=personas.org_a).order_by("id"))
    # What the generator leaves out: comments (some formula-like), consents, closures, every other field.
    for number, case in enumerate(cases[:30]):
        case_services.comment_add(actor=personas.alice, case=case, body=f"Synthetic note {number}")
        case_services.consent_record(
            actor=personas.alice,
            case=case,
            consent=Consent(purpose="assistance", granted=number % 3 != 0, given_on=case.opened_on),
        )
    case_services.comment_add(actor=personas.alice, case=cases[0], body="-3 kg since the last visit")
    case_services.comment_add(actor=personas.alice, case=cases[1], body="'quoted' and =1+1")
    for case in cases[30:40]:
        if case.status not in ("Closed", "ClosedReferred"):
            case_services.case_set_status(
                actor=personas.sam,
                case=case,
                to_status="Closed",
                closure_reason="hw_MovedAway",
                closure_details="Synthetic: moved to another province",
            )
    _fill_every_field(personas, cases[40:70])
    first = export_plain(personas.alice, personas.org_a)

    # An empty organisation of another instance: Bob's organisation B has no cases.
    assert not Case.objects.filter(owner_org=personas.org_b).exists()
    job = services.import_upload(
        actor=personas.bob, organisation=personas.org_b, filename="export.xlsx", data=first
    )
    assert job.status == ImportStatus.CHECKED, services.report_of(job)
    report = services.report_of(job)
    assert report["problems"] == [] and report["file_problems"] == []
    assert report["not_kept"] == [] and report["ignored"] == []
    job = services.import_confirm(actor=personas.bob, job=job, mode=ImportMode.ALL, skip_duplicates=False)
    assert job.status == ImportStatus.DONE and job.cases_created == len(cases)
    second = export_plain(personas.bob, personas.org_b)

    a, b = sheets_of(first), sheets_of(second)
    assert list(a) == list(b) == list(export.SHEETS)
    for title in export.SHEETS:
        assert a[title][0] == b[title][0]
        assert len(a[title]) == len(b[title]) > 1
    # References are new in the new instance; everything else is the same, cell for cell.
    new_reference = {
        old[0]: new[0] for old, new in zip(a["Cases"][1:], b["Cases"][1:], strict=True)
    }  # the export orders cases by opening date, then creation: the same order on both sides
    for title in export.SHEETS:
        for old, new in zip(a[title][1:], b[title][1:], strict=True):
            assert new_reference[old[0]] == new[0]
            assert old[1:] == new[1:], (title, old, new)
    # Every HTCDS column Homeward keeps was exercised by the data, so the comparison is not vacuous.
    for title, wanted in zip(
        export.SHEETS, (export.CASE_COLUMNS, export.EVENT_COLUMNS, export.COMMENT_COLUMNS), strict=True
    ):
        columns = a[title][0]
        filled = {columns[i] for row in a[title][1:] for i, v in enumerate(row) if v not in (None, "")}
        assert set(wanted) - filled == set(), title


def _fill_every_field(personas, cases):
    """Give these cases a value in every field the generator leaves empty, from every picklist."""
    import random

    from homeward.cases import picklists as pl

    rng = random.Random(8)
    for number, case in enumerate(cases):
        person, victim = case.person, case.victim
        person.marital_status = rng.choice(pl.MaritalStatus.values)
        person.number_of_children = rng.randrange(0, 6)
        person.primary_language = rng.choice(pl.Language.values)
        person.secondary_language = rng.choice(pl.Language.values)
        person.education = rng.choice(pl.Education.values)
        person.identity_number = f"SYN-{number:05d}"
        person.email = f"synthetic.{number}@example.org"
        person.given_name_th = "สมใจ"
        person.family_name_th = "ทดสอบ"
        case_services.case_person_update(
            actor=personas.alice, case=case, person=person, changed={"marital_status", "given_name_th"}
        )
        victim.status_decided_by = rng.choice(pl.DecisionOrg.values)
        victim.status_decided_by_name = "Synthetic provincial committee"
        victim.relationship_to_trafficker = rng.choice(pl.Relationship.values)
        victim.age_when_trafficked = rng.randrange(12, 40)
        victim.sex_exploitation_types = rng.sample(pl.SexExploitation.values, 2)
        victim.recruitment_apps = rng.sample(pl.App.values, 2)
        victim.exploitation_apps = rng.sample(pl.App.values, 1)
        victim.vulnerabilities = rng.sample(pl.Vulnerability.values, 3)
        victim.vulnerability_details = "Synthetic: debts of the family\nand a second line"
        victim.agreement_to_manage_data = True
        victim.forced_labour_industry = rng.choice(pl.Industry.values)
        case_services.case_victim_update(actor=personas.alice, case=case, victim=victim, changed={"status"})
        for event in case.events.all()[:1]:
            event.city = "Synthetic town"
            event.description = "Synthetic: worked 16 hours a day\n- no pay"
            case_services.event_save(actor=personas.alice, case=case, event=event)
