"""One bulk import a user started: the uploaded workbook, the dry run's outcome per row, the commit.

The uploaded file and the row outcomes live in PORTAL_JOB_ROOT (no URL; served only to the owner)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from branches.models import TimeStampedModel
from reports.models import job_result_storage


class ImportKind(models.TextChoices):
    ORGANIZATIONS = "organizations", _("党组织")
    PEOPLE = "people", _("人员")
    MEMBERSHIPS = "memberships", _("党籍信息")
    TALENT_POOL = "talent_pool", _("党外人才库")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    CHECKING = "checking", _("检查中")
    CHECKED = "checked", _("已检查")          # dry run done; commit possible when error_count == 0
    REJECTED = "rejected", _("文件无法导入")  # the file itself is unreadable (message in `error`)
    IMPORTING = "importing", _("导入中")
    IMPORTED = "imported", _("已导入")
    FAILED = "failed", _("导入失败")          # the commit failed; nothing was written


class RowStatus(models.TextChoices):
    NEW = "new", _("新增")
    CHANGED = "changed", _("修改")
    UNCHANGED = "unchanged", _("无变化")
    ERROR = "error", _("有错误")


def import_upload_path(batch: ImportBatch, filename: str) -> str:
    return f"imports/{batch.created_at:%Y/%m}/{batch.uuid}/{filename}"


class ImportBatch(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_batches",
                              verbose_name=_("导入人"))
    kind = models.CharField(_("导入类型"), max_length=20, choices=ImportKind.choices)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    upload = models.FileField(_("上传文件"), upload_to=import_upload_path, storage=job_result_storage,
                              max_length=255)
    upload_name = models.CharField(_("文件名"), max_length=200)
    status = models.CharField(_("状态"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    new_count = models.PositiveIntegerField(_("新增"), default=0)
    changed_count = models.PositiveIntegerField(_("修改"), default=0)
    unchanged_count = models.PositiveIntegerField(_("无变化"), default=0)
    error_count = models.PositiveIntegerField(_("有错误"), default=0)
    # The dry run's outcome per row, as JSON lines in the job storage: {"row": n, "status": ..., "key": ...,
    # "values": {...}, "changes": {...}, "errors": [...]}. Pages read it paged; the failed-rows file is built from it.
    rows_file = models.FileField(_("逐行结果"), upload_to=import_upload_path, storage=job_result_storage,
                                 blank=True, max_length=255)
    error = models.TextField(_("错误信息"), blank=True)
    checked_at = models.DateTimeField(_("检查完成时间"), null=True, blank=True)
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("批量导入")
        verbose_name_plural = _("批量导入")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.upload_name} ({self.get_status_display()})"

    @property
    def can_commit(self) -> bool:
        return (self.status == ImportStatus.CHECKED and self.error_count == 0 and self.total_rows > 0
                and bool(self.upload))  # the upload is gone after the retention period

    @property
    def is_busy(self) -> bool:
        return self.status in (ImportStatus.PENDING, ImportStatus.CHECKING, ImportStatus.IMPORTING)
