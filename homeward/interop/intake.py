"""Offline capture: the passwords phones use, submissions received over OpenRosa, and the intake queue where a
caseworker turns each submission into a case, adds it to a case, or rejects it. Every write goes through here."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Organisation
from homeward.accounts.policy import can, orgs_with
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.cases import services as case_services
from homeward.cases.models import Case, Consent, TraffickingEvent
from homeward.cases.picklists import ConsentPurpose
from homeward.cases.services import PermissionDenied404, require
from homeward.interop import openrosa
from homeward.interop import rows as rows_mod
from homeward.interop.htcds import InputError
from homeward.interop.models import DeviceCredential, Submission, SubmissionStatus
from homeward.interop.services import possible_duplicates, rows_import
from homeward.people.models import Person
from homeward.people.services import apply_birth

# An unambiguous alphabet (no 0/O, 1/I/L) for a password typed on a phone: 20 characters, about 98 bits.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 20


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def device_password_create(*, actor: Any, ip: str | None = None) -> str:
    """A new password for ODK Collect / KoboCollect, replacing any earlier one. Returned once, never stored."""
    if not orgs_with(actor, Cap.CASE_CREATE):
        raise PermissionDenied404
    raw = "".join(secrets.choice(_ALPHABET) for _n in range(PASSWORD_LENGTH))
    with transaction.atomic():
        DeviceCredential.objects.update_or_create(
            user=actor, defaults={"digest": _digest(raw), "created_at": timezone.now(), "last_used_at": None}
        )
        audit_record(actor=actor, action=Action.SECURITY, object_type="device_password", ip=ip)
    return "-".join(raw[i : i + 5] for i in range(0, PASSWORD_LENGTH, 5))


def device_password_revoke(*, actor: Any, ip: str | None = None) -> bool:
    with transaction.atomic():
        deleted, _rows = DeviceCredential.objects.filter(user=actor).delete()
        if deleted:
            audit_record(actor=actor, action=Action.SECURITY, object_type="device_password", ip=ip)
    return bool(deleted)


def device_user(username: str, password: str) -> Any | None:
    """The active user whose phone password this is, or None. Compared in constant time."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    credential = getattr(user, "device_credential", None) if user is not None else None
    given = _digest(password.replace("-", "").replace(" ", "").upper())
    if credential is None:
        hmac.compare_digest(given, "0" * 64)  # the same work either way
        return None
    if not hmac.compare_digest(given, credential.digest):
        return None
    DeviceCredential.objects.filter(pk=credential.pk).update(last_used_at=timezone.now())
    return user


def intake_organisation(user: Any) -> Organisation | None:
    """The organisation whose intake queue a user's submissions go to: their first where they may open cases."""
    wanted = set(orgs_with(user, Cap.CASE_CREATE))
    for org_id in user.memberships.order_by("id").values_list("organisation_id", flat=True):
        if org_id in wanted:
            return Organisation.objects.get(pk=org_id)
    return None


@dataclass
class Received:
    submission: Submission
    created: bool  # False: the same instance was received before


def submission_receive(*, user: Any, data: bytes, ip: str | None = None) -> Received:
    """Keep a submitted instance in the intake queue. The same instance sent again is not kept twice; another
    instance under an id already used is refused. Raises ``SubmissionError`` or ``PermissionDenied404``."""
    organisation = intake_organisation(user)
    if organisation is None:
        raise PermissionDenied404
    instance = openrosa.parse_instance(data)
    earlier = Submission.objects.filter(instance_id=instance.instance_id).first()
    if earlier is not None:
        if earlier.digest == instance.digest:
            return Received(earlier, created=False)
        raise openrosa.SubmissionError(
            "conflict", _("Another submission was already received with this instance id."), status=409
        )
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                organisation=organisation,
                submitted_by=user,
                form_id=instance.form_id,
                form_version=instance.version,
                instance_id=instance.instance_id,
                digest=instance.digest,
                xml=data.decode("utf-8"),
            )
            audit_record(
                actor=user,
                action=Action.CREATE,
                object_type="submission",
                object_codes=[submission.code],
                fields=["answers"],
                organisation_id=organisation.id,
                ip=ip,
            )
    except IntegrityError:  # the same instance, sent twice at once
        earlier = Submission.objects.get(instance_id=instance.instance_id)
        if earlier.digest != instance.digest:
            raise openrosa.SubmissionError(
                "conflict", _("Another submission was already received with this instance id."), status=409
            ) from None
        return Received(earlier, created=False)
    return Received(submission, created=True)


