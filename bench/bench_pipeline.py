"""Benchmark: the development pipeline's pages against a bare logged-in page, and the nightly due-list run.

`seed` adds the demo pipelines (recruitment.demo.build_pipelines: every stage, about 15,000 at `cas` scale) to an
existing `seed_demo` database that has none yet.

`run` starts gunicorn (production settings, plain HTTP) on 127.0.0.1:<port>, logs in over HTTP and times,
interleaved after a warm-up,

- zuzhibu (组织部, the whole academy): the bare page and /recruitment/committee/ (pipelines of every branch),
- dangwei (党委委员 of one institute): the bare page and /recruitment/committee/ (that institute),
- shuji_a (secretary of one branch): the bare page and /recruitment/ (the branch's board),

prints median, p90 and the ratio to the bare page (target: within 3×), counts the SQL queries of the same
requests in-process for this database and, with --small-database-url, for a `small` one (must be equal), and
times the nightly work in-process: the due-list reminders for every branch (recruitment.reminders) and the
recomputation of every active pipeline's next step (recruitment.services.refresh_all); target under a minute.

    .venv/bin/python bench/bench_pipeline.py seed --database-url postgres://postgres@127.0.0.1:5432/portal_demo_cas
    .venv/bin/python bench/bench_pipeline.py run --database-url postgres://postgres@127.0.0.1:5432/portal_demo_cas \\
        --small-database-url postgres://postgres@127.0.0.1:5432/portal_demo_small --port 8403
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_compliance import BARE_PAGE, collect_static, publish, serve_and_time  # noqa: E402
from bench_lists import (  # noqa: E402
    HOST,
    MAX_REQUESTS,
    ROOT,
    percentile,
    port_is_free,
    run_script_child,
    server_env,
)


def views() -> dict[str, dict[str, str]]:
    return {
        "zuzhibu": {"bare page": BARE_PAGE, "committee overview (academy)": "/recruitment/committee/"},
        "dangwei": {"bare page": BARE_PAGE, "committee overview (institute)": "/recruitment/committee/"},
        "shuji_a": {"bare page": BARE_PAGE, "branch board": "/recruitment/"},
    }


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed() -> dict:
    _django()
    from django.db import connection, transaction

    from recruitment.demo import build_pipelines
    from recruitment.models import Pipeline, StepRecord

    if Pipeline.objects.exists():
        raise SystemExit("this database already holds pipelines; seed refuses to add more")
    started = time.perf_counter()
    with transaction.atomic():
        count = build_pipelines(seed=2026)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE recruitment_pipeline")
            cursor.execute("VACUUM ANALYZE recruitment_steprecord")
    return {"pipelines": count, "steps": StepRecord.objects.count(),
            "seconds": round(time.perf_counter() - started, 1)}


def count_queries() -> dict:
    """Query counts of the timed views, and the nightly work timed in-process (child process per database)."""
    _django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from recruitment.models import Pipeline

    result: dict = {"pipelines": Pipeline.objects.count(), "users": {}}
    for username, user_views in views().items():
        client = Client(HTTP_HOST=HOST)
        client.force_login(get_user_model().objects.get(username=username))
        counts = {}
        for label, url in user_views.items():
            client.get(url)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            counts[label] = {"status": response.status_code, "queries": len(captured.captured_queries)}
        result["users"][username] = counts
    return result


def nightly() -> dict:
    """The nightly work, timed in-process and rolled back (run after the pages are timed: the rolled-back
    updates leave dead rows behind until the next vacuum)."""
    _django()
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from recruitment import reminders, services

    result: dict = {}
    today = timezone.localdate()
    with transaction.atomic():  # measured, then rolled back: the database stays as seeded
        started = time.perf_counter()
        sent = reminders.reminders_compute(on=today + datetime.timedelta(days=1))
        result["due-list reminders"] = {"seconds": round(time.perf_counter() - started, 2), "notifications": sent}
        started = time.perf_counter()
        refreshed = services.refresh_all(on=today)
        result["next-step refresh"] = {"seconds": round(time.perf_counter() - started, 2), "pipelines": refreshed}
        transaction.set_rollback(True)
    return result


def child(database_url: str, work_dir: Path, settings: str, command: str) -> dict:
    return run_script_child(__file__, database_url, work_dir, settings, command)


def report(timings: dict, counts: dict, small: dict | None) -> str:
    lines = [
        f"pipelines: {counts['pipelines']} (this db)" + (f", {small['pipelines']} (small)" if small else ""),
        "",
        "| user | view | median ms | p90 ms | × bare page | queries small | queries this db |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for username, user_views in views().items():
        bare = statistics.median(timings[username]["bare page"])
        for label in user_views:
            samples = timings[username][label]
            small_q = small["users"][username][label]["queries"] if small else "–"
            lines.append(f"| {username} | {label} | {statistics.median(samples):.1f} | "
                         f"{percentile(samples, 0.9):.1f} | {statistics.median(samples) / bare:.2f} | {small_q} | "
                         f"{counts['users'][username][label]['queries']} |")
    if small:
        same = all(small["users"][u][v]["queries"] == counts["users"][u][v]["queries"]
                   for u in views() for v in views()[u])
        lines += ["", "query counts equal at both scales: " + ("yes" if same else "NO")]
    lines += ["", "nightly (in-process, this db):"]
    for label, value in counts.get("nightly", {}).items():
        lines.append(f"- {label}: {value}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["seed", "run", "child-seed", "child-count", "child-nightly"])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--small-database-url", default="")
    parser.add_argument("--port", type=int, default=8403)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--settings", default="config.settings.production")
    args = parser.parse_args()

    if args.command == "child-seed":
        print(json.dumps(seed()))
        return
    if args.command == "child-count":
        print(json.dumps(count_queries()))
        return
    if args.command == "child-nightly":
        print(json.dumps(nightly()))
        return
    if not args.database_url:
        parser.error("give --database-url (or set DATABASE_URL)")
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        work_dir = Path(tmp)
        if args.command == "seed":
            print(json.dumps(child(args.database_url, work_dir, args.settings, "child-seed"),
                             ensure_ascii=False))
            return
        if not 1 <= args.requests <= MAX_REQUESTS:
            parser.error(f"--requests must be 1–{MAX_REQUESTS}")
        if not port_is_free(args.port):
            parser.error(f"{HOST}:{args.port} is in use; choose another --port")
        env = server_env(args.database_url, work_dir, args.settings)
        collect_static(env)
        counts = child(args.database_url, work_dir, args.settings, "child-count")
        bad = [(u, v, c["status"]) for u, vs in counts["users"].items() for v, c in vs.items() if c["status"] != 200]
        if bad:
            raise SystemExit(f"views not answering 200 in-process: {bad}")
        small = child(args.small_database_url, work_dir, args.settings, "child-count") \
            if args.small_database_url else None
        timings = serve_and_time(env, work_dir, port=args.port, workers=args.workers, views=views(),
                                 requests=args.requests, warmup=args.warmup)
        counts["nightly"] = child(args.database_url, work_dir, args.settings, "child-nightly")
        publish(report(timings, counts, small), args.json, {"views": views(), "timings": timings,
                 "queries": counts, "queries_small": small})


if __name__ == "__main__":
    main()
