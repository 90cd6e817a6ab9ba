"""HTCDS imports: upload, check, preview, import or discard. Every write of the app goes through here.

An import is written in one transaction, in bulk (people, name keys, cases, trafficking context, events,
comments, consents, the audit events), so that it either creates every case it should or none; the rows were
checked before (``rows.check``), and are checked again from the stored file when the import runs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, connections, models, transaction
from django.db.models import ForeignKey
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Organisation
from homeward.accounts.policy import can, forget
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.cases.models import (
    CLOSED_STATUSES,
    Case,
    CaseComment,
    CaseStatusChange,
    Consent,
    TraffickingEvent,
    VictimContext,
)
from homeward.cases.picklists import CaseStatus, ConsentPurpose, Gender
from homeward.cases.services import PermissionDenied404, require
from homeward.fields import EncryptedTextField
from homeward.interop import rows as rows_mod
from homeward.interop import sheets
from homeward.interop.htcds import InputError
from homeward.interop.models import ImportJob, ImportMode, ImportStatus
from homeward.keys import keyring
from homeward.lib import names
from homeward.lib.codes import reference
from homeward.people.models import IDENTIFYING_FIELDS, NameKey, Person
from homeward.people.services import birth_fields, name_strings
from homeward.places.models import Area

log = logging.getLogger(__name__)
T = TypeVar("T")

BATCH = 2000
# Files up to this size are checked and imported within the request; larger ones by the background worker.
INLINE_BYTES = 256 * 1024
REPORT_LIMIT = 5_000  # problems kept in a report; the rest are counted
SAMPLE_ROWS = 20
MATCHES_PER_ROW = 5


def _batches(items: Sequence[T], size: int | None = None) -> Iterator[Sequence[T]]:
    size = size or BATCH
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---- files ---------------------------------------------------------------------------------------------------
def _path(storage_name: str) -> Path:
    return Path(settings.IMPORT_ROOT) / storage_name[:2] / storage_name


def _context(storage_name: str) -> str:
    return f"import:{storage_name}"


def _store(data: bytes) -> str:
    storage_name = secrets.token_hex(24)
    _write(_path(storage_name), data, _context(storage_name))
    return storage_name


def _load(job: ImportJob) -> bytes:
    return _read(_path(job.storage_name), _context(job.storage_name))


def _write(path: Path, data: bytes, context: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(keyring().encrypt_bytes(data, context))


def _read(path: Path, context: str) -> bytes:
    return keyring().decrypt_file_bytes(path.read_bytes(), context)


def _rows_path(job: ImportJob) -> Path:
    """The checked rows of a job, kept beside its file until the import ends."""
    return _path(job.storage_name).with_suffix(".rows")


def _rows_context(job: ImportJob) -> str:
    return f"import-rows:{job.storage_name}"


def _delete_file(job: ImportJob) -> None:
    if job.storage_name:
        _path(job.storage_name).unlink(missing_ok=True)
        _rows_path(job).unlink(missing_ok=True)
        job.storage_name = ""


# ---- duplicates ----------------------------------------------------------------------------------------------
def _name_tokens(full: str) -> list[str]:
    """The matching key of each token of a name: its folded romanisation (so scripts meet), else the token."""
    out = []
    for keys in names.query_keys(full):
        value = keys.get(names.FOLD) or keys[names.EXACT]
        level = names.FOLD if names.FOLD in keys else names.EXACT
        out.append(f"{level}\x1f{value}")
    return out


def possible_duplicates(rows: Sequence[rows_mod.Row], org_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For each row that may be someone already recorded (in ``org_ids``) or an earlier row of the same file:
    ``{row number: {"people": [person ids], "same_as_row": number or None}}``.

    A name matches when each of its tokens matches a token of the person's names (spellings folded, scripts
    romanised, through the blind index: no name is compared in clear in the database); a one-word name must
    also have the same year of birth. Known years of birth more than one year apart never match.
    """
    ring = keyring()
    row_names: dict[int, list[list[str]]] = {}
    digests: dict[str, str] = {}  # digest -> token key
    seen_tokens: set[str] = set()
    for row in rows:
        found = [tokens for tokens in (_name_tokens(full) for full in row.name_strings()) if tokens]
        row_names[row.number] = found
        for tokens in found:
            for token in tokens:
                if token in seen_tokens:
                    continue
                seen_tokens.add(token)
                level, value = token.split("\x1f", 1)
                for digest in ring.blind_indexes_all_keys(value, level):
                    digests[digest] = token
    # The people holding each token, by year of birth (None: unknown), so that a row meets only the people
    # born within a year of it.
    people_of: dict[str, dict[int | None, set[int]]] = {}
    if org_ids:
        for chunk in _batches(list(digests), 900):
            for digest, person_id, born in NameKey.objects.filter(
                digest__in=list(chunk), person__owner_org_id__in=org_ids
            ).values_list("digest", "person_id", "person__birth_year"):
                people_of.setdefault(digests[digest], {}).setdefault(born, set()).add(person_id)
    near: dict[tuple[str, int | None, bool], set[int]] = {}

    def holders(token: str, year: int | None, exact: bool) -> set[int]:
        """The people with this token born within a year of ``year`` (or in it, when ``exact``), or of unknown
        year (unless ``exact``); everyone with the token when ``year`` is None."""
        key = (token, year, exact)
        if key not in near:
            by_year = people_of.get(token, {})
            if year is None:
                wanted = list(by_year.values())
            elif exact:
                wanted = [by_year.get(year, set())]
            else:
                wanted = [by_year.get(y, set()) for y in (year - 1, year, year + 1, None)]
            near[key] = set().union(*wanted)
        return near[key]

    candidates: dict[int, list[int]] = {}
    for row in rows:
        birth = row.person.get("birth")
        year = birth.year if birth is not None else None
        single = all(len(tokens) < 2 for tokens in row_names[row.number])
        if single and year is None:
            continue  # a one-word name without a year of birth says too little
        found_people: set[int] = set()
        for tokens in row_names[row.number]:
            matched: set[int] | None = None
            for token in tokens:
                holding = holders(token, year, single)
                matched = set(holding) if matched is None else matched & holding
                if not matched:
                    break
            if matched:
                found_people |= matched
        if found_people:
            candidates[row.number] = sorted(found_people)
    out: dict[int, dict[str, Any]] = {}
    seen: dict[tuple[str, ...], tuple[int, int | None]] = {}
    for row in rows:
        birth = row.person.get("birth")
        year = birth.year if birth is not None else None
        people = candidates.get(row.number, [])
        same_as = None
        for tokens in row_names[row.number]:
            key = tuple(sorted(tokens))
            if len(key) < 2 and year is None:
                continue
            earlier = seen.get(key)
            if earlier is not None and (earlier[1] is None or year is None or abs(earlier[1] - year) <= 1):
                same_as = earlier[0]
                break
            seen.setdefault(key, (row.number, year))
        if people or same_as is not None:
            out[row.number] = {"people": people[:MATCHES_PER_ROW], "same_as_row": same_as}
    return out


