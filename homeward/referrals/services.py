"""Every write of the referral network: directory entries, referrals, transfers and service levels.

Keyword-only, atomic, validated and audited like every other service. A refusal that matters for protection
(no consent, a section not shared, a revoked receiver, accepting twice, editing another organisation's entry)
is written to the audit log as a refused event after the attempted change has been rolled back, so that the
owning organisation's data-protection officer sees it and nothing else changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Organisation
from homeward.accounts.policy import can
from homeward.audit.models import Action
from homeward.audit.services import Refusal, audit_record, audited_refusal
from homeward.cases.models import Case, CaseStatusChange, Consent
from homeward.cases.picklists import ConsentPurpose
from homeward.cases.services import PermissionDenied404, consent_in_force, require
from homeward.lib.codes import reference
from homeward.places.models import Area, Country
from homeward.referrals.models import NetworkSettings, Referral, ReferralEvent, Service, Transfer
from homeward.referrals.picklists import (
    CATEGORY_PLAN_TYPE,
    OPEN_REFERRAL,
    ReferralAction,
    ReferralStatus,
    Section,
    ServiceCategory,
    TransferStatus,
)
from homeward.reintegration.models import ReintegrationPlan, ServiceDelivered
from homeward.reintegration.picklists import Currency, PlanStatus, SupportPlanType


# ---- directory --------------------------------------------------------------------------------------------
def may_edit_directory(actor: Any, organisation_id: int | None) -> bool:
    """National coordinators keep every entry; an organisation's admin keeps the organisation's own."""
    return can(actor, Cap.DIRECTORY_MANAGE) or (
        organisation_id is not None and can(actor, Cap.DIRECTORY_EDIT, organisation_id)
    )


def _check_service(service: Service, areas: list[Area]) -> None:
    errors: dict[str, list[str]] = {}
    if service.district_id and service.district and service.district.parent_id != service.province_id:
        errors.setdefault("district", []).append(_("The district must be in the province chosen."))
    laos_id = Country.objects.filter(code="LA").values_list("id", flat=True).first()
    if any(a.country_id != laos_id for a in areas):
        errors.setdefault("areas", []).append(_("Choose provinces and districts of Lao PDR."))
    if not service.national and not areas:
        errors.setdefault("areas", []).append(
            _("Choose the provinces or districts it serves, or say it serves the whole country.")
        )
    if service.min_age is not None and service.max_age is not None and service.min_age > service.max_age:
        errors.setdefault("max_age", []).append(_("The oldest age cannot be below the youngest."))
    if (
        service.available is not None
        and service.capacity is not None
        and service.available > service.capacity
    ):
        errors.setdefault("available", []).append(_("There cannot be more places free than places in all."))
    if (service.latitude is None) != (service.longitude is None):
        errors.setdefault("longitude", []).append(_("Give both the latitude and the longitude, or neither."))
    if service.latitude is not None and not Decimal(-90) <= Decimal(str(service.latitude)) <= Decimal(90):
        errors.setdefault("latitude", []).append(_("The latitude must be between -90 and 90."))
    if service.longitude is not None and not Decimal(-180) <= Decimal(str(service.longitude)) <= Decimal(180):
        errors.setdefault("longitude", []).append(_("The longitude must be between -180 and 180."))
    if errors:
        raise ValidationError(errors)


def service_save(
    *,
    actor: Any,
    service: Service,
    areas: Iterable[Area] = (),
    nationalities: Iterable[Country] = (),
    ip: str | None = None,
) -> Service:
    """Create or change a directory entry. Only the organisation's admin or a national coordinator may."""
    areas, nationalities = list(areas), list(nationalities)

    @transaction.atomic
    def work() -> Service:
        creating = service.pk is None
        stored_org = (
            None
            if creating
            else Service.objects.filter(pk=service.pk).values_list("organisation_id", flat=True).first()
        )
        for org_id in {service.organisation_id, stored_org} - {None}:
            if not may_edit_directory(actor, org_id):
                raise Refusal(
                    PermissionDenied404(),
                    why="directory entry of another organisation",
                    object_type="service_entry",
                    codes=[] if creating else [service.code],
                    organisation_id=org_id,
                )
        _check_service(service, areas)
        if service.national:
            areas.clear()
        service.updated_by = actor
        service.full_clean(exclude=["areas", "nationalities"])
        service.save()
        service.areas.set(areas)
        service.nationalities.set(nationalities)
        audit_record(
            actor=actor,
            action=Action.CREATE if creating else Action.UPDATE,
            object_type="service_entry",
            object_codes=[service.code],
            organisation_id=service.organisation_id,
            ip=ip,
        )
        return service

    return audited_refusal(actor, ip, work)


