from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from homeward.accounts.capabilities import Cap
from homeward.accounts.policy import can
from homeward.audit.models import Action
from homeward.audit.selectors import audit_events_visible_to


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("Any")), *Action.choices])
    user = forms.CharField(label=_("Username"), required=False, max_length=150)
    record = forms.UUIDField(label=_("Code of a case or record"), required=False)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Cap.AUDIT_VIEW):
        raise Http404
    form = AuditFilterForm(request.GET or None)
    events = audit_events_visible_to(request.user)
    if form.is_valid():
        if form.cleaned_data["action"]:
            events = events.filter(action=form.cleaned_data["action"])
        if form.cleaned_data["user"]:
            events = events.filter(actor_label__iexact=form.cleaned_data["user"])
        if form.cleaned_data["record"]:
            # object_codes is a JSON list; a plain text match works on SQLite and PostgreSQL alike.
            events = events.filter(object_codes__icontains=str(form.cleaned_data["record"]))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "audit/log.html", {"form": form, "page": page, "query_string": params.urlencode()})
