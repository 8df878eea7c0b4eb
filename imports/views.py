"""Pages of the bulk imports: the kinds the user may import, the upload, a batch's progress and preview, the commit,
the template and the failed rows. Thin: the services and selectors of this app do the work."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from branches import permissions
from reports.views import content_disposition

from . import selectors, services
from .forms import ImportUploadForm
from .models import ImportBatch, ImportKind, RowStatus
from .spec import ImportSpec, get_spec

PAGE_SIZE = 50
RECENT = 10
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_ICONS = {
    ImportKind.ORGANIZATIONS: "bi-diagram-3",
    ImportKind.PEOPLE: "bi-people",
    ImportKind.MEMBERSHIPS: "bi-person-vcard",
    ImportKind.TALENT_POOL: "bi-person-workspace",
}
KIND_DESCRIPTIONS = {
    ImportKind.ORGANIZATIONS: gettext_lazy("新设党组织及其基本信息；上级党组织须已存在或在文件中排在前面。"),
    ImportKind.PEOPLE: gettext_lazy("人员基本信息；按公民身份号码（无号码时按姓名和出生日期）识别已有人员。"),
    ImportKind.MEMBERSHIPS: gettext_lazy("已有人员的党籍信息：人员类别、入党和转正日期、党籍状态等。"),
    ImportKind.TALENT_POOL: gettext_lazy("已有党外人员录入党外人才信息库，或更新其入库信息。"),
}


def _spec_or_404(kind: str) -> ImportSpec:
    if kind not in ImportKind.values:
        raise Http404
    try:
        return get_spec(kind)
    except KeyError:
        raise Http404


def spec_for(user: Any, kind: str) -> ImportSpec:
    """The spec of an import kind the user may start: unknown kind → 404, without its capability anywhere → 403."""
    spec = _spec_or_404(kind)
    if not permissions.has_capability_anywhere(user, spec.capability):
        raise PermissionDenied(gettext("您没有导入%(kind)s的权限。") % {"kind": spec.verbose_name})
    return spec


def specs_for(user: Any) -> list[ImportSpec]:
    """The kinds the user may import, in the order of ImportKind."""
    specs = []
    for kind in ImportKind.values:
        try:
            spec = get_spec(kind)
        except KeyError:
            continue
        if permissions.has_capability_anywhere(user, spec.capability):
            specs.append(spec)
    return specs


def xlsx_response(content: bytes, filename: str, fallback: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition(filename, fallback)
    response["Cache-Control"] = "private, no-store"
    return response


def template_filename(spec: ImportSpec) -> str:
    return gettext("%(kind)s导入模板.xlsx") % {"kind": spec.verbose_name}


def failed_filename(batch: ImportBatch) -> str:
    stem = batch.upload_name.rsplit(".", 1)[0] if batch.upload_name else batch.kind
    return gettext("%(name)s_错误行.xlsx") % {"name": stem}


@login_required
def index(request: HttpRequest) -> HttpResponse:
    specs = specs_for(request.user)
    if not specs:
        raise PermissionDenied(gettext("您没有批量导入的权限。"))
    kinds = [{"spec": spec, "icon": KIND_ICONS.get(spec.kind, "bi-file-earmark-spreadsheet"),
              "description": KIND_DESCRIPTIONS.get(spec.kind, "")} for spec in specs]
    batches = list(selectors.batches_for(request.user)[:RECENT])
    return render(request, "imports/index.html", {"kinds": kinds, "batches": batches, "nav_active": "imports"})


@login_required
def upload(request: HttpRequest, kind: str) -> HttpResponse:
    spec = spec_for(request.user, kind)
    form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.import_start(actor=request.user, kind=spec.kind, file=form.cleaned_data["file"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            messages.success(request, gettext("已上传“%(name)s”。") % {"name": batch.upload_name})
            return redirect("imports:detail", batch_uuid=batch.uuid)
    return render(request, "imports/upload.html", {
        "spec": spec, "form": form, "columns": spec.columns, "nav_active": "imports",
    })


def _preview(request: HttpRequest, batch: ImportBatch) -> dict[str, Any]:
    """The filter tabs and one page of rows of a checked batch."""
    status = request.GET.get("status") or ""
    if status not in RowStatus.values:
        status = ""
    counts = {RowStatus.NEW: batch.new_count, RowStatus.CHANGED: batch.changed_count,
              RowStatus.UNCHANGED: batch.unchanged_count, RowStatus.ERROR: batch.error_count}
    tabs = [{"status": "", "label": gettext("全部"), "count": batch.total_rows, "active": status == ""}]
    tabs += [{"status": value, "label": label, "count": counts[value], "active": status == value}
             for value, label in RowStatus.choices]
    try:
        number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        number = 1
    rows, total = selectors.batch_rows(batch, status=status or None, offset=(number - 1) * PAGE_SIZE,
                                       limit=PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if number > pages:  # past the end: show the last page
        number = pages
        rows, total = selectors.batch_rows(batch, status=status or None, offset=(number - 1) * PAGE_SIZE,
                                           limit=PAGE_SIZE)
    return {"status": status, "tabs": tabs, "rows": rows, "page_number": number, "pages": pages,
            "has_previous": number > 1, "has_next": number < pages}


@login_required
def batch_detail(request: HttpRequest, batch_uuid: str) -> HttpResponse:
    batch = selectors.get_batch_or_404(request.user, batch_uuid)
    spec = _spec_or_404(batch.kind)
    context: dict[str, Any] = {"batch": batch, "spec": spec, "nav_active": "imports",
                               "retention_days": settings.PORTAL_JOB_RESULT_DAYS}
    if batch.rows_file and not batch.is_busy:
        context.update(_preview(request, batch))
    return render(request, "imports/batch.html", context)


@login_required
def batch_progress(request: HttpRequest, batch_uuid: str) -> HttpResponse:
    batch = selectors.get_batch_or_404(request.user, batch_uuid)
    response = render(request, "imports/_progress.html", {"batch": batch})
    if request.htmx and not batch.is_busy:
        response["HX-Refresh"] = "true"  # the work is done: load the page again with the preview
    return response


@login_required
@require_POST
def batch_commit(request: HttpRequest, batch_uuid: str) -> HttpResponse:
    batch = selectors.get_batch_or_404(request.user, batch_uuid)
    try:
        services.import_commit(actor=request.user, batch=batch)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        batch.refresh_from_db(fields=["status"])
        if batch.is_busy:  # with eager jobs (and a fast worker) the import is already done: the page says so
            messages.info(request, gettext("已开始导入，请稍候。"))
    return redirect("imports:detail", batch_uuid=batch.uuid)


@login_required
def template_download(request: HttpRequest, kind: str) -> HttpResponse:
    spec = spec_for(request.user, kind)
    return xlsx_response(services.template_workbook(spec.kind), template_filename(spec),
                         f"{spec.kind}_template.xlsx")


@login_required
def failed_rows_download(request: HttpRequest, batch_uuid: str) -> HttpResponse:
    batch = selectors.get_batch_or_404(request.user, batch_uuid)
    if not batch.rows_file or batch.error_count == 0:
        raise Http404
    fallback = f"{batch.kind}_errors_{timezone.localtime(batch.created_at):%Y%m%d}.xlsx"
    return xlsx_response(services.failed_rows_workbook(batch), failed_filename(batch), fallback)