@transaction.atomic
def network_settings_save(
    *, actor: Any, accept_within_days: int, complete_within_days: int, ip: str | None = None
) -> NetworkSettings:
    if not can(actor, Cap.DIRECTORY_MANAGE):
        raise PermissionDenied404
    if not (1 <= accept_within_days <= 90 and 1 <= complete_within_days <= 365):
        raise ValidationError(_("Give between 1 and 90 days to answer, and between 1 and 365 to complete."))
    settings = NetworkSettings.objects.select_for_update().get_or_create(id=1)[0]
    settings.accept_within_days = accept_within_days
    settings.complete_within_days = complete_within_days
    settings.updated_by = actor
    settings.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="network_settings",
        fields=["accept_within_days", "complete_within_days"],
        ip=ip,
    )
    return settings


# ---- referrals --------------------------------------------------------------------------------------------
def _new_reference() -> str:
    for _attempt in range(20):
        ref = reference("RF")
        if not Referral.objects.filter(reference=ref).exists():
            return ref
    raise RuntimeError("could not find a free referral code")  # pragma: no cover - 32^8 codes


def _event(referral: Referral, action: str, actor: Any, org_id: int | None, note: str = "", added=()) -> None:
    ReferralEvent.objects.create(
        referral=referral,
        action=action,
        actor=actor,
        organisation_id=org_id,
        note=note,
        sections_added=list(added),
    )


def _audit(actor: Any, action: str, referral: Referral, fields: Iterable[str], ip: str | None) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="referral",
        object_codes=[referral.code, referral.case.code],
        fields=list(fields),
        organisation_id=referral.case.owner_org_id,
        ip=ip,
    )


def _clean_sections(sections: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(sections))
    unknown = [s for s in chosen if s not in Section.values]
    if unknown:
        raise ValidationError({"sections": _("Choose sections from the list.")})
    return [s for s in Section.values if s in chosen]  # in the list's order


def _no_consent(case: Case, org: Organisation, object_type: str, codes: Iterable[Any]) -> Refusal:
    return Refusal(
        ValidationError(
            _(
                "The person has not given consent, or no longer does, to share with %(organisation)s. Record "
                "their consent to share with this organisation first."
            )
            % {"organisation": org}
        ),
        why=f"no consent to share with organisation {org.code}",
        object_type=object_type,
        codes=codes,
        organisation_id=case.owner_org_id,
    )