# ---- the report ----------------------------------------------------------------------------------------------
def _problem_dict(problem: rows_mod.Problem) -> dict[str, Any]:
    return {
        "sheet": problem.sheet,
        "row": problem.row,
        "column": problem.column,
        "value": problem.value,
        "code": problem.code,
        "message": problem.message,
        "warning": problem.warning,
    }


def _sample(row: rows_mod.Row, areas: dict[int, str]) -> dict[str, Any]:
    birth = row.person.get("birth")
    gender = row.person.get("gender")
    return {
        "row": row.number,
        "name": " · ".join(row.name_strings()),
        "gender": str(Gender(gender).label) if gender in Gender.values else "",
        "birth": birth.isoformat() if birth is not None else "",
        "province": areas.get(row.person.get("province_id") or 0, ""),
        "status": str(CaseStatus(row.case.get("status", CaseStatus.ACTIVE)).label),
        "events": len(row.events),
        "comments": len(row.comments),
    }


def _report(
    checked: rows_mod.Checked, duplicates: dict[int, dict[str, Any]], org_ids: list[int]
) -> dict[str, Any]:
    row_problems = [p for row in checked.rows for p in row.problems]
    people = {p for d in duplicates.values() for p in d["people"]}
    cases_of: dict[int, list[dict[str, str]]] = {}
    for person_id, ref, code in (
        Case.objects.filter(person_id__in=people, owner_org_id__in=org_ids)
        .order_by("-opened_on")
        .values_list("person_id", "reference", "code")
    ):
        cases_of.setdefault(person_id, []).append({"reference": ref, "code": str(code)})
    names_of = {row.number: " · ".join(row.name_strings()) for row in checked.rows}
    valid = [row for row in checked.rows if row.valid]
    province_ids = {r.person.get("province_id") for r in valid[:SAMPLE_ROWS]} - {None}
    area_names = {a.id: a.name for a in Area.objects.filter(id__in=province_ids)}
    return {
        "file_problems": [_problem_dict(p) for p in checked.problems],
        "problems": [_problem_dict(p) for p in row_problems[:REPORT_LIMIT]],
        "problems_total": len(row_problems),
        "duplicates": [
            {
                "row": number,
                "name": names_of.get(number, ""),
                "cases": [c for person_id in d["people"] for c in cases_of.get(person_id, [])][
                    :MATCHES_PER_ROW
                ],
                "same_as_row": d["same_as_row"],
            }
            for number, d in sorted(duplicates.items())
        ],
        "kept": checked.kept,
        "not_kept": checked.not_kept,
        "ignored": checked.ignored,
        "sample": [_sample(row, area_names) for row in valid[:SAMPLE_ROWS]],
        "counts": {
            "rows": len(checked.rows),
            "valid": len(valid),
            "invalid": len(checked.rows) - len(valid),
            "events": sum(len(r.events) for r in valid),
            "comments": sum(len(r.comments) for r in valid),
            "consents": sum(1 for r in valid if r.consent is not None),
            "warnings": sum(1 for p in row_problems if p.warning),
        },
    }


