"""The OpenRosa endpoints (form list, form download, submission) for ODK Collect, KoboCollect and Enketo, the
page where a person makes the password their phone uses, and the intake queue."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import MemoryFileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from homeward.accounts.capabilities import Cap
from homeward.accounts.policy import orgs_with
from homeward.cases.selectors import get_case_for
from homeward.cases.services import PermissionDenied404
from homeward.forms import client_ip
from homeward.interop import intake, openrosa, selectors
from homeward.interop.htcds import InputError
from homeward.interop.models import DeviceCredential, SubmissionStatus

REALM = 'Basic realm="Homeward", charset="UTF-8"'


def _openrosa(body: str, status: int = 200, content_type: str = "text/xml; charset=utf-8") -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=content_type)
    response["X-OpenRosa-Version"] = openrosa.OPENROSA_VERSION
    response["Date"] = http_date()
    return response


def _challenge() -> HttpResponse:
    response = _openrosa(openrosa.response(_("Sign in with your user name and your phone password.")), 401)
    response["WWW-Authenticate"] = REALM
    return response


def _device_user(request: HttpRequest) -> Any | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        username, _sep, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user = intake.device_user(username, password)
    if user is None or not orgs_with(user, Cap.CASE_CREATE):
        return None
    return user


@csrf_exempt
def form_list(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return _openrosa(openrosa.response(_("Use GET.")), 405)
    if _device_user(request) is None:
        return _challenge()

    def download_url(form_id: str) -> str:
        return request.build_absolute_uri(reverse("openrosa:form_download", args=[form_id]))

    return _openrosa(openrosa.form_list(download_url))


@csrf_exempt
def form_download(request: HttpRequest, form_id: str) -> HttpResponse:
    if _device_user(request) is None:
        return _challenge()
    if form_id not in openrosa.FORM_FILES:
        return _openrosa(openrosa.response(_("There is no such form.")), 404)
    return _openrosa(openrosa.form(form_id).xml.decode("utf-8"))


class _SubmissionUploadHandler(MemoryFileUploadHandler):
    """Keeps a submission in memory (it is never written to disk unencrypted) and stops reading at the OpenRosa
    limit, whatever the request's length said."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.received = 0
        self.too_large = False

    def handle_raw_input(
        self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding: Any = None
    ) -> None:
        self.activated = True

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.OPENROSA_MAX_BYTES:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)


@csrf_exempt  # phones send no CSRF token; they authenticate every request with their password
def submission(request: HttpRequest) -> HttpResponse:
    limit = settings.OPENROSA_MAX_BYTES
    if request.method == "HEAD" or request.method == "GET":
        if _device_user(request) is None:
            return _challenge()
        response = _openrosa("", 204)
        response["X-OpenRosa-Accept-Content-Length"] = str(limit)
        response["Location"] = request.build_absolute_uri(reverse("openrosa:submission"))
        return response
    if request.method != "POST":
        return _openrosa(openrosa.response(_("Use POST.")), 405)
    user = _device_user(request)
    if user is None:
        return _challenge()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = limit + 1
    if length > limit:
        return _openrosa(
            openrosa.response(
                _("The submission is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024)}
            ),
            413,
        )
    if not request.content_type.startswith("multipart/form-data"):
        return _openrosa(openrosa.response(_("Send the submission as multipart/form-data.")), 415)
    handler = _SubmissionUploadHandler(request)
    request.upload_handlers = [handler]
    upload = request.FILES.get("xml_submission_file")
    if handler.too_large:
        return _openrosa(
            openrosa.response(
                _("The submission is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024)}
            ),
            413,
        )
    if upload is None:
        return _openrosa(openrosa.response(_("The submission has no xml_submission_file part.")), 400)
    try:
        received = intake.submission_receive(user=user, data=upload.read(), ip=client_ip(request))
    except PermissionDenied404:
        return _challenge()
    except openrosa.SubmissionError as error:
        return _openrosa(openrosa.response(str(error)), error.status)
    if not received.created:
        return _openrosa(openrosa.response(_("This form was already received."), "submit_success"), 202)
    return _openrosa(
        openrosa.response(
            _("Received. It waits in the intake queue of %(organisation)s.")
            % {"organisation": received.submission.organisation},
            "submit_success",
        ),
        201,
    )


# ---- the phone password page ---------------------------------------------------------------------------------
@login_required
def device_password(request: HttpRequest) -> HttpResponse:
    if not orgs_with(request.user, Cap.CASE_CREATE):
        raise Http404
    new_password = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            intake.device_password_revoke(actor=request.user, ip=client_ip(request))
            messages.success(request, _("The phone password no longer works."))
            return redirect("interop:device_password")
        new_password = intake.device_password_create(actor=request.user, ip=client_ip(request))
    credential = DeviceCredential.objects.filter(user=request.user).first()
    response = render(
        request,
        "interop/device_password.html",
        {
            "credential": credential,
            "new_password": new_password,
            "server_url": request.build_absolute_uri(reverse("openrosa:form_list")).removesuffix("formList"),
            "forms": openrosa.forms(),
        },
    )
    return response


# ---- the intake queue ----------------------------------------------------------------------------------------
@login_required
def intake_list(request: HttpRequest) -> HttpResponse:
    if not orgs_with(request.user, Cap.CASE_CREATE):
        raise Http404
    show = request.GET.get("show", "pending")
    queue = selectors.intake_queue(request.user)
    if show == "pending":
        queue = queue.filter(status=SubmissionStatus.PENDING)
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "interop/intake_list.html",
        {"page": page, "submissions": page.object_list, "show": show, "query_string": f"show={show}"},
    )


@login_required
def intake_detail(request: HttpRequest, code: str) -> HttpResponse:
    submission = selectors.get_submission_for(request.user, code)
    reading = None
    if submission.status == SubmissionStatus.PENDING:
        try:
            reading = intake.submission_read(actor=request.user, submission=submission, ip=client_ip(request))
        except PermissionDenied404:
            raise Http404 from None
    return render(
        request,
        "interop/intake_detail.html",
        {
            "submission": submission,
            "reading": reading,
            "summary": intake.summary(reading.row) if reading else [],
            "may_attach": intake.may_attach(request.user, submission),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def intake_decide(request: HttpRequest, code: str) -> HttpResponse:
    submission = selectors.get_submission_for(request.user, code)
    action = request.POST.get("action")
    ip = client_ip(request)
    try:
        if action == "create":
            case = intake.intake_create(actor=request.user, submission=submission, ip=ip)
            messages.success(request, _("Case %(reference)s opened.") % {"reference": case.reference})
            return redirect("cases:detail", code=case.code)
        if action == "attach":
            case = get_case_for(request.user, request.POST.get("case"), Cap.CASE_EDIT)
            filled = intake.intake_attach(actor=request.user, submission=submission, case=case, ip=ip)
            messages.success(
                request,
                _("Added to case %(reference)s (%(count)s empty fields filled in).")
                % {"reference": case.reference, "count": len(filled)},
            )
            return redirect("cases:detail", code=case.code)
        if action == "reject":
            intake.intake_reject(
                actor=request.user, submission=submission, reason=request.POST.get("reason", ""), ip=ip
            )
            messages.success(request, _("The submission was rejected and its answers erased."))
            return redirect("interop:intake_list")
    except PermissionDenied404:
        raise Http404 from None
    except (InputError, ValidationError) as error:
        messages.error(request, error.messages[0] if isinstance(error, ValidationError) else str(error))
    return redirect("interop:intake_detail", code=submission.code)
