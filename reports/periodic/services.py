"""Writes of periodic reports: request one (a user, on demand or a rerun), generate one (the worker), fail one
after the last retry, and schedule the reports of the periods that ended (Celery beat).

A report is one row per kind, organization and period start: a rerun resets that row and, once the new files
are stored, deletes the old ones. `report_generate` claims the row with a conditional update pending →
running, so a duplicated message does nothing."""

from __future__ import annotations

import datetime
import logging
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext

from branches import permissions
from branches.audit import acting
from branches.models import Organization, OrgType
from branches.permissions import Capability

from ..models import JobStatus, PeriodicReport
from . import periods
from .kinds import REPORT_KINDS, ReportType, get_kind

logger = logging.getLogger(__name__)

PORTAL_TZ = ZoneInfo("Asia/Shanghai")
REPORT_ORG_TYPES = (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH)


class ReportError(Exception):
    """An expected failure; its (Chinese) message is shown on the report's page."""


def _kind_or_error(kind: str) -> ReportType:
    report_type = get_kind(kind)
    if report_type is None:
        raise ValidationError({"kind": [gettext("没有名为“%(kind)s”的报表类型。") % {"kind": kind}]})
    return report_type


def _enqueue(report_id: int) -> None:
    from ..tasks import periodic_report_generate_task

    transaction.on_commit(lambda: periodic_report_generate_task.delay(report_id))


def report_request(*, actor: Any, kind: str, organization: Organization,
                   period_start: datetime.date) -> PeriodicReport:
    """Generate (or regenerate) a report on demand. 404 when the organization is outside the actor's scope,
    403 without the kind's capability or EXPORT there; ValidationError for a period that is not one of the
    kind's or has not ended, and while the same report is being generated."""
    report_type = _kind_or_error(kind)
    permissions.check(actor, organization, report_type.capability)
    if not permissions.has_capability(actor, organization, Capability.EXPORT):
        raise PermissionDenied(gettext("您没有生成报表的权限（需要“导出”权限）。"))
    errors: dict[str, list[str]] = {}
    if organization.org_type not in REPORT_ORG_TYPES:
        errors["organization"] = [gettext("定期报表按党委或党总支生成，请选择上级党组织。")]
    period = periods.period_starting(report_type.rule, period_start) if period_start else None
    if period is None:
        errors["period_start"] = [gettext("所选日期不是该报表的报告期起始日。")]
    elif period.end >= timezone.localdate():
        errors["period_start"] = [gettext("报告期“%(p)s”尚未结束，结束后才能生成。") % {"p": period.label}]
    if errors:
        raise ValidationError(errors)

    with transaction.atomic(), acting(actor):
        report = (PeriodicReport.objects.select_for_update()
                  .filter(kind=report_type.kind, organization=organization, period_start=period.start).first())
        if report is not None and report.status in (JobStatus.PENDING, JobStatus.RUNNING):
            raise ValidationError(gettext("该报表正在生成，请稍候刷新页面查看。"))
        if report is None:
            report = PeriodicReport(kind=report_type.kind, organization=organization, period_start=period.start)
        report.period_end = period.end
        report.period_label = period.label
        report.status = JobStatus.PENDING
        report.attempts = 0
        report.error = ""
        report.requested_by = actor
        report.language = translation.get_language() or settings.LANGUAGE_CODE
        report.full_clean(validate_constraints=False)
        report.save()
        _enqueue(report.pk)
    return report


def report_generate(*, report_id: int) -> PeriodicReport | None:
    """Compute and store a pending report (the worker). None when it was not pending (a second delivery).

    Any exception hands the report back to pending and propagates, so the task retries it; after the last
    retry the task calls report_fail."""
    now = timezone.now()
    claimed = PeriodicReport.objects.filter(pk=report_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, attempts=F("attempts") + 1, updated_at=now)
    if claimed != 1:
        logger.info("periodic report %s was not pending; nothing to do", report_id)
        return None
    report = PeriodicReport.objects.select_related("organization").get(pk=report_id)
    try:
        with translation.override(report.language), timezone.override(PORTAL_TZ):
            _generate(report)
    except Exception:
        PeriodicReport.objects.filter(pk=report_id, status=JobStatus.RUNNING).update(status=JobStatus.PENDING)
        raise
    return report


