"""Pages of the return journey: requests, tracing, replies, travel and handover."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Organisation, User
from homeward.accounts.policy import can, orgs_with
from homeward.cases.forms import PersonForm
from homeward.cases.models import Case
from homeward.cases.services import PermissionDenied404, case_record_view, cases_record_list
from homeward.forms import client_ip
from homeward.people.models import Person
from homeward.people.selectors import person_ids_matching
from homeward.people.services import apply_birth
from homeward.returns import forms, selectors, services
from homeward.returns.models import FamilyAssessment, Returnee, ReturnRequest, TravelPlan
from homeward.returns.picklists import Stage, TracingStatus

TRACING_FIELDS = ["names", "gender", "birth_date", "province", "district", "address_detail", "phone"]


def _ip(request: HttpRequest) -> str | None:
    return client_ip(request)


def _apply_errors(form: BaseForm, exc: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """Put a service's error on the form: on the field it names (``field_map`` renames a service's field to the
    form's, e.g. a date-and-time to its date box), else at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            field = (field_map or {}).get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def form_page(
    request: HttpRequest,
    form: BaseForm,
    save: Callable[[Any], Any],
    *,
    success: str,
    done_url: str,
    title: str,
    back: tuple[str, Any],
    back_label: str,
    intro: str = "",
    field_map: dict[str, str] | None = None,
) -> HttpResponse:
    """The plain form page: valid input goes to the service; its refusal lands on the form; success redirects."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except ValidationError as exc:
            _apply_errors(form, exc, field_map)
        else:
            messages.success(request, success)
            return redirect(done_url)
    return render(
        request,
        "returns/simple_form.html",
        {"form": form, "title": title, "intro": intro, "back": back, "back_label": back_label},
    )


def _org_choice(request: HttpRequest, capability: Cap) -> Organisation:
    org_ids = orgs_with(request.user, capability)
    orgs = Organisation.objects.filter(id__in=org_ids, is_active=True, is_external=False)
    chosen = request.POST.get("organisation") or request.GET.get("organisation")
    try:
        org = orgs.get(code=chosen) if chosen else orgs.first()
    except (Organisation.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    if org is None:
        raise Http404
    return org


# ---- partner agencies -------------------------------------------------------------------------------------
@login_required
def agency_list(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Cap.RETURN_MANAGE):
        raise Http404
    agencies = forms.partner_agencies().order_by("country__name_en", "name")
    return render(request, "returns/agency_list.html", {"agencies": agencies})


@login_required
@require_http_methods(["GET", "POST"])
def agency_create(request: HttpRequest) -> HttpResponse:
    org = _org_choice(request, Cap.RETURN_MANAGE)
    form = forms.AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from homeward.audit.models import Action
        from homeward.audit.services import audit_record

        agency: Organisation = form.save(commit=False)
        agency.is_external = True
        agency.save()
        audit_record(
            actor=request.user,
            action=Action.CREATE,
            object_type="organisation",
            object_codes=[agency.code],
            fields=["name", "type", "country"],
            organisation_id=org.id,
            ip=_ip(request),
        )
        messages.success(request, _("The partner agency %(name)s has been added.") % {"name": agency.name})
        next_url = request.POST.get("next", "")
        if next_url == "request":
            return redirect("returns:create")
        return redirect("returns:agencies")
    return render(request, "returns/agency_form.html", {"form": form, "next": request.GET.get("next", "")})


# ---- requests ---------------------------------------------------------------------------------------------
@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Cap.CASE_VIEW):
        raise Http404
    stage = request.GET.get("stage", "")
    requests = (
        selectors.requests_visible_to(request.user)
        .select_related("requesting_agency", "host_country", "owner_org")
        .annotate(
            people=Count("returnees"),
            open_people=Count("returnees", filter=~Q(returnees__stage__in=[Stage.HOME, Stage.CANCELLED])),
        )
        .order_by("-received_on", "-id")
    )
    if stage in Stage.values:
        # A subquery, not a join: a join on returnees would multiply the rows the counts above are made of.
        requests = requests.filter(id__in=Returnee.objects.filter(stage=stage).values("request_id"))
    stage_counts = dict(
        Returnee.objects.filter(request__owner_org_id__in=orgs_with(request.user, Cap.CASE_VIEW))
        .values_list("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
    from django.core.paginator import Paginator

    page = Paginator(requests, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "returns/request_list.html",
        {
            "page": page,
            "stage": stage,
            "stages": [(value, label, stage_counts.get(value, 0)) for value, label in Stage.choices],
            "may_create": can(request.user, Cap.RETURN_MANAGE),
            "query_string": f"stage={stage}" if stage in Stage.values else "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request: HttpRequest) -> HttpResponse:
    org = _org_choice(request, Cap.RETURN_MANAGE)
    form = forms.RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        obj: ReturnRequest = form.save(commit=False)
        obj.owner_org = org
        try:
            services.request_save(actor=request.user, request=obj, ip=_ip(request))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The return request %(reference)s has been recorded. Now add the people it is for.")
                % {"reference": obj.reference},
            )
            return redirect("returns:returnee_add", code=obj.code)
    organisations = Organisation.objects.filter(
        id__in=orgs_with(request.user, Cap.RETURN_MANAGE), is_external=False
    )
    return render(
        request,
        "returns/request_form.html",
        {"form": form, "organisation": org, "organisations": organisations, "creating": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_edit(request: HttpRequest, code: str) -> HttpResponse:
    obj = selectors.get_request_for(request.user, code, Cap.RETURN_MANAGE)
    form = forms.RequestForm(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_save(actor=request.user, request=form.save(commit=False), ip=_ip(request))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The request has been saved."))
            return redirect("returns:detail", code=obj.code)
    return render(request, "returns/request_form.html", {"form": form, "object": obj, "creating": False})


@login_required
def request_detail(request: HttpRequest, code: str) -> HttpResponse:
    obj = selectors.get_request_for(request.user, code)
    returnees = selectors.returnees_of(obj)
    cases_record_list(actor=request.user, cases=[r.case for r in returnees], searched=False, ip=_ip(request))
    stays = {
        s.case_id: s
        for s in selectors.stays_visible_to(request.user)
        .filter(case_id__in=[r.case_id for r in returnees])
        .exclude(status="cancelled")
        .select_related("facility", "bed__room")
        .order_by("created_at")
    }
    manage = can(request.user, Cap.RETURN_MANAGE, obj.owner_org_id)
    open_returnees = [r for r in returnees if r.stage != Stage.CANCELLED]
    return render(
        request,
        "returns/request_detail.html",
        {
            "object": obj,
            "rows": [(r, stays.get(r.case_id)) for r in returnees],
            "replies": obj.replies.select_related("sent_by").prefetch_related("returnees__case"),
            "may": {
                "manage": manage,
                "trace": manage
                and any(
                    not hasattr(r, "tracing") or r.tracing.status == TracingStatus.CANCELLED
                    for r in open_returnees
                ),
                "reply": manage and bool(services.reply_candidates(obj)),
                "handover": manage and any(not hasattr(r, "handover") for r in open_returnees),
            },
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def returnee_add(request: HttpRequest, code: str) -> HttpResponse:
    """Add a person: a duplicate check against the people the organisation holds comes before creating one."""
    obj = selectors.get_request_for(request.user, code, Cap.RETURN_MANAGE)
    post = request.POST if request.method == "POST" else None
    person_form = PersonForm(post, prefix="person")
    consent_form = forms.ReturneeConsentForm(post, prefix="consent")
    matches: list[Case] = []
    existing_code = request.POST.get("existing", "")
    if request.method == "POST":
        if existing_code:
            # The caseworker chose a person already held: only the consent answer is needed.
            try:
                person = Person.objects.get(code=existing_code, owner_org=obj.owner_org)
            except (Person.DoesNotExist, ValueError, ValidationError):
                raise Http404 from None
            if consent_form.is_valid():
                return _add_returnee(request, obj, person, consent_form)
        else:
            person_ok, consent_ok = person_form.is_valid(), consent_form.is_valid()
            if person_ok and consent_ok:
                person = person_form.save(commit=False)
                apply_birth(person, person_form.birth)
                if not request.POST.get("confirmed_new"):
                    matches = _likely_matches(request.user, obj, person)
                if not matches:
                    return _add_returnee(request, obj, person, consent_form)
                cases_record_list(actor=request.user, cases=matches, searched=True, ip=_ip(request))
    return render(
        request,
        "returns/returnee_add.html",
        {
            "object": obj,
            "person_form": person_form,
            "consent_form": consent_form,
            "matches": matches,
            "existing": existing_code,
        },
    )


def _likely_matches(user: Any, obj: ReturnRequest, person: Person) -> list[Case]:
    """People of the organisation whose names match what was typed, each with their latest case."""
    words = " ".join(
        filter(
            None,
            [
                person.given_name_latin,
                person.family_name_latin,
                person.given_name_lo,
                person.family_name_lo,
                person.given_name_th,
                person.family_name_th,
            ],
        )
    )
    ids: list[int] = []
    for query in {person.given_name_latin, person.given_name_lo, person.given_name_th, words} - {"", None}:
        for pid in person_ids_matching(query, within_org_ids=[obj.owner_org_id], limit=20):
            if pid not in ids:
                ids.append(pid)
    if not ids:
        return []
    latest: dict[int, Case] = {}
    for case in (
        Case.objects.filter(person_id__in=ids[:20], owner_org_id=obj.owner_org_id)
        .select_related("person__province")
        .order_by("person_id", "-opened_on")
    ):
        latest.setdefault(case.person_id, case)
    ranked = [latest[pid] for pid in ids if pid in latest]
    if person.birth_year:
        # People whose known birth year is far from the one typed are unlikely to be the same person.
        ranked = [
            c for c in ranked if not c.person.birth_year or abs(c.person.birth_year - person.birth_year) <= 3
        ]
    return ranked[:10]


def _add_returnee(
    request: HttpRequest, obj: ReturnRequest, person: Person, consent_form: Any
) -> HttpResponse:
    answer = services.ConsentAnswer(
        to_return=consent_form.to_return,
        given_on=consent_form.cleaned_data.get("consent_given_on"),
        share_with_agency=consent_form.cleaned_data.get("share_with_agency", False),
    )
    try:
        returnee = services.returnee_add(
            actor=request.user, request=obj, person=person, consent=answer, ip=_ip(request)
        )
    except ValidationError as exc:
        _apply_errors(consent_form, exc)
        return render(
            request,
            "returns/returnee_add.html",
            {
                "object": obj,
                "person_form": PersonForm(prefix="person"),
                "consent_form": consent_form,
                "matches": [],
                "existing": "",
            },
        )
    messages.success(
        request,
        _("%(name)s has been added to the request, with case %(reference)s.")
        % {"name": returnee.case.person.display_name, "reference": returnee.case.reference},
    )
    if request.POST.get("another"):
        return redirect("returns:returnee_add", code=obj.code)
    return redirect("returns:detail", code=obj.code)


@login_required
@require_http_methods(["GET", "POST"])
def returnee_cancel(request: HttpRequest, code: str) -> HttpResponse:
    returnee = selectors.get_returnee_for(request.user, code, Cap.RETURN_MANAGE)
    form = forms.CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.returnee_cancel(
                actor=request.user, returnee=returnee, reason=form.cleaned_data["reason"], ip=_ip(request)
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The return of %(reference)s has been cancelled.") % {"reference": returnee.case.reference},
            )
            return redirect("returns:detail", code=returnee.request.code)
    return render(
        request,
        "returns/returnee_cancel.html",
        {"form": form, "returnee": returnee, "object": returnee.request},
    )


# ---- tracing ----------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def tracing_request(request: HttpRequest, code: str) -> HttpResponse:
    obj = selectors.get_request_for(request.user, code, Cap.RETURN_MANAGE)
    candidates = (
        obj.returnees.exclude(stage=Stage.CANCELLED)
        .filter(Q(tracing__isnull=True) | Q(tracing__status=TracingStatus.CANCELLED))
        .select_related("case__person__province", "case__person__district")
    )
    first = candidates.first()
    initial: dict[str, Any] = {"returnees": list(candidates)}
    if first is not None and first.case.person.province_id:
        initial["province"] = first.case.person.province_id
        initial["district"] = first.case.person.district_id
        office = Organisation.objects.filter(
            province_id=first.case.person.province_id, is_active=True, is_external=False
        ).first()
        if office is not None:
            initial["assigned_org"] = office.pk
    form = forms.TracingRequestForm(request.POST or None, returnees=candidates, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.tracing_request(
                actor=request.user,
                returnees=list(data["returnees"]),
                assigned_org=data["assigned_org"],
                province=data["province"],
                district=data["district"],
                information=data["information"],
                due_on=data["due_on"],
                ip=_ip(request),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(organisation)s has been asked to trace the family, by %(date)s.")
                % {"organisation": data["assigned_org"].name, "date": data["due_on"].strftime("%d/%m/%Y")},
            )
            return redirect("returns:detail", code=obj.code)
    return render(request, "returns/tracing_request.html", {"form": form, "object": obj})


@login_required
def tracing_list(request: HttpRequest) -> HttpResponse:
    if not (can(request.user, Cap.TRACING_RECORD) or can(request.user, Cap.RETURN_MANAGE)):
        raise Http404
    show = request.GET.get("show", "open")
    qs = selectors.tracings_visible_to(request.user).select_related(
        "returnee__case__person", "assigned_org", "province", "district", "returnee__request__owner_org"
    )
    qs = qs.filter(status=TracingStatus.OPEN) if show == "open" else qs.exclude(status=TracingStatus.OPEN)
    from django.core.paginator import Paginator

    page = Paginator(
        qs.order_by("due_on", "id") if show == "open" else qs.order_by("-completed_on", "-id"), 25
    ).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    cases_record_list(
        actor=request.user, cases=[t.returnee.case for t in rows], searched=False, ip=_ip(request)
    )
    return render(
        request,
        "returns/tracing_list.html",
        {"page": page, "rows": rows, "show": show, "today": timezone.localdate()},
    )


@login_required
def tracing_detail(request: HttpRequest, code: str) -> HttpResponse:
    tracing = selectors.get_tracing_for(request.user, code)
    case = tracing.returnee.case
    case_record_view(actor=request.user, case=case, fields=TRACING_FIELDS, ip=_ip(request))
    tracer = can(request.user, Cap.TRACING_RECORD, tracing.assigned_org_id)
    is_open = tracing.status == TracingStatus.OPEN
    return render(
        request,
        "returns/tracing_detail.html",
        {
            "tracing": tracing,
            "case": case,
            "person": case.person,
            "attempts": tracing.attempts.select_related("recorded_by"),
            "assessment": FamilyAssessment.objects.filter(tracing=tracing)
            .select_related("assessed_by")
            .first(),
            "attempt_form": forms.TracingAttemptForm() if tracer and is_open else None,
            "may": {
                "record": tracer and is_open,
                "see_case": can(request.user, Cap.CASE_VIEW, case.owner_org_id),
            },
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["POST"])
def tracing_attempt_add(request: HttpRequest, code: str) -> HttpResponse:
    tracing = selectors.get_tracing_for(request.user, code)
    if not can(request.user, Cap.TRACING_RECORD, tracing.assigned_org_id):
        raise Http404
    return form_page(
        request,
        forms.TracingAttemptForm(request.POST),
        lambda form: services.tracing_attempt_add(
            actor=request.user, tracing=tracing, attempt=form.save(commit=False), ip=_ip(request)
        ),
        success=_("The tracing attempt has been recorded."),
        done_url=reverse("returns:tracing", args=[tracing.code]),
        title=_("Record a tracing attempt"),
        back=("returns:tracing", tracing.code),
        back_label=tracing.returnee.case.reference,
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, code: str) -> HttpResponse:
    tracing = selectors.get_tracing_for(request.user, code)
    if (
        not can(request.user, Cap.TRACING_RECORD, tracing.assigned_org_id)
        or tracing.status != TracingStatus.OPEN
    ):
        raise Http404
    instance = FamilyAssessment.objects.filter(tracing=tracing).first() or FamilyAssessment(tracing=tracing)
    return form_page(
        request,
        forms.AssessmentForm(request.POST or None, instance=instance),
        lambda form: services.assessment_save(
            actor=request.user, tracing=tracing, assessment=form.save(commit=False), ip=_ip(request)
        ),
        success=_("The family assessment has been saved."),
        done_url=reverse("returns:tracing", args=[tracing.code]),
        title=_("Family and community assessment"),
        intro=_(
            "Is it safe for %(name)s to come home? Record what the family and the community said and what you saw."
        )
        % {"name": tracing.returnee.case.person.display_name},
        back=("returns:tracing", tracing.code),
        back_label=tracing.returnee.case.reference,
    )


@login_required
@require_http_methods(["POST"])
def tracing_complete(request: HttpRequest, code: str) -> HttpResponse:
    tracing = selectors.get_tracing_for(request.user, code)
    try:
        services.tracing_complete(actor=request.user, tracing=tracing, ip=_ip(request))
    except PermissionDenied404:
        raise Http404 from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The result has been sent to %(organisation)s.")
            % {"organisation": tracing.returnee.request.owner_org.name},
        )
    return redirect("returns:tracing", code=tracing.code)


# ---- reply to the requesting agency -----------------------------------------------------------------------
def _reply_rows(returnees: list[Returnee]) -> list[dict[str, Any]]:
    return [
        {
            "returnee": r,
            "case": r.case,
            "person": r.case.person,
            "assessment": getattr(r.tracing, "assessment", None),
        }
        for r in returnees
    ]


@login_required
@require_http_methods(["GET", "POST"])
def reply(request: HttpRequest, code: str) -> HttpResponse:
    obj = selectors.get_request_for(request.user, code, Cap.RETURN_MANAGE)
    candidates = services.reply_candidates(obj)
    form = forms.ReplyForm(request.POST or None, initial={"language": request.GET.get("lang", "en")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sent = services.reply_record(
                actor=request.user,
                request=obj,
                sent_on=data["sent_on"],
                channel=data["channel"],
                language=data["language"],
                notes=data["notes"],
                ip=_ip(request),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The reply to %(agency)s has been recorded.") % {"agency": obj.requesting_agency.name},
            )
            return redirect("returns:reply_print", code=obj.code, reply_code=sent.code)
    language = form.data.get("language") if form.is_bound else request.GET.get("lang", "en")
    if language not in dict(forms.LANGUAGE_CHOICES):
        language = "en"
    case_record_view_many(request, [r.case for r in candidates])
    with translation.override(language):
        letter = render_to_string(
            "returns/_reply_letter.html",
            {
                "object": obj,
                "rows": _reply_rows(candidates),
                "sent_on": timezone.localdate(),
                "sender": obj.owner_org,
            },
            request=request,
        )
    return render(
        request,
        "returns/reply.html",
        {
            "object": obj,
            "form": form,
            "letter": mark_safe(letter),  # our own template, escaped inside
            "candidates": candidates,
            "language": language,
            "reply_languages": forms.LANGUAGE_CHOICES,
        },
    )


def case_record_view_many(request: HttpRequest, cases: list[Case]) -> None:
    for case in cases:
        case_record_view(actor=request.user, case=case, fields=["names", "birth_date"], ip=_ip(request))


@login_required
def reply_print(request: HttpRequest, code: str, reply_code: str) -> HttpResponse:
    obj = selectors.get_request_for(request.user, code)
    try:
        sent = obj.replies.select_related("sent_by").get(code=reply_code)
    except (obj.replies.model.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    returnees = list(sent.returnees.select_related("case__person", "tracing__assessment").order_by("id"))
    case_record_view_many(request, [r.case for r in returnees])
    with translation.override(sent.language):
        letter = render_to_string(
            "returns/_reply_letter.html",
            {
                "object": obj,
                "rows": _reply_rows(returnees),
                "sent_on": sent.sent_on,
                "sender": obj.owner_org,
            },
            request=request,
        )
    return render(
        request,
        "returns/reply_print.html",
        {"object": obj, "reply": sent, "letter": mark_safe(letter)},  # our own template, escaped inside
    )


# ---- travel and handover ----------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def travel_edit(request: HttpRequest, code: str) -> HttpResponse:
    returnee = selectors.get_returnee_for(request.user, code, Cap.RETURN_MANAGE)
    instance = TravelPlan.objects.filter(returnee=returnee).first() or TravelPlan(returnee=returnee)
    current_stay = returnee.case.stays.filter(status="planned").first()
    form = forms.TravelForm(
        request.POST or None,
        instance=instance,
        facilities=selectors.facilities_for_planning(),
        initial={"facility": current_stay.facility_id if current_stay else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.travel_save(
                actor=request.user,
                returnee=returnee,
                plan=form.save(commit=False),
                facility=form.cleaned_data["facility"],
                ip=_ip(request),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The travel plan for %(reference)s has been saved.")
                % {"reference": returnee.case.reference},
            )
            return redirect("returns:detail", code=returnee.request.code)
    if request.method == "GET" and instance.pk:
        case_record_view(actor=request.user, case=returnee.case, fields=["travel_document"], ip=_ip(request))
    not_assessed = returnee.stage in (Stage.REQUESTED, Stage.TRACING)
    return render(
        request,
        "returns/travel_form.html",
        {"form": form, "returnee": returnee, "object": returnee.request, "not_assessed": not_assessed},
    )


@login_required
@require_http_methods(["GET", "POST"])
def handover(request: HttpRequest, code: str) -> HttpResponse:
    obj = selectors.get_request_for(request.user, code, Cap.RETURN_MANAGE)
    candidates = (
        obj.returnees.exclude(stage=Stage.CANCELLED)
        .filter(handover__isnull=True)
        .select_related("case__person")
    )
    receivers = (
        User.objects.filter(
            is_active=True,
            memberships__organisation=obj.owner_org,
            memberships__role__in=["caseworker", "supervisor"],
        )
        .distinct()
        .order_by("display_name", "username")
    )
    initial = {
        "returnees": list(candidates.filter(travel__isnull=False)) or list(candidates),
        "received_by": request.user.pk,
    }
    travel = TravelPlan.objects.filter(returnee__request=obj).select_related("checkpoint").first()
    if travel is not None:
        initial["checkpoint"] = travel.checkpoint_id
    form = forms.HandoverForm(
        request.POST or None,
        returnees=candidates,
        receivers=receivers,
        agency=obj.requesting_agency,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sharing = [
            services.Sharing(organisation=data[f"share_org_{n}"], sections=list(data[f"share_sections_{n}"]))
            for n in ("1", "2")
            if data.get(f"share_org_{n}")
        ]
        details = services.HandoverDetails(
            checkpoint=data["checkpoint"],
            handed_over_at=form.handed_over_at,
            handed_over_by_org=data["handed_over_by_org"],
            handed_over_by_names=data["handed_over_by_names"],
            received_by=data["received_by"],
            received_by_names=data["received_by_names"],
            documents=list(data["documents"]),
            belongings=data["belongings"],
            notes=data["notes"],
        )
        try:
            services.handover_record(
                actor=request.user,
                returnees=list(data["returnees"]),
                details=details,
                sharing=sharing,
                ip=_ip(request),
            )
        except ValidationError as exc:
            _apply_errors(form, exc, {"handed_over_at": "handed_over_on"})
        else:
            messages.success(request, _("The handover has been recorded."))
            return redirect("returns:detail", code=obj.code)
    return render(request, "returns/handover_form.html", {"form": form, "object": obj})


@login_required
@require_http_methods(["GET", "POST"])
def stay_plan(request: HttpRequest, code: str) -> HttpResponse:
    """Plan a transit-centre stay for a case that did not come through a return request."""
    from homeward.cases.selectors import get_case_for

    case = get_case_for(request.user, code, Cap.RETURN_MANAGE)
    return form_page(
        request,
        forms.StayPlanForm(request.POST or None, facilities=selectors.facilities_for_planning()),
        lambda form: services.stay_plan(
            actor=request.user,
            case=case,
            facility=form.cleaned_data["facility"],
            expected_on=form.cleaned_data["expected_on"],
            expected_departure=form.cleaned_data["expected_departure"],
            ip=_ip(request),
        ),
        success=_("The stay has been planned."),
        done_url=reverse("cases:detail", args=[case.code]),
        title=_("Plan a stay at a transit centre"),
        back=("cases:detail", case.code),
        back_label=case.reference,
    )
