"""Pages of capacity building: the catalogue and sessions, registering staff, attendance and results, imports
and the attendance sheet, certificates (and their public check), and coverage."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from homeward.accounts.capabilities import Cap
from homeward.accounts.models import Organisation
from homeward.accounts.policy import can, capabilities_by_org, orgs_with
from homeward.cases.services import PermissionDenied404
from homeward.forms import client_ip
from homeward.lib.codes import is_uuid
from homeward.returns.views import _apply_errors
from homeward.training import forms, selectors, services
from homeward.training.models import Course, TrainingSession
from homeward.training.picklists import Topic


def _ip(request: HttpRequest) -> str | None:
    return client_ip(request)


def _member(request: HttpRequest) -> None:
    if not capabilities_by_org(request.user):
        raise Http404


def _manager(request: HttpRequest) -> None:
    if not services.may_manage(request.user):
        raise Http404


def _registrar(request: HttpRequest) -> list[int] | None:
    """The organisations whose staff the user registers (None: every organisation)."""
    if services.may_manage(request.user):
        return None
    orgs = orgs_with(request.user, Cap.TRAINING_REGISTER)
    if not orgs:
        raise Http404
    return orgs


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _member(request)
    today = timezone.localdate()
    sessions = TrainingSession.objects.select_related("course", "province", "organiser")
    return render(
        request,
        "training/index.html",
        {
            "courses": Course.objects.filter(is_active=True),
            "upcoming": list(sessions.filter(end_on__gte=today).order_by("start_on")[:20]),
            "recent": list(sessions.filter(end_on__lt=today).order_by("-end_on")[:20]),
            "may_manage": services.may_manage(request.user),
        },
    )


@login_required
def course_detail(request: HttpRequest, code: str) -> HttpResponse:
    _member(request)
    course = selectors.get_course(code)
    sessions = course.sessions.select_related("province", "organiser").order_by("-start_on")
    return render(
        request,
        "training/course_detail.html",
        {"course": course, "sessions": sessions, "may_manage": services.may_manage(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    _manager(request)
    course = selectors.get_course(code) if code else None
    form = forms.CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.course_save(actor=request.user, course=form.save(), ip=_ip(request))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The course has been saved."))
            return redirect("training:course", code=saved.code)
    return render(request, "training/course_form.html", {"form": form, "course": course})


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    _manager(request)
    session = selectors.get_session(code) if code else None
    initial: dict[str, Any] = {}
    course = request.GET.get("course", "")
    if session is None and is_uuid(course):
        initial["course"] = Course.objects.filter(code=course).first()
    form = forms.SessionForm(request.POST or None, instance=session, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.session_save(
                actor=request.user, session=form.save(commit=False), ip=_ip(request)
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The session has been saved."))
            return redirect("training:session", code=saved.code)
    return render(request, "training/session_form.html", {"form": form, "session": session})


@login_required
def session_detail(request: HttpRequest, code: str) -> HttpResponse:
    _member(request)
    session = selectors.get_session(code)
    participations = list(
        selectors.participants_visible(request.user, session).prefetch_related("attendance")
    )
    days = session.days()
    today = timezone.localdate()
    rows = []
    for p in participations:
        marks = {a.day: a.present for a in p.attendance.all()}
        rows.append(
            {
                "p": p,
                "days": [(day, marks.get(day)) for day in days],
                "present": sum(1 for v in marks.values() if v),
            }
        )
    manage = services.may_manage(request.user)
    return render(
        request,
        "training/session_detail.html",
        {
            "session": session,
            "rows": rows,
            "days": days,
            "count": session.participations.count(),
            "may_manage": manage,
            "may_register": manage or bool(orgs_with(request.user, Cap.TRAINING_REGISTER)),
            "started": session.start_on <= today,
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, code: str) -> HttpResponse:
    """Register someone on record, or a new person, for a session."""
    session = selectors.get_session(code)
    orgs = _registrar(request)
    organisations = Organisation.objects.filter(is_active=True, is_external=False)
    if orgs is not None:
        organisations = organisations.filter(id__in=orgs)
    trainees = selectors.staff_of(request.user).exclude(participations__session=session)
    existing = forms.ExistingTraineeForm(
        request.POST if "existing" in request.POST else None, trainees=trainees, prefix="existing"
    )
    new = forms.TraineeForm(
        request.POST if "new" in request.POST else None, organisations=organisations, prefix="new"
    )
    chosen = existing if "existing" in request.POST else new
    if request.method == "POST" and chosen.is_valid():
        try:
            if chosen is existing:
                trainee = existing.cleaned_data["trainee"]
            else:
                trainee = services.trainee_save(
                    actor=request.user, trainee=new.save(commit=False), ip=_ip(request)
                )
            services.register(actor=request.user, session=session, trainee=trainee, ip=_ip(request))
        except PermissionDenied404:
            raise Http404 from None
        except ValidationError as exc:
            _apply_errors(chosen, exc)
        else:
            messages.success(request, _("%(name)s is registered for the session.") % {"name": trainee.name})
            return redirect("training:session", code=session.code)
    return render(request, "training/register.html", {"session": session, "existing": existing, "new": new})


@login_required
@require_POST
def unregister(request: HttpRequest, code: str) -> HttpResponse:
    participation = selectors.get_participation(request.user, code)
    try:
        services.unregister(actor=request.user, participation=participation, ip=_ip(request))
    except PermissionDenied404:
        raise Http404 from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("%(name)s is no longer on the list.") % {"name": participation.trainee.name}
        )
    return redirect("training:session", code=participation.session.code)


@login_required
@require_POST
def attendance(request: HttpRequest, code: str) -> HttpResponse:
    _manager(request)
    session = selectors.get_session(code)
    present: dict[int, list[dt.date]] = {}
    days = {d.isoformat(): d for d in session.days()}
    for p in session.participations.all():
        present[p.id] = [days[v] for v in request.POST.getlist(f"present-{p.id}") if v in days]
    try:
        services.record_attendance(actor=request.user, session=session, present=present, ip=_ip(request))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The attendance has been saved."))
    return redirect("training:session", code=session.code)


@login_required
@require_POST
def result(request: HttpRequest, code: str) -> HttpResponse:
    _manager(request)
    participation = selectors.get_participation(request.user, code)
    form = forms.ResultForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.record_result(
            actor=request.user,
            participation=participation,
            pre_score=form.cleaned_data["pre_score"],
            post_score=form.cleaned_data["post_score"],
            completed=form.cleaned_data["completed"],
            ip=_ip(request),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("The results of %(name)s have been saved.") % {"name": participation.trainee.name}
        )
    return redirect("training:session", code=participation.session.code)


@login_required
@require_http_methods(["GET", "POST"])
def import_participants(request: HttpRequest, code: str) -> HttpResponse:
    session = selectors.get_session(code)
    _registrar(request)
    from homeward.training import spreadsheets

    form = forms.ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = spreadsheets.import_participants(
                actor=request.user, session=session, filename=upload.name, data=upload.read(), ip=_ip(request)
            )
        except PermissionDenied404:
            raise Http404 from None
        if not result.problems:
            messages.success(
                request,
                _("%(count)d people registered (%(new)d new to the records).")
                % {"count": result.registered, "new": result.new_trainees},
            )
            return redirect("training:session", code=session.code)
    return render(request, "training/import.html", {"session": session, "form": form, "result": result})


@login_required
def attendance_sheet(request: HttpRequest, code: str) -> HttpResponse:
    _manager(request)
    session = selectors.get_session(code)
    from homeward.training import spreadsheets

    response = HttpResponse(
        spreadsheets.attendance_sheet(session),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="attendance-{session.start_on:%Y-%m-%d}.xlsx"'
    return response


@login_required
def certificate(request: HttpRequest, code: str) -> HttpResponse:
    participation = selectors.get_participation(request.user, code)
    if not participation.certificate:
        raise Http404
    return render(
        request,
        "training/certificate.html",
        {"p": participation, "verify_url": request.build_absolute_uri("/verify/")},
    )


def verify(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Public: anyone can check a certificate's code; only the name, the course and the date are shown."""
    form = forms.VerifyForm(request.GET or None)
    if code is None and form.is_valid():
        typed = re.sub(r"[^A-Za-z0-9-]", "", form.cleaned_data["code"]).upper()
        if typed:
            return redirect("verify_code", code=typed)
        form.add_error("code", _("Type the code as it is printed, for example TC-7K3F-9QXD."))
    found = selectors.verify(code) if code else None
    status = 200 if code is None or found else 404
    return render(
        request, "training/verify.html", {"form": form, "code": code, "found": found}, status=status
    )


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    if not (can(request.user, Cap.STATS_NATIONAL) or services.may_manage(request.user)):
        raise Http404
    data = selectors.coverage()
    return render(request, "training/coverage.html", {"c": data, "topics": Topic})
