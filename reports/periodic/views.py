"""Pages of the periodic reports: the list in scope, a report's page with its summary and downloads, the
on-demand form and the rerun button. Files are served only through the scope-checked download view."""

from __future__ import annotations

import datetime
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from branches import permissions
from branches.permissions import Capability, capability_required

from ..views import content_disposition
from . import selectors, services
from .kinds import REPORT_KINDS, get_kind

CONTENT_TYPES = {"pdf": "application/pdf",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    kinds = selectors.visible_kinds(request.user)
    if not kinds:
        raise selectors.no_capability()
    qs = selectors.reports(user=request.user, params=request.GET)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "reports/periodic/list.html", {
        "page": page, "kinds": kinds, "organizations": selectors.filter_organizations(user=request.user),
        "params": request.GET, "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
        "can_generate": permissions.has_capability_anywhere(request.user, Capability.EXPORT), "nav_active": "reports",
    })


@login_required
def report_card(request: HttpRequest) -> HttpResponse:
    """The dashboard card (loaded by htmx): the reports generated last, in the user's scope."""
    if not selectors.visible_kinds(request.user):
        raise selectors.no_capability()
    return render(request, "reports/periodic/_card.html", {"reports": selectors.latest(user=request.user)})


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    report_type = get_kind(report.kind)
    return render(request, "reports/periodic/detail.html", {
        "report": report, "key_figures": report_type.key_figures(report.figures or {}),
        "can_generate": selectors.can_generate(request.user, report), "nav_active": "reports",
    })


@login_required
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status fragment the page polls (htmx) while the report is being generated."""
    report = selectors.report_get(user=request.user, pk=pk)
    return render(request, "reports/periodic/_status.html", {"report": report})


@login_required
def report_download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    field = {"pdf": report.pdf, "xlsx": report.xlsx}.get(fmt)
    if field is None or not field or report.status != services.JobStatus.SUCCEEDED:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404
    name = f"{report.organization.short_name}{report.get_kind_display()}_{report.period_label}.{fmt}"
    response = FileResponse(handle, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(name, f"report_{report.pk}{PurePath(field.name).suffix}")
    return response


@capability_required(Capability.EXPORT)
def report_generate(request: HttpRequest) -> HttpResponse:
    organizations = selectors.report_organizations(user=request.user)
    errors: dict[str, list[str]] = {}
    data = request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        kind = data.get("kind", "")
        if not str(data.get("organization", "")).isdigit():
            errors["organization"] = [gettext("请选择党组织。")]
        try:
            start = datetime.date.fromisoformat(data.get("period_start", ""))
        except ValueError:
            errors["period_start"] = [gettext("请选择报告期。")]
        if not errors:
            org = permissions.get_org_or_404(request.user, data.get("organization"), Capability.EXPORT)
            try:
                report = services.report_request(actor=request.user, kind=kind, organization=org, period_start=start)
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            else:
                messages.success(request, gettext("已开始生成报表，完成后可在本页下载。"))
                return redirect("periodic_reports:detail", pk=report.pk)
    return render(request, "reports/periodic/generate.html", {
        "kinds": [k for k in REPORT_KINDS.values()
                  if permissions.has_capability_anywhere(request.user, k.capability)],
        "organizations": organizations, "periods": selectors.period_choices(today=timezone.localdate()),
        "data": data, "errors": errors, "non_field_errors": errors.get("__all__", []), "nav_active": "reports",
    }, status=400 if errors else 200)


@require_POST
@login_required
def report_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    try:
        services.report_request(actor=request.user, kind=report.kind, organization=report.organization,
                                period_start=report.period_start)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied:
        raise
    else:
        messages.success(request, gettext("已重新开始生成，完成后将替换原有文件。"))
    return redirect("periodic_reports:detail", pk=report.pk)
