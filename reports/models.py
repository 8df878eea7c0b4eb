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
