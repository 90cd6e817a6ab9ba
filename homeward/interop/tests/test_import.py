"""HTCDS import: the toolkit's workbook and a Kobo export become people and cases; every problem is reported by
row and column in the user's language; nothing is written unless every row is valid or the user chooses only the
valid rows; possible duplicates are flagged; large files go to the background worker; all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeward.audit.models import AuditEvent
from homeward.cases.models import Case, CaseComment, Consent, TraffickingEvent
from homeward.interop import rows, services, sheets
from homeward.interop.models import ImportJob, ImportMode, ImportStatus
from homeward.interop.services import ImportRefused, import_confirm, import_upload
from homeward.interop.tests.helpers import csv_bytes, kobo_csv, toolkit_workbook
from homeward.people.models import Person

LAO_SCRIPT = range(0x0E80, 0x0F00)


@pytest.fixture
def run_worker(monkeypatch):
    """Run the background worker until the queue is empty, as ``homeward db_worker`` does. Between tasks the
    worker closes connections it thinks stale; inside the test's transaction that would be the test's own."""
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)

    def _run() -> None:
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    return _run


def upload(personas, data: bytes, filename: str = "cases.csv", actor=None, org=None) -> ImportJob:
    return import_upload(
        actor=actor or personas.alice, organisation=org or personas.org_a, filename=filename, data=data
    )


def confirm(
    personas, job: ImportJob, mode: str = ImportMode.ALL, skip: bool = False, actor=None
) -> ImportJob:
    return import_confirm(actor=actor or personas.alice, job=job, mode=mode, skip_duplicates=skip)


def case_of(given: str) -> Case:
    """The case of the person with this given name (names are encrypted: they cannot be filtered on)."""
    (case,) = [
        c
        for c in Case.objects.select_related("person")
        if given in (c.person.given_name_latin, c.person.given_name_lo)
    ]
    return case


def problems_of(job: ImportJob) -> list[dict]:
    return services.report_of(job)["problems"]


def test_the_toolkit_workbook_filled_in_becomes_people_and_cases(personas):
    data = toolkit_workbook(
        [
            {
                "prs_FirstName": "ພອນສະຫວັນ",
                "prs_SecondName": "ແສງທອງ",
                "prs_Gender": "Feminine",
                "prs_Birthdate": "1999-04-12",
                "prs_Citizenship": "LA",
                "prs_MobilePhone": "+856 20 5555 0101",
                "prs_MailingCountry": "LA",
                "prs_MailingState": "Savannakhet",
                "prs_MailingCity": "Kaysone Phomvihane",
                "prs_MailingStreet": "Ban Synthetic 1",
                "con_Consent": "TRUE",
                "vic_TraffickingStatus": "ActualVictimOfTrafficking",
                "vic_TraffickinStatusDecisionMakingOrg": "Police",  # the workbook's own spelling
                "vic_MethodOfRecruitment": "ThroughFriendsOrSocialEvents",
                "vic_MethodsOfControl": "DebtBondage;Withholds documents",  # a value name and a label
                "vic_TypeOfExploitation": "hw_ForcedCriminality",
                "cas_Status": "Closed",
                "cas_ReasonForCaseClosure": "Synthetic: support completed",
            },
            {"prs_FirstName": "Synthetic", "prs_SecondName": "Beta", "prs_Gender": "Masculine"},
        ]
    )
    job = upload(personas, data, "htcds_spreadsheet_2.0.xlsx")
    assert job.status == ImportStatus.CHECKED
    assert (job.rows_total, job.rows_valid, job.rows_invalid) == (2, 2, 0)
    report = services.report_of(job)
    assert "cas_CaseOwner" in report["not_kept"] and "prs_Gender" in report["kept"]
    job = confirm(personas, job)
    assert job.status == ImportStatus.DONE and job.cases_created == 2
    assert not job.storage_name

    case = case_of("ພອນສະຫວັນ")
    person = case.person
    assert (person.family_name_lo, person.given_name_latin) == ("ແສງທອງ", "")
    assert person.birth_date == "1999-04-12" and person.birth_year == 1999
    assert person.citizenship.code == "LA" and person.province.name_en == "Savannakhet"
    assert person.district is not None and person.district.parent_id == person.province_id
    assert person.address_detail == "Ban Synthetic 1" and person.phone == "+856 20 5555 0101"
    assert case.owner_org == personas.org_a and case.caseworker == personas.alice
    assert case.status == "Closed" and case.closure_details == "Synthetic: support completed"
    assert case.closed_on is not None
    victim = case.victim
    assert victim.trafficking_status == "ActualVictimOfTrafficking" and victim.status_decided_by == "Police"
    assert victim.methods_of_control == ["DebtBondage", "WithholdsDocuments"]
    assert victim.exploitation_types == ["hw_ForcedCriminality"]
    consent = case.consents.get()
    assert consent.purpose == "assistance" and consent.granted and consent.is_active()
    # The new people are found by the name search like any other.
    from homeward.people.selectors import person_ids_matching

    assert person_ids_matching("Phonsavanh", within_org_ids=[personas.org_a.id]) == [person.id]
    # One audit event names every case and person created, with the import it came from.
    created = AuditEvent.objects.filter(object_type="case", action="create").get()
    assert str(case.code) in created.object_codes and str(person.code) in created.object_codes
    assert created.reason == f"HTCDS import {job.code}"


def test_a_kobo_export_of_the_htcds_form_imports(personas):
    data = kobo_csv(
        [
            {
                "first": "Synthetic",
                "second": "Kobo",
                "gender": "Feminine",
                "birth": "2001-02-03",
                "state": "LA13",
                "exploitation": "ForcedLabour SexualExploitation",
                "control": "DebtBondage PhysicalThreats",
                "status": "PossibleVictimOfTrafficking",
            }
        ]
    )
    job = confirm(personas, upload(personas, data, "kobo.csv"))
    assert job.status == ImportStatus.DONE
    case = case_of("Synthetic")
    assert case.victim.exploitation_types == ["ForcedLabour", "SexualExploitation"]
    assert case.victim.methods_of_control == ["DebtBondage", "PhysicalThreats"]
    assert case.person.province.code == "LA13"
    assert {"start", "end", "_uuid", "_submission_time"} <= set(services.report_of(job)["ignored"])


MIXED_ROWS = csv_bytes(
    ["prs_FirstName", "prs_Gender", "vic_TypeOfExploitation"],
    ["Synthetic Good", "Feminine", "ForcedLabour"],
    ["Synthetic Bad", "Feminine", "Slavery"],
)
BAD = csv_bytes(
    [
        "prs_FirstName",
        "prs_Gender",
        "prs_Birthdate",
        "prs_Citizenship",
        "vic_TypeOfExploitation",
        "prs_MailingState",
        "hte_Type",
        "hte_Country",
    ],
    ["Synthetic Good", "Feminine", "1990", "LA", "ForcedLabour", "LA13", "", ""],
    ["Synthetic Picklist", "Feminine", "", "", "Slavery", "", "", ""],
    ["Synthetic Date", "Masculine", "31/02/1990", "", "", "", "", ""],
    ["Synthetic Country", "Masculine", "", "XX", "", "", "", ""],
    ["", "Feminine", "", "", "", "", "", ""],
    ["Synthetic NoGender", "", "", "", "", "", "", ""],
    ["Synthetic Place", "Feminine", "", "", "", "Atlantis", "", ""],
    ["Synthetic Event", "Feminine", "", "", "", "", "Exploitation", ""],
    ['=HYPERLINK("http://x")', "Feminine", "", "", "", "", "", ""],
)


def test_every_problem_is_reported_by_row_and_column(personas):
    job = upload(personas, BAD)
    assert job.status == ImportStatus.CHECKED
    assert (job.rows_total, job.rows_valid, job.rows_invalid) == (9, 1, 8)
    found = {(p["row"], p["column"], p["code"]) for p in problems_of(job)}
    assert found == {
        (3, "vic_TypeOfExploitation", "picklist"),
        (4, "prs_Birthdate", "date"),
        (5, "prs_Citizenship", "country"),
        (6, "prs_FirstName", "missing"),
        (7, "prs_Gender", "missing"),
        (8, "prs_MailingState", "place"),
        (9, "hte_Country", "missing"),
        (10, "prs_FirstName", "formula"),
        (10, "prs_FirstName", "missing"),
    }
    picklist = next(p for p in problems_of(job) if p["code"] == "picklist")
    assert picklist["value"] == "Slavery" and "ForcedLabour" in picklist["message"]


def test_the_report_is_in_the_language_of_the_person_who_uploaded(personas):
    with translation.override("lo"):
        job = upload(personas, BAD)
    assert job.language == "lo"
    for problem in problems_of(job):
        assert any(ord(ch) in LAO_SCRIPT for ch in problem["message"]), problem


def test_nothing_is_written_unless_every_row_is_valid(personas):
    job = upload(personas, BAD)
    with pytest.raises(ImportRefused) as refused:
        confirm(personas, job, ImportMode.ALL)
    assert refused.value.code == "invalid"
    assert not Case.objects.exists() and not Person.objects.exists()
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED


def test_only_the_valid_rows_when_the_user_says_so(personas):
    job = confirm(personas, upload(personas, BAD), ImportMode.VALID)
    assert job.status == ImportStatus.DONE and job.cases_created == 1
    assert list(Person.objects.values_list("given_name_latin", flat=True)) == ["Synthetic Good"]


def test_a_file_without_a_gender_column_cannot_be_imported_at_all(personas):
    job = upload(personas, csv_bytes(["prs_FirstName"], ["Synthetic A"], ["Synthetic B"]))
    report = services.report_of(job)
    assert [p["code"] for p in report["file_problems"]] == ["missing_column"]
    assert job.rows_valid == 0
    for mode in ImportMode.values:
        with pytest.raises(ImportRefused):
            confirm(personas, job, mode)
    assert not Person.objects.exists()


def test_refused_files_keep_nothing(personas):
    job = upload(personas, b"name,age\nA,3\n")
    assert job.status == ImportStatus.REFUSED
    assert "HTCDS" in job.error and not job.storage_name and not job.report
    with pytest.raises(sheets.SheetError):
        upload(personas, b"")


def test_possible_duplicates_are_flagged_across_scripts_and_can_be_left_out(personas, open_case):
    existing = open_case(birth_date="1995-06-01", birth_year=1995)  # ພອນສະຫວັນ ແສງທອງ · Phonsavanh Saengthong
    open_case(actor=personas.bob, org=personas.org_b, given_name_latin="Synthetic", family_name_latin="Other")
    data = csv_bytes(
        ["prs_FirstName", "prs_SecondName", "prs_Gender", "prs_Birthdate"],
        ["Phonesavanh", "Sengthong", "Feminine", "1995"],  # another spelling of the same name
        ["Phonsavanh", "Saengthong", "Feminine", "1970"],  # born 25 years apart: someone else
        ["Synthetic", "Other", "Masculine", ""],  # recorded, but in organisation B, which alice cannot see
        ["Synthetic", "Newcomer", "Masculine", "2000"],
        ["ສັງເຄາະ", "ໃໝ່", "Masculine", "2000"],
        ["ສັງເຄາະ", "ໃໝ່", "Masculine", "2000"],  # the row above again
    )
    job = upload(personas, data)
    duplicates = {d["row"]: d for d in services.report_of(job)["duplicates"]}
    assert set(duplicates) == {2, 7}
    assert [c["reference"] for c in duplicates[2]["cases"]] == [existing.reference]
    assert duplicates[7]["same_as_row"] == 6 and duplicates[7]["cases"] == []
    assert job.rows_duplicate == 2
    job = confirm(personas, job, ImportMode.ALL, skip=True)
    assert job.cases_created == 4
    assert "Phonesavanh" not in Person.objects.values_list("given_name_latin", flat=True)


def test_events_and_comments_on_their_own_sheets_join_their_case(personas):
    import io

    import openpyxl

    book = openpyxl.Workbook()
    main = book.active
    main.title = "Cases"
    main.append(["hw_CaseReference", "prs_FirstName", "prs_Gender"])
    main.append(["SRC-1", "Synthetic One", "Feminine"])
    main.append(["SRC-2", "Synthetic Two", "Masculine"])
    events = book.create_sheet("Events")
    events.append(["hw_CaseReference", "hte_Type", "hte_Country", "hte_State", "hte_Date", "hte_City"])
    events.append(["SRC-1", "Recruitment", "LA", "LA13", "2023-01-05", ""])
    events.append(["SRC-1", "Exploitation", "MY", "Johor", "2023-02-01", "Synthetic town"])
    events.append(["SRC-2", "Transit", "TH", "", "", ""])
    comments = book.create_sheet("Comments")
    comments.append(["hw_CaseReference", "hw_CommentDate", "cco_CaseComment"])
    comments.append(["SRC-2", "2023-03-04", "Synthetic note"])
    out = io.BytesIO()
    book.save(out)
    job = confirm(personas, upload(personas, out.getvalue(), "export.xlsx"))
    assert job.status == ImportStatus.DONE
    one = case_of("Synthetic One")
    assert [(e.type, e.country.code, e.area.code if e.area else "", e.city) for e in one.events.all()] == [
        ("Recruitment", "LA", "LA13", ""),
        ("Exploitation", "MY", "", "Synthetic town, Johor"),  # no provinces of Malaysia: kept as the town
    ]
    two = case_of("Synthetic Two")
    comment = two.comments.get()
    assert comment.body == "Synthetic note" and comment.author == personas.alice
    assert comment.created_at.date() == dt.date(2023, 3, 4)


def test_a_row_of_another_sheet_must_name_a_case_of_the_main_sheet(personas):
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["hw_CaseReference", "prs_FirstName", "prs_Gender"])
    book.active.append(["SRC-1", "Synthetic One", "Feminine"])
    events = book.create_sheet("Events")
    events.append(["hw_CaseReference", "hte_Type", "hte_Country"])
    events.append(["SRC-9", "Recruitment", "LA"])
    events.append(["SRC-1", "Recruitment", "Narnia"])
    out = io.BytesIO()
    book.save(out)
    job = upload(personas, out.getvalue(), "x.xlsx")
    report = services.report_of(job)
    assert [(p["sheet"], p["row"], p["code"]) for p in report["file_problems"]] == [
        ("Events", 2, "reference")
    ]
    assert [(p["sheet"], p["row"], p["column"], p["code"]) for p in report["problems"]] == [
        ("Events", 3, "hte_Country", "country")
    ]
    assert job.rows_invalid == 1


def test_a_large_file_is_checked_and_imported_by_the_background_worker(personas, monkeypatch, run_worker):
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(services, "INLINE_BYTES", 10)
    data = csv_bytes(
        ["prs_FirstName", "prs_Gender"], *[[f"Synthetic {n}", "Feminine"] for n in range(1, 2501)]
    )
    job = upload(personas, data)
    assert job.status == ImportStatus.WAITING and job.task_id
    task = DBTaskResult.objects.get(id=job.task_id)
    assert task.args_kwargs == {"args": [job.pk], "kwargs": {}}  # the job's id, and nothing personal
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED and job.rows_done == job.rows_total == 2500
    job = confirm(personas, job)
    assert job.status == ImportStatus.QUEUED and not Case.objects.exists()
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Case.objects.count() == 2500


def test_an_import_is_all_or_nothing(personas, monkeypatch):
    data = csv_bytes(
        ["prs_FirstName", "prs_Gender", "cco_CaseComment"],
        *[[f"Synthetic {n}", "Feminine", "note"] for n in range(1, 1201)],
    )
    monkeypatch.setattr(services, "BATCH", 500)  # three batches: the third fails
    job = upload(personas, data)
    calls = []
    original = services._Table.insert

    def fail_on_the_third_batch_of_comments(table, rows):
        if table.model is CaseComment:
            calls.append(1)
            if len(calls) == 3:
                raise RuntimeError("disk full")
        return original(table, rows)

    monkeypatch.setattr(services._Table, "insert", fail_on_the_third_batch_of_comments)
    job = confirm(personas, job)
    assert job.status == ImportStatus.FAILED and "Nothing was imported" in job.error
    assert not Person.objects.exists() and not Case.objects.exists() and not CaseComment.objects.exists()
    assert not AuditEvent.objects.filter(object_type="case").exists()
    assert job.storage_name  # kept, to try again or discard


def test_the_file_and_the_report_are_encrypted_at_rest(personas, settings):
    from pathlib import Path

    job = upload(personas, csv_bytes(["prs_FirstName", "prs_Gender"], ["Synthetic Secretname", "Feminine"]))
    stored = next(Path(settings.IMPORT_ROOT).rglob(job.storage_name)).read_bytes()
    checked_rows = next(Path(settings.IMPORT_ROOT).rglob(f"{job.storage_name}.rows")).read_bytes()
    assert b"Secretname" not in stored and b"Secretname" not in checked_rows
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT report, filename FROM interop_importjob WHERE id = %s", [job.pk])
        report, filename = cursor.fetchone()
    assert "Secretname" not in report and "cases.csv" not in filename
    confirm(personas, job)
    assert not list(Path(settings.IMPORT_ROOT).rglob(f"{job.storage_name}*"))  # the file and its checked rows


def test_reading_a_report_is_audited(personas):
    job = upload(personas, csv_bytes(["prs_FirstName", "prs_Gender"], ["Synthetic", "Feminine"]))
    services.import_read(actor=personas.sam, job=job)
    event = AuditEvent.objects.filter(object_type="import", action="view").get()
    assert event.actor == personas.sam and event.object_codes == [str(job.code)]


def test_only_people_who_may_open_cases_in_the_organisation_import(personas):
    from homeward.cases.services import PermissionDenied404

    data = csv_bytes(["prs_FirstName", "prs_Gender"], ["Synthetic", "Feminine"])
    for who in ("bob", "dora", "olga", "petra", "nora", "rita", "tina", "oscar"):
        with pytest.raises(PermissionDenied404):
            upload(personas, data, actor=getattr(personas, who))
    job = upload(personas, data)
    with pytest.raises(PermissionDenied404):
        confirm(personas, job, actor=personas.bob)
    assert not Case.objects.exists()


def test_the_import_fails_cleanly_when_the_confirming_user_lost_the_right(personas, monkeypatch, run_worker):
    from homeward.accounts.models import Membership

    monkeypatch.setattr(services, "INLINE_BYTES", 10)
    data = csv_bytes(["prs_FirstName", "prs_Gender"], ["Synthetic", "Feminine"])
    job = upload(personas, data)
    run_worker()
    job.refresh_from_db()
    job = confirm(personas, job)
    Membership.objects.filter(user=personas.alice).delete()
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and not Case.objects.exists()


# ---- fuzzing -------------------------------------------------------------------------------------------------
COLUMNS = [
    "prs_FirstName",
    "prs_SecondName",
    "prs_Gender",
    "prs_Birthdate",
    "prs_Citizenship",
    "prs_NumberOfChildren",
    "prs_MailingState",
    "hw_MailingDistrict",
    "vic_TypeOfExploitation",
    "vic_AgeWhenTrafficked",
    "cas_Status",
    "hw_OpenedOn",
    "hw_ClosedOn",
    "hte_Type",
    "hte_Country",
    "hte_Date",
    "con_Consent",
]
CELL = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30),
    st.sampled_from(
        [
            "Feminine",
            "Masculine",
            "1999",
            "1999-13",
            "2099-01-01",
            "31/12/2001",
            "LA",
            "TH",
            "ZZ",
            "LA13",
            "Vientiane",
            "ForcedLabour Slavery",
            "ForcedLabour;hw_ForcedCriminality",
            "Closed",
            "Active",
            "Exploitation",
            "=1+1",
            "@SUM(A1)",
            "-2",
            "yes",
            "ພອນສະຫວັນ",
            "สมชาย",
            "12",
            "200",
        ]
    ),
    st.integers(min_value=-5, max_value=500),
    st.dates(min_value=dt.date(1880, 1, 1), max_value=dt.date(2100, 1, 1)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(CELL, min_size=len(COLUMNS), max_size=len(COLUMNS)), min_size=1, max_size=6))
def test_any_cells_give_a_report_and_valid_rows_import(personas, cells):
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(COLUMNS)
    for row in cells:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    try:
        sheet = sheets.read(out.getvalue(), "fuzz.xlsx")
    except sheets.SheetError as error:  # e.g. a formula cell: refused as a whole, with a reason
        assert error.code in {"formula", "no_columns"}
        return
    checked = rows.check(sheet)
    numbers = {number for number, _cells in sheet.rows}
    for row in checked.rows:
        for problem in row.problems:
            assert problem.row in numbers and problem.column in COLUMNS and problem.message
    valid = [row for row in checked.rows if row.valid]
    before = Case.objects.count()
    created = services.rows_import(
        actor=personas.alice, organisation=personas.org_a, rows=valid, source="fuzz"
    )
    assert len(created) == len(valid) == Case.objects.count() - before
    for case in Case.objects.order_by("-id")[: len(valid)]:
        case.full_clean()
        case.person.full_clean()
        case.victim.full_clean()
        for event in case.events.all():
            event.full_clean()
    for consent in Consent.objects.all():
        consent.full_clean()
    assert TraffickingEvent.objects.filter(country__isnull=True).count() == 0


def test_purging_deletes_old_files_and_reports(personas, settings):
    from pathlib import Path

    from django.core.management import call_command
    from django.utils import timezone

    left = upload(personas, MIXED_ROWS)
    done = confirm(
        personas, upload(personas, csv_bytes(["prs_FirstName", "prs_Gender"], ["Synthetic", "Feminine"]))
    )
    fresh = upload(personas, MIXED_ROWS)
    stored = left.storage_name
    assert list(Path(settings.IMPORT_ROOT).rglob(f"{stored}*"))
    old = timezone.now() - dt.timedelta(days=8)
    ImportJob.objects.filter(pk__in=[left.pk, done.pk]).update(created_at=old)
    ImportJob.objects.filter(pk=done.pk).update(finished_at=old)
    call_command("import-purge", verbosity=0)
    left.refresh_from_db()
    done.refresh_from_db()
    fresh.refresh_from_db()
    assert left.status == ImportStatus.DISCARDED and not left.storage_name and not left.report
    assert not list(Path(settings.IMPORT_ROOT).rglob(f"{stored}*"))  # the file and its checked rows
    assert done.status == ImportStatus.DONE and not done.report and done.cases_created == 1
    assert fresh.storage_name and fresh.report  # a week has not passed
