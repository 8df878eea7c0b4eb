"""Pages of the jobs and exports: my jobs, start an export, a job's live progress, the owner's download."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext

from branches import permissions

from . import services
from .exporters import BaseExporter, exporters_for, get_exporter
from .forms import FormatForm
from .models import Job
from .selectors import job_get, job_list

PAGE_SIZE = 20


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    page = Paginator(job_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "jobs": list(page.object_list),
        "exporters": exporters_for(request.user),
        "nav_active": "jobs",
    }
    context["polling"] = any(not job.is_finished for job in context["jobs"])
    if request.htmx:
        return render(request, "reports/_job_table.html", context)
    return render(request, "reports/jobs.html", context)


def _initial(form: Any, data: QueryDict) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for name, field in form.fields.items():
        if name not in data:
            continue
        initial[name] = data.getlist(name) if getattr(field.widget, "allow_multiple_selected", False) \
            else data.get(name)
    return initial


def _hidden_params(params: dict[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, "true" if item is True else "false" if item is False else str(item)))
    return pairs


def _back_url(exporter: BaseExporter, params: dict[str, Any]) -> str | None:
    if not exporter.back_url_name:
        return None
    try:
        url = reverse(exporter.back_url_name)
    except NoReverseMatch:
        return None
    query = urlencode(_hidden_params(params))
    return f"{url}?{query}" if query else url


@login_required
def export_start(request: HttpRequest, identifier: str) -> HttpResponse:
    exporter = get_exporter(identifier)
    if exporter is None:
        raise Http404
    if not permissions.has_capability_anywhere(request.user, exporter.capability):
        raise PermissionDenied(gettext("您没有导出权限。"))
    data = request.POST if request.method == "POST" else request.GET
    exporter.check_access(request.user, data)

    bound = exporter.get_form(request.user, data=data)
    format_form = FormatForm(data if request.method == "POST" else None, exporter=exporter,
                             initial={"format": request.GET.get("format") or exporter.formats[0]})
    if request.method == "POST":
        form = bound
        if form.is_valid() and format_form.is_valid():
            try:
                job = services.job_start(actor=request.user, kind=exporter.identifier,
                                         params=exporter.params_from(form), fmt=format_form.cleaned_data["format"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    if field == "format":
                        target_form, target = format_form, "format"
                    else:
                        target_form, target = form, (field if field in form.fields else None)
                    for error in errors:
                        target_form.add_error(target, error)
            else:
                messages.success(request, gettext("导出任务已开始，完成后即可下载。"))
                return redirect("reports:job_detail", job_uuid=job.uuid)
        params_valid = form.is_valid()
    else:
        form = exporter.get_form(request.user, initial=_initial(bound, data))
        params_valid = bound.is_valid()
    params = exporter.params_from(bound)
    context = {
        "exporter": exporter,
        "form": form,
        "format_form": format_form,
        "summary_mode": exporter.params_as_summary,
        "summary": exporter.describe(bound) if params_valid else [],
        "estimate": exporter.estimate(request.user, params) if params_valid else None,
        "param_errors": [] if params_valid else [str(e) for errs in bound.errors.values() for e in errs],
        "hidden_params": _hidden_params(params),
        "back_url": _back_url(exporter, params),
        "keep_days": settings.PORTAL_JOB_RESULT_DAYS,
        "nav_active": "jobs",
    }
    return render(request, "reports/export_start.html", context)


@login_required
def job_detail(request: HttpRequest, job_uuid: str) -> HttpResponse:
    job = job_get(user=request.user, job_uuid=job_uuid)
    exporter = get_exporter(job.kind)
    summary: list[tuple[str, str]] = []
    if exporter is not None:
        form = exporter.get_form(request.user, data=job.params)
        if form.is_valid():
            summary = exporter.describe(form)
    return render(request, "reports/job_detail.html", {
        "job": job,
        "exporter": exporter,
        "summary": summary,
        "nav_active": "jobs",
    })


@login_required
def job_progress(request: HttpRequest, job_uuid: str) -> HttpResponse:
    job = job_get(user=request.user, job_uuid=job_uuid)
    return render(request, "reports/_job_progress.html", {"job": job})


def content_disposition(filename: str, fallback: str) -> str:
    """attachment with an ASCII fallback and the real (Chinese) name per RFC 5987/6266."""
    ascii_name = (filename if filename.isascii() else fallback).replace("\\", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_response(job: Job) -> FileResponse:
    """The result file of a finished job (callers have checked the owner)."""
    if not job.is_downloadable or (job.expires_at and job.expires_at < timezone.now()):
        raise Http404
    try:
        handle = job.result.open("rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(handle, content_type=job.result_type or "application/octet-stream")
    suffix = job.result_name.rsplit(".", 1)[-1] if "." in job.result_name else "bin"
    fallback = f"{job.kind}_{timezone.localtime(job.finished_at or job.created_at):%Y%m%d}.{suffix}"
    response["Content-Disposition"] = content_disposition(job.result_name or fallback, fallback)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def job_download(request: HttpRequest, job_uuid: str) -> FileResponse:
    return download_response(job_get(user=request.user, job_uuid=job_uuid))
