"""The import pages: who sees which kind, the upload, the batch page with its preview, the failed rows, the
commit — and the journey of a people file with mistakes, fixed and imported."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from imports.models import ImportBatch, ImportStatus
from members.models import Person
from tests.factories import valid_id

from .ui_helpers import XLSX, run_batch, upload

pytestmark = pytest.mark.django_db


def person_row(name: str, birth: datetime.date, *, sex: str = "男", org: str = "第一党支部", **extra):
    return {"name": name, "sex": sex, "birth_date": birth, "id_number": valid_id(birth, "1" if sex == "男" else "2"),
            "organization": org, **extra}


def people_rows(n: int) -> list[dict]:
    return [person_row(f"导入人员{i:03d}", datetime.date(1980, 1, 1) + datetime.timedelta(days=i)) for i in range(n)]


def login(client, user):
    client.force_login(user)
    return client


# ---- the index -----------------------------------------------------------------------------------------------


def test_index_lists_the_kinds_the_user_may_import(client, world):
    body = login(client, world.zuzhibu).get("/imports/").content.decode()
    for kind in ("organizations", "people", "talent_pool"):
        assert f'data-testid="import-kind-{kind}"' in body
        assert f"/imports/template/{kind}/" in body
        assert f"/imports/new/{kind}/" in body
    assert "下载模板" in body
    assert "上传检查" in body
    assert "确认导入" in body

    body = login(client, world.shuji_a).get("/imports/").content.decode()
    assert 'data-testid="import-kind-people"' in body
    assert 'data-testid="import-kind-organizations"' not in body  # no ADMINISTER


def test_index_shows_recent_imports_with_counts(client, world, django_capture_on_commit_callbacks):
    run_batch(world.zuzhibu, "people", people_rows(2), django_capture_on_commit_callbacks)
    body = login(client, world.zuzhibu).get("/imports/").content.decode()
    assert "导入.xlsx" in body
    assert "2 / 0 / 0 /" in body


@pytest.mark.parametrize(("persona", "status"), [("xuanchuan_a", 403), ("dangyuan", 403), ("shuji_b", 200)])
def test_index_needs_some_import_capability(client, world, persona, status):
    assert login(client, world.users[persona]).get("/imports/").status_code == status


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/imports/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# ---- upload ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "kind", "status"), [
    ("zuzhibu", "people", 200), ("zuzhibu", "organizations", 200), ("shuji_a", "talent_pool", 200),
    ("xuanchuan_a", "people", 403), ("shuji_a", "organizations", 403), ("dangwei", "people", 403),
    ("zuzhibu", "nonsense", 404),
])
def test_upload_page_needs_the_kinds_capability(client, world, persona, kind, status):
    assert login(client, world.users[persona]).get(f"/imports/new/{kind}/").status_code == status


def test_upload_of_a_file_that_is_not_a_workbook_is_refused_on_the_form(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = login(client, world.zuzhibu).post(
        "/imports/new/people/", {"file": SimpleUploadedFile("people.xlsx", b"name,sex\n", content_type=XLSX)})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert "xlsx" in response.content.decode().lower() or "Excel" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_upload_without_a_file_says_so(client, world):
    response = login(client, world.zuzhibu).post("/imports/new/people/", {})
    assert "请选择要上传的文件。" in response.content.decode()


# ---- the journey -------------------------------------------------------------------------------------------


def test_people_file_with_mistakes_then_fixed_and_imported(client, world, django_capture_on_commit_callbacks):
    login(client, world.zuzhibu)
    rows = people_rows(3)
    rows[1]["birth_date"] = "1985-02-30"
    rows[2]["organization"] = "不存在的支部"
    before = Person.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/imports/new/people/", {"file": upload("people", rows, "人员.xlsx")})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{batch.uuid}/"

    page = client.get(f"/imports/{batch.uuid}/")
    body = page.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CHECKED
    assert batch.error_count == 2
    assert "下载错误行" in body
    assert "请修正全部错误后重新上传" in body
    assert 'data-testid="import-commit"' not in body  # only the disabled button
    assert "1985-02-30" in body
    assert "不存在的支部" in body
    assert Person.objects.count() == before

    errors_only = client.get(f"/imports/{batch.uuid}/?status=error").content.decode()
    assert errors_only.count('class="table-danger"') == 2

    failed = client.get(f"/imports/{batch.uuid}/failed/")
    assert failed.status_code == 200
    assert failed["Content-Type"] == XLSX
    assert "attachment" in failed["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(failed.content)).active
    data = list(sheet.iter_rows(values_only=True))
    assert data[0][0] == "错误说明"
    assert len(data) == 3
    assert "第3行" in data[1][0]
    assert "第4行" in data[2][0]

    assert client.post(f"/imports/{batch.uuid}/commit/").status_code == 302  # refused: errors remain
    assert Person.objects.count() == before

    fixed = people_rows(3)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/imports/new/people/", {"file": upload("people", fixed, "人员-修正.xlsx")})
    good = ImportBatch.objects.get(upload_name="人员-修正.xlsx")
    body = client.get(f"/imports/{good.uuid}/").content.decode()
    assert 'data-testid="import-commit"' in body
    assert "下载错误行" not in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{good.uuid}/commit/")
    assert response.status_code == 302
    body = client.get(f"/imports/{good.uuid}/").content.decode()
    assert "导入成功：新增 3 条" in body
    assert Person.objects.count() == before + 3


def test_rejected_file_shows_its_reason(client, world, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "别的表"
    buffer = io.BytesIO()
    book.save(buffer)
    login(client, world.zuzhibu)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/imports/new/people/", {"file": SimpleUploadedFile("x.xlsx", buffer.getvalue())})
    batch = ImportBatch.objects.get()
    body = client.get(f"/imports/{batch.uuid}/").content.decode()
    assert batch.__class__.objects.get().status == ImportStatus.REJECTED
    assert 'data-testid="import-rejected"' in body
    assert "别的表" in body


# ---- progress ------------------------------------------------------------------------------------------------


def test_progress_polls_while_busy_and_reloads_the_page_when_done(client, world, django_capture_on_commit_callbacks):
    login(client, world.zuzhibu)
    with django_capture_on_commit_callbacks(execute=False):
        client.post("/imports/new/people/", {"file": upload("people", people_rows(1))})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.PENDING
    body = client.get(f"/imports/{batch.uuid}/").content.decode()
    assert f'hx-get="/imports/{batch.uuid}/progress/"' in body
    assert 'hx-trigger="every 1s"' in body
    fragment = client.get(f"/imports/{batch.uuid}/progress/", HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in fragment
    assert "排队中" in fragment.content.decode()

    from imports.services import import_check

    import_check(batch_id=batch.pk)
    fragment = client.get(f"/imports/{batch.uuid}/progress/", HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"
    assert "hx-get" not in fragment.content.decode()


# ---- owners only -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("suffix", "method"), [("", "get"), ("progress/", "get"), ("failed/", "get"),
                                           ("commit/", "post")])
def test_another_users_batch_does_not_exist(client, world, django_capture_on_commit_callbacks, suffix, method):
    rows = [person_row("甲", datetime.date(1990, 1, 1), birth_date="1990-02-30")]
    batch = run_batch(world.shuji_a, "people", rows, django_capture_on_commit_callbacks)
    assert batch.error_count == 1
    assert getattr(login(client, world.shuji_b), method)(f"/imports/{batch.uuid}/{suffix}").status_code == 404
    assert getattr(login(client, world.zuzhibu), method)(f"/imports/{batch.uuid}/{suffix}").status_code == 404
    expected = 302 if method == "post" else 200
    assert getattr(login(client, world.shuji_a), method)(f"/imports/{batch.uuid}/{suffix}").status_code == expected


def test_failed_rows_of_a_batch_without_errors_is_404(client, world, django_capture_on_commit_callbacks):
    batch = run_batch(world.zuzhibu, "people", people_rows(1), django_capture_on_commit_callbacks)
    assert login(client, world.zuzhibu).get(f"/imports/{batch.uuid}/failed/").status_code == 404


# ---- template ------------------------------------------------------------------------------------------------


def test_template_download(client, world):
    response = login(client, world.zuzhibu).get("/imports/template/organizations/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["党组织", "说明"]
    assert [c.value for c in book["党组织"][1]][:4] == ["党组织全称", "简称", "类型", "上级党组织"]
    assert login(client, world.xuanchuan_a).get("/imports/template/people/").status_code == 403


# ---- cost ----------------------------------------------------------------------------------------------------


def test_batch_page_costs_the_same_queries_at_any_row_count(client, world, django_capture_on_commit_callbacks):
    small = run_batch(world.zuzhibu, "people", people_rows(5), django_capture_on_commit_callbacks)
    large = run_batch(world.zuzhibu, "people", people_rows(120), django_capture_on_commit_callbacks)
    assert large.total_rows == 120
    login(client, world.zuzhibu)
    client.get(f"/imports/{small.uuid}/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/imports/{small.uuid}/").status_code == 200
    with CaptureQueriesContext(connection) as many:
        page = client.get(f"/imports/{large.uuid}/")
    assert page.status_code == 200
    assert len(page.context["rows"]) == 50
    assert page.context["pages"] == 3
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as listing:
        assert client.get("/imports/").status_code == 200
    assert len(listing) <= len(few) + 2


def test_people_list_and_committee_dashboard_link_to_the_imports(client, world):
    assert 'href="/imports/"' in login(client, world.zuzhibu).get("/").content.decode()
    assert 'href="/imports/"' in login(client, world.shuji_a).get("/people/").content.decode()
    assert 'href="/imports/"' not in login(client, world.xuanchuan_a).get("/people/").content.decode()


def test_changed_rows_show_old_and_new_values(client, world, django_capture_on_commit_callbacks):
    rows = [{"name": world.branch_b.name, "short_name": "第二党支部", "org_type": "党支部", "parent": "甲所党委",
             "contact_phone": "010-87654321"}]
    batch = run_batch(world.zuzhibu, "organizations", rows, django_capture_on_commit_callbacks)
    assert batch.changed_count == 1
    assert batch.can_commit
    body = login(client, world.zuzhibu).get(f"/imports/{batch.uuid}/?status=changed").content.decode()
    assert "联系电话：" in body
    assert "（空）" in body
    assert "<strong>010-87654321</strong>" in body
    assert "将新增 0 条、修改 1 条" in body
