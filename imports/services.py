"""Writes of bulk imports: start one (store the upload, queue the dry run), check it (worker), commit it (owner),
run the commit (worker), and the workbooks offered for download (the template, the failed rows).

The dry run writes nothing but the batch's row file; the commit re-reads the stored file and re-checks every row
against the data as it is then, inside ONE transaction, and writes only when no row has an error — otherwise the
batch is FAILED and nothing is changed. The worker steps claim the batch with a conditional update, so a second
delivery of the same task does nothing."""

from __future__ import annotations

import datetime
import io
import json
import logging
from pathlib import PurePath
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from branches import permissions
from branches.audit import acting, log_access
from branches.permissions import Capability

from . import files
from .models import ImportBatch, ImportStatus, RowStatus
from .spec import ImportSpec, RowOutcome, get_spec

logger = logging.getLogger(__name__)

PORTAL_TZ = ZoneInfo("Asia/Shanghai")
ROWS_FILE_NAME = "rows.jsonl"


def _spec_or_error(kind: str) -> ImportSpec:
    try:
        return get_spec(kind)
    except KeyError:
        raise ValidationError({"kind": [gettext("没有名为“%(kind)s”的导入类型。") % {"kind": kind}]})


def _message(exc: ValidationError) -> str:
    return gettext("；").join(str(m) for m in exc.messages)


# ---- start / check -------------------------------------------------------------------------------------


def import_start(*, actor: Any, kind: str, file: Any) -> ImportBatch:
    """Store the upload as a batch owned by `actor` and queue its dry run (sent on commit).

    PermissionDenied without the kind's capability anywhere; ValidationError for a file that is too large (by
    its size, before reading), not an .xlsx workbook, password-protected or an old .xls."""
    spec = _spec_or_error(kind)
    if not permissions.has_capability_anywhere(actor, spec.capability):
        raise PermissionDenied(gettext("您没有“%(cap)s”权限。") % {"cap": Capability(spec.capability).label})
    files.check_size(file)
    data = files.read_upload(file)
    files.check_type(data)
    name = PurePath(getattr(file, "name", "") or "import.xlsx").name[:200] or "import.xlsx"
    with transaction.atomic(), acting(actor):
        batch = ImportBatch(owner=actor, kind=spec.kind, upload_name=name,
                            language=translation.get_language() or settings.LANGUAGE_CODE)
        batch.created_at = timezone.now()  # the upload path uses it before the first save
        batch.upload.save("upload.xlsx", ContentFile(data), save=False)
        batch.save()
        from .tasks import import_check_task

        batch_id = batch.pk
        transaction.on_commit(lambda: import_check_task.delay(batch_id))
    return batch


def _read_rows(spec: ImportSpec, data: bytes) -> list[tuple[int, dict[str, Any]]]:
    workbook = files.open_workbook(data)
    try:
        sheet = files.find_sheet(workbook, spec.sheet_names())
        _, rows = files.read_table(sheet, spec.columns)
    finally:
        workbook.close()
    if not rows:
        raise ValidationError(gettext("“%(sheet)s”工作表中没有数据行。") % {"sheet": spec.sheet_name})
    return rows


def _stored_bytes(batch: ImportBatch) -> bytes:
    with batch.upload.open("rb") as handle:
        return handle.read()


