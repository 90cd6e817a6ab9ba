"""The REST API: personal tokens, the same policy and audit as the web pages for every persona, one error shape,
pagination and filters, an OpenAPI schema that holds, and schemathesis finding no server error or schema
violation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from schemathesis.checks import ignored_auth

from homeward.api import services
from homeward.api.models import ApiToken
from homeward.audit.models import AuditEvent

ALL = ("alice", "sam", "olga", "tina", "dora", "bob", "petra", "nora", "rita", "oscar")
CASE_VIEWERS = {"alice", "sam", "dora"}  # case.view in organisation A


def token_for(user) -> str:
    return services.token_create(actor=user, name="test")[1]


def api(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {raw}")


@pytest.fixture
def tokens(personas):
    out = {}
    for name in ALL:
        if name == "oscar":
            continue  # no organisation: may not make a token (tested below)
        out[name] = token_for(getattr(personas, name))
    return out


def test_without_a_valid_token_every_endpoint_answers_401_in_one_shape(client, personas, open_case):
    case = open_case()
    raw = token_for(personas.alice)
    for url in ("/api/v1/cases/", f"/api/v1/cases/{case.code}/", "/api/v1/services/"):
        for who in (
            client,
            api("hw_not-a-token"),
            api(raw[:-2] + "xx"),
            Client(HTTP_AUTHORIZATION=f"Bearer {raw}"),
        ):
            response = who.get(url)
            assert response.status_code == 401, (url, response.content)
            error = response.json()["error"]
            assert error["status"] == 401 and error["message"] and error["fields"] == {}
            assert response["WWW-Authenticate"] == "Token"
    # A web session does not open the API.
    from homeward.conftest import sign_in

    assert sign_in(Client(), personas.alice).get("/api/v1/cases/").status_code == 401


def test_cases_for_every_persona(personas, tokens, open_case):
    mine = open_case()
    theirs = open_case(actor=personas.bob, org=personas.org_b)
    for name, raw in tokens.items():
        listing = api(raw).get("/api/v1/cases/")
        assert listing.status_code == 200, name
        codes = [c["code"] for c in listing.json()["results"]]
        assert codes == (
            [str(mine.code)] if name in CASE_VIEWERS else [str(theirs.code)] if name == "bob" else []
        )
        detail = api(raw).get(f"/api/v1/cases/{mine.code}/")
        assert detail.status_code == (200 if name in CASE_VIEWERS else 404), name
        if detail.status_code == 404:
            assert detail.json()["error"]["message"]
    body = api(tokens["alice"]).get(f"/api/v1/cases/{mine.code}/").json()
    assert (
        body["person"]["given_name_latin"] == "Phonsavanh" and body["person"]["given_name_lo"] == "ພອນສະຫວັນ"
    )
    assert body["reference"] == mine.reference and body["victim"]["trafficking_status"]


def test_a_missing_case_and_a_forbidden_one_answer_alike(personas, tokens, open_case):
    import uuid

    theirs = open_case(actor=personas.bob, org=personas.org_b)
    forbidden = api(tokens["alice"]).get(f"/api/v1/cases/{theirs.code}/")
    missing = api(tokens["alice"]).get(f"/api/v1/cases/{uuid.uuid4()}/")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()


def test_reads_are_audited_like_the_pages(personas, tokens, open_case):
    case = open_case()
    before = AuditEvent.objects.count()
    api(tokens["alice"]).get("/api/v1/cases/")
    listed = AuditEvent.objects.order_by("-seq").first()
    assert (
        listed.action == "list" and listed.object_codes == [str(case.code)] and listed.actor == personas.alice
    )
    api(tokens["alice"]).get(f"/api/v1/cases/{case.code}/")
    viewed = AuditEvent.objects.order_by("-seq").first()
    assert viewed.action == "view" and str(case.person.code) in viewed.object_codes
    assert "given_name_lo" in viewed.fields
    assert AuditEvent.objects.count() == before + 2


def test_filters_pagination_and_bad_parameters(personas, tokens, open_case):
    from homeward.cases.services import case_set_status

    cases = [open_case() for _n in range(5)]
    case_set_status(actor=personas.sam, case=cases[0], to_status="Closed", closure_reason="hw_MovedAway")
    client = api(tokens["alice"])
    assert client.get("/api/v1/cases/", {"status": "closed"}).json()["count"] == 1
    assert client.get("/api/v1/cases/", {"status": "open"}).json()["count"] == 4
    page = client.get("/api/v1/cases/", {"page_size": 2}).json()
    assert page["count"] == 5 and len(page["results"]) == 2 and page["next"]
    today = timezone.localdate()
    assert (
        client.get("/api/v1/cases/", {"opened_after": (today + dt.timedelta(days=1)).isoformat()}).json()[
            "count"
        ]
        == 0
    )
    bad = client.get("/api/v1/cases/", {"status": "Lost"})
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]
    bad_date = client.get("/api/v1/cases/", {"opened_after": "31/12/2024"})
    assert bad_date.status_code == 400 and "opened_after" in bad_date.json()["error"]["fields"]
    assert client.get("/api/v1/cases/", {"page": 99}).status_code == 404
    assert client.post("/api/v1/cases/", {}, content_type="application/json").status_code == 405


def test_the_service_directory_for_the_network(personas, tokens):
    from homeward.referrals.tests.helpers import service

    entry = service(personas)
    for name, raw in tokens.items():
        listing = api(raw).get("/api/v1/services/")
        assert listing.status_code == 200, name  # every persona with an organisation works in the network
        assert [s["code"] for s in listing.json()["results"]] == [str(entry.code)]
    assert api(tokens["nora"]).get(f"/api/v1/services/{entry.code}/").json()["name"] == entry.name
    assert api(tokens["nora"]).get("/api/v1/services/", {"category": "nope"}).status_code == 400
    assert api(tokens["nora"]).get("/api/v1/services/", {"province": "XX99"}).json()["count"] == 0


def test_people_only_for_those_who_see_their_cases(personas, tokens, open_case):
    case = open_case()
    url = f"/api/v1/people/{case.person.code}/"
    for name, raw in tokens.items():
        response = api(raw).get(url)
        assert response.status_code == (200 if name in CASE_VIEWERS else 404), name
    body = api(tokens["alice"]).get(url).json()
    assert body["given_name_lo"] == "ພອນສະຫວັນ" and body["cases"] == [str(case.code)]
    assert "owner_org" not in body and "id" not in body
    viewed = AuditEvent.objects.filter(action="view", actor=personas.alice).order_by("-seq").first()
    assert viewed is not None and str(case.person.code) in viewed.object_codes


def test_plans_visits_and_referrals_of_a_case(personas, tokens, open_case):
    from homeward.referrals.tests.helpers import consent_to_share, refer, service
    from homeward.reintegration import services as reint
    from homeward.reintegration.models import ReintegrationPlan

    case = open_case()
    plan = reint.plan_save(
        actor=personas.alice,
        case=case,
        plan=ReintegrationPlan(objectives="Synthetic: a shop", types=["Livelihood"]),
    )
    consent_to_share(personas, case, personas.org_p)
    referral = refer(personas, case, service(personas))
    for name, raw in tokens.items():
        for part in ("plans", "visits", "referrals"):
            response = api(raw).get(f"/api/v1/cases/{case.code}/{part}/")
            assert response.status_code == (200 if name in CASE_VIEWERS else 404), (name, part)
    client = api(tokens["alice"])
    plans = client.get(f"/api/v1/cases/{case.code}/plans/").json()
    assert [p["code"] for p in plans] == [str(plan.code)] and plans[0]["objectives"] == "Synthetic: a shop"
    audited = (
        AuditEvent.objects.filter(object_type="reintegration_plan", action="view").order_by("-seq").first()
    )
    assert audited is not None and str(plan.code) in audited.object_codes and audited.actor == personas.alice
    # One audit event for each read by the three who may see the case, and none for the others.
    assert (
        AuditEvent.objects.filter(object_type="reintegration_plan", action="view").count()
        == len(CASE_VIEWERS) + 1
    )
    assert [r["code"] for r in client.get(f"/api/v1/cases/{case.code}/referrals/").json()] == [
        str(referral.code)
    ]
    assert client.get(f"/api/v1/cases/{case.code}/visits/").json() == []


def test_return_requests_and_training(personas, tokens):
    from homeward.returns.tests.journey import build
    from homeward.training.tests.helpers import course, session

    journey = build(personas)
    held = session(personas, course(personas))
    for name, raw in tokens.items():
        listing = api(raw).get("/api/v1/returns/")
        codes = [r["code"] for r in listing.json()["results"]]
        assert (str(journey.request.code) in codes) == (name in CASE_VIEWERS), name
        detail = api(raw).get(f"/api/v1/returns/{journey.request.code}/")
        assert detail.status_code == (200 if name in CASE_VIEWERS else 404), name
        assert api(raw).get("/api/v1/training/sessions/").json()["results"][0]["code"] == str(held.code)
        assert api(raw).get(f"/api/v1/training/courses/{held.course.code}/").status_code == 200
    request = api(tokens["alice"]).get(f"/api/v1/returns/{journey.request.code}/").json()
    assert {r["case_reference"] for r in request["returnees"]} == {
        r.case.reference for r in journey.request.returnees.all()
    }


def test_tokens_are_personal_expire_and_can_be_revoked(personas, client):
    from homeward.cases.services import PermissionDenied404

    with pytest.raises(PermissionDenied404):
        services.token_create(actor=personas.oscar, name="x")
    token, raw = services.token_create(actor=personas.alice, name="figures")
    assert token.digest != raw and raw not in token.digest and token.prefix in raw
    assert api(raw).get("/api/v1/cases/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api(raw).get("/api/v1/cases/").status_code == 401
    token2, raw2 = services.token_create(actor=personas.alice, name="again")
    with pytest.raises(PermissionDenied404):
        services.token_revoke(actor=personas.bob, token=token2)
    services.token_revoke(actor=personas.alice, token=token2)
    assert api(raw2).get("/api/v1/cases/").status_code == 401
    sams = token_for(personas.sam)
    assert api(sams).get("/api/v1/cases/").status_code == 200
    personas.sam.is_active = False  # a deactivated account's tokens stop with it
    personas.sam.save()
    assert api(sams).get("/api/v1/cases/").status_code == 401


def test_the_tokens_page(personas, as_user):
    client = as_user(personas.alice)
    page = client.post(reverse("api:tokens"), {"name": "Monthly figures"}).content.decode()
    token = ApiToken.objects.get(user=personas.alice)
    import re

    raw = re.search(r"<code>(hw_[A-Za-z0-9_-]+)</code>", page).group(1)
    found = services.token_user(raw)
    assert found is not None and found[0] == personas.alice
    assert raw not in client.get(reverse("api:tokens")).content.decode()
    client.post(reverse("api:token_revoke", args=[token.code]))
    assert services.token_user(raw) is None
    assert "Say what the token is for." in client.post(reverse("api:tokens"), {"name": " "}).content.decode()


def test_the_schema_and_its_documentation_page(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.") and "/api/v1/cases/" in document["paths"]
    assert document["components"]["securitySchemes"]["token"]["in"] == "header"
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn" not in docs.content.lower()  # the Swagger UI files are served from here


def test_schemathesis_finds_no_server_error_and_no_schema_violation(personas, open_case):
    """Every operation of the schema called with generated parameters, as alice: the answers must be 2xx/4xx and
    match the schema (schemathesis' own checks)."""
    import schemathesis
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from hypothesis import HealthCheck
    from hypothesis import settings as hsettings
    from schemathesis.checks import not_a_server_error

    from homeward.wsgi import application

    open_case()
    raw = token_for(personas.alice)
    # As Django's test client does: requests served in-process must not close the test's own connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        _run_schemathesis(schemathesis, application, raw, not_a_server_error, HealthCheck, hsettings)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _run_schemathesis(schemathesis, application, raw, not_a_server_error, HealthCheck, hsettings) -> None:
    from hypothesis import given

    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    failures = []
    called: dict[str, int] = {}
    operations = 0
    for result in schema.get_all_operations():
        operations += 1
        operation = result.ok()
        _exercise(
            operation,
            given(operation.as_strategy()),
            raw,
            called,
            failures,
            not_a_server_error,
            hsettings,
            HealthCheck,
        )
    assert failures == [], "\n".join(f"{label}: {error}" for label, error in failures[:6])
    assert len(called) == operations and min(called.values()) >= 5, called  # every operation, many times


def _exercise(
    operation, given_strategy, raw, called, failures, not_a_server_error, hsettings, HealthCheck
) -> None:
    label = operation.label

    @hsettings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given_strategy
    def run(case):
        response = case.call(headers={"Authorization": f"Token {raw}"})
        called[label] = called.get(label, 0) + 1
        try:
            # Every default check (no server error, status codes, content types, headers and bodies that
            # match the schema...) but "ignored auth": the test always sends alice's valid token.
            case.validate_response(response, excluded_checks=[ignored_auth])
        except Exception as error:  # collected, so that the report names every failing operation
            failures.append((label, str(error)[:300]))

    run()
