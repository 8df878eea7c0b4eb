"""The jobs pages: my jobs, starting an export, live progress, and the owner-only download."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from reports.models import Job, JobStatus
from reports.services import job_start

from .conftest import start_and_run, user

pytestmark = pytest.mark.django_db


def export_url(identifier: str, query: str = "") -> str:
    url = reverse("reports:export_start", args=[identifier])
    return f"{url}?{query}" if query else url


# ---- export_start: personas ---------------------------------------------------------------------------


def test_people_export_page_shows_the_list_filters_as_a_summary(rworld, login):
    response = login("shuji_a").get(export_url("people", "political_status=02&q=qian&page=3"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "共 1 人" in html  # 钱堃
    assert "导出范围与筛选条件" in html
    assert "中共预备党员" in html
    assert "qian" in html
    assert 'name="political_status" value="02"' in html
    assert 'name="q" value="qian"' in html
    assert 'name="page"' not in html  # not a filter
    assert "/people/?political_status=02&amp;q=qian" in html  # back to the list with the same filters
    assert 'value="xlsx"' in html
    assert 'value="csv"' in html


def test_people_export_page_names_the_organization_filter(rworld, login):
    response = login("dangwei").get(export_url("people", f"org={rworld.branch_a.pk}"))
    assert response.status_code == 200
    assert rworld.branch_a.name in response.content.decode()


def test_export_page_without_filters_says_everything_in_scope(rworld, login):
    response = login("shuji_a").get(export_url("people"))
    assert "未设筛选条件" in response.content.decode()
    assert "共 4 人" in response.content.decode()


def test_export_page_for_a_user_without_export_capability_is_403(rworld, login):
    assert login("xuanchuan_a").get(export_url("people")).status_code == 403
    assert login("dangyuan").get(export_url("org_roster")).status_code == 403


def test_roster_of_another_branch_is_404(rworld, login):
    assert login("shuji_b").get(export_url("org_roster", f"organization={rworld.branch_a.pk}")).status_code == 404
    assert login("outsider").get(export_url("org_roster", f"organization={rworld.branch_a.pk}")).status_code == 404
    assert login("shuji_a").get(export_url("people", f"org={rworld.branch_b.pk}")).status_code == 404


def test_roster_page_is_prefilled_with_the_organization(rworld, login):
    response = login("shuji_a").get(export_url("org_roster", f"organization={rworld.branch_a.pk}"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{rworld.branch_a.pk}" selected>' in html
    assert f'value="{rworld.branch_b.pk}"' not in html  # only organizations the user may export
    assert 'value="pdf"' in html


def test_unknown_exporter_is_404(rworld, login):
    assert login("shuji_a").get(export_url("nonexistent")).status_code == 404


def test_anonymous_users_are_sent_to_login(rworld, client):
    for url in (reverse("reports:jobs"), export_url("people")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# ---- export_start: POST -------------------------------------------------------------------------------


def test_posting_the_export_form_starts_the_job_and_redirects(rworld, login, django_capture_on_commit_callbacks):
    client = login("shuji_a")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(export_url("people"), {"political_status": "02", "format": "csv"})
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:job_detail", args=[job.uuid])
    assert job.owner == user("shuji_a")
    assert job.params == {"political_status": "02"}
    assert job.format == "csv"
    assert job.status == JobStatus.SUCCEEDED


def test_posting_a_roster_without_organization_shows_a_chinese_error_and_saves_nothing(rworld, login):
    response = login("shuji_a").post(export_url("org_roster"), {"organization": "", "format": "pdf"})
    assert response.status_code == 200
    assert "请选择党组织。" in response.content.decode()
    assert not Job.objects.exists()


def test_posting_a_roster_of_another_branch_is_404_and_saves_nothing(rworld, login):
    response = login("shuji_b").post(export_url("org_roster"), {"organization": rworld.branch_a.pk, "format": "pdf"})
    assert response.status_code == 404
    assert not Job.objects.exists()


def test_posting_a_wrong_format_is_refused(rworld, login):
    response = login("shuji_a").post(export_url("people"), {"format": "pdf"})
    assert response.status_code == 200
    assert "有效的选项" in response.content.decode()
    assert not Job.objects.exists()


def test_posting_without_capability_is_403(rworld, login):
    assert login("xuanchuan_a").post(export_url("people"), {"format": "xlsx"}).status_code == 403
    assert not Job.objects.exists()


# ---- job pages --------------------------------------------------------------------------------------------


def test_job_detail_polls_while_pending_and_stops_when_finished(rworld, login):
    job = job_start(actor=user("shuji_a"), kind="people", params={"political_status": "02"}, fmt="xlsx")
    client = login("shuji_a")
    detail = client.get(reverse("reports:job_detail", args=[job.uuid]))
    assert detail.status_code == 200
    html = detail.content.decode()
    progress_url = reverse("reports:job_progress", args=[job.uuid])
    assert f'hx-get="{progress_url}"' in html
    assert 'hx-trigger="every 1s"' in html
    assert "中共预备党员" in html  # the conditions of the export, readable

    partial = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "hx-trigger" in partial.content.decode()
    assert "<html" not in partial.content.decode()

    from reports.services import job_run

    job_run(job_id=job.pk)
    partial = client.get(progress_url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial
    assert reverse("reports:job_download", args=[job.uuid]) in partial


def test_job_detail_shows_the_error_of_a_failed_job(rworld, login):
    job = job_start(actor=user("shuji_a"), kind="people", params={}, fmt="xlsx")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="导出条件已失效：测试")
    html = login("shuji_a").get(reverse("reports:job_progress", args=[job.uuid])).content.decode()
    assert "导出条件已失效：测试" in html
    assert "hx-trigger" not in html


@pytest.mark.parametrize("persona", ["shuji_b", "dangwei", "admin", "xuanchuan_a"])
def test_other_peoples_jobs_do_not_exist(rworld, login, persona):
    job = start_and_run("shuji_a", "people")
    client = login(persona)
    for name in ("job_detail", "job_progress", "job_download"):
        assert client.get(reverse(f"reports:{name}", args=[job.uuid])).status_code == 404, name


def test_owner_downloads_with_a_chinese_filename(rworld, login):
    job = start_and_run("shuji_a", "org_roster", {"organization": rworld.branch_a.pk}, fmt="pdf")
    response = login("shuji_a").get(reverse("reports:job_download", args=[job.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="org_roster_')
    assert f"filename*=UTF-8''{quote(job.result_name)}" in disposition
    assert quote("党员名册") in disposition
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]


def test_expired_or_unfinished_results_are_not_downloadable(rworld, login):
    from django.utils import timezone

    pending = job_start(actor=user("shuji_a"), kind="people", params={}, fmt="xlsx")
    client = login("shuji_a")
    assert client.get(reverse("reports:job_download", args=[pending.uuid])).status_code == 404
    done = start_and_run("shuji_a", "people")
    Job.objects.filter(pk=done.pk).update(expires_at=timezone.now())
    assert client.get(reverse("reports:job_download", args=[done.uuid])).status_code == 404


def test_jobs_page_lists_only_my_jobs(rworld, login):
    mine = start_and_run("shuji_a", "people")
    theirs = start_and_run("shuji_b", "people")
    html = login("shuji_a").get(reverse("reports:jobs")).content.decode()
    assert str(mine.uuid) in html
    assert str(theirs.uuid) not in html
    assert reverse("reports:export_start", args=["org_roster"]) in html


def test_jobs_page_polls_only_while_a_job_is_unfinished(rworld, login):
    client = login("shuji_a")
    start_and_run("shuji_a", "people")
    assert 'hx-trigger="every 2s"' not in client.get(reverse("reports:jobs")).content.decode()
    job_start(actor=user("shuji_a"), kind="people", params={}, fmt="xlsx")
    assert 'hx-trigger="every 2s"' in client.get(reverse("reports:jobs")).content.decode()
    partial = client.get(reverse("reports:jobs"), HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="job-table"')


def test_jobs_page_query_count_is_constant(rworld, login, django_assert_max_num_queries):
    client = login("shuji_a")
    start_and_run("shuji_a", "people")
    with django_assert_max_num_queries(100) as small:
        client.get(reverse("reports:jobs"))
    for _ in range(8):
        start_and_run("shuji_a", "people", fmt="csv")
    with django_assert_max_num_queries(100) as large:
        assert client.get(reverse("reports:jobs")).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
