"""Benchmark: the liaison work's pages against a bare logged-in page, on a real server.

Runs against an existing `seed_demo` database (the demo builds the liaison work itself: about 20,000 pool
entries, 6,000 pairs and 80,000 talks at `cas` scale) and builds nothing. `run` starts gunicorn (production
settings, plain HTTP) on 127.0.0.1:<port>, logs in over HTTP and times, interleaved after a warm-up,

- zuzhibu (组织部, the whole academy): the bare page and /liaison/review/ (coverage of every institute),
- dangwei (党委委员 of one institute): the bare page, /liaison/review/ (that institute) and /liaison/ (his own
  list: two pairs),

prints median, p90 and the ratio to the bare page (target: within 3×), and counts the SQL queries of the same
requests in-process for this database and, with --small-database-url, for a `small` one (the counts must be
equal). With --skip-missing, views that answer 404 in-process are left out (and named) instead of stopping
the run.

    .venv/bin/python bench/bench_liaison.py run \\
        --database-url postgres://postgres@127.0.0.1:5432/liaison_bench_cas \\
        --small-database-url postgres://postgres@127.0.0.1:5432/liaison_bench_small --port 8404
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
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
        "zuzhibu": {"bare page": BARE_PAGE, "coverage review (academy)": "/liaison/review/"},
        "dangwei": {"bare page": BARE_PAGE, "coverage review (institute)": "/liaison/review/",
                    "my liaison list": "/liaison/"},
    }


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def count_queries() -> dict:
    """Row counts of the liaison tables, and the status and query count of each view (in-process)."""
    _django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from liaison.models import FollowUp, LiaisonPair, TalentProfile, Talk

    result: dict = {
        "rows": {"pool": TalentProfile.objects.count(), "pairs": LiaisonPair.objects.count(),
                 "open pairs": LiaisonPair.objects.filter(ended_on__isnull=True).count(),
                 "talks": Talk.objects.count(), "follow-ups": FollowUp.objects.count()},
        "users": {},
    }
    for username, user_views in views().items():
        client = Client(HTTP_HOST=HOST)
        client.force_login(get_user_model().objects.get(username=username))
        counts = {}
        for label, url in user_views.items():
            client.get(url)  # warm the per-process caches (content types, translations)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            counts[label] = {"status": response.status_code, "queries": len(captured.captured_queries)}
        result["users"][username] = counts
    return result


def child(database_url: str, work_dir: Path, settings: str, command: str) -> dict:
    return run_script_child(__file__, database_url, work_dir, settings, command)


def _rows(counts: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts["rows"].items())


def report(chosen: dict[str, dict[str, str]], timings: dict, counts: dict, small: dict | None) -> str:
    lines = [
        f"this db: {_rows(counts)}",
        *([f"small:   {_rows(small)}"] if small else []),
        "",
        "| user | view | median ms | p90 ms | × bare page | queries small | queries this db |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for username, user_views in chosen.items():
        bare = statistics.median(timings[username]["bare page"])
        for label in user_views:
            samples = timings[username][label]
            small_q = small["users"][username][label]["queries"] if small else "–"
            lines.append(f"| {username} | {label} | {statistics.median(samples):.1f} | "
                         f"{percentile(samples, 0.9):.1f} | {statistics.median(samples) / bare:.2f} | {small_q} | "
                         f"{counts['users'][username][label]['queries']} |")
    if small:
        same = all(small["users"][u][v]["queries"] == counts["users"][u][v]["queries"]
                   for u in chosen for v in chosen[u])
        lines += ["", "query counts equal at both scales: " + ("yes" if same else "NO")]
    return "\n".join(lines)


def _select(counts: dict, skip_missing: bool) -> dict[str, dict[str, str]]:
    """The views to time: all of them, or with --skip-missing those not answering 404."""
    chosen: dict[str, dict[str, str]] = {}
    for username, user_views in views().items():
        chosen[username] = {}
        for label, url in user_views.items():
            status = counts["users"][username][label]["status"]
            if status == 404 and skip_missing:
                print(f"note: {username} {url} answers 404 here; left out")
                continue
            if status != 200:
                raise SystemExit(f"{username} {url} does not answer 200 in-process (HTTP {status})")
            chosen[username][label] = url
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["run", "child-count"])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--small-database-url", default="")
    parser.add_argument("--port", type=int, default=8404)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--skip-missing", action="store_true", help="leave out views that answer 404")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--settings", default="config.settings.production")
    args = parser.parse_args()

    if args.command == "child-count":
        print(json.dumps(count_queries()))
        return
    if not args.database_url:
        parser.error("give --database-url (or set DATABASE_URL)")
    if not 1 <= args.requests <= MAX_REQUESTS or not 0 <= args.warmup <= MAX_REQUESTS:
        parser.error(f"--requests must be 1–{MAX_REQUESTS}")
    if not port_is_free(args.port):
        parser.error(f"{HOST}:{args.port} is in use; choose another --port")
    with tempfile.TemporaryDirectory(prefix="bench-liaison-") as tmp:
        work_dir = Path(tmp)
        env = server_env(args.database_url, work_dir, args.settings)
        collect_static(env)
        counts = child(args.database_url, work_dir, args.settings, "child-count")
        chosen = _select(counts, args.skip_missing)
        small = child(args.small_database_url, work_dir, args.settings, "child-count") \
            if args.small_database_url else None
        timings = serve_and_time(env, work_dir, port=args.port, workers=args.workers, views=chosen,
                                 requests=args.requests, warmup=args.warmup)
        publish(report(chosen, timings, counts, small), args.json, {"views": chosen, "timings": timings,
                 "queries": counts, "queries_small": small})


if __name__ == "__main__":
    main()