def referral_send(
    *,
    actor: Any,
    case: Case,
    to_org: Organisation,
    category: str,
    sections: Iterable[str],
    message: str,
    service: Service | None = None,
    urgent: bool = False,
    ip: str | None = None,
) -> Referral:
    """Refer a case. Refused without the survivor's consent to share with the receiving organisation."""
    sections = list(sections)

    @transaction.atomic
    def work() -> Referral:
        require(actor, Cap.REFERRAL_SEND, case.owner_org_id)
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.is_closed:
            raise ValidationError(_("The case is closed: reopen it before referring the person."))
        if service is not None:
            if service.organisation_id != to_org.id:
                raise ValidationError(
                    {"service": _("The service must be one of the receiving organisation's.")}
                )
            if not service.is_open:
                raise ValidationError({"service": _("This service is not taking referrals at the moment.")})
        if to_org.id == locked.owner_org_id:
            raise ValidationError(_("A case cannot be referred to its own organisation."))
        if not to_org.is_active:
            raise ValidationError(_("This organisation is no longer active."))
        if category not in ServiceCategory.values:
            raise ValidationError({"category": _("Choose the type of service.")})
        chosen = _clean_sections(sections)
        if not message.strip():
            raise ValidationError({"message": _("Say what the person needs from this service.")})
        consent = consent_in_force(locked, ConsentPurpose.SHARING, to_org.id)
        if consent is None:
            raise _no_consent(locked, to_org, "referral", [locked.code])
        if Referral.objects.filter(
            case=locked, to_org=to_org, category=category, status__in=OPEN_REFERRAL
        ).exists():
            raise ValidationError(
                _(
                    "There is already an open referral of this case to this organisation for this type of service."
                )
            )
        referral = Referral.objects.create(
            reference=_new_reference(),
            case=locked,
            from_org_id=locked.owner_org_id,
            to_org=to_org,
            service=service,
            category=category,
            outside=to_org.is_external,
            sections=chosen,
            message=message.strip(),
            urgent=urgent,
            consent=consent,
            sent_by=actor,
        )
        _event(referral, ReferralAction.SENT, actor, locked.owner_org_id)
        _audit(actor, Action.CREATE, referral, [f"section:{s}" for s in chosen], ip)
        return referral

    return audited_refusal(actor, ip, work)


def _lock(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().select_related("case", "to_org").get(pk=referral.pk)


def receiver_may_answer(actor: Any, referral: Referral) -> bool:
    return not referral.outside and can(actor, Cap.REFERRAL_RECEIVE, referral.to_org_id)


def sender_may_manage(actor: Any, referral: Referral) -> bool:
    """The organisation that owns the case now manages its referrals (after a transfer, the new owner)."""
    return can(actor, Cap.REFERRAL_SEND, referral.case.owner_org_id)


def _receiver_gate(actor: Any, referral: Referral) -> None:
    """The receiver must hold the capability in the receiving organisation, and the referral must not have been
    revoked; otherwise the referral does not exist for them."""
    if not receiver_may_answer(actor, referral) or referral.status == ReferralStatus.REVOKED:
        raise Refusal(
            PermissionDenied404(),
            why="revoked referral" if referral.status == ReferralStatus.REVOKED else "not the receiver",
            object_type="referral",
            codes=[referral.code],
            organisation_id=referral.case.owner_org_id,
        )


def _consent_still_covers(referral: Referral) -> None:
    if consent_in_force(referral.case, ConsentPurpose.SHARING, referral.to_org_id) is None:
        raise _no_consent(referral.case, referral.to_org, "referral", [referral.code])


def referral_accept(*, actor: Any, referral: Referral, ip: str | None = None) -> Referral:
    @transaction.atomic
    def work() -> Referral:
        locked = _lock(referral)
        _receiver_gate(actor, locked)
        if locked.status == ReferralStatus.ACCEPTED:
            raise Refusal(
                ValidationError(_("This referral has already been accepted.")),
                why="accepted twice",
                object_type="referral",
                codes=[locked.code],
                organisation_id=locked.case.owner_org_id,
            )
        if locked.status != ReferralStatus.SENT:
            raise ValidationError(_("Only a referral waiting for an answer can be accepted."))
        _consent_still_covers(locked)
        locked.status = ReferralStatus.ACCEPTED
        locked.accepted_by = actor
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["status", "accepted_by", "accepted_at"])
        _event(locked, ReferralAction.ACCEPTED, actor, locked.to_org_id)
        _audit(actor, Action.UPDATE, locked, ["status"], ip)
        return locked

    return audited_refusal(actor, ip, work)


