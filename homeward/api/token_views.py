"""The page where a person makes and revokes their API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from homeward.accounts.policy import capabilities_by_org
from homeward.api import services
from homeward.api.models import ApiToken
from homeward.forms import client_ip


def _member(request: HttpRequest) -> None:
    if not capabilities_by_org(request.user):
        raise Http404


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    _member(request)
    raw = ""
    error = ""
    if request.method == "POST":
        try:
            _token, raw = services.token_create(
                actor=request.user, name=request.POST.get("name", ""), ip=client_ip(request)
            )
        except ValidationError as exc:
            error = exc.messages[0]
    return render(
        request,
        "api/tokens.html",
        {
            "tokens": ApiToken.objects.filter(user=request.user),
            "raw": raw,
            "error": error,
            "lifetime": services.LIFETIME_DAYS,
        },
    )


@login_required
@require_POST
def revoke(request: HttpRequest, code: str) -> HttpResponse:
    _member(request)
    token = ApiToken.objects.filter(user=request.user, code=code).first()
    if token is None:
        raise Http404
    services.token_revoke(actor=request.user, token=token, ip=client_ip(request))
    messages.success(request, _("The token no longer works."))
    return redirect("api:tokens")
