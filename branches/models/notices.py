"""Work notices (工作提示 / 督办): a committee asks the branches under it to do things by a deadline."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .meetings import Meeting, MeetingType
from .tree import Organization, TimeStampedModel

__all__ = [
    "NoticeStatus", "WorkNotice", "NoticeRecipient", "RequirementKind", "NoticeItem", "NoticeSubmission",
    "NoticeReminder",
]


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已下发")


class WorkNotice(TimeStampedModel):
    """A notice issued by a committee (or general branch) to the open branches under it."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="issued_notices",
                                     verbose_name=_("下发组织"))
    number = models.CharField(_("期次"), max_length=40, blank=True, help_text=_("例如“第3期”"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT)
    issued_at = models.DateTimeField(_("下发时间"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("下发人"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("起草人"))

    class Meta:
        verbose_name = _("工作提示")
        verbose_name_plural = _("工作提示")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["organization", "status"], name="notice_org_status")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    @property
    def is_issued(self) -> bool:
        return self.status == NoticeStatus.ISSUED


class NoticeRecipient(models.Model):
    """A branch the notice was addressed to, fixed when the notice is issued."""

    notice = models.ForeignKey(WorkNotice, on_delete=models.CASCADE, related_name="recipients",
                               verbose_name=_("工作提示"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="received_notices",
                                     verbose_name=_("党支部"))

    class Meta:
        verbose_name = _("接收支部")
        verbose_name_plural = _("接收支部")
        constraints = [models.UniqueConstraint(fields=["notice", "organization"], name="notice_recipient_once")]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.organization_id}"


class RequirementKind(models.TextChoices):
    MEETING_HELD = "meeting_held", _("召开会议")
    FILE_UPLOAD = "file_upload", _("上传文件")
    WRITTEN_REPORT = "written_report", _("书面报告")


class NoticeItem(models.Model):
    notice = models.ForeignKey(WorkNotice, on_delete=models.CASCADE, related_name="items", verbose_name=_("工作提示"))
    order = models.PositiveIntegerField(_("序号"), default=1)
    title = models.CharField(_("事项"), max_length=200)
    description = models.TextField(_("要求"), blank=True)
    deadline = models.DateField(_("截止日期"))
    requirement = models.CharField(_("提交内容"), max_length=20, choices=RequirementKind.choices,
                                   default=RequirementKind.WRITTEN_REPORT)
    meeting_type = models.CharField(_("会议类型"), max_length=30, choices=MeetingType.choices, blank=True)

    class Meta:
        verbose_name = _("督办事项")
        verbose_name_plural = _("督办事项")
        ordering = ["notice", "order", "id"]

    def __str__(self) -> str:
        return self.title


def notice_file_path(instance: NoticeSubmission, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"notices/{instance.item_id}/{uuid.uuid4().hex}.{suffix}"


class NoticeSubmission(models.Model):
    """A branch's answer to one item."""

    item = models.ForeignKey(NoticeItem, on_delete=models.CASCADE, related_name="submissions",
                             verbose_name=_("督办事项"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="notice_submissions",
                                     verbose_name=_("党支部"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="+", verbose_name=_("提交人"))
    submitted_at = models.DateTimeField(_("提交时间"))
    text = models.TextField(_("情况说明"), blank=True)
    file = models.FileField(_("文件"), upload_to=notice_file_path, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    content_type = models.CharField(max_length=100, blank=True)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("会议"))
    late = models.BooleanField(_("逾期"), default=False)

    class Meta:
        verbose_name = _("提交材料")
        verbose_name_plural = _("提交材料")
        constraints = [
            models.UniqueConstraint(fields=["item", "organization"], name="notice_submission_once",
                                    violation_error_message=_("本支部已提交过该事项。")),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} · {self.organization_id}"


class NoticeReminder(models.Model):
    """A reminder (催办) sent to a branch: shown in the portal, e-mailed if possible, at most once a day."""

    notice = models.ForeignKey(WorkNotice, on_delete=models.CASCADE, related_name="reminders",
                               verbose_name=_("工作提示"))
    item = models.ForeignKey(NoticeItem, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders",
                             verbose_name=_("督办事项"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="notice_reminders",
                                     verbose_name=_("党支部"))
    sent_on = models.DateField(_("催办日期"))
    sent_at = models.DateTimeField(_("催办时间"), auto_now_add=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("催办人"))
    emailed_to = models.JSONField(_("邮件接收人"), default=list, blank=True)

    class Meta:
        verbose_name = _("催办记录")
        verbose_name_plural = _("催办记录")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "organization", "sent_on"], name="notice_reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.organization_id} · {self.sent_on}"
