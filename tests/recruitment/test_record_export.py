"""The 纪实表 (PDF and XLSX) through the exporter registry and a job: the person, every step in order with its
date and explanation, the supporters; scope checked when the job starts and again when it runs."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from pypdf import PdfReader

from branches.models import Role
from recruitment import services
from recruitment.checks import StepInput
from reports.exporters import get_exporter
from reports.models import JobStatus
from reports.services import job_run, job_start
from tests.reports.conftest import read_xlsx, result_bytes, start_and_run, user

from .helpers import d, walk_to

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def pipeline(world, applicant, committee_user, full_members):
    p = services.pipeline_open(actor=world.shuji_a, person=applicant, applied_on=d("2023-03-01"))
    services.step_record(actor=world.shuji_a, pipeline=p, data=StepInput(
        step="talk", done_on=d("2023-04-12"), actor="刘书记", conclusion="入党动机端正"))
    return walk_to(p, "approval", branch_user=world.shuji_a, committee_user=committee_user,
                   contacts=full_members[1:3], sponsors=full_members[0:2])


def _pdf_text(data: bytes) -> str:
    """The text of every page; a table cell's line breaks removed (long step names wrap)."""
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\n", "")


def test_pdf_reads_as_the_record(pipeline):
    job = start_and_run("shuji_a", "pipeline_record", {"pipeline": pipeline.pk}, fmt="pdf")
    assert job.title == "发展党员工作全程纪实表 · 李青"
    text = _pdf_text(result_bytes(job))
    for fragment in ("发展党员工作全程纪实表", "李青", "中共甲研究所第一支部委员会", "递交入党申请书", "党组织派人谈话",
                     "推荐和确定入党积极分子", "支部党员大会讨论", "上级党委审批", "材料归档", "2023-04-12", "刘书记",
                     "入党动机端正", "超期11天", "王介绍", "陈联系", "入党介绍人", "培养联系人", "党支部书记（签字）",
                     "应到10人"):
        assert fragment in text, fragment


def test_xlsx_has_one_row_per_record_in_rule_order(pipeline):
    job = start_and_run("dangwei", "pipeline_record", {"pipeline": pipeline.pk}, fmt="xlsx")
    rows = list(read_xlsx(job).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "步骤", "日期")
    steps = [r[1] for r in rows[1:]]
    assert steps.index("递交入党申请书") < steps.index("党组织派人谈话") < steps.index("上级党委审批")
    talk = next(r for r in rows if r[1] == "党组织派人谈话")
    assert talk[3] == "刘书记"
    assert "超期11天" in talk[7]
    archive = next(r for r in rows if r[1] == "材料归档")
    assert archive[2] is None  # not reached yet: an empty row on the form


def test_scope_when_starting_and_when_running(world, pipeline, login):
    url = f"/jobs/export/pipeline_record/?pipeline={pipeline.pk}&format=pdf"
    assert login("shuji_a").get(url).status_code == 200
    assert "李青" in login("dangwei").get(url).content.decode()
    assert login("shuji_b").get(url).status_code == 404
    assert login("dangyuan").get(url).status_code == 403
    # In scope, may view the record, but no EXPORT capability (宣传委员): 403.
    assert login("xuanchuan_a").get(url).status_code == 403
    exporter = get_exporter("pipeline_record")
    with pytest.raises(Http404):
        exporter.render(user=user("outsider"), params={"pipeline": pipeline.pk}, fmt="pdf")
    with pytest.raises(Http404):
        exporter.render(user=user("shuji_a"), params={"pipeline": 999999}, fmt="pdf")

    job = job_start(actor=user("dangwei"), kind="pipeline_record", params={"pipeline": pipeline.pk}, fmt="pdf")
    Role.objects.filter(user=user("dangwei")).update(ends_on=datetime.date(2026, 11, 19))
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert not job.result


def test_the_record_page_starts_the_export(world, pipeline, login):
    page = login("shuji_a").get(f"/recruitment/{pipeline.pk}/").content.decode()
    assert f"/jobs/export/pipeline_record/?pipeline={pipeline.pk}&amp;format=pdf" in page
    with pytest.raises(PermissionDenied):
        job_start(actor=user("dangyuan"), kind="pipeline_record", params={"pipeline": pipeline.pk}, fmt="pdf")
