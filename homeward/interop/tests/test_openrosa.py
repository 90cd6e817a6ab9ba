"""Offline capture: the OpenRosa server as ODK Collect speaks to it (phone passwords, form list, form download,
HEAD then multipart submission, duplicates), bad submissions refused with nothing written, and the intake queue
where submissions become cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeward.audit.models import AuditEvent
from homeward.cases.models import Case
from homeward.interop import intake, intake_form, openrosa
from homeward.interop.models import DeviceCredential, Submission, SubmissionStatus
from homeward.interop.tests.openrosa_helpers import (
    ODK_HEADERS,
    basic,
    intake_instance,
    multipart,
    post_submission,
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<data id="homeward_intake"><prs_FirstName>&lol3;</prs_FirstName></data>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE data [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<data id="homeward_intake"><prs_FirstName>&x;</prs_FirstName></data>"""


@pytest.fixture
def phone(personas):
    """Alice's phone password, as she would type it into ODK Collect."""
    return basic("alice", intake.device_password_create(actor=personas.alice))


def test_the_committed_intake_form_is_what_homeward_builds():
    from homeward.interop.intake_form import OUT, build, cells

    assert cells(OUT.read_bytes()) == cells(build()), "run `homeward intake-form` and commit the file"


def test_both_forms_convert_with_pyxform():
    intake_xform = openrosa.form("homeward_intake")
    assert intake_xform.version == intake_form.VERSION and b'id="homeward_intake"' in intake_xform.xml
    assert "ສ" in intake_xform.xml.decode() or "ຊື່" in intake_xform.xml.decode()  # Lao labels
    htcds_xform = openrosa.form("htcds_xlsform")
    assert b"prs_First_Name" in htcds_xform.xml and htcds_xform.version


# ---- authentication -----------------------------------------------------------------------------------------
def test_every_endpoint_asks_phones_to_sign_in(client, personas):
    for url in ("/openrosa/formList", "/openrosa/forms/homeward_intake/form.xml", "/openrosa/submission"):
        response = client.get(url, **ODK_HEADERS)
        assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")
        assert response["X-OpenRosa-Version"] == "1.0"
    body, content_type = multipart(intake_instance())
    response = client.generic("POST", "/openrosa/submission", body, content_type=content_type)
    assert response.status_code == 401 and not Submission.objects.exists()


def test_the_sign_in_password_does_not_open_the_phone_endpoints(client, personas, phone):
    for wrong in (
        basic("alice", "alice password"),
        basic("alice", "AAAAA-AAAAA-AAAAA-AAAAA"),
        basic("bob", "x"),
    ):
        assert client.get("/openrosa/formList", **ODK_HEADERS, **wrong).status_code == 401
    assert client.get("/openrosa/formList", **ODK_HEADERS, **phone).status_code == 200


def test_only_people_who_may_open_cases_get_a_phone_password(personas):
    from homeward.cases.services import PermissionDenied404

    for who in ("olga", "tina", "dora", "petra", "nora", "rita", "oscar"):
        with pytest.raises(PermissionDenied404):
            intake.device_password_create(actor=getattr(personas, who))
    # A phone password left from a role since taken away opens nothing.
    DeviceCredential.objects.create(user=personas.dora, digest=intake._digest("ABCDEABCDEABCDEABCDE"))
    assert intake.device_user("dora", "ABCDE-ABCDE-ABCDE-ABCDE") is not None
    from django.test import Client

    response = Client().get(
        "/openrosa/formList",
        HTTP_AUTHORIZATION=basic("dora", "ABCDE-ABCDE-ABCDE-ABCDE")["HTTP_AUTHORIZATION"],
    )
    assert response.status_code == 401


