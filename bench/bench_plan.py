"""Benchmark: the 年度发展党员计划 exporter (XLSX and PDF) at the `cas` scale.

Against an existing `seed_demo --scale cas` database on PostgreSQL (2,500 branches), in ONE transaction that is
rolled back at the end, so the database is left as it was:

1. if the plan tables do not exist yet, applies the recruitment migrations (PostgreSQL's DDL is transactional,
   so they are rolled back too);
2. opens next year's plan (or this year's) for the academy root with plan_services.plan_open: a target for
   every open branch;
3. sets random numbers (seeded) on every target with one bulk_update, and a proposal on about half of them;
4. times the exporter's render (the whole job: plan_vs_actual over the year's pipeline, then the file) for
   XLSX and for PDF, `--repeat` times each (median), as the organization department (zuzhibu, the whole tree).

Peak RSS is the process's ru_maxrss after each format (XLSX runs first, so the PDF's figure includes it).
Prints a markdown table; targets: XLSX under 5 s, PDF under 10 s.

    .venv/bin/python bench/bench_plan.py --database-url postgres://postgres@127.0.0.1:5432/liaison_bench_cas
    .venv/bin/python bench/bench_plan.py --database-url … --repeat 3 --keep /tmp/plan-bench  # keep the files
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261121
TARGETS = {"xlsx": 5.0, "pdf": 10.0}


class Rollback(Exception):
    pass


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _setup(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_DEBUG", "false")  # no query log growing during the runs
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


def _ensure_tables() -> bool:
    """Apply the recruitment migrations when the plan tables are missing (inside the caller's transaction)."""
    from django.core.management import call_command
    from django.db import connection

    if "recruitment_recruitmentplan" in connection.introspection.table_names():
        return False
    call_command("migrate", "recruitment", verbosity=0)
    return True


def _randomize(plan, rng: random.Random) -> int:
    from recruitment.models import PLAN_NUMBERS, PlanCategory, PlanTarget

    targets = list(plan.targets.all())
    for target in targets:
        target.total = rng.choice((0, 0, 1, 1, 2, 2, 3, 4, 5))
        for category in PlanCategory.values:
            setattr(target, category, rng.randint(0, target.total))
        target.activists = rng.randint(0, 10)
        target.proposed = {"total": target.total + rng.randint(0, 2)} if rng.random() < 0.5 else {}
    PlanTarget.objects.bulk_update(targets, [*PLAN_NUMBERS, "proposed"], batch_size=500)
    return len(targets)


def _time(exporter, user, plan, fmt: str, repeat: int, keep: Path | None) -> dict:
    from django.utils import timezone, translation

    seconds, size = [], 0
    for i in range(repeat):
        start = time.perf_counter()
        with translation.override("zh-hans"), timezone.override("Asia/Shanghai"):
            _name, _type, content = exporter.render(user=user, params={"plan": plan.pk}, fmt=fmt)
        seconds.append(time.perf_counter() - start)
        size = len(content)
        if keep is not None and i == 0:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"plan.{fmt}").write_bytes(content)
    return {"median": statistics.median(seconds), "runs": seconds, "peak_mb": _peak_mb(), "bytes": size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL `cas` demo database")
    parser.add_argument("--user", default="zuzhibu", help="who exports (default: zuzhibu, the whole tree)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per format; the median counts (default 3)")
    parser.add_argument("--keep", type=Path, help="write the first XLSX and PDF into this folder")
    args = parser.parse_args()
    if "portal_demo_" in args.database_url:
        raise SystemExit("refusing to run against a portal_demo_* database; use liaison_bench_cas")
    _setup(args.database_url)

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from branches.models import Organization
    from recruitment import plan_services
    from recruitment.models import RecruitmentPlan
    from reports.exporters.recruitment_plan import RecruitmentPlanExporter

    rng = random.Random(SEED)
    results: dict[str, dict] = {}
    baseline = _peak_mb()
    try:
        with transaction.atomic():
            migrated = _ensure_tables()
            user = get_user_model().objects.get(username=args.user)
            root = Organization.objects.filter(depth=1).order_by("path").first()
            year = timezone.localdate().year
            taken = set(RecruitmentPlan.objects.filter(organization=root).values_list("year", flat=True))
            free = [y for y in (year + 1, year) if y not in taken]
            if not free:
                raise SystemExit(f"{root} already has plans for {year} and {year + 1}; nothing to open")
            start = time.perf_counter()
            plan = plan_services.plan_open(actor=user, organization=root, year=free[0])
            opened = time.perf_counter() - start
            start = time.perf_counter()
            targets = _randomize(plan, rng)
            filled = time.perf_counter() - start
            exporter = RecruitmentPlanExporter()
            for fmt in ("xlsx", "pdf"):
                results[fmt] = _time(exporter, user, plan, fmt, max(1, args.repeat), args.keep)
            raise Rollback
    except Rollback:
        pass
    left = "recruitment_recruitmentplan" in connection.introspection.table_names() and \
        RecruitmentPlan.objects.filter(organization=root, year=free[0]).exists()

    print(f"\n年度发展党员计划 exporter — {root.short_name} {free[0]}, {targets:,} targets, "
          f"PostgreSQL, user {args.user}, median of {max(1, args.repeat)}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"plan_open {opened:.2f} s, bulk update of the numbers {filled:.2f} s"
          f"{'; migrations applied inside the transaction' if migrated else ''}\n")
    print("| format | median s | runs s | target | peak RSS MB (process) | file KB |")
    print("| --- | ---: | --- | --- | ---: | ---: |")
    for fmt, r in results.items():
        verdict = "meets" if r["median"] < TARGETS[fmt] else "MISSES"
        runs = " / ".join(f"{s:.2f}" for s in r["runs"])
        print(f"| {fmt.upper()} | {r['median']:.2f} | {runs} | < {TARGETS[fmt]:.0f} s: {verdict} | "
              f"{r['peak_mb']:.0f} | {r['bytes'] / 1024:.0f} |")
    print(f"\nbaseline RSS before the run {baseline:.0f} MB; XLSX runs first, so the PDF's peak includes it.")
    print("rolled back: " + ("NO — the plan is still there!" if left else "yes, nothing left behind"))


if __name__ == "__main__":
    main()