def referral_decline(*, actor: Any, referral: Referral, reason: str, ip: str | None = None) -> Referral:
    """The receiver declines (or, once accepted, cannot provide the service), with a reason."""

    @transaction.atomic
    def work() -> Referral:
        locked = _lock(referral)
        _receiver_gate(actor, locked)
        if locked.status not in OPEN_REFERRAL:
            raise ValidationError(_("This referral is already closed."))
        if not reason.strip():
            raise ValidationError(
                {"reason": _("Give the reason, so that the referring caseworker can act on it.")}
            )
        _close(locked, ReferralStatus.DECLINED, actor, reason)
        _event(locked, ReferralAction.DECLINED, actor, locked.to_org_id, reason.strip())
        _audit(actor, Action.UPDATE, locked, ["status", "reason"], ip)
        return locked

    return audited_refusal(actor, ip, work)


def referral_ask_info(*, actor: Any, referral: Referral, question: str, ip: str | None = None) -> Referral:
    @transaction.atomic
    def work() -> Referral:
        locked = _lock(referral)
        _receiver_gate(actor, locked)
        if locked.status != ReferralStatus.SENT:
            raise ValidationError(_("You can ask for more information only before answering the referral."))
        if not question.strip():
            raise ValidationError({"question": _("Write what you need to know.")})
        locked.status = ReferralStatus.INFO
        locked.save(update_fields=["status"])
        _event(locked, ReferralAction.INFO_ASKED, actor, locked.to_org_id, question.strip())
        _audit(actor, Action.UPDATE, locked, ["status", "message"], ip)
        return locked

    return audited_refusal(actor, ip, work)


def referral_give_info(
    *, actor: Any, referral: Referral, answer: str, add_sections: Iterable[str] = (), ip: str | None = None
) -> Referral:
    """The referring caseworker answers the receiver's question, and may share more sections."""
    add_sections = list(add_sections)

    @transaction.atomic
    def work() -> Referral:
        locked = _lock(referral)
        require(actor, Cap.REFERRAL_SEND, locked.case.owner_org_id)
        if locked.status != ReferralStatus.INFO:
            raise ValidationError(_("The receiving organisation has not asked for more information."))
        if not answer.strip():
            raise ValidationError({"answer": _("Write your answer.")})
        added = [s for s in _clean_sections(add_sections) if s not in locked.sections]
        _consent_still_covers(locked)
        locked.sections = _clean_sections([*locked.sections, *added])
        locked.status = ReferralStatus.SENT
        locked.save(update_fields=["sections", "status"])
        _event(locked, ReferralAction.INFO_GIVEN, actor, locked.case.owner_org_id, answer.strip(), added)
        _audit(actor, Action.UPDATE, locked, ["status", "message", *[f"section:{s}" for s in added]], ip)
        return locked

    return audited_refusal(actor, ip, work)


def _close(referral: Referral, status: str, actor: Any, reason: str = "") -> None:
    referral.status = status
    referral.closed_by = actor
    referral.closed_at = timezone.now()
    referral.reason = reason.strip()
    referral.save(update_fields=["status", "closed_by", "closed_at", "reason"])


