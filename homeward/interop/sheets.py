"""Reading an uploaded spreadsheet (XLSX or CSV) safely, into HTCDS columns and rows of raw cells.

A file is refused with a ``SheetError`` in the user's language — never a server error — when it is too large,
not what its name says, broken, a zip bomb (an XLSX is a zip archive: the sizes its entries claim are checked
before anything is decompressed, and decompression stops at the limit whatever they claim), holds formulas, has
no HTCDS column, or has more rows or columns than an import takes. XLSX cells are read by calamine (Rust, fast
on large files; its XML reader expands no entities); CSV must be UTF-8 (Excel's "CSV UTF-8"), with commas,
semicolons or tabs.

The header row is the first of the first ten rows that names at least one HTCDS field (``htcds.resolve``); a
row right below it that repeats the fields' labels (as the toolkit's workbook does) is skipped, and so are rows
whose HTCDS cells are all empty.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineError, CalamineWorkbook

from homeward.interop import htcds

HEADER_SEARCH_ROWS = 10
MAX_COLUMNS = 500
MAX_ZIP_ENTRIES = 2_000
MAX_RATIO = 200  # uncompressed / compressed, per entry: ordinary sheets compress 5-20 times
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")
_CHUNK = 1 << 16
MAIN, EVENTS, COMMENTS = "main", "events", "comments"
REFERENCE = "hw_CaseReference"


class SheetError(htcds.InputError):
    """What is wrong with a whole file."""


def _broken_xlsx() -> SheetError:
    return SheetError("broken", _("This file is damaged or is not an Excel workbook (.xlsx)."))


def _broken_csv() -> SheetError:
    return SheetError("broken", _("This file is damaged or is not a CSV file."))


def _bomb() -> SheetError:
    return SheetError("bomb", _("This workbook is built in a way that could overload the server."))


@dataclass
class Sheet:
    """The HTCDS columns of a file and its data rows (raw cells, in the order of ``columns``)."""

    columns: list[tuple[int, str, str]]  # (index in the file, header as written, HTCDS field name)
    ignored: list[str]  # headers that are not HTCDS fields
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (row number in the file, cells)
    name: str = ""  # the worksheet's name (XLSX)
    events: Sheet | None = None  # the workbook's Events sheet, if any
    comments: Sheet | None = None  # the workbook's Comments sheet, if any

    @functools.cached_property
    def field_names(self) -> list[str]:
        """The HTCDS field of each column, in the order of a row's cells."""
        return [name_of for _index, _header, name_of in self.columns]

    @functools.cached_property
    def headers(self) -> dict[str, str]:
        """Each field's header as the file wrote it."""
        return {name_of: header for _index, header, name_of in self.columns}


def _limits() -> tuple[int, int]:
    return settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_ROWS


def _refuse_zip_bomb(data: bytes) -> None:
    max_bytes, _rows = _limits()
    budget = max_bytes * 10  # what the whole archive may expand to
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _broken_xlsx() from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _bomb()
    if "xl/workbook.xml" not in {e.filename for e in entries}:
        raise _broken_xlsx()
    total = 0
    for entry in entries:
        claimed = entry.file_size
        if claimed > budget or claimed > MAX_RATIO * max(entry.compress_size, 1) + _CHUNK:
            raise _bomb()
        total += claimed
    if total > budget:
        raise _bomb()
    # The claimed sizes may lie: decompress every entry for real (the shared strings as much as the sheets),
    # stopping at the budget, and look for formulas in the sheets.
    read = 0
    for entry in entries:
        worksheet = entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml")
        tail = b""
        try:
            with archive.open(entry) as stream:
                while chunk := stream.read(_CHUNK):
                    read += len(chunk)
                    if read > budget:
                        raise _bomb()
                    if worksheet and _FORMULA_TAG.search(tail + chunk):
                        raise SheetError(
                            "formula",
                            _(
                                "This workbook holds formulas. Copy the sheet and paste it as values only, "
                                "then upload it again."
                            ),
                        )
                    tail = chunk[-16:]
        except SheetError:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            raise _broken_xlsx() from None


