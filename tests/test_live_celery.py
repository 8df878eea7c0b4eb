"""Export jobs on a real Celery worker over a real broker (Redis), not in eager mode.

The worker runs in a thread of the test process (celery.contrib.testing), consuming a queue private to
the test, so parallel test processes sharing one Redis never take each other's messages. Run with
CELERY_BROKER_URL=redis://… (see `make test-pg`); skipped otherwise.
"""

import datetime
import importlib
import io
import threading
import time
import uuid

import openpyxl
import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun, task_prerun
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from branches.models import Role
from branches.services import role_end
from config.celery import app
from reports.exporters.people import PeopleExporter
from reports.models import Job, JobStatus, PeriodicReport
from reports.periodic import periods
from reports.periodic.kinds import REPORT_KINDS
from reports.services import job_start
from tests.compliance.helpers import at, meeting

pytestmark = [
    pytest.mark.live_celery,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis://"),
        reason="needs a Redis broker: set CELERY_BROKER_URL=redis://127.0.0.1:6379/<n>",
    ),
]


def _close_worker_connections(**kwargs) -> None:
    # The worker thread opens its own database connections; close them so the test database can be
    # flushed and dropped while the thread is gone.
    connections.close_all()


@pytest.fixture
def live_worker(transactional_db):
    """Start a worker thread; yields the list of (task name, thread) of every task it ran."""
    queue = f"portal-test-{uuid.uuid4().hex[:12]}"
    ran: list[tuple[str, threading.Thread]] = []

    def record(sender=None, **kwargs) -> None:
        ran.append((sender.name, threading.current_thread()))

    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    task_prerun.connect(record, weak=False)
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], loglevel="WARNING",
                          shutdown_timeout=30):
            yield ran
    finally:
        task_prerun.disconnect(record)
        task_postrun.disconnect(_close_worker_connections)
        app.conf.task_always_eager, app.conf.task_default_queue = saved


def wait_until_finished(job: Job, timeout: float = 60.0) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db()
        if job.is_finished:
            return job
        if time.monotonic() > deadline:
            pytest.fail(f"job {job.uuid} still {job.status} after {timeout:.0f} s")
        time.sleep(0.1)


def test_people_export_runs_end_to_end_on_the_worker(live_worker, world):
    job = job_start(actor=world.shuji_a, kind="people", params={}, fmt="xlsx")
    assert job.status == JobStatus.PENDING

    job = wait_until_finished(job)

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert [name for name, _ in live_worker] == ["reports.tasks.export_run_task"]
    assert live_worker[0][1] is not threading.main_thread(), "the worker thread ran it, not the test"
    assert job.progress == 100
    assert job.expires_at > job.finished_at
    with job.result.open("rb") as handle:
        payload = handle.read()
    assert payload[:4] == b"PK\x03\x04"
    sheet = openpyxl.load_workbook(io.BytesIO(payload), read_only=True).active
    cells = {str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None}
    assert {"张三", "赵喆"} <= cells, "shuji_a's branch is in the file"
    assert not {"李四", "王五"} & cells, "people outside shuji_a's branch are not"


def test_job_whose_owner_lost_the_export_right_ends_failed_with_a_message(live_worker, world):
    role = Role.objects.get(user=world.shuji_a, organization=world.branch_a)
    with transaction.atomic():
        # The task is sent when this block commits, after the role has ended: the worker re-checks.
        job = job_start(actor=world.shuji_a, kind="people", params={}, fmt="xlsx")
        role_end(actor=world.admin, role=role, ends_on=timezone.localdate() - datetime.timedelta(days=1))

    job = wait_until_finished(job)

    assert job.status == JobStatus.FAILED
    assert "权限" in job.error
    assert not job.result


def test_job_that_crashes_ends_failed_with_a_readable_message(live_worker, world, monkeypatch):
    def explode(self, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(PeopleExporter, "iterate", explode)
    job = job_start(actor=world.shuji_a, kind="people", params={}, fmt="xlsx")

    job = wait_until_finished(job)

    assert job.status == JobStatus.FAILED
    assert "disk on fire" not in job.error, "internal details stay in the log"
    assert "内部错误" in job.error
    assert job.finished_at is not None


def test_beat_entry_sent_to_the_worker_creates_and_generates_the_reports(live_worker, world):
    # The meetings rule set is a data migration, flushed between transactional tests: load it again.
    importlib.import_module("branches.migrations.0004_meeting_rule_sets").create(django_apps, None)
    month = periods.last_finished(periods.MONTH, timezone.localdate())
    meeting(world.branch_a, "theme_day", at(month.start.year, month.start.month, 15))
    name = settings.CELERY_BEAT_SCHEDULE["periodic-reports"]["task"]

    app.send_task(name)  # what beat does at 02:00

    expected = len(REPORT_KINDS) * 3  # the academy and the two institute committees
    deadline = time.monotonic() + 120
    while True:
        statuses = list(PeriodicReport.objects.values_list("status", flat=True))
        if len(statuses) == expected and set(statuses) == {JobStatus.SUCCEEDED}:
            break
        if JobStatus.FAILED in statuses or time.monotonic() > deadline:
            errors = list(PeriodicReport.objects.exclude(status=JobStatus.SUCCEEDED).values_list("kind", "error"))
            pytest.fail(f"{len(statuses)} of {expected} reports, not all succeeded: {errors}")
        time.sleep(0.2)

    names = [task for task, _ in live_worker]
    assert names[0] == name
    assert names.count("reports.tasks.periodic_report_generate_task") == expected
    assert all(thread is not threading.main_thread() for _, thread in live_worker)
    report = PeriodicReport.objects.get(kind="compliance_monthly", organization=world.institute)
    assert report.period_start == month.start
    assert report.requested_by is None
    assert f"{month.label}，甲所党委所属2个党支部" in report.summary
    with report.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    with report.xlsx.open("rb") as handle:
        assert handle.read(4) == b"PK\x03\x04"
