#!/usr/bin/env python3
"""Smoke-test a running portal over HTTP, the way a browser would.

Logs in through the login form (with the CSRF token), opens the dashboard and a static file, starts a
people-list export through the API, polls the job until it succeeds and downloads the result, which must
be a real XLSX workbook; then does the same with the roster PDF of the user's first organization. Exits
non-zero with a message on the first thing that does not work.

    python scripts/smoke.py --base-url http://127.0.0.1:8000 --username shuji_a --password dangjian2026

Standard library only, plus openpyxl when it is importable (the project's virtualenv has it).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import io
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile


class SmokeError(Exception):
    pass


class Client:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def url(self, path: str) -> str:
        return urllib.parse.urljoin(self.base_url + "/", path.lstrip("/"))

    def cookie(self, name: str) -> str:
        for c in self.cookies:
            if c.name == name:
                return c.value
        raise SmokeError(f"no {name} cookie was set")

    def request(self, method: str, path: str, *, data: bytes | None = None, headers: dict | None = None,
                expect: int = 200) -> tuple[int, str, bytes, dict]:
        req = urllib.request.Request(self.url(path), data=data, method=method, headers=headers or {})
        req.add_header("Referer", self.url("/"))
        try:
            with self.opener.open(req, timeout=60) as resp:
                status, final_url, body, resp_headers = resp.status, resp.geturl(), resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as err:
            status, final_url, body, resp_headers = err.code, err.geturl(), err.read(), dict(err.headers)
        if status != expect:
            snippet = body[:600].decode("utf-8", "replace")
            raise SmokeError(f"{method} {path}: expected HTTP {expect}, got {status} ({final_url})\n{snippet}")
        return status, final_url, body, resp_headers

    def api(self, method: str, path: str, payload: dict | None = None, expect: int = 200) -> dict:
        headers = {"Accept": "application/json"}
        data = None
        if payload is not None:
            data = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        if method not in ("GET", "HEAD"):
            headers["X-CSRFToken"] = self.cookie("csrftoken")
        _, _, body, _ = self.request(method, path, data=data, headers=headers, expect=expect)
        return json.loads(body)


def step(message: str) -> None:
    print(f"  - {message}", flush=True)


def run(base_url: str, username: str, password: str, timeout: float) -> None:
    client = Client(base_url)

    _, _, body, _ = client.request("GET", "/accounts/login/")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not match:
        raise SmokeError("the login page has no CSRF token")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1).decode(), "username": username, "password": password}
    ).encode()
    _, final_url, body, _ = client.request(
        "POST", "/accounts/login/", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    if urllib.parse.urlparse(final_url).path.startswith("/accounts/login"):
        raise SmokeError(f"login as {username} failed: still on the login page")
    client.cookie("sessionid")
    step(f"logged in as {username}; landed on {urllib.parse.urlparse(final_url).path}")

    css = re.search(rb'href="([^"]+\.css)"', body)
    if css:
        client.request("GET", css.group(1).decode())
        step(f"static file served: {css.group(1).decode()}")

    payload, headers = export(client, {"exporter": "people", "format": "xlsx", "params": {}}, timeout)
    if not payload.startswith(b"PK\x03\x04"):
        raise SmokeError("the download is not a zip file (XLSX)")
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        if "xl/workbook.xml" not in archive.namelist():
            raise SmokeError("the download is a zip file but not an XLSX workbook")
    rows = None
    try:
        import openpyxl
    except ImportError:
        pass
    else:
        workbook = openpyxl.load_workbook(io.BytesIO(payload), read_only=True)
        rows = workbook.active.max_row
        if not rows or rows < 2:
            raise SmokeError(f"the workbook has no data rows (max_row={rows})")
    step(f"downloaded {len(payload):,} bytes ({headers.get('Content-Type')}), {rows or '?'} rows incl. header")

    roles = client.api("GET", "/api/v1/me/").get("roles") or []
    if not roles:
        step("no role: roster PDF skipped")
        return
    org = roles[0]["organization"]
    payload, headers = export(client, {"exporter": "org_roster", "format": "pdf", "params": {"organization": org}},
                              timeout)
    if not payload.startswith(b"%PDF-"):
        raise SmokeError("the roster download is not a PDF")
    step(f"downloaded the roster PDF of organization {org}: {len(payload):,} bytes")


def export(client: Client, request: dict, timeout: float) -> tuple[bytes, dict]:
    """Start an export job through the API, wait until it succeeds, download the file."""
    job = client.api("POST", "/api/v1/jobs/", request, expect=201)
    job_id = job["uuid"]
    step(f"{request['exporter']} export job {job_id} started ({job['status']})")
    deadline = time.monotonic() + timeout
    while True:
        job = client.api("GET", f"/api/v1/jobs/{job_id}/")
        if job["status"] == "succeeded":
            break
        if job["status"] == "failed":
            raise SmokeError(f"the export job failed: {job.get('error')}")
        if time.monotonic() > deadline:
            raise SmokeError(f"the export job is still {job['status']} after {timeout:.0f} s: is a worker running?")
        time.sleep(0.5)
    step(f"job succeeded (progress {job.get('progress')}%)")
    _, _, payload, headers = client.request("GET", f"/api/v1/jobs/{job_id}/download/")
    return payload, headers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="shuji_a")
    parser.add_argument("--password", default="dangjian2026")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the export job")
    args = parser.parse_args()
    try:
        run(args.base_url, args.username, args.password, args.timeout)
    except (SmokeError, urllib.error.URLError, OSError) as exc:
        print(f"SMOKE TEST FAILED: {exc}", file=sys.stderr)
        return 1
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
