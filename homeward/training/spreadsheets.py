"""Training participants from a spreadsheet, and the attendance sheet of a session to print.

The import reads an XLSX or CSV list of people (one a row, headers in English or Lao), checks every row and
reports every problem by row and column; only when there is none does it write, all or nothing, in one
transaction, each person through ``services.trainee_save`` and ``services.register`` (which check permission
and audit). Someone already known (same organisation, same name) is reused as they are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Organisation
from homeward.accounts.policy import orgs_with
from homeward.cases.services import PermissionDenied404
from homeward.places.models import Area, AreaLevel
from homeward.places.services import areas_search
from homeward.training import services
from homeward.training.models import Participation, Trainee, TrainingSession
from homeward.training.picklists import Sex

MB = 1024 * 1024
MAX_FILE_BYTES = 2 * MB
MAX_UNPACKED_BYTES = 20 * MB  # the declared uncompressed size of every member of an XLSX, in all
MAX_ZIP_MEMBERS = 200
MAX_ROWS = 2000  # people (rows that are not blank) in one file
MAX_SCANNED_ROWS = 10 * MAX_ROWS  # rows read, blank or not: a sheet may claim rows far down
MAX_COLUMNS = 50  # columns read; the headers are looked for in these
NAME_MAX = 150
POSITION_MAX = 150
LAO = "LA"

# The accepted headers, folded (see _fold), for each column.
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "ຊື່"),
    "sex": ("sex", "ເພດ"),
    "organisation": ("organisation", "organization", "ອົງການ"),
    "position": ("position", "ຕຳແໜ່ງ"),
    "province": ("province", "ແຂວງ"),
}
REQUIRED = ("name", "sex", "organisation", "province")
# The values accepted for sex, folded.
SEXES: dict[str, str] = {
    "female": Sex.FEMALE,
    "f": Sex.FEMALE,
    "ຍິງ": Sex.FEMALE,
    "male": Sex.MALE,
    "m": Sex.MALE,
    "ຊາຍ": Sex.MALE,
    "other": Sex.OTHER,
    "ອື່ນ": Sex.OTHER,
    "ອື່ນໆ": Sex.OTHER,
}
# A text cell that starts with one of these is run as a formula by a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# ---- results ------------------------------------------------------------------------------------------------
@dataclass
class RowProblem:
    row: int  # the spreadsheet row number (header = row 1), 0 for the whole file
    column: str  # the column's header as in the file, or "" for the whole row/file
    message: str  # translated, plain words


@dataclass
class ParticipantImport:
    registered: int = 0
    new_trainees: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def _fold(text: str) -> str:
    """For comparing what people type: compatibility-normalised (Lao ຳ/ໍາ, ໜ/ຫນ alike), spaces collapsed,
    case-folded."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


_HEADER_OF = {_fold(alias): name for name, aliases in HEADERS.items() for alias in aliases}
_SEX_OF = {_fold(text): value for text, value in SEXES.items()}


def _shown(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


class _Problems:
    def __init__(self) -> None:
        self.items: list[RowProblem] = []

    def add(self, row: int, column: str, message: str) -> None:
        self.items.append(RowProblem(row=row, column=column, message=message))

    def file(self, message: str) -> None:
        self.add(0, "", message)

    def __bool__(self) -> bool:
        return bool(self.items)


# ---- reading the file ---------------------------------------------------------------------------------------
Rows = Iterable[tuple[int, list[str]]]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, dt.datetime | dt.date):
        value = value.strftime("%d/%m/%Y")
    return str(value).strip()


def _collect(rows: Rows, problems: _Problems) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """The header (row 1) and the rows that are not blank, within the limits; None when the file is refused."""
    header: list[str] | None = None
    body: list[tuple[int, list[str]]] = []
    for number, values in rows:
        if number > MAX_SCANNED_ROWS:
            problems.file(
                _("The file goes on past row %(limit)s. Remove the empty rows at the end and try again.")
                % {"limit": MAX_SCANNED_ROWS}
            )
            return None
        if number == 1:
            header = values
            continue
        if not any(values):
            continue
        body.append((number, values))
        if len(body) > MAX_ROWS:
            problems.file(
                _("The file lists more than %(limit)s people. Split it into smaller files.")
                % {"limit": MAX_ROWS}
            )
            return None
    if header is None or not any(header):
        problems.file(_("The file is empty, or its first row has no column names."))
        return None
    if not body:
        problems.file(_("The file lists nobody: there is only the header row."))
        return None
    return header, body


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    for number, values in enumerate(reader, start=1):
        yield number, [value.strip() for value in values[:MAX_COLUMNS]]


