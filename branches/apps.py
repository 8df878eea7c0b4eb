from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = _("党组织")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Organization)
        auditlog.register(models.Role)
        auditlog.register(models.CommitteeSeat)
        auditlog.register(models.Meeting)
        auditlog.register(models.Attendance)
        auditlog.register(models.Vote)
        auditlog.register(models.AppraisalGrade)
        auditlog.register(models.MeetingAttachment)
        for model in (models.WorkNotice, models.NoticeItem, models.NoticeSubmission, models.NoticeReminder):
            auditlog.register(model)
