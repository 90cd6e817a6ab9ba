"""Participants imported from a spreadsheet (all or nothing, every problem named by row and column), and the
attendance sheet of a session."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from homeward.audit.models import AuditEvent
from homeward.cases.services import PermissionDenied404
from homeward.places.models import Area
from homeward.training import services, spreadsheets
from homeward.training.models import Course, Participation, Trainee, TrainingSession
from homeward.training.picklists import Sex, Topic
from homeward.training.spreadsheets import attendance_sheet, import_participants

HEADER = ["Name", "Sex", "Organisation", "Position", "Province"]


def area(code: str) -> Area:
    return Area.objects.get(code=code)


@pytest.fixture
def session(personas) -> TrainingSession:
    nora = personas.nora
    course = services.course_save(
        actor=nora,
        course=Course(
            title_en="Victim identification",
            title_lo="ການກຳນົດຕົວຜູ້ຖືກເຄາະຮ້າຍ",
            topics=[Topic.IDENTIFICATION],
            duration_days=2,
        ),
    )
    today = timezone.localdate()
    return services.session_save(
        actor=nora,
        session=TrainingSession(
            course=course,
            start_on=today - dt.timedelta(days=10),
            end_on=today - dt.timedelta(days=9),
            province=area("LA13"),
            venue="Provincial hall",
            organiser=personas.org_i,
            trainers="Ms Keo, Mr Bounmy",
        ),
    )


def trainee(actor: Any, org: Any, name: str, **fields: Any) -> Trainee:
    values: dict[str, Any] = {"sex": Sex.FEMALE, "province": area("LA01"), "position": ""}
    values.update(fields)
    return services.trainee_save(actor=actor, trainee=Trainee(name=name, organisation=org, **values))


def xlsx(rows: list[list[Any]], text_cells: bool = False) -> bytes:
    """A workbook of ``rows``; with ``text_cells`` every value is stored as text (so "=..." is not a formula)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if text_cells and isinstance(value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[Any]], bom: bool = True) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return ("\ufeff" if bom else "").encode() + text.getvalue().encode("utf-8")


def counts() -> tuple[int, int, int]:
    return Trainee.objects.count(), Participation.objects.count(), AuditEvent.objects.count()


def only_file_problem(result: spreadsheets.ParticipantImport) -> str:
    assert result.registered == 0 and result.new_trainees == 0
    assert len(result.problems) == 1, result.problems
    problem = result.problems[0]
    assert (problem.row, problem.column) == (0, "")
    return problem.message


# ---- importing ----------------------------------------------------------------------------------------------
def test_xlsx_with_lao_headers_reuses_a_known_trainee(personas, session):
    known = trainee(personas.nora, personas.org_a, "Somchai Vongsa", sex=Sex.MALE, position="Driver")
    data = xlsx(
        [
            [" ຊື່ ", "ເພດ", "ອົງການ", "ຕຳແໜ່ງ", "ແຂວງ"],
            ["  somchai   VONGSA ", "ຊາຍ", "Department of Social Welfare A", "Social worker", "LA13"],
            ["ພອນສະຫວັນ ແສງທອງ", "ຍິງ", "legal", "Lawyer", "ສະຫວັນນະເຂດ"],
            [],  # blank rows are skipped
            ["Noy Sisavath", "F", "Provincial Office B", None, "vientiane capital"],
        ]
    )
    before = Trainee.objects.count()
    result = import_participants(actor=personas.nora, session=session, filename="List.XLSX", data=data)
    assert result.problems == []
    assert (result.registered, result.new_trainees) == (3, 2)
    assert Trainee.objects.count() == before + 2
    names = set(session.participations.values_list("trainee__name", flat=True))
    assert names == {"Somchai Vongsa", "ພອນສະຫວັນ ແສງທອງ", "Noy Sisavath"}
    known.refresh_from_db()
    assert known.position == "Driver"  # reused as it is, nothing updated
    assert session.participations.filter(trainee=known).exists()
    lao = Trainee.objects.get(name="ພອນສະຫວັນ ແສງທອງ")
    assert (lao.sex, lao.organisation, lao.province.code, lao.position) == (
        Sex.FEMALE,
        personas.org_p,
        "LA13",
        "Lawyer",
    )
    noy = Trainee.objects.get(name="Noy Sisavath")
    assert (noy.organisation, noy.province.code, noy.position) == (personas.org_b, "LA01", "")


