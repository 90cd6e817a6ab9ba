"""One error shape for every API error: ``{"error": {"status", "code", "message", "fields"}}``, translated, and
never a trace or a record's details. A record the caller may not see answers 404, like one that does not exist."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from homeward.cases.services import PermissionDenied404

MESSAGES = {
    404: lambda: _("Not found."),
    401: lambda: _("Give a valid API token: Authorization: Token hw_…"),
    403: lambda: _("Not found."),
    405: lambda: _("This method is not allowed here."),
    429: lambda: _("Too many requests: wait a little and try again."),
}


def _fields(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    return {}


def handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, PermissionDenied404 | Http404 | PermissionDenied | exceptions.PermissionDenied):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's handler answers, without details
    code = response.status_code
    detail = getattr(exc, "detail", None)
    fields = _fields(detail) if code == status.HTTP_400_BAD_REQUEST else {}
    message = (
        MESSAGES[code]()
        if code in MESSAGES
        else (_("Check the values sent.") if fields else str(detail or _("The request could not be served.")))
    )
    error_code = getattr(exc, "default_code", "error")
    response.data = {"error": {"status": code, "code": error_code, "message": message, "fields": fields}}
    return response