# ---- the intake queue ----------------------------------------------------------------------------------------
@dataclass
class Reading:
    """A pending submission read as an HTCDS row: its values, problems and possible duplicates."""

    row: rows_mod.Row
    checked: rows_mod.Checked
    answers: dict[str, str]
    duplicates: list[Case]


def summary(row: rows_mod.Row) -> list[tuple[str, str]]:
    """What Homeward reads in a submission, as a caseworker would say it (labels, place names)."""
    from homeward.cases import picklists as pl
    from homeward.places.models import Area, Country

    def labels(choices: Any, values: list[str]) -> str:
        return ", ".join(str(choices(v).label) for v in values if v in choices.values)

    areas = {
        a.id: a.name
        for a in Area.objects.filter(
            id__in=[
                row.person.get("province_id"),
                row.person.get("district_id"),
                *(e.get("area_id") for e in row.events),
            ]
        )
    }
    countries = {
        c.id: c.name for c in Country.objects.filter(id__in=[e.get("country_id") for e in row.events])
    }
    person, victim = row.person, row.victim
    birth = person.get("birth")
    out = [
        (_("Name"), " · ".join(row.name_strings())),
        (_("Sex / gender"), labels(pl.Gender, [person.get("gender", "")])),
        (_("Date of birth"), birth.isoformat() if birth else ""),
        (_("Home province"), areas.get(person.get("province_id") or 0, "")),
        (_("Home district"), areas.get(person.get("district_id") or 0, "")),
        (_("Village and address"), person.get("address_detail", "")),
        (_("Phone"), person.get("phone", "")),
    ]
    for event in row.events:
        parts = [
            labels(pl.EventType, [event.get("type") or ""]),
            countries.get(event.get("country_id") or 0, ""),
            areas.get(event.get("area_id") or 0, ""),
            event.get("city", ""),
            event["date"].isoformat() if event.get("date") else "",
        ]
        out.append((_("Trafficking event"), " · ".join(p for p in parts if p)))
    out += [
        (_("Types of exploitation"), labels(pl.Exploitation, victim.get("exploitation_types", []))),
        (_("Methods of control"), labels(pl.ControlMethod, victim.get("methods_of_control", []))),
        (_("Trafficking status"), labels(pl.TraffickingStatus, [victim.get("trafficking_status", "")])),
        (
            _("Consent for assistance"),
            "" if row.consent is None else (_("Given") if row.consent else _("Refused")),
        ),
    ]
    out += [(_("Note"), comment["body"]) for comment in row.comments]
    return [(label, value) for label, value in out if value]


def submission_read(*, actor: Any, submission: Submission, ip: str | None = None) -> Reading:
    require(actor, Cap.CASE_CREATE, submission.organisation_id)
    instance = openrosa.parse_instance(submission.xml.encode("utf-8"))
    checked = rows_mod.check(openrosa.as_sheet(instance))
    row = checked.rows[0]
    org_ids = orgs_with(actor, Cap.CASE_VIEW)
    found = possible_duplicates([row], org_ids).get(row.number, {"people": []})
    duplicates = list(
        Case.objects.filter(person_id__in=found["people"], owner_org_id__in=org_ids)
        .select_related("person", "owner_org")
        .order_by("-opened_on")[:5]
    )
    audit_record(
        actor=actor,
        action=Action.VIEW,
        object_type="submission",
        object_codes=[submission.code],
        fields=["answers"],
        organisation_id=submission.organisation_id,
        ip=ip,
    )
    return Reading(row=row, checked=checked, answers=instance.answers, duplicates=duplicates)


def _pending(submission: Submission) -> Submission:
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.status != SubmissionStatus.PENDING:
        raise IntakeRefused("decided", _("This submission has already been dealt with."))
    return locked


class IntakeRefused(InputError):
    pass


def _decided(submission: Submission, actor: Any, status: str, case: Case | None, reason: str = "") -> None:
    submission.status = status
    submission.case = case
    submission.decided_by = actor
    submission.decided_at = timezone.now()
    submission.reason = reason
    submission.xml = ""  # the answers now live in the case (or were rejected): not kept twice
    submission.save(update_fields=["status", "case", "decided_by", "decided_at", "reason", "xml"])


