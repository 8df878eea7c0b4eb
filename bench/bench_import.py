"""Benchmark: importing N people (default 20,000) from one XLSX — django-import-export's stock import against the
portal's import engine (imports/kinds/people.py), with the same validation.

Writes the workbook (realistic Chinese names, valid ID numbers, a few organizations), then in ONE transaction that
is rolled back at the end (each run in its own savepoint, rolled back after it is measured):

(a) stock: `StockPersonResource`, a ModelResource for Person (import_id_fields = id_number, the same widgets),
    clean_model_instances=True, and the services' rules per row in `validate_instance` (members.services:
    _check_target, pinyin, _validate with its ID-number lookup), through
    `import_data(dataset, dry_run=False, use_transactions=True)` on the dataset tablib reads from the file;
(b) engine: read_table + PeopleSpec.check + PeopleSpec.commit (the dry run and the commit the worker runs).

Time (wall) and peak Python memory (tracemalloc) of each, and the ratios. Target: the engine ≥ 3× faster.

    .venv/bin/python bench/bench_import.py --people 2000                          # SQLite smoke run
    .venv/bin/python bench/bench_import.py --database-url postgres://postgres@127.0.0.1:5432/portal_bench
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import platform
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261121
TARGET = 3.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆帅旭宁龙林欣晨瑞博文轩思雨子涵梓萱一诺浩然宇轩晓东志强建国海燕春梅"
REGIONS = ("110101", "110105", "310101", "310104", "320102", "330106", "440103", "440305", "510104", "420106")


class Rollback(Exception):
    pass


def _setup(database_url: str | None) -> str | None:
    sys.path.insert(0, str(ROOT))
    tmp = None
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    elif not os.environ.get("DATABASE_URL"):
        tmp = tempfile.mkdtemp(prefix="bench-import-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    if tmp:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    return tmp


def _write_workbook(n: int, org_names: list[str], taken: set[str]) -> bytes:
    """N people with ID numbers unused in the file and in the database (`taken`): every row is new."""
    from openpyxl import Workbook

    from members import idcard

    rng = random.Random(SEED)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("人员")
    ws.append(["姓名", "性别", "民族", "出生日期", "公民身份号码", "学历", "学位", "专业技术职务", "职称级别", "留学归国",
               "学科专业", "工作岗位", "联系电话", "电子邮箱", "政治面貌", "所在党组织"])
    used: set[str] = set()
    taken = set(taken)
    educations = [("博士研究生", "博士"), ("硕士研究生", "硕士"), ("大学本科", "学士"), ("大学专科", "无")]
    while len(used) < n:
        sex = rng.choice("12")
        birth = datetime.date(1955, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 48))
        number = idcard.make(rng.choice(REGIONS), birth, rng.randrange(100), sex)
        if number in used or number in taken:
            continue
        used.add(number)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        education, degree = rng.choice(educations)
        ws.append([name, "男" if sex == "1" else "女", rng.choice(("汉族", "汉族", "汉族", "回族", "满族")), birth, number,
                   education, degree, rng.choice(("", "工程师", "研究员", "副研究员")),
                   rng.choice(("", "中级", "副高级", "正高级")), rng.choice(("否", "否", "是")),
                   rng.choice(("物理学", "化学", "计算机科学与技术", "")), rng.choice(("研究员", "工程师", "管理", "")),
                   f"138{rng.randrange(10**8):08d}", "", rng.choice(("群众", "共青团员", "无党派人士")),
                   rng.choice(org_names)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _world():
    from django.contrib.auth import get_user_model

    from branches.models import Organization, OrgType, Role, RoleKind

    root = Organization.add_root(name="中共基准测试院委员会", short_name="基准院党委", org_type=OrgType.COMMITTEE,
                                 code="BENCH-IMPORT")
    branches = [root.add_child(name=f"中共基准测试院第{i}支部委员会", short_name=f"基准第{i}支部",
                               org_type=OrgType.BRANCH) for i in range(1, 21)]
    user = get_user_model().objects.create_user(username="bench_import_actor", password="x")
    Role.objects.create(user=user, organization=root, kind=RoleKind.ORG_DEPARTMENT,
                        starts_on=datetime.date(2020, 1, 1))
    return user, [b.name for b in branches]


def _stock_resource(actor):
    from django.core.exceptions import ValidationError

    from imports.kinds.people import PersonResource
    from members import services as member_services

    class StockPersonResource(PersonResource):
        """The stock path: per row get_instance (a query), the ForeignKeyWidget (a query), full_clean with the
        FK checks, the services' rules with their own ID-number query, save() with the auditlog signal."""

        class Meta(PersonResource.Meta):
            clean_model_instances = True
            use_transactions = True

        def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
            errors = {}
            try:
                member_services._check_target(actor, instance.organization)
            except ValidationError as exc:
                errors.update(exc.message_dict)
            if instance.id_number:
                instance.id_number = member_services.idcard.normalize(instance.id_number)
            instance.name_pinyin, instance.name_initials = member_services.pinyin_for(instance.name)
            membership = member_services._existing_membership(instance)
            try:
                member_services._validate(actor, instance, membership, status_given=True,
                                          membership_prefix=member_services.MEMBERSHIP_PREFIX)
            except ValidationError as exc:
                errors.update(exc.message_dict)
            if errors:
                raise ValidationError(errors)

    return StockPersonResource()


