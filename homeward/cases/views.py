from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Organisation
from homeward.accounts.policy import can, orgs_with
from homeward.accounts.selectors import caseworkers_of
from homeward.cases import forms, selectors, services
from homeward.cases.models import Case, TraffickingEvent
from homeward.cases.picklists import ConsentPurpose
from homeward.cases.services import PermissionDenied404
from homeward.forms import client_ip
from homeward.lib.codes import is_uuid
from homeward.people.models import IDENTIFYING_FIELDS, Person
from homeward.people.services import apply_birth
from homeward.referrals.selectors import referrals_of, transfers_of
from homeward.reintegration.selectors import earlier_cases, reintegration_of

PAGE_SIZE = 25


def _ip(request: HttpRequest) -> str | None:
    return client_ip(request)


SEARCHES_KEY = "hw_searches"
SEARCHES_KEPT = 20


def _remember_search(request: HttpRequest, query: str) -> str:
    """Keep a name query in the session under a random token: names never travel in URLs or server logs."""
    searches: dict[str, str] = request.session.get(SEARCHES_KEY, {})
    token = secrets.token_urlsafe(9)
    searches[token] = query
    request.session[SEARCHES_KEY] = dict(list(searches.items())[-SEARCHES_KEPT:])
    return token


def _list_url(request: HttpRequest, data: Any) -> str:
    params = QueryDict(mutable=True)
    for key in ("status", "province", "exploitation", "gender", "mine"):
        if data.get(key):
            params[key] = data.get(key)
    query = (data.get("q") or "").strip()
    if query:
        params["s"] = _remember_search(request, query)
    return f"{reverse('cases:list')}?{params.urlencode()}" if params else reverse("cases:list")


@login_required
@require_http_methods(["GET", "POST"])
def case_list(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Cap.CASE_VIEW):
        raise Http404
    if request.method == "POST" and not request.htmx:
        return redirect(_list_url(request, request.POST), permanent=False)
    if request.method == "GET" and request.GET.get("q"):
        # A typed or old link with the name in it: move the name out of the address bar.
        return redirect(_list_url(request, request.GET))
    if request.method == "POST":
        data = request.POST.copy()
        push_url = _list_url(request, data)
    else:
        data = request.GET.copy()
        data["q"] = request.session.get(SEARCHES_KEY, {}).get(request.GET.get("s", ""), "")
        push_url = None
    form = forms.CaseFilterForm(data if (request.GET or request.POST) else None)
    filters = selectors.CaseFilters()
    if form.is_valid():
        filters = selectors.CaseFilters(**form.cleaned_data)
    cases = selectors.case_list(request.user, filters)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    services.cases_record_list(actor=request.user, cases=rows, searched=bool(filters.q), ip=_ip(request))
    params = QueryDict(push_url.partition("?")[2], mutable=True) if push_url else request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "cases": rows,
        "searched": bool(filters.q),
        "query_string": params.urlencode(),
    }
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "cases/case_list.html#results", context)
        if push_url:
            response["HX-Push-Url"] = push_url
        return response
    return render(request, "cases/case_list.html", context)


def _organisation_for_new_case(request: HttpRequest) -> Organisation:
    org_ids = orgs_with(request.user, Cap.CASE_CREATE)
    if not org_ids:
        raise Http404
    chosen = request.POST.get("organisation") or request.GET.get("organisation")
    orgs = Organisation.objects.filter(id__in=org_ids, is_active=True)
    if chosen:
        try:
            return orgs.get(code=chosen)
        except (Organisation.DoesNotExist, ValueError, ValidationError):
            raise Http404 from None
    organisation = orgs.first()
    if organisation is None:
        raise Http404
    return organisation


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    organisation = _organisation_for_new_case(request)
    person_form = forms.PersonForm(request.POST or None, prefix="person")
    case_form = forms.CaseOpenForm(
        request.POST or None, prefix="case", caseworkers=caseworkers_of(organisation.id)
    )
    if request.method == "POST":
        person_ok, case_ok = person_form.is_valid(), case_form.is_valid()
        if person_ok and case_ok:
            person: Person = person_form.save(commit=False)
            apply_birth(person, person_form.birth)
            try:
                case = services.case_open(
                    actor=request.user,
                    organisation=organisation,
                    person=person,
                    caseworker=case_form.cleaned_data["caseworker"],
                    opened_on=case_form.cleaned_data["opened_on"],
                    ip=_ip(request),
                )
            except ValidationError as exc:
                case_form.add_error(None, exc)
            except PermissionDenied404:
                raise Http404 from None
            else:
                messages.success(
                    request, _("The case %(reference)s has been opened.") % {"reference": case.reference}
                )
                return redirect("cases:detail", code=case.code)
    organisations = Organisation.objects.filter(
        id__in=orgs_with(request.user, Cap.CASE_CREATE), is_active=True
    )
    return render(
        request,
        "cases/case_create.html",
        {
            "person_form": person_form,
            "case_form": case_form,
            "organisation": organisation,
            "organisations": organisations,
        },
    )


