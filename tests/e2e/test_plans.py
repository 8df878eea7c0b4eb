"""The annual recruitment plan in a real browser: zuzhibu builds next year's plan (a branch's numbers, a number
refused, approval), sees the plan against reality, and files it as XLSX and PDF (both opened)."""

import datetime
import importlib
import io
import re
from pathlib import Path

import openpyxl
from playwright.sync_api import expect
from pypdf import PdfReader

from branches.models import RuleSet
from recruitment.models import PlanStatus, RecruitmentPlan

RULES_2014 = importlib.import_module("recruitment.migrations.0002_rules_2014")


def _download(page, button_test_id: str) -> bytes:
    page.get_by_test_id(button_test_id).click()
    page.get_by_role("button", name="开始导出").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]{36}/$"))
    link = page.locator("a[href$='/download/']").first
    expect(link).to_be_visible(timeout=30_000)
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def test_zuzhibu_builds_next_years_plan_and_files_it(page, world, sign_in, shot, eager_jobs):
    # The 2014 rule set is a data migration, flushed between live-server tests: load it again.
    if not RuleSet.objects.filter(domain="recruitment", name=RULES_2014.NAME).exists():
        RuleSet.objects.create(domain="recruitment", name=RULES_2014.NAME, effective_from=datetime.date(2014, 6, 11),
                               parameters={"numbers": RULES_2014.NUMBERS, "steps": RULES_2014.STEPS},
                               source=RULES_2014.SOURCE)
    sign_in(page, "zuzhibu")
    page.goto("/recruitment/plans/")
    expect(page.locator("h1")).to_contain_text("年度发展党员计划")
    page.locator("a[aria-controls=plan-open]").click()
    form = page.locator("#plan-open form")
    expect(page.locator("#plan-open.show")).to_be_visible()  # the collapse has opened
    form.locator("select[name=organization]").select_option(label="院党组")
    form.locator("select[name=year]").select_option("2027")
    with page.expect_navigation():
        form.get_by_role("button", name="建立计划").click()
    expect(page).to_have_url(re.compile(r"/recruitment/plans/\d+/$"))
    expect(page.locator("h1")).to_contain_text("2027 年发展党员计划")
    plan = RecruitmentPlan.objects.get(organization=world.root, year=2027)
    shot(page, "plan")

    page.get_by_test_id("target-第一党支部").get_by_role("link", name="设定").click()
    form = page.locator("form").filter(has=page.get_by_role("button", name="保存指标"))
    form.get_by_label("发展党员总数").fill("2")
    form.get_by_label("女性").fill("3")  # more than the total
    form.get_by_role("button", name="保存指标").click()
    expect(page.get_by_test_id("step-errors")).to_contain_text("女性（3）不能多于发展党员总数（2）")
    assert plan.targets.get(organization=world.branch_a).total == 0  # nothing saved
    form = page.locator("form").filter(has=page.get_by_role("button", name="保存指标"))
    form.get_by_label("女性").fill("1")
    form.get_by_role("button", name="保存指标").click()
    expect(page.get_by_test_id("target-第一党支部")).to_contain_text("2")
    expect(page.get_by_test_id("sums")).to_contain_text("2")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("approve").click()
    expect(page.locator("main")).to_contain_text("计划已批准")
    assert RecruitmentPlan.objects.get(pk=plan.pk).status == PlanStatus.APPROVED
    shot(page, "approved")

    page.get_by_role("link", name="计划执行情况").first.click()
    expect(page.locator("h1")).to_contain_text("计划执行情况")
    expect(page.locator("main")).to_contain_text("不得突击发展")  # 2 planned, nobody in branch A's pipeline
    shot(page, "actual")

    page.goto(f"/recruitment/plans/{plan.pk}/")
    sheet = openpyxl.load_workbook(io.BytesIO(_download(page, "export-xlsx")))["计划"]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any("2027年发展党员计划" in str(c) for c in cells)
    assert "中共甲研究所第一支部委员会" in cells

    page.goto(f"/recruitment/plans/{plan.pk}/")
    pdf = _download(page, "export-pdf")
    assert pdf.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    assert "2027" in text
    assert "盖章" in text
