"""The development pipeline in a real browser at phone size: a branch secretary opens the board, registers an
application and records the talk; the committee above records its 预审 on a prepared pipeline; a talk recorded
late shows its violation in red on the person's record."""

import datetime
import importlib
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import RoleKind, RuleSet
from members.models import Person
from recruitment import services
from recruitment.checks import StepInput
from recruitment.models import Pipeline, Stage
from tests.factories import PersonFactory, RoleFactory, UserFactory, make_member
from tests.recruitment.helpers import d, walk_to

PHONE = {"width": 375, "height": 812}
RULES_2014 = importlib.import_module("recruitment.migrations.0002_rules_2014")


@pytest.fixture
def recruiting(world):
    """The 2014 rule set (a data migration, flushed between live-server tests), an applicant without a pipeline,
    a candidate waiting for the committee's 预审 and an applicant whose talk came late."""
    if not RuleSet.objects.filter(domain="recruitment", name=RULES_2014.NAME).exists():
        RuleSet.objects.create(domain="recruitment", name=RULES_2014.NAME, effective_from=datetime.date(2014, 6, 11),
                               parameters={"numbers": RULES_2014.NUMBERS, "steps": RULES_2014.STEPS},
                               source=RULES_2014.SOURCE)
    committee_user = UserFactory(username="dangwei_shuji")  # 党委书记 of the institute: records 预审
    RoleFactory(user=committee_user, organization=world.institute, kind=RoleKind.COMMITTEE_SECRETARY)
    full_members = [make_member(world.branch_a, name=name) for name in ("王介绍", "陈联系", "周培养")]
    PersonFactory(organization=world.branch_a, name="李青", birth_date=datetime.date(1995, 4, 2))
    waiting = PersonFactory(organization=world.branch_a, name="郑预审", birth_date=datetime.date(1994, 8, 8))
    prepared = services.pipeline_open(actor=world.shuji_a, person=waiting, applied_on=d("2023-03-01"))
    walk_to(prepared, "branch_review", branch_user=world.shuji_a, committee_user=committee_user,
            contacts=full_members[1:3], sponsors=full_members[0:2])
    late = PersonFactory(organization=world.branch_a, name="吴迟到", birth_date=datetime.date(1996, 1, 9))
    slow = services.pipeline_open(actor=world.shuji_a, person=late, applied_on=d("2025-03-03"))
    services.step_record(actor=world.shuji_a, pipeline=slow, data=StepInput(step="talk", done_on=d("2025-05-06")))
    world.__dict__.update(prepared=prepared, slow=slow)
    return world


def test_branch_records_the_pipeline_and_the_committee_its_pre_review(page, recruiting, sign_in, shot):
    world = recruiting
    today = timezone.localdate()
    page.set_viewport_size(PHONE)
    sign_in(page, "shuji_a")

    page.goto("/recruitment/")
    expect(page.locator("h1")).to_contain_text("发展党员")
    candidates = page.locator("[data-stage=candidate]")
    expect(candidates).to_contain_text("郑预审")
    expect(candidates).to_contain_text("待上级党委办理")
    shot(page, "board")

    # 登记入党申请 for 李青: step 1 with today's date.
    page.get_by_role("link", name="登记入党申请").click()
    expect(page.locator("h1")).to_have_text("登记入党申请")
    page.get_by_label("申请人").select_option(str(Person.objects.get(name="李青").pk))
    page.get_by_label("递交申请日期").fill((today - datetime.timedelta(days=10)).isoformat())
    shot(page, "application")
    page.get_by_role("button", name="登记申请").click()
    expect(page).to_have_url(re.compile(r"/recruitment/\d+/$"))
    pipeline = Pipeline.objects.get(person__name="李青")
    expect(page.locator("[data-testid=stage]")).to_have_text("入党申请人")
    expect(page.locator("#step-talk")).to_contain_text("期限：")

    # The talk: a date in the future is refused with the reason, then recorded.
    page.locator("[data-testid=record-talk]").click()
    expect(page.locator("h1")).to_have_text("2. 党组织派人谈话")
    page.get_by_label("日期").fill((today + datetime.timedelta(days=3)).isoformat())
    page.get_by_role("button", name="保存").click()
    expect(page.locator("[data-testid=step-errors]")).to_contain_text("晚于今天，不能记录尚未发生的事项")
    assert not pipeline.steps.filter(step="talk").exists()
    page.get_by_label("日期").fill(today.isoformat())
    page.get_by_label("经办人或组织").fill("刘书记")
    page.get_by_label("结论或意见").fill("入党动机端正，对党的认识较清楚。")
    shot(page, "talk-form")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(rf"/recruitment/{pipeline.pk}/#step-talk$"))
    talk = page.locator("#step-talk")
    expect(talk).to_contain_text("刘书记")
    expect(talk).to_contain_text("入党动机端正")
    expect(page.locator("#step-activist [data-testid=record-activist]")).to_be_visible()
    shot(page, "record-after-talk")

    # The branch cannot record the committee's 预审: the step says who does it.
    page.goto(f"/recruitment/{world.prepared.pk}/")
    pre_review = page.locator("#step-pre_review")
    expect(pre_review).to_contain_text("待上级党委办理")
    expect(pre_review.locator("a")).to_have_count(0)

    # The committee records it from the same page.
    page.context.clear_cookies()
    sign_in(page, "dangwei_shuji")
    page.goto(f"/recruitment/{world.prepared.pk}/")
    page.locator("[data-testid=record-pre_review]").click()
    expect(page.locator("h1")).to_have_text("13. 上级党委预审")
    page.get_by_label("日期").fill("2024-06-20")
    page.get_by_text("通过", exact=True).click()
    page.get_by_label("结论或意见").fill("同意，发放入党志愿书。")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"#step-pre_review$"))
    expect(page.locator("#step-pre_review")).to_contain_text("同意，发放入党志愿书。")
    assert world.prepared.steps.get(step="pre_review").recorded_by.username == "dangwei_shuji"
    shot(page, "committee-pre-review")

    # A talk two months after the application is on file with its violation, in red.
    page.goto(f"/recruitment/{world.slow.pk}/")
    violation = page.locator("#step-talk [data-testid=violation]")
    expect(violation).to_contain_text("应在“递交入党申请书”（2025年3月3日）后1个月内完成")
    expect(violation).to_contain_text("超期33天")
    expect(violation).to_have_css("color", "rgb(163, 21, 21)")
    expect(page.locator("[data-testid=completeness]")).to_contain_text("有 1 处违反时限")
    shot(page, "violation")
    assert world.slow.stage == Stage.APPLICANT