def test_csv_with_bom_and_loose_headers(personas, session):
    data = csv_bytes(
        [
            ["  NAME ", "sex", "Organization", "province", "notes"],
            ["Khamla Phommachanh", "m", "department of social welfare a", "Savannakhet", "ignored"],
            ["Vanh Inthavong", "Female", "International", "Luang Prabang", ""],
        ]
    )
    result = import_participants(actor=personas.nora, session=session, filename="people.csv", data=data)
    assert result.problems == []
    assert (result.registered, result.new_trainees) == (2, 2)
    khamla = Trainee.objects.get(name="Khamla Phommachanh")
    assert (khamla.sex, khamla.organisation, khamla.province.code) == (Sex.MALE, personas.org_a, "LA13")
    assert Trainee.objects.get(name="Vanh Inthavong").province.code == "LA06"
    # Without a BOM too.
    data = csv_bytes([HEADER, ["Bounmy Keo", "M", "Legal Aid P", "", "LA17"]], bom=False)
    result = import_participants(actor=personas.nora, session=session, filename="more.csv", data=data)
    assert (result.registered, result.problems) == (1, [])


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_every_problem_is_listed_and_nothing_written(personas, session, kind):
    already = trainee(personas.nora, personas.org_a, "Already There")
    services.register(actor=personas.nora, session=session, trainee=already)
    rows = [
        HEADER,
        ["Good Person", "F", "Department of Social Welfare A", "", "LA01"],  # row 2
        ["Nobody Org", "F", "No Such Organisation", "", "LA01"],  # row 3
        ["Bad Sex", "X", "Legal Aid P", "", "LA01"],  # row 4
        ["Nowhere", "M", "Legal Aid P", "", "Atlantis"],  # row 5
        ['=HYPERLINK("http://x","y")', "M", "Legal Aid P", "", "LA01"],  # row 6
        ["good person", "F", "Department of Social Welfare A", "", "LA02"],  # row 7: twice
        ["already there", "F", "Department of Social Welfare A", "", "LA01"],  # row 8
        ["", "F", "Legal Aid P", "", ""],  # row 9
    ]
    data = xlsx(rows, text_cells=True) if kind == "xlsx" else csv_bytes(rows)
    before = counts()
    result = import_participants(actor=personas.nora, session=session, filename=f"people.{kind}", data=data)
    assert (result.registered, result.new_trainees) == (0, 0)
    where = {(p.row, p.column) for p in result.problems}
    assert where == {
        (3, "Organisation"),
        (4, "Sex"),
        (5, "Province"),
        (6, "Name"),
        (7, "Name"),
        (8, "Name"),
        (9, "Name"),
        (9, "Province"),
    }
    messages = {(p.row, p.column): p.message for p in result.problems}
    assert "No Such Organisation" in messages[(3, "Organisation")]
    assert "Formulas are not accepted" in messages[(6, "Name")]
    assert "row 2" in messages[(7, "Name")]
    assert "already registered" in messages[(8, "Name")]
    assert counts() == before


def test_missing_columns_are_named(personas, session):
    data = csv_bytes([["Name", "Position"], ["Someone", "Clerk"]])
    result = import_participants(actor=personas.nora, session=session, filename="people.csv", data=data)
    assert [(p.row, p.column) for p in result.problems] == [(1, ""), (1, ""), (1, "")]
    text = " ".join(p.message for p in result.problems)
    assert "sex" in text and "organisation" in text and "province" in text and "ແຂວງ" in text


def test_an_admin_imports_only_her_own_staff(personas, session):
    rows = [
        HEADER,
        ["Own Staff", "F", "Department of Social Welfare A", "", "LA01"],
        ["Other Staff", "M", "Provincial Office B", "", "LA01"],
    ]
    before = counts()
    result = import_participants(
        actor=personas.olga, session=session, filename="people.csv", data=csv_bytes(rows)
    )
    assert [(p.row, p.column) for p in result.problems] == [(3, "Organisation")]
    assert counts() == before

    result = import_participants(
        actor=personas.olga, session=session, filename="people.csv", data=csv_bytes(rows[:2])
    )
    assert (result.registered, result.new_trainees, result.problems) == (1, 1, [])
    own = Trainee.objects.get(name="Own Staff")
    assert own.organisation == personas.org_a
    assert Participation.objects.get(session=session, trainee=own).registered_by == personas.olga


