"""Accept and revoke at the same moment: exactly one wins and the referral is consistent, on SQLite and on
PostgreSQL (CI runs the suite on both)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from homeward.cases.services import PermissionDenied404
from homeward.conftest import audit_triggers_off
from homeward.referrals import services
from homeward.referrals.models import Referral, ReferralEvent
from homeward.referrals.picklists import ReferralStatus
from homeward.referrals.tests.helpers import consent_to_share, refer, service

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def referral(personas, open_case):
    case = open_case()
    consent_to_share(personas, case, personas.org_p)
    yield refer(personas, case, service(personas))
    audit_triggers_off()  # the transactional flush empties the append-only audit table


@pytest.mark.parametrize("rounds", [3])
def test_accept_and_revoke_at_once_one_wins(personas, referral, rounds):
    for _round in range(rounds):
        Referral.objects.filter(pk=referral.pk).update(
            status=ReferralStatus.SENT, accepted_at=None, accepted_by=None
        )
        ReferralEvent.objects.filter(referral=referral).exclude(action="sent").delete()
        start = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def run(name: str, act, start=start, outcomes=outcomes) -> None:
            try:
                start.wait()
                act()
                outcomes[name] = "done"
            except (ValidationError, PermissionDenied404) as exc:
                outcomes[name] = type(exc).__name__
            except Exception as exc:
                outcomes[name] = repr(exc)
            finally:
                connection.close()  # each thread has its own connection

        threads = [
            threading.Thread(
                target=run,
                args=("accept", lambda: services.referral_accept(actor=personas.petra, referral=referral)),
            ),
            threading.Thread(
                target=run,
                args=(
                    "revoke",
                    lambda: services.referral_revoke(
                        actor=personas.alice, referral=referral, reason="Moved away"
                    ),
                ),
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        final = Referral.objects.get(pk=referral.pk)
        actions = list(ReferralEvent.objects.filter(referral=referral).values_list("action", flat=True))
        assert set(outcomes) == {"accept", "revoke"}, outcomes
        if outcomes["accept"] == "done" and outcomes["revoke"] == "done":
            # Accepted first, then revoked: both steps are legal in that order, and both are recorded.
            assert final.status == ReferralStatus.REVOKED and final.accepted_at is not None
            assert actions == ["sent", "accepted", "revoked"]
        else:
            # Revoked first: the acceptance finds a revoked referral and is refused (404, audited).
            assert outcomes == {"accept": "PermissionDenied404", "revoke": "done"}, outcomes
            assert final.status == ReferralStatus.REVOKED and final.accepted_at is None
            assert actions == ["sent", "revoked"]
