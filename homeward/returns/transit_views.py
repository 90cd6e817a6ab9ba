"""Pages of the transit centre: facilities, rooms and beds, the occupancy board, and each resident's stay."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Organisation
from homeward.accounts.policy import can, orgs_with
from homeward.cases.models import Consent
from homeward.cases.picklists import ConsentPurpose
from homeward.cases.services import PermissionDenied404, case_record_view, cases_record_list, consent_in_force
from homeward.forms import client_ip
from homeward.returns import forms, selectors, services
from homeward.returns.models import Bed, Facility, Room, Stay
from homeward.returns.picklists import StayStatus
from homeward.returns.views import _apply_errors, form_page

RESIDENT_FIELDS = ["names", "gender", "birth_date", "province", "district"]


def _ip(request: HttpRequest) -> str | None:
    return client_ip(request)


@login_required
def facility_list(request: HttpRequest) -> HttpResponse:
    facilities = list(selectors.facilities_visible_to(request.user).order_by("name"))
    if (
        not facilities
        and not can(request.user, Cap.FACILITY_MANAGE)
        and not can(request.user, Cap.TRANSIT_OPERATE)
    ):
        raise Http404
    today = timezone.localdate()
    boards = [selectors.occupancy(f, today, days=1) for f in facilities if f.is_active]
    return render(
        request,
        "returns/facility_list.html",
        {
            "boards": boards,
            "inactive": [f for f in facilities if not f.is_active],
            "may_create": can(request.user, Cap.FACILITY_MANAGE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def facility_create(request: HttpRequest) -> HttpResponse:
    orgs = Organisation.objects.filter(
        id__in=orgs_with(request.user, Cap.FACILITY_MANAGE), is_active=True, is_external=False
    )
    if not orgs.exists():
        raise Http404
    chosen = request.POST.get("organisation") or request.GET.get("organisation")
    try:
        found = orgs.get(code=chosen) if chosen else orgs.first()
    except (Organisation.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    if found is None:
        raise Http404
    org: Organisation = found
    form = forms.FacilityForm(request.POST or None, initial={"province": org.province_id})
    if request.method == "POST" and form.is_valid():
        facility: Facility = form.save(commit=False)
        facility.organisation = org
        try:
            services.facility_save(actor=request.user, facility=facility, ip=_ip(request))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The transit centre has been created. Now add its rooms and beds."))
            return redirect("transit:setup", code=facility.code)
    return render(
        request, "returns/facility_form.html", {"form": form, "organisation": org, "organisations": orgs}
    )


@login_required
@require_http_methods(["GET", "POST"])
def facility_setup(request: HttpRequest, code: str) -> HttpResponse:
    facility = selectors.get_facility_for(request.user, code, Cap.FACILITY_MANAGE)
    form = forms.FacilityForm(request.POST or None, instance=facility)
    if request.method == "POST" and form.is_valid():
        try:
            services.facility_save(actor=request.user, facility=form.save(commit=False), ip=_ip(request))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The transit centre has been saved."))
            return redirect("transit:setup", code=facility.code)
    rooms = facility.rooms.prefetch_related("beds").order_by("name")
    return render(
        request,
        "returns/facility_setup.html",
        {"facility": facility, "form": form, "rooms": rooms, "room_form": forms.RoomForm()},
    )


def _room_for(request: HttpRequest, code: str) -> Room:
    try:
        room = Room.objects.select_related("facility__organisation").get(code=code)
    except (Room.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    if not can(request.user, Cap.FACILITY_MANAGE, room.facility.organisation_id):
        raise Http404
    return room


@login_required
@require_http_methods(["GET", "POST"])
def room_create(request: HttpRequest, code: str) -> HttpResponse:
    facility = selectors.get_facility_for(request.user, code, Cap.FACILITY_MANAGE)

    def save(form: Any) -> None:
        room: Room = form.save(commit=False)
        room.facility = facility
        services.room_save(actor=request.user, room=room, beds=form.cleaned_data["beds"], ip=_ip(request))

    return form_page(
        request,
        forms.RoomForm(request.POST or None),
        save,
        success=_("The room has been added."),
        done_url=reverse("transit:setup", args=[facility.code]),
        title=_("Add a room"),
        back=("transit:setup", facility.code),
        back_label=facility.name,
    )


@login_required
@require_http_methods(["GET", "POST"])
def room_edit(request: HttpRequest, code: str) -> HttpResponse:
    room = _room_for(request, code)
    form = forms.RoomForm(request.POST or None, instance=room)
    if request.method == "POST" and form.is_valid():
        try:
            services.room_save(
                actor=request.user,
                room=form.save(commit=False),
                beds=form.cleaned_data["beds"],
                ip=_ip(request),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The room %(name)s has been saved.") % {"name": room.name})
            return redirect("transit:setup", code=room.facility.code)
    return render(request, "returns/room_form.html", {"form": form, "room": room, "beds": room.beds.all()})


@login_required
@require_POST
def bed_toggle(request: HttpRequest, code: str) -> HttpResponse:
    try:
        bed = Bed.objects.select_related("room__facility").get(code=code)
    except (Bed.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    try:
        services.bed_set_active(actor=request.user, bed=bed, active=not bed.is_active, ip=_ip(request))
    except PermissionDenied404:
        raise Http404 from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("transit:room", code=bed.room.code)


@login_required
def board(request: HttpRequest, code: str) -> HttpResponse:
    facility = selectors.get_facility_for(request.user, code)
    occupancy = selectors.occupancy(facility)
    names = can(request.user, Cap.TRANSIT_OPERATE, facility.organisation_id)
    if names:
        shown = [b.stay.case for r in occupancy.rooms for b in r.beds if b.stay] + [
            s.case for s in occupancy.planned
        ]
        cases_record_list(actor=request.user, cases=shown, searched=False, ip=_ip(request))
    return render(
        request,
        "returns/board.html",
        {
            "facility": facility,
            "occupancy": occupancy,
            "names": names,
            "today": timezone.localdate(),
            "may_setup": can(request.user, Cap.FACILITY_MANAGE, facility.organisation_id),
        },
    )


# ---- stays ------------------------------------------------------------------------------------------------
def _stay_for(request: HttpRequest, code: str, operate: bool = False) -> Stay:
    stay = selectors.get_stay_for(request.user, code)
    if operate and not selectors.may_operate(request.user, stay):
        raise Http404
    return stay


@login_required
def stay_detail(request: HttpRequest, code: str) -> HttpResponse:
    stay = _stay_for(request, code)
    case = stay.case
    case_record_view(actor=request.user, case=case, fields=RESIDENT_FIELDS, ip=_ip(request))
    consents = Consent.objects.filter(case=case, purpose=ConsentPurpose.MEDICAL).select_related("recorded_by")
    operate = selectors.may_operate(request.user, stay)
    return render(
        request,
        "returns/stay_detail.html",
        {
            "stay": stay,
            "case": case,
            "person": case.person,
            "services": stay.services.select_related("recorded_by"),
            "medical_consents": consents,
            "medical_consent": consent_in_force(case, ConsentPurpose.MEDICAL) is not None,
            "service_form": forms.StayServiceForm()
            if operate and stay.status == StayStatus.ADMITTED
            else None,
            "handover": getattr(getattr(case, "returnee", None), "handover", None)
            if hasattr(case, "returnee")
            else None,
            "may": {
                "operate": operate,
                "see_case": can(request.user, Cap.CASE_VIEW, case.owner_org_id),
                "cancel": stay.status == StayStatus.PLANNED
                and (operate or can(request.user, Cap.RETURN_MANAGE, case.owner_org_id)),
            },
            "today": timezone.localdate(),
        },
    )


def _bed_choices(stay: Stay, on: dt.date) -> list[tuple[str, str]]:
    person = stay.case.person
    out = []
    for bed in selectors.free_beds(stay.facility):
        if services.bed_fits(person, bed.room, on):
            room = bed.room
            extra = f" · {_('step-free')}" if room.accessible else ""
            out.append(
                (
                    str(bed.code),
                    f"{room.name} · {bed.label} ({room.get_age_group_display()}, {room.get_sex_display()}){extra}",
                )
            )
    return out


def _bed_from(form: Any, stay: Stay) -> Bed:
    try:
        return Bed.objects.select_related("room").get(
            code=form.cleaned_data["bed"], room__facility=stay.facility
        )
    except (Bed.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def stay_admit(request: HttpRequest, code: str) -> HttpResponse:
    stay = _stay_for(request, code, operate=True)
    if stay.status != StayStatus.PLANNED:
        messages.error(request, _("Only a planned arrival can be admitted."))
        return redirect("transit:stay", code=stay.code)
    beds = _bed_choices(stay, timezone.localdate())
    form = forms.AdmitForm(request.POST or None, beds=beds)
    if request.method == "POST" and form.is_valid():
        try:
            services.stay_admit(
                actor=request.user,
                stay=stay,
                bed=_bed_from(form, stay),
                admitted_at=form.admitted_at,
                ip=_ip(request),
            )
        except ValidationError as exc:
            _apply_errors(form, exc, {"admitted_at": "admitted_on"})
        else:
            messages.success(
                request, _("%(name)s has been admitted.") % {"name": stay.case.person.display_name}
            )
            return redirect("transit:stay", code=stay.code)
    case_record_view(actor=request.user, case=stay.case, fields=RESIDENT_FIELDS, ip=_ip(request))
    return render(
        request,
        "returns/admit_form.html",
        {"form": form, "stay": stay, "person": stay.case.person, "no_beds": not beds},
    )


@login_required
@require_http_methods(["GET", "POST"])
def stay_move(request: HttpRequest, code: str) -> HttpResponse:
    stay = _stay_for(request, code, operate=True)
    return form_page(
        request,
        forms.MoveForm(request.POST or None, beds=_bed_choices(stay, timezone.localdate())),
        lambda form: services.stay_move(
            actor=request.user, stay=stay, bed=_bed_from(form, stay), ip=_ip(request)
        ),
        success=_("The bed has been changed."),
        done_url=reverse("transit:stay", args=[stay.code]),
        title=_("Move to another bed"),
        back=("transit:stay", stay.code),
        back_label=stay.case.reference,
    )


@login_required
@require_POST
def stay_service_add(request: HttpRequest, code: str) -> HttpResponse:
    stay = _stay_for(request, code, operate=True)
    return form_page(
        request,
        forms.StayServiceForm(request.POST),
        lambda form: services.stay_service_add(
            actor=request.user, stay=stay, service=form.save(commit=False), ip=_ip(request)
        ),
        success=_("The service has been recorded."),
        done_url=reverse("transit:stay", args=[stay.code]),
        title=_("Record a service"),
        back=("transit:stay", stay.code),
        back_label=stay.case.reference,
    )


@login_required
@require_http_methods(["GET", "POST"])
def stay_consent(request: HttpRequest, code: str) -> HttpResponse:
    stay = _stay_for(request, code, operate=True)
    return form_page(
        request,
        forms.MedicalConsentForm(request.POST or None),
        lambda form: services.stay_consent_record(
            actor=request.user,
            stay=stay,
            granted=form.cleaned_data["granted"],
            given_on=form.cleaned_data["given_on"],
            notes=form.cleaned_data["notes"],
            ip=_ip(request),
        ),
        success=_("The answer about medical checks has been recorded."),
        done_url=reverse("transit:stay", args=[stay.code]),
        title=_("Consent to medical checks and tests"),
        intro=_(
            "Explain what the check and each test are for, in a language the person understands, and that they "
            "may refuse any of them."
        ),
        back=("transit:stay", stay.code),
        back_label=stay.case.reference,
    )


@login_required
@require_http_methods(["GET", "POST"])
def stay_discharge(request: HttpRequest, code: str) -> HttpResponse:
    stay = _stay_for(request, code, operate=True)
    person = stay.case.person

    def save(form: Any) -> None:
        data = form.cleaned_data
        services.stay_discharge(
            actor=request.user,
            stay=stay,
            discharge=services.Discharge(
                discharged_at=form.discharged_at,
                destination_province=data["destination_province"],
                destination_district=data["destination_district"],
                escort_names=data["escort_names"],
                received_by_org=data["received_by_org"],
                received_by_names=data["received_by_names"],
                notes=data["notes"],
            ),
            ip=_ip(request),
        )

    return form_page(
        request,
        forms.DischargeForm(
            request.POST or None,
            initial={"destination_province": person.province_id, "destination_district": person.district_id},
        ),
        save,
        success=_("%(name)s has been discharged and escorted home.") % {"name": person.display_name},
        done_url=reverse("transit:board", args=[stay.facility.code]),
        title=_("Discharge and escort home"),
        intro=_(
            "%(name)s leaves the transit centre with an escort and is handed over to the provincial office."
        )
        % {"name": person.display_name},
        back=("transit:stay", stay.code),
        back_label=stay.case.reference,
        field_map={"discharged_at": "discharged_on"},
    )


@login_required
@require_POST
def stay_cancel(request: HttpRequest, code: str) -> HttpResponse:
    stay = _stay_for(request, code)
    try:
        services.stay_cancel(actor=request.user, stay=stay, ip=_ip(request))
    except PermissionDenied404:
        raise Http404 from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("transit:stay", code=stay.code)
    messages.success(request, _("The planned arrival has been cancelled."))
    if can(request.user, Cap.CASE_VIEW, stay.case.owner_org_id):
        return redirect("cases:detail", code=stay.case.code)
    return redirect("transit:board", code=stay.facility.code)
