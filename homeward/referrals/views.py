"""Pages of the referral network: the directory (list and map, entries, import and export), referrals from a
case and the receiver's queue, the printable slip, transfers, the network figures and the gaps view."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Organisation
from homeward.accounts.policy import can, capabilities_by_org, orgs_with
from homeward.accounts.selectors import caseworkers_of
from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.cases.models import Case
from homeward.cases.picklists import ConsentPurpose
from homeward.cases.selectors import get_case_for
from homeward.cases.services import PermissionDenied404, case_record_view, consent_in_force
from homeward.forms import client_ip
from homeward.places.geo import lao_map
from homeward.places.models import Area, Country
from homeward.referrals import forms, selectors, services
from homeward.referrals.models import NetworkSettings, Referral, Service
from homeward.referrals.picklists import (
    CATEGORY_PLAN_TYPE,
    OPEN_REFERRAL,
    PLAN_TYPE_CATEGORIES,
    ReferralStatus,
    Section,
    ServiceCategory,
)
from homeward.reintegration.models import NeedsAssessment, ReintegrationPlan
from homeward.reintegration.picklists import PlanStatus
from homeward.research.tables import figures_display, show_count
from homeward.returns.views import _apply_errors


def _ip(request: HttpRequest) -> str | None:
    return client_ip(request)


def _member(request: HttpRequest) -> None:
    """The directory is reference data, but only for people who work in the network."""
    if not capabilities_by_org(request.user):
        raise Http404


def _say(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# ---- directory --------------------------------------------------------------------------------------------
def _filters(form: forms.DirectoryFilterForm) -> selectors.DirectoryFilters:
    if not form.is_valid():
        return selectors.DirectoryFilters()
    data = form.cleaned_data
    nationality = data.get("nationality")
    return selectors.DirectoryFilters(
        q=data.get("q") or "",
        category=data.get("category") or "",
        province=data.get("province"),
        district=data.get("district"),
        language=data.get("language") or "",
        sex=data.get("sex") or "",
        age=data.get("age"),
        nationality=nationality.code if nationality else "",
        include_closed=bool(data.get("include_closed")),
        trained_first=bool(data.get("trained_first")),
    )


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    _member(request)
    form = forms.DirectoryFilterForm(request.GET or None)
    filters = _filters(form)
    services_found = selectors.directory_search(filters)
    view = "map" if request.GET.get("view") == "map" else "list"
    context: dict[str, Any] = {
        "form": form,
        "view": view,
        "may_add": can(request.user, Cap.DIRECTORY_MANAGE) or can(request.user, Cap.DIRECTORY_EDIT),
        "may_manage": can(request.user, Cap.DIRECTORY_MANAGE),
        "query": request.GET.urlencode(),
        "query_without_view": _without(request, "view", "page"),
    }
    if view == "map":
        found = list(services_found)
        counts = selectors.province_counts(services_found)
        provinces = {a.code: a for a in Area.objects.filter(level=1, country__code="LA")}
        top = max(counts.values(), default=0)
        shapes = [
            {
                "shape": shape,
                "province": provinces.get(shape.code),
                "count": counts.get(shape.code, 0),
                "band": 0
                if not counts.get(shape.code)
                else 1 + min(3, (3 * counts[shape.code]) // max(top, 1)),
            }
            for shape in lao_map().shapes
        ]
        pins = [
            {"service": s, "xy": lao_map().point(float(s.longitude), float(s.latitude))}
            for s in found
            if s.latitude is not None and s.longitude is not None
        ]
        context.update(
            {
                "map": lao_map(),
                "shapes": shapes,
                "pins": pins,
                "found": len(found),
                "rows": sorted(shapes, key=lambda r: r["province"].code if r["province"] else ""),
            }
        )
    else:
        page = Paginator(services_found, 25).get_page(request.GET.get("page"))
        context.update({"page": page, "found": page.paginator.count})
    return render(request, "referrals/directory.html", context)


def _without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@login_required
def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    _member(request)
    service = selectors.get_service(code)
    from homeward.training.selectors import trained_topics

    return render(
        request,
        "referrals/service_detail.html",
        {
            "service": service,
            "trained": sorted(
                trained_topics([service.organisation_id]).get(service.organisation_id, {}).items()
            ),
            "may_edit": services.may_edit_directory(request.user, service.organisation_id),
            "areas": sorted(service.areas.all(), key=lambda a: a.code),
        },
    )


def _organisations_for(request: HttpRequest) -> Any:
    if can(request.user, Cap.DIRECTORY_MANAGE):
        from django.db.models import Q

        return Organisation.objects.filter(is_active=True).filter(
            Q(is_external=False) | Q(country__isnull=True) | Q(country__code="LA")
        )
    return Organisation.objects.filter(id__in=orgs_with(request.user, Cap.DIRECTORY_EDIT), is_active=True)


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    if code is None:
        if not (can(request.user, Cap.DIRECTORY_MANAGE) or can(request.user, Cap.DIRECTORY_EDIT)):
            raise Http404
        service = None
    else:
        service = selectors.get_service(code)
        if not services.may_edit_directory(request.user, service.organisation_id):
            # Someone else's entry: refused like a missing page, and recorded.
            audit_record(
                actor=request.user,
                action=Action.DENIED,
                object_type="service_entry",
                object_codes=[service.code],
                organisation_id=service.organisation_id,
                reason="directory entry of another organisation",
                ip=_ip(request),
            )
            raise Http404
    orgs = _organisations_for(request)
    initial = {}
    if service is None and (request.GET.get("organisation") or "").isdigit():
        # From "Add an organisation without accounts": its first service.
        initial["organisation"] = orgs.filter(pk=int(request.GET["organisation"])).first()
    form = forms.ServiceForm(request.POST or None, instance=service, organisations=orgs, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.service_save(
                actor=request.user,
                service=form.save(),
                areas=form.areas(),
                nationalities=form.cleaned_data.get("nationalities") or [],
                ip=_ip(request),
            )
        except PermissionDenied404:
            raise Http404 from None
        except ValidationError as exc:
            _apply_errors(form, exc, {"areas": "provinces"})
        else:
            messages.success(request, _("The directory entry has been saved."))
            return redirect("referrals:service", code=saved.code)
    return render(request, "referrals/service_form.html", {"form": form, "service": service})


@login_required
@require_http_methods(["GET", "POST"])
def provider_new(request: HttpRequest) -> HttpResponse:
    """A national coordinator lists an organisation that has no users here (a hospital, a school)."""
    if not can(request.user, Cap.DIRECTORY_MANAGE):
        raise Http404
    form = forms.ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org: Organisation = form.save(commit=False)
        org.is_external = True
        org.country = Country.objects.filter(code="LA").first()
        org.save()
        audit_record(
            actor=request.user,
            action=Action.CREATE,
            object_type="organisation",
            object_codes=[org.code],
            fields=["name", "type", "province"],
            ip=_ip(request),
        )
        messages.success(request, _("The organisation has been added. Now add its services."))
        return redirect(reverse("referrals:service_new") + f"?organisation={org.pk}")
    return render(request, "referrals/provider_form.html", {"form": form})


@login_required
def directory_export(request: HttpRequest) -> HttpResponse:
    _member(request)
    from homeward.referrals import hsds

    form = forms.DirectoryFilterForm(request.GET or None)
    found = selectors.directory_search(_filters(form)).prefetch_related("nationalities")
    stamp = timezone.localdate().isoformat()
    if request.GET.get("format") == "zip":
        response = HttpResponse(hsds.export_csv_zip(found), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="homeward-directory-{stamp}.zip"'
    else:
        response = HttpResponse(hsds.export_json(found), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="homeward-directory-{stamp}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def directory_import(request: HttpRequest) -> HttpResponse:
    if not (can(request.user, Cap.DIRECTORY_MANAGE) or can(request.user, Cap.DIRECTORY_EDIT)):
        raise Http404
    from homeward.referrals import hsds

    form = forms.ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > hsds.MAX_FILE_BYTES:
            form.add_error(
                "file", _("The file is larger than %(limit)s MB.") % {"limit": hsds.MAX_FILE_BYTES // 2**20}
            )
        else:
            try:
                result = hsds.import_directory(
                    actor=request.user, filename=upload.name, data=upload.read(), ip=_ip(request)
                )
            except PermissionDenied404:
                raise Http404 from None
            if not result.problems:
                messages.success(
                    request,
                    _("Imported: %(created)d new entries, %(updated)d updated.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("referrals:directory")
    return render(request, "referrals/import.html", {"form": form, "result": result})


@login_required
@require_http_methods(["GET", "POST"])
def network_settings(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Cap.DIRECTORY_MANAGE):
        raise Http404
    current = NetworkSettings.current()
    form = forms.NetworkSettingsForm(
        request.POST or None,
        initial={
            "accept_within_days": current.accept_within_days,
            "complete_within_days": current.complete_within_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.network_settings_save(actor=request.user, ip=_ip(request), **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The service levels have been saved."))
            return redirect("referrals:figures")
    return render(request, "referrals/settings.html", {"form": form})


# ---- referring a case -------------------------------------------------------------------------------------
def _case_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.code]) + "#referrals"


def _plan_categories(case: Case) -> list[str]:
    plan = (
        ReintegrationPlan.objects.filter(case=case)
        .exclude(status=PlanStatus.SUPERSEDED)
        .order_by("-version")
        .first()
    )
    out: list[str] = []
    for plan_type in plan.types if plan else []:
        for category in PLAN_TYPE_CATEGORIES.get(plan_type, ()):
            if category not in out:
                out.append(category)
    return out


@login_required
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, code: str) -> HttpResponse:
    """Refer a case: find a service that serves the person (by need, district, language, eligibility), then
    choose what to share. The consent to share with the receiving organisation is checked before sending."""
    case = get_case_for(request.user, code, Cap.REFERRAL_SEND)
    person = case.person
    chosen: Service | None = None
    if request.GET.get("service"):
        try:
            chosen = Service.objects.select_related("organisation").get(code=request.GET["service"])
        except (Service.DoesNotExist, ValueError, ValidationError):
            raise Http404 from None
    outside = request.GET.get("outside") == "1" and chosen is None
    if chosen is None and not outside:
        # Step 1: search the directory with the person's own facts as the starting point.
        initial: dict[str, Any] = {
            "category": (_plan_categories(case) or [""])[0],
            "province": person.province_id,
            "district": person.district_id,
            "sex": person.gender if person.gender in ("female", "male") else "",
            "age": person.age(),
        }
        search = forms.DirectoryFilterForm(
            request.GET if "category" in request.GET else None, initial=initial
        )
        filters = (
            _filters(search)
            if search.is_bound
            else selectors.DirectoryFilters(
                category=initial["category"],
                province=person.province,
                district=person.district,
                sex=initial["sex"],
                age=initial["age"],
            )
        )
        found = selectors.directory_search(filters).exclude(organisation_id=case.owner_org_id)
        page = Paginator(found, 20).get_page(request.GET.get("page"))
        return render(
            request,
            "referrals/refer_search.html",
            {"case": case, "form": search, "page": page, "needs": _plan_categories(case)},
        )
    form_class = forms.OutsideReferralForm if outside else forms.ReferralForm
    form = form_class(request.POST or None)
    to_org = chosen.organisation if chosen else None
    if outside and request.method == "POST" and form.is_valid():
        to_org = form.cleaned_data["to_org"]
    if request.method == "POST" and form.is_valid():
        assert to_org is not None
        try:
            referral = services.referral_send(
                actor=request.user,
                case=case,
                to_org=to_org,
                service=chosen,
                category=chosen.category if chosen else form.cleaned_data["category"],
                sections=form.cleaned_data["sections"],
                message=form.cleaned_data["message"],
                urgent=form.cleaned_data["urgent"],
                ip=_ip(request),
            )
        except PermissionDenied404:
            raise Http404 from None
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if referral.outside:
                messages.success(request, _("The referral has been recorded. Print the slip for the person."))
            else:
                messages.success(
                    request, _("The referral has been sent to %(organisation)s.") % {"organisation": to_org}
                )
            return redirect("referrals:detail", code=referral.code)
    consent = consent_in_force(case, ConsentPurpose.SHARING, to_org.id) if to_org else None
    return render(
        request,
        "referrals/refer_form.html",
        {
            "case": case,
            "form": form,
            "service": chosen,
            "to_org": to_org,
            "consent": consent,
            "outside": outside,
        },
    )


# ---- a referral -------------------------------------------------------------------------------------------
def _section_context(referral: Referral, section: str) -> dict[str, Any]:
    """What one shared section shows; read only after the service has allowed and audited the view."""
    case = referral.case
    if section == Section.NEEDS:
        assessment = NeedsAssessment.objects.filter(case=case).prefetch_related("ratings").first()
        return {"assessment": assessment}
    if section == Section.PLAN:
        return {"plan": ReintegrationPlan.objects.filter(case=case, status=PlanStatus.APPROVED).first()}
    if section == Section.SERVICES:
        return {"services": list(case.services_delivered.select_related("provider_org"))}
    if section == Section.TRAFFICKING:
        return {"victim": case.victim, "events": list(case.events.select_related("country", "area"))}
    return {"person": case.person}


@login_required
def referral_detail(request: HttpRequest, code: str) -> HttpResponse:
    referral, side = selectors.get_referral(request.user, code)
    settings = NetworkSettings.current()
    due, late = selectors.due_dates(referral, settings)
    context: dict[str, Any] = {
        "referral": referral,
        "side": side,
        "case": referral.case,
        "events": list(referral.events.select_related("actor", "organisation")),
        "due": due,
        "late": late,
        "open": referral.status in OPEN_REFERRAL,
    }
    if side == "receiver":
        section = request.GET.get("section") or (referral.sections[0] if referral.sections else "")
        consent_ok = consent_in_force(referral.case, ConsentPurpose.SHARING, referral.to_org_id) is not None
        # A section is shown only on an open referral under consent; one asked for by name otherwise is refused
        # (and recorded) by the service, like one that was never shared.
        show = (
            section if ("section" in request.GET or (referral.status in OPEN_REFERRAL and consent_ok)) else ""
        )
        try:
            services.referral_record_view(
                actor=request.user, referral=referral, section=show, ip=_ip(request)
            )
        except (PermissionDenied404, ValidationError):
            raise Http404 from None
        shown = show
        if shown:
            context.update(_section_context(referral, shown))
        context.update(
            {
                "shown": shown,
                "consent_ok": consent_ok,
                "sections": [(s, Section(s).label) for s in referral.sections],
                "may_answer": referral.status in OPEN_REFERRAL and consent_ok,
                "complete_form": forms.CompleteForm(service_type=CATEGORY_PLAN_TYPE[referral.category]),
            }
        )
    else:
        case_record_view(actor=request.user, case=referral.case, fields=["referral"], ip=_ip(request))
        context.update(
            {
                "may_manage": services.sender_may_manage(request.user, referral),
                "section_labels": [Section(s).label for s in referral.sections],
                "answer_form": forms.AnswerForm(shared=referral.sections),
                "complete_form": forms.CompleteForm(service_type=CATEGORY_PLAN_TYPE[referral.category]),
            }
        )
    return render(request, "referrals/referral_detail.html", context)


def _act(request: HttpRequest, code: str, act: Any, done: str, form: Any = None) -> HttpResponse:
    referral, _side = selectors.get_referral(request.user, code)
    if form is not None and not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("referrals:detail", code=referral.code)
    try:
        act(referral, form.cleaned_data if form is not None else {})
    except PermissionDenied404:
        raise Http404 from None
    except ValidationError as exc:
        _say(request, exc)
    else:
        messages.success(request, done)
    return redirect("referrals:detail", code=referral.code)


@login_required
@require_POST
def referral_accept(request: HttpRequest, code: str) -> HttpResponse:
    return _act(
        request,
        code,
        lambda r, d: services.referral_accept(actor=request.user, referral=r, ip=_ip(request)),
        _("You have accepted the referral."),
    )


@login_required
@require_POST
def referral_decline(request: HttpRequest, code: str) -> HttpResponse:
    return _act(
        request,
        code,
        lambda r, d: services.referral_decline(
            actor=request.user, referral=r, reason=d["reason"], ip=_ip(request)
        ),
        _("You have declined the referral; the referring organisation has your reason."),
        forms.ReasonForm(request.POST),
    )


@login_required
@require_POST
def referral_ask(request: HttpRequest, code: str) -> HttpResponse:
    return _act(
        request,
        code,
        lambda r, d: services.referral_ask_info(
            actor=request.user, referral=r, question=d["reason"], ip=_ip(request)
        ),
        _("Your question has been sent to the referring organisation."),
        forms.ReasonForm(request.POST),
    )


@login_required
@require_POST
def referral_answer(request: HttpRequest, code: str) -> HttpResponse:
    return _act(
        request,
        code,
        lambda r, d: services.referral_give_info(
            actor=request.user,
            referral=r,
            answer=d["answer"],
            add_sections=d["add_sections"],
            ip=_ip(request),
        ),
        _("Your answer has been sent; the referral is waiting for an answer again."),
        forms.AnswerForm(request.POST),
    )


@login_required
@require_POST
def referral_complete(request: HttpRequest, code: str) -> HttpResponse:
    return _act(
        request,
        code,
        lambda r, d: services.referral_complete(
            actor=request.user,
            referral=r,
            delivered_on=d["delivered_on"],
            service_type=d["service_type"],
            description=d["description"],
            cost=d.get("cost"),
            currency=d.get("currency") or "",
            ip=_ip(request),
        ),
        _("The service delivered has been recorded; it now appears in the case's services."),
        forms.CompleteForm(request.POST),
    )


@login_required
@require_POST
def referral_revoke(request: HttpRequest, code: str) -> HttpResponse:
    return _act(
        request,
        code,
        lambda r, d: services.referral_revoke(
            actor=request.user, referral=r, reason=d["reason"], ip=_ip(request)
        ),
        _("The referral has been revoked; the receiving organisation no longer sees it."),
        forms.ReasonForm(request.POST),
    )


@login_required
@require_POST
def referral_not_taken_up(request: HttpRequest, code: str) -> HttpResponse:
    return _act(
        request,
        code,
        lambda r, d: services.referral_not_taken_up(
            actor=request.user, referral=r, reason=d["reason"], ip=_ip(request)
        ),
        _("The outcome has been recorded."),
        forms.ReasonForm(request.POST),
    )


SLIP_LANGUAGES = {"lo": "ລາວ", "th": "ไทย", "en": "English"}


@login_required
def referral_slip(request: HttpRequest, code: str) -> HttpResponse:
    """A printable referral slip in Lao, Thai or English carrying only the shared sections."""
    referral = selectors.get_referral_as_sender(request.user, code)
    if not can(request.user, Cap.REFERRAL_SEND, referral.case.owner_org_id):
        raise Http404
    if referral.status not in OPEN_REFERRAL:
        raise Http404
    language = request.GET.get("lang", "lo")
    if language not in SLIP_LANGUAGES:
        language = "lo"
    case_record_view(
        actor=request.user,
        case=referral.case,
        fields=["referral", *[f"section:{s}" for s in referral.sections]],
        ip=_ip(request),
    )
    sections = {s: _section_context(referral, s) for s in referral.sections}
    with translation.override(language):
        slip = render_to_string(
            "referrals/_slip.html",
            {"referral": referral, "case": referral.case, "sections": sections, "slip_language": language},
        )
    return render(
        request,
        "referrals/slip.html",
        {"referral": referral, "slip": slip, "slip_language": language, "slip_languages": SLIP_LANGUAGES},
    )


# ---- queues -----------------------------------------------------------------------------------------------
@login_required
def incoming(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Cap.REFERRAL_RECEIVE):
        raise Http404
    status = request.GET.get("status", "open")
    page = Paginator(selectors.incoming(request.user, status), 25).get_page(request.GET.get("page"))
    settings = NetworkSettings.current()
    rows = [(r, *selectors.due_dates(r, settings)) for r in page]
    return render(
        request,
        "referrals/incoming.html",
        {"page": page, "rows": rows, "status": status, "statuses": ReferralStatus.choices},
    )


@login_required
def outgoing(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Cap.REFERRAL_SEND):
        raise Http404
    status = request.GET.get("status", "open")
    page = Paginator(selectors.outgoing(request.user, status), 25).get_page(request.GET.get("page"))
    settings = NetworkSettings.current()
    rows = [(r, *selectors.due_dates(r, settings)) for r in page]
    from homeward.cases.services import cases_record_list

    cases_record_list(actor=request.user, cases=[r.case for r in page], searched=False, ip=_ip(request))
    return render(
        request,
        "referrals/outgoing.html",
        {"page": page, "rows": rows, "status": status, "statuses": ReferralStatus.choices},
    )


# ---- transfers --------------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def transfer_new(request: HttpRequest, code: str) -> HttpResponse:
    case = get_case_for(request.user, code, Cap.CASE_TRANSFER)
    form = forms.TransferForm(request.POST or None, exclude_org=case.owner_org_id)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = services.transfer_request(
                actor=request.user,
                case=case,
                to_org=form.cleaned_data["to_org"],
                reason=form.cleaned_data["reason"],
                ip=_ip(request),
            )
        except PermissionDenied404:
            raise Http404 from None
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The transfer has been asked of %(organisation)s. The case stays yours until they accept.")
                % {"organisation": transfer.to_org},
            )
            return redirect(_case_url(case))
    consents = [
        c.shared_with
        for c in case.consents.filter(purpose=ConsentPurpose.SHARING).select_related("shared_with")
        if c.is_active() and c.shared_with and not c.shared_with.is_external
    ]
    return render(
        request, "referrals/transfer_form.html", {"case": case, "form": form, "consented": consents}
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_detail(request: HttpRequest, code: str) -> HttpResponse:
    transfer = selectors.get_transfer(request.user, code)
    receiving = can(request.user, Cap.CASE_TRANSFER, transfer.to_org_id) and transfer.status == "requested"
    form = forms.TransferDecisionForm(request.POST or None, caseworkers=caseworkers_of(transfer.to_org_id))
    if request.method == "POST":
        if not receiving:
            raise Http404
        if form.is_valid():
            accept = "accept" in request.POST
            try:
                services.transfer_decide(
                    actor=request.user,
                    transfer=transfer,
                    accept=accept,
                    note=form.cleaned_data["note"],
                    caseworker=form.cleaned_data["caseworker"],
                    ip=_ip(request),
                )
            except PermissionDenied404:
                raise Http404 from None
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                if accept:
                    messages.success(request, _("The case is now your organisation's."))
                    return redirect("cases:detail", code=transfer.case.code)
                messages.success(request, _("You have declined the transfer."))
                return redirect("referrals:transfers")
    if receiving:
        audit_record(
            actor=request.user,
            action=Action.VIEW,
            object_type="transfer",
            object_codes=[transfer.code, transfer.case.code],
            fields=["gender", "birth_year", "province", "reason"],
            organisation_id=transfer.from_org_id,
            ip=_ip(request),
        )
    return render(
        request,
        "referrals/transfer_detail.html",
        {"transfer": transfer, "form": form, "receiving": receiving, "person": transfer.case.person},
    )


@login_required
@require_POST
def transfer_cancel(request: HttpRequest, code: str) -> HttpResponse:
    transfer = selectors.get_transfer(request.user, code)
    try:
        services.transfer_cancel(actor=request.user, transfer=transfer, ip=_ip(request))
    except PermissionDenied404:
        raise Http404 from None
    except ValidationError as exc:
        _say(request, exc)
    else:
        messages.success(request, _("The transfer has been cancelled."))
    if can(request.user, Cap.CASE_VIEW, transfer.case.owner_org_id):
        return redirect(_case_url(transfer.case))
    return redirect("referrals:transfers")


@login_required
def transfers(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Cap.CASE_TRANSFER):
        raise Http404
    return render(
        request, "referrals/transfers.html", {"transfers": list(selectors.transfers_incoming(request.user))}
    )


# ---- figures and gaps -------------------------------------------------------------------------------------
@login_required
def figures(request: HttpRequest) -> HttpResponse:
    scope = selectors.network_scope(request.user)
    if scope is None:
        raise Http404
    period = request.GET.get("period", "365")
    days = {"90": 90, "365": 365, "all": None}.get(period, 365)
    since = timezone.localdate() - timezone.timedelta(days=days) if days else None
    by_org, by_province, total = selectors.network_figures(scope, since)
    national = can(request.user, Cap.STATS_NATIONAL)
    rows_org, total_org = figures_display(by_org, total, exact=not national)
    rows_province, total_province = figures_display(by_province, total, exact=not national)
    return render(
        request,
        "referrals/figures.html",
        {
            "by_org": rows_org,
            "by_province": rows_province,
            "total_org": total_org,
            "total_province": total_province,
            "total": total,
            "acceptance": total.acceptance_rate
            if not national or total.accepted + total.declined >= settings.SMALL_CELL_THRESHOLD
            else None,
            "suppressed": national,
            "threshold": settings.SMALL_CELL_THRESHOLD,
            "period": period,
            "settings": NetworkSettings.current(),
            "national": national,
            "may_configure": can(request.user, Cap.DIRECTORY_MANAGE),
        },
    )


@login_required
def gaps(request: HttpRequest) -> HttpResponse:
    scope = selectors.gaps_scope(request.user)
    if scope is None:
        raise Http404
    rows = selectors.gaps(scope)
    national = can(request.user, Cap.STATS_NATIONAL)
    for gap in rows:
        gap.shown = show_count(gap.cases, exact=not national)  # type: ignore[attr-defined]
    return render(
        request,
        "referrals/gaps.html",
        {
            "rows": rows,
            "suppressed": national,
            "threshold": settings.SMALL_CELL_THRESHOLD,
            "national": national,
            "categories": {
                t: [ServiceCategory(c).label for c in cs] for t, cs in PLAN_TYPE_CATEGORIES.items()
            },
        },
    )
