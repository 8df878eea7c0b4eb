"""manage.py seed_demo --scale small|cas [--reset]: the demo system and the demo accounts of DESIGN.md."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.demo import DEFAULT_SEED, SCALES, build_demo, reset_portal_data
from branches.models import Organization
from branches.selectors import tree_changed


class Command(BaseCommand):
    help = _(
        "生成演示数据：党组织树、人员与演示账号（密码见 PORTAL_DEMO_PASSWORD）。"
        "small 供快速上手使用，cas 为全院规模（约 2,500 个党支部、80,000 人）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # argparse formats plain strings only: resolve the translations now.
        parser.description = str(self.help)
        parser.add_argument("--scale", choices=sorted(SCALES), default="small", help=str(_("数据规模")))
        parser.add_argument("--reset", action="store_true", help=str(_("先清空平台全部数据（含账号与审计日志）")))
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                            help=str(_("随机种子（同一种子同一天生成相同数据）")))
        parser.add_argument(
            "--allow-production", action="store_true",
            help=str(_("在 DEBUG 关闭的环境中也允许运行（会创建公开密码的演示账号）")),
        )

    def handle(self, *args, scale: str, reset: bool, seed: int, allow_production: bool, **options) -> None:
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                gettext("当前为生产配置（DEBUG 关闭），不生成演示数据。演示账号使用公开密码；确需生成请加 --allow-production。")
            )
        with transaction.atomic():
            if reset:
                reset_portal_data()
                self.stdout.write(gettext("已清空平台数据。"))
            elif Organization.objects.exists():
                self.stdout.write(gettext("数据库中已有党组织，未生成演示数据（如需重建请加 --reset）。"))
                return
            summary = build_demo(scale, seed=seed, log=self.stdout.write)
            transaction.on_commit(tree_changed)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Bulk-loaded tables have no statistics and no visibility map yet; the planner and index-only
            # scans (counts on list pages) need both. Autovacuum would get there later; do it now (VACUUM
            # cannot run inside a transaction, e.g. a test's).
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        self.stdout.write(self.style.SUCCESS(
            gettext(
                "演示数据（%(scale)s）已生成：党组织 %(orgs)d 个，其中党支部 %(branches)d 个；"
                "党员 %(members)d 人，非党员 %(non_members)d 人；用时 %(seconds).1f 秒。"
            ) % {"scale": scale, "orgs": summary.organizations, "branches": summary.branches,
                 "members": summary.members, "non_members": summary.non_members, "seconds": summary.seconds}
        ))
        self.stdout.write(
            gettext("演示账号：admin、zuzhibu、dangwei、shuji_a、shuji_b、dangyuan，密码 %(password)s")
            % {"password": settings.PORTAL_DEMO_PASSWORD}
        )
