"""Every write to cases goes through these functions: keyword-only, atomic, validated, audited."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Organisation
from homeward.accounts.policy import can
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.cases.models import (
    CLOSED_STATUSES,
    STATUS_FLOW,
    Case,
    CaseComment,
    CaseStatusChange,
    Consent,
    Document,
    TraffickingEvent,
    VictimContext,
)
from homeward.cases.picklists import CaseStatus, ConsentPurpose
from homeward.keys import keyring
from homeward.lib.codes import reference
from homeward.people.models import IDENTIFYING_FIELDS, Person
from homeward.people.services import person_save


class PermissionDenied404(Exception):
    """Raised by a service when the actor may not act; views turn it into the same 404 as a missing record."""


def require(actor: Any, capability: Cap, organisation_id: int) -> None:
    """Raise PermissionDenied404 unless the actor holds the capability in the organisation."""
    if not can(actor, capability, organisation_id):
        raise PermissionDenied404


def _new_reference() -> str:
    for _attempt in range(20):
        ref = reference("HW")
        if not Case.objects.filter(reference=ref).exists():
            return ref
    raise RuntimeError("could not find a free case reference")  # pragma: no cover - 32^8 codes


@transaction.atomic
def case_open(
    *,
    actor: Any,
    organisation: Organisation,
    person: Person,
    caseworker: Any | None = None,
    opened_on: dt.date | None = None,
    ip: str | None = None,
) -> Case:
    """Register a survivor and open a case for them in ``organisation``."""
    require(actor, Cap.CASE_CREATE, organisation.id)
    if caseworker is not None and not can(caseworker, Cap.CASE_VIEW, organisation.id):
        raise ValidationError(_("The caseworker must be a member of this organisation."))
    person.owner_org = organisation
    person_save(person=person)
    case = Case(
        reference=_new_reference(),
        person=person,
        owner_org=organisation,
        caseworker=caseworker or (actor if can(actor, Cap.CASE_EDIT, organisation.id) else None),
        opened_on=opened_on or timezone.localdate(),
    )
    case.full_clean()
    case.save()
    VictimContext.objects.create(case=case)
    CaseStatusChange.objects.create(case=case, from_status="", to_status=case.status, changed_by=actor)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="case",
        object_codes=[case.code, person.code],
        fields=[f for f in IDENTIFYING_FIELDS if getattr(person, f)],
        organisation_id=organisation.id,
        ip=ip,
    )
    return case


@transaction.atomic
def case_person_update(
    *, actor: Any, case: Case, person: Person, changed: set[str], ip: str | None = None
) -> Person:
    require(actor, Cap.CASE_EDIT, case.owner_org_id)
    if person.pk != case.person_id:
        raise PermissionDenied404
    person_save(person=person, changed=changed)
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="person",
        object_codes=[case.code, person.code],
        fields=sorted(changed),
        organisation_id=case.owner_org_id,
        ip=ip,
    )
    return person


@transaction.atomic
def case_victim_update(
    *, actor: Any, case: Case, victim: VictimContext, changed: set[str], ip: str | None = None
) -> VictimContext:
    require(actor, Cap.CASE_EDIT, case.owner_org_id)
    if victim.case_id != case.id:
        raise PermissionDenied404
    victim.full_clean()
    victim.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="victim_context",
        object_codes=[case.code],
        fields=sorted(changed),
        organisation_id=case.owner_org_id,
        ip=ip,
    )
    return victim


@transaction.atomic
def case_set_status(
    *,
    actor: Any,
    case: Case,
    to_status: str,
    closure_reason: str = "",
    closure_details: str = "",
    reason: str = "",
    ip: str | None = None,
) -> Case:
    """Move a case along STATUS_FLOW. Closing and reopening need the close capability, and a reason."""
    require(actor, Cap.CASE_EDIT, case.owner_org_id)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if to_status not in STATUS_FLOW.get(case.status, ()):
        raise ValidationError(
            _("A case cannot move from %(from)s to %(to)s.")
            % {
                "from": CaseStatus(case.status).label,
                "to": CaseStatus(to_status).label if to_status in CaseStatus.values else to_status,
            }
        )
    closing = to_status in CLOSED_STATUSES
    if (closing or case.status in CLOSED_STATUSES) and not can(actor, Cap.CASE_CLOSE, case.owner_org_id):
        raise PermissionDenied404
    if closing and not closure_reason:
        raise ValidationError(_("Give the reason for closing the case."))
    if case.status in CLOSED_STATUSES and not closing and not reason.strip():
        raise ValidationError(_("Give the reason for reopening the case."))
    if closing:
        from homeward.returns.models import Stay
        from homeward.returns.picklists import StayStatus

        if Stay.objects.filter(case=case, status=StayStatus.ADMITTED).exists():
            raise ValidationError(
                _("The person is staying at a transit centre: discharge them before closing the case.")
            )
    previous = case.status
    case.status = to_status
    if closing:
        case.closed_on = timezone.localdate()
        case.closure_reason = closure_reason
        case.closure_details = closure_details
    else:
        case.closed_on = None
        case.closure_reason = ""
        case.closure_details = ""
    case.save()
    CaseStatusChange.objects.create(
        case=case, from_status=previous, to_status=to_status, changed_by=actor, reason=reason.strip()
    )
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="case",
        object_codes=[case.code],
        fields=[
            "status",
            *(["closure_reason", "closure_details"] if closing else ["reason"] if reason else []),
        ],
        organisation_id=case.owner_org_id,
        ip=ip,
    )
    return case


@transaction.atomic
def case_assign(*, actor: Any, case: Case, caseworker: Any | None, ip: str | None = None) -> Case:
    require(actor, Cap.CASE_ASSIGN, case.owner_org_id)
    if caseworker is not None and not can(caseworker, Cap.CASE_EDIT, case.owner_org_id):
        raise ValidationError(_("The caseworker must be able to work on cases in this organisation."))
    case.caseworker = caseworker
    case.save(update_fields=["caseworker", "updated_at"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="case",
        object_codes=[case.code],
        fields=["caseworker"],
        organisation_id=case.owner_org_id,
        ip=ip,
    )
    return case


@transaction.atomic
def event_save(*, actor: Any, case: Case, event: TraffickingEvent, ip: str | None = None) -> TraffickingEvent:
    require(actor, Cap.CASE_EDIT, case.owner_org_id)
    creating = event.pk is None
    if not creating and event.case_id != case.id:
        raise PermissionDenied404
    event.case = case
    event.full_clean()
    event.save()
    audit_record(
        actor=actor,
        action=Action.CREATE if creating else Action.UPDATE,
        object_type="trafficking_event",
        object_codes=[case.code, event.code],
        fields=["type", "date", "country", "area", "city", "description"],
        organisation_id=case.owner_org_id,
        ip=ip,
    )
    return event


@transaction.atomic
def event_delete(*, actor: Any, case: Case, event: TraffickingEvent, ip: str | None = None) -> None:
    require(actor, Cap.CASE_EDIT, case.owner_org_id)
    if event.case_id != case.id:
        raise PermissionDenied404
    code = event.code
    event.delete()
    audit_record(
        actor=actor,
        action=Action.DELETE,
        object_type="trafficking_event",
        object_codes=[case.code, code],
        organisation_id=case.owner_org_id,
        ip=ip,
    )


@transaction.atomic
def comment_add(*, actor: Any, case: Case, body: str, ip: str | None = None) -> CaseComment:
    require(actor, Cap.CASE_COMMENT, case.owner_org_id)
    body = body.strip()
    if not body:
        raise ValidationError(_("Write the comment before saving it."))
    comment = CaseComment.objects.create(case=case, author=actor, body=body)
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="case_comment",
        object_codes=[case.code, comment.code],
        fields=["body"],
        organisation_id=case.owner_org_id,
        ip=ip,
    )
    return comment


@transaction.atomic
def consent_record(*, actor: Any, case: Case, consent: Consent, ip: str | None = None) -> Consent:
    require(actor, Cap.CONSENT_RECORD, case.owner_org_id)
    if consent.purpose != ConsentPurpose.SHARING:
        consent.shared_with = None
    consent.case = case
    consent.recorded_by = actor
    consent.full_clean()
    try:
        consent.save()
    except IntegrityError:
        raise ValidationError(
            _("Check the purpose, the organisation and the dates, then save again.")
        ) from None
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="consent",
        object_codes=[case.code, consent.code],
        fields=["purpose", "granted", "expires_on"],
        organisation_id=case.owner_org_id,
        ip=ip,
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *, actor: Any, case: Case, consent: Consent, reason: str, on: dt.date | None = None, ip: str | None = None
) -> Consent:
    require(actor, Cap.CONSENT_WITHDRAW, case.owner_org_id)
    if consent.case_id != case.id:
        raise PermissionDenied404
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent has already been withdrawn."))
    if not reason.strip():
        raise ValidationError(_("Give the reason the consent was withdrawn."))
    consent.withdrawn_on = on or timezone.localdate()
    consent.withdrawn_by = actor
    consent.withdrawal_reason = reason.strip()
    consent.save(update_fields=["withdrawn_on", "withdrawn_by", "withdrawal_reason"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="consent",
        object_codes=[case.code, consent.code],
        fields=["withdrawn_on", "withdrawal_reason"],
        organisation_id=case.owner_org_id,
        ip=ip,
    )
    # Sharing stops with the consent: open referrals and pending transfers to that organisation end now.
    from homeward.referrals.services import on_consent_withdrawn

    consent.case = case
    on_consent_withdrawn(actor=actor, consent=consent, ip=ip)
    return consent


def consent_in_force(
    case: Case, purpose: str, organisation_id: int | None = None, on: dt.date | None = None
) -> Consent | None:
    """The consent that covers this purpose (and, for sharing, this organisation) on a day (default today), the
    most recent first; None when none does. Services ask this before every use or sharing."""
    on = on or timezone.localdate()
    consents = Consent.objects.filter(case=case, purpose=purpose).order_by("-given_on", "-id")
    if purpose == ConsentPurpose.SHARING:
        consents = consents.filter(shared_with_id=organisation_id)
    return next((c for c in consents if c.given_on <= on and c.is_active(on)), None)


def active_consent(case: Case, purpose: str, organisation_id: int | None = None) -> bool:
    """Does an active consent cover this purpose (and, for sharing, this organisation) today?"""
    return consent_in_force(case, purpose, organisation_id) is not None


# ---- documents --------------------------------------------------------------------------------------------
# Accepted by content, never by name or by what the browser claims.
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
}


def _document_path(storage_name: str) -> Path:
    return Path(settings.DOCUMENT_ROOT) / storage_name[:2] / storage_name


def _document_context(storage_name: str) -> str:
    return f"document:{storage_name}"


@transaction.atomic
def document_upload(
    *, actor: Any, case: Case, kind: str, title: str, data: bytes, ip: str | None = None
) -> Document:
    require(actor, Cap.DOCUMENT_UPLOAD, case.owner_org_id)
    if len(data) == 0:
        raise ValidationError(_("The file is empty."))
    if len(data) > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is larger than %(limit)s MB.") % {"limit": settings.MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    kind_guess = filetype.guess(data)
    if kind_guess is None or kind_guess.mime not in ALLOWED_TYPES:
        raise ValidationError(_("The file must be a PDF, JPEG, PNG or WebP document."))
    storage_name = secrets.token_hex(24)
    document = Document(
        case=case,
        kind=kind,
        title=title.strip(),
        content_type=kind_guess.mime,
        extension=ALLOWED_TYPES[kind_guess.mime],
        size=len(data),
        storage_name=storage_name,
        uploaded_by=actor,
    )
    document.full_clean()
    path = _document_path(storage_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(keyring().encrypt_bytes(data, _document_context(storage_name)))
    try:
        document.save()
        audit_record(
            actor=actor,
            action=Action.CREATE,
            object_type="document",
            object_codes=[case.code, document.code],
            fields=["title", "file"],
            organisation_id=case.owner_org_id,
            ip=ip,
        )
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return document


def document_read(*, actor: Any, case: Case, document: Document, ip: str | None = None) -> bytes:
    require(actor, Cap.DOCUMENT_VIEW, case.owner_org_id)
    blob = _document_path(document.storage_name).read_bytes()
    data = keyring().decrypt_file_bytes(blob, _document_context(document.storage_name))
    audit_record(
        actor=actor,
        action=Action.DOWNLOAD,
        object_type="document",
        object_codes=[case.code, document.code],
        fields=["file"],
        organisation_id=case.owner_org_id,
        ip=ip,
    )
    return data


def case_record_view(*, actor: Any, case: Case, fields: list[str], ip: str | None = None) -> None:
    """Audit that the actor saw the identifying fields of a case (the case page, an edit form)."""
    audit_record(
        actor=actor,
        action=Action.VIEW,
        object_type="case",
        object_codes=[case.code, case.person.code],
        fields=fields,
        organisation_id=case.owner_org_id,
        ip=ip,
    )


def cases_record_list(*, actor: Any, cases: list[Case], searched: bool, ip: str | None = None) -> None:
    """Audit that a list or search showed these people's names to the actor."""
    if not cases:
        return
    by_org: dict[int, list[Any]] = {}
    for case in cases:
        by_org.setdefault(case.owner_org_id, []).append(case.code)
    for org_id, codes in by_org.items():
        audit_record(
            actor=actor,
            action=Action.SEARCH if searched else Action.LIST,
            object_type="case",
            object_codes=codes,
            fields=["names"],
            organisation_id=org_id,
            ip=ip,
        )
