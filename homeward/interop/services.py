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
from django.db import transaction
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
from homeward.interop import rows as rows_mod
from homeward.interop import sheets
from homeward.interop.htcds import InputError
from homeward.interop.models import ImportJob, ImportMode, ImportStatus
from homeward.keys import keyring
from homeward.lib import names
from homeward.lib.codes import reference
from homeward.people.models import IDENTIFYING_FIELDS, NameKey, Person
from homeward.people.services import apply_birth, person_name_strings
from homeward.places.models import Area

log = logging.getLogger(__name__)
T = TypeVar("T")

BATCH = 500
# Files up to this size are checked and imported within the request; larger ones by the background worker.
INLINE_BYTES = 256 * 1024
REPORT_LIMIT = 5_000  # problems kept in a report; the rest are counted
SAMPLE_ROWS = 20
MATCHES_PER_ROW = 5


def _batches(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---- files ---------------------------------------------------------------------------------------------------
def _path(storage_name: str) -> Path:
    return Path(settings.IMPORT_ROOT) / storage_name[:2] / storage_name


def _context(storage_name: str) -> str:
    return f"import:{storage_name}"


def _store(data: bytes) -> str:
    storage_name = secrets.token_hex(24)
    path = _path(storage_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(keyring().encrypt_bytes(data, _context(storage_name)))
    return storage_name


def _load(job: ImportJob) -> bytes:
    return keyring().decrypt_file_bytes(_path(job.storage_name).read_bytes(), _context(job.storage_name))


def _delete_file(job: ImportJob) -> None:
    if job.storage_name:
        _path(job.storage_name).unlink(missing_ok=True)
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
    for row in rows:
        found = [tokens for tokens in (_name_tokens(full) for full in row.name_strings()) if tokens]
        row_names[row.number] = found
        for tokens in found:
            for token in tokens:
                level, value = token.split("\x1f", 1)
                for digest in ring.blind_indexes_all_keys(value, level):
                    digests[digest] = token
    people_of: dict[str, set[int]] = {}
    all_digests = list(digests)
    if org_ids:
        for chunk in _batches(all_digests, 900):
            for digest, person_id in NameKey.objects.filter(
                digest__in=list(chunk), person__owner_org_id__in=org_ids
            ).values_list("digest", "person_id"):
                people_of.setdefault(digests[digest], set()).add(person_id)
    candidates: dict[int, set[int]] = {}
    for row in rows:
        for tokens in row_names[row.number]:
            matched: set[int] | None = None
            for token in tokens:
                found_people = people_of.get(token, set())
                matched = found_people if matched is None else matched & found_people
                if not matched:
                    break
            if matched:
                candidates.setdefault(row.number, set()).update(matched)
    years = dict(
        Person.objects.filter(id__in={p for ids in candidates.values() for p in ids}).values_list(
            "id", "birth_year"
        )
    )
    out: dict[int, dict[str, Any]] = {}
    seen: dict[tuple[str, ...], tuple[int, int | None]] = {}
    for row in rows:
        birth = row.person.get("birth")
        year = birth.year if birth is not None else None
        people = []
        single = all(len(tokens) < 2 for tokens in row_names[row.number])
        for person_id in sorted(candidates.get(row.number, ())):
            other = years.get(person_id)
            if year is not None and other is not None and abs(year - other) > 1:
                continue
            if single and (year is None or other is None or year != other):
                continue
            people.append(person_id)
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
            checked = _checked(job)
            if any(not p.warning for p in checked.problems):
                raise ImportRefused(
                    "file", _("Correct the problems with the whole file, then upload it again.")
                )
            chosen = [row for row in checked.rows if row.valid]
            if job.mode == ImportMode.ALL and len(chosen) != len(checked.rows):
                raise ImportRefused("invalid", _("The file has changed since it was checked."))
            if job.skip_duplicates:
                flagged = possible_duplicates(checked.rows, _org_ids(actor))
                chosen = [row for row in chosen if row.number not in flagged]
            created = rows_import(
                actor=actor,
                organisation=job.organisation,
                rows=chosen,
                source=str(job.code),
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


def _person(organisation: Organisation, values: dict[str, Any]) -> Person:
    fields = {k: v for k, v in values.items() if k != "birth"}
    person = Person(owner_org=organisation, **fields)
    apply_birth(person, values.get("birth"))
    return person


def rows_import(
    *,
    actor: Any,
    organisation: Organisation,
    rows: Sequence[rows_mod.Row],
    source: str,
) -> int:
    """Create a person and a case (with its trafficking context, events, comments and consent) for each checked
    row, in one transaction: all or nothing. Returns the number of cases created."""
    require(actor, Cap.CASE_CREATE, organisation.id)
    if any(not row.valid for row in rows):
        raise ImportRefused("invalid", _("Only checked, valid rows can be imported."))
    caseworker = actor if can(actor, Cap.CASE_EDIT, organisation.id) else None
    ring = keyring()
    key_id = ring.index.primary
    today = timezone.localdate()
    now = timezone.now()
    done = 0
    with transaction.atomic():
        for batch in _batches(rows):
            people = Person.objects.bulk_create([_person(organisation, row.person) for row in batch])
            NameKey.objects.bulk_create(
                [
                    NameKey(person=person, digest=digest, level=level, key_id=key_id)
                    for person in people
                    for digest, level in {
                        ring.blind_index(value, level, key_id): level
                        for level, value in names.name_keys(person_name_strings(person))
                    }.items()
                ]
            )
            cases = []
            for row, person, ref in zip(batch, people, _references(len(batch)), strict=True):
                status = row.case.get("status") or CaseStatus.ACTIVE
                closed = status in CLOSED_STATUSES
                opened_on = row.case.get("opened_on") or today
                cases.append(
                    Case(
                        reference=ref,
                        person=person,
                        owner_org=organisation,
                        caseworker=caseworker,
                        status=status,
                        opened_on=opened_on,
                        closed_on=(row.case.get("closed_on") or today) if closed else None,
                        closure_reason=row.case.get("closure_reason", "") if closed else "",
                        closure_details=row.case.get("closure_details", "") if closed else "",
                    )
                )
            cases = Case.objects.bulk_create(cases)
            VictimContext.objects.bulk_create(
                [VictimContext(case=case, **row.victim) for row, case in zip(batch, cases, strict=True)]
            )
            CaseStatusChange.objects.bulk_create(
                [
                    CaseStatusChange(
                        case=case, from_status="", to_status=case.status, changed_by=actor, changed_at=now
                    )
                    for case in cases
                ]
            )
            TraffickingEvent.objects.bulk_create(
                [
                    TraffickingEvent(case=case, **event)
                    for row, case in zip(batch, cases, strict=True)
                    for event in row.events
                ]
            )
            CaseComment.objects.bulk_create(
                [
                    CaseComment(
                        case=case,
                        author=actor,
                        body=comment["body"],
                        created_at=timezone.make_aware(dt.datetime.combine(comment["date"], dt.time(12)))
                        if comment.get("date")
                        else now,
                    )
                    for row, case in zip(batch, cases, strict=True)
                    for comment in row.comments
                ]
            )
            Consent.objects.bulk_create(
                [
                    Consent(
                        case=case,
                        purpose=ConsentPurpose.ASSISTANCE,
                        granted=bool(row.consent),
                        given_on=case.opened_on,
                        notes=_("Recorded from an HTCDS spreadsheet (con_Consent)."),
                        recorded_by=actor,
                        recorded_at=now,
                    )
                    for row, case in zip(batch, cases, strict=True)
                    if row.consent is not None
                ]
            )
            audit_record(
                actor=actor,
                action=Action.CREATE,
                object_type="case",
                object_codes=[code for case in cases for code in (case.code, case.person.code)],
                fields=sorted({f for person in people for f in IDENTIFYING_FIELDS if getattr(person, f)}),
                organisation_id=organisation.id,
                reason=f"HTCDS import {source}",
            )
            done += len(cases)
    return done


def purge_import_files(*, older_than_days: int = 7) -> int:
    """Delete the stored files of imports left unconfirmed (or failed) for longer than that. Returns how many."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    count = 0
    for job in ImportJob.objects.filter(created_at__lt=cutoff).exclude(storage_name=""):
        if job.status in (ImportStatus.QUEUED, ImportStatus.IMPORTING):
            continue
        _delete_file(job)
        _set(job, storage_name="", report="", status=ImportStatus.DISCARDED, finished_at=timezone.now())
        count += 1
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