def referral_complete(
    *,
    actor: Any,
    referral: Referral,
    delivered_on: dt.date,
    description: str,
    service_type: str = "",
    cost: Decimal | None = None,
    currency: str = "",
    ip: str | None = None,
) -> Referral:
    """Report the service delivered. It becomes a service of the case (with the provider named), so the
    caseworker sees it with the others. The receiver reports it; for a provider outside the network, the
    referring caseworker does."""

    @transaction.atomic
    def work() -> Referral:
        locked = _lock(referral)
        case = locked.case
        if locked.outside:
            require(actor, Cap.REFERRAL_SEND, case.owner_org_id)
            if locked.status not in OPEN_REFERRAL:
                raise ValidationError(_("This referral is already closed."))
        else:
            _receiver_gate(actor, locked)
            if locked.status != ReferralStatus.ACCEPTED:
                raise ValidationError(_("Accept the referral before reporting the service delivered."))
        kind = service_type or CATEGORY_PLAN_TYPE[locked.category]
        if kind not in SupportPlanType.values:
            raise ValidationError({"service_type": _("Choose the type of support.")})
        if delivered_on > timezone.localdate():
            raise ValidationError({"delivered_on": _("The date cannot be in the future.")})
        if delivered_on < locked.sent_at.date():
            raise ValidationError({"delivered_on": _("The date cannot be before the referral was sent.")})
        if not description.strip():
            raise ValidationError({"description": _("Say what was given.")})
        if (cost is None) != (not currency):
            raise ValidationError({"cost": _("Give both the cost and its currency, or neither.")})
        if currency and currency not in Currency.values:
            raise ValidationError({"currency": _("Choose the currency: LAK, THB or USD.")})
        if cost is not None and cost < 0:
            raise ValidationError({"cost": _("Give the cost as an amount of 0 or more.")})
        delivered = ServiceDelivered(
            case=case,
            plan=ReintegrationPlan.objects.filter(case=case, status=PlanStatus.APPROVED).first(),
            type=kind,
            description=description.strip(),
            provider_org=locked.to_org,
            delivered_on=delivered_on,
            cost=cost,
            currency=currency,
            recorded_by=actor,
        )
        delivered.full_clean()
        delivered.save()
        locked.service_delivered = delivered
        locked.outcome = description.strip()
        locked.save(update_fields=["service_delivered", "outcome"])
        _close(locked, ReferralStatus.COMPLETED, actor)
        _event(
            locked,
            ReferralAction.COMPLETED,
            actor,
            locked.to_org_id if not locked.outside else case.owner_org_id,
        )
        _audit(actor, Action.UPDATE, locked, ["status", "outcome"], ip)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            object_type="service",
            object_codes=[case.code, delivered.code],
            fields=["type", "provider", "cost", "description"],
            organisation_id=case.owner_org_id,
            ip=ip,
        )
        return locked

    return audited_refusal(actor, ip, work)


def referral_not_taken_up(*, actor: Any, referral: Referral, reason: str, ip: str | None = None) -> Referral:
    """For a provider outside the network: the referring caseworker records that the service was refused or did
    not happen."""

    @transaction.atomic
    def work() -> Referral:
        locked = _lock(referral)
        require(actor, Cap.REFERRAL_SEND, locked.case.owner_org_id)
        if not locked.outside:
            raise PermissionDenied404
        if locked.status not in OPEN_REFERRAL:
            raise ValidationError(_("This referral is already closed."))
        if not reason.strip():
            raise ValidationError({"reason": _("Say what happened.")})
        _close(locked, ReferralStatus.DECLINED, actor, reason)
        _event(locked, ReferralAction.DECLINED, actor, locked.case.owner_org_id, reason.strip())
        _audit(actor, Action.UPDATE, locked, ["status", "reason"], ip)
        return locked

    return audited_refusal(actor, ip, work)


def referral_revoke(*, actor: Any, referral: Referral, reason: str, ip: str | None = None) -> Referral:
    """The referring organisation takes the referral back; the receiver loses access at once."""

    @transaction.atomic
    def work() -> Referral:
        locked = _lock(referral)
        require(actor, Cap.REFERRAL_SEND, locked.case.owner_org_id)
        if locked.status not in OPEN_REFERRAL:
            raise ValidationError(_("Only an open referral can be revoked."))
        if not reason.strip():
            raise ValidationError({"reason": _("Give the reason for revoking the referral.")})
        _close(locked, ReferralStatus.REVOKED, actor, reason)
        _event(locked, ReferralAction.REVOKED, actor, locked.case.owner_org_id, reason.strip())
        _audit(actor, Action.UPDATE, locked, ["status", "reason"], ip)
        return locked

    return audited_refusal(actor, ip, work)


