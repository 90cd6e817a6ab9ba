import pytest

from homeward.accounts.capabilities import IDENTIFYING_CAPS, ROLE_CAPABILITIES, Cap, Role
from homeward.accounts.management.commands.permissions import matrix_markdown
from homeward.accounts.models import Membership
from homeward.accounts.policy import can, capabilities_by_org, forget, needs_second_factor


def test_every_role_has_an_entry_in_the_one_table():
    assert set(ROLE_CAPABILITIES) == set(Role)


def test_researchers_and_coordinators_hold_no_capability_that_shows_identifying_data():
    for role in (Role.RESEARCHER, Role.NATIONAL_COORDINATOR):
        assert not ROLE_CAPABILITIES[role] & IDENTIFYING_CAPS
        assert Cap.CASE_VIEW not in ROLE_CAPABILITIES[role]


def test_only_supervisors_close_and_assign():
    for role, caps in ROLE_CAPABILITIES.items():
        assert (Cap.CASE_CLOSE in caps) == (role == Role.SUPERVISOR)
        assert (Cap.CASE_ASSIGN in caps) == (role == Role.SUPERVISOR)


@pytest.mark.django_db
def test_capabilities_hold_only_in_the_users_own_organisation(personas):
    assert can(personas.alice, Cap.CASE_VIEW, personas.org_a.id)
    assert not can(personas.alice, Cap.CASE_VIEW, personas.org_b.id)
    assert not can(personas.alice, Cap.CASE_CLOSE, personas.org_a.id)
    assert can(personas.sam, Cap.CASE_CLOSE, personas.org_a.id)
    assert not can(personas.oscar, Cap.CASE_VIEW)
    assert capabilities_by_org(personas.oscar) == {}


@pytest.mark.django_db
def test_a_suspended_user_or_organisation_has_no_capability(personas):
    personas.alice.is_active = False
    forget(personas.alice)
    assert not can(personas.alice, Cap.CASE_VIEW, personas.org_a.id)
    personas.org_b.is_active = False
    personas.org_b.save()
    forget(personas.bob)
    assert not can(personas.bob, Cap.CASE_VIEW, personas.org_b.id)


@pytest.mark.django_db
def test_several_roles_add_up(personas):
    Membership.objects.create(user=personas.alice, organisation=personas.org_a, role=Role.DPO)
    forget(personas.alice)
    assert can(personas.alice, Cap.AUDIT_VIEW, personas.org_a.id)
    assert can(personas.alice, Cap.CASE_CREATE, personas.org_a.id)


@pytest.mark.django_db
def test_second_factor_is_required_for_roles_that_see_identifying_data_or_manage_users(personas):
    assert needs_second_factor(personas.alice)
    assert needs_second_factor(personas.dora)
    assert needs_second_factor(personas.petra)
    assert needs_second_factor(personas.olga)  # can hand out password links and reset second factors
    assert not needs_second_factor(personas.rita)
    assert not needs_second_factor(personas.nora)


def test_the_printed_matrix_shows_every_role_and_capability():
    text = matrix_markdown()
    for cap in Cap:
        assert f"`{cap.value}`" in text
    for role in Role:
        assert str(role.label) in text.splitlines()[0]
    researcher_col = list(Role).index(Role.RESEARCHER)
    row = next(line for line in text.splitlines() if "`case.view`" in line)
    cells = [c.strip() for c in row.strip("|").split("|")][1:]
    assert cells[researcher_col] == ""
    assert cells[list(Role).index(Role.CASEWORKER)] == "✔"


def test_the_security_doc_carries_the_current_matrix():
    from pathlib import Path

    doc = Path(__file__).resolve().parents[3] / "docs" / "security.md"
    assert matrix_markdown() in doc.read_text(encoding="utf-8")
