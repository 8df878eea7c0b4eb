"""The periodic reports in a real browser: beat's daily task produces the reports of the periods that ended, on its
own; zuzhibu finds them with their summaries and takes the monthly 三会一课 report home as PDF and Excel; a branch
secretary cannot open an institute's report; a report that failed overnight shows why and is generated again."""

import datetime
import importlib
import io
import re
import subprocess
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from config.celery import app
from reports.models import JobStatus, PeriodicReport, ReportKind
from reports.periodic import periods
from reports.periodic.kinds import REPORT_KINDS
from tests.compliance.helpers import at, meeting
from tests.e2e.conftest import SCREENSHOTS
from tests.reports.periodic.helpers import pipeline

MIGRATIONS = [importlib.import_module(name) for name in (
    "branches.migrations.0004_meeting_rule_sets", "recruitment.migrations.0002_rules_2014",
    "liaison.migrations.0002_rules_default")]


@pytest.fixture
def last_month(world):
    """The rule sets (data migrations, flushed between live-server tests) and last month's organizational life:
    branch A holds its 支部委员会, 主题党日 and a 党小组会, branch B only its 主题党日; two people are admitted."""
    for migration in MIGRATIONS:
        migration.create(django_apps, None)
    month = periods.last_finished(periods.MONTH, timezone.localdate())
    y, m = month.start.year, month.start.month
    meeting(world.branch_a, "committee", at(y, m, 5))
    meeting(world.branch_a, "theme_day", at(y, m, 18))
    meeting(world.group_a, "group", at(y, m, 19))
    meeting(world.branch_b, "theme_day", at(y, m, month.end.day, 20))
    pipeline(world.branch_a, name="甲发展", applied=month.start - datetime.timedelta(days=900), hk=True,
             activist_on=month.start - datetime.timedelta(days=800),
             candidate_on=month.start - datetime.timedelta(days=400), admitted_on=month.start + datetime.timedelta(days=3))
    pipeline(world.branch_b, name="乙发展", applied=month.start - datetime.timedelta(days=900),
             activist_on=month.start - datetime.timedelta(days=800),
             candidate_on=month.start - datetime.timedelta(days=400), admitted_on=month.start + datetime.timedelta(days=9))
    return month


def run_beat_entry() -> int:
    """What beat does at 02:00: send the periodic-reports entry's task by its name (run in-process: eager jobs)."""
    app.loader.import_default_modules()
    name = settings.CELERY_BEAT_SCHEDULE["periodic-reports"]["task"]
    return app.tasks[name].delay().get()


def download(page, name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=name).click()
    return Path(info.value.path()).read_bytes()


def report_of(kind: str, org) -> PeriodicReport:
    return PeriodicReport.objects.get(kind=kind, organization=org)


