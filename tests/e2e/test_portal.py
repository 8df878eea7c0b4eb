"""The portal in a real browser: login per persona, scope, an export to XLSX, login throttling."""

import io
import re
import zipfile

import openpyxl
import pytest
from playwright.sync_api import expect

PERSONA_DASHBOARDS = [
    # username, what the landing page must show, what it must not show
    ("admin", ["中共测试科学院党组"], ["我的党员信息"]),
    ("zuzhibu", ["中共测试科学院党组"], ["我的党员信息"]),
    ("dangwei", ["中共测试科学院甲研究所委员会"], ["中共测试科学院乙研究所委员会", "我的党员信息"]),
    ("shuji_a", ["第一党支部", "书记"], ["第二党支部", "我的党员信息"]),
    ("shuji_b", ["第二党支部", "书记"], ["第一党支部", "我的党员信息"]),
    ("dangyuan", ["我的党员信息", "赵喆", "中共甲研究所第一支部委员会"], ["组织树"]),
]


@pytest.mark.parametrize(("username", "shown", "hidden"), PERSONA_DASHBOARDS, ids=[p[0] for p in PERSONA_DASHBOARDS])
def test_each_persona_lands_on_their_dashboard(page, world, sign_in, shot, username, shown, hidden):
    sign_in(page, username)

    assert re.search(r"/(\?.*)?$", page.url), f"{username} should land on the dashboard, not {page.url}"
    expect(page.locator("h1").first).to_be_visible()
    main = page.locator("main")
    for text in shown:
        expect(main).to_contain_text(text)
    for text in hidden:
        expect(main).not_to_contain_text(text)
    shot(page, "dashboard")
    page.set_viewport_size({"width": 375, "height": 812})
    shot(page, "dashboard-phone")


def test_secretary_cannot_open_another_branch(page, world, sign_in, shot):
    sign_in(page, "shuji_b")

    for path in (f"/orgs/{world.branch_a.pk}/", f"/people/{world.member_a.pk}/"):
        response = page.goto(path)
        assert response.status == 404, path
        expect(page.locator("main h1")).to_have_text("页面不存在")
        expect(page.locator("body")).not_to_contain_text("张三")
    shot(page, "not-found")

    page.goto("/people/")
    expect(page.locator("main")).to_contain_text("李四")
    expect(page.locator("main")).not_to_contain_text("张三")
    shot(page, "own-people")


def test_secretary_exports_the_people_list_to_xlsx(page, world, sign_in, shot, eager_jobs, tmp_path):
    sign_in(page, "shuji_a")
    page.goto("/people/")
    expect(page.locator("main")).to_contain_text("张三")

    page.get_by_role("button", name="导出").click()
    page.get_by_role("link", name=re.compile("导出人员名单")).click()
    expect(page.locator("h1")).to_contain_text("人员名单")
    page.locator("input[name=format][value=xlsx]").check()
    shot(page, "export-form")
    page.get_by_role("button", name="开始导出").click()

    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]{36}/$"))
    download_link = page.locator("a[href$='/download/']").first
    expect(download_link).to_be_visible(timeout=30_000)
    shot(page, "job-done")
    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    payload = path.read_bytes()
    assert payload[:4] == b"PK\x03\x04"
    assert "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(payload)).namelist()
    sheet = openpyxl.load_workbook(io.BytesIO(payload), read_only=True).active
    cells = {str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None}
    assert {"张三", "赵喆"} <= cells
    assert not {"李四", "王五"} & cells


def test_login_is_locked_after_five_failures(page, world, settings, shot):
    settings.AXES_ENABLED = True
    page.goto("/accounts/login/")
    form = page.locator("form[action$='/accounts/login/']")
    for attempt in range(1, 6):
        form.locator("#id_username").fill("shuji_a")
        form.locator("#id_password").fill(f"wrong-{attempt}")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        if attempt < 5:
            expect(page.locator(".alert-danger")).to_be_visible()
            expect(page.locator("body")).not_to_contain_text("登录失败次数过多")

    expect(page.locator("body")).to_contain_text("登录失败次数过多")
    shot(page, "locked-out")

    # Even the right password is refused while the lock lasts.
    page.goto("/accounts/login/")
    form.locator("#id_username").fill("shuji_a")
    form.locator("#id_password").fill("dangjian2026")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("登录失败次数过多")
    assert "/accounts/login/" in page.url or "locked" in page.url
