"""The liaison work in a real browser: dangwei reviews his liaison list on a phone, records a talk with a
follow-up and sees his institute's coverage; zuzhibu sees the academy's coverage and exports the 联系清单 (the
XLSX is opened); shuji_b sees no other unit's people or notes."""

import datetime
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from liaison.models import FollowUp, Talk
from tests.liaison.helpers import prepare

PHONE = {"width": 375, "height": 812}
PRIVATE = "家庭困难，需保密"


@pytest.fixture
def liaison_world(world):
    prepare(world)
    return world


def test_dangwei_reviews_his_list_and_records_a_talk(page, liaison_world, sign_in, shot):
    world = liaison_world
    today = timezone.localdate()
    page.set_viewport_size(PHONE)
    sign_in(page, "dangwei")

    page.goto("/liaison/")
    expect(page.locator("h1")).to_contain_text("我的联系清单")
    row = page.locator("[data-testid=my-pair]").filter(has_text="周博士")
    expect(row).to_be_visible()
    expect(row.locator("[data-testid=next-due]")).to_contain_text("已逾期")  # last talk in March
    expect(page.locator("[data-testid=my-follow-ups]")).to_contain_text("协调子女入学")
    shot(page, "my-list")

    row.locator("[data-testid=record-talk]").click()
    form = page.locator("[data-testid=talk-form]")
    expect(form).to_be_visible()
    form.get_by_label("谈话内容").fill("近期科研进展，青年人才项目申报")
    form.get_by_label("思想动态与诉求").fill("希望所里协助实验室用房")
    form.locator("[name=fu1_text]").fill("协调实验室用房")
    form.locator("[name=fu1_due_on]").fill((today + datetime.timedelta(days=30)).isoformat())
    form.locator("[name=fu1_is_request]").check()
    shot(page, "talk-form")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=talks]")).to_contain_text("近期科研进展")
    expect(page.locator("[data-testid=talks]")).to_contain_text("协调实验室用房")
    expect(page.locator("[data-testid=private-notes]").first).to_contain_text(PRIVATE)  # his own pair
    shot(page, "pair")
    talk = Talk.objects.get(pair=world.pair_a, held_on=today)
    assert list(talk.follow_ups.values_list("text", "is_request", "owner")) == [("协调实验室用房", True, "李明哲")]

    # Back on the list the talk is no longer overdue.
    page.goto("/liaison/")
    expect(page.locator("[data-testid=my-pair]").filter(has_text="周博士").locator("[data-testid=next-due]")
           ).not_to_contain_text("已逾期")

    # The institute's coverage: 吴研究员 is a 高知 without a liaison.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/liaison/review/")
    expect(page.locator("[data-testid=total-uncovered]")).to_have_text("1")
    expect(page.locator("[data-testid=total-pool]")).to_have_text("3")
    shot(page, "review")
    page.get_by_role("link", name="查看名单").click()
    expect(page.locator("[data-testid=uncovered]")).to_contain_text("吴研究员")
    expect(page.locator("[data-testid=requests]")).to_contain_text("协调实验室用房")
    shot(page, "gaps")


def test_zuzhibu_sees_the_academy_and_exports_the_liaison_list(page, liaison_world, sign_in, shot, eager_jobs):
    world = liaison_world
    sign_in(page, "zuzhibu")
    page.goto("/liaison/review/")
    expect(page.locator("h1")).to_contain_text("联系清单覆盖情况")
    expect(page.locator("[data-testid=total-pool]")).to_have_text("4")  # both institutes
    table = page.locator("table.cov-table")
    expect(table).to_contain_text("甲所党委")
    expect(table).to_contain_text("乙所党委")
    shot(page, "academy")

    page.get_by_test_id("export-link").click()
    expect(page.locator("h1")).to_contain_text("联系清单")
    shot(page, "export-form")
    page.get_by_role("button", name="开始导出").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]{36}/$"))
    link = page.locator("a[href$='/download/']").first
    expect(link).to_be_visible(timeout=30_000)
    with page.expect_download() as download_info:
        link.click()
    content = Path(download_info.value.path()).read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.active
    text = "\n".join(" ".join(str(c) for c in row if c is not None) for row in sheet.iter_rows(values_only=True))
    assert "周博士" in text
    assert "李明哲" in text
    assert "钱教授" in text  # the other institute, in the academy's list
    assert PRIVATE not in text
    assert "乙所内部备注" not in text
    assert FollowUp.objects.filter(talk__pair=world.pair_a).exists()


def test_shuji_b_sees_no_other_units_people_or_notes(page, liaison_world, sign_in):
    world = liaison_world
    sign_in(page, "shuji_b")
    page.goto("/liaison/pool/")
    expect(page.locator("main")).to_contain_text("郑工程师")
    expect(page.locator("main")).not_to_contain_text("周博士")
    expect(page.locator("main")).not_to_contain_text("钱教授")
    for path in (f"/liaison/pairs/{world.pair_a.pk}/", f"/liaison/pool/{world.talent_a.pk}/",
                 f"/liaison/pairs/{world.pair_other.pk}/"):
        response = page.goto(path)
        assert response.status == 404, path
    page.goto("/liaison/review/")
    body = page.locator("main").inner_text()
    assert "周博士" not in body
    assert PRIVATE not in body
    assert "甲所党委" not in body
