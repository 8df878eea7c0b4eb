"""/api/v1/exporters/ and /api/v1/jobs/: the same services and validation as the export page."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from reports.models import Job, JobStatus

from .conftest import start_and_run, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def _as(username: str | None) -> APIClient:
        client = APIClient()
        if username:
            client.force_authenticate(user(username))
        return client

    return _as


def test_exporters_lists_those_the_user_may_use(rworld, api):
    response = api("shuji_a").get("/api/v1/exporters/")
    assert response.status_code == 200
    by_id = {row["identifier"]: row for row in response.json()}
    assert {"people", "org_roster"} <= set(by_id)
    assert by_id["people"]["formats"] == ["xlsx", "csv"]
    assert by_id["people"]["name"] == "人员名单"
    assert {"q", "political_status", "org"} <= {p["name"] for p in by_id["people"]["params"]}
    assert by_id["org_roster"]["params"][0] == {"name": "organization", "label": "党组织", "required": True,
                                                "multiple": False}
    assert api("xuanchuan_a").get("/api/v1/exporters/").json() == []
    assert api(None).get("/api/v1/exporters/").status_code in (401, 403)


def test_post_job_starts_an_export(rworld, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api("shuji_a").post("/api/v1/jobs/", {"exporter": "org_roster", "format": "pdf",
                                                         "params": {"organization": rworld.branch_a.pk}},
                                       format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    job = Job.objects.get(uuid=body["uuid"])
    assert job.owner == user("shuji_a")
    assert job.params == {"organization": str(rworld.branch_a.pk)}
    assert body["status"] == "pending"
    assert body["url"] == f"/api/v1/jobs/{job.uuid}/"
    detail = api("shuji_a").get(body["url"]).json()
    assert detail["status"] == "succeeded"
    assert detail["progress"] == 100
    assert detail["download_url"] == f"/api/v1/jobs/{job.uuid}/download/"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"exporter": "people", "format": "xlsx", "params": {"political_status": "99"}}, "political_status",
         "选择一个有效的选项"),
        ({"exporter": "people", "format": "xlsx", "params": {"shoe_size": "42"}}, "params", "未知参数：shoe_size"),
        ({"exporter": "people", "format": "docx"}, "format", "可导出的格式为"),
        ({"exporter": "nope", "format": "xlsx"}, "exporter", "没有名为“nope”的导出类型"),
        ({"exporter": "people", "format": "xlsx", "colour": "red"}, "colour", "未知字段"),
        ({"format": "xlsx"}, "exporter", "该字段是必填项"),
        ({"exporter": "org_roster", "format": "pdf", "params": {"organization": 0}}, "organization",
         "不在您的导出权限范围内"),
    ],
)
def test_post_job_with_bad_input_is_400_in_chinese_and_saves_nothing(rworld, api, payload, field, message):
    response = api("shuji_a").post("/api/v1/jobs/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in body, body
    assert any(message in m for m in body[field]), body
    assert not Job.objects.exists()


def test_post_roster_of_another_branch_is_400_and_saves_nothing(rworld, api):
    response = api("shuji_b").post("/api/v1/jobs/", {"exporter": "org_roster", "format": "pdf",
                                                     "params": {"organization": rworld.branch_a.pk}}, format="json")
    assert response.status_code == 400
    assert "不在您的导出权限范围内" in response.json()["organization"][0]
    assert not Job.objects.exists()


def test_post_job_without_capability_is_403(rworld, api):
    response = api("xuanchuan_a").post("/api/v1/jobs/", {"exporter": "people", "format": "xlsx"}, format="json")
    assert response.status_code == 403
    assert not Job.objects.exists()
    assert api(None).post("/api/v1/jobs/", {"exporter": "people", "format": "xlsx"},
                          format="json").status_code in (401, 403)


def test_job_list_shows_only_mine(rworld, api):
    mine = start_and_run("shuji_a", "people")
    start_and_run("shuji_b", "people")
    body = api("shuji_a").get("/api/v1/jobs/").json()
    assert body["count"] == 1
    assert body["results"][0]["uuid"] == str(mine.uuid)
    assert body["results"][0]["status_display"] == "已完成"


def test_job_list_query_count_is_constant(rworld, api, django_assert_max_num_queries):
    client = api("shuji_a")
    start_and_run("shuji_a", "people")
    with django_assert_max_num_queries(50) as small:
        client.get("/api/v1/jobs/")
    for _ in range(5):
        start_and_run("shuji_a", "people", fmt="csv")
    with django_assert_max_num_queries(50) as large:
        client.get("/api/v1/jobs/")
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.parametrize("persona", ["shuji_b", "dangwei", "admin", "outsider"])
def test_other_peoples_jobs_are_404(rworld, api, persona):
    job = start_and_run("shuji_a", "people")
    client = api(persona)
    assert client.get(f"/api/v1/jobs/{job.uuid}/").status_code == 404
    assert client.get(f"/api/v1/jobs/{job.uuid}/download/").status_code == 404


def test_owner_downloads_through_the_api(rworld, api):
    job = start_and_run("shuji_a", "people", fmt="csv")
    response = api("shuji_a").get(f"/api/v1/jobs/{job.uuid}/download/")
    assert response.status_code == 200
    assert f"filename*=UTF-8''{quote(job.result_name)}" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"\xef\xbb\xbf")


def test_unfinished_job_download_is_404(rworld, api):
    from reports.services import job_start

    job = job_start(actor=user("shuji_a"), kind="people", params={}, fmt="xlsx")
    assert job.status == JobStatus.PENDING
    assert api("shuji_a").get(f"/api/v1/jobs/{job.uuid}/download/").status_code == 404
    assert api("shuji_a").get(f"/api/v1/jobs/{job.uuid}/").json()["download_url"] is None
