"""Bulk import in a real browser: zuzhibu downloads the people template, uploads a file with mistakes, gets every
mistake explained against its row with nothing imported, takes the failed rows home, fixes them and imports the
file; a branch secretary on a phone sees a row of another branch explained as outside his scope."""

import datetime
import io
import re
from pathlib import Path

import openpyxl
from playwright.sync_api import expect

from imports.spec import get_spec
from members import idcard
from members.models import Person

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PHONE = {"width": 390, "height": 844}
D = datetime.date


def person_id(birth: datetime.date, sequence: int, sex: str) -> str:
    return idcard.make("320102", birth, sequence, "1" if sex == "男" else "2")


def bad_check_digit(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def fill(template: bytes, rows: list[dict]) -> bytes:
    """The downloaded template with its example row replaced by `rows` (header label → cell)."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append([row.get(label) for label in header])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row_of(page, number: int):
    """The preview's table row of sheet row `number`."""
    return page.locator("[data-testid=import-rows] tbody tr").filter(
        has=page.locator("td:first-child", has_text=re.compile(rf"^\s*{number}\s*$")))


def upload(page, kind: str, name: str, content: bytes) -> None:
    page.goto(f"/imports/new/{kind}/")
    page.locator("input[type=file]").set_input_files({"name": name, "mimeType": XLSX, "buffer": content})
    with page.expect_navigation():
        page.get_by_role("button", name="上传检查").click()
    expect(page).to_have_url(re.compile(r"/imports/[0-9a-f-]{36}/$"))


def download(page, locator) -> bytes:
    with page.expect_download() as info:
        locator.click()
    return Path(info.value.path()).read_bytes()


def people(world) -> list[dict]:
    """Eight new people, correct: six in branch A, two in branch B."""
    specs = [("王建国", "男", D(1988, 4, 12), "第一党支部"), ("李秀英", "女", D(1991, 9, 3), "第一党支部"),
             ("陈志强", "男", D(1985, 1, 20), "第一党支部"), ("刘洋", "男", D(1993, 7, 7), "第一党支部"),
             ("赵敏", "女", D(1990, 2, 28), "第二党支部"), ("孙磊", "男", D(1987, 11, 30), "第二党支部"),
             ("周婷", "女", D(1995, 5, 16), "第一党支部"), ("吴刚", "男", D(1984, 12, 1), "第一党支部")]
    return [{"姓名": name, "性别": sex, "出生日期": birth, "公民身份号码": person_id(birth, n, sex), "学历": "大学本科",
             "工作岗位": "研究员", "所在党组织": org} for n, (name, sex, birth, org) in enumerate(specs, start=11)]


def test_zuzhibu_gets_every_mistake_explained_then_imports_the_fixed_file(page, world, sign_in, shot, eager_jobs):
    sign_in(page, "zuzhibu")
    page.get_by_role("link", name="批量导入").first.click()
    expect(page.locator("h1")).to_contain_text("批量导入")
    card = page.get_by_test_id("import-kind-people")
    template = download(page, card.get_by_role("link", name="下载模板"))

    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    assert sheet.title == "人员"
    header = [c.value for c in sheet[1]]
    assert header == [str(c.label) for c in get_spec("people").columns]
    assert header[:5] == ["姓名", "性别", "民族", "出生日期", "公民身份号码"]
    assert "所在党组织" in header
    assert "说明" in book.sheetnames

    good = people(world)
    rows = [dict(r) for r in good]
    # Row 3: a mistyped check digit; rows 4 and 5: one ID number twice; row 6: an organization that does not
    # exist; row 7: a birth date that is not a date; row 8: a sex that is not one of the choices.
    rows[1]["公民身份号码"] = bad_check_digit(rows[1]["公民身份号码"])
    rows[3]["公民身份号码"] = rows[2]["公民身份号码"]
    rows[4]["所在党组织"] = "第九党支部"
    rows[5]["出生日期"] = "1987-13-45"
    rows[6]["性别"] = "未知"
    before = Person.objects.count()

    upload(page, "people", "新进人员.xlsx", fill(template, rows))
    expect(page.get_by_test_id("import-has-errors")).to_contain_text("6 行有错误")
    expected = {
        3: "公民身份号码校验位不正确",
        4: "与第5行的公民身份号码重复",
        5: "与第4行的公民身份号码重复",
        6: "党组织“第九党支部”不存在或不在您的管理范围内",
        7: "“1987-13-45”不是有效日期",
        8: "“未知”不是可选值",
    }
    for number, message in expected.items():
        row = row_of(page, number)
        expect(row).to_contain_text("有错误")
        expect(row.locator("td.d-md-table-cell")).to_contain_text(message)
    expect(row_of(page, 2)).to_contain_text("新增")
    expect(row_of(page, 9)).to_contain_text("新增")
    expect(row_of(page, 7).locator("td.d-md-table-cell")).to_contain_text("出生日期")
    expect(row_of(page, 8).locator("td.d-md-table-cell")).to_contain_text("性别")
    expect(page.get_by_test_id("import-commit")).to_have_count(0)
    expect(page.get_by_role("button", name="确认导入")).to_be_disabled()
    shot(page, "preview-errors-1280")
    page.set_viewport_size(PHONE)
    shot(page, "preview-errors-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert Person.objects.count() == before

    failed = openpyxl.load_workbook(io.BytesIO(download(page, page.get_by_test_id("import-failed-rows"))))
    table = list(failed.worksheets[0].iter_rows(values_only=True))
    assert table[0][0] == "错误说明"
    assert list(table[0][1:]) == header
    assert [r[1] for r in table[1:]] == ["李秀英", "陈志强", "刘洋", "赵敏", "孙磊", "周婷"]
    for line, number in zip(table[1:], expected, strict=True):
        assert line[0].startswith(f"第{number}行："), line[0]
        assert expected[number] in line[0]

    # Fixed: the correct numbers and values again.
    upload(page, "people", "新进人员-修改.xlsx", fill(template, good))
    expect(page.get_by_test_id("import-has-errors")).to_have_count(0)
    body = page.get_by_test_id("import-rows")
    expect(body.locator("tbody tr")).to_have_count(8)
    expect(body.locator("tbody tr", has_text="新增")).to_have_count(8)
    expect(body).not_to_contain_text("有错误")
    commit = page.get_by_test_id("import-commit")
    expect(commit).to_be_enabled()
    with page.expect_navigation():
        commit.click()
    expect(page.get_by_test_id("import-done")).to_contain_text("新增 8 条")
    shot(page, "imported")

    assert Person.objects.count() == before + 8
    placed = dict(Person.objects.filter(name__in=[r["姓名"] for r in good]).values_list("name", "organization"))
    assert placed == {r["姓名"]: (world.branch_b.pk if r["所在党组织"] == "第二党支部" else world.branch_a.pk)
                      for r in good}
    assert Person.objects.get(name="李秀英").id_number == good[1]["公民身份号码"]


def test_shuji_a_on_a_phone_sees_a_row_of_branch_b_explained_as_outside_his_scope(page, world, sign_in, shot,
                                                                                    eager_jobs):
    page.set_viewport_size(PHONE)
    sign_in(page, "shuji_a")
    page.goto("/imports/")
    template = download(page, page.get_by_test_id("import-kind-people").get_by_role("link", name="下载模板"))
    rows = people(world)[3:5]  # 刘洋 in branch A, 赵敏 in branch B
    before = Person.objects.count()
    upload(page, "people", "支部人员名单（二〇二六年十一月补充）.xlsx", fill(template, rows))

    expect(page.get_by_test_id("import-has-errors")).to_contain_text("1 行有错误")
    expect(row_of(page, 2)).to_contain_text("新增")
    outside = row_of(page, 3)
    expect(outside).to_contain_text("有错误")
    explained = outside.locator(".d-md-none")
    expect(explained).to_be_visible()
    expect(explained).to_contain_text("党组织“第二党支部”不存在或不在您的管理范围内")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 390px"
    shot(page, "preview-phone")
    assert Person.objects.count() == before
