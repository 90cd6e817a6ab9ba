"""Pages of HTCDS import and export. Thin: the services decide and write, the selectors choose what a user sees."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from homeward.cases.services import PermissionDenied404
from homeward.forms import client_ip
from homeward.interop import selectors, services
from homeward.interop.forms import ExportForm, ImportConfirmForm, ImportUploadForm
from homeward.interop.htcds import InputError
from homeward.interop.models import ImportStatus

PROBLEMS_PER_PAGE = 100


class _ImportUploadHandler(MemoryFileUploadHandler):
    """Keeps an import upload in memory up to the import limit: the file never touches the disk unencrypted."""

    def handle_raw_input(
        self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding: Any = None
    ) -> None:
        self.activated = content_length <= settings.IMPORT_MAX_BYTES + 1024 * 1024


def _too_large(request: HttpRequest) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > settings.IMPORT_MAX_BYTES + 1024 * 1024
    except ValueError:
        return True


@login_required
@csrf_exempt  # the upload handlers must be set before the body is read; csrf_protect below checks the token
def import_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if _too_large(request):
            return _import_page(request, too_large=True)
        request.upload_handlers = [_ImportUploadHandler(request)]
    return _import_page(request)


@csrf_protect
def _import_page(request: HttpRequest, too_large: bool = False) -> HttpResponse:
    organisations = selectors.import_organisations(request.user)
    if not organisations:
        raise Http404
    form = ImportUploadForm(
        request.POST if request.method == "POST" and not too_large else None,
        request.FILES if request.method == "POST" and not too_large else None,
        organisations=organisations,
    )
    file_error = ""
    if too_large:
        file_error = _("This file is larger than %(limit)s MB. Split it into smaller files.") % {
            "limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)
        }
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_upload(
                actor=request.user,
                organisation=form.cleaned_data["organisation"],
                filename=upload.name or "",
                data=upload.read(),
                ip=client_ip(request),
            )
        except PermissionDenied404:
            raise Http404 from None
        except InputError as error:
            file_error = str(error)
        else:
            return redirect("interop:import_detail", code=job.code)
    if file_error and form.is_bound:
        form.add_error("file", file_error)
    jobs = selectors.import_jobs(request.user)[:50]
    return render(
        request,
        "interop/import_list.html",
        {
            "form": form,
            "jobs": jobs,
            "limit_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
            "file_error": file_error if not form.is_bound else "",
        },
    )


@login_required
def import_detail(request: HttpRequest, code: str) -> HttpResponse:
    job = selectors.get_import_for(request.user, code)
    if request.htmx and job.in_progress:
        return render(request, "interop/import_detail.html#progress", {"job": job})
    if request.htmx and request.GET.get("poll"):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # the job has moved on: show its whole page
        return response
    report: dict[str, Any] = {}
    if job.status == ImportStatus.CHECKED:
        report = services.import_read(actor=request.user, job=job, ip=client_ip(request))
    problems = Paginator(report.get("problems", []), PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    form = ImportConfirmForm(all_valid=not job.rows_invalid) if job.status == ImportStatus.CHECKED else None
    return render(
        request,
        "interop/import_detail.html",
        {
            "job": job,
            "report": report,
            "problems": problems,
            "more_problems": report.get("problems_total", 0) - len(report.get("problems", [])),
            "form": form,
            "file_problems": [p for p in report.get("file_problems", []) if not p["warning"]],
            "show_sheet": any(p["sheet"] for p in report.get("problems", [])),
            "stalled": job.status in (ImportStatus.WAITING, ImportStatus.QUEUED)
            and (timezone.now() - job.created_at).total_seconds() > 120,
        },
    )


@login_required
@require_POST
def import_confirm(request: HttpRequest, code: str) -> HttpResponse:
    job = selectors.get_import_for(request.user, code)
    form = ImportConfirmForm(request.POST, all_valid=not job.rows_invalid)
    if not form.is_valid():
        messages.error(request, _("Choose which rows to import."))
        return redirect("interop:import_detail", code=job.code)
    try:
        job = services.import_confirm(
            actor=request.user,
            job=job,
            mode=form.cleaned_data["mode"],
            skip_duplicates=form.cleaned_data["skip_duplicates"],
            ip=client_ip(request),
        )
    except PermissionDenied404:
        raise Http404 from None
    except InputError as error:
        messages.error(request, str(error))
    return redirect("interop:import_detail", code=job.code)


@login_required
@require_POST
def import_discard(request: HttpRequest, code: str) -> HttpResponse:
    job = selectors.get_import_for(request.user, code)
    try:
        services.import_discard(actor=request.user, job=job, ip=client_ip(request))
    except PermissionDenied404:
        raise Http404 from None
    except InputError as error:
        messages.error(request, str(error))
        return redirect("interop:import_detail", code=job.code)
    messages.success(request, _("The import was discarded and its file deleted."))
    return redirect("interop:import_list")


@login_required
def export(request: HttpRequest) -> HttpResponse:
    organisations = selectors.export_organisations(request.user)
    if not organisations:
        raise Http404
    form = ExportForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            content, count = services.cases_export(
                actor=request.user,
                organisation=data["organisation"],
                status=data["status"],
                reason=data["reason"],
                password=data["password"],
                ip=client_ip(request),
            )
        except PermissionDenied404:
            raise Http404 from None
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        stamp = timezone.localtime().strftime("%Y-%m-%d")
        response["Content-Disposition"] = f'attachment; filename="htcds-export-{stamp}.xlsx"'
        response["Cache-Control"] = "no-store"
        response["X-Case-Count"] = str(count)
        return response
    return render(request, "interop/export.html", {"form": form})