def report_of(job: ImportJob) -> dict[str, Any]:
    return json.loads(job.report) if job.report else {}


# ---- the job's life ------------------------------------------------------------------------------------------
def _set(job: ImportJob, **values: Any) -> None:
    """Change a job's fields and save them at once (outside the import's transaction: the page sees progress)."""
    for name, value in values.items():
        setattr(job, name, value)
    job.save(update_fields=list(values))


def import_upload(
    *, actor: Any, organisation: Organisation, filename: str, data: bytes, ip: str | None = None
) -> ImportJob:
    """Keep an uploaded file (encrypted) as a new import job, and have it checked: now when it is small, else
    by the background worker. A file too large to take is refused before anything is kept."""
    require(actor, Cap.CASE_CREATE, organisation.id)
    max_bytes = settings.IMPORT_MAX_BYTES
    if len(data) > max_bytes:
        raise sheets.SheetError(
            "too_large",
            _("This file is larger than %(limit)s MB. Split it into smaller files.")
            % {"limit": max_bytes // (1024 * 1024)},
        )
    if not data:
        raise sheets.SheetError("empty", _("This file is empty."))
    if not filename.lower().endswith((".xlsx", ".csv")):
        raise sheets.SheetError("type", _("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    storage_name = _store(data)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                organisation=organisation,
                created_by=actor,
                filename=Path(filename).name[:200],
                size=len(data),
                storage_name=storage_name,
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
            audit_record(
                actor=actor,
                action=Action.CREATE,
                object_type="import",
                object_codes=[job.code],
                fields=["file"],
                organisation_id=organisation.id,
                ip=ip,
            )
    except Exception:
        _path(storage_name).unlink(missing_ok=True)
        raise
    if len(data) <= INLINE_BYTES:
        import_check(job.pk)
        job.refresh_from_db()
    else:
        from homeward.interop.tasks import check_import

        result = check_import.enqueue(job.pk)
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.WAITING).update(task_id=str(result.id))
        job.refresh_from_db()
    return job


def _checked(job: ImportJob, progress: Callable[[int, int], None] | None = None) -> rows_mod.Checked:
    sheet = sheets.read(_load(job), job.filename)
    return rows_mod.check(sheet, progress=progress)


def _org_ids(user: Any) -> list[int]:
    from homeward.accounts.policy import orgs_with

    return orgs_with(user, Cap.CASE_VIEW)


def import_check(job_id: int) -> None:
    """Check every row of a job's file and write the report (run by the worker, or inline for small files)."""
    job = ImportJob.objects.select_related("created_by", "organisation").get(pk=job_id)
    if job.status != ImportStatus.WAITING or not job.storage_name:
        return
    _set(job, status=ImportStatus.CHECKING, rows_done=0)
    with translation.override(job.language):
        try:

            def progress(done: int, total: int) -> None:
                _set(job, rows_done=done, rows_total=total)

            checked = _checked(job, progress)
        except InputError as error:
            _delete_file(job)
            _set(
                job,
                status=ImportStatus.REFUSED,
                error=str(error),
                storage_name="",
                finished_at=timezone.now(),
            )
            return
        except Exception:
            log.exception("import %s: the check failed", job.code)
            _set(
                job,
                status=ImportStatus.FAILED,
                error=_("The file could not be checked. Nothing was imported."),
                finished_at=timezone.now(),
            )
            return
        org_ids = _org_ids(job.created_by) if job.created_by else []
        duplicates = possible_duplicates(checked.rows, org_ids)
        report = _report(checked, duplicates, org_ids)
        valid_rows = rows_mod.rows_to_json(row for row in checked.rows if row.valid)
        _write(_rows_path(job), valid_rows.encode(), _rows_context(job))
    counts = report["counts"]
    _set(
        job,
        status=ImportStatus.CHECKED,
        rows_total=counts["rows"],
        rows_done=counts["rows"],
        rows_valid=counts["valid"] if not any(not p["warning"] for p in report["file_problems"]) else 0,
        rows_invalid=counts["invalid"],
        rows_duplicate=len(duplicates),
        report=json.dumps(report, ensure_ascii=False),
        checked_at=timezone.now(),
    )


def import_read(*, actor: Any, job: ImportJob, ip: str | None = None) -> dict[str, Any]:
    """The report of a job (it quotes the file's cells): audited."""
    require(actor, Cap.CASE_CREATE, job.organisation_id)
    report = report_of(job)
    if report:
        audit_record(
            actor=actor,
            action=Action.VIEW,
            object_type="import",
            object_codes=[job.code],
            fields=["report"],
            organisation_id=job.organisation_id,
            ip=ip,
        )
    return report


class ImportRefused(InputError):
    """The import cannot go ahead as asked."""


def import_confirm(
    *, actor: Any, job: ImportJob, mode: str, skip_duplicates: bool, ip: str | None = None
) -> ImportJob:
    """The user's go-ahead: every row (only when all are valid) or only the valid rows. A small file is then
    imported at once, a large one by the background worker."""
    job = _confirm(actor=actor, job=job, mode=mode, skip_duplicates=skip_duplicates, ip=ip)
    if job.size <= INLINE_BYTES:
        import_run(job.pk)
    else:
        from homeward.interop.tasks import run_import

        result = run_import.enqueue(job.pk)
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


@transaction.atomic
def _confirm(*, actor: Any, job: ImportJob, mode: str, skip_duplicates: bool, ip: str | None) -> ImportJob:
    require(actor, Cap.CASE_CREATE, job.organisation_id)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportStatus.CHECKED:
        raise ImportRefused("status", _("This import is not waiting for a go-ahead."))
    if mode not in ImportMode.values:
        raise ImportRefused("mode", _("Choose which rows to import."))
    report = report_of(job)
    if any(not p["warning"] for p in report.get("file_problems", [])):
        raise ImportRefused("file", _("Correct the problems with the whole file, then upload it again."))
    if mode == ImportMode.ALL and job.rows_invalid:
        raise ImportRefused(
            "invalid",
            _(
                "Some rows have problems: correct them and upload the file again, or import only the valid rows."
            ),
        )
    if not job.rows_valid:
        raise ImportRefused("nothing", _("No row of this file can be imported."))
    _set(job, status=ImportStatus.QUEUED, mode=mode, skip_duplicates=skip_duplicates, confirmed_by=actor)
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="import",
        object_codes=[job.code],
        fields=["mode", "skip_duplicates"],
        organisation_id=job.organisation_id,
        ip=ip,
    )
    return job


def import_run(job_id: int) -> None:
    """Import the confirmed rows of a job, all in one transaction (run by the worker, or inline)."""
    job = ImportJob.objects.select_related("confirmed_by", "organisation").get(pk=job_id)
    if job.status != ImportStatus.QUEUED or not job.storage_name:
        return
    actor = job.confirmed_by
    _set(job, status=ImportStatus.IMPORTING, rows_done=0)
    with translation.override(job.language):
        try:
            if actor is None:
                raise PermissionDenied404
            forget(actor)
            # The rows checked before the go-ahead (encrypted beside the file): the file is not read again.
            chosen = rows_mod.rows_from_json(_read(_rows_path(job), _rows_context(job)).decode())
            if job.mode == ImportMode.ALL and (job.rows_invalid or len(chosen) != job.rows_total):
                raise ImportRefused("invalid", _("Only checked, valid rows can be imported."))
            if job.skip_duplicates:
                flagged = possible_duplicates(chosen, _org_ids(actor))
                chosen = [row for row in chosen if row.number not in flagged]
            created = len(
                rows_import(actor=actor, organisation=job.organisation, rows=chosen, source=str(job.code))
            )
        except PermissionDenied404:
            _set(
                job,
                status=ImportStatus.FAILED,
                error=_("You may no longer open cases in this organisation. Nothing was imported."),
                finished_at=timezone.now(),
            )
            return
        except InputError as error:
            _set(job, status=ImportStatus.FAILED, error=str(error), finished_at=timezone.now())
            return
        except Exception:
            log.exception("import %s failed", job.code)
            _set(
                job,
                status=ImportStatus.FAILED,
                error=_("The import failed. Nothing was imported; try again, or ask your administrator."),
                finished_at=timezone.now(),
            )
            return
    _delete_file(job)
    _set(
        job,
        status=ImportStatus.DONE,
        cases_created=created,
        rows_done=created,
        storage_name="",
        finished_at=timezone.now(),
    )


@transaction.atomic
def import_discard(*, actor: Any, job: ImportJob, ip: str | None = None) -> ImportJob:
    require(actor, Cap.CASE_CREATE, job.organisation_id)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status in (ImportStatus.QUEUED, ImportStatus.IMPORTING, ImportStatus.DONE):
        raise ImportRefused("status", _("This import can no longer be discarded."))
    _delete_file(job)
    _set(job, status=ImportStatus.DISCARDED, storage_name="", report="", finished_at=timezone.now())
    audit_record(
        actor=actor,
        action=Action.DELETE,
        object_type="import",
        object_codes=[job.code],
        fields=["file", "report"],
        organisation_id=job.organisation_id,
        ip=ip,
    )
    return job


# ---- writing the rows ----------------------------------------------------------------------------------------
def _references(count: int) -> list[str]:
    """``count`` new case references, none already taken."""
    out: set[str] = set()
    while len(out) < count:
        wanted = {reference("HW") for _n in range(count - len(out))} - out
        taken = set(Case.objects.filter(reference__in=wanted).values_list("reference", flat=True))
        out |= wanted - taken
    return list(out)


def _insert(model: Any, columns: tuple[str, ...], values: list[tuple[Any, ...]]) -> None:
    """Insert rows of ready values: on SQLite one prepared statement run for every row; on PostgreSQL with
    ``COPY ... FROM STDIN`` (psycopg adapts each value as it would a parameter), which was several times faster
    than multi-row ``VALUES`` or ``executemany`` for an import's tens of thousands of rows."""
    if not values:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names_sql = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names_sql}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names_sql}) VALUES ({placeholders})", values)  # noqa: S608


