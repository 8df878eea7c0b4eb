"""Jobs: starting (validation, capability), running once, failing readably, re-checking permission, purging."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.utils import timezone, translation

from branches.models import Role
from reports import services
from reports.exporters.people import PeopleExporter
from reports.models import Job, JobStatus
from reports.services import job_run, job_start, jobs_purge_expired
from reports.tasks import export_run_task, purge_expired_jobs_task

from .conftest import start_and_run, user

pytestmark = pytest.mark.django_db


def test_job_start_stores_the_request_and_enqueues_after_commit(rworld, django_capture_on_commit_callbacks):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_start(actor=user("shuji_a"), kind="people", params={"political_status": "02", "q": ""},
                        fmt="csv")
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.owner == user("shuji_a")
    assert job.status == JobStatus.PENDING
    assert job.kind == "people"
    assert job.format == "csv"
    assert job.params == {"political_status": "02"}  # empty values dropped
    assert job.title == "People list · CPC probationary member"
    assert job.language == "en"
    with mock.patch.object(export_run_task, "delay") as delay:
        callbacks[0]()
    delay.assert_called_once_with(job.pk)


def test_job_start_runs_the_job_through_the_task(rworld, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(actor=user("shuji_a"), kind="people", params={}, fmt="xlsx")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.progress == 100
    assert job.result
    assert job.finished_at
    assert job.expires_at - job.finished_at == datetime.timedelta(days=7)


@pytest.mark.parametrize(
    ("kind", "params", "fmt", "field", "message"),
    [
        ("nope", {}, "xlsx", "exporter", "没有名为“nope”的导出类型"),
        ("people", {}, "pdf", "format", "可导出的格式为"),
        ("people", {"political_status": "99"}, "xlsx", "political_status", "选择一个有效的选项"),
        ("people", {"colour": "red"}, "xlsx", "params", "未知参数：colour"),
        ("org_roster", {}, "pdf", "organization", "请选择党组织"),
        ("org_roster", {"organization": "abc"}, "pdf", "organization", "不在您的导出权限范围内"),
    ],
)
def test_job_start_refuses_bad_requests_in_chinese_and_saves_nothing(rworld, kind, params, fmt, field, message):
    with pytest.raises(ValidationError) as exc:
        job_start(actor=user("shuji_a"), kind=kind, params=params, fmt=fmt)
    assert field in exc.value.message_dict
    assert any(message in m for m in exc.value.message_dict[field]), exc.value.message_dict
    assert not Job.objects.exists()


def test_job_start_refuses_an_organization_outside_the_export_scope(rworld):
    with pytest.raises(ValidationError) as exc:
        job_start(actor=user("shuji_b"), kind="org_roster", params={"organization": rworld.branch_a.pk}, fmt="pdf")
    assert "不在您的导出权限范围内" in exc.value.message_dict["organization"][0]
    assert not Job.objects.exists()


def test_job_start_needs_the_export_capability(rworld):
    with pytest.raises(PermissionDenied):
        job_start(actor=user("xuanchuan_a"), kind="people", params={}, fmt="xlsx")
    assert not Job.objects.exists()


def test_running_the_same_job_twice_produces_one_result(rworld):
    job = start_and_run("shuji_a", "people")
    first = (job.result.name, job.finished_at)
    with mock.patch.object(PeopleExporter, "render") as render:
        assert job_run(job_id=job.pk) is None
        export_run_task.apply(args=[job.pk])
    render.assert_not_called()
    job.refresh_from_db()
    assert (job.result.name, job.finished_at) == first
    assert Job.objects.count() == 1


def test_a_failing_exporter_leaves_the_job_failed_with_a_readable_message(rworld, caplog):
    job = job_start(actor=user("shuji_a"), kind="people", params={}, fmt="xlsx")
    with mock.patch.object(PeopleExporter, "iterate", side_effect=ZeroDivisionError("boom")):
        export_run_task.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "内部错误" in job.error
    assert "boom" not in job.error
    assert not job.result
    assert job.finished_at
    assert "boom" in caplog.text  # the technical detail goes to the log


def test_permission_is_rechecked_when_the_job_runs(rworld):
    job = job_start(actor=user("shuji_a"), kind="people", params={}, fmt="xlsx")
    Role.objects.filter(user__username="shuji_a").update(ends_on=timezone.localdate() - datetime.timedelta(days=1),
                                                         starts_on=datetime.date(2020, 1, 1))
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "不再拥有“导出”权限" in job.error
    assert not job.result


def test_roster_of_an_organization_no_longer_in_scope_fails_readably(rworld):
    job = job_start(actor=user("dangwei"), kind="org_roster", params={"organization": rworld.branch_a.pk}, fmt="pdf")
    Role.objects.filter(user__username="dangwei").update(organization=rworld.branch_b)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("导出条件已失效：")
    assert "导出权限范围" in job.error


def test_the_job_renders_in_the_owners_language_and_shanghai_time(rworld, settings):
    settings.TIME_ZONE = "UTC"
    with translation.override("en"):
        job = job_start(actor=user("shuji_a"), kind="people", params={}, fmt="csv")
    seen = {}
    original = PeopleExporter.header

    def spy(self):
        seen["language"] = translation.get_language()
        seen["tz"] = timezone.get_current_timezone_name()
        return original(self)

    with mock.patch.object(PeopleExporter, "header", spy):
        job_run(job_id=job.pk)
    assert seen == {"language": "en", "tz": "Asia/Shanghai"}


def test_transient_database_errors_are_retried_then_the_job_fails(rworld):
    job = job_start(actor=user("shuji_a"), kind="people", params={}, fmt="xlsx")
    calls = []

    def flaky(*, job_id):
        calls.append(job_id)
        raise OperationalError("database is locked")

    with mock.patch.object(services, "job_run", side_effect=flaky):
        export_run_task.apply(args=[job.pk])
    assert len(calls) == 1 + export_run_task.max_retries
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "请稍后重新导出" in job.error


def test_a_transient_error_gives_the_job_back_for_the_retry(rworld):
    job = job_start(actor=user("shuji_a"), kind="people", params={}, fmt="xlsx")
    with mock.patch.object(PeopleExporter, "iterate", side_effect=OperationalError("locked")), \
            pytest.raises(OperationalError):
        job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_purge_deletes_expired_files_and_fails_stale_running_jobs(rworld):
    job = start_and_run("shuji_a", "people")
    storage, name = job.result.storage, job.result.name
    assert storage.exists(name)
    assert jobs_purge_expired() == 0
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    stale = job_start(actor=user("shuji_a"), kind="people", params={}, fmt="csv")
    Job.objects.filter(pk=stale.pk).update(status=JobStatus.RUNNING,
                                           started_at=timezone.now() - datetime.timedelta(hours=3))
    assert purge_expired_jobs_task.apply().get() == 1
    job.refresh_from_db()
    stale.refresh_from_db()
    assert not job.result
    assert not storage.exists(name)
    assert stale.status == JobStatus.FAILED
    assert "超时" in stale.error
