from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    name = "liaison"
    verbose_name = _("党外人才联系")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.TalentProfile)
        auditlog.register(models.LiaisonPair)
        # The private notes are for the liaison person and the unit's committee: not in the audit log either.
        auditlog.register(models.Talk, exclude_fields=["private_notes"])
        auditlog.register(models.FollowUp)
        auditlog.register(models.Review)