def test_a_new_phone_password_replaces_the_old_and_stopping_it_locks_the_phone(client, personas):
    first = basic("alice", intake.device_password_create(actor=personas.alice))
    second = basic("alice", intake.device_password_create(actor=personas.alice))
    assert client.get("/openrosa/formList", **first).status_code == 401
    assert client.get("/openrosa/formList", **second).status_code == 200
    intake.device_password_revoke(actor=personas.alice)
    assert client.get("/openrosa/formList", **second).status_code == 401
    assert AuditEvent.objects.filter(object_type="device_password", actor=personas.alice).count() == 3


# ---- the protocol, as ODK Collect speaks it ------------------------------------------------------------------
def test_form_list_and_download(client, personas, phone):
    response = client.get("/openrosa/formList", **ODK_HEADERS, **phone)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    body = response.content.decode()
    assert 'xmlns="http://openrosa.org/xforms/xformsList"' in body
    for f in openrosa.forms():
        assert f"<formID>{f.id}</formID>" in body and f"<hash>md5:{f.md5}</hash>" in body
        assert f"http://testserver/openrosa/forms/{f.id}/form.xml" in body
    download = client.get(f"/openrosa/forms/{openrosa.forms()[0].id}/form.xml", **ODK_HEADERS, **phone)
    import hashlib

    assert hashlib.md5(download.content, usedforsecurity=False).hexdigest() == openrosa.forms()[0].md5
    assert client.get("/openrosa/forms/nope/form.xml", **phone).status_code == 404


def test_head_then_multipart_submission_then_the_same_again(client, personas, phone):
    head = client.head("/openrosa/submission", **ODK_HEADERS, **phone)
    assert head.status_code == 204
    assert int(head["X-OpenRosa-Accept-Content-Length"]) >= 1024 * 1024
    xml = intake_instance()
    first = post_submission(client, xml, phone)
    assert first.status_code == 201, first.content
    assert b'nature="submit_success"' in first.content and first["X-OpenRosa-Version"] == "1.0"
    submission = Submission.objects.get()
    assert submission.organisation == personas.org_a and submission.submitted_by == personas.alice
    assert submission.status == SubmissionStatus.PENDING and submission.form_id == "homeward_intake"
    again = post_submission(client, xml, phone)  # the phone did not hear the answer and sends it again
    assert again.status_code == 202 and Submission.objects.count() == 1
    changed = xml.replace("ສົມໃຈ".encode(), "ສົມພອນ".encode())
    assert post_submission(client, changed, phone).status_code == 409
    assert Submission.objects.count() == 1


def test_the_submission_is_encrypted_at_rest(client, personas, phone):
    from django.db import connection

    post_submission(client, intake_instance(), phone)
    with connection.cursor() as cursor:
        cursor.execute("SELECT xml FROM interop_submission")
        (stored,) = cursor.fetchone()
    assert "Somchai" not in stored and "ສົມໃຈ" not in stored


@pytest.mark.parametrize(
    ("body", "status", "code_fragment"),
    [
        (b"<data id='homeward_intake'><prs_FirstName>unclosed", 400, b"not well-formed"),
        (BILLION_LAUGHS, 400, b"not well-formed"),
        (EXTERNAL_ENTITY, 400, b"not well-formed"),
        (
            b"<data id='some_other_form' version='1'><meta><instanceID>uuid:1</instanceID></meta></data>",
            404,
            b"",
        ),
        (b"not xml at all", 400, b""),
        (
            '<?xml version="1.0" encoding="ISO-8859-1"?><data id="homeward_intake">\xe9</data>'.encode(
                "latin-1"
            ),
            400,
            b"",
        ),
    ],
)
def test_bad_submissions_are_refused_and_nothing_is_written(
    client, personas, phone, body, status, code_fragment
):
    response = post_submission(client, body, phone)
    assert response.status_code == status
    assert code_fragment in response.content
    assert not Submission.objects.exists()


def test_an_old_form_version_and_a_missing_instance_id_are_refused(client, personas, phone):
    old = post_submission(client, intake_instance(version="2020010101"), phone)
    assert old.status_code == 409 and b"old version of the form" in old.content
    no_id = (
        intake_instance()
        .replace(b"<meta><instanceID>", b"<meta><other>")
        .replace(b"</instanceID></meta>", b"</other></meta>")
    )
    assert post_submission(client, no_id, phone).status_code == 400
    assert not Submission.objects.exists()


