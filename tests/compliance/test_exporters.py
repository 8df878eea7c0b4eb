"""The self-check report (PDF) and the committee view export (XLSX), through the job registry."""

from __future__ import annotations

import datetime
import io
import subprocess

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from pypdf import PdfReader

from reports.exporters import get_exporter
from tests.reports.conftest import read_xlsx, result_bytes, start_and_run, user

from .helpers import SH, at, meeting

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 5, 20, 9, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def eworld(world):
    meeting(world.branch_a, "committee", at(2026, 5, 2), confirmed=True, title="五月支委会")
    meeting(world.group_a, "group", at(2026, 5, 3), title="第一党小组五月学习")
    meeting(world.branch_a, "general_assembly", at(2026, 4, 8), title="接收预备党员大会")
    meeting(world.branch_a, "study", at(2026, 3, 8), title="三月学习研讨")
    meeting(world.branch_b, "theme_day", at(2026, 5, 4))
    return world


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_self_check_pdf_has_title_branch_period_requirements_meetings_and_signature(eworld, tmp_path):
    job = start_and_run("shuji_a", "self_check", {"organization": eworld.branch_a.pk, "year": 2026,
                                                  "period": "q2"}, fmt="pdf")
    assert job.title == "三会一课自查报告 · 第一党支部 · 2026年第2季度"
    assert job.result_type == "application/pdf"
    data = result_bytes(job)
    text = _pdf_text(data)
    for fragment in ("三会一课自查报告", "中共甲研究所第一支部委员会", "2026年第2季度", "支部委员会", "党小组会",
                     "支部党员大会", "五月支委会", "第一党小组五月学习", "接收预备党员大会", "2026-05-02",
                     "党支部书记（签字）", "逾期未完成"):
        assert fragment in text, fragment
    assert "三月学习研讨" not in text  # outside the period
    pdf = tmp_path / "self_check.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 5000


def test_self_check_for_a_whole_year_and_a_month(eworld):
    text = _pdf_text(result_bytes(start_and_run("dangwei", "self_check", {
        "organization": eworld.branch_b.pk, "year": 2026, "period": "m5"}, fmt="pdf")))
    assert "2026年5月" in text
    assert "主题党日" in text
    assert "不适用" in text


def test_self_check_scope_and_capability(eworld):
    exporter = get_exporter("self_check")
    params = {"organization": eworld.branch_a.pk, "year": 2026, "period": "year"}
    with pytest.raises(Http404):
        exporter.render(user=user("shuji_b"), params=params, fmt="pdf")
    with pytest.raises(PermissionDenied):
        exporter.render(user=user("xuanchuan_a"), params=params, fmt="pdf")
    with pytest.raises(Http404):
        exporter.render(user=user("admin"), params={**params, "organization": eworld.institute.pk}, fmt="pdf")


@pytest.mark.parametrize(("persona", "status"), [
    ("shuji_a", 200), ("dangwei", 200), ("zuzhibu", 200), ("xuanchuan_a", 403), ("dangyuan", 403),
    ("shuji_b", 404), ("outsider", 404),
])
def test_export_page_personas(eworld, login, persona, status):
    for kind in ("self_check",):
        url = f"/jobs/export/{kind}/?organization={eworld.branch_a.pk}&year=2026&period=year"
        assert login(persona).get(url).status_code == status


def test_export_page_anonymous(eworld, client):
    assert client.get(f"/jobs/export/self_check/?organization={eworld.branch_a.pk}").status_code == 302


def test_bad_period_is_refused_and_no_job_is_saved(eworld, login):
    from reports.models import Job

    before = Job.objects.count()
    response = login("shuji_a").post("/jobs/export/self_check/", {
        "organization": eworld.branch_a.pk, "year": 2026, "period": "q9", "format": "pdf"})
    assert response.status_code == 200
    assert "请选择全年、某一季度或某一月" in response.content.decode()
    assert Job.objects.count() == before


def test_compliance_xlsx_rows_follow_scope_and_filters(eworld):
    job = start_and_run("dangwei", "compliance", {"sort": "name"})
    sheet = read_xlsx(job).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("党支部", "全称", "2026年5月 已完成", "2026年5月 应完成")
    names = [r[0] for r in rows[1:]]
    assert names == ["第一党支部", "第二党支部"]
    a = rows[1]
    assert a[2:4] == (2, 3)  # committee and party group done this month, theme day not yet
    assert a[8] == 4 * 3 + 2  # Jan–Apr monthly, Q1's assembly and lecture
    assert a[9] == "有逾期"
    assert "1月主题党日" in a[10]
    job = start_and_run("dangwei", "compliance", {"q": "第二"})
    assert [r[0] for r in read_xlsx(job).active.iter_rows(min_row=2, values_only=True)] == ["第二党支部"]
    job = start_and_run("shuji_b", "compliance", {})
    assert [r[0] for r in read_xlsx(job).active.iter_rows(min_row=2, values_only=True)] == ["第二党支部"]


def test_compliance_export_page_from_the_overview(eworld, login):
    response = login("dangwei").get("/jobs/export/compliance/?q=第二&overdue=1&sort=name")
    assert response.status_code == 200
    html = response.content.decode()
    assert "第二" in html
    assert "只看有逾期的支部" in html
    assert login("xuanchuan_a").get("/jobs/export/compliance/").status_code == 403
    assert login("dangyuan").get("/jobs/export/compliance/").status_code == 403
