"""Files for the import tests: the toolkit's own workbook filled with synthetic rows, and a Kobo-style export."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def toolkit_workbook(rows: list[dict[str, Any]]) -> bytes:
    """The toolkit's HTCDS 2.0 workbook (its header and labels rows as published) with ``rows`` written below,
    each a {column name as in the workbook: value}."""
    book = openpyxl.load_workbook(FIXTURES / "htcds_spreadsheet_2.0.xlsx")
    sheet: Any = book.active
    header: dict[str, int] = {cell.value: cell.column for cell in sheet[1] if cell.value}
    for number, row in enumerate(rows, start=3):
        for name, value in row.items():
            sheet.cell(row=number, column=header[name], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def kobo_csv(rows: list[dict[str, Any]]) -> bytes:
    """A KoboToolbox-style CSV export of the HTCDS XLSForm: group paths, the XLSForm's spellings, space-separated
    multiple choices, Kobo's own metadata columns, semicolons between columns."""
    columns = [
        "start",
        "end",
        "group_person/prs_First_Name",
        "group_person/prs_Second_Name",
        "group_person/prs_Gender",
        "group_person/prs_Birthdate",
        "group_person/prs_Mailing_State",
        "group_victim/vic_Type_of_Exploitation",
        "group_victim/vic_Methods_of_Control",
        "group_victim/vic_Trafficking_Status",
        "_uuid",
        "_submission_time",
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(columns)
    for number, row in enumerate(rows):
        writer.writerow(
            [
                "2024-01-01T10:00:00.000+07:00",
                "2024-01-01T10:20:00.000+07:00",
                row.get("first", ""),
                row.get("second", ""),
                row.get("gender", ""),
                row.get("birth", ""),
                row.get("state", ""),
                row.get("exploitation", ""),
                row.get("control", ""),
                row.get("status", ""),
                f"uuid-{number:04d}",
                "2024-01-02T03:04:05",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_bytes(header: list[str], *rows: list[Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")