def test_wrong_content_types_and_sizes_are_refused(client, personas, phone, settings):
    xml = intake_instance()
    assert (
        client.generic("POST", "/openrosa/submission", xml, content_type="text/xml", **phone).status_code
        == 415
    )
    body, content_type = multipart(xml)
    no_part = body.replace(b'name="xml_submission_file"', b'name="something_else"')
    assert (
        client.generic(
            "POST", "/openrosa/submission", no_part, content_type=content_type, **phone
        ).status_code
        == 400
    )
    settings.OPENROSA_MAX_BYTES = 64 * 1024
    big = intake_instance({"cco_CaseComment": "x" * 70_000})
    assert post_submission(client, big, phone).status_code == 413
    assert client.put("/openrosa/submission", **phone).status_code == 405
    assert not Submission.objects.exists()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.binary(max_size=400),
        st.text(max_size=400).map(lambda t: f"<data id='homeward_intake'>{t}</data>".encode()),
    )
)
def test_any_body_gets_an_answer_and_never_a_server_error(client, personas, phone, body):
    before = Submission.objects.count()
    response = post_submission(client, body, phone)
    assert response.status_code in (201, 400, 404, 409)
    assert Submission.objects.count() == before + (1 if response.status_code == 201 else 0)


def test_the_conformance_of_a_real_exchange_against_the_running_server(server, personas, phone):
    """Over HTTP, as ODK Collect does: form list, download, HEAD, then the multipart POST."""
    import urllib.error
    import urllib.request

    headers = {"X-OpenRosa-Version": "1.0", "Authorization": phone["HTTP_AUTHORIZATION"]}

    def call(method: str, path: str, body: bytes | None = None, extra: dict | None = None):
        request = urllib.request.Request(  # noqa: S310 - the test's own server, over http
            server + path, data=body, method=method, headers={**headers, **(extra or {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the test's own server
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    status, response_headers, body = call("GET", "/openrosa/formList")
    assert status == 200 and response_headers["X-OpenRosa-Version"] == "1.0"
    assert b"<formID>homeward_intake</formID>" in body
    status, _h, form = call("GET", "/openrosa/forms/homeward_intake/form.xml")
    assert status == 200 and form == openrosa.form("homeward_intake").xml
    status, response_headers, _b = call("HEAD", "/openrosa/submission")
    assert status == 204 and "X-OpenRosa-Accept-Content-Length" in response_headers
    payload, content_type = multipart(intake_instance())
    status, _h, answer = call("POST", "/openrosa/submission", payload, {"Content-Type": content_type})
    assert status == 201 and b"submit_success" in answer
    assert Submission.objects.count() == 1


# ---- the intake queue ----------------------------------------------------------------------------------------
def received(personas, answers=None, user=None) -> Submission:
    return intake.submission_receive(user=user or personas.alice, data=intake_instance(answers)).submission


def test_a_submission_becomes_a_case(personas, as_user):
    xml = intake_instance()
    submission = intake.submission_receive(user=personas.alice, data=xml).submission
    client = as_user(personas.alice)
    page = client.get(reverse("interop:intake_detail", args=[submission.code])).content.decode()
    assert "ສົມໃຈ" in page and "Open a case from it" in page
    response = client.post(reverse("interop:intake_decide", args=[submission.code]), {"action": "create"})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.code])
    person = case.person
    assert (person.given_name_lo, person.given_name_latin, person.province.code) == (
        "ສົມໃຈ",
        "Somchai",
        "LA13",
    )
    assert person.birth_date == "1999-04-12" and case.caseworker == personas.alice
    assert case.victim.exploitation_types == ["ForcedLabour", "hw_ForcedCriminality"]
    event = case.events.get()
    assert (event.type, event.country.code, event.area.code, event.date) == (
        "Exploitation",
        "TH",
        "TH-10",
        dt.date(2024, 2, 1),
    )
    assert case.comments.get().body == "Synthetic note from the field"
    assert case.consents.get().granted
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.CREATED and submission.case == case and submission.xml == ""
    # Sent again from the phone afterwards: "already received", never a second case.
    again = intake.submission_receive(user=personas.alice, data=xml)
    assert not again.created and again.submission == submission
    assert Case.objects.count() == 1


def test_a_submission_is_added_to_the_case_of_someone_already_recorded(personas, as_user, open_case):
    case = open_case(
        birth_date="1999-04-12", birth_year=1999, phone=""
    )  # ພອນສະຫວັນ ແສງທອງ · Phonsavanh Saengthong
    submission = received(
        personas,
        {
            "hw_FirstNameLao": "ພອນສະຫວັນ",
            "hw_SecondNameLao": "ແສງທອງ",
            "prs_FirstName": "Phonesavanh",
            "prs_SecondName": "Sengthong",
        },
    )
    client = as_user(personas.alice)
    page = client.get(reverse("interop:intake_detail", args=[submission.code])).content.decode()
    assert case.reference in page  # flagged as possibly the same person
    response = client.post(
        reverse("interop:intake_decide", args=[submission.code]), {"action": "attach", "case": str(case.code)}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    person = case.person
    assert person.given_name_latin == "Phonsavanh"  # not overwritten
    assert person.phone == "02055550101"  # was empty: filled in
    assert case.events.filter(country__code="TH").exists()
    assert Case.objects.count() == 1
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ATTACHED and submission.case_id == case.id


def test_rejecting_erases_the_answers_and_needs_a_reason(personas, as_user):
    submission = received(personas)
    client = as_user(personas.alice)
    url = reverse("interop:intake_decide", args=[submission.code])
    client.post(url, {"action": "reject", "reason": ""})
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.PENDING
    client.post(url, {"action": "reject", "reason": "Test form sent by mistake"})
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.REJECTED and submission.xml == ""
    assert submission.reason == "Test form sent by mistake" and not Case.objects.exists()


def test_a_submission_with_problems_cannot_become_a_case(personas, as_user):
    submission = received(personas, {"prs_Gender": "", "hte_Country": "XX"})
    client = as_user(personas.alice)
    page = client.get(reverse("interop:intake_detail", args=[submission.code])).content.decode()
    assert "prs_Gender" in page and "Open a case from it" not in page
    client.post(reverse("interop:intake_decide", args=[submission.code]), {"action": "create"})
    assert not Case.objects.exists()
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.PENDING


def test_the_queue_belongs_to_the_organisation(personas, as_user):
    submission = received(personas)
    assert submission.organisation == personas.org_a
    for who in ("bob", "petra", "dora", "olga", "nora", "rita", "tina", "oscar"):
        client = as_user(getattr(personas, who))
        assert client.get(reverse("interop:intake_detail", args=[submission.code])).status_code == 404
    sam = as_user(personas.sam).get(reverse("interop:intake_list")).content.decode()
    assert str(submission.code) in sam  # a colleague of the same organisation sees it
    assert AuditEvent.objects.filter(object_type="submission", action="create").count() == 1


def test_the_phone_password_page(personas, as_user):
    client = as_user(personas.alice)
    url = reverse("interop:device_password")
    page = client.get(url).content.decode()
    assert "http://testserver/openrosa/" in page and "homeward_intake" in page
    made = client.post(url, {"action": "create"}).content.decode()
    import re

    shown = re.search(r"<code>([A-Z0-9]{5}(?:-[A-Z0-9]{5}){3})</code>", made).group(1)
    assert intake.device_user("alice", shown) == personas.alice
    assert shown not in client.get(url).content.decode()  # shown once only
    client.post(url, {"action": "revoke"})
    assert intake.device_user("alice", shown) is None
