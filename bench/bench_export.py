"""Benchmark: the people XLSX export against django-import-export's stock ModelResource export.

Runs against the current database (meant for the `cas` demo scale on PostgreSQL, ~60,000 people) and builds
nothing itself. Each method runs in a fresh subprocess so that peak memory (ru_maxrss of the child) belongs
to that method alone; both export the same rows (the `people` exporter's queryset for the given user, no
filters) to an .xlsx file in a temporary folder.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python bench/bench_export.py
    .venv/bin/python bench/bench_export.py --user shuji_a --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("portal", "stock")
LABELS = {
    "portal": "people exporter (XlsxWriter constant_memory, iterator)",
    "stock": "django-import-export ModelResource.export → XLSX",
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


def _people_queryset(username: str):
    from django.contrib.auth import get_user_model

    from reports.exporters.people import PeopleExporter

    user = get_user_model().objects.get(username=username)
    return user, PeopleExporter().queryset(user=user, params={})


def _run_portal(username: str, out_dir: str) -> dict:
    from django.utils import timezone, translation

    from reports.exporters.people import PeopleExporter

    user, _qs = _people_queryset(username)
    baseline = _peak_mb()
    rows = 0

    def progress(done: int, total: int) -> None:
        nonlocal rows
        rows = done

    start = time.perf_counter()
    with translation.override("zh-hans"), timezone.override("Asia/Shanghai"):
        _name, _type, path = PeopleExporter().render(user=user, params={}, fmt="xlsx", progress=progress)
    seconds = time.perf_counter() - start
    target = Path(out_dir) / "portal.xlsx"
    os.replace(path, target)
    return {"rows": rows, "seconds": seconds, "peak_mb": _peak_mb(), "baseline_mb": baseline,
            "bytes": target.stat().st_size}


def _run_stock(username: str, out_dir: str) -> dict:
    from import_export import resources
    from import_export.formats.base_formats import XLSX

    from members.models import Person

    class PersonResource(resources.ModelResource):
        class Meta:
            model = Person
            fields = (
                "name", "sex", "ethnicity", "birth_date", "id_number", "education", "degree", "title",
                "title_level", "organization__name", "political_status", "membership__category",
                "membership__admitted_on", "membership__converted_on", "phone", "returned_from_abroad",
            )
            export_order = fields

    _user, qs = _people_queryset(username)
    baseline = _peak_mb()
    start = time.perf_counter()
    dataset = PersonResource().export(queryset=qs)
    data = XLSX().export_data(dataset)
    target = Path(out_dir) / "stock.xlsx"
    target.write_bytes(data)
    seconds = time.perf_counter() - start
    return {"rows": len(dataset), "seconds": seconds, "peak_mb": _peak_mb(), "baseline_mb": baseline,
            "bytes": target.stat().st_size}


def child(method: str, username: str, out_dir: str) -> None:
    _setup()
    result = _run_portal(username, out_dir) if method == "portal" else _run_stock(username, out_dir)
    print("RESULT " + json.dumps(result))


def run_child(method: str, username: str, out_dir: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", method, "--user", username, "--out", out_dir],
        capture_output=True, text=True, cwd=ROOT, env=os.environ.copy(),
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    sys.stderr.write(proc.stdout + proc.stderr)
    raise SystemExit(f"{method} run failed (exit {proc.returncode})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="zuzhibu", help="whose scope to export (default: zuzhibu, the whole tree)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per method; the best time and memory count")
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.user, args.out)
        return

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-export-") as out_dir:
        for method in METHODS:
            runs = [run_child(method, args.user, out_dir) for _ in range(max(1, args.repeat))]
            best = min(runs, key=lambda r: r["seconds"])
            best["peak_mb"] = min(r["peak_mb"] for r in runs)
            results[method] = best

    portal, stock = results["portal"], results["stock"]
    if portal["rows"] != stock["rows"]:
        raise SystemExit(f"row counts differ: portal {portal['rows']}, stock {stock['rows']}")
    from django.conf import settings

    _setup()
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"\nPeople XLSX export — user {args.user}, {portal['rows']:,} rows × 16 columns, database {engine}, "
          f"best of {max(1, args.repeat)}\n")
    header = f"{'method':<58} {'seconds':>9} {'peak MB':>9} {'Δ MB':>8} {'file KB':>9}"
    print(header)
    print("-" * len(header))
    for method in METHODS:
        r = results[method]
        print(f"{LABELS[method]:<58} {r['seconds']:>9.2f} {r['peak_mb']:>9.1f} "
              f"{r['peak_mb'] - r['baseline_mb']:>8.1f} {r['bytes'] / 1024:>9.0f}")
    print("-" * len(header))
    time_ratio = stock["seconds"] / portal["seconds"] if portal["seconds"] else float("inf")
    mem_ratio = stock["peak_mb"] / portal["peak_mb"] if portal["peak_mb"] else float("inf")
    print(f"{'ratio stock / portal':<58} {time_ratio:>8.1f}x {mem_ratio:>8.1f}x")
    verdict = "meets" if time_ratio >= 3 and stock["peak_mb"] > portal["peak_mb"] else "MISSES"
    print(f"\nTarget (at least 3x faster, lower peak memory): {verdict}")


if __name__ == "__main__":
    main()
