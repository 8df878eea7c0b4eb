"""Background jobs a user started (exports, imports, report generation) and their result files."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from branches.models import TimeStampedModel


class JobStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


def job_result_path(job: Job, filename: str) -> str:
    return f"{job.created_at:%Y/%m}/{job.uuid}/{filename}"


@deconstructible
class JobResultStorage(FileSystemStorage):
    """Result files live outside MEDIA_ROOT and have no URL: only the owner-checked view serves them.

    The folder is settings.PORTAL_JOB_ROOT (default: VAR_DIR/jobs), read when first used."""

    @cached_property
    def base_location(self) -> str:
        root = getattr(settings, "PORTAL_JOB_ROOT", None) or Path(settings.VAR_DIR) / "jobs"
        return str(root)

    def _clear_cached_properties(self, setting: str, **kwargs) -> None:
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PORTAL_JOB_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name: str | None) -> str:
        raise ValueError("Job results are served only through the owner-checked download view.")


job_result_storage = JobResultStorage()


class Job(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs",
                              verbose_name=_("发起人"))
    kind = models.CharField(_("任务类型"), max_length=60)
    title = models.CharField(_("名称"), max_length=200)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    format = models.CharField(_("格式"), max_length=10, blank=True)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    status = models.CharField(_("状态"), max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    result = models.FileField(_("结果文件"), upload_to=job_result_path, storage=job_result_storage, blank=True,
                              max_length=255)
    result_name = models.CharField(_("文件名"), max_length=200, blank=True)
    result_type = models.CharField(max_length=100, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"]), models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def is_downloadable(self) -> bool:
        return self.status == JobStatus.SUCCEEDED and bool(self.result)


class ReportKind(models.TextChoices):
    COMPLIANCE_MONTHLY = "compliance_monthly", _("三会一课月度落实情况")
    PLAN_QUARTERLY = "plan_quarterly", _("发展党员计划季度进展")
    LIAISON_YEARLY = "liaison_yearly", _("党外人才与联系服务年度报告")
    STUDY_SEMESTER = "study_semester", _("高知群体发展党员工作学期专题")
    RECRUITMENT_YEARLY = "recruitment_yearly", _("年度发展党员工作报告")


def periodic_report_path(report: PeriodicReport, filename: str) -> str:
    return f"periodic/{report.kind}/{report.period_start:%Y}/{report.organization_id}/{filename}"


class PeriodicReport(TimeStampedModel):
    """A report of one kind for one organization's subtree and one finished period (reports.periodic).

    One row per (kind, organization, period start): a rerun resets the row and replaces its files."""

    kind = models.CharField(_("报表类型"), max_length=40, choices=ReportKind.choices)
    organization = models.ForeignKey("branches.Organization", on_delete=models.PROTECT,
                                     related_name="periodic_reports", verbose_name=_("党组织"))
    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束"))
    period_label = models.CharField(_("期间"), max_length=40)
    status = models.CharField(_("状态"), max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error = models.TextField(_("失败原因"), blank=True)
    summary = models.TextField(_("摘要"), blank=True)
    figures = models.JSONField(_("主要数据"), default=dict, blank=True)
    pdf = models.FileField(_("PDF 文件"), upload_to=periodic_report_path, storage=job_result_storage, blank=True,
                           max_length=255)
    xlsx = models.FileField(_("XLSX 文件"), upload_to=periodic_report_path, storage=job_result_storage, blank=True,
                            max_length=255)
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("发起人"))
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")

    class Meta:
        verbose_name = _("定期报表")
        verbose_name_plural = _("定期报表")
        ordering = ["-period_start", "kind", "organization__path"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "organization", "period_start"], name="periodic_report_unique",
                                    violation_error_message=_("该党组织本期的报表已经存在。")),
        ]
        indexes = [models.Index(fields=["kind", "-period_start"], name="periodic_report_kind_period")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_label}"

    @property
    def is_downloadable(self) -> bool:
        return self.status == JobStatus.SUCCEEDED and bool(self.pdf)
