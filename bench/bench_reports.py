"""Benchmark: generating the monthly 三会一课 report (PDF + XLSX) for the whole academy.

Against an existing `seed_demo` database (`small` or `cas`), in ONE transaction rolled back at the end, so the
database is left as it was. As the baseline, measured in the same run and the same process: the existing
compliance exporter's XLSX (reports/exporters/compliance.py, the committee overview's rows) for the same scope,
as the organization department (whole tree). Then, `--repeat` times each (median):

- compute: the report's figures and table (ComplianceMonthly.compute: branches, rule sets, one grouped count
  of the year's meetings, evaluation in Python) with its query count;
- files: the whole generation as the worker runs it (report_generate: compute, summary, PDF with the charts,
  XLSX, storing the files).

Prints a markdown table with the ratio of each to the baseline.

    .venv/bin/python bench/bench_reports.py --database-url postgres://postgres@127.0.0.1:5432/portal_demo_small
    .venv/bin/python bench/bench_reports.py --database-url postgres://postgres@127.0.0.1:5432/portal_demo_cas
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Rollback(Exception):
    pass


def _setup(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def run(repeat: int) -> list[tuple[str, float, int | None, float]]:
    import tempfile

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone, translation

    from branches.models import Organization, OrgType
    from reports.exporters import get_exporter
    from reports.models import PeriodicReport
    from reports.periodic import periods
    from reports.periodic.kinds import REPORT_KINDS
    from reports.periodic.services import PORTAL_TZ, report_generate

    rows: list[tuple[str, float, int | None, float]] = []
    user = get_user_model().objects.get(username="zuzhibu")
    root = Organization.objects.filter(depth=1, org_type=OrgType.COMMITTEE).order_by("path").first()
    branches = Organization.objects.filter(path__startswith=root.path, org_type__in=OrgType.branch_types(),
                                           closed_on__isnull=True).count()
    kind = REPORT_KINDS["compliance_monthly"]
    with translation.override("zh-hans"), timezone.override(PORTAL_TZ), \
            override_settings(PORTAL_JOB_ROOT=tempfile.mkdtemp(prefix="bench-reports-")):
        period = periods.last_finished(kind.rule, timezone.localdate())
        print(f"academy: {root.short_name}, {branches} open branches, period {period.label}", file=sys.stderr)
        try:
            with transaction.atomic():
                exporter = get_exporter("compliance")

                def baseline():
                    _name, _type, payload = exporter.render(user=user, params={}, fmt="xlsx")
                    if isinstance(payload, str):
                        os.remove(payload)

                baseline()  # the summaries of the day are refreshed on the first run; time the steady state
                with CaptureQueriesContext(connection) as q:
                    seconds, _ = _timed(baseline, repeat)
                rows.append(("baseline: compliance exporter XLSX", seconds, len(q) // repeat, _peak_mb()))

                with CaptureQueriesContext(connection) as q:
                    seconds, _ = _timed(lambda: kind.compute(root, period), repeat)
                rows.append(("periodic report: compute", seconds, len(q) // repeat, _peak_mb()))

                # A report of the same period may exist already (the schedule ran): it is replaced, and the whole
                # run is rolled back anyway.
                PeriodicReport.objects.filter(kind=kind.kind, organization=root, period_start=period.start).delete()
                report = PeriodicReport.objects.create(kind=kind.kind, organization=root, period_start=period.start,
                                                       period_end=period.end, period_label=period.label,
                                                       language=settings.LANGUAGE_CODE)

                def generate():
                    PeriodicReport.objects.filter(pk=report.pk).update(status="pending")
                    report_generate(report_id=report.pk)

                with CaptureQueriesContext(connection) as q:
                    seconds, _ = _timed(generate, repeat)
                rows.append(("periodic report: PDF + XLSX (whole generation)", seconds, len(q) // repeat,
                             _peak_mb()))
                raise Rollback
        except Rollback:
            pass
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    _setup(args.database_url)
    rows = run(args.repeat)
    base = rows[0][1]
    print("| step | median s | queries | ratio to baseline | peak RSS MB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, seconds, queries, peak in rows:
        print(f"| {name} | {seconds:.3f} | {queries} | {seconds / base:.2f}× | {peak:.0f} |")


if __name__ == "__main__":
    main()
