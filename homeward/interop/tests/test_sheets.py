"""Uploaded spreadsheets: the toolkit's workbook, Kobo-style CSV, and every way a file can be bad, refused with a
clear reason and never a server error."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.test import override_settings
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeward.interop.sheets import SheetError, read

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def xlsx(rows: list[list[object]], title: str = "Cases") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refused(data: bytes, filename: str) -> SheetError:
    with pytest.raises(SheetError) as caught:
        read(data, filename)
    return caught.value


def test_the_toolkit_workbook_has_its_columns_and_no_data_rows():
    sheet = read((FIXTURES / "htcds_spreadsheet_2.0.xlsx").read_bytes(), "htcds_spreadsheet_2.0.xlsx")
    assert len(sheet.columns) == 37
    assert sheet.columns[0][2] == "cas_CaseOwner"
    assert "vic_TraffickinStatusDecisionMakingOrg" in [h for _i, h, _f in sheet.columns]
    assert sheet.rows == []  # the labels row and the numbered empty rows are not data


def test_a_filled_workbook_gives_its_rows_with_their_numbers_and_skips_the_labels_row():
    data = xlsx(
        [
            ["", "prs_FirstName", "prs_Birthdate", "vic_TypeOfExploitation", "Notes"],
            ["", "First Name", "Birthdate", "Type of Exploitation", ""],
            [1, "Synthetic Alpha", dt.datetime(1999, 4, 1), "ForcedLabour", "x"],
            [2, "", None, "", ""],
            [3, "Synthetic Beta", "2001-02-03", "hw_ForcedCriminality;ForcedLabour", ""],
        ]
    )
    sheet = read(data, "cases.xlsx")
    assert [name for _i, _h, name in sheet.columns] == [
        "prs_FirstName",
        "prs_Birthdate",
        "vic_TypeOfExploitation",
    ]
    assert sheet.ignored == ["Notes"]
    assert [number for number, _cells in sheet.rows] == [3, 5]
    assert sheet.rows[0][1][:2] == ["Synthetic Alpha", dt.date(1999, 4, 1)]  # a date cell, read as a date


def test_a_kobo_style_csv_with_group_paths_and_semicolons():
    text = (
        "start;end;group_person/prs_First_Name;group_victim/vic_Methods_of_Control;_uuid\n"
        "2024-01-01T10:00:00.000+07:00;2024-01-01T10:20:00.000+07:00;Synthetic Gamma;DebtBondage PhysicalThreats;"
        "b6f1c9a2\n"
    )
    sheet = read(("\ufeff" + text).encode("utf-8"), "kobo.csv")
    assert [name for _i, _h, name in sheet.columns] == ["prs_FirstName", "vic_MethodsOfControl"]
    assert sheet.rows == [(2, ["Synthetic Gamma", "DebtBondage PhysicalThreats"])]
    assert sheet.ignored == ["start", "end", "_uuid"]


def test_two_columns_for_the_same_field_are_refused():
    error = refused(b"prs_FirstName,prs_First_Name\nA,B\n", "x.csv")
    assert error.code == "duplicate_column"


def test_a_file_without_htcds_columns_is_refused():
    assert refused(b"name,age\nA,3\n", "x.csv").code == "no_columns"
    assert refused(xlsx([["name", "age"]]), "x.xlsx").code == "no_columns"


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"", "x.csv", "empty"),
        (b"prs_FirstName\n", "x.txt", "type"),
        (b"not a zip at all", "x.xlsx", "broken"),
        (b"PK\x03\x04broken zip", "x.xlsx", "broken"),
        ("prs_FirstName\nSomsy\u00e9\n".encode("latin-1"), "x.csv", "encoding"),
        (b"prs_FirstName\n\x00\x00\n", "x.csv", "broken"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data, filename, code):
    assert refused(data, filename).code == code


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert refused(out.getvalue(), "x.xlsx").code == "broken"


def test_a_csv_renamed_xlsx_and_an_xlsx_renamed_csv_are_refused():
    assert refused(b"prs_FirstName\nA\n", "x.xlsx").code == "broken"
    assert refused(xlsx([["prs_FirstName"], ["A"]]), "x.csv").code == "broken"


def test_a_zip_bomb_is_refused_before_it_is_read():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(
            "xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024)
        )  # compresses about 1000 times
    data = out.getvalue()
    assert len(data) < 1024 * 1024
    assert refused(data, "bomb.xlsx").code == "bomb"


@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
def test_a_zip_that_lies_about_its_sizes_is_refused_before_it_is_read(member, monkeypatch):
    """An archive whose directory claims a modest size for an entry that inflates to far more: every entry is
    decompressed for real (streamed, counted) before calamine sees the file, and the lie is caught."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(member, b"<sst>" + b"<si/>" * (4 * 1024 * 1024) + b"</sst>")
    data = bytearray(out.getvalue())
    # Rewrite the claimed size of the entry in the central directory to ten times its compressed size.
    central = data.rfind(b"PK\x01\x02")
    while central != -1:
        name_length = int.from_bytes(data[central + 28 : central + 30], "little")
        if bytes(data[central + 46 : central + 46 + name_length]) == member.encode():
            compressed = int.from_bytes(data[central + 20 : central + 24], "little")
            data[central + 24 : central + 28] = (compressed * 10).to_bytes(4, "little")
        central = data.rfind(b"PK\x01\x02", 0, central)

    class NotReached:
        @staticmethod
        def from_filelike(_file):
            raise AssertionError("calamine was given a file that lies about its sizes")

    monkeypatch.setattr("homeward.interop.sheets.CalamineWorkbook", NotReached)
    with override_settings(IMPORT_MAX_BYTES=1024 * 1024):
        error = refused(bytes(data), "liar.xlsx")
    # Python's zip reader stops at the claimed size and the checksum then fails: a damaged file.
    assert error.code == "broken"


def test_a_workbook_with_formulas_is_refused():
    data = xlsx([["prs_FirstName", "prs_NumberOfChildren"], ["Synthetic Delta", "=1+1"]])
    error = refused(data, "formula.xlsx")
    assert error.code == "formula"


def test_limits_on_size_and_rows():
    with override_settings(IMPORT_MAX_BYTES=1024 * 1024):
        assert refused(b"prs_FirstName\n" + b"A\n" * (600 * 1024), "big.csv").code == "too_large"
    with override_settings(IMPORT_MAX_ROWS=10):
        assert refused(b"prs_FirstName\n" + b"A\n" * 11, "rows.csv").code == "too_many_rows"
        assert len(read(b"prs_FirstName\n" + b"A\n" * 10, "rows.csv").rows) == 10


def test_errors_are_said_in_the_users_language():
    with translation.override("th"):
        error = refused(b"name\nA\n", "x.csv")
        assert "HTCDS" in str(error) and "No column" not in str(error)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048), st.sampled_from(["x.csv", "x.xlsx"]))
def test_any_bytes_give_a_sheet_or_a_sheet_error(data, filename):
    try:
        read(data, filename)
    except SheetError as error:
        assert error.code and str(error)
