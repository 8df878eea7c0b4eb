"""The issuer's matrix of a notice exported through the exporter registry (XLSX), with the page's scope."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branches.models import NoticeItem, OrgType, Role
from branches.notices import services
from reports.exporters import EXPORTERS, get_exporter
from reports.models import Job, JobStatus
from reports.services import job_run, job_start
from tests.factories import make_org
from tests.reports.conftest import read_xlsx, start_and_run

from .helpers import issued_notice, items, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(world):
    """Branch A answered the report on time and the file late; branch B answered nothing, the file is overdue."""
    notice = issued_notice(world)
    report, file_item, _meeting = items(notice)
    services.submission_create(actor=world.shuji_a, item=report, organization=world.branch_a,
                               data={"text": "已组织学习研讨。"})
    NoticeItem.objects.filter(pk=file_item.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    file_item.refresh_from_db()
    services.submission_create(actor=world.shuji_a, item=file_item, organization=world.branch_a, data={},
                               file=pdf("计划表.pdf"))
    world.notice = notice
    return world


def test_registered_as_an_xlsx_list_export():
    exporter = get_exporter("notice_matrix")
    assert EXPORTERS["notice_matrix"] is type(exporter)
    assert exporter.formats == ("xlsx", "csv")


def test_the_xlsx_holds_each_branch_each_item_and_the_totals(answered):
    job = start_and_run("dangwei", "notice_matrix", {"notice": answered.notice.pk})
    assert job.result_name.startswith("工作提示提交情况_党支部工作提示_")
    assert job.result_name.endswith(".xlsx")
    sheet = read_xlsx(job).active
    rows = list(sheet.iter_rows(values_only=True))
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    deadline = (today + datetime.timedelta(days=10)).isoformat()
    assert rows[0] == ("党支部", f"1. 学习研讨情况（截止{deadline}）",
                       f"2. “一支部一品牌”创建计划表（截止{yesterday.isoformat()}）",
                       f"3. 召开一次支委会（截止{deadline}）", "已提交", "其中逾期提交", "未提交", "其中逾期未交")
    assert rows[1] == ("第一党支部", f"已提交 {today.isoformat()}", f"逾期提交 {today.isoformat()}", "未提交",
                       2, 1, 1, 0)
    assert rows[2] == ("第二党支部", "未提交", "逾期未交", "未提交", 0, 0, 3, 1)
    assert rows[3] == ("合计（2个支部）", "已提交 1/2", "已提交 1/2", "已提交 0/2", 2, 1, 4, 1)
    assert len(rows) == 4  # branches of other committees are not recipients
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= 16


def test_the_committee_above_may_export_too(answered):
    job = start_and_run("zuzhibu", "notice_matrix", {"notice": answered.notice.pk}, fmt="csv")
    assert job.result_name.endswith(".csv")


@pytest.mark.parametrize(("persona", "status"), [
    ("dangwei", 200), ("zuzhibu", 200), ("admin", 200),
    ("shuji_a", 403),  # a recipient branch sees the notice, not the matrix
    ("xuanchuan_a", 403),  # no EXPORT anywhere
    ("dangyuan", 403),
    ("outsider", 404),  # another committee's branch: the notice does not exist for them
])
def test_the_export_page_has_the_scope_of_the_matrix(answered, login, persona, status):
    response = login(persona).get(f"/jobs/export/notice_matrix/?notice={answered.notice.pk}")
    assert response.status_code == status
    if status == 200:
        assert "党支部工作提示" in response.content.decode()


def test_a_recipient_branch_cannot_start_the_job(answered):
    with pytest.raises(ValidationError) as exc:
        job_start(actor=answered.shuji_a, kind="notice_matrix", params={"notice": answered.notice.pk}, fmt="xlsx")
    assert "不在您的导出权限范围内" in str(exc.value.message_dict["notice"])
    assert not Job.objects.exists()


def test_a_draft_has_no_matrix(world):
    draft = services.notice_create(actor=world.dangwei, organization=world.institute, title="草稿",
                                   items=[services.ItemData(title="事项", deadline=timezone.localdate())])
    with pytest.raises(ValidationError):
        job_start(actor=world.dangwei, kind="notice_matrix", params={"notice": draft.pk}, fmt="xlsx")
    assert not Job.objects.exists()


def test_the_job_fails_when_the_role_ended_before_it_ran(answered):
    job = job_start(actor=answered.dangwei, kind="notice_matrix", params={"notice": answered.notice.pk}, fmt="xlsx")
    Role.objects.filter(user=answered.dangwei).update(ends_on=timezone.localdate() - datetime.timedelta(days=1))
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error
    assert not job.result


def test_the_matrix_page_offers_the_export_to_the_issuer_only(answered, login):
    url = f"/jobs/export/notice_matrix/?notice={answered.notice.pk}"
    page = login("dangwei").get(f"/notices/{answered.notice.pk}/").content.decode()
    assert url.replace("&", "&amp;") in page
    assert "导出提交情况" in page
    page = login("shuji_a").get(f"/notices/{answered.notice.pk}/").content.decode()
    assert "notice_matrix" not in page


def test_the_export_costs_the_same_queries_at_any_size(world):
    exporter = get_exporter("notice_matrix")

    def queries(notice) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            rows = list(exporter.iterate(user=world.dangwei, params={"notice": notice.pk},
                                         progress=lambda done, total: None))
        return len(ctx.captured_queries), len(rows)

    small, small_rows = queries(issued_notice(world))
    for i in range(6):
        make_org(world.institute, org_type=OrgType.BRANCH, short_name=f"导出支部{i}")
    large, large_rows = queries(issued_notice(world))
    assert large_rows == small_rows + 6
    assert small == large