def _progress_writer(batch: ImportBatch, start: int, end: int):
    last = -1

    def progress(done: int, total: int) -> None:
        nonlocal last
        percent = start + (min(done, total) * (end - start) // total if total else 0)
        if percent != last:
            last = percent
            ImportBatch.objects.filter(pk=batch.pk).update(progress=min(percent, 99))

    return progress


def _counts(outcomes: list[RowOutcome]) -> dict[str, int]:
    counts = {status: 0 for status in RowStatus.values}
    for outcome in outcomes:
        counts[str(outcome.status)] += 1
    return counts


def _write_rows_file(batch: ImportBatch, outcomes: list[RowOutcome]) -> None:
    buffer = io.StringIO()
    for outcome in outcomes:
        buffer.write(json.dumps(outcome.to_json(), ensure_ascii=False, default=str))
        buffer.write("\n")
    if batch.rows_file:
        batch.rows_file.delete(save=False)
    batch.rows_file.save(ROWS_FILE_NAME, ContentFile(buffer.getvalue().encode("utf-8")), save=False)


def import_check(*, batch_id: int) -> None:
    """The dry run (worker): PENDING → CHECKING → CHECKED (row file and counts) or REJECTED (unreadable file,
    reason in `error`). A batch that is not pending is left alone."""
    now = timezone.now()
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.CHECKING, progress=0, updated_at=now)
    if claimed != 1:
        logger.info("import %s was not pending; nothing to do", batch_id)
        return
    batch = ImportBatch.objects.select_related("owner").get(pk=batch_id)
    with translation.override(batch.language), timezone.override(PORTAL_TZ), acting(batch.owner):
        try:
            _check(batch)
        except OperationalError:
            ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.CHECKING).update(
                status=ImportStatus.PENDING)
            raise
        except ValidationError as exc:
            _finish(batch, ImportStatus.REJECTED, _message(exc))
        except PermissionDenied:
            _finish(batch, ImportStatus.REJECTED, gettext("您已没有此类导入的权限，文件未检查。"))
        except Exception:
            logger.exception("import %s (%s) check failed", batch.pk, batch.kind)
            _finish(batch, ImportStatus.REJECTED,
                    gettext("检查文件时发生内部错误。请稍后重试；如仍失败，请联系系统管理员。"))


def _check(batch: ImportBatch) -> None:
    spec = _spec_or_error(batch.kind)
    owner = batch.owner
    if not owner.is_active or not permissions.has_capability_anywhere(owner, spec.capability):
        raise PermissionDenied
    rows = _read_rows(spec, _stored_bytes(batch))
    ImportBatch.objects.filter(pk=batch.pk).update(total_rows=len(rows))
    outcomes = spec.check(owner, rows, _progress_writer(batch, 0, 100))
    counts = _counts(outcomes)
    _write_rows_file(batch, outcomes)
    batch.total_rows = len(outcomes)
    batch.new_count = counts[RowStatus.NEW]
    batch.changed_count = counts[RowStatus.CHANGED]
    batch.unchanged_count = counts[RowStatus.UNCHANGED]
    batch.error_count = counts[RowStatus.ERROR]
    batch.status = ImportStatus.CHECKED
    batch.progress = 100
    batch.error = ""
    batch.checked_at = timezone.now()
    batch.save(update_fields=["rows_file", "total_rows", "new_count", "changed_count", "unchanged_count",
                              "error_count", "status", "progress", "error", "checked_at", "updated_at"])


def _finish(batch: ImportBatch, status: str, message: str) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(status=status, error=message, updated_at=timezone.now())


# ---- commit --------------------------------------------------------------------------------------------


def import_commit(*, actor: Any, batch: ImportBatch) -> ImportBatch:
    """The owner confirms a checked, error-free batch: CHECKED → IMPORTING, the commit task is queued.
    Anyone but the owner: Http404 is the selectors' job; here PermissionDenied. Not committable: ValidationError."""
    if batch.owner_id != getattr(actor, "pk", None):
        raise PermissionDenied(gettext("只有导入人本人可以确认导入。"))
    spec = _spec_or_error(batch.kind)
    if not permissions.has_capability_anywhere(actor, spec.capability):
        raise PermissionDenied(gettext("您没有“%(cap)s”权限。") % {"cap": Capability(spec.capability).label})
    batch.refresh_from_db()
    if not batch.can_commit:
        if batch.status == ImportStatus.CHECKED and batch.error_count:
            raise ValidationError(gettext("还有%(n)d行有错误，请修改文件后重新上传。") % {"n": batch.error_count})
        raise ValidationError(gettext("此批次当前状态为“%(status)s”，不能确认导入。")
                              % {"status": batch.get_status_display()})
    with transaction.atomic(), acting(actor):
        claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.CHECKED).update(
            status=ImportStatus.IMPORTING, progress=0, error="", updated_at=timezone.now())
        if claimed != 1:
            raise ValidationError(gettext("此批次已在导入或已处理。"))
        from .tasks import import_commit_task

        batch_id = batch.pk
        transaction.on_commit(lambda: import_commit_task.delay(batch_id))
    batch.refresh_from_db()
    return batch


