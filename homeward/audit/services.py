"""Writing and verifying the audit log. Services call ``audit_record`` explicitly, inside their transaction."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from homeward.audit.models import Action, AuditEvent, AuditHead
from homeward.keys import keyring

GENESIS = "0" * 64
T = TypeVar("T")


def _payload(event: AuditEvent) -> bytes:
    data = {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "organisation": event.organisation_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_codes": [str(c) for c in event.object_codes],
        "fields": list(event.fields),
        "reason": event.reason,
        "ip": event.ip,
    }
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def home_organisation_id(user: Any) -> int | None:
    """The organisation whose audit log shows a user's own account events: their first membership."""
    return user.memberships.order_by("id").values_list("organisation_id", flat=True).first()


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str = "",
    object_codes: Iterable[Any] = (),
    fields: Iterable[str] = (),
    organisation_id: int | None = None,
    reason: str = "",
    ip: str | None = None,
) -> AuditEvent:
    """Append one event to the chain. Call inside the transaction of the change it records.

    An event about a user's own account (sign-in, password, second factor) carries no organisation of its
    own: it is filed under the user's first organisation, so that its data-protection officer sees it.
    """
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    if organisation_id is None and is_user:
        organisation_id = home_organisation_id(actor)
    with transaction.atomic():
        head, _created = AuditHead.objects.select_for_update().get_or_create(id=1)
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=actor if is_user else None,
            actor_label=(actor.get_username() if is_user else str(actor or ""))[:150],
            organisation_id=organisation_id,
            action=action,
            object_type=object_type,
            object_codes=[str(c) for c in object_codes],
            fields=sorted(set(fields)),
            reason=reason[:300],
            ip=ip,
            prev_mac=head.mac,
        )
        event.mac = keyring().audit_mac(head.mac, _payload(event))
        event.save()
        head.seq, head.mac = event.seq, event.mac
        head.save(update_fields=["seq", "mac"])
    return event


class Refusal(Exception):
    """A refused attempt worth an audit event: carries what to record and the error to raise afterwards."""

    def __init__(
        self,
        error: Exception,
        *,
        why: str,
        object_type: str,
        codes: Iterable[Any],
        organisation_id: int | None,
    ) -> None:
        super().__init__(why)
        self.error = error
        self.why = why
        self.object_type = object_type
        self.codes = list(codes)
        self.organisation_id = organisation_id


def audited_refusal(actor: Any, ip: str | None, work: Callable[[], T]) -> T:
    """Run ``work`` (its own transaction); on a Refusal, record the refused event once the change has been
    rolled back, then raise the refusal's error."""
    try:
        return work()
    except Refusal as refusal:
        audit_record(
            actor=actor,
            action=Action.DENIED,
            object_type=refusal.object_type,
            object_codes=refusal.codes,
            organisation_id=refusal.organisation_id,
            reason=refusal.why,
            ip=ip,
        )
        raise refusal.error from None


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problem_seq: int | None = None
    problem: str = ""
    head_mac: str = ""


def _events_in_order(batch: int = 2000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def audit_verify() -> VerifyResult:
    """Walk the chain from the first event; report the first event that was changed, inserted or removed."""
    previous = GENESIS
    expected_seq = 1
    checked = 0
    ring = keyring()
    for event in _events_in_order():
        if event.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, "missing")
        if event.prev_mac != previous:
            return VerifyResult(False, checked, event.seq, "broken_link")
        if ring.audit_mac(previous, _payload(event)) != event.mac:
            return VerifyResult(False, checked, event.seq, "altered")
        previous = event.mac
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.seq != checked or head.mac != previous):
        return VerifyResult(False, checked, checked + 1, "truncated")
    return VerifyResult(True, checked, head_mac=previous if checked else "")