class _Table:
    """Bulk inserts into one model's table from plain values, for imports of tens of thousands of rows.

    Each row is a dict of attribute names (``person_id``, ``given_name_lo``...); what a row leaves out gets the
    field's default (a new ``code`` for each row, ``auto_now`` stamps), and every value goes through its field's
    conversion: encrypted fields are encrypted exactly as ``EncryptedTextField`` does, picklist lists encoded,
    dates adapted; plain text, numbers, booleans and ids pass as they are. One prepared statement per batch.
    ``bulk_create`` does the same one object at a time through model instances, which was most of an import's
    time (bench/README.md, HTCDS import).
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        real = connections[connection.alias]  # not the thread-local proxy: asked once per value
        now = timezone.now()
        self.fixed: dict[str, Any] = {}
        self.made: dict[str, Any] = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.fixed[f.attname] = now
            elif f.has_default() and callable(f.default):
                self.made[f.attname] = f.default
            else:
                self.fixed[f.attname] = f.get_default()
        self.convert = [self._converter(f, real) for f in self.fields]

    @staticmethod
    def _converter(f: Any, real: Any) -> Any:
        if isinstance(f, EncryptedTextField):
            ring, context = keyring(), f.context
            return lambda v: ring.encrypt(str(v), context) if v not in (None, "") else ""
        if type(f) in _PLAIN or isinstance(f, ForeignKey):
            return None
        # Dates, times, picklists and codes: the field's own conversion, remembered for values that repeat
        # (the import's timestamp, opening dates, picklist combinations).
        memory: dict[Any, Any] = {}

        def convert(v: Any) -> Any:
            key = tuple(v) if isinstance(v, list) else v
            try:
                return memory[key]
            except KeyError:
                converted = f.get_db_prep_save(v, real)
                if len(memory) < _MEMORY:
                    memory[key] = converted
                return converted
            except TypeError:  # unhashable: converted every time
                return f.get_db_prep_save(v, real)

        return convert

    def insert(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert the rows and return their database ids (on SQLite, of models with a ``code`` only). Each row
        dict gains the defaults it was given (its ``code``). On PostgreSQL the ids are drawn from the table's
        sequence first and written with the rows; on SQLite they are read back by code (one indexed query)."""
        if not rows:
            return []
        ids = self._draw_ids(len(rows))
        fields = self.fields if ids is None else [self.model._meta.pk, *self.fields]
        converters = self.convert if ids is None else [None, *self.convert]
        values = []
        for number, row in enumerate(rows):
            for name, make in self.made.items():
                if name not in row:
                    row[name] = make()
            full = {**self.fixed, **row}
            if ids is not None:
                full[self.model._meta.pk.attname] = ids[number]
            values.append(
                tuple(
                    full[f.attname] if convert is None else convert(full[f.attname])
                    for f, convert in zip(fields, converters, strict=True)
                )
            )
        _insert(self.model, tuple(f.name for f in fields), values)
        if ids is not None:
            return ids
        if "code" not in self.made:
            return []
        found = dict(self.model.objects.filter(code__in=[r["code"] for r in rows]).values_list("code", "id"))
        return [found[r["code"]] for r in rows]

    def _draw_ids(self, count: int) -> list[int] | None:
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [self.model._meta.db_table, self.model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]