def on_consent_withdrawn(*, actor: Any, consent: Consent, ip: str | None = None) -> list[Referral]:
    """Called in the transaction that withdraws a consent to share: revoke the open referrals and cancel the
    pending transfers to that organisation that no other consent covers. Returns the referrals revoked."""
    if consent.purpose != ConsentPurpose.SHARING or consent.shared_with_id is None:
        return []
    case = consent.case
    if consent_in_force(case, ConsentPurpose.SHARING, consent.shared_with_id) is not None:
        return []  # another consent still covers sharing with this organisation
    revoked = []
    for referral in Referral.objects.select_for_update().filter(
        case=case, to_org_id=consent.shared_with_id, status__in=OPEN_REFERRAL
    ):
        referral.case = case
        _close(referral, ReferralStatus.REVOKED, actor, _("The person withdrew their consent to share."))
        _event(referral, ReferralAction.CONSENT_WITHDRAWN, actor, case.owner_org_id)
        _audit(actor, Action.UPDATE, referral, ["status"], ip)
        revoked.append(referral)
    for transfer in Transfer.objects.select_for_update().filter(
        case=case, to_org_id=consent.shared_with_id, status=TransferStatus.REQUESTED
    ):
        transfer.status = TransferStatus.CANCELLED
        transfer.decided_by = actor
        transfer.decided_at = timezone.now()
        transfer.decision_note = _("The person withdrew their consent to share.")
        transfer.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            object_type="transfer",
            object_codes=[transfer.code, case.code],
            fields=["status"],
            organisation_id=case.owner_org_id,
            ip=ip,
        )
    return revoked


def referral_record_view(*, actor: Any, referral: Referral, section: str = "", ip: str | None = None) -> None:
    """The receiver opens the referral (its message), and with it one section: a section only if it was shared,
    the referral is open and consent still covers the receiver. Every view is audited, every refusal too."""

    def work() -> None:
        _receiver_gate(actor, referral)
        fields = ["message"]
        if section:
            if section not in referral.sections or referral.status not in OPEN_REFERRAL:
                raise Refusal(
                    PermissionDenied404(),
                    why=f"section not shared: {section}"[:300],
                    object_type="referral",
                    codes=[referral.code],
                    organisation_id=referral.case.owner_org_id,
                )
            _consent_still_covers(referral)
            fields.append(f"section:{section}")
        _audit(actor, Action.VIEW, referral, fields, ip)

    audited_refusal(actor, ip, work)


# ---- transfers --------------------------------------------------------------------------------------------
def _transfer_audit(
    actor: Any, transfer: Transfer, action: str, fields: list[str], org_id: int, ip: str | None
):
    audit_record(
        actor=actor,
        action=action,
        object_type="transfer",
        object_codes=[transfer.code, transfer.case.code],
        fields=fields,
        organisation_id=org_id,
        ip=ip,
    )


def transfer_request(
    *, actor: Any, case: Case, to_org: Organisation, reason: str, ip: str | None = None
) -> Transfer:
    """Ask another organisation to take the case over. It needs the person's consent to share with it."""

    @transaction.atomic
    def work() -> Transfer:
        require(actor, Cap.CASE_TRANSFER, case.owner_org_id)
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.owner_org_id != case.owner_org_id:
            raise PermissionDenied404
        if locked.is_closed:
            raise ValidationError(_("The case is closed: reopen it before handing it over."))
        if to_org.id == locked.owner_org_id:
            raise ValidationError({"to_org": _("Choose another organisation.")})
        if to_org.is_external or not to_org.is_active:
            raise ValidationError(
                {"to_org": _("A case can be handed only to an organisation that uses Homeward.")}
            )
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the case moves.")})
        if Transfer.objects.filter(case=locked, status=TransferStatus.REQUESTED).exists():
            raise ValidationError(_("A transfer of this case is already waiting for an answer."))
        consent = consent_in_force(locked, ConsentPurpose.SHARING, to_org.id)
        if consent is None:
            raise _no_consent(locked, to_org, "transfer", [locked.code])
        transfer = Transfer.objects.create(
            case=locked,
            from_org_id=locked.owner_org_id,
            to_org=to_org,
            reason=reason.strip(),
            consent=consent,
            requested_by=actor,
        )
        _transfer_audit(actor, transfer, Action.CREATE, ["to_org", "reason"], locked.owner_org_id, ip)
        return transfer

    return audited_refusal(actor, ip, work)