def _read_csv(data: bytes, problems: _Problems) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.file(_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."))
        return None
    try:
        return _collect(_csv_rows(text), problems)
    except csv.Error as error:
        problems.file(_("This CSV file could not be read: %(error)s.") % {"error": _shown(str(error))})
        return None


def _zip_acceptable(data: bytes, problems: _Problems) -> bool:
    """Look at an XLSX's table of contents before anything is unpacked: refuse what would unpack too big."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        problems.file(_("This is not an Excel (.xlsx) file Homeward can open. Save it again as .xlsx."))
        return False
    if len(infos) >= MAX_ZIP_MEMBERS:
        problems.file(
            _("This Excel file holds %(count)s parts; at most %(limit)s are allowed.")
            % {"count": len(infos), "limit": MAX_ZIP_MEMBERS - 1}
        )
        return False
    if sum(info.file_size for info in infos) >= MAX_UNPACKED_BYTES:
        problems.file(
            _("This Excel file unpacks to %(limit)s MB or more. Keep only the list of people in it.")
            % {"limit": MAX_UNPACKED_BYTES // MB}
        )
        return False
    return True


def _read_xlsx(data: bytes, problems: _Problems) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    if not _zip_acceptable(data, problems):
        return None
    # Python's zipfile never unpacks more than a member declares, so the check above bounds what is read.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        problems.file(_("This Excel file could not be opened. Save it again as .xlsx and try again."))
        return None
    try:
        if not workbook.worksheets:
            problems.file(_("This Excel file has no sheet."))
            return None
        sheet = workbook.worksheets[0]
        rows = (
            (number, [_cell_text(value) for value in values])
            for number, values in enumerate(
                sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), start=1
            )
        )
        return _collect(rows, problems)
    except Exception:
        problems.file(_("This Excel file is damaged and could not be read. Save it again as .xlsx."))
        return None
    finally:
        workbook.close()


# ---- checking the rows --------------------------------------------------------------------------------------
@dataclass
class _Plan:
    row: int
    trainee: Trainee
    new: bool


class _Reader:
    def __init__(self, actor: Any, session: TrainingSession, problems: _Problems) -> None:
        self.problems = problems
        self.session = session
        self.manager = services.may_manage(actor)
        self.allowed = set(orgs_with(actor, Cap.TRAINING_REGISTER))
        self.columns: dict[str, int] = {}
        self.labels: dict[str, str] = {}
        self.by_name: dict[str, list[Organisation]] = {}
        self.by_short: dict[str, list[Organisation]] = {}
        for org in Organisation.objects.filter(is_active=True):
            self.by_name.setdefault(_fold(org.name), []).append(org)
            if org.short_name:
                self.by_short.setdefault(_fold(org.short_name), []).append(org)
        self.provinces: dict[str, Area] = {}
        for area in Area.objects.filter(country__code=LAO, level=AreaLevel.PROVINCE).order_by("-code"):
            for text in (area.name_lo, area.name_en, area.code):  # the code wins over a clashing name
                if text:
                    self.provinces[_fold(text)] = area
        self.registered = set(
            Participation.objects.filter(session=session).values_list("trainee_id", flat=True)
        )
        self.known: dict[int, dict[str, Trainee]] = {}  # organisation id -> folded name -> trainee
        self.seen: dict[tuple[int, str], int] = {}  # (organisation id, folded name) -> row

    # -- the header --
    def header(self, header: list[str]) -> bool:
        for index, raw in enumerate(header):
            name = _HEADER_OF.get(_fold(raw))
            if name is None:
                continue
            if name in self.columns:
                self.problems.add(
                    1,
                    raw,
                    _("Two columns are headed “%(first)s” and “%(second)s”: keep only one.")
                    % {"first": self.labels[name], "second": raw},
                )
                continue
            self.columns[name] = index
            self.labels[name] = raw
        for name in REQUIRED:
            if name not in self.columns:
                english, lao = HEADERS[name][0], HEADERS[name][-1]
                self.problems.add(
                    1,
                    "",
                    _("The file has no “%(english)s” (%(lao)s) column.") % {"english": english, "lao": lao},
                )
        return not self.problems

    def label(self, name: str) -> str:
        return self.labels.get(name, "")

    # -- one row --
    def row(self, number: int, values: list[str]) -> _Plan | None:
        before = len(self.problems.items)

        def at(name: str, message: str) -> None:
            self.problems.add(number, self.label(name), message)

        cells: dict[str, str] = {}
        for name, index in self.columns.items():
            text = values[index] if index < len(values) else ""
            if text.startswith("="):
                at(name, _("Formulas are not accepted: type the value itself."))
                continue
            cells[name] = text

        name = " ".join(cells.get("name", "").split())
        if "name" in cells:
            if not name:
                at("name", _("Give the person's name."))
            elif len(name) > NAME_MAX:
                at("name", _("A name is at most %(limit)s characters.") % {"limit": NAME_MAX})

        sex = ""
        if "sex" in cells:
            sex = _SEX_OF.get(_fold(cells["sex"]), "")
            if not cells["sex"]:
                at("sex", _("Give the person's sex: female, male or other."))
            elif not sex:
                at(
                    "sex",
                    _(
                        "“%(value)s” is not a sex Homeward knows: write female, male or other (or F, M, ຍິງ, ຊາຍ)."
                    )
                    % {"value": _shown(cells["sex"])},
                )

        position = " ".join(cells.get("position", "").split())
        if len(position) > POSITION_MAX:
            at("position", _("A position is at most %(limit)s characters.") % {"limit": POSITION_MAX})

        province = self.province(cells["province"], at) if "province" in cells else None
        org = self.organisation(cells["organisation"], at) if "organisation" in cells else None
        if org is not None and not (self.manager or org.pk in self.allowed):
            at(
                "organisation",
                _("You may register only the staff of your own organisation; %(org)s is not one of them.")
                % {"org": org.name},
            )
            return None

        existing: Trainee | None = None
        if org is not None and name and len(name) <= NAME_MAX:
            key = _fold(name)
            first = self.seen.get((org.pk, key))
            if first is not None:
                at("name", _("This person is already listed on row %(row)s.") % {"row": first})
            else:
                self.seen[(org.pk, key)] = number
                existing = self.trainees(org).get(key)
                if existing is not None and existing.pk in self.registered:
                    at(
                        "name",
                        _("%(name)s is already registered for this session.") % {"name": existing.name},
                    )

        if len(self.problems.items) > before or org is None or province is None:
            return None
        if existing is not None:
            return _Plan(row=number, trainee=existing, new=False)
        trainee = Trainee(name=name, sex=sex, organisation=org, position=position, province=province)
        return _Plan(row=number, trainee=trainee, new=True)

    def organisation(self, text: str, at: Callable[[str, str], None]) -> Organisation | None:
        if not text:
            at("organisation", _("Give the person's organisation."))
            return None
        key = _fold(text)
        for candidates in (self.by_name.get(key, []), self.by_short.get(key, [])):
            if len(candidates) == 1:
                return candidates[0]
            if len(candidates) > 1:
                at(
                    "organisation",
                    _("Several organisations go by “%(value)s”: write the organisation's full name.")
                    % {"value": _shown(text)},
                )
                return None
        at(
            "organisation",
            _("No organisation in Homeward is called “%(value)s”. Write its full name or short name.")
            % {"value": _shown(text)},
        )
        return None

    def province(self, text: str, at: Callable[[str, str], None]) -> Area | None:
        if not text:
            at("province", _("Give the province where the person works."))
            return None
        area = self.provinces.get(_fold(text))
        if area is not None:
            return area
        found = list(areas_search(text, country=LAO, level=AreaLevel.PROVINCE)[:2])
        if len(found) == 1:
            return found[0]
        at(
            "province",
            _(
                "“%(value)s” is not a province of Lao PDR Homeward knows. Write its name or its code (LA01 to LA18)."
            )
            % {"value": _shown(text)},
        )
        return None

    def trainees(self, org: Organisation) -> dict[str, Trainee]:
        if org.pk not in self.known:
            known: dict[str, Trainee] = {}
            for trainee in Trainee.objects.filter(organisation=org).order_by("-id"):
                known[_fold(trainee.name)] = trainee  # the oldest record of a name wins
            self.known[org.pk] = known
        return self.known[org.pk]

    def report(self, plan: _Plan, error: ValidationError) -> None:
        by_field = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        for field_name, messages in by_field.items():
            column = self.label(field_name) if field_name in HEADERS else ""
            for message in messages:
                self.problems.add(plan.row, column, message)


class _Rollback(Exception):
    pass


def import_participants(
    *, actor: Any, session: TrainingSession, filename: str, data: bytes, ip: str | None = None
) -> ParticipantImport:
    """Register the people listed in an XLSX or CSV file for ``session``, all or nothing."""
    if not (services.may_manage(actor) or orgs_with(actor, Cap.TRAINING_REGISTER)):
        raise PermissionDenied404
    problems = _Problems()
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    table: tuple[list[str], list[tuple[int, list[str]]]] | None = None
    if suffix not in ("xlsx", "csv"):
        problems.file(_("Homeward imports an Excel (.xlsx) or CSV (.csv) file; this file is neither."))
    elif not data:
        problems.file(_("The file is empty."))
    elif len(data) > MAX_FILE_BYTES:
        problems.file(
            _("The file is larger than %(limit)s MB. Split it into smaller files.")
            % {"limit": MAX_FILE_BYTES // MB}
        )
    elif suffix == "xlsx":
        table = _read_xlsx(data, problems)
    else:
        table = _read_csv(data, problems)
    if table is None or problems:
        return ParticipantImport(problems=problems.items)

    header, body = table
    reader = _Reader(actor, session, problems)
    if not reader.header(header):
        return ParticipantImport(problems=problems.items)
    plans = [plan for number, values in body if (plan := reader.row(number, values)) is not None]
    if problems:
        return ParticipantImport(problems=problems.items)

    result = ParticipantImport()
    try:
        with transaction.atomic():
            for plan in plans:
                try:
                    if plan.new:
                        services.trainee_save(actor=actor, trainee=plan.trainee, ip=ip)
                    services.register(actor=actor, session=session, trainee=plan.trainee, ip=ip)
                except ValidationError as error:
                    reader.report(plan, error)
                    continue
                except PermissionDenied404:
                    problems.add(
                        plan.row, reader.label("organisation"), _("You may not register this person.")
                    )
                    continue
                result.registered += 1
                result.new_trainees += int(plan.new)
            if problems:
                raise _Rollback
    except _Rollback:
        return ParticipantImport(problems=problems.items)
    return result


# ---- the attendance sheet -----------------------------------------------------------------------------------
def _safe(value: Any) -> Any:
    """A cell's value as written: text that a spreadsheet would run as a formula gets a leading apostrophe,
    and characters an XLSX file cannot hold are dropped."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def attendance_sheet(session: TrainingSession) -> bytes:
    """The session's attendance sheet as XLSX: a title block, then one row per participant with the days, the
    results and a column to sign. Headers are in the active language."""
    course = session.course
    days = session.days()
    participations = list(
        Participation.objects.filter(session=session)
        .select_related("trainee__organisation", "trainee__province")
        .prefetch_related("attendance")
        .order_by("trainee__name", "id")
    )
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "".join(c for c in _("Attendance") if c not in "[]:*?/\\")[:31] or "Attendance"

    def put(row: int, column: int, value: Any) -> Any:
        return sheet.cell(row=row, column=column, value=_safe(value))

    put(1, 1, course.title_en).font = Font(bold=True, size=14)
    put(2, 1, course.title_lo).font = Font(bold=True, size=13)
    dates = _date(session.start_on)
    if session.end_on != session.start_on:
        dates = f"{dates} – {_date(session.end_on)}"
    place = session.province.name
    if session.district is not None:
        place = f"{session.district.name}, {place}"
    details = [
        (_("Dates"), dates),
        (_("Province"), place),
        (_("Venue"), session.venue),
        (_("Organiser"), session.organiser.name),
        (_("Trainers"), session.trainers),
    ]
    for offset, (label, value) in enumerate(details):
        put(3 + offset, 1, label).font = Font(bold=True)
        put(3 + offset, 3, value)
    header_row = 3 + len(details) + 1

    headers: list[str] = [
        _("No."),
        _("Name"),
        _("Sex"),
        _("Organisation"),
        _("Position"),
        _("Province"),
        *[day.strftime("%d/%m") for day in days],
        _("Pre-test"),
        _("Post-test"),
        _("Completed"),
        _("Certificate"),
        _("Signature"),
    ]
    widths = [5, 28, 9, 30, 20, 16, *[7] * len(days), 9, 9, 11, 14, 26]
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for column, text in enumerate(headers, start=1):
        cell = put(header_row, column, text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width

    sexes = dict(Sex.choices)
    centred = {1, 3, *range(7, 7 + len(days) + 4)}
    for number, participation in enumerate(participations, start=1):
        trainee = participation.trainee
        present = {a.day: a.present for a in participation.attendance.all()}
        marks = ["" if day not in present else "✓" if present[day] else "✗" for day in days]
        values: list[Any] = [
            number,
            trainee.name,
            str(sexes.get(trainee.sex, trainee.sex)),
            trainee.organisation.name,
            trainee.position,
            trainee.province.name,
            *marks,
            participation.pre_score,
            participation.post_score,
            _("Yes") if participation.completed else _("No"),
            participation.certificate or "",
            "",
        ]
        row = header_row + number
        for column, value in enumerate(values, start=1):
            cell = put(row, column, value)
            cell.border = border
            cell.alignment = Alignment(
                horizontal="center" if column in centred else None, vertical="center", wrap_text=True
            )
        sheet.row_dimensions[row].height = 24  # room to sign

    sheet.freeze_panes = f"C{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
