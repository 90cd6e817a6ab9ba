"""Writes to organisations, users and memberships, and the second factor."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.accounts.capabilities import Cap, Role
from homeward.accounts.models import Membership, Organisation, User
from homeward.accounts.policy import can, forget
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.cases.services import PermissionDenied404

# Roles an organisation admin may give. National coordinators and researchers see figures across all
# organisations, so only a platform administrator (superuser) grants those.
ROLES_GRANTABLE_BY_ORG_ADMIN = (
    Role.CASEWORKER,
    Role.SUPERVISOR,
    Role.ORG_ADMIN,
    Role.TRANSIT_STAFF,
    Role.SERVICE_PROVIDER,
    Role.DPO,
)


def grantable_roles(actor: Any, organisation: Organisation) -> list[Role]:
    if actor.is_superuser:
        return list(Role)
    if can(actor, Cap.USERS_MANAGE, organisation.id):
        return list(ROLES_GRANTABLE_BY_ORG_ADMIN)
    return []


@transaction.atomic
def organisation_save(*, actor: Any, organisation: Organisation, ip: str | None = None) -> Organisation:
    creating = organisation.pk is None
    if creating and not actor.is_superuser:
        raise PermissionDenied404
    if not creating and not (actor.is_superuser or can(actor, Cap.ORG_EDIT, organisation.id)):
        raise PermissionDenied404
    organisation.full_clean()
    organisation.save()
    audit_record(
        actor=actor,
        action=Action.CREATE if creating else Action.UPDATE,
        object_type="organisation",
        object_codes=[organisation.code],
        organisation_id=organisation.id,
        ip=ip,
    )
    return organisation


def _check_roles(actor: Any, organisation: Organisation, roles: list[str]) -> None:
    if organisation.is_external:
        raise ValidationError(
            _("%(name)s is a partner agency without users: it receives replies, it does not sign in.")
            % {"name": organisation.name}
        )
    allowed = {r.value for r in grantable_roles(actor, organisation)}
    if not allowed:
        raise PermissionDenied404
    refused = [r for r in roles if r not in allowed]
    if refused:
        raise ValidationError(
            _("You cannot give the role: %(roles)s.") % {"roles": ", ".join(Role(r).label for r in refused)}
        )


@transaction.atomic
def user_invite(
    *,
    actor: Any,
    organisation: Organisation,
    username: str,
    display_name: str,
    email: str,
    roles: list[str],
    ip: str | None = None,
) -> tuple[User, str]:
    """Create a user in ``organisation`` with the given roles; returns the user and a one-time link path
    on which they choose their password (there is no e-mail: the admin hands the link over)."""
    _check_roles(actor, organisation, roles)
    if not roles:
        raise ValidationError(_("Choose at least one role."))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("That username is taken. Choose another."))
    user = User(username=username, display_name=display_name, email=email)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    for role in roles:
        Membership.objects.create(user=user, organisation=organisation, role=role)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        object_type="user",
        object_codes=[user.code],
        fields=["roles"],
        organisation_id=organisation.id,
        ip=ip,
    )
    return user, password_link(user)


def password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:set_password", kwargs={"uidb64": uid, "token": token})


@transaction.atomic
def user_set_roles(
    *,
    actor: Any,
    organisation: Organisation,
    user: User,
    roles: list[str],
    is_active: bool,
    ip: str | None = None,
) -> User:
    """Replace the user's roles in this organisation (only this one), and suspend or restore the account."""
    _check_roles(actor, organisation, roles)
    if user.is_superuser and not actor.is_superuser:
        raise PermissionDenied404
    if user.pk == actor.pk and Role.ORG_ADMIN not in roles and not actor.is_superuser:
        raise ValidationError(_("You cannot remove your own administrator role."))
    Membership.objects.filter(user=user, organisation=organisation).exclude(role__in=roles).delete()
    for role in roles:
        Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
    other_orgs = Membership.objects.filter(user=user).exclude(organisation=organisation).exists()
    if not other_orgs and user.is_active != is_active:
        if user.pk == actor.pk:
            raise ValidationError(_("You cannot suspend your own account."))
        user.is_active = is_active
        user.save(update_fields=["is_active"])
    forget(user)
    audit_record(
        actor=actor,
        action=Action.SECURITY,
        object_type="user",
        object_codes=[user.code],
        fields=["roles", "is_active"],
        organisation_id=organisation.id,
        ip=ip,
    )
    return user


# ---- second factor ------------------------------------------------------------------------------------------
def totp_device_pending(user: User) -> TOTPDevice:
    """The user's unconfirmed TOTP device (created if needed): its secret is shown once for the app to scan."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def two_factor_confirm(*, user: User, token: str, ip: str | None = None) -> list[str] | None:
    """Confirm the pending device with a code from the app; returns ten fresh recovery codes, or None."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token.strip().replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_reset(user=user)
    audit_record(
        actor=user,
        action=Action.SECURITY,
        object_type="user",
        object_codes=[user.code],
        fields=["two_factor"],
        ip=ip,
    )
    return codes


def recovery_codes_reset(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(10)]
    for code in codes:
        StaticToken.objects.create(device=device, token=code)
    return codes


@transaction.atomic
def two_factor_reset(*, actor: Any, organisation: Organisation, user: User, ip: str | None = None) -> None:
    """An admin clears a user's lost authenticator; the user sets a new one up at next sign-in."""
    if not (actor.is_superuser or can(actor, Cap.USERS_MANAGE, organisation.id)):
        raise PermissionDenied404
    if not Membership.objects.filter(user=user, organisation=organisation).exists():
        raise PermissionDenied404
    if user.is_superuser and not actor.is_superuser:
        raise PermissionDenied404
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        action=Action.SECURITY,
        object_type="user",
        object_codes=[user.code],
        fields=["two_factor"],
        organisation_id=organisation.id,
        ip=ip,
    )