@transaction.atomic
def intake_create(*, actor: Any, submission: Submission, ip: str | None = None) -> Case:
    """Open a case from a pending submission whose answers are all valid."""
    require(actor, Cap.CASE_CREATE, submission.organisation_id)
    submission = _pending(submission)
    instance = openrosa.parse_instance(submission.xml.encode("utf-8"))
    checked = rows_mod.check(openrosa.as_sheet(instance))
    if not checked.valid:
        raise IntakeRefused(
            "invalid", _("Some answers have problems: reject the submission, or add it to a case.")
        )
    (case_id,) = rows_import(
        actor=actor,
        organisation=submission.organisation,
        rows=checked.rows,
        source=f"submission {submission.code}",
        consent_note=_("Recorded from a form sent from a phone."),
    )
    case = Case.objects.get(pk=case_id)
    _decided(submission, actor, SubmissionStatus.CREATED, case)
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="submission",
        object_codes=[submission.code, case.code],
        fields=["status"],
        organisation_id=submission.organisation_id,
        ip=ip,
    )
    return case


# The person's and the context's fields a submission may fill in on an existing case (never overwriting).
_PERSON_FILL = (
    "given_name_lo",
    "family_name_lo",
    "given_name_th",
    "family_name_th",
    "given_name_latin",
    "family_name_latin",
    "phone",
    "address_detail",
    "province_id",
    "district_id",
    "citizenship_id",
)


@transaction.atomic
def intake_attach(*, actor: Any, submission: Submission, case: Case, ip: str | None = None) -> list[str]:
    """Add a pending submission to an existing case of the same organisation: its trafficking events and note
    are added; the person's and the trafficking context's empty fields are filled in (nothing is overwritten);
    consent is recorded when the case has none for assistance. Returns the fields filled in."""
    require(actor, Cap.CASE_EDIT, case.owner_org_id)
    if case.owner_org_id != submission.organisation_id:
        raise PermissionDenied404
    submission = _pending(submission)
    instance = openrosa.parse_instance(submission.xml.encode("utf-8"))
    row = rows_mod.check(openrosa.as_sheet(instance)).rows[0]
    person = Person.objects.get(pk=case.person_id)
    filled = []
    for name in _PERSON_FILL:
        value = row.person.get(name)
        if value and not getattr(person, name):
            setattr(person, name, value)
            filled.append(name)
    birth = row.person.get("birth")
    if birth is not None and not person.birth_date:
        apply_birth(person, birth)
        filled.append("birth_date")
    if filled:
        case_services.case_person_update(actor=actor, case=case, person=person, changed=set(filled), ip=ip)
    victim = case.victim
    changed_victim = set()
    for name, value in row.victim.items():
        current = getattr(victim, name)
        if value not in (None, "", []) and current in (None, "", [], False):
            setattr(victim, name, value)
            changed_victim.add(name)
    if changed_victim:
        case_services.case_victim_update(actor=actor, case=case, victim=victim, changed=changed_victim, ip=ip)
    for event in row.events:
        if event.get("type") and event.get("country_id"):
            case_services.event_save(actor=actor, case=case, event=TraffickingEvent(**event), ip=ip)
    for comment in row.comments:
        case_services.comment_add(actor=actor, case=case, body=comment["body"], ip=ip)
    if row.consent is not None and not case.consents.filter(purpose=ConsentPurpose.ASSISTANCE).exists():
        # Recording consent needs its own right: without it, the rest is still added.
        with contextlib.suppress(PermissionDenied404):
            case_services.consent_record(
                actor=actor,
                case=case,
                consent=Consent(
                    purpose=ConsentPurpose.ASSISTANCE,
                    granted=row.consent,
                    given_on=timezone.localdate(),
                    notes=_("Recorded from a form sent from a phone."),
                ),
                ip=ip,
            )
    _decided(submission, actor, SubmissionStatus.ATTACHED, case)
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="submission",
        object_codes=[submission.code, case.code],
        fields=["status"],
        organisation_id=submission.organisation_id,
        ip=ip,
    )
    return [*filled, *sorted(changed_victim)]


@transaction.atomic
def intake_reject(*, actor: Any, submission: Submission, reason: str, ip: str | None = None) -> Submission:
    require(actor, Cap.CASE_CREATE, submission.organisation_id)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for rejecting the submission."))
    submission = _pending(submission)
    _decided(submission, actor, SubmissionStatus.REJECTED, None, reason)
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="submission",
        object_codes=[submission.code],
        fields=["status", "reason"],
        organisation_id=submission.organisation_id,
        ip=ip,
    )
    return submission


def may_attach(actor: Any, submission: Submission) -> bool:
    return can(actor, Cap.CASE_EDIT, submission.organisation_id)
