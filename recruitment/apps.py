from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecruitmentConfig(AppConfig):
    name = "recruitment"
    verbose_name = _("发展党员")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Pipeline)
        auditlog.register(models.StepRecord)
        auditlog.register(models.Supporter)
        auditlog.register(models.StepAttachment)
        auditlog.register(models.WorkdayOverride)
        auditlog.register(models.RecruitmentPlan)
        auditlog.register(models.PlanTarget)
        auditlog.register(models.PlanChange)