def _generate(report: PeriodicReport) -> None:
    from .render import render_files

    report_type = get_kind(report.kind)
    if report_type is None:
        raise ReportError(gettext("报表类型“%(kind)s”已停用。") % {"kind": report.kind})
    period = periods.period_starting(report_type.rule, report.period_start)
    if period is None:
        raise ReportError(gettext("报告期起始日与报表类型不符。"))
    org = report.organization
    result = report_type.compute(org, period)
    summary = report_type.summary(result.figures, org, period)
    pdf, xlsx = render_files(report_type=report_type, org=org, period=period, result=result, summary=summary)
    old = [f.name for f in (report.pdf, report.xlsx) if f]
    stem = f"{report.kind}_{period.start:%Y%m%d}"
    with transaction.atomic():
        report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        report.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
        report.period_end, report.period_label = period.end, period.label
        report.summary, report.figures = summary, result.figures
        report.status, report.error, report.generated_at = JobStatus.SUCCEEDED, "", timezone.now()
        report.save(update_fields=["pdf", "xlsx", "period_end", "period_label", "summary", "figures", "status",
                                   "error", "generated_at", "updated_at"])
    storage = report.pdf.storage
    for name in old:
        if name not in (report.pdf.name, report.xlsx.name):
            storage.delete(name)


def report_fail(*, report_id: int, exc: BaseException | None = None) -> None:
    """After the last retry: the report is failed with a reason a reader understands (expected errors carry
    their own message; for anything else the traceback is logged and the page shows a general message)."""
    report = PeriodicReport.objects.filter(pk=report_id).exclude(status=JobStatus.SUCCEEDED).first()
    if report is None:
        return
    with translation.override(report.language):
        if isinstance(exc, ReportError):
            message = str(exc)
        elif isinstance(exc, ValidationError):
            message = gettext("；").join(exc.messages)
        else:
            logger.error("periodic report %s (%s) failed", report_id, report.kind, exc_info=exc)
            message = gettext("生成报表时发生内部错误，已自动重试%(n)d次仍未成功。请稍后点击“重新生成”；如仍失败，"
                              "请联系系统管理员。") % {"n": max(report.attempts - 1, 0)}
    PeriodicReport.objects.filter(pk=report_id).update(status=JobStatus.FAILED, error=message,
                                                       updated_at=timezone.now())


def reports_schedule(*, today: datetime.date | None = None) -> list[int]:
    """Create (or reset a failed or stale) report of the last finished period of each kind for every organization
    that gets reports, and enqueue them. Idempotent: reports already succeeded, pending or running (recently) are
    left alone, so a second call the same day creates nothing. Returns the ids enqueued."""
    today = today or timezone.localdate()
    # A report still pending or running long after any task could have finished lost its message (a broker
    # restart, a worker killed): it is queued again.
    stale_before = timezone.now() - datetime.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800) + 300)
    enqueued: list[int] = []
    with transaction.atomic():
        for report_type in REPORT_KINDS.values():
            period = periods.last_finished(report_type.rule, today)
            orgs = list(periods.report_organizations(open_only=False).filter(periods.existing_q(period))
                        .only("pk", "path"))
            existing = {r.organization_id: r for r in PeriodicReport.objects.filter(
                kind=report_type.kind, period_start=period.start, organization__in=orgs)}
            for org in orgs:
                report = existing.get(org.pk)
                if report is not None and report.status != JobStatus.FAILED and not (
                        report.status != JobStatus.SUCCEEDED and report.updated_at < stale_before):
                    continue
                if report is None:
                    report = PeriodicReport(kind=report_type.kind, organization=org, period_start=period.start,
                                            language=settings.LANGUAGE_CODE)
                report.period_end, report.period_label = period.end, period.label
                report.status, report.attempts, report.error = JobStatus.PENDING, 0, ""
                report.save()
                _enqueue(report.pk)
                enqueued.append(report.pk)
    return enqueued
