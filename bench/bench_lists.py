"""Benchmark: the people list page and the people API against a bare logged-in view, on a real server.

Runs against an existing database built with `manage.py seed_demo` (meant for `--scale cas` on PostgreSQL)
and builds nothing itself. It

1. starts gunicorn (config.wsgi, production settings, plain HTTP) on 127.0.0.1:<port>,
2. logs in over HTTP as zuzhibu (the whole tree) and shuji_a (one branch), CSRF token from the login form,
3. times the bare view GET /api/v1/me/, the page /people/ and the API /api/v1/people/ for both users,
   interleaved round by round after a warm-up, and prints median, p90 and the ratio to the bare view,
4. counts the SQL queries of the same requests in-process (django.test.Client + CaptureQueriesContext),
   for this database and, with --small-database-url, for a `small` one: the counts must be equal,
5. stops gunicorn.

    .venv/bin/python bench/bench_lists.py \\
        --database-url postgres://postgres@127.0.0.1:5432/portal_demo_cas \\
        --small-database-url postgres://postgres@127.0.0.1:5432/portal_demo_small
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # the bench never talks to anything else
USERS = ("zuzhibu", "shuji_a")
BARE = "/api/v1/me/"
BARE_FALLBACK = "/accounts/password/done/"  # any cheap page behind login
BARE_PAGE = "/accounts/password/done/"  # a logged-in HTML page with the portal's chrome and no data
VIEWS = {"bare": BARE, "bare page": BARE_PAGE, "people page": "/people/", "people API": "/api/v1/people/"}
# Each view's baseline: HTML against the bare HTML page, JSON against the bare API view.
BASELINE = {"bare": "bare", "bare page": "bare page", "people page": "bare page", "people API": "bare"}
PASSWORD = "dangjian2026"
MAX_REQUESTS = 1000  # upper bound for --requests, so a typo cannot run for hours
STARTUP_SECONDS = 60


def server_env(database_url: str, work_dir: Path, settings: str = "config.settings.production") -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": settings,
        "DJANGO_HTTPS": "false",
        "DJANGO_SECRET_KEY": env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database_url,
        "DJANGO_STATIC_ROOT": str(work_dir / "static"),
        "PORTAL_VAR_DIR": str(work_dir / "var"),
        "DJANGO_LOG_LEVEL": "WARNING",
    })
    return env


# ---- in-process query counts (run in a child process per database) -----------------------------------


def count_queries(views: dict[str, str]) -> dict:
    """Status and query count of each view for each user, in this process's database."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from members.models import Person

    result: dict = {"people": Person.objects.count(), "users": {}}
    for username in USERS:
        client = Client(HTTP_HOST=HOST)
        client.force_login(get_user_model().objects.get(username=username))
        counts = {}
        for label, url in views.items():
            client.get(url)  # warm the per-process caches (content types, translations)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            counts[label] = {"status": response.status_code, "queries": len(captured.captured_queries)}
        result["users"][username] = counts
    return result