def test_an_admin_does_not_learn_who_of_another_organisation_is_registered(personas, session):
    other = trainee(personas.nora, personas.org_b, "Other Staff")
    services.register(actor=personas.nora, session=session, trainee=other)
    data = csv_bytes([HEADER, ["Other Staff", "M", "Provincial Office B", "", "LA01"]])
    result = import_participants(actor=personas.olga, session=session, filename="p.csv", data=data)
    assert len(result.problems) == 1
    assert "already registered" not in result.problems[0].message


def test_a_caseworker_may_not_import(personas, session):
    with pytest.raises(PermissionDenied404):
        import_participants(actor=personas.alice, session=session, filename="x.pdf", data=b"%PDF")
    data = csv_bytes([HEADER, ["Own Staff", "F", "Department of Social Welfare A", "", "LA01"]])
    with pytest.raises(PermissionDenied404):
        import_participants(actor=personas.alice, session=session, filename="p.csv", data=data)
    assert not Trainee.objects.filter(name="Own Staff").exists()


@pytest.mark.parametrize(
    ("filename", "data", "words"),
    [
        ("people.pdf", b"%PDF-1.4 not a list", ".xlsx"),
        ("people", b"Name,Sex", ".xlsx"),
        ("people.xlsx", b"hello, not a zip", "not an Excel"),
        ("people.csv", b"", "empty"),
        ("people.xlsx", b"", "empty"),
        ("people.csv", b"\xff\xfeN\x00a\x00", "UTF-8"),
        ("people.csv", b"\n\n", "first row"),
        ("people.csv", b"Name,Sex,Organisation,Province\n", "nobody"),
    ],
)
def test_files_that_cannot_be_read(personas, session, filename, data, words):
    before = counts()
    message = only_file_problem(
        import_participants(actor=personas.nora, session=session, filename=filename, data=data)
    )
    assert words in message
    assert counts() == before


def test_an_xlsx_that_is_a_zip_but_not_a_workbook(personas, session):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("hello.txt", "hello")
    message = only_file_problem(
        import_participants(actor=personas.nora, session=session, filename="p.xlsx", data=buffer.getvalue())
    )
    assert "could not be opened" in message


def test_a_file_over_two_megabytes_is_refused_unread(personas, session, monkeypatch):
    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the file was read")

    monkeypatch.setattr(spreadsheets, "_read_csv", never)
    monkeypatch.setattr(spreadsheets, "_read_xlsx", never)
    for name in ("big.csv", "big.xlsx"):
        data = b"a" * (2 * 1024 * 1024 + 1)
        message = only_file_problem(
            import_participants(actor=personas.nora, session=session, filename=name, data=data)
        )
        assert "2 MB" in message


def test_a_zip_bomb_is_refused_before_it_is_opened(personas, session, monkeypatch):
    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(spreadsheets, "load_workbook", never)
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open("xl/worksheets/sheet1.xml", "w") as member,
    ):
        chunk = bytes(1024 * 1024)
        for _ in range(50):
            member.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 2 * 1024 * 1024
    message = only_file_problem(
        import_participants(actor=personas.nora, session=session, filename="bomb.xlsx", data=data)
    )
    assert "20 MB" in message

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for n in range(250):
            zf.writestr(f"part{n}.xml", "")
    message = only_file_problem(
        import_participants(
            actor=personas.nora, session=session, filename="many.xlsx", data=buffer.getvalue()
        )
    )
    assert "parts" in message


def test_at_most_two_thousand_people(personas, session):
    rows = [HEADER] + [[f"Person {n}", "F", "Legal Aid P", "", "LA01"] for n in range(2001)]
    before = counts()
    message = only_file_problem(
        import_participants(actor=personas.nora, session=session, filename="p.csv", data=csv_bytes(rows))
    )
    assert "2000" in message
    assert counts() == before