_MEMORY = 10_000  # converted values remembered per field
_PLAIN = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.BigIntegerField,
)


class _NameDigests:
    """The blind-index digests of a person's names (as ``people.services.person_reindex`` makes them), with the
    keys of each name and the digest of each key remembered: names repeat a great deal in an import."""

    def __init__(self, ring: Any, key_id: str) -> None:
        self.ring, self.key_id = ring, key_id
        self.keys: dict[str, frozenset[tuple[str, str]]] = {}
        self.digests: dict[tuple[str, str], str] = {}

    def __call__(self, strings: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for text in strings:
            keys = self.keys.get(text)
            if keys is None:
                keys = frozenset(names.name_keys([text]))
                if len(self.keys) < _MEMORY:
                    self.keys[text] = keys
            for key in keys:
                digest = self.digests.get(key)
                if digest is None:
                    digest = self.ring.blind_index(key[1], key[0], self.key_id)
                    if len(self.digests) < 10 * _MEMORY:
                        self.digests[key] = digest
                out[digest] = key[0]
        return out


def _person_values(organisation: Organisation, values: dict[str, Any]) -> dict[str, Any]:
    row = {k: v for k, v in values.items() if k != "birth"}
    row["owner_org_id"] = organisation.id
    row.update(birth_fields(values.get("birth")))
    return row


def rows_import(
    *,
    actor: Any,
    organisation: Organisation,
    rows: Sequence[rows_mod.Row],
    source: str,
    consent_note: str = "",
) -> list[int]:
    """Create a person and a case (with its trafficking context, events, comments and consent) for each checked
    row, in one transaction: all or nothing. Returns the ids of the cases created, in the order of the rows."""
    require(actor, Cap.CASE_CREATE, organisation.id)
    if any(not row.valid for row in rows):
        raise ImportRefused("invalid", _("Only checked, valid rows can be imported."))
    caseworker_id = actor.id if can(actor, Cap.CASE_EDIT, organisation.id) else None
    ring = keyring()
    key_id = ring.index.primary
    today = timezone.localdate()
    now = timezone.now()
    consent_note = consent_note or _("Recorded from an HTCDS spreadsheet (con_Consent).")
    name_digests = _NameDigests(ring, key_id)
    tables = {
        model: _Table(model)
        for model in (Person, Case, VictimContext, CaseStatusChange, TraffickingEvent, CaseComment, Consent)
    }
    created: list[int] = []
    with transaction.atomic():
        for batch in _batches(rows):
            people = [_person_values(organisation, row.person) for row in batch]
            person_ids = tables[Person].insert(people)
            _insert(
                NameKey,
                ("person", "digest", "level", "key_id"),
                [
                    (person_id, digest, level, key_id)
                    for person, person_id in zip(people, person_ids, strict=True)
                    for digest, level in name_digests(name_strings(person)).items()
                ],
            )
            cases = []
            for row, person_id, ref in zip(batch, person_ids, _references(len(batch)), strict=True):
                status = row.case.get("status") or CaseStatus.ACTIVE
                closed = status in CLOSED_STATUSES
                cases.append(
                    {
                        "reference": ref,
                        "person_id": person_id,
                        "owner_org_id": organisation.id,
                        "caseworker_id": caseworker_id,
                        "status": status,
                        "opened_on": row.case.get("opened_on") or today,
                        "closed_on": (row.case.get("closed_on") or today) if closed else None,
                        "closure_reason": row.case.get("closure_reason", "") if closed else "",
                        "closure_details": row.case.get("closure_details", "") if closed else "",
                    }
                )
            case_ids = tables[Case].insert(cases)
            tables[VictimContext].insert(
                [{"case_id": case_id, **row.victim} for row, case_id in zip(batch, case_ids, strict=True)]
            )
            tables[CaseStatusChange].insert(
                [
                    {
                        "case_id": case_id,
                        "from_status": "",
                        "to_status": case["status"],
                        "changed_by_id": actor.id,
                        "changed_at": now,
                    }
                    for case, case_id in zip(cases, case_ids, strict=True)
                ]
            )
            tables[TraffickingEvent].insert(
                [
                    {"case_id": case_id, **event}
                    for row, case_id in zip(batch, case_ids, strict=True)
                    for event in row.events
                ]
            )
            tables[CaseComment].insert(
                [
                    {
                        "case_id": case_id,
                        "author_id": actor.id,
                        "body": comment["body"],
                        "created_at": timezone.make_aware(dt.datetime.combine(comment["date"], dt.time(12)))
                        if comment.get("date")
                        else now,
                    }
                    for row, case_id in zip(batch, case_ids, strict=True)
                    for comment in row.comments
                ]
            )
            tables[Consent].insert(
                [
                    {
                        "case_id": case_id,
                        "purpose": ConsentPurpose.ASSISTANCE,
                        "granted": bool(row.consent),
                        "given_on": case["opened_on"],
                        "notes": consent_note,
                        "recorded_by_id": actor.id,
                        "recorded_at": now,
                    }
                    for row, case, case_id in zip(batch, cases, case_ids, strict=True)
                    if row.consent is not None
                ]
            )
            audit_record(
                actor=actor,
                action=Action.CREATE,
                object_type="case",
                object_codes=[
                    code
                    for case, person in zip(cases, people, strict=True)
                    for code in (case["code"], person["code"])
                ],
                fields=sorted({f for person in people for f in IDENTIFYING_FIELDS if person.get(f)}),
                organisation_id=organisation.id,
                reason=f"HTCDS import {source}",
            )
            created += case_ids
    return created


def purge_import_files(*, older_than_days: int = 7) -> int:
    """Delete the stored files of imports left unconfirmed (or failed) for longer than that, and the reports
    (which quote the files' cells) of imports finished that long ago. Returns how many jobs were cleared."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    count = 0
    for job in ImportJob.objects.filter(created_at__lt=cutoff).exclude(storage_name=""):
        if job.status in (ImportStatus.QUEUED, ImportStatus.IMPORTING):
            continue
        _delete_file(job)
        _set(job, storage_name="", report="", status=ImportStatus.DISCARDED, finished_at=timezone.now())
        count += 1
    count += (
        ImportJob.objects.filter(finished_at__lt=cutoff, storage_name="").exclude(report="").update(report="")
    )
    return count


# ---- export --------------------------------------------------------------------------------------------------
def cases_export(
    *, actor: Any, organisation: Organisation, status: str, reason: str, password: str, ip: str | None = None
) -> tuple[bytes, int]:
    """The organisation's cases (all, open or closed) as an HTCDS workbook encrypted with ``password``; the
    export is audited with its reason and the cases it holds."""
    from homeward.interop import export

    require(actor, Cap.CASE_VIEW, organisation.id)
    reason = reason.strip()
    if not reason:
        raise ImportRefused("reason", _("Give the reason for this export."))
    cases = Case.objects.filter(owner_org=organisation)
    if status == "open":
        cases = cases.exclude(status__in=CLOSED_STATUSES)
    elif status == "closed":
        cases = cases.filter(status__in=CLOSED_STATUSES)
    data, count = export.workbook(cases.order_by("opened_on", "id"))
    encrypted = export.encrypt(data, password)
    audit_record(
        actor=actor,
        action=Action.DOWNLOAD,
        object_type="htcds_export",
        object_codes=list(cases.values_list("code", flat=True)),
        fields=[*IDENTIFYING_FIELDS, "htcds"],
        organisation_id=organisation.id,
        reason=reason,
        ip=ip,
    )
    return encrypted, count
