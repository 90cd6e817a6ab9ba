"""Pages of research: dashboards (with a CSV of every table), the research extract, releases and datasets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from homeward.accounts.capabilities import Cap
from homeward.accounts.policy import can
from homeward.forms import client_ip
from homeward.lib.codes import is_uuid
from homeward.research import dashboards, facts, forms, services
from homeward.research import fields as F
from homeward.research.models import Dataset, Layout, Release, ReleaseKind, ReleaseStatus
from homeward.research.report import research_extract
from homeward.returns.views import _apply_errors


def _filters(request: HttpRequest) -> tuple[forms.FilterForm, dashboards.Filters, dashboards.Scope]:
    if not dashboards.may_see_dashboards(request.user):
        raise Http404
    probe = dashboards.scope_for(request.user, dashboards.Filters())
    if probe is None:
        raise Http404
    facts.bring_up_to_date()
    form = forms.FilterForm(request.GET or None, organisations=probe.organisations)
    filters = form.filters() if request.GET else dashboards.Filters()
    scope = dashboards.scope_for(request.user, filters)
    assert scope is not None
    return form, filters, scope


def _csv(table: Any, name: str) -> HttpResponse:
    response = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="homeward-{name}-{timezone.localdate().isoformat()}.csv"'
    )
    return response


@login_required
def dashboard(request: HttpRequest, topic: str = "caseload") -> HttpResponse:
    if topic not in dashboards.BUILDERS:
        raise Http404
    form, filters, scope = _filters(request)
    board = dashboards.BUILDERS[topic](scope, filters)
    wanted = request.GET.get("csv")
    if wanted:
        table = next((t for t in board.tables if t.key == wanted), None)
        if table is None:
            raise Http404
        return _csv(table, f"{topic}-{table.key}")
    charts = {t.key: t.chart for t in board.tables if t.chart}
    query = filters.query()
    return render(
        request,
        "research/dashboard.html",
        {
            "form": form,
            "topic": topic,
            "topics": dashboards.TOPICS,
            "board": board,
            "scope": scope,
            "charts": charts,
            "maps": board.maps,
            "query": "&".join(f"{k}={v}" for k, v in query.items()),
            "threshold": settings.SMALL_CELL_THRESHOLD,
        },
    )


@login_required
def report(request: HttpRequest) -> HttpResponse:
    form, filters, scope = _filters(request)
    extract = research_extract(scope, filters)
    wanted = request.GET.get("csv")
    if wanted:
        table = next((t for t in extract.tables if t.key == wanted), None)
        if table is None:
            raise Http404
        return _csv(table, f"extract-{table.key}")
    return render(
        request,
        "research/report.html",
        {
            "form": form,
            "report": extract,
            "scope": scope,
            "filters": filters,
            "version": _version(),
            "generated": timezone.localtime(),
            "threshold": settings.SMALL_CELL_THRESHOLD,
            "query": "&".join(f"{k}={v}" for k, v in filters.query().items()),
        },
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("homeward")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "dev"


# ---- releases ---------------------------------------------------------------------------------------------
def _releaser(request: HttpRequest) -> None:
    if not can(request.user, Cap.RELEASE_CREATE):
        raise Http404


def _get_release(code: str) -> Release:
    if not is_uuid(code):
        raise Http404
    release = Release.objects.filter(code=code).select_related("dataset", "created_by").first()
    if release is None:
        raise Http404
    return release


@login_required
def releases(request: HttpRequest) -> HttpResponse:
    _releaser(request)
    return render(
        request,
        "research/releases.html",
        {
            "releases": Release.objects.select_related("created_by", "dataset")[:200],
            "may_manage": can(request.user, Cap.RELEASE_MANAGE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def release_kanon(request: HttpRequest) -> HttpResponse:
    _releaser(request)
    form = forms.KanonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            release = services.release_kanon(
                actor=request.user,
                title=d["title"],
                purpose=d["purpose"],
                qis=list(d["quasi_identifiers"]),
                sensitive=list(d["sensitive"]),
                k=d["k"],
                l_div=d["l_div"],
                max_suppressed=float(d["max_suppressed"]) / 100,
                opened_from=d["opened_from"],
                opened_to=d["opened_to"],
                organisation_ids=[o.id for o in d["organisations"]],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            _announce(request, release)
            return redirect("research:release", code=release.code)
    return render(
        request,
        "research/release_form.html",
        {"form": form, "kind": ReleaseKind.KANON, "qi_labels": [str(F.BY_KEY[q].label) for q in F.QI_FIELDS]},
    )


def _announce(request: HttpRequest, release: Release) -> None:
    if release.status == ReleaseStatus.READY:
        messages.success(request, _("The release is ready: it passed the independent check."))
    else:
        messages.error(request, _("The release failed the independent check and cannot be downloaded."))


@login_required
@require_http_methods(["GET", "POST"])
def release_dp(request: HttpRequest) -> HttpResponse:
    _releaser(request)
    form = forms.DpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            release = services.release_dp(
                actor=request.user,
                title=d["title"],
                purpose=d["purpose"],
                dataset=d["dataset"],
                dimensions=form.dimensions(),
                epsilon=Decimal(d["epsilon"]),
                ip=client_ip(request),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            _announce(request, release)
            return redirect("research:release", code=release.code)
    return render(
        request,
        "research/release_form.html",
        {"form": form, "kind": ReleaseKind.DP, "datasets": Dataset.objects.all()},
    )


@login_required
def release_detail(request: HttpRequest, code: str) -> HttpResponse:
    _releaser(request)
    release = _get_release(code)
    params = release.parameters
    field_label = {f.key: f.label for f in F.FIELDS}
    return render(
        request,
        "research/release_detail.html",
        {
            "release": release,
            "files": list(release.files.all()),
            "qis": [field_label.get(q, q) for q in params.get("quasi_identifiers", [])],
            "sensitive": [field_label.get(s, s) for s in params.get("sensitive", [])],
            "dimensions": [field_label.get(d, d) for d in params.get("dimensions", [])],
            "levels": [
                (field_label.get(q, q), F.level_name(q, h)) for q, h in params.get("levels", {}).items()
            ],
            "marginals": [
                (field_label.get(f, f), v) for f, v in release.utility.get("marginal_distance", {}).items()
            ],
            "may_manage": can(request.user, Cap.RELEASE_MANAGE),
            "withdraw_form": forms.WithdrawForm(),
        },
    )


@login_required
def release_download(request: HttpRequest, code: str, layout: str) -> HttpResponse:
    _releaser(request)
    if layout not in Layout.values:
        raise Http404
    release = _get_release(code)
    try:
        data = services.release_file(
            actor=request.user, release=release, layout=layout, ip=client_ip(request)
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("research:release", code=release.code)
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{release.reference}-{layout}.csv"'
    return response


@login_required
@require_POST
def release_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    if not can(request.user, Cap.RELEASE_MANAGE):
        raise Http404
    release = _get_release(code)
    form = forms.WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.release_withdraw(
                actor=request.user, release=release, reason=form.cleaned_data["reason"], ip=client_ip(request)
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The release has been withdrawn: no one can download it any more."))
    else:
        messages.error(request, _("Say why the release is withdrawn."))
    return redirect("research:release", code=release.code)


# ---- datasets ---------------------------------------------------------------------------------------------
@login_required
def datasets(request: HttpRequest) -> HttpResponse:
    _releaser(request)
    return render(
        request,
        "research/datasets.html",
        {
            "datasets": Dataset.objects.prefetch_related("spends__release", "spends__spent_by"),
            "may_manage": can(request.user, Cap.RELEASE_MANAGE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def dataset_form(request: HttpRequest, code: str | None = None) -> HttpResponse:
    if not can(request.user, Cap.RELEASE_MANAGE):
        raise Http404
    dataset = None
    if code is not None:
        if not is_uuid(code):
            raise Http404
        dataset = Dataset.objects.filter(code=code).first()
        if dataset is None:
            raise Http404
    initial: dict[str, Any] = {}
    if dataset:
        initial = {
            "name": dataset.name,
            "description": dataset.description,
            "opened_from": dataset.opened_from,
            "opened_to": dataset.opened_to,
            "epsilon_budget": dataset.epsilon_budget,
        }
    else:
        year = timezone.localdate().year - 1
        initial = {
            "opened_from": dt.date(year, 1, 1),
            "opened_to": dt.date(year, 12, 31),
            "epsilon_budget": Decimal("2"),
        }
    form = forms.DatasetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.dataset_save(
                actor=request.user, dataset=dataset, ip=client_ip(request), **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The dataset has been saved."))
            return redirect("research:datasets")
    return render(
        request,
        "research/dataset_form.html",
        {
            "form": form,
            "dataset": dataset,
            "title": _("Change the dataset") if dataset else _("New dataset"),
            "intro": _(
                "Differentially private counts are drawn from a dataset: the cases opened in a period. Each set of "
                "counts spends part of the dataset's privacy budget; when it is spent, no more counts are drawn."
            ),
        },
    )