@transaction.atomic
def transfer_cancel(*, actor: Any, transfer: Transfer, ip: str | None = None) -> Transfer:
    locked = Transfer.objects.select_for_update().select_related("case").get(pk=transfer.pk)
    require(actor, Cap.CASE_TRANSFER, locked.from_org_id)
    if locked.status != TransferStatus.REQUESTED:
        raise ValidationError(_("This transfer has already been answered."))
    locked.status = TransferStatus.CANCELLED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    _transfer_audit(actor, locked, Action.UPDATE, ["status"], locked.from_org_id, ip)
    return locked


def transfer_decide(
    *,
    actor: Any,
    transfer: Transfer,
    accept: bool,
    note: str = "",
    caseworker: Any | None = None,
    ip: str | None = None,
) -> Transfer:
    """The receiving organisation accepts (the case, its person and its history move to it in one transaction,
    and the previous owner loses access) or declines with a note."""

    @transaction.atomic
    def work() -> Transfer:
        locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if not can(actor, Cap.CASE_TRANSFER, locked.to_org_id):
            raise Refusal(
                PermissionDenied404(),
                why="not the receiving organisation",
                object_type="transfer",
                codes=[locked.code],
                organisation_id=locked.from_org_id,
            )
        if locked.status != TransferStatus.REQUESTED:
            raise ValidationError(_("This transfer has already been answered."))
        case = Case.objects.select_for_update().select_related("person").get(pk=locked.case_id)
        locked.case = case
        if case.owner_org_id != locked.from_org_id:
            raise ValidationError(_("The case has moved since this transfer was asked."))
        if not accept and not note.strip():
            raise ValidationError(
                {"note": _("Give the reason for declining, for the organisation that asked.")}
            )
        if accept:
            if consent_in_force(case, ConsentPurpose.SHARING, locked.to_org_id) is None:
                raise _no_consent(case, locked.to_org, "transfer", [locked.code])
            if caseworker is not None and not can(caseworker, Cap.CASE_EDIT, locked.to_org_id):
                raise ValidationError(
                    {"caseworker": _("The caseworker must work on cases in your organisation.")}
                )
            locked.previous_caseworker = case.caseworker
            case.owner_org_id = locked.to_org_id
            case.caseworker = caseworker
            case.save(update_fields=["owner_org", "caseworker", "updated_at"])
            person = case.person
            if not Case.objects.filter(person=person, owner_org_id=locked.from_org_id).exists():
                person.owner_org_id = locked.to_org_id
                person.save(update_fields=["owner_org", "updated_at"])
            CaseStatusChange.objects.create(
                case=case,
                from_status=case.status,
                to_status=case.status,
                changed_by=actor,
                reason=_("Transferred from %(from)s to %(to)s.")
                % {"from": locked.from_org, "to": locked.to_org},
            )
            # Referrals to the new owner become its own work: they are closed as no longer needed.
            for referral in Referral.objects.select_for_update().filter(
                case=case, to_org_id=locked.to_org_id, status__in=OPEN_REFERRAL
            ):
                _close(
                    referral,
                    ReferralStatus.REVOKED,
                    actor,
                    _("The case was transferred to this organisation."),
                )
                _event(referral, ReferralAction.REVOKED, actor, locked.to_org_id, referral.reason)
        locked.status = TransferStatus.ACCEPTED if accept else TransferStatus.DECLINED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_note = note.strip()
        locked.save(
            update_fields=["status", "decided_by", "decided_at", "decision_note", "previous_caseworker"]
        )
        for org_id in (locked.from_org_id, locked.to_org_id):
            _transfer_audit(
                actor, locked, Action.UPDATE, ["status", *(["owner"] if accept else [])], org_id, ip
            )
        return locked

    return audited_refusal(actor, ip, work)
