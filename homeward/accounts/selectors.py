from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Membership, Organisation, User
from homeward.accounts.policy import can, orgs_with


def organisations_managed_by(user: Any) -> QuerySet[Organisation]:
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(
        id__in=orgs_with(user, Cap.USERS_MANAGE) + orgs_with(user, Cap.ORG_EDIT)
    )


def get_org_for(user: Any, code: Any, capability: Cap) -> Organisation:
    try:
        organisation = Organisation.objects.get(code=code)
    except (Organisation.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    if not (user.is_superuser or can(user, capability, organisation.id)):
        raise Http404
    return organisation


def members_of(organisation: Organisation) -> QuerySet[User]:
    return (
        User.objects.filter(memberships__organisation=organisation)
        .distinct()
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.filter(organisation=organisation))
        )
        .order_by("username")
    )


def get_member_for(organisation: Organisation, code: Any) -> User:
    try:
        return members_of(organisation).get(code=code)
    except (User.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def caseworkers_of(organisation_id: int) -> QuerySet[User]:
    from homeward.accounts.capabilities import ROLE_CAPABILITIES

    roles = [role for role, caps in ROLE_CAPABILITIES.items() if Cap.CASE_EDIT in caps]
    return (
        User.objects.filter(
            is_active=True, memberships__organisation_id=organisation_id, memberships__role__in=roles
        )
        .distinct()
        .order_by("display_name", "username")
    )
