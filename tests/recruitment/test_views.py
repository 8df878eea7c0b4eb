"""The branch pages of the pipeline: the board, registering an application, a person's record and recording its
steps. Scope by persona (404 outside, 403 without the capability), refusals shown with the service's Chinese
explanation and nothing saved, committee steps only for the committee, a constant query count on the board."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.codes import MemberCategory
from recruitment import services
from recruitment.checks import StepInput
from recruitment.models import Pipeline, PipelineStatus, Stage, StepAttachment, StepRecord, Supporter
from tests.factories import PersonFactory, make_member

from .helpers import d, vote_for, walk_to

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def pipeline(world, applicant):
    return services.pipeline_open(actor=world.shuji_a, person=applicant, applied_on=d("2023-03-01"))


def walk(pipeline, last, world, committee_user, full_members):
    return walk_to(pipeline, last, branch_user=world.shuji_a, committee_user=committee_user,
                   contacts=full_members[1:3], sponsors=full_members[0:2])


def text(response) -> str:
    return response.content.decode()


# ---- the board ----------------------------------------------------------------------------------------------


def test_board_shows_candidates_by_stage_with_next_step_and_due_date(world, login, pipeline):
    fresh = services.pipeline_open(actor=world.shuji_a, person=PersonFactory(
        organization=world.branch_a, name="周新", birth_date=datetime.date(1992, 1, 1)), applied_on=d("2026-09-01"))
    services.step_record(actor=world.shuji_a, pipeline=fresh, data=StepInput(
        step="talk", done_on=d("2026-09-20")))
    services.step_record(actor=world.shuji_a, pipeline=fresh, data=StepInput(
        step="activist", done_on=d("2026-10-10")))

    page = text(login("shuji_a").get("/recruitment/"))
    assert "李青" in page
    assert "周新" in page
    assert "下一步：2. 党组织派人谈话" in page  # 李青 applied 2023-03-01: the talk was due 2023-04-01
    assert "已逾期：" in page
    assert "2023-04-01" in page
    assert "登记入党申请" in page

    # 周新 became an activist on 2026-10-10: 确定发展对象 waits a year, the board says how long.
    response = login("shuji_a").get("/recruitment/", {"stage": Stage.ACTIVIST, "q": "周"})
    page = text(response)
    assert "周新" in page
    assert "李青" not in page
    assert "4. 报上级党委备案" in page

    overdue = text(login("shuji_a").get("/recruitment/", {"overdue": "on"}))
    assert "李青" in overdue


def test_board_blocker_explains_how_long_is_left(world, login, committee_user, full_members):
    person = PersonFactory(organization=world.branch_a, name="吴等待", birth_date=datetime.date(1993, 2, 2))
    p = services.pipeline_open(actor=world.shuji_a, person=person, applied_on=d("2025-09-01"))
    for code, day, extra in (("talk", "2025-09-10", {}), ("activist", "2026-01-15", {}),
                             ("activist_filing", "2026-01-20", {}),
                             ("contacts", "2026-01-20", {"supporters": full_members[1:2]}),
                             ("assessment", "2026-07-10", {})):
        services.step_record(actor=world.shuji_a, pipeline=p, data=StepInput(step=code, done_on=d(day),
                                                                                      **extra))
    page = text(login("shuji_a").get("/recruitment/"))
    assert "7. 确定发展对象" in page
    assert "还差56天" in page  # 2027-01-15 is 56 days after 2026-11-20


def test_board_scope_and_capability(world, login, pipeline, client):
    assert client.get("/recruitment/").status_code == 302  # anonymous → login
    assert login("dangyuan").get("/recruitment/").status_code == 403
    assert "李青" in text(login("xuanchuan_a").get("/recruitment/"))
    assert "李青" in text(login("dangwei").get("/recruitment/"))
    page = text(login("shuji_b").get("/recruitment/"))
    assert "李青" not in page
    assert login("shuji_b").get("/recruitment/", {"org": world.branch_a.pk}).status_code == 404
    assert login("shuji_a").get("/recruitment/", {"org": world.branch_a.pk}).status_code == 200
    assert "登记入党申请" not in text(login("dangwei").get("/recruitment/"))


def _board_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/recruitment/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_board_query_count_is_constant(world, login, committee_user, full_members):
    client = login("shuji_a")

    def add(n: int) -> None:
        for i in range(n):
            person = PersonFactory(organization=world.branch_a, birth_date=datetime.date(1990, 1, 1))
            p = services.pipeline_open(actor=world.shuji_a, person=person, applied_on=d("2023-03-01"))
            if i % 3 == 1:
                walk(p, "contacts", world, committee_user, full_members)
            elif i % 3 == 2:
                walk(p, "branch_review", world, committee_user, full_members)

    add(2)
    few = _board_queries(client)
    add(10)
    assert Pipeline.objects.count() == 12
    many = _board_queries(client)
    assert many == few
    page = text(client.get("/recruitment/"))
    assert page.count('data-testid="pipeline-card"') == 12
    # pipelines waiting for the committee's 预审 say so
    assert "待上级党委办理" in page


# ---- registering an application -------------------------------------------------------------------------------


def test_application_form_opens_a_pipeline_with_the_scan(world, login, applicant):
    client = login("shuji_a")
    page = text(client.get("/recruitment/new/"))
    assert f'<option value="{applicant.pk}"' in page
    assert "张三" not in page  # a party member cannot apply
    scan = SimpleUploadedFile("申请书.pdf", b"%PDF-1.4\nscan\n", content_type="application/pdf")
    response = client.post("/recruitment/new/", {"person": applicant.pk, "applied_on": "2026-11-02",
                                                 "conclusion": "本人递交", "attachments": [scan]})
    pipeline = Pipeline.objects.get(person=applicant)
    assert response.status_code == 302
    assert response["Location"] == f"/recruitment/{pipeline.pk}/"
    assert pipeline.stage == Stage.APPLICANT
    assert pipeline.applied_on == d("2026-11-02")
    assert StepAttachment.objects.get(record__pipeline=pipeline).original_name == "申请书.pdf"
    assert f'<option value="{applicant.pk}"' not in text(client.get("/recruitment/new/"))  # no second pipeline


def test_application_refused_with_the_reason_and_nothing_saved(world, login):
    young = PersonFactory(organization=world.branch_a, name="小明", birth_date=datetime.date(2010, 3, 1))
    client = login("shuji_a")
    response = client.post("/recruitment/new/", {"person": young.pk, "applied_on": "2026-11-02"})
    assert response.status_code == 200
    assert "申请入党须年满18周岁" in text(response)
    future = client.post("/recruitment/new/", {"person": young.pk, "applied_on": "2026-12-30"})
    assert "晚于今天" in text(future)
    member = client.post("/recruitment/new/", {"person": world.member_a.pk, "applied_on": "2026-11-02"})
    assert "所选人员不在本支部、已是党员或已有进行中的发展党员纪实。" in text(member)
    assert not Pipeline.objects.exists()
    assert not StepRecord.objects.exists()


def test_application_form_scope(world, login):
    assert login("xuanchuan_a").get("/recruitment/new/").status_code == 403
    assert login("dangwei").get("/recruitment/new/").status_code == 403
    assert login("shuji_b").get("/recruitment/new/", {"org": world.branch_a.pk}).status_code == 404
    assert login("zuzhibu").get("/recruitment/new/").status_code == 200  # picks a branch first
    assert "第一党支部" in text(login("zuzhibu").get("/recruitment/new/"))


# ---- the record page -------------------------------------------------------------------------------------------


def test_record_page_shows_timeline_dates_supporters_votes_and_missing_records(world, login, pipeline,
                                                                             committee_user, full_members):
    walk(pipeline, "approval", world, committee_user, full_members)
    page = text(login("shuji_a").get(f"/recruitment/{pipeline.pk}/"))
    for fragment in ("1. 递交入党申请书", "15. 支部党员大会讨论", "2024-07-01", "应到 10 人，实到 8 人",
                     "王介绍", "陈联系", "入党介绍人", "培训天数", "预备期满", "2025-07-01", "18. 再上一级党委组织部门备案",
                     "待上级党委办理"):
        assert fragment in page, fragment
    # everything before the probationary stage is on file
    assert "已到阶段的各步骤均有记录" in page


def test_record_page_reports_missing_records(world, login, pipeline):
    Pipeline.objects.filter(pk=pipeline.pk).update(stage=Stage.ACTIVIST)
    page = text(login("shuji_a").get(f"/recruitment/{pipeline.pk}/"))
    assert "档案缺少：2. 党组织派人谈话" in page


def test_late_talk_is_shown_as_a_violation(world, login, pipeline):
    services.step_record(actor=world.shuji_a, pipeline=pipeline, data=StepInput(
        step="talk", done_on=d("2023-04-20"), actor="刘书记"))
    page = text(login("xuanchuan_a").get(f"/recruitment/{pipeline.pk}/"))
    assert 'data-testid="violation"' in page
    assert "超期19天" in page
    assert "有 1 处违反时限" in page


def test_record_page_scope(world, login, pipeline, client):
    url = f"/recruitment/{pipeline.pk}/"
    assert client.get(url).status_code == 302
    assert login("shuji_b").get(url).status_code == 404
    assert login("outsider").get(url).status_code == 404
    assert login("dangyuan").get(url).status_code == 404
    viewer = text(login("xuanchuan_a").get(url))
    assert "李青" in viewer
    assert 'data-testid="record-talk"' not in viewer
    assert 'data-testid="record-talk"' not in text(login("dangwei").get(url))
    assert 'data-testid="record-talk"' in text(login("shuji_a").get(url))


def test_attachment_download_scope(world, login, applicant):
    scan = SimpleUploadedFile("申请书.png", b"\x89PNG\r\n\x1a\n0000", content_type="image/png")
    p = services.pipeline_open(actor=world.shuji_a, person=applicant, applied_on=d("2026-11-01"), files=[scan])
    att = StepAttachment.objects.get(record__pipeline=p)
    url = f"/recruitment/attachments/{att.pk}/"
    response = login("xuanchuan_a").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert login("shuji_b").get(url).status_code == 404


# ---- recording steps -------------------------------------------------------------------------------------------


def test_step_form_permissions(world, login, pipeline, committee_user):
    url = f"/recruitment/{pipeline.pk}/step/talk/"
    assert login("shuji_a").get(url).status_code == 200
    assert login("xuanchuan_a").get(url).status_code == 403
    assert login("dangwei").get(url).status_code == 403
    assert login("shuji_b").get(url).status_code == 404
    assert login("shuji_a").get(f"/recruitment/{pipeline.pk}/step/nonsense/").status_code == 404
    assert login("xuanchuan_a").post(url, {"done_on": "2023-03-20"}).status_code == 403
    assert not pipeline.steps.filter(step="talk").exists()


def test_record_the_talk_through_the_form(world, login, pipeline):
    response = login("shuji_a").post(f"/recruitment/{pipeline.pk}/step/talk/", {
        "done_on": "2023-03-20", "actor": "刘书记", "conclusion": "入党动机端正"})
    assert response.status_code == 302
    assert response["Location"] == f"/recruitment/{pipeline.pk}/#step-talk"
    record = pipeline.steps.get(step="talk")
    assert (record.actor, record.conclusion, record.violations) == ("刘书记", "入党动机端正", [])
    assert record.recorded_by == world.shuji_a


def test_bad_step_input_is_refused_with_the_reason_and_nothing_saved(world, login, pipeline, committee_user,
                                                                    full_members):
    client = login("shuji_a")
    before = StepRecord.objects.count()
    future = client.post(f"/recruitment/{pipeline.pk}/step/talk/", {"done_on": "2026-12-01"})
    assert future.status_code == 200
    assert "晚于今天，不能记录尚未发生的事项" in text(future)
    early = client.post(f"/recruitment/{pipeline.pk}/step/activist/", {"done_on": "2023-05-01"})
    assert "须先完成“2. 党组织派人谈话”" in text(early)
    assert StepRecord.objects.count() == before

    walk(pipeline, "candidate", world, committee_user, full_members)
    probationary = make_member(world.branch_a, name="冯预备", category=MemberCategory.PROBATIONARY)
    before = StepRecord.objects.count(), Supporter.objects.count()
    one = client.post(f"/recruitment/{pipeline.pk}/step/sponsors/", {"done_on": "2024-05-12",
                                                                      "supporters": [full_members[0].pk]})
    assert "入党介绍人应为2名正式党员，现为1名。" in text(one)
    # a probationary member is not even offered
    wrong = client.post(f"/recruitment/{pipeline.pk}/step/sponsors/", {
        "done_on": "2024-05-12", "supporters": [full_members[0].pk, probationary.pk]})
    assert "所选人员不是本支部的正式党员。" in text(wrong)
    training = client.post(f"/recruitment/{pipeline.pk}/step/training/", {"done_on": "2024-06-05", "days": "2",
                                                                           "class_hours": "16"})
    assert "集中培训不少于3天或24学时" in text(training)
    assert (StepRecord.objects.count(), Supporter.objects.count()) == before


def test_vote_step_needs_a_vote_recorded_at_the_branch_general_meeting(world, login, pipeline, committee_user,
                                                                       full_members):
    walk(pipeline, "application_form", world, committee_user, full_members)
    client = login("shuji_a")
    url = f"/recruitment/{pipeline.pk}/step/admission_vote/"
    page = text(client.get(url))
    assert 'data-testid="no-votes"' in page
    assert f"/meetings/new/?organization={world.branch_a.pk}&amp;type=general_assembly" in page
    refused = client.post(url, {"done_on": "2024-07-01"})
    assert "请选择支部党员大会对李青的表决记录" in text(refused)
    low = vote_for(world.branch_a, pipeline.person, d("2024-07-01"), expected=10, present=8, yes=5, no=3)
    refused = client.post(url, {"done_on": "2024-07-01", "vote": low.pk})
    assert "未超过应到会有表决权的正式党员10名的半数，决议未通过" in text(refused)
    assert not pipeline.steps.filter(step="admission_vote").exists()
    good = vote_for(world.branch_a, pipeline.person, d("2024-07-02"))
    assert "2024-07-02" in text(client.get(url))
    response = client.post(url, {"done_on": "2024-07-02", "vote": good.pk})
    assert response.status_code == 302
    pipeline.refresh_from_db()
    assert pipeline.admitted_on == d("2024-07-02")


def test_committee_steps_are_for_the_committee(world, login, pipeline, committee_user, full_members):
    walk(pipeline, "branch_review", world, committee_user, full_members)
    url = f"/recruitment/{pipeline.pk}/step/pre_review/"
    assert login("shuji_a").get(url).status_code == 403
    assert login("shuji_a").post(url, {"done_on": "2024-06-20"}).status_code == 403
    assert login("dangwei").get(url).status_code == 403
    page = text(login("shuji_a").get(f"/recruitment/{pipeline.pk}/"))
    assert "待上级党委办理" in page
    assert 'data-testid="record-pre_review"' not in page

    client = login("dangwei_shuji")
    assert 'data-testid="record-pre_review"' in text(client.get(f"/recruitment/{pipeline.pk}/"))
    assert client.get(url).status_code == 200
    response = client.post(url, {"done_on": "2024-06-20", "outcome": "passed", "conclusion": "同意发放志愿书"})
    assert response.status_code == 302
    assert pipeline.steps.get(step="pre_review").recorded_by == committee_user


def test_stop_needs_a_reason(world, login, pipeline):
    url = f"/recruitment/{pipeline.pk}/stop/"
    assert login("xuanchuan_a").get(url).status_code == 403
    assert login("shuji_b").get(url).status_code == 404
    client = login("shuji_a")
    refused = client.post(url, {"ended_on": "2026-11-10", "reason": " "})
    assert "请填写终止的原因。" in text(refused)
    pipeline.refresh_from_db()
    assert pipeline.status == PipelineStatus.ACTIVE
    response = client.post(url, {"ended_on": "2026-11-10", "reason": "本人撤回申请"})
    assert response.status_code == 302
    pipeline.refresh_from_db()
    assert (pipeline.status, pipeline.end_reason) == (PipelineStatus.STOPPED, "本人撤回申请")
    assert "本人撤回申请" in text(client.get(f"/recruitment/{pipeline.pk}/"))


def test_step_form_asks_for_the_publicity_dates_only_when_the_rule_set_requires_them(world):
    import dataclasses

    from recruitment.forms import StepForm
    from recruitment.rules import rules_for

    rules = rules_for(organization=world.branch_a, on=d("2026-11-01"))
    step = rules.step("candidate")
    assert "publicity_from" not in StepForm(step=step, rules=rules).fields
    local = dataclasses.replace(rules, numbers={**rules.numbers, "publicity_working_days": 5})
    form = StepForm(data={"done_on": "2026-11-10", "publicity_from": "2026-11-02", "publicity_to": "2026-11-06"},
                    step=step, rules=local)
    assert form.is_valid(), form.errors
    data = form.step_input()
    assert (data.details["publicity_from"], data.details["publicity_to"]) == (d("2026-11-02"), d("2026-11-06"))
    vote_form = StepForm(data={"done_on": "2026-11-10", "outcome": "extended", "extension_months": "6"},
                         step=rules.step("conversion_vote"), rules=rules)
    assert vote_form.is_valid(), vote_form.errors
    assert vote_form.step_input().details == {"extension_months": 6}
    assert vote_form.step_input().outcome == "extended"
