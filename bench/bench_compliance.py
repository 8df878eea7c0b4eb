"""Benchmark: the 三会一课 compliance pages against a bare logged-in page, on a real server.

Two steps, each explicit:

`seed` adds ten years of meetings to an existing `seed_demo` database (meant for `--scale cas` on
PostgreSQL; about 300,000 meetings there), once: it refuses when the database already holds meetings of earlier
years (the demo's own are this year's, and the 支部党员大会 its pipelines recorded for their admission votes).
Per branch and period each required type is held with a fixed probability (seeded random), so every
branch has a realistic mix of done and overdue; 党小组会 are recorded at the branch's first party group.
Each meeting gets attendance rows (several million at cas): the branch's party members, the group's for a
党小组会, about a fifth of them for a 支委会; 85 % present, 10 % on leave, 5 % absent. PostgreSQL takes them
through COPY, other databases through large bulk_create batches. Last, it refreshes every branch's
compliance summary (branches.meetings.summaries.refresh: what the nightly job does) and reports its time.

`run` starts gunicorn (production settings, plain HTTP) on 127.0.0.1:<port>, logs in over HTTP and times,
interleaved after a warm-up,

- zuzhibu (组织部, the whole academy): the bare page and /compliance/ (every branch of the academy),
- dangwei (党委委员 of one institute): the bare page and /compliance/ (that institute's branches),
- shuji_a (secretary of one branch): the bare page and /compliance/branch/<pk>/ (the year calendar),

prints median, p90 and the ratio to the bare page (target: within 3×), and counts the SQL queries of the
same requests in-process for this database and, with --small-database-url, for a `small` one (the counts
must be equal).

    .venv/bin/python bench/bench_compliance.py seed --database-url postgres://postgres@127.0.0.1:5432/portal_demo_cas
    .venv/bin/python bench/bench_compliance.py run --database-url postgres://postgres@127.0.0.1:5432/portal_demo_cas \\
        --small-database-url postgres://postgres@127.0.0.1:5432/portal_demo_small --port 8402
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_lists import (  # noqa: E402
    HOST,
    MAX_REQUESTS,
    PASSWORD,
    ROOT,
    Session,
    machine,
    percentile,
    port_is_free,
    run_script_child,
    server_env,
    stop,
    wait_for_server,
)

BARE_PAGE = "/accounts/password/done/"
YEARS = 10
SEED = 20261121
# (meeting type, period, probability that a branch holds it in a period)
PLAN = [
    ("committee", "month", 0.85), ("group", "month", 0.75), ("theme_day", "month", 0.8),
    ("general_assembly", "quarter", 0.85), ("lecture", "quarter", 0.7),
    ("life_meeting", "year", 0.9), ("appraisal", "year", 0.85),
]
SCALE_DOWN = 0.4  # keeps cas at about 300,000 meetings over ten years


def views_for(branch_pk: int) -> dict[str, dict[str, str]]:
    return {
        "zuzhibu": {"bare page": BARE_PAGE, "overview (academy)": "/compliance/"},
        "dangwei": {"bare page": BARE_PAGE, "overview (institute)": "/compliance/"},
        "shuji_a": {"bare page": BARE_PAGE, "calendar": f"/compliance/branch/{branch_pk}/"},
    }


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# ---- seed ------------------------------------------------------------------------------------------------


ATTENDANCE_MIX = (("present", 0.85, ""), ("leave", 0.10, "出差"), ("absent", 0.05, ""))


def _attendance_status(rnd) -> tuple[str, str]:
    x = rnd.random()
    for status, share, reason in ATTENDANCE_MIX:
        if x < share:
            return status, reason
        x -= share
    return ATTENDANCE_MIX[0][0], ""


def seed(batch: int = 5000) -> dict:
    _django()
    import datetime
    import io
    import random

    from django.db import connection, transaction
    from django.utils import timezone

    from branches.meetings import summaries
    from branches.models import Attendance, Meeting, MeetingStatus, Organization, OrgType
    from members.codes import PoliticalStatus
    from members.models import Person

    if (Meeting.objects.exclude(meeting_type="general_assembly", votes__candidate__isnull=False)
            .filter(held_at__year__lt=timezone.localdate().year).exists()):
        raise SystemExit("this database already holds meetings; seed refuses to add more")
    rnd = random.Random(SEED)
    today = timezone.localdate()
    now = timezone.now()
    branches = list(Organization.objects.branches().filter(closed_on__isnull=True).order_by("path"))
    groups: dict[str, int] = {}
    for path, pk in (Organization.objects.filter(org_type=OrgType.PARTY_GROUP, closed_on__isnull=True)
                     .order_by("path").values_list("path", "pk")):
        groups.setdefault(path[:-Organization.steplen], pk)
    # Who attends: a branch's party members, or a party group's.
    branch_members: dict[int, list[int]] = {}
    group_members: dict[int, list[int]] = {}
    for pk, org_id, group_id in (Person.objects.filter(political_status__in=[PoliticalStatus.CPC_MEMBER,
                                                                             PoliticalStatus.CPC_PROBATIONARY])
                                 .order_by("pk").values_list("pk", "organization_id", "membership__party_group_id")):
        branch_members.setdefault(org_id, []).append(pk)
        if group_id:
            group_members.setdefault(group_id, []).append(pk)
    postgres = connection.vendor == "postgresql"
    rows: list[Meeting] = []
    attendees: list[list[int]] = []
    created = attended = 0
    by_status: dict[str, int] = {}
    started = time.perf_counter()

    def write_attendance(pairs: list[tuple[int, list[int]]]) -> None:
        """PostgreSQL: COPY (several million rows); elsewhere large bulk_create batches."""
        nonlocal attended
        lines: list[tuple[int, int, str, str]] = []
        for meeting_id, people in pairs:
            for person_id in people:
                status, reason = _attendance_status(rnd)
                by_status[status] = by_status.get(status, 0) + 1
                lines.append((meeting_id, person_id, status, reason))
        if postgres:
            buffer = io.StringIO("".join(f"{m}\t{p}\t{st}\t{r}\n" for m, p, st, r in lines))
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(
                    "COPY branches_attendance (meeting_id, person_id, status, reason) FROM STDIN", buffer)
        else:
            Attendance.objects.bulk_create(
                [Attendance(meeting_id=m, person_id=p, status=st, reason=r) for m, p, st, r in lines],
                batch_size=batch)
        attended += len(lines)

    def flush() -> None:
        nonlocal created, rows, attendees
        with transaction.atomic():
            Meeting.objects.bulk_create(rows, batch_size=batch)
            write_attendance([(m.pk, people) for m, people in zip(rows, attendees, strict=True)])
        created += len(rows)
        rows, attendees = [], []

    for branch in branches:
        group = groups.get(branch.path)
        for year in range(today.year - YEARS + 1, today.year + 1):
            for mtype, period, p in PLAN:
                if mtype == "committee" and not branch.has_committee or mtype == "group" and not group:
                    continue
                slots = {"month": range(1, 13), "quarter": (1, 4, 7, 10), "year": (11,)}[period]
                for month in slots:
                    if rnd.random() > p * SCALE_DOWN:
                        continue
                    span = {"month": 0, "quarter": 2, "year": 1}[period]
                    held = datetime.datetime(year, month + rnd.randint(0, span), rnd.randint(1, 28),
                                             rnd.choice((9, 14, 15)), 0)
                    held = timezone.make_aware(held)
                    if held > now:
                        continue
                    rows.append(Meeting(
                        organization_id=group if mtype == "group" else branch.pk, meeting_type=mtype,
                        title=f"{year}年{month}月{branch.short_name}", held_at=held,
                        status=MeetingStatus.CONFIRMED if rnd.random() < 0.7 else MeetingStatus.DRAFT,
                    ))
                    members = group_members.get(group, []) if mtype == "group" else branch_members.get(branch.pk, [])
                    # The committee meets with about a fifth of the members; everything else with all of them.
                    attendees.append(members[:max(3, len(members) // 5)] if mtype == "committee" else members)
        if len(rows) >= batch:
            flush()
    flush()
    seeded = time.perf_counter() - started
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE branches_meeting")
            cursor.execute("VACUUM ANALYZE branches_attendance")
    # The nightly job's cost: every open branch's summary for this year.
    started = time.perf_counter()
    refreshed = summaries.refresh()
    refresh_seconds = time.perf_counter() - started
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE branches_compliancesummary")
    return {"branches": len(branches), "meetings": created, "attendance": attended,
            "attendance_by_status": by_status, "seconds": round(seeded, 1),
            "summaries": refreshed, "summaries_seconds": round(refresh_seconds, 2)}


# ---- query counts (child process per database) -----------------------------------------------------------


def count_queries() -> dict:
    _django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from branches.models import Attendance, Meeting, Role

    branch = Role.objects.filter(user__username="shuji_a").select_related("organization").first().organization
    result: dict = {"meetings": Meeting.objects.count(), "attendance": Attendance.objects.count(),
                    "branch": branch.pk, "users": {}}
    for username, views in views_for(branch.pk).items():
        client = Client(HTTP_HOST=HOST)
        client.force_login(get_user_model().objects.get(username=username))
        counts = {}
        for label, url in views.items():
            client.get(url)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            counts[label] = {"status": response.status_code, "queries": len(captured.captured_queries)}
        result["users"][username] = counts
    return result


def child(database_url: str, work_dir: Path, settings: str, command: str) -> dict:
    return run_script_child(__file__, database_url, work_dir, settings, command)


# ---- run -------------------------------------------------------------------------------------------------


def time_views(port: int, views: dict[str, dict[str, str]], requests: int, warmup: int) -> dict:
    timings: dict = {}
    for username, user_views in views.items():
        session = Session(port)
        session.login(username, PASSWORD)
        for url in user_views.values():
            for _ in range(warmup):
                status, _h, _b = session.request("GET", url)
                if status != 200:
                    raise SystemExit(f"{username} GET {url}: HTTP {status}")
        samples: dict[str, list[float]] = {label: [] for label in user_views}
        for _ in range(requests):
            for label, url in user_views.items():
                started = time.perf_counter()
                status, _h, _body = session.request("GET", url)
                samples[label].append((time.perf_counter() - started) * 1000)
                if status != 200:
                    raise SystemExit(f"{username} GET {url}: HTTP {status}")
        timings[username] = samples
    return timings

def collect_static(env: dict[str, str]) -> None:
    """collectstatic into the run's work folder, as production serves the pages (whitenoise's manifest)."""
    collected = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                               env=env, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    if collected.returncode != 0:
        raise SystemExit(f"collectstatic failed:\n{collected.stderr[-2000:]}")


def serve_and_time(env: dict[str, str], work_dir: Path, *, port: int, workers: int, views: dict, requests: int,
                   warmup: int) -> dict:
    """Start gunicorn on the port with the environment, time the views (time_views), stop it."""
    log = (work_dir / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"{HOST}:{port}",
         "--workers", str(workers), "--timeout", "120", "--log-level", "warning"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_server(port, server)
        return time_views(port, views, requests, warmup)
    finally:
        stop(server)
        log.close()


def publish(report_text: str, json_path: Path | None, payload: dict) -> None:
    """Print the machine and the report; write every sample to `json_path` when given."""
    print()
    for key, value in machine().items():
        print(f"{key + ':':9} {value}")
    print(report_text)
    if json_path:
        json_path.write_text(json.dumps({"machine": machine(), **payload}, ensure_ascii=False, indent=1))


def report(views: dict, timings: dict, counts: dict, small: dict | None) -> str:
    lines = [
        f"meetings: {counts['meetings']}, attendance rows: {counts['attendance']} (this db)"
        + (f"; {small['meetings']} and {small['attendance']} (small)" if small else ""),
        "",
        "| user | view | median ms | p90 ms | × bare page | queries small | queries this db |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for username, user_views in views.items():
        bare = statistics.median(timings[username]["bare page"])
        for label in user_views:
            samples = timings[username][label]
            small_q = small["users"][username][label]["queries"] if small else "–"
            lines.append(f"| {username} | {label} | {statistics.median(samples):.1f} | "
                         f"{percentile(samples, 0.9):.1f} | {statistics.median(samples) / bare:.2f} | {small_q} | "
                         f"{counts['users'][username][label]['queries']} |")
    if small:
        same = all(small["users"][u][v]["queries"] == counts["users"][u][v]["queries"]
                   for u in views for v in views[u])
        lines += ["", "query counts equal at both scales: " + ("yes" if same else "NO")]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["seed", "run", "child-seed", "child-count"])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--small-database-url", default="")
    parser.add_argument("--port", type=int, default=8402)
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
    if not args.database_url:
        parser.error("give --database-url (or set DATABASE_URL)")
    with tempfile.TemporaryDirectory(prefix="bench-compliance-") as tmp:
        work_dir = Path(tmp)
        if args.command == "seed":
            print(json.dumps(child(args.database_url, work_dir, args.settings, "child-seed"), ensure_ascii=False))
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
        views = views_for(counts["branch"])
        timings = serve_and_time(env, work_dir, port=args.port, workers=args.workers, views=views,
                                 requests=args.requests, warmup=args.warmup)
        publish(report(views, timings, counts, small), args.json, {"views": views, "timings": timings,
                 "queries": counts, "queries_small": small})


if __name__ == "__main__":
    main()