def import_run_commit(*, batch_id: int) -> None:
    """The commit (worker): in ONE transaction re-read and re-check the stored file against the current data;
    write only when every row is still error-free, else FAILED with the reason and nothing written.
    The batch gets one audit entry (ACCESS, what="import …" with the counts) by the owner; the written models get
    the audit entries the spec records for them."""
    batch = ImportBatch.objects.select_related("owner").filter(pk=batch_id).first()
    if batch is None or batch.status != ImportStatus.IMPORTING:
        logger.info("import %s is not importing; nothing to do", batch_id)
        return
    with translation.override(batch.language), timezone.override(PORTAL_TZ):
        try:
            counts = _commit(batch)
        except OperationalError:
            raise  # the batch stays IMPORTING; the task retries
        except ValidationError as exc:
            _fail_commit(batch, _message(exc))
            return
        except PermissionDenied:
            _fail_commit(batch, gettext("您已没有此类导入的权限，未导入任何数据。"))
            return
        except Exception:
            logger.exception("import %s (%s) commit failed", batch.pk, batch.kind)
            _fail_commit(batch, gettext("导入时发生内部错误，未导入任何数据。请稍后重试；如仍失败，请联系系统管理员。"))
            return
    logger.info("import %s committed: %s", batch.pk, counts)


class _StillInvalid(ValidationError):
    pass


def _commit(batch: ImportBatch) -> dict[str, int]:
    spec = _spec_or_error(batch.kind)
    owner = batch.owner
    if not owner.is_active or not permissions.has_capability_anywhere(owner, spec.capability):
        raise PermissionDenied
    data = _stored_bytes(batch)
    with transaction.atomic(), acting(owner):
        locked = ImportBatch.objects.select_for_update().filter(pk=batch.pk, status=ImportStatus.IMPORTING)
        if not locked.exists():
            return {}
        rows = _read_rows(spec, data)
        outcomes = spec.check(owner, rows, _progress_writer(batch, 0, 50))
        bad = [o for o in outcomes if o.status == RowStatus.ERROR]
        if bad:
            first = bad[0]
            raise _StillInvalid(
                gettext("数据在检查后发生了变化，重新检查时有%(n)d行出错（如第%(row)d行：%(msg)s），未导入任何数据。"
                        "请重新上传文件检查。")
                % {"n": len(bad), "row": first.row, "msg": first.errors[0] if first.errors else ""})
        counts = spec.commit(owner, outcomes, _progress_writer(batch, 50, 100))
        counts = {"new": counts.get("new", 0), "changed": counts.get("changed", 0),
                  "unchanged": counts.get("unchanged", 0)}
        log_access(actor=owner, obj=batch,
                   what=f"import {batch.kind}: new={counts['new']} changed={counts['changed']} "
                        f"unchanged={counts['unchanged']} file={batch.upload_name}")
        now = timezone.now()
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.IMPORTED, progress=100, error="", imported_at=now, updated_at=now,
            new_count=counts["new"], changed_count=counts["changed"], unchanged_count=counts["unchanged"],
            error_count=0)
    return counts


def _fail_commit(batch: ImportBatch, message: str) -> None:
    ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.IMPORTING).update(
        status=ImportStatus.FAILED, error=message, updated_at=timezone.now())


