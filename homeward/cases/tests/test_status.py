import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from homeward.cases.models import STATUS_FLOW
from homeward.cases.picklists import CaseStatus
from homeward.cases.services import PermissionDenied404, case_assign, case_set_status


def test_the_flow_table_covers_every_status_and_only_known_ones():
    assert set(STATUS_FLOW) == set(CaseStatus.values)
    for targets in STATUS_FLOW.values():
        assert set(targets) <= set(CaseStatus.values)


def test_a_caseworker_moves_a_case_to_follow_up_but_cannot_close_it(personas, open_case):
    case = open_case()
    case = case_set_status(actor=personas.alice, case=case, to_status="FollowUp")
    assert case.status == "FollowUp"
    with pytest.raises(PermissionDenied404):
        case_set_status(
            actor=personas.alice, case=case, to_status="Closed", closure_reason="hw_SupportCompleted"
        )


def test_a_supervisor_closes_with_a_reason_and_reopens(personas, open_case):
    case = open_case()
    with pytest.raises(ValidationError):
        case_set_status(actor=personas.sam, case=case, to_status="Closed")
    case = case_set_status(
        actor=personas.sam,
        case=case,
        to_status="Closed",
        closure_reason="hw_ReMigrated",
        closure_details="Left for Bangkok again",
    )
    assert case.closed_on is not None and case.closure_details == "Left for Bangkok again"
    assert [c.to_status for c in case.status_changes.all()] == ["Active", "Closed"]
    with pytest.raises(ValidationError, match="reopening"):
        case_set_status(actor=personas.sam, case=case, to_status="Active")
    case = case_set_status(actor=personas.sam, case=case, to_status="Active", reason="Came back for help")
    assert case.closed_on is None and case.closure_reason == ""
    assert case.status_changes.last().reason == "Came back for help"


def test_moves_outside_the_table_are_refused(personas, open_case):
    case = open_case()
    case = case_set_status(actor=personas.sam, case=case, to_status="Closed", closure_reason="hw_Died")
    with pytest.raises(ValidationError):
        case_set_status(actor=personas.sam, case=case, to_status="FollowUp")
    with pytest.raises(ValidationError):
        case_set_status(actor=personas.sam, case=case, to_status="Nonsense")


def test_the_status_page_offers_only_allowed_moves(personas, as_user, open_case):
    case = open_case()
    body = as_user(personas.alice).get(reverse("cases:status", kwargs={"code": case.code})).content.decode()
    assert 'value="FollowUp"' in body and 'value="Closed"' not in body
    body = as_user(personas.sam).get(reverse("cases:status", kwargs={"code": case.code})).content.decode()
    assert 'value="Closed"' in body
    response = as_user(personas.sam).post(
        reverse("cases:status", kwargs={"code": case.code}), {"to_status": "Closed"}
    )
    assert "Give the reason" in response.content.decode()


def test_a_supervisor_assigns_only_caseworkers_of_the_organisation(personas, open_case):
    case = open_case()
    case = case_assign(actor=personas.sam, case=case, caseworker=personas.sam)
    assert case.caseworker == personas.sam
    with pytest.raises(ValidationError):
        case_assign(actor=personas.sam, case=case, caseworker=personas.bob)
    with pytest.raises(PermissionDenied404):
        case_assign(actor=personas.alice, case=case, caseworker=personas.alice)


def test_the_change_status_button_shows_only_when_a_move_is_open(personas, as_user, open_case):
    case = case_set_status(actor=personas.sam, case=open_case(), to_status="Closed", closure_reason="hw_Died")
    url = reverse("cases:detail", kwargs={"code": case.code})
    assert (
        reverse("cases:status", kwargs={"code": case.code})
        not in as_user(personas.alice).get(url).content.decode()
    )
    assert (
        reverse("cases:status", kwargs={"code": case.code}) in as_user(personas.sam).get(url).content.decode()
    )
    assert as_user(personas.alice).get(reverse("cases:status", kwargs={"code": case.code})).status_code == 404


def test_the_closed_filter_shows_both_kinds_of_closure(personas, open_case):
    from homeward.cases.selectors import CaseFilters, case_list

    a = case_set_status(actor=personas.sam, case=open_case(), to_status="Closed", closure_reason="hw_Died")
    b = case_set_status(
        actor=personas.sam, case=open_case(), to_status="ClosedReferred", closure_reason="hw_Referred"
    )
    open_case()
    assert set(case_list(personas.alice, CaseFilters(status="closed"))) == {a, b}
