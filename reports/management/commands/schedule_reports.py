"""Queue now what the nightly schedule would: the periodic reports of the periods that ended and lack one."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reports.periodic.services import reports_schedule


class Command(BaseCommand):
    help = _("为已结束、尚无报表的报告期排队生成定期报表（与每晚的定时任务相同；已生成的不会重复）")

    def handle(self, *args, **options) -> None:
        queued = reports_schedule()
        self.stdout.write(gettext("已排队生成 %(n)d 份定期报表。") % {"n": len(queued)})
