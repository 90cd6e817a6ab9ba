"""Reads of cases that depend on who asks. Every list, search and page starts here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Func, IntegerField, QuerySet
from django.http import Http404

from homeward.accounts.capabilities import Cap
from homeward.accounts.policy import can, orgs_with
from homeward.cases.models import Case, Consent, Document
from homeward.fields import PicklistMultiField
from homeward.lib.codes import normalise_reference
from homeward.people.selectors import person_ids_matching


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """Cases of the organisations where the user may see cases. Deny by default: no membership, no rows."""
    return Case.objects.filter(owner_org_id__in=orgs_with(user, Cap.CASE_VIEW))


def get_case_for(user: Any, code: Any, capability: Cap = Cap.CASE_VIEW) -> Case:
    """The case with this code if the user holds ``capability`` in its organisation; else 404, like a missing one."""
    try:
        case = Case.objects.select_related(
            "person",
            "owner_org",
            "caseworker",
            "person__province",
            "person__district",
            "person__citizenship",
            "victim",
        ).get(code=code)
    except (Case.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    if not can(user, Cap.CASE_VIEW, case.owner_org_id) or not can(user, capability, case.owner_org_id):
        raise Http404
    return case


@dataclass
class CaseFilters:
    q: str = ""
    status: str = ""
    province: str = ""
    exploitation: str = ""
    gender: str = ""
    mine: bool = False


def case_list(user: Any, filters: CaseFilters) -> QuerySet[Case]:
    qs = cases_visible_to(user).select_related(
        "person", "person__province", "caseworker", "owner_org", "victim"
    )
    if filters.status == "open":
        qs = qs.filter(status__in=["Active", "FollowUp"])
    elif filters.status == "closed":
        qs = qs.filter(status__in=["Closed", "ClosedReferred"])
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.province:
        qs = qs.filter(person__province__code=filters.province)
    if filters.exploitation:
        qs = qs.filter(victim__exploitation_types__contains=PicklistMultiField.needle(filters.exploitation))
    if filters.gender:
        qs = qs.filter(person__gender=filters.gender)
    if filters.mine:
        qs = qs.filter(caseworker=user)
    if filters.q.strip():
        qs = _search(user, qs, filters.q)
    return qs


def _search(user: Any, qs: QuerySet[Case], query: str) -> QuerySet[Case]:
    reference = normalise_reference(query)
    if reference.startswith("HW-") or (len(reference) == 9 and reference[4:5] == "-"):
        if not reference.startswith("HW-"):
            reference = f"HW-{reference}"
        return qs.filter(reference=reference)
    person_ids = person_ids_matching(query, within_org_ids=orgs_with(user, Cap.CASE_VIEW))
    if not person_ids:
        return qs.none()
    # Keep the relevance order of the name search.
    relevance = _ListPosition(F("person_id"), person_ids)
    return qs.filter(person_id__in=person_ids).order_by(relevance, "-opened_on")


class _ListPosition(Func):
    """The position of a value in a list of integers: ``CASE <expr> WHEN v0 THEN 0 WHEN v1 THEN 1 ... END``.

    The same ordering as ``Case(*[When(person_id=v, then=i) ...])``, built as one expression: that form costs
    a Q object, a lookup and a join resolution per listed id, paid again on each compile (count and page).
    """

    output_field = IntegerField()

    def __init__(self, expression: Any, values: list[int]) -> None:
        super().__init__(expression)
        self.values = [int(v) for v in values]

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        # The positions are this loop's own integers, written as literals so they stay integers whatever the
        # driver's parameter binding; the listed values are parameters.
        whens = " ".join(f"WHEN %s THEN {position:d}" for position in range(len(self.values)))
        return f"CASE {sql} {whens} END", [*params, *self.values]


def consents_for(case: Case) -> QuerySet[Consent]:
    return case.consents.select_related("shared_with", "recorded_by", "withdrawn_by")


def get_document_for(user: Any, case: Case, code: Any) -> Document:
    if not can(user, Cap.DOCUMENT_VIEW, case.owner_org_id):
        raise Http404
    try:
        return case.documents.get(code=code)
    except (Document.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
