"""Reminders for branch secretaries: what is due or overdue, one row per user, thing and day."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .tree import Organization

__all__ = ["Notification", "NotificationKind"]


class NotificationKind(models.TextChoices):
    MEETING_DUE = "meeting_due", _("会议待召开")
    MEETING_OVERDUE = "meeting_overdue", _("会议已逾期")
    NOTICE_DUE = "notice_due", _("督办事项临近截止")
    NOTICE_OVERDUE = "notice_overdue", _("督办事项已逾期")
    RECRUITMENT_DUE = "recruitment_due", _("发展党员事项临近期限")
    RECRUITMENT_OVERDUE = "recruitment_overdue", _("发展党员事项已超期")


class Notification(models.Model):
    """A reminder shown to one user. `key` names the thing (e.g. "meeting:committee:2026-11:12"); the same
    thing is reminded at most once per user and day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             verbose_name=_("用户"))
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="notifications",
                                     verbose_name=_("党组织"))
    kind = models.CharField(_("类型"), max_length=20, choices=NotificationKind.choices)
    key = models.CharField(_("事项标识"), max_length=120)
    title = models.CharField(_("标题"), max_length=300)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_on = models.DateField(_("提醒日期"))
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待办提醒")
        verbose_name_plural = _("待办提醒")
        ordering = ["read_at", "-created_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key", "created_on"], name="notification_once_a_day"),
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.title}"

    @property
    def is_overdue(self) -> bool:
        return self.kind in (NotificationKind.MEETING_OVERDUE, NotificationKind.NOTICE_OVERDUE,
                             NotificationKind.RECRUITMENT_OVERDUE)
