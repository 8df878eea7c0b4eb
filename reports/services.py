"""Writes of background jobs: start an export, run it (in the worker), fail it, purge old results.

The export page and the API both call `job_start`, so parameters are validated in one place: the
exporter's form. `job_run` claims the job with a conditional update, so a second run of the same job
does nothing; it re-checks the owner's permission, then renders under the owner's language and the
Asia/Shanghai timezone.
"""

from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext

from branches import permissions
from branches.audit import acting, log_access
from branches.permissions import Capability

from .exporters import BaseExporter, ExportError, get_exporter
from .models import Job, JobStatus

logger = logging.getLogger(__name__)

PORTAL_TZ = ZoneInfo("Asia/Shanghai")


def _form_errors(form: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, messages in form.errors.items():
        errors.setdefault("params" if field == "__all__" else field, []).extend(str(m) for m in messages)
    return errors


def _exporter_or_error(kind: str) -> BaseExporter:
    exporter = get_exporter(kind)
    if exporter is None:
        raise ValidationError({"exporter": [gettext("没有名为“%(kind)s”的导出类型。") % {"kind": kind}]})
    return exporter


def job_start(*, actor: Any, kind: str, params: Mapping[str, Any] | None, fmt: str) -> Job:
    """Validate an export request and queue it as a job owned by `actor`.

    ValidationError (Chinese messages, keyed by parameter) for bad input; PermissionDenied without the
    exporter's capability. The task is sent only after the job row is committed."""
    exporter = _exporter_or_error(kind)
    if not permissions.has_capability_anywhere(actor, exporter.capability):
        raise PermissionDenied(gettext("您没有“%(cap)s”权限。") % {"cap": Capability(exporter.capability).label})
    params = dict(params or {})
    errors: dict[str, list[str]] = {}
    if fmt not in exporter.formats:
        errors["format"] = [
            gettext("“%(name)s”可导出的格式为：%(formats)s。")
            % {"name": exporter.verbose_name, "formats": gettext("、").join(exporter.formats)}
        ]
    form = exporter.get_form(actor, data=params)
    unknown = exporter.unknown_params(form, params)
    if unknown:
        errors.setdefault("params", []).append(gettext("未知参数：%(names)s。") % {"names": gettext("、").join(unknown)})
    if not form.is_valid():
        for field, messages in _form_errors(form).items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic(), acting(actor):
        job = Job(
            owner=actor,
            kind=exporter.identifier,
            title=exporter.job_title(form)[:200],
            params=exporter.params_from(form),
            format=fmt,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        job.full_clean()
        job.save()
        from .tasks import export_run_task

        job_id = job.pk
        transaction.on_commit(lambda: export_run_task.delay(job_id))
    return job


def job_run(*, job_id: int) -> Job | None:
    """Run a pending job once. Returns None when the job was already claimed (a second run does nothing).

    Expected failures leave the job failed with a message the owner can read; unexpected ones are logged
    with their traceback and the owner sees a general message. OperationalError (a database hiccup) gives
    the job back and propagates, so the task can retry it."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, started_at=now, progress=0, updated_at=now
    )
    if claimed != 1:
        logger.info("job %s was not pending; nothing to do", job_id)
        return None
    job = Job.objects.select_related("owner").get(pk=job_id)
    with translation.override(job.language), timezone.override(PORTAL_TZ), acting(job.owner):
        try:
            _render_and_store(job)
        except OperationalError:
            Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(status=JobStatus.PENDING)
            raise
        except ExportError as exc:
            _fail(job, str(exc))
        except Http404:
            _fail(job, gettext("所选对象不存在或已不在您的权限范围内，任务未执行。"))
        except PermissionDenied:
            _fail(job, gettext("您已没有执行此导出的权限，任务未执行。"))
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            _fail(job, gettext("导出过程中发生内部错误，任务未完成。请稍后重试；如仍失败，请联系系统管理员。"))
    job.refresh_from_db()
    return job


def _render_and_store(job: Job) -> None:
    exporter = get_exporter(job.kind)
    if exporter is None:
        raise ExportError(gettext("导出类型“%(kind)s”已停用。") % {"kind": job.kind})
    owner = job.owner
    if not owner.is_active or not permissions.has_capability_anywhere(owner, exporter.capability):
        raise ExportError(
            gettext("您已不再拥有“%(cap)s”权限，任务未执行。如有疑问，请联系组织部门。")
            % {"cap": Capability(exporter.capability).label}
        )
    form = exporter.get_form(owner, data=job.params)
    if not form.is_valid():
        details = gettext("；").join(m for messages in _form_errors(form).values() for m in messages)
        raise ExportError(gettext("导出条件已失效：%(details)s") % {"details": details})

    last = -1

    def progress(done: int, total: int) -> None:
        nonlocal last
        percent = min(99, done * 100 // total) if total else 0
        if percent != last:
            last = percent
            Job.objects.filter(pk=job.pk).update(progress=percent)

    filename, content_type, payload = exporter.render(user=owner, params=job.params, fmt=job.format,
                                                      progress=progress)
    stored_name = f"{job.kind}{PurePath(filename).suffix}"
    if isinstance(payload, bytes):
        job.result.save(stored_name, ContentFile(payload), save=False)
    else:
        try:
            with open(payload, "rb") as handle:
                job.result.save(stored_name, File(handle), save=False)
        finally:
            os.remove(payload)

    note = exporter.audit_note()
    if note:
        log_access(actor=owner, obj=job, what=note)

    finished = timezone.now()
    job.result_name = filename[:200]
    job.result_type = content_type[:100]
    job.status = JobStatus.SUCCEEDED
    job.progress = 100
    job.error = ""
    job.finished_at = finished
    job.expires_at = finished + datetime.timedelta(days=settings.PORTAL_JOB_RESULT_DAYS)
    job.save(update_fields=["result", "result_name", "result_type", "status", "progress", "error",
                            "finished_at", "expires_at", "updated_at"])


def _fail(job: Job, message: str) -> None:
    finished = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, error=message, finished_at=finished, updated_at=finished,
        expires_at=finished + datetime.timedelta(days=settings.PORTAL_JOB_RESULT_DAYS),
    )


def job_fail(*, job_id: int, message: str | None = None) -> None:
    """Give up on a job that could not run (e.g. the database stayed unavailable through every retry)."""
    job = Job.objects.filter(pk=job_id, status__in=[JobStatus.PENDING, JobStatus.RUNNING]).first()
    if job is None:
        return
    with translation.override(job.language):
        _fail(job, message or gettext("系统暂时繁忙，任务未能完成，请稍后重新导出。"))


def jobs_purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete result files past their expiry (the job rows stay, marked as expired by their empty file),
    and fail jobs left running longer than the task time limit (a worker that died). Returns files deleted."""
    now = now or timezone.now()
    deleted = 0
    for job in Job.objects.filter(expires_at__lt=now).exclude(result="").only("pk", "result").iterator():
        job.result.delete(save=False)
        Job.objects.filter(pk=job.pk).update(result="")
        deleted += 1
    limit = getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800) + 300
    stale = Job.objects.filter(status=JobStatus.RUNNING, started_at__lt=now - datetime.timedelta(seconds=limit))
    for job in stale.only("pk", "language"):
        with translation.override(job.language):
            _fail(job, gettext("任务运行超时，未能完成，请重新导出。"))
    return deleted
