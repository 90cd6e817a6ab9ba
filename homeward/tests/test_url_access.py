"""Every endpoint has a negative-access test, and this file proves it: the URL configuration is walked and
the test fails when an endpoint is missing from ACCESS.

For each endpoint: an anonymous visitor is sent to sign in (unless the page is public), every persona who may
not use it gets 404 — the same answer as for a record that does not exist — and one persona who may, gets in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from homeward.cases.models import Consent, TraffickingEvent
from homeward.cases.services import consent_record, document_upload, event_save
from homeward.people.models import Person
from homeward.places.models import Country
from homeward.returns.tests.journey import build as build_journey

PDF = b"%PDF-1.4\n%%EOF\n"
SIGNED_IN_ANYONE = "anyone"


@dataclass
class Rule:
    kwargs: str = (
        ""  # which objects the URL needs: "", "case", "event", "consent", "document", "org", "member"
    )
    allowed: str = "alice"  # one persona who may use it
    denied: list[str] = field(default_factory=list)  # personas who get 404
    method: str = "get"
    public: bool = False
    ok_status: tuple[int, ...] = (200,)
    data: dict[str, Any] = field(default_factory=dict)


OUTSIDE_A = ["bob", "petra", "nora", "rita", "oscar"]  # no case role in organisation A
NO_CASEWORK = ["olga", "nora", "rita", "oscar"]  # no case capability anywhere... plus other orgs
NOT_CASE_VIEW = ["tina", "olga", "nora", "rita", "oscar"]
NOT_RETURNS = ["tina", "olga", "dora", "petra", "nora", "rita", "oscar"]  # no return.manage anywhere
RETURNS_OF_A = [*OUTSIDE_A, "olga", "tina", "dora"]  # no return.manage in organisation A
NOT_TRACER_OF_B = ["alice", "sam", "tina", "olga", "dora", "petra", "nora", "rita", "oscar"]
NOT_FACILITY_OF_A = ["tina", "alice", "bob", "dora", "petra", "nora", "rita", "oscar"]
CASEWORK_OF_A = [*OUTSIDE_A, "olga", "tina", "dora"]
APPROVERS_ONLY = [*OUTSIDE_A, "alice", "olga", "tina", "dora"]
NOT_SCORES = ["alice", "sam", "olga", "tina", "dora", "bob", "petra", "rita", "oscar"]
NOT_TRANSIT_OF_A = ["alice", "sam", "bob", "dora", "olga", "petra", "nora", "rita", "oscar"]
NOT_TRAINING_MANAGE = ["alice", "sam", "olga", "tina", "dora", "bob", "petra", "rita", "oscar"]
NOT_TRAINING_REGISTER = ["alice", "sam", "tina", "dora", "bob", "petra", "rita", "oscar"]
NOT_DIRECTORY = ["alice", "sam", "tina", "dora", "bob", "petra", "rita", "oscar"]
NOT_PARTY = [
    "bob",
    "nora",
    "rita",
    "oscar",
    "tina",
    "olga",
]  # neither the case's organisation nor the receiver
NOT_TRANSFER = ["alice", "olga", "tina", "dora", "bob", "petra", "nora", "rita", "oscar"]
NOT_NETWORK_FIGURES = ["alice", "olga", "tina", "dora", "bob", "petra", "oscar"]
NO_FIGURES = ["olga", "tina", "oscar"]  # neither national figures nor any organisation's cases
NOT_RELEASES = ["alice", "sam", "olga", "tina", "bob", "petra", "nora", "oscar"]
NOT_RELEASE_MANAGE = [*NOT_RELEASES, "rita"]
NOT_IMPORT = ["olga", "tina", "dora", "petra", "nora", "rita", "oscar"]  # may open cases nowhere
NOT_IMPORT_OF_A = [*NOT_IMPORT, "bob"]  # may not open cases in organisation A
ALL_BUT_ALICE = ["sam", "olga", "tina", "dora", "bob", "petra", "nora", "rita", "oscar"]
ACCESS: dict[str, Rule] = {
    # public
    "index": Rule(public=True, ok_status=(302,)),
    "healthz": Rule(public=True),
    "set_language": Rule(public=True, method="post", ok_status=(302,), data={"language": "lo", "next": "/"}),
    "accounts:login": Rule(public=True),
    "accounts:set_password": Rule(kwargs="reset", public=True, ok_status=(200, 302)),
    # any signed-in user, for their own account only
    "home": Rule(allowed=SIGNED_IN_ANYONE),
    "accounts:logout": Rule(allowed=SIGNED_IN_ANYONE, method="post", ok_status=(302,)),
    "accounts:security": Rule(allowed=SIGNED_IN_ANYONE),
    "accounts:sessions_end_others": Rule(allowed=SIGNED_IN_ANYONE, method="post", ok_status=(302,)),
    "accounts:session_end": Rule(
        kwargs="session",
        allowed="alice",
        method="post",
        ok_status=(302,),
        denied=["sam", "bob", "dora", "rita", "oscar", "olga"],
    ),
    "accounts:password_change": Rule(allowed=SIGNED_IN_ANYONE),
    "accounts:reauth": Rule(allowed=SIGNED_IN_ANYONE),
    "accounts:two_factor_setup": Rule(allowed=SIGNED_IN_ANYONE, ok_status=(200, 302)),
    "accounts:two_factor_verify": Rule(allowed=SIGNED_IN_ANYONE, ok_status=(302,)),
    "accounts:recovery_codes": Rule(allowed=SIGNED_IN_ANYONE, ok_status=(302,)),
    "accounts:recovery_codes_new": Rule(allowed="alice", method="post", ok_status=(302,)),
    "district_options": Rule(allowed=SIGNED_IN_ANYONE),
    # organisations and users
    "accounts:organisations": Rule(allowed="olga", denied=["alice", "sam", "bob", "dora", "rita", "oscar"]),
    "accounts:organisation_create": Rule(allowed="root", denied=["olga", "alice", "nora"]),
    "accounts:organisation": Rule(
        kwargs="org", allowed="olga", denied=["alice", "sam", "bob", "dora", "rita", "oscar"]
    ),
    "accounts:organisation_edit": Rule(
        kwargs="org", allowed="olga", denied=["alice", "sam", "bob", "dora", "rita"]
    ),
    "accounts:user_invite": Rule(
        kwargs="org", allowed="olga", denied=["alice", "sam", "bob", "dora", "nora"]
    ),
    "accounts:user_edit": Rule(
        kwargs="member", allowed="olga", denied=["alice", "sam", "bob", "dora", "rita"]
    ),
    "accounts:user_reset_two_factor": Rule(
        kwargs="member",
        allowed="olga",
        method="post",
        ok_status=(302,),
        denied=["alice", "sam", "bob", "dora", "rita"],
    ),
    "accounts:user_password_link": Rule(
        kwargs="member", allowed="olga", method="post", denied=["alice", "sam", "bob", "dora", "rita"]
    ),
    # audit
    "audit_log": Rule(allowed="dora", denied=["alice", "sam", "olga", "bob", "rita", "nora", "oscar"]),
    # cases
    "cases:list": Rule(allowed="alice", denied=NO_CASEWORK),
    "cases:create": Rule(allowed="alice", denied=["tina", "petra", "dora", *NO_CASEWORK]),
    "cases:detail": Rule(kwargs="case", allowed="alice", denied=[*OUTSIDE_A, "olga", "tina"]),
    "cases:person_edit": Rule(kwargs="case", denied=[*OUTSIDE_A, "olga", "tina", "dora"]),
    "cases:victim_edit": Rule(kwargs="case", denied=[*OUTSIDE_A, "olga", "tina", "dora"]),
    "cases:status": Rule(kwargs="case", denied=[*OUTSIDE_A, "olga", "tina", "dora"]),
    "cases:assign": Rule(kwargs="case", allowed="sam", denied=[*OUTSIDE_A, "olga", "alice", "tina"]),
    "cases:event_add": Rule(kwargs="case", denied=[*OUTSIDE_A, "olga", "tina", "dora"]),
    "cases:event_edit": Rule(kwargs="event", denied=[*OUTSIDE_A, "olga", "tina", "dora"]),
    "cases:event_delete": Rule(
        kwargs="event", method="post", ok_status=(302,), denied=[*OUTSIDE_A, "tina", "dora"]
    ),
    "cases:comment_add": Rule(
        kwargs="case",
        allowed="alice",
        method="post",
        ok_status=(302,),
        data={"body": "note"},
        denied=[*OUTSIDE_A, "olga", "dora", "tina"],
    ),
    "cases:consent_add": Rule(kwargs="case", allowed="alice", denied=[*OUTSIDE_A, "olga", "dora", "tina"]),
    "cases:consent_withdraw": Rule(kwargs="consent", allowed="dora", denied=[*OUTSIDE_A, "olga", "tina"]),
    "cases:document_upload": Rule(kwargs="case", denied=[*OUTSIDE_A, "olga", "tina", "dora"]),
    "cases:document_download": Rule(kwargs="document", allowed="dora", denied=[*OUTSIDE_A, "olga", "tina"]),
    # returns: the ministry (A) records; the province (B, bob) traces; transit staff (tina) see stays only
    "returns:list": Rule(denied=NOT_CASE_VIEW),
    "returns:create": Rule(denied=NOT_RETURNS),
    "returns:agencies": Rule(denied=NOT_RETURNS),
    "returns:agency_create": Rule(denied=NOT_RETURNS),
    "returns:detail": Rule(kwargs="request", allowed="dora", denied=[*OUTSIDE_A, "olga", "tina"]),
    "returns:edit": Rule(kwargs="request", denied=RETURNS_OF_A),
    "returns:returnee_add": Rule(kwargs="request", denied=RETURNS_OF_A),
    "returns:tracing_request": Rule(kwargs="request", denied=RETURNS_OF_A),
    "returns:reply": Rule(kwargs="request", denied=RETURNS_OF_A),
    "returns:handover": Rule(kwargs="request", denied=RETURNS_OF_A),
    "returns:reply_print": Rule(kwargs="reply", allowed="dora", denied=[*OUTSIDE_A, "olga", "tina"]),
    "returns:travel": Rule(kwargs="returnee", denied=RETURNS_OF_A),
    "returns:returnee_cancel": Rule(kwargs="returnee", denied=RETURNS_OF_A),
    "returns:stay_plan": Rule(kwargs="case", denied=RETURNS_OF_A),
    "returns:tracing_list": Rule(
        allowed="bob", denied=["tina", "olga", "dora", "petra", "nora", "rita", "oscar"]
    ),
    "returns:tracing": Rule(
        kwargs="tracing", allowed="bob", denied=["tina", "olga", "petra", "nora", "rita", "oscar"]
    ),
    "returns:tracing_attempt": Rule(
        kwargs="tracing",
        allowed="bob",
        method="post",
        ok_status=(302,),
        data={"attempted_on": "{today}", "method": "phone", "outcome": "no_contact"},
        denied=NOT_TRACER_OF_B,
    ),
    "returns:assessment": Rule(kwargs="tracing", allowed="bob", denied=NOT_TRACER_OF_B),
    "returns:tracing_complete": Rule(
        kwargs="tracing", allowed="bob", method="post", ok_status=(302,), denied=NOT_TRACER_OF_B
    ),
    # after return: caseworkers and supervisors of A write; supervisors approve; the national coordinator
    # configures the score
    "queue": Rule(denied=NOT_CASE_VIEW),
    "reintegration:needs": Rule(kwargs="case", denied=CASEWORK_OF_A),
    "reintegration:plan_edit": Rule(kwargs="case", ok_status=(200, 302), denied=CASEWORK_OF_A),
    "reintegration:service_add": Rule(kwargs="case", denied=CASEWORK_OF_A),
    "reintegration:visit_add": Rule(kwargs="case", denied=CASEWORK_OF_A),
    "reintegration:closure_request": Rule(kwargs="case", denied=CASEWORK_OF_A),
    "reintegration:link": Rule(kwargs="case", denied=CASEWORK_OF_A),
    "reintegration:plan_submit": Rule(kwargs="plan", method="post", ok_status=(302,), denied=CASEWORK_OF_A),
    "reintegration:plan_revise": Rule(kwargs="plan", method="post", ok_status=(302,), denied=CASEWORK_OF_A),
    "reintegration:plan_decide": Rule(kwargs="plan", allowed="sam", denied=APPROVERS_ONLY),
    "reintegration:closure_decide": Rule(kwargs="closure", allowed="sam", denied=APPROVERS_ONLY),
    "reintegration:instalment_paid": Rule(
        kwargs="instalment",
        method="post",
        ok_status=(302,),
        data={"paid_on": "{today}"},
        denied=CASEWORK_OF_A,
    ),
    "reintegration:visit": Rule(kwargs="visit", allowed="dora", denied=[*OUTSIDE_A, "olga", "tina"]),
    "reintegration:visit_missed": Rule(kwargs="visit", denied=CASEWORK_OF_A),
    "reintegration:visits_overdue": Rule(denied=NOT_CASE_VIEW),
    "reintegration:scores": Rule(allowed="nora", denied=NOT_SCORES),
    "reintegration:score_config": Rule(kwargs="score", allowed="nora", denied=NOT_SCORES),
    "reintegration:score_revise": Rule(kwargs="score", allowed="nora", denied=NOT_SCORES),
    "reintegration:score_activate": Rule(
        kwargs="score", allowed="nora", method="post", ok_status=(302,), denied=NOT_SCORES
    ),
    "transit:list": Rule(allowed="tina", denied=["alice", "bob", "dora", "petra", "nora", "rita", "oscar"]),
    "transit:create": Rule(allowed="sam", denied=NOT_FACILITY_OF_A),
    "transit:board": Rule(
        kwargs="facility", allowed="tina", denied=["alice", "bob", "dora", "petra", "nora", "rita", "oscar"]
    ),
    "transit:setup": Rule(kwargs="facility", allowed="sam", denied=NOT_FACILITY_OF_A),
    "transit:room_create": Rule(kwargs="facility", allowed="olga", denied=NOT_FACILITY_OF_A),
    "transit:room": Rule(kwargs="room", allowed="sam", denied=NOT_FACILITY_OF_A),
    "transit:bed_toggle": Rule(
        kwargs="bed", allowed="sam", method="post", ok_status=(302,), denied=NOT_FACILITY_OF_A
    ),
    "transit:stay": Rule(
        kwargs="stay", allowed="tina", denied=["bob", "olga", "petra", "nora", "rita", "oscar"]
    ),
    "transit:admit": Rule(kwargs="planned", allowed="tina", denied=NOT_TRANSIT_OF_A),
    "transit:move": Rule(kwargs="stay", allowed="tina", denied=NOT_TRANSIT_OF_A),
    "transit:service_add": Rule(
        kwargs="stay",
        allowed="tina",
        method="post",
        ok_status=(302,),
        data={"kind": "counselling", "happened_on": "{today}"},
        denied=NOT_TRANSIT_OF_A,
    ),
    "transit:consent": Rule(kwargs="stay", allowed="tina", denied=NOT_TRANSIT_OF_A),
    "transit:discharge": Rule(kwargs="stay", allowed="tina", denied=NOT_TRANSIT_OF_A),
    "transit:cancel": Rule(
        kwargs="planned",
        allowed="tina",
        method="post",
        ok_status=(302,),
        denied=["bob", "olga", "dora", "petra", "nora", "rita", "oscar"],
    ),
    # referral network
    "referrals:directory": Rule(denied=["oscar"]),
    "referrals:directory_export": Rule(allowed="petra", denied=["oscar"]),
    "referrals:service": Rule(kwargs="service", allowed="rita", denied=["oscar"]),
    "referrals:service_new": Rule(allowed="olga", denied=NOT_DIRECTORY),
    "referrals:directory_import": Rule(allowed="olga", denied=NOT_DIRECTORY),
    "referrals:service_edit": Rule(kwargs="service", allowed="nora", denied=[*NOT_DIRECTORY, "olga"]),
    "referrals:provider_new": Rule(allowed="nora", denied=[*NOT_DIRECTORY, "olga"]),
    "referrals:settings": Rule(allowed="nora", denied=[*NOT_DIRECTORY, "olga"]),
    "referrals:incoming": Rule(allowed="petra", denied=["tina", "olga", "dora", "nora", "rita", "oscar"]),
    "referrals:outgoing": Rule(denied=["tina", "olga", "dora", "petra", "nora", "rita", "oscar"]),
    "referrals:refer": Rule(kwargs="case", denied=CASEWORK_OF_A),
    "referrals:transfer_new": Rule(kwargs="case", allowed="sam", denied=[*CASEWORK_OF_A, "alice"]),
    "referrals:detail": Rule(kwargs="referral", allowed="petra", denied=NOT_PARTY),
    "referrals:accept": Rule(
        kwargs="referral", allowed="petra", method="post", ok_status=(302,), denied=[*NOT_PARTY, "alice"]
    ),
    "referrals:decline": Rule(
        kwargs="referral",
        allowed="petra",
        method="post",
        ok_status=(302,),
        data={"reason": "No place"},
        denied=[*NOT_PARTY, "alice"],
    ),
    "referrals:ask": Rule(
        kwargs="referral",
        allowed="petra",
        method="post",
        ok_status=(302,),
        data={"reason": "When?"},
        denied=[*NOT_PARTY, "alice"],
    ),
    "referrals:complete": Rule(
        kwargs="referral",
        allowed="petra",
        method="post",
        ok_status=(302,),
        data={"delivered_on": "{today}", "service_type": "Legal", "description": "Advice"},
        denied=[*NOT_PARTY, "alice"],
    ),
    "referrals:answer": Rule(
        kwargs="referral",
        method="post",
        ok_status=(302,),
        data={"answer": "Next week"},
        denied=[*NOT_PARTY, "petra", "dora"],
    ),
    "referrals:revoke": Rule(
        kwargs="referral",
        method="post",
        ok_status=(302,),
        data={"reason": "Moved"},
        denied=[*NOT_PARTY, "petra", "dora"],
    ),
    "referrals:not_taken_up": Rule(
        kwargs="outside",
        method="post",
        ok_status=(302,),
        data={"reason": "Did not go"},
        denied=[*NOT_PARTY, "petra", "dora"],
    ),
    "referrals:slip": Rule(kwargs="referral", denied=[*NOT_PARTY, "petra", "dora"]),
    "referrals:transfers": Rule(allowed="sam", denied=NOT_TRANSFER),
    "referrals:transfer": Rule(kwargs="transfer", allowed="sam", denied=NOT_TRANSFER),
    "referrals:transfer_cancel": Rule(
        kwargs="transfer", allowed="sam", method="post", ok_status=(302,), denied=NOT_TRANSFER
    ),
    "referrals:figures": Rule(allowed="nora", denied=NOT_NETWORK_FIGURES),
    "referrals:gaps": Rule(allowed="rita", denied=NOT_NETWORK_FIGURES),
    # training
    "verify": Rule(public=True),
    "verify_code": Rule(kwargs="certificate", public=True),
    "training:index": Rule(denied=["oscar"]),
    "training:coverage": Rule(
        allowed="rita", denied=["alice", "sam", "olga", "tina", "dora", "bob", "petra", "oscar"]
    ),
    "training:course": Rule(kwargs="course", denied=["oscar"]),
    "training:course_new": Rule(allowed="nora", denied=NOT_TRAINING_MANAGE),
    "training:course_edit": Rule(kwargs="course", allowed="nora", denied=NOT_TRAINING_MANAGE),
    "training:session": Rule(kwargs="tsession", denied=["oscar"]),
    "training:session_new": Rule(allowed="nora", denied=NOT_TRAINING_MANAGE),
    "training:session_edit": Rule(kwargs="tsession", allowed="nora", denied=NOT_TRAINING_MANAGE),
    "training:register": Rule(kwargs="tsession", allowed="olga", denied=NOT_TRAINING_REGISTER),
    "training:import": Rule(kwargs="tsession", allowed="olga", denied=NOT_TRAINING_REGISTER),
    "training:attendance": Rule(
        kwargs="tsession", allowed="nora", method="post", ok_status=(302,), denied=NOT_TRAINING_MANAGE
    ),
    "training:sheet": Rule(kwargs="tsession", allowed="nora", denied=NOT_TRAINING_MANAGE),
    "training:result": Rule(
        kwargs="participation", allowed="nora", method="post", ok_status=(302,), denied=NOT_TRAINING_MANAGE
    ),
    "training:unregister": Rule(
        kwargs="participation", allowed="olga", method="post", ok_status=(302,), denied=NOT_TRAINING_REGISTER
    ),
    "training:certificate": Rule(kwargs="participation", allowed="olga", denied=NOT_TRAINING_REGISTER),
    # research
    "research:dashboard": Rule(allowed="rita", denied=NO_FIGURES),
    "research:topic": Rule(kwargs="topic", allowed="rita", denied=NO_FIGURES),
    "research:report": Rule(allowed="sam", denied=NO_FIGURES),
    "research:releases": Rule(allowed="rita", denied=NOT_RELEASES),
    "research:release_kanon": Rule(allowed="dora", denied=NOT_RELEASES),
    "research:release_dp": Rule(allowed="rita", denied=NOT_RELEASES),
    "research:release": Rule(kwargs="release", allowed="rita", denied=NOT_RELEASES),
    "research:release_download": Rule(kwargs="download", allowed="rita", denied=NOT_RELEASES),
    "research:release_withdraw": Rule(
        kwargs="release",
        allowed="dora",
        method="post",
        ok_status=(302,),
        data={"reason": "Wrong period"},
        denied=NOT_RELEASE_MANAGE,
    ),
    "research:datasets": Rule(allowed="rita", denied=NOT_RELEASES),
    "research:dataset_new": Rule(allowed="dora", denied=NOT_RELEASE_MANAGE),
    "research:dataset_edit": Rule(kwargs="dataset", allowed="dora", denied=NOT_RELEASE_MANAGE),
    # HTCDS import and export
    "interop:import_list": Rule(denied=NOT_IMPORT),
    "interop:import_detail": Rule(kwargs="import", denied=NOT_IMPORT_OF_A),
    "interop:import_confirm": Rule(
        kwargs="import", method="post", ok_status=(302,), data={"mode": "all"}, denied=NOT_IMPORT_OF_A
    ),
    "interop:import_discard": Rule(kwargs="import", method="post", ok_status=(302,), denied=NOT_IMPORT_OF_A),
    "interop:export": Rule(denied=NOT_CASE_VIEW),
    "interop:device_password": Rule(denied=NOT_IMPORT),
    "interop:intake_list": Rule(denied=NOT_IMPORT),
    "interop:intake_detail": Rule(kwargs="submission", denied=NOT_IMPORT_OF_A),
    "interop:intake_decide": Rule(
        kwargs="submission",
        method="post",
        ok_status=(302,),
        data={"action": "reject", "reason": "Sent by mistake"},
        denied=NOT_IMPORT_OF_A,
    ),
    # OpenRosa: phones sign in with HTTP Basic and a phone password on every request, never with a session;
    # without it every endpoint answers 401 (homeward/interop/tests/test_openrosa.py tests the personas).
    "openrosa:form_list": Rule(public=True, ok_status=(401,)),
    "openrosa:form_download": Rule(kwargs="form", public=True, ok_status=(401,)),
    "openrosa:submission": Rule(public=True, ok_status=(401,)),
    # The REST API: tokens only, never a session; without one every data endpoint answers 401
    # (homeward/api/tests/test_api.py tests each persona with a token). Schema and its page are public.
    "api:case-list": Rule(public=True, ok_status=(401,)),
    "api:case-detail": Rule(kwargs="case", public=True, ok_status=(401,)),
    "api:service-list": Rule(public=True, ok_status=(401,)),
    "api:service-detail": Rule(kwargs="service", public=True, ok_status=(401,)),
    "api:case-plans": Rule(kwargs="case", public=True, ok_status=(401,)),
    "api:person-detail": Rule(kwargs="person", public=True, ok_status=(401,)),
    "api:case-visits": Rule(kwargs="case", public=True, ok_status=(401,)),
    "api:case-referrals": Rule(kwargs="case", public=True, ok_status=(401,)),
    "api:return-list": Rule(public=True, ok_status=(401,)),
    "api:return-detail": Rule(kwargs="request", public=True, ok_status=(401,)),
    "api:course-list": Rule(public=True, ok_status=(401,)),
    "api:course-detail": Rule(kwargs="course", public=True, ok_status=(401,)),
    "api:session-list": Rule(public=True, ok_status=(401,)),
    "api:session-detail": Rule(kwargs="tsession", public=True, ok_status=(401,)),
    "api:schema": Rule(public=True),
    "api:docs": Rule(public=True),
    "api:tokens": Rule(denied=["oscar"]),
    "api:token_revoke": Rule(kwargs="token", method="post", ok_status=(302,), denied=ALL_BUT_ALICE),
}


def _names(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _names(
                entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            )
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_endpoint_has_an_access_rule():
    names = set(_names(get_resolver().url_patterns))
    assert names - set(ACCESS) == set(), "endpoints without a negative-access test"
    assert set(ACCESS) - names == set(), "rules for endpoints that no longer exist"


@pytest.fixture
def world(personas, open_case):
    from homeward.accounts.models import User
    from homeward.accounts.services import password_link

    case = open_case()
    event = event_save(
        actor=personas.alice,
        case=case,
        event=TraffickingEvent(type="Transit", country=Country.objects.get(code="TH")),
    )
    consent = consent_record(
        actor=personas.alice, case=case, consent=Consent(purpose="research", given_on=timezone.localdate())
    )
    document = document_upload(actor=personas.alice, case=case, kind="passport", title="P", data=PDF)
    root = User.objects.create_superuser("root", password="root password 1234")
    from homeward.accounts.models import UserSession

    alices_other_session = UserSession.objects.create(
        user=personas.alice, session_key="x" * 32, last_seen=timezone.now()
    )
    link = password_link(personas.tina)
    uidb64, token = link.rstrip("/").split("/")[-2:]
    journey = build_journey(personas)
    reint = _reintegration_world(personas, case)
    network = _network_world(personas, case)
    training = _training_world(personas)
    research = _research_world(personas)
    from homeward.interop.services import import_upload

    job = import_upload(
        actor=personas.alice,
        organisation=personas.org_a,
        filename="cases.csv",
        data=b"prs_FirstName,prs_SecondName,prs_Gender\nSynthetic,Person,Feminine\n",
    )
    from homeward.interop.intake import submission_receive
    from homeward.interop.tests.openrosa_helpers import intake_instance

    submission = submission_receive(user=personas.alice, data=intake_instance()).submission
    from homeward.api.services import token_create

    api_token, _raw = token_create(actor=personas.alice, name="access test")
    return {
        **reint,
        **network,
        **training,
        **research,
        "request": {"code": journey.request.code},
        "reply": {"code": journey.request.code, "reply_code": journey.reply.code},
        "returnee": {"code": journey.waiting.code},
        "tracing": {"code": journey.waiting.tracing.code},
        "facility": {"code": journey.centre.code},
        "room": {"code": journey.centre.rooms.get(name="Men").code},
        "bed": {"code": journey.centre.rooms.get(name="Men").beds.first().code},
        "stay": {"code": journey.admitted.code},
        "planned": {"code": journey.planned.code},
        "case": {"code": case.code},
        "import": {"code": job.code},
        "submission": {"code": submission.code},
        "form": {"form_id": "homeward_intake"},
        "token": {"code": api_token.code},
        "person": {"code": case.person.code},
        "event": {"code": case.code, "event_code": event.code},
        "consent": {"code": case.code, "consent_code": consent.code},
        "document": {"code": case.code, "document_code": document.code},
        "org": {"code": personas.org_a.code},
        "member": {"code": personas.org_a.code, "user_code": personas.tina.code},
        "reset": {"uidb64": uidb64, "token": token},
        "session": {"code": alices_other_session.code},
        "": {},
        "root": root,
    }


def _reintegration_world(personas, case):
    from decimal import Decimal

    from homeward.cases.services import case_open
    from homeward.reintegration import services as reint
    from homeward.reintegration.demo import ensure_default_config
    from homeward.reintegration.models import ReintegrationPlan, ServiceDelivered
    from homeward.tests.factories import PersonFieldsFactory

    config = ensure_default_config()
    plan = reint.plan_save(
        actor=personas.alice, case=case, plan=ReintegrationPlan(objectives="Income", types=["Livelihood"])
    )
    reint.plan_submit(actor=personas.alice, plan=plan)
    fields: dict = PersonFieldsFactory()  # type: ignore[assignment]
    other = case_open(actor=personas.alice, organisation=personas.org_a, person=Person(**fields))
    approved = reint.plan_save(
        actor=personas.alice, case=other, plan=ReintegrationPlan(objectives="Income", types=["Livelihood"])
    )
    reint.plan_submit(actor=personas.alice, plan=approved)
    reint.plan_decide(actor=personas.sam, plan=approved, approve=True)
    grant = reint.service_record(
        actor=personas.alice,
        case=other,
        service=ServiceDelivered(
            type="Livelihood",
            provider_name="Shop",
            delivered_on=timezone.localdate(),
            cost=Decimal(100),
            currency="LAK",
            grant_purpose="business",
        ),
        instalments=[reint.Instalment(timezone.localdate(), Decimal(100))],
    )
    closure = reint.closure_request(actor=personas.alice, case=other, reason="hw_SupportCompleted")
    return {
        "plan": {"code": plan.code},
        "visit": {"code": other.visits.first().code},
        "instalment": {"code": grant.instalments.get().code},
        "closure": {"code": closure.code},
        "score": {"version": config.version},
    }


def _network_world(personas, case):
    from homeward.referrals.services import transfer_request
    from homeward.referrals.tests.helpers import consent_to_share, refer, service
    from homeward.tests.factories import OrganisationFactory

    entry = service(personas)
    consent_to_share(personas, case, personas.org_p)
    referral = refer(personas, case, entry)
    hospital = OrganisationFactory(name="Hospital H", type="HealthServiceOrganisation", is_external=True)
    consent_to_share(personas, case, hospital)
    outside = refer(personas, case, service(personas, org=hospital, name="Clinic", category="health"))
    consent_to_share(personas, case, personas.org_b)
    transfer = transfer_request(actor=personas.sam, case=case, to_org=personas.org_b, reason="Moved")
    return {
        "service": {"code": entry.code},
        "referral": {"code": referral.code},
        "outside": {"code": outside.code},
        "transfer": {"code": transfer.code},
    }


def _training_world(personas):
    from homeward.training import services as training
    from homeward.training.tests.helpers import complete, course, session, trainee

    held = session(personas, course(personas))
    done = complete(personas, training.register(actor=personas.nora, session=held, trainee=trainee(personas)))
    return {
        "course": {"code": held.course.code},
        "tsession": {"code": held.code},
        "participation": {"code": done.code},
        "certificate": {"code": done.certificate},
    }


def _research_world(personas):
    from decimal import Decimal

    from homeward.research import services as research

    dataset = research.dataset_save(
        actor=personas.dora,
        name="All cases",
        description="",
        opened_from=timezone.localdate().replace(month=1, day=1),
        opened_to=timezone.localdate(),
        epsilon_budget=Decimal("2"),
    )
    release = research.release_dp(
        actor=personas.rita,
        title="By sex",
        purpose="Access tests",
        dataset=dataset,
        dimensions=["sex"],
        epsilon=Decimal("0.5"),
    )
    return {
        "topic": {"topic": "flows"},
        "release": {"code": release.code},
        "download": {"code": release.code, "layout": "htcds"},
        "dataset": {"code": dataset.code},
    }


def _request(client, rule: Rule, url: str):
    if rule.method == "post":
        today = timezone.localdate().strftime("%d/%m/%Y")
        return client.post(url, {k: v.replace("{today}", today) for k, v in rule.data.items()})
    return client.get(url)


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_anonymous_visitors_are_sent_to_sign_in(client, world, name):
    rule = ACCESS[name]
    response = _request(client, rule, reverse(name, kwargs=world[rule.kwargs]))
    if rule.public:
        assert response.status_code in rule.ok_status
    else:
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", sorted(n for n, r in ACCESS.items() if r.denied))
def test_personas_without_the_right_get_404(world, personas, as_user, name):
    rule = ACCESS[name]
    url = reverse(name, kwargs=world[rule.kwargs])
    for persona in rule.denied:
        response = _request(as_user(getattr(personas, persona)), rule, url)
        assert response.status_code == 404, (name, persona, response.status_code)


@pytest.mark.parametrize("name", sorted(n for n, r in ACCESS.items() if not r.public))
def test_the_right_persona_gets_in(world, personas, as_user, name):
    rule = ACCESS[name]
    url = reverse(name, kwargs=world[rule.kwargs])
    users = (
        list(personas.all().values())
        if rule.allowed == SIGNED_IN_ANYONE
        else [world["root"] if rule.allowed == "root" else getattr(personas, rule.allowed)]
    )
    for user in users:
        response = _request(as_user(user), rule, url)
        assert response.status_code in rule.ok_status, (name, user.username, response.status_code)


@pytest.mark.parametrize(
    "name",
    sorted(
        n
        for n, r in ACCESS.items()
        if not r.public
        and r.kwargs
        in {
            "case",
            "event",
            "consent",
            "document",
            "org",
            "member",
            "session",
            "request",
            "reply",
            "returnee",
            "tracing",
            "facility",
            "room",
            "bed",
            "stay",
            "planned",
            "plan",
            "visit",
            "instalment",
            "closure",
            "service",
            "referral",
            "outside",
            "transfer",
            "course",
            "tsession",
            "participation",
            "release",
            "download",
            "dataset",
            "import",
            "submission",
            "token",
        }
    ),
)
def test_a_missing_record_answers_exactly_like_a_forbidden_one(world, personas, as_user, name):
    rule = ACCESS[name]
    kwargs = {k: uuid.uuid4() for k in world[rule.kwargs]}
    allowed = world["root"] if rule.allowed == "root" else getattr(personas, rule.allowed)
    missing = _request(as_user(allowed), rule, reverse(name, kwargs=kwargs))
    assert missing.status_code == 404
    if rule.denied:
        forbidden = _request(
            as_user(getattr(personas, rule.denied[0])), rule, reverse(name, kwargs=world[rule.kwargs])
        )
        assert forbidden.status_code == 404
        assert _strip_csrf(forbidden.content) == _strip_csrf(missing.content)


def _strip_csrf(content: bytes) -> str:
    import re

    text = content.decode()
    text = re.sub(r'value="[A-Za-z0-9]{32,}"', "", text)
    text = re.sub(r'"X-CSRFToken": "[A-Za-z0-9]+"', "", text)
    text = re.sub(r"Sign out \([^)]*\)", "", text)
    text = re.sub(r'<input name="next" type="hidden" value="[^"]*">', "", text)
    return re.sub(r'<nav class="container main-nav".*?</nav>', "", text, flags=re.S)