def test_the_scheduled_reports_appear_on_their_own(page, world, last_month, sign_in, shot, eager_jobs):
    today = timezone.localdate()
    assert run_beat_entry() == len(REPORT_KINDS) * 3  # the academy and the two institute committees
    assert set(PeriodicReport.objects.values_list("status", flat=True)) == {JobStatus.SUCCEEDED}
    assert run_beat_entry() == 0, "a second run the same day creates nothing"

    sign_in(page, "zuzhibu")
    page.goto("/reports/")
    expect(page.locator("h1")).to_have_text("定期报表")
    table = page.locator("table")
    for report_type in REPORT_KINDS.values():
        label = periods.last_finished(report_type.rule, today).label
        row = table.locator("tbody tr").filter(has_text=str(report_type.label)).filter(has_text="院党组")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(label)
        expect(row).to_contain_text("已完成")
    expect(table.locator("tbody tr")).to_have_count(15)
    shot(page, "list")

    table.locator("tbody tr").filter(has_text="三会一课月度落实情况").filter(has_text="院党组").get_by_role(
        "link").click()
    expect(page.locator("h1")).to_have_text("院党组三会一课月度落实情况")
    expect(page.locator("main")).to_contain_text(f"报告期：{last_month.label}")
    summary = page.locator(".card", has_text="摘要")
    expect(summary).to_contain_text(f"{last_month.label}，院党组所属3个党支部本月应完成三会一课事项")
    expect(summary).to_contain_text("落实率")
    expect(page.locator("main")).to_contain_text("定期自动生成")
    shot(page, "detail")

    pdf = download(page, "下载 PDF")
    assert pdf[:5] == b"%PDF-"
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "院党组三会一课月度落实情况" in text
    assert "第一党支部" in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "compliance-monthly.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(SCREENSHOTS / "compliance-monthly.pdf"),
                    str(SCREENSHOTS / "compliance-monthly")], check=True, timeout=60)

    sheet = openpyxl.load_workbook(io.BytesIO(download(page, "下载 Excel"))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"院党组三会一课月度落实情况（{last_month.label}）"
    assert list(rows[1][:4]) == ["所属单位", "党支部", "本月已完成", "本月应完成"]
    by_branch = {r[1]: r for r in rows[2:]}
    assert set(by_branch) == {"第一党支部", "第二党支部", "乙所第一党支部"}
    assert by_branch["第一党支部"][0] == "甲所党委"
    assert by_branch["第一党支部"][2] > by_branch["第二党支部"][2] > by_branch["乙所第一党支部"][2] == 0

    # The generate form offers only the periods of the chosen kind.
    page.goto("/reports/generate/")
    page.select_option("#g-kind", ReportKind.PLAN_QUARTERLY)
    quarter = periods.last_finished(periods.QUARTER, today)
    expect(page.locator("#g-period")).to_have_value(quarter.start.isoformat())
    offered = page.locator("#g-period optgroup:not([disabled]) option")
    assert all("季度" in label for label in offered.all_inner_texts())
    expect(page.locator("#g-period optgroup[disabled]")).to_have_count(len(REPORT_KINDS) - 1)

    # 第二党支部's secretary: the institute's and the academy's reports do not exist for her.
    page.context.clear_cookies()
    sign_in(page, "shuji_b")
    for report in (report_of(ReportKind.COMPLIANCE_MONTHLY, world.institute),
                   report_of(ReportKind.COMPLIANCE_MONTHLY, world.root)):
        for path in (f"/reports/{report.pk}/", f"/reports/{report.pk}/download/pdf/"):
            assert page.goto(path).status == 404, path
    page.goto("/reports/")
    expect(page.locator("main")).not_to_contain_text("甲所党委")
    expect(page.locator("main")).to_contain_text("暂无报表")


def test_a_report_that_failed_overnight_shows_why_and_is_generated_again(page, world, last_month, sign_in, shot,
                                                                         eager_jobs, monkeypatch):
    def broken(org, period):
        raise RuntimeError("relation branches_meeting does not exist")

    monkeypatch.setattr(REPORT_KINDS[ReportKind.COMPLIANCE_MONTHLY], "compute", broken)
    run_beat_entry()
    failed = report_of(ReportKind.COMPLIANCE_MONTHLY, world.institute)
    assert failed.status == JobStatus.FAILED
    assert failed.attempts == 4  # the first run and three retries
    monkeypatch.undo()

    sign_in(page, "zuzhibu")
    page.goto(f"/reports/{failed.pk}/")
    status = page.locator("#report-status")
    expect(status).to_contain_text("失败")
    expect(status).to_contain_text("失败原因：生成报表时发生内部错误，已自动重试3次仍未成功")
    expect(status).not_to_contain_text("branches_meeting")
    expect(page.get_by_role("link", name="下载 PDF")).to_have_count(0)
    shot(page, "failed")

    with page.expect_navigation():
        page.get_by_role("button", name="重新生成").click()
    expect(page.locator("#report-status")).to_contain_text("已完成")
    expect(page.get_by_role("link", name="下载 PDF")).to_be_visible()
    expect(page.locator(".card", has_text="摘要")).to_contain_text("甲所党委所属2个党支部")
    expect(page.locator("main")).to_contain_text("发起")
    shot(page, "rerun")

    same = PeriodicReport.objects.filter(kind=ReportKind.COMPLIANCE_MONTHLY, organization=world.institute)
    assert same.count() == 1
    again = same.get()
    assert (again.pk, again.status, again.error) == (failed.pk, JobStatus.SUCCEEDED, "")
    assert again.requested_by == world.zuzhibu
    assert again.pdf
    assert again.xlsx
    assert re.search(r"落实率\d", again.summary)