def test_a_validation_error_while_writing_rolls_everything_back(personas, session, monkeypatch):
    real_register = services.register

    def register(*, actor: Any, session: Any, trainee: Trainee, ip: Any = None) -> Any:
        if trainee.name == "Second":
            from django.core.exceptions import ValidationError

            raise ValidationError("Something changed meanwhile.")
        return real_register(actor=actor, session=session, trainee=trainee, ip=ip)

    monkeypatch.setattr(services, "register", register)
    rows = [
        HEADER,
        ["First", "F", "Legal Aid P", "", "LA01"],
        ["Second", "M", "Legal Aid P", "", "LA01"],
    ]
    before = counts()
    result = import_participants(actor=personas.nora, session=session, filename="p.csv", data=csv_bytes(rows))
    assert (result.registered, result.new_trainees) == (0, 0)
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (3, "", "Something changed meanwhile.")
    ]
    assert counts() == before


# ---- the attendance sheet -----------------------------------------------------------------------------------
def test_attendance_sheet(personas, session):
    nora = personas.nora
    first, second = session.days()
    keo = services.register(
        actor=nora, session=session, trainee=trainee(nora, personas.org_a, "Keo Phanthavong")
    )
    lae = services.register(
        actor=nora, session=session, trainee=trainee(nora, personas.org_b, "Lae Sengdao", sex=Sex.MALE)
    )
    services.record_attendance(
        actor=nora, session=session, present={keo.id: [first, second], lae.id: [first]}
    )
    services.record_result(actor=nora, participation=keo, pre_score=40, post_score=85, completed=True)
    # Registered after the attendance was taken: nothing recorded for them.
    nasty = Trainee.objects.create(
        name='=HYPERLINK("http://evil.example","click")',
        sex=Sex.OTHER,
        organisation=personas.org_p,
        position="-admin",
        province=area("LA13"),
    )
    services.register(actor=nora, session=session, trainee=nasty)

    with translation.override("en"):
        data = attendance_sheet(session)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Victim identification"
    assert rows[1][0] == "ການກຳນົດຕົວຜູ້ຖືກເຄາະຮ້າຍ"
    block = {r[0]: r[2] for r in rows[2:7]}
    assert block["Dates"] == f"{first:%d/%m/%Y} – {second:%d/%m/%Y}"
    assert block["Province"] == "Savannakhet"
    assert block["Venue"] == "Provincial hall"
    assert block["Organiser"] == personas.org_i.name
    assert block["Trainers"] == "Ms Keo, Mr Bounmy"

    at = next(i for i, r in enumerate(rows) if r[0] == "No.")
    header = rows[at]
    assert header == [
        "No.",
        "Name",
        "Sex",
        "Organisation",
        "Position",
        "Province",
        f"{first:%d/%m}",
        f"{second:%d/%m}",
        "Pre-test",
        "Post-test",
        "Completed",
        "Certificate",
        "Signature",
    ]
    body = rows[at + 1 :]
    assert len(body) == 3
    by_name = {r[1]: dict(zip(header, r, strict=True)) for r in body}
    keo.refresh_from_db()
    assert by_name["Keo Phanthavong"] == {
        "No.": 2,
        "Name": "Keo Phanthavong",
        "Sex": "Female",
        "Organisation": personas.org_a.name,
        "Position": None,
        "Province": "Vientiane Capital",
        f"{first:%d/%m}": "✓",
        f"{second:%d/%m}": "✓",
        "Pre-test": 40,
        "Post-test": 85,
        "Completed": "Yes",
        "Certificate": keo.certificate,
        "Signature": None,
    }
    lae_row = by_name["Lae Sengdao"]
    assert (lae_row[f"{first:%d/%m}"], lae_row[f"{second:%d/%m}"], lae_row["Completed"]) == ("✓", "✗", "No")
    assert (lae_row["Sex"], lae_row["Pre-test"], lae_row["Certificate"]) == ("Male", None, None)

    escaped = "'" + nasty.name
    nasty_row = by_name[escaped]
    assert (nasty_row[f"{first:%d/%m}"], nasty_row[f"{second:%d/%m}"]) == (None, None)
    assert nasty_row["Position"] == "'-admin"
    cell = sheet.cell(row=at + 2, column=2)
    assert cell.value == escaped and cell.data_type == "s"
    assert not any(c.data_type == "f" for r in sheet.iter_rows() for c in r)
    assert sheet.column_dimensions["B"].width >= 20