def import_fail(*, batch_id: int, message: str | None = None) -> None:
    """Give up on a batch whose task could not run (the database stayed unavailable through every retry)."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return
    with translation.override(batch.language):
        message = message or gettext("系统暂时繁忙，未能完成，请稍后重新上传。")
        if batch.status in (ImportStatus.PENDING, ImportStatus.CHECKING):
            _finish(batch, ImportStatus.REJECTED, message)
        elif batch.status == ImportStatus.IMPORTING:
            _fail_commit(batch, message)


def batches_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of batches older than PORTAL_JOB_RESULT_DAYS (an upload holds ID numbers; the batch row
    stays, with its counts and the audit entry), and end batches left checking or importing longer than the task
    time limit (a worker that died): nothing of theirs was written. Returns the batches whose files went."""
    now = now or timezone.now()
    old = now - datetime.timedelta(days=settings.PORTAL_JOB_RESULT_DAYS)
    purged = 0
    stale = ImportBatch.objects.filter(created_at__lt=old).exclude(upload="", rows_file="").exclude(
        status__in=[ImportStatus.PENDING, ImportStatus.CHECKING, ImportStatus.IMPORTING])
    for batch in stale.only("pk", "upload", "rows_file").iterator():
        for field in (batch.upload, batch.rows_file):
            if field:
                field.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).update(upload="", rows_file="")
        purged += 1
    limit = getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800) + 300
    stuck = now - datetime.timedelta(seconds=limit)
    for batch in ImportBatch.objects.filter(status__in=[ImportStatus.CHECKING, ImportStatus.IMPORTING],
                                            updated_at__lt=stuck).only("pk", "language", "status"):
        with translation.override(batch.language):
            import_fail(batch_id=batch.pk, message=gettext("处理超时，未导入任何数据，请重新上传。"))
    return purged


# ---- workbooks -----------------------------------------------------------------------------------------


def _workbook_bytes(build) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _style_header(sheet: Any, count: int) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for col in range(1, count + 1):
        sheet.cell(row=1, column=col).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(col)].width = 18
    sheet.freeze_panes = "A2"


def template_workbook(kind: str) -> bytes:
    """The import template: the data sheet (header row + one example row) and a 说明 sheet describing each column
    (meaning, required, allowed values)."""
    spec = _spec_or_error(kind)

    def build(workbook: Any) -> None:
        sheet = workbook.active
        sheet.title = str(spec.sheet_name)
        sheet.append([str(c.label) for c in spec.columns])
        sheet.append([c.example for c in spec.columns])
        for cell in sheet[2]:
            if hasattr(cell.value, "year"):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, str):
                cell.number_format = "@"
        _style_header(sheet, len(spec.columns))
        notes = workbook.create_sheet(gettext("说明"))
        notes.append([gettext("列名"), gettext("是否必填"), gettext("说明"), gettext("可选值")])
        for column in spec.columns:
            notes.append([str(column.label), gettext("必填") if column.required else gettext("选填"),
                          str(column.help), gettext("、").join(column.allowed_values())])
        notes.append([])
        notes.append([gettext("请在“%(sheet)s”工作表中从第2行起填写数据（可删除示例行），不要修改表头。")
                      % {"sheet": spec.sheet_name}])
        _style_header(notes, 4)
        notes.column_dimensions["C"].width = 50
        notes.column_dimensions["D"].width = 60

    return _workbook_bytes(build)


def failed_rows_workbook(batch: ImportBatch) -> bytes:
    """The rows with errors, with their original values and a first column 错误说明, in the template's layout
    (so the file can be corrected and uploaded again)."""
    from .selectors import iter_batch_rows

    spec = _spec_or_error(batch.kind)

    def build(workbook: Any) -> None:
        sheet = workbook.active
        sheet.title = str(spec.sheet_name)
        sheet.append([gettext("错误说明"), *[str(c.label) for c in spec.columns]])
        for outcome in iter_batch_rows(batch, status=RowStatus.ERROR):
            values = outcome.get("values") or {}
            sheet.append([gettext("第%(row)d行：") % {"row": outcome["row"]} + gettext("；").join(outcome["errors"]),
                          *[_cell(values.get(c.key)) for c in spec.columns]])
        _style_header(sheet, len(spec.columns) + 1)
        sheet.column_dimensions["A"].width = 60

    return _workbook_bytes(build)


def _cell(value: Any) -> Any:
    if value is None:
        return None
    return value if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