def _measure(fn):
    tracemalloc.start()
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, elapsed, peak / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--database-url", default=os.environ.get("DJANGO_DATABASE_URL"))
    parser.add_argument("--skip-stock", action="store_true", help="only the engine")
    args = parser.parse_args()
    _setup(args.database_url)

    import tablib
    from django.db import connection, transaction

    from branches.audit import acting
    from imports.files import find_sheet, open_workbook, read_table
    from imports.spec import get_spec
    from members.models import Person

    results: dict[str, tuple[float, float, str]] = {}
    try:
        with transaction.atomic():
            actor, org_names = _world()
            taken = set(Person.objects.exclude(id_number=None).values_list("id_number", flat=True))
            data = _write_workbook(args.people, org_names, taken)
            before = Person.objects.count()

            if not args.skip_stock:
                resource = _stock_resource(actor)

                def stock():
                    with acting(actor):
                        dataset = tablib.Dataset().load(io.BytesIO(data), format="xlsx")
                        return resource.import_data(dataset, dry_run=False, use_transactions=True)

                sid = transaction.savepoint()
                outcome, seconds, peak = _measure(stock)
                added = Person.objects.count() - before
                note = f"{added} new, {len(outcome.invalid_rows)} invalid, errors: {outcome.has_errors()}"
                transaction.savepoint_rollback(sid)
                results["stock django-import-export"] = (seconds, peak, note)
                print(f"stock: {seconds:.1f} s, peak {peak:.1f} MB, {note}", flush=True)

            spec = get_spec("people")

            def engine():
                workbook = open_workbook(data)
                try:
                    _header, rows = read_table(find_sheet(workbook, spec.sheet_names()), spec.columns)
                finally:
                    workbook.close()
                with acting(actor):
                    outcomes = spec.check(actor, rows)
                    bad = [o for o in outcomes if o.errors]
                    if bad:
                        raise SystemExit(f"engine: {len(bad)} rows with errors, e.g. {bad[0].errors}")
                    return spec.commit(actor, outcomes)

            sid = transaction.savepoint()
            counts, seconds, peak = _measure(engine)
            added = Person.objects.count() - before
            transaction.savepoint_rollback(sid)
            results["portal engine (check + commit)"] = (seconds, peak, f"{added} new, counts {counts}")
            raise Rollback
    except Rollback:
        pass

    print(f"## Import of {args.people:,} people — {connection.vendor}, Python {platform.python_version()}, "
          f"{platform.machine()}\n")
    print("| path | time (s) | peak Python memory (MB) | result |")
    print("|---|---:|---:|---|")
    for name, (seconds, peak, note) in results.items():
        print(f"| {name} | {seconds:.2f} | {peak:.1f} | {note} |")
    if len(results) == 2:
        (s_time, s_peak, _n), (e_time, e_peak, _m) = results.values()
        speedup = s_time / e_time if e_time else float("inf")
        print(f"\nspeed-up {speedup:.1f}× (target ≥ {TARGET:.0f}×: {'met' if speedup >= TARGET else 'NOT met'}); "
              f"memory engine/stock {e_peak / s_peak:.2f}")


if __name__ == "__main__":
    main()