def _xlsx_sheets(data: bytes) -> Iterator[tuple[str, Iterator[list[Any]]]]:
    _refuse_zip_bomb(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in workbook.sheet_names:
            yield name, _guarded(workbook.get_sheet_by_name(name).iter_rows())
    except (CalamineError, ValueError, OSError, TypeError):
        raise _broken_xlsx() from None


def _guarded(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
    try:
        yield from rows
    except (CalamineError, ValueError, OSError, TypeError):
        raise _broken_xlsx() from None


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError(
            "encoding",
            _("This CSV file is not in UTF-8. In Excel, save it as “CSV UTF-8 (Comma delimited)”."),
        ) from None
    if "\x00" in text:
        raise _broken_csv()
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        yield from csv.reader(io.StringIO(text, newline=""), dialect)
    except csv.Error:
        raise _broken_csv() from None


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _kind_of(columns: list[tuple[int, str, str]]) -> str:
    """Which part of an export a sheet holds, by its HTCDS columns."""
    names = {name for _i, _h, name in columns} - {REFERENCE}
    if names and all(name.startswith("hte_") for name in names):
        return EVENTS
    if names and names <= {"cco_CaseComment", "hw_CommentDate"}:
        return COMMENTS
    return MAIN


def _header(rows: Iterator[list[Any]]) -> tuple[list[Any], int] | None:
    for number, row in zip(range(1, HEADER_SEARCH_ROWS + 1), rows, strict=False):
        if any(htcds.resolve(cell) for cell in row):
            return list(row), number
    return None


def _columns(header: list[Any]) -> tuple[list[tuple[int, str, str]], list[str]]:
    if len(header) > MAX_COLUMNS:
        raise SheetError("too_wide", _("This file has more than %(limit)s columns.") % {"limit": MAX_COLUMNS})
    columns: list[tuple[int, str, str]] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for index, cell in enumerate(header):
        name_of = htcds.resolve(cell)
        if name_of is None:
            if not _blank(cell):
                ignored.append(str(cell).strip())
            continue
        if name_of in seen:
            raise SheetError(
                "duplicate_column",
                _("The columns “%(first)s” and “%(second)s” are the same HTCDS field.")
                % {"first": seen[name_of], "second": str(cell).strip()},
            )
        seen[name_of] = str(cell).strip()
        columns.append((index, str(cell).strip(), name_of))
    return columns, ignored


def _fill(sheet: Sheet, rows: Iterator[list[Any]], header_number: int, budget: list[int]) -> None:
    """Read the data rows below the header into ``sheet``; ``budget`` holds the rows the file may still have."""
    columns = sheet.columns
    labels = {index: htcds.catalogue()[name_of].label.casefold() for index, _h, name_of in columns}
    for number, row in enumerate(rows, start=header_number + 1):
        cells = [row[index] if index < len(row) else None for index, _h, _f in columns]
        if all(_blank(c) for c in cells):
            continue
        if number == header_number + 1 and not sheet.rows:
            matching = sum(
                1
                for (index, _h, _f), c in zip(columns, cells, strict=True)
                if isinstance(c, str) and c.strip().casefold() == labels[index]
            )
            if matching * 2 >= len(columns):
                continue  # the labels row of the toolkit's workbook
        if budget[0] <= 0:
            raise SheetError(
                "too_many_rows",
                _("This file has more than %(limit)s rows. Split it into smaller files.")
                % {"limit": _limits()[1]},
            )
        budget[0] -= 1
        sheet.rows.append((number, cells))


def _no_columns() -> SheetError:
    return SheetError(
        "no_columns",
        _("No column of this file is an HTCDS field. The first row must hold names such as prs_FirstName."),
    )


def read(data: bytes, filename: str) -> Sheet:
    """The HTCDS columns and data rows of an uploaded XLSX or CSV file. Raises ``SheetError``.

    A workbook may also hold, on sheets of their own, trafficking events (``hte_`` columns) and case comments
    (``cco_CaseComment``), each row tied to its case by ``hw_CaseReference``, as Homeward's export writes them;
    they come back as ``events`` and ``comments`` of the main sheet, the first sheet with any other HTCDS column.
    """
    max_bytes, max_rows = _limits()
    if len(data) > max_bytes:
        raise SheetError(
            "too_large",
            _("This file is larger than %(limit)s MB. Split it into smaller files.")
            % {"limit": max_bytes // (1024 * 1024)},
        )
    if not data:
        raise SheetError("empty", _("This file is empty."))
    name = filename.lower()
    if name.endswith(".xlsx"):
        if not data.startswith(b"PK"):
            raise _broken_xlsx()
        sheets = _xlsx_sheets(data)
    elif name.endswith(".csv"):
        if data.startswith(b"PK"):
            raise _broken_csv()
        sheets = iter([("", _csv_rows(data))])
    else:
        raise SheetError("type", _("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))

    budget = [max_rows]
    found: dict[str, Sheet] = {}
    for sheet_name, rows in sheets:
        header = _header(rows)
        if header is None:
            continue
        columns, ignored = _columns(header[0])
        kind = _kind_of(columns)
        if kind in found:
            continue  # only the first sheet of each kind is read
        if kind != MAIN and REFERENCE not in {name_of for _i, _h, name_of in columns}:
            raise SheetError(
                "no_reference",
                _("The sheet “%(sheet)s” has no hw_CaseReference column to tie its rows to their cases.")
                % {"sheet": sheet_name},
            )
        sheet = Sheet(columns=columns, ignored=ignored, name=sheet_name)
        _fill(sheet, rows, header[1], budget)
        found[kind] = sheet
    main = found.get(MAIN)
    if main is None:
        raise _no_columns()
    main.events = found.get(EVENTS)
    main.comments = found.get(COMMENTS)
    return main
