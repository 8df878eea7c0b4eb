from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("人员")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Person, mask_fields=["id_number"], exclude_fields=["name_pinyin", "name_initials"])
        auditlog.register(models.PartyMembership)
        auditlog.register(models.TrainingRecord)
