"""The pages and the API of the periodic reports: scope, content, generate, rerun, downloads, query counts."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from reports.models import JobStatus, PeriodicReport
from reports.periodic.services import report_generate
from tests.factories import make_org

from .helpers import D, october_meetings


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-21 10:00 +0800", tick=False):
        yield


def _report(org, kind="compliance_monthly", start=None, generate=True):
    start = start or D(2026, 10, 1)
    report = PeriodicReport.objects.create(kind=kind, organization=org, period_start=start,
                                           period_end=start + datetime.timedelta(days=30), period_label="测试期")
    if generate:
        report_generate(report_id=report.pk)
        report.refresh_from_db()
    return report


def test_detail_shows_summary_figures_and_downloads(world, login):
    october_meetings(world)
    report = _report(world.institute)
    page = login("dangwei").get(f"/reports/{report.pk}/").content.decode()
    assert report.summary in page
    assert "落实率" in page
    assert f"/reports/{report.pk}/download/pdf/" in page
    assert "重新生成" in page


def test_failed_report_shows_reason(world, login):
    report = _report(world.institute, generate=False)
    PeriodicReport.objects.filter(pk=report.pk).update(status=JobStatus.FAILED, error="数据库暂时不可用")
    page = login("zuzhibu").get(f"/reports/{report.pk}/").content.decode()
    assert "失败原因" in page
    assert "数据库暂时不可用" in page
    assert "download" not in page


def test_download_is_scope_checked_and_named(world, login):
    report = _report(world.institute)
    response = login("dangwei").get(f"/reports/{report.pk}/download/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content)[:4] == b"%PDF"
    assert login("shuji_a").get(f"/reports/{report.pk}/download/pdf/").status_code == 404
    assert login("dangwei").get(f"/reports/{report.pk}/download/doc/").status_code == 404


def test_list_shows_only_reports_in_scope_with_constant_queries(world, login, django_assert_max_num_queries):
    mine = _report(world.institute, generate=False)
    other = _report(world.other_institute, generate=False)
    client = login("dangwei")
    page = client.get("/reports/").content.decode()
    assert f"/reports/{mine.pk}/" in page
    assert f"/reports/{other.pk}/" not in page
    for i in range(8):
        org = make_org(world.institute, org_type="committee", name=f"下属党委{i}", short_name=f"下属{i}")
        _report(org, generate=False)
    with django_assert_max_num_queries(12):
        response = client.get("/reports/?kind=compliance_monthly&year=2026")
    assert response.content.decode().count("/download/") == 0
    assert response.content.decode().count('href="/reports/') >= 9
    assert client.get(f"/reports/?organization={world.other_institute.pk}").content.decode().count(
        f"/reports/{other.pk}/") == 0


def test_generate_form_and_post(world, login, django_capture_on_commit_callbacks):
    client = login("dangwei")
    page = client.get("/reports/generate/").content.decode()
    assert "三会一课月度落实情况" in page
    assert "2026年10月" in page
    assert "甲所党委" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/generate/", {"kind": "compliance_monthly",
                                                      "organization": world.institute.pk,
                                                      "period_start": "2026-10-01"})
    report = PeriodicReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.pk}/"
    assert report.status == JobStatus.SUCCEEDED
    assert report.requested_by == world.dangwei
    bad = client.post("/reports/generate/", {"kind": "compliance_monthly", "organization": world.institute.pk,
                                             "period_start": "2026-11-01"})
    assert bad.status_code == 400
    assert "尚未结束" in bad.content.decode()
    assert client.post("/reports/generate/", {"kind": "compliance_monthly", "organization": world.other_institute.pk,
                                              "period_start": "2026-10-01"}).status_code == 404
    empty = client.post("/reports/generate/", {"kind": "compliance_monthly"})
    assert empty.status_code == 400
    assert "请选择党组织。" in empty.content.decode()
    assert "请选择报告期。" in empty.content.decode()
    assert PeriodicReport.objects.count() == 1
    assert client.post("/reports/generate/", {"kind": "plan_quarterly", "organization": world.institute.pk,
                                              "period_start": "2026-07-01"}).status_code == 403


def test_rerun_keeps_one_row(world, login, django_capture_on_commit_callbacks):
    report = _report(world.institute)
    with django_capture_on_commit_callbacks(execute=True):
        response = login("zuzhibu").post(f"/reports/{report.pk}/rerun/")
    assert response.status_code == 302
    assert PeriodicReport.objects.count() == 1
    report.refresh_from_db()
    assert report.status == JobStatus.SUCCEEDED
    assert report.requested_by == world.zuzhibu
    assert login("xuanchuan_a").post(f"/reports/{report.pk}/rerun/").status_code == 404


def test_status_fragment_polls_while_pending(world, login):
    report = _report(world.institute, generate=False)
    fragment = login("dangwei").get(f"/reports/{report.pk}/status/").content.decode()
    assert "hx-get" in fragment
    assert "every 2s" in fragment


def test_api_list_detail_generate_download(world, login, django_capture_on_commit_callbacks):
    october_meetings(world)
    report = _report(world.institute)
    client = login("dangwei")
    data = client.get("/api/v1/reports/?kind=compliance_monthly").json()
    assert [r["id"] for r in data["results"]] == [report.pk]
    detail = client.get(f"/api/v1/reports/{report.pk}/").json()
    assert detail["status"] == "succeeded"
    assert detail["figures"]["branches"] == 2
    assert detail["summary"] == report.summary
    assert detail["pdf_url"] == f"/api/v1/reports/{report.pk}/download/pdf/"
    assert client.get(detail["xlsx_url"]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/reports/", {"kind": "liaison_yearly", "organization": world.institute.pk,
                                                   "period_start": "2025-01-01"}, content_type="application/json")
    assert created.status_code == 201, created.content
    assert PeriodicReport.objects.get(pk=created.json()["id"]).status == JobStatus.SUCCEEDED
    assert client.post("/api/v1/reports/", {"kind": "liaison_yearly", "organization": world.institute.pk,
                                            "period_start": "2025-01-01", "extra": 1},
                       content_type="application/json").status_code == 400
    assert client.post("/api/v1/reports/", {"kind": "plan_quarterly", "organization": world.institute.pk,
                                            "period_start": "2026-07-01"},
                       content_type="application/json").status_code == 403
    assert login("outsider").get(f"/api/v1/reports/{report.pk}/").status_code == 404
    assert timezone.localdate() == D(2026, 11, 21)


def test_dashboard_card_lists_the_reports_in_scope(world, login, django_assert_max_num_queries):
    mine = _report(world.institute)
    other = _report(world.other_institute)
    pending = _report(world.root, generate=False)
    page = login("dangwei").get("/reports/card/").content.decode()
    assert f"/reports/{mine.pk}/" in page
    assert f"/reports/{other.pk}/" not in page
    page = login("zuzhibu").get("/reports/card/").content.decode()
    assert f"/reports/{mine.pk}/" in page
    assert f"/reports/{other.pk}/" in page
    assert f"/reports/{pending.pk}/" not in page  # not generated yet
    client = login("zuzhibu")
    client.get("/reports/card/")
    with django_assert_max_num_queries(8):
        client.get("/reports/card/")
    dashboard = login("zuzhibu").get("/").content.decode()
    assert "/reports/card/" in dashboard


def test_dashboard_card_says_when_there_is_nothing_yet(world, login):
    page = login("dangwei").get("/reports/card/").content.decode()
    assert "还没有生成的报表" in page
