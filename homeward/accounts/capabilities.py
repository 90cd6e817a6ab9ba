"""Roles and capabilities: the whole access policy in one table.

``homeward permissions`` prints this table; docs/security.md includes the generated matrix.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    ORG_ADMIN = "org_admin", _("Organisation admin")
    TRANSIT_STAFF = "transit_staff", _("Transit-centre staff")
    SERVICE_PROVIDER = "service_provider", _("Service provider")
    NATIONAL_COORDINATOR = "national_coordinator", _("National coordinator")
    RESEARCHER = "researcher", _("Researcher")
    DPO = "dpo", _("Data-protection officer")


class Cap(StrEnum):
    CASE_VIEW = "case.view"  # see the organisation's cases, with identifying data
    CASE_CREATE = "case.create"
    CASE_EDIT = "case.edit"
    CASE_COMMENT = "case.comment"
    CASE_ASSIGN = "case.assign"  # choose or change the caseworker
    CASE_CLOSE = "case.close"  # move a case to Closed / ClosedReferred, or reopen it
    CONSENT_RECORD = "consent.record"
    CONSENT_WITHDRAW = "consent.withdraw"
    DOCUMENT_VIEW = "document.view"
    DOCUMENT_UPLOAD = "document.upload"
    USERS_MANAGE = "users.manage"  # manage the users of one's own organisation
    ORG_EDIT = "org.edit"
    AUDIT_VIEW = "audit.view"  # read the organisation's audit log
    STATS_NATIONAL = "stats.national"  # national aggregates (no identifying data)
    RETURN_MANAGE = "return.manage"  # return requests, tracing requests, replies, travel, handovers
    TRACING_RECORD = "tracing.record"  # family tracing and assessment asked of the organisation
    TRANSIT_OPERATE = "transit.operate"  # admissions, stays, services and discharge at the org's centres
    FACILITY_MANAGE = "facility.manage"  # the organisation's transit centres, rooms and beds
    PLAN_APPROVE = "plan.approve"  # approve reintegration plans and closures of the organisation's cases
    SCORE_CONFIGURE = "score.configure"  # the Reintegration Sustainability score's indicators and weights
    REFERRAL_SEND = (
        "referral.send"  # refer the organisation's cases to services; revoke; record outside outcomes
    )
    REFERRAL_RECEIVE = (
        "referral.receive"  # answer referrals sent to the organisation, see the sections shared
    )
    CASE_TRANSFER = "case.transfer"  # hand a case to another organisation, or take one over
    DIRECTORY_EDIT = "directory.edit"  # the organisation's own entries in the service directory
    DIRECTORY_MANAGE = "directory.manage"  # every entry of the directory, and the network's service levels
    TRAINING_MANAGE = "training.manage"  # courses, sessions, attendance, scores, certificates, imports
    TRAINING_REGISTER = (
        "training.register"  # register the organisation's staff in sessions; see their records
    )
    RELEASE_CREATE = "release.create"  # define research releases (protected data only) and download them
    RELEASE_MANAGE = "release.manage"  # privacy budgets of datasets; withdraw releases


CAP_LABELS: dict[Cap, str | Promise] = {
    Cap.CASE_VIEW: _("See the organisation's cases, with identifying data"),
    Cap.CASE_CREATE: _("Register survivors and open cases"),
    Cap.CASE_EDIT: _("Edit cases, survivors, trafficking context and events"),
    Cap.CASE_COMMENT: _("Add case comments"),
    Cap.CASE_ASSIGN: _("Assign cases to caseworkers"),
    Cap.CASE_CLOSE: _("Close and reopen cases"),
    Cap.CONSENT_RECORD: _("Record consent"),
    Cap.CONSENT_WITHDRAW: _("Record a withdrawal of consent"),
    Cap.DOCUMENT_VIEW: _("Open uploaded documents"),
    Cap.DOCUMENT_UPLOAD: _("Upload documents"),
    Cap.USERS_MANAGE: _("Manage the users of the organisation"),
    Cap.ORG_EDIT: _("Edit the organisation's details"),
    Cap.AUDIT_VIEW: _("Read the organisation's audit log"),
    Cap.STATS_NATIONAL: _("See national figures (no identifying data)"),
    Cap.RETURN_MANAGE: _("Record return requests, travel and handovers; ask provinces for family tracing"),
    Cap.TRACING_RECORD: _("Trace families and assess return when the organisation is asked to"),
    Cap.TRANSIT_OPERATE: _("Admit, house and discharge people at the organisation's transit centres"),
    Cap.FACILITY_MANAGE: _("Set up the organisation's transit centres, rooms and beds"),
    Cap.PLAN_APPROVE: _("Approve reintegration plans and case closures"),
    Cap.SCORE_CONFIGURE: _("Configure the Reintegration Sustainability score (indicators and weights)"),
    Cap.REFERRAL_SEND: _("Refer the organisation's cases to services, and revoke referrals"),
    Cap.REFERRAL_RECEIVE: _("Answer referrals sent to the organisation and see the sections shared"),
    Cap.CASE_TRANSFER: _("Hand cases to another organisation, and take cases over"),
    Cap.DIRECTORY_EDIT: _("Keep the organisation's entries in the service directory"),
    Cap.DIRECTORY_MANAGE: _("Keep every entry of the service directory and the network's service levels"),
    Cap.TRAINING_MANAGE: _("Run training: courses, sessions, attendance, scores and certificates"),
    Cap.TRAINING_REGISTER: _("Register the organisation's staff for training and see their records"),
    Cap.RELEASE_CREATE: _("Define research releases of protected data and download them"),
    Cap.RELEASE_MANAGE: _("Set the privacy budgets of research datasets and withdraw releases"),
}

_CASEWORK = {
    Cap.CASE_VIEW,
    Cap.CASE_CREATE,
    Cap.CASE_EDIT,
    Cap.CASE_COMMENT,
    Cap.CONSENT_RECORD,
    Cap.CONSENT_WITHDRAW,
    Cap.DOCUMENT_VIEW,
    Cap.DOCUMENT_UPLOAD,
    Cap.RETURN_MANAGE,
    Cap.TRACING_RECORD,
    Cap.REFERRAL_SEND,
    Cap.REFERRAL_RECEIVE,
}

ROLE_CAPABILITIES: dict[Role, frozenset[Cap]] = {
    Role.CASEWORKER: frozenset(_CASEWORK),
    Role.SUPERVISOR: frozenset(
        _CASEWORK
        | {Cap.CASE_ASSIGN, Cap.CASE_CLOSE, Cap.FACILITY_MANAGE, Cap.PLAN_APPROVE, Cap.CASE_TRANSFER}
    ),
    Role.ORG_ADMIN: frozenset(
        {Cap.USERS_MANAGE, Cap.ORG_EDIT, Cap.FACILITY_MANAGE, Cap.DIRECTORY_EDIT, Cap.TRAINING_REGISTER}
    ),
    # Transit-centre staff see the people staying at their organisation's centres, and nothing else.
    Role.TRANSIT_STAFF: frozenset({Cap.TRANSIT_OPERATE}),
    Role.SERVICE_PROVIDER: frozenset({Cap.CASE_VIEW, Cap.CASE_COMMENT, Cap.REFERRAL_RECEIVE}),
    Role.NATIONAL_COORDINATOR: frozenset(
        {Cap.STATS_NATIONAL, Cap.SCORE_CONFIGURE, Cap.DIRECTORY_MANAGE, Cap.TRAINING_MANAGE}
    ),
    Role.RESEARCHER: frozenset({Cap.STATS_NATIONAL, Cap.RELEASE_CREATE}),
    Role.DPO: frozenset(
        {
            Cap.CASE_VIEW,
            Cap.DOCUMENT_VIEW,
            Cap.CONSENT_WITHDRAW,
            Cap.AUDIT_VIEW,
            Cap.RELEASE_CREATE,
            Cap.RELEASE_MANAGE,
        }
    ),
}

# Capabilities that show identifying data.
IDENTIFYING_CAPS = frozenset(
    {
        Cap.CASE_VIEW,
        Cap.DOCUMENT_VIEW,
        Cap.AUDIT_VIEW,
        Cap.TRACING_RECORD,
        Cap.TRANSIT_OPERATE,
        Cap.REFERRAL_RECEIVE,
    }
)
# A role holding any of these must sign in with a second factor: it sees identifying data, or it can hand
# itself someone else's account (password links, second-factor resets).
SECOND_FACTOR_CAPS = IDENTIFYING_CAPS | {Cap.USERS_MANAGE}


def permission_matrix() -> list[tuple[Cap, list[bool]]]:
    roles = list(Role)
    return [(cap, [cap in ROLE_CAPABILITIES[role] for role in roles]) for cap in Cap]