def query_counts_for(database_url: str, work_dir: Path, views: dict[str, str], settings: str) -> dict:
    env = server_env(database_url, work_dir, settings)
    done = subprocess.run(
        [sys.executable, __file__, "--child-count-queries", "--views", json.dumps(views)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"query count failed for {redact(database_url)}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- the HTTP side ------------------------------------------------------------------------------------


@dataclass
class Session:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            all_headers = {"Host": HOST, **(headers or {})}
            if self.cookies:
                all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    def login(self, username: str, password: str) -> None:
        status, _headers, page = self.request("GET", "/accounts/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not match:
            raise SystemExit(f"login form not found (HTTP {status})")
        form = urllib.parse.urlencode({
            "username": username, "password": password, "csrfmiddlewaretoken": match.group(1).decode(),
        })
        status, headers, _ = self.request("POST", "/accounts/login/", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://{HOST}:{self.port}/accounts/login/",
        })
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"login as {username} failed (HTTP {status}, {headers.get('location', '')})")


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((HOST, port)) != 0


def wait_for_server(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited while starting")
        if not port_is_free(port):
            return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not listen on {HOST}:{port} within {STARTUP_SECONDS} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def time_views(port: int, views: dict[str, str], requests: int, warmup: int) -> dict:
    """Per user and view: the timings in ms. Views are interleaved so load noise hits them alike."""
    timings: dict = {}
    for username in USERS:
        session = Session(port)
        session.login(username, PASSWORD)
        for url in views.values():
            for _ in range(warmup):
                status, _h, _b = session.request("GET", url)
                if status != 200:
                    raise SystemExit(f"{username} GET {url}: HTTP {status}")
        samples: dict[str, list[float]] = {label: [] for label in views}
        sizes: dict[str, int] = {}
        counts: dict[str, int | None] = {}
        for _ in range(requests):
            for label, url in views.items():
                started = time.perf_counter()
                status, headers, body = session.request("GET", url)
                samples[label].append((time.perf_counter() - started) * 1000)
                if status != 200:
                    raise SystemExit(f"{username} GET {url}: HTTP {status}")
                sizes[label] = len(body)
                if headers.get("content-type", "").startswith("application/json"):
                    counts[label] = json.loads(body).get("count") if body.startswith(b"{") else None
        timings[username] = {"samples": samples, "bytes": sizes, "counts": counts}
    return timings


def machine() -> dict[str, str]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kb = 0
    return {
        "cpu": f"{os.cpu_count()} × {cpu}", "memory": f"{mem_kb / 1024 / 1024:.0f} GB",
        "python": platform.python_version(), "os": platform.platform(),
    }


def redact(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return urllib.parse.urlunsplit(parts)


def run_script_child(script: str, database_url: str, work_dir: Path, settings: str, command: str) -> dict:
    """Run `script command` in a child process against the database; its last stdout line is JSON."""
    env = server_env(database_url, work_dir, settings)
    done = subprocess.run([sys.executable, script, command], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=7200, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{command} failed for {redact(database_url)}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(args: argparse.Namespace, views: dict[str, str], timings: dict, main_counts: dict,
           small_counts: dict | None, load: tuple[float, float]) -> str:
    lines = [
        f"database: {redact(args.database_url)} ({main_counts['people']} people)",
        *([f"small:    {redact(args.small_database_url)} ({small_counts['people']} people)"] if small_counts else []),
        f"server:   gunicorn, {args.workers} sync workers, {args.settings}, {HOST}:{args.port}",
        f"requests: {args.requests} per view and user after {args.warmup} warm-up, interleaved",
        f"bare views: {views['bare']} (API baseline), {views['bare page']} (page baseline)",
        f"load average before/after: {load[0]:.2f} / {load[1]:.2f}",
        "",
        "| user | view | rows | median ms | p90 ms | × its baseline | × bare API | queries small | queries this db |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for username in USERS:
        samples = timings[username]["samples"]
        bare = statistics.median(samples["bare"])
        for label in views:
            median = statistics.median(samples[label])
            baseline = statistics.median(samples[BASELINE[label]])
            rows = timings[username]["counts"].get(label)
            small_q = small_counts["users"][username][label]["queries"] if small_counts else "–"
            lines.append(
                f"| {username} | {label} | {rows if rows is not None else ''} | {median:.1f} | "
                f"{percentile(samples[label], 0.9):.1f} | {median / baseline:.2f} | {median / bare:.2f} | {small_q} | "
                f"{main_counts['users'][username][label]['queries']} |"
            )
    if small_counts:
        same = all(
            small_counts["users"][u][v]["queries"] == main_counts["users"][u][v]["queries"]
            for u in USERS for v in views
        )
        lines += ["", "query counts equal at both scales: " + ("yes" if same else "NO")]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="the database to benchmark (default: $DATABASE_URL)")
    parser.add_argument("--small-database-url", default="", help="a `small` demo database for query counts")
    parser.add_argument("--port", type=int, default=8401)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--settings", default="config.settings.production", help="settings module of the server")
    parser.add_argument("--child-count-queries", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--views", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child_count_queries:
        print(json.dumps(count_queries(json.loads(args.views))))
        return
    if not args.database_url:
        parser.error("give --database-url (or set DATABASE_URL)")
    if not 1 <= args.requests <= MAX_REQUESTS or not 0 <= args.warmup <= MAX_REQUESTS:
        parser.error(f"--requests must be 1–{MAX_REQUESTS}")
    if not port_is_free(args.port):
        parser.error(f"{HOST}:{args.port} is in use; choose another --port")

    with tempfile.TemporaryDirectory(prefix="bench-lists-") as tmp:
        work_dir = Path(tmp)
        env = server_env(args.database_url, work_dir, args.settings)
        collected = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                                   env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
        if collected.returncode != 0:
            raise SystemExit(f"collectstatic failed with {args.settings}:\n{collected.stderr[-2000:]}")
        views = dict(VIEWS)
        probe = query_counts_for(args.database_url, work_dir, views, args.settings)
        if any(probe["users"][u]["bare"]["status"] == 404 for u in USERS):
            print(f"note: {BARE} does not exist here; the bare view is {BARE_FALLBACK}")
            views["bare"] = BARE_FALLBACK
            probe = query_counts_for(args.database_url, work_dir, views, args.settings)
        bad = [(u, v, c["status"]) for u in USERS for v, c in probe["users"][u].items() if c["status"] != 200]
        if bad:
            raise SystemExit(f"views not answering 200 in-process: {bad}")
        small = (query_counts_for(args.small_database_url, work_dir, views, args.settings)
                 if args.small_database_url else None)

        log = (work_dir / "gunicorn.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"{HOST}:{args.port}",
             "--workers", str(args.workers), "--timeout", "120", "--log-level", "warning"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        load_before = os.getloadavg()[0]
        try:
            wait_for_server(args.port, server)
            timings = time_views(args.port, views, args.requests, args.warmup)
        finally:
            stop(server)
            log.close()
        load_after = os.getloadavg()[0]

        print()
        for key, value in machine().items():
            print(f"{key + ':':9} {value}")
        print(report(args, views, timings, probe, small, (load_before, load_after)))
        if args.json:
            args.json.write_text(json.dumps({
                "machine": machine(), "views": views, "timings": timings, "queries": probe,
                "queries_small": small, "load": [load_before, load_after],
            }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