@dataclass
class JourneyItem:
    when: datetime
    kind: str
    obj: Any


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return timezone.make_aware(datetime.combine(value, time.min))


def _journey(case: Case) -> list[JourneyItem]:
    items = [JourneyItem(_as_datetime(case.opened_on), "opened", case)]
    for event in case.events.select_related("country", "area"):
        items.append(JourneyItem(_as_datetime(event.date or event.created_at), "event", event))
    for change in case.status_changes.select_related("changed_by"):
        if change.from_status:
            items.append(JourneyItem(change.changed_at, "status", change))
    for comment in case.comments.select_related("author"):
        items.append(JourneyItem(comment.created_at, "comment", comment))
    for document in case.documents.select_related("uploaded_by"):
        items.append(JourneyItem(document.uploaded_at, "document", document))
    for consent in selectors.consents_for(case):
        items.append(JourneyItem(consent.recorded_at, "consent", consent))
    from homeward.returns.selectors import journey_for

    for step in journey_for(case):
        items.append(JourneyItem(step.when, f"return:{step.kind}", step.obj))
    items.sort(key=lambda item: item.when)
    return items


@login_required
def case_detail(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.get_case_for(request.user, code)
    services.case_record_view(actor=request.user, case=case, fields=list(IDENTIFYING_FIELDS), ip=_ip(request))
    org = case.owner_org_id
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "person": case.person,
            "victim": case.victim,
            "journey": _journey(case),
            "returnee": getattr(case, "returnee", None),  # RelatedObjectDoesNotExist is an AttributeError
            "stays": list(case.stays.select_related("facility", "bed__room").order_by("-created_at")),
            "reint": reintegration_of(case),
            "closed": case.is_closed,
            "consents": list(selectors.consents_for(case)),
            "referrals": referrals_of(case),
            "transfers": transfers_of(case),
            "comment_form": forms.CommentForm(),
            "may": {
                "edit": can(request.user, Cap.CASE_EDIT, org),
                "status": can(request.user, Cap.CASE_EDIT, org)
                and bool(_statuses_open_to(request.user, case)),
                "comment": can(request.user, Cap.CASE_COMMENT, org),
                "assign": can(request.user, Cap.CASE_ASSIGN, org),
                "consent": can(request.user, Cap.CONSENT_RECORD, org),
                "withdraw": can(request.user, Cap.CONSENT_WITHDRAW, org),
                "upload": can(request.user, Cap.DOCUMENT_UPLOAD, org),
                "documents": can(request.user, Cap.DOCUMENT_VIEW, org),
                "returns": can(request.user, Cap.CASE_VIEW, org),
                "plan_stay": can(request.user, Cap.RETURN_MANAGE, org) and not case.is_closed,
                "approve": can(request.user, Cap.PLAN_APPROVE, org),
                "link": can(request.user, Cap.CASE_EDIT, org) and earlier_cases(case).exists(),
                "refer": can(request.user, Cap.REFERRAL_SEND, org),
                "transfer": can(request.user, Cap.CASE_TRANSFER, org),
            },
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.get_case_for(request.user, code, Cap.CASE_EDIT)
    person = case.person
    form = forms.PersonForm(request.POST or None, instance=person, prefix="person")
    if request.method == "GET":
        services.case_record_view(
            actor=request.user, case=case, fields=list(IDENTIFYING_FIELDS), ip=_ip(request)
        )
    if request.method == "POST" and form.is_valid():
        updated: Person = form.save(commit=False)
        before = person.birth_date
        apply_birth(updated, form.birth)
        changed = set(form.changed_data) - {"birth_day", "birth_month", "birth_year_input", "birth_era"}
        if updated.birth_date != before:
            changed.add("birth_date")
        services.case_person_update(
            actor=request.user, case=case, person=updated, changed=changed, ip=_ip(request)
        )
        messages.success(request, _("The personal details have been saved."))
        return redirect("cases:detail", code=case.code)
    return render(request, "cases/person_edit.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def victim_edit(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.get_case_for(request.user, code, Cap.CASE_EDIT)
    form = forms.VictimForm(request.POST or None, instance=case.victim)
    if request.method == "GET":
        services.case_record_view(
            actor=request.user, case=case, fields=["vulnerability_details"], ip=_ip(request)
        )
    if request.method == "POST" and form.is_valid():
        services.case_victim_update(
            actor=request.user,
            case=case,
            victim=form.save(commit=False),
            changed=set(form.changed_data),
            ip=_ip(request),
        )
        messages.success(request, _("The trafficking context has been saved."))
        return redirect("cases:detail", code=case.code)
    return render(request, "cases/victim_edit.html", {"case": case, "form": form})


def _statuses_open_to(user: Any, case: Case) -> tuple[str, ...]:
    """The next statuses this user may move the case to: closing and reopening need the close capability."""
    closer = can(user, Cap.CASE_CLOSE, case.owner_org_id)
    return tuple(
        s
        for s in case.allowed_next_statuses()
        if closer or (s not in ("Closed", "ClosedReferred") and not case.is_closed)
    )


@login_required
@require_http_methods(["GET", "POST"])
def status_change(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.get_case_for(request.user, code, Cap.CASE_EDIT)
    allowed = _statuses_open_to(request.user, case)
    if not allowed:
        raise Http404
    form = forms.StatusForm(request.POST or None, allowed=allowed, reopening=case.is_closed)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_set_status(actor=request.user, case=case, ip=_ip(request), **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied404:
            raise Http404 from None
        else:
            messages.success(request, _("The case status has been changed."))
            return redirect("cases:detail", code=case.code)
    return render(request, "cases/status_change.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.get_case_for(request.user, code, Cap.CASE_ASSIGN)
    form = forms.AssignForm(
        request.POST or None,
        caseworkers=caseworkers_of(case.owner_org_id),
        initial={"caseworker": case.caseworker},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.case_assign(
                actor=request.user, case=case, caseworker=form.cleaned_data["caseworker"], ip=_ip(request)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The caseworker has been changed."))
            return redirect("cases:detail", code=case.code)
    return render(request, "cases/assign.html", {"case": case, "form": form})


def _event_for(case: Case, event_code: str) -> TraffickingEvent:
    try:
        return case.events.get(code=event_code)
    except (TraffickingEvent.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, code: str, event_code: str | None = None) -> HttpResponse:
    case = selectors.get_case_for(request.user, code, Cap.CASE_EDIT)
    event = _event_for(case, event_code) if event_code else None
    form = forms.EventForm(request.POST or None, instance=event)
    if request.method == "GET" and event is not None:
        services.case_record_view(
            actor=request.user, case=case, fields=["city", "description"], ip=_ip(request)
        )
    if request.method == "POST" and form.is_valid():
        services.event_save(actor=request.user, case=case, event=form.save(commit=False), ip=_ip(request))
        messages.success(request, _("The event has been saved."))
        return redirect("cases:detail", code=case.code)
    return render(request, "cases/event_edit.html", {"case": case, "form": form, "event": event})


@login_required
@require_POST
def event_delete(request: HttpRequest, code: str, event_code: str) -> HttpResponse:
    case = selectors.get_case_for(request.user, code, Cap.CASE_EDIT)
    services.event_delete(actor=request.user, case=case, event=_event_for(case, event_code), ip=_ip(request))
    messages.success(request, _("The event has been removed."))
    return redirect("cases:detail", code=case.code)


@login_required
@require_POST
def comment_add(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.get_case_for(request.user, code, Cap.CASE_COMMENT)
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        comment = services.comment_add(
            actor=request.user, case=case, body=form.cleaned_data["body"], ip=_ip(request)
        )
        if request.htmx:
            return render(
                request,
                "cases/case_detail.html#comment-added",
                {
                    "case": case,
                    "item": JourneyItem(comment.created_at, "comment", comment),
                    "comment_form": forms.CommentForm(),
                },
            )
        messages.success(request, _("Your comment has been added."))
        return redirect("cases:detail", code=case.code)
    if request.htmx:
        return render(
            request, "cases/case_detail.html#comment-form", {"case": case, "comment_form": form}, status=422
        )
    return render(request, "cases/comment_error.html", {"case": case, "form": form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def consent_add(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.get_case_for(request.user, code, Cap.CONSENT_RECORD)
    others = Organisation.objects.filter(is_active=True).exclude(id=case.owner_org_id)
    # A referral or transfer page links here to record the consent to share with one organisation.
    initial: dict[str, Any] = {}
    shared_with = (
        others.filter(code=request.GET.get("shared_with", "")).first()
        if is_uuid(request.GET.get("shared_with", ""))
        else None
    )
    if shared_with is not None:
        initial = {"purpose": ConsentPurpose.SHARING, "shared_with": shared_with}
    form = forms.ConsentForm(request.POST or None, initial=initial)
    form.fields["shared_with"].queryset = others
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(
                actor=request.user, case=case, consent=form.save(commit=False), ip=_ip(request)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The consent has been recorded."))
            return redirect("cases:detail", code=case.code)
    return render(request, "cases/consent_add.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, code: str, consent_code: str) -> HttpResponse:
    case = selectors.get_case_for(request.user, code, Cap.CONSENT_WITHDRAW)
    try:
        consent = case.consents.get(code=consent_code)
    except (ValueError, ValidationError, case.consents.model.DoesNotExist):
        raise Http404 from None
    form = forms.WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(
                actor=request.user,
                case=case,
                consent=consent,
                reason=form.cleaned_data["reason"],
                ip=_ip(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The withdrawal of consent has been recorded."))
            return redirect("cases:detail", code=case.code)
    return render(request, "cases/consent_withdraw.html", {"case": case, "consent": consent, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def document_upload(request: HttpRequest, code: str) -> HttpResponse:
    case = selectors.get_case_for(request.user, code, Cap.DOCUMENT_UPLOAD)
    form = forms.DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        from django.conf import settings

        if upload.size > settings.MAX_UPLOAD_BYTES:
            form.add_error(
                "file",
                _("The file is larger than %(limit)s MB.")
                % {"limit": settings.MAX_UPLOAD_BYTES // (1024 * 1024)},
            )
        else:
            try:
                services.document_upload(
                    actor=request.user,
                    case=case,
                    kind=form.cleaned_data["kind"],
                    title=form.cleaned_data["title"],
                    data=upload.read(),
                    ip=_ip(request),
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                messages.success(request, _("The document has been uploaded and encrypted."))
                return redirect("cases:detail", code=case.code)
    return render(request, "cases/document_upload.html", {"case": case, "form": form})


@login_required
def document_download(request: HttpRequest, code: str, document_code: str) -> HttpResponse:
    case = selectors.get_case_for(request.user, code, Cap.DOCUMENT_VIEW)
    document = selectors.get_document_for(request.user, case, document_code)
    data = services.document_read(actor=request.user, case=case, document=document, ip=_ip(request))
    response = HttpResponse(data, content_type=document.content_type)
    # The file name carries no identifying data: the document's random code and its checked extension.
    response["Content-Disposition"] = f'attachment; filename="document-{document.code}.{document.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
