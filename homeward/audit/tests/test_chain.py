import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from homeward.audit.models import AuditEvent
from homeward.audit.services import audit_record, audit_verify
from homeward.conftest import audit_triggers_on


@pytest.fixture(autouse=True)
def _append_only_triggers(db):
    """The triggers as the migration made them (a browser test's flush may have dropped them)."""
    audit_triggers_on()


def _bypass_triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ordinary triggers do not fire for a replica; undone when the test's transaction rolls back
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER audit_auditevent_no_update")
            cursor.execute("DROP TRIGGER audit_auditevent_no_delete")


@pytest.fixture
def events(personas):
    return [
        audit_record(
            actor=personas.alice,
            action="view",
            object_type="case",
            object_codes=[f"c{i}"],
            organisation_id=personas.org_a.id,
        )
        for i in range(5)
    ]


def test_an_untouched_chain_verifies(events):
    result = audit_verify()
    assert result.ok and result.checked == 5
    call_command("audit", "verify")


def test_each_event_links_to_the_one_before(events):
    for before, after in itertools.pairwise(events):
        assert after.prev_mac == before.mac
        assert after.seq == before.seq + 1


def test_the_database_refuses_to_change_or_delete_an_event(events):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=events[0].pk).update(reason="edited")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=events[0].pk).delete()
    with pytest.raises(RuntimeError):
        events[0].save()


def test_verify_finds_an_altered_event(events):
    _bypass_triggers()
    AuditEvent.objects.filter(pk=events[2].pk).update(actor_label="someone-else")
    result = audit_verify()
    assert not result.ok and result.problem_seq == 3 and result.problem == "altered"
    with pytest.raises(CommandError, match="broken at event 3"):
        call_command("audit", "verify")


def test_verify_finds_a_deleted_event(events):
    _bypass_triggers()
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    result = audit_verify()
    assert not result.ok and result.problem_seq == 2 and result.problem == "missing"


def test_verify_finds_a_truncated_tail(events):
    _bypass_triggers()
    AuditEvent.objects.filter(pk=events[-1].pk).delete()
    result = audit_verify()
    assert not result.ok and result.problem == "truncated"


def test_verify_finds_a_recomputed_plain_hash(events):
    """Someone with database access but without the audit key cannot forge a consistent chain."""
    import hashlib

    _bypass_triggers()
    AuditEvent.objects.filter(pk=events[4].pk).update(mac=hashlib.sha256(b"forged").hexdigest())
    assert not audit_verify().ok


def test_a_dpo_reads_only_their_organisations_log(personas, as_user, events):
    audit_record(
        actor=personas.bob,
        action="view",
        object_type="case",
        object_codes=["other-org-case"],
        organisation_id=personas.org_b.id,
    )
    response = as_user(personas.dora).get(reverse("audit_log"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('<code class="small" title="c') == 5
    assert "other-org" not in body


def test_the_log_filters_by_action_and_user(personas, as_user, events):
    audit_record(
        actor=personas.sam,
        action="update",
        object_type="case",
        object_codes=["x1"],
        organisation_id=personas.org_a.id,
    )
    client = as_user(personas.dora)
    body = client.get(reverse("audit_log"), {"action": "update"}).content.decode()
    assert "sam" in body and ">alice<" not in body
    body = client.get(reverse("audit_log"), {"user": "alice"}).content.decode()
    assert body.count("alice") >= 5


def test_caseworkers_and_researchers_cannot_read_the_log(personas, as_user):
    for user in (personas.alice, personas.rita, personas.olga):
        assert as_user(user).get(reverse("audit_log")).status_code == 404


def test_sign_in_events_reach_the_dpo_of_the_users_organisation(personas, client, as_user):
    from homeward.conftest import PASSWORD

    client.post(reverse("accounts:login"), {"username": "alice", "password": "wrong password here"})
    client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    from django.test import Client

    Client().post(reverse("accounts:login"), {"username": "ghost-user", "password": "wrong password here"})
    events = AuditEvent.objects.filter(action__in=["login", "login_failed"])
    assert set(events.filter(actor_label="alice").values_list("action", "organisation_id")) == {
        ("login_failed", personas.org_a.id),
        ("login", personas.org_a.id),
    }
    assert events.filter(actor_label="", organisation__isnull=True).count() == 1  # unknown name: not recorded
    body = as_user(personas.dora).get(reverse("audit_log"), {"user": "alice"}).content.decode()
    assert "Failed sign-in" in body and "Signed in" in body
