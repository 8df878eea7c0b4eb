"""One person's whole way from 入党申请人 to 正式党员 in a real browser, with the clock moved forward between the
steps (time-machine moves the clock of this process, so also of the live server running in one of its threads).

The branch secretary works on a phone, the institute committee's secretary on a desktop. Every step of the 2014
rule set is recorded through its form once; each early attempt (发展对象 before a full year as activist, one
入党介绍人, a short training, the committee's 预审 by the branch, a 支部党员大会 without quorum, conversion before the
probation year ends) is refused with its explanation and saves nothing. At the end the 纪实表 PDF is exported
through the job and read back."""

import datetime
import importlib
import io
import re
import subprocess

import pytest
import time_machine
from playwright.sync_api import expect
from pypdf import PdfReader

from branches.models import Meeting, RoleKind, RuleSet, Vote
from members.models import Person
from recruitment import services
from recruitment.checks import StepInput
from recruitment.models import Pipeline, PipelineStatus, Stage
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import PersonFactory, RoleFactory, UserFactory, make_member
from tests.recruitment.helpers import d, vote_for

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
CHINA = datetime.timezone(datetime.timedelta(hours=8))
RULES_2014 = importlib.import_module("recruitment.migrations.0002_rules_2014")
MEETING_RULES = importlib.import_module("branches.migrations.0004_meeting_rule_sets")
VOTERS = ("张三", "赵喆", "王介绍", "陈联系", "周培养")  # branch A's full members with a vote


def at(day: str, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(d(day), datetime.time(hour, 0), tzinfo=CHINA)


@pytest.fixture
def journey(world, settings):
    """The rule sets (data migrations, flushed between live-server tests), the committee's secretary, three full
    members to be contacts and sponsors, and the applicant. Sessions outlive the travels in time: the test is about
    the pipeline, not about signing in again after every jump."""
    settings.SESSION_COOKIE_AGE = 5 * 365 * 24 * 3600
    if not RuleSet.objects.filter(domain="recruitment", name=RULES_2014.NAME).exists():
        RuleSet.objects.create(domain="recruitment", name=RULES_2014.NAME, effective_from=datetime.date(2014, 6, 11),
                               parameters={"numbers": RULES_2014.NUMBERS, "steps": RULES_2014.STEPS},
                               source=RULES_2014.SOURCE)
    if not RuleSet.objects.filter(domain="meetings", name=MEETING_RULES.NAME).exists():
        RuleSet.objects.create(domain="meetings", name=MEETING_RULES.NAME, effective_from=datetime.date(2018, 10, 28),
                               org_types=["branch", "joint_branch", "temporary_branch"],
                               parameters=MEETING_RULES.PARAMETERS, source=MEETING_RULES.SOURCE)
    committee_user = UserFactory(username="dangwei_shuji")
    RoleFactory(user=committee_user, organization=world.institute, kind=RoleKind.COMMITTEE_SECRETARY)
    for name in ("王介绍", "陈联系", "周培养"):
        make_member(world.branch_a, name=name)
    PersonFactory(organization=world.branch_a, name="李青", birth_date=datetime.date(1998, 4, 2))
    world.__dict__.update(committee_user=committee_user)
    return world


@pytest.fixture
def committee_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=DESKTOP, accept_downloads=True)
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def committee_meeting(branch, day: str) -> Meeting:
    """A 支部委员会 already on file (its form is covered by the meetings tests)."""
    return Meeting.objects.create(organization=branch, meeting_type="committee", title="支部委员会会议",
                                  held_at=at(day, 8))


def membership_fact(page, label: str):
    """The value next to a label in the person page's 党籍信息."""
    return page.locator(f"dt:text-is('{label}') + dd")


def open_step(page, pk: int, code: str):
    response = page.goto(f"/recruitment/{pk}/step/{code}/")
    assert response.status == 200, (code, response.status)
    expect(page.locator("[data-testid=step-form]")).to_be_visible()


def fill_step(page, day: str, *, outcome: str | None = None, actor: str = "", conclusion: str = "",
              meeting: Meeting | None = None, vote: Vote | None = None, people=()) -> None:
    if vote is not None:
        page.locator("#id_vote").select_option(str(vote.pk))
        expect(page.locator("#id_done_on")).to_have_value(day)  # the page takes the date from the meeting
    page.locator("#id_done_on").fill(day)
    if outcome:
        page.locator("[data-testid=step-form]").get_by_label(outcome, exact=True).check()
    for name in people:
        page.get_by_label(name, exact=True).check()
    if meeting is not None:
        page.locator("#id_meeting").select_option(str(meeting.pk))
    if actor:
        page.locator("#id_actor").fill(actor)
    if conclusion:
        page.locator("#id_conclusion").fill(conclusion)


def save(page) -> None:
    page.get_by_role("button", name="保存").click()


def saved(page, pk: int, code: str) -> None:
    expect(page).to_have_url(re.compile(rf"/recruitment/{pk}/#step-{code}$"))
    expect(page.locator(".alert-success").first).to_contain_text("已记录")


def refused(page, *fragments: str) -> None:
    errors = page.locator("[data-testid=step-errors]")
    expect(errors).to_contain_text("未保存")
    for fragment in fragments:
        expect(errors).to_contain_text(fragment)


def record(page, pk: int, code: str, day: str, **kwargs) -> None:
    open_step(page, pk, code)
    fill_step(page, day, **kwargs)
    save(page)
    saved(page, pk, code)


def record_assembly(page, branch_pk: int | None, day: str, *, subject: str, candidate: str, on_leave=()) -> Vote:
    """A 支部党员大会 with one vote about the candidate, recorded in the meetings form (opened here unless the page
    is on it already, branch_pk None); 应到/实到 follow the attendance list. Passed when the meeting is valid and
    everyone present votes yes."""
    if branch_pk is not None:
        page.goto(f"/meetings/new/?organization={branch_pk}&type=general_assembly")
    expect(page.locator("h1")).to_have_text("记录支部党员大会")
    page.locator("#id_held_on").fill(day)
    page.locator("#id_held_time").fill("14:30")
    page.locator("#id_title").fill(f"{day} 支部党员大会")
    for name in on_leave:
        row = page.locator("#att-list .att-row", has_text=name)
        row.get_by_text("请假", exact=True).click()
        row.locator(".att-reason").fill("出差")
    present = len(VOTERS) - len(on_leave)
    block = page.locator(".vote-block").first
    expect(block.locator(".vote-expected")).to_have_value(str(len(VOTERS)))
    expect(block.locator(".vote-present")).to_have_value(str(present))
    block.locator("input[name=vote_subject]").fill(subject)
    block.get_by_label("表决对象").select_option(label=candidate)
    block.locator("input[name=vote_yes]").fill(str(present))
    block.locator("input[name=vote_no]").fill("0")
    block.locator("input[name=vote_abstain]").fill("0")
    if present * 2 > len(VOTERS):
        block.get_by_label("通过").check()
    page.get_by_role("button", name="保存记录").click()
    if branch_pk is not None:
        expect(page).to_have_url(re.compile(r"/meetings/\d+/$"))
        meeting_pk = int(re.search(r"/meetings/(\d+)/$", page.url).group(1))
        return Vote.objects.get(meeting_id=meeting_pk, candidate__name=candidate)
    # Opened from a pipeline step: saving returns to that step, where the new vote can be picked.
    expect(page).to_have_url(re.compile(r"/recruitment/\d+/step/\w+/$"))
    expect(page.locator(".alert-success")).to_contain_text("已保存")
    return Vote.objects.filter(candidate__name=candidate, subject=subject).latest("pk")


def test_from_application_to_full_member(page, committee_page, journey, sign_in, shot, eager_jobs, tmp_path):
    world = journey
    branch = world.branch_a
    committee = committee_page
    page.set_viewport_size(PHONE)

    with time_machine.travel(at("2024-03-04"), tick=True) as clock:
        sign_in(page, "shuji_a")
        sign_in(committee, "dangwei_shuji")

        # ---- 2024-03-04: the application, the talk, 积极分子 at the 支委会, filing and contacts ----------------
        page.goto("/recruitment/new/")
        expect(page.locator("h1")).to_have_text("登记入党申请")
        expect(page.locator("#id_applied_on")).to_have_value("2024-03-04")  # the server's clock travelled
        page.get_by_label("申请人").select_option(str(Person.objects.get(name="李青").pk))
        page.locator("#id_applied_on").fill("2024-03-01")
        page.locator("#id_attachments").set_input_files(
            files=[{"name": "入党申请书.png", "mimeType": "image/png", "buffer": page.screenshot()}])
        page.get_by_role("button", name="登记申请").click()
        expect(page).to_have_url(re.compile(r"/recruitment/\d+/$"))
        pipeline = Pipeline.objects.get(person__name="李青")
        pk = pipeline.pk
        expect(page.locator("[data-testid=stage]")).to_have_text("入党申请人")
        expect(page.locator("#step-application")).to_contain_text("入党申请书.png")
        expect(page.locator("#step-talk")).to_contain_text("期限：2024-04-01")

        record(page, pk, "talk", "2024-03-04", actor="刘书记", conclusion="入党动机端正，对党的认识较清楚。")
        meeting = committee_meeting(branch, "2024-03-04")
        open_step(page, pk, "activist")
        expect(page.get_by_label("支部委员会会议记录")).to_contain_text("2024-03-04 支部委员会会议")
        fill_step(page, "2024-03-04", meeting=meeting, conclusion="支委会研究，同意列为入党积极分子。")
        shot(page, "activist-form")
        save(page)
        saved(page, pk, "activist")
        expect(page.locator("[data-testid=stage]")).to_have_text("入党积极分子")
        expect(page.locator("#step-activist")).to_contain_text("支部委员会会议")
        record(page, pk, "activist_filing", "2024-03-04", actor="第一党支部")
        record(page, pk, "contacts", "2024-03-04", people=["陈联系", "周培养"])
        expect(page.locator("[data-testid=supporters]")).to_contain_text("陈联系")
        expect(page.locator("#step-assessment")).to_contain_text("期限：2024-09-04")

        # ---- half a year later: the first 考察 --------------------------------------------------------------
        clock.move_to(at("2024-09-05"))
        record(page, pk, "thought_report", "2024-08-30", conclusion="学习党章的体会。")
        record(page, pk, "assessment", "2024-09-04", actor="陈联系、周培养", conclusion="学习认真，表现良好。")
        expect(page.locator("#step-assessment")).to_contain_text("期限：2025-03-04")

        # ---- 2025-02-20: 发展对象 a little too early: the page says how long, the service refuses ---------------
        clock.move_to(at("2025-02-20"))
        services.step_record(actor=world.shuji_a, pipeline=pipeline, data=StepInput(
            step="assessment", done_on=d("2025-02-20"), conclusion="继续保持。"))
        open_step(page, pk, "candidate")
        expect(page.locator("[data-testid=step-form]")).to_contain_text("即2025年3月4日以后；还差12天")
        fill_step(page, "2025-02-20")
        save(page)
        refused(page, "须在“推荐和确定入党积极分子”（2024年3月4日）满12个月后，即2025年3月4日以后；还差12天。")
        shot(page, "candidate-too-early")
        assert not pipeline.steps.filter(step="candidate").exists()
        pipeline.refresh_from_db()
        assert pipeline.stage == Stage.ACTIVIST

        clock.move_to(at("2025-03-05"))
        meeting = committee_meeting(branch, "2025-03-05")
        record(page, pk, "candidate", "2025-03-05", meeting=meeting, conclusion="经征求党员和群众意见，同意列为发展对象。")
        expect(page.locator("[data-testid=stage]")).to_have_text("发展对象")
        page.goto("/recruitment/")
        expect(page.locator("[data-stage=candidate]")).to_contain_text("李青")
        expect(page.locator("[data-stage=activist]")).not_to_contain_text("李青")
        shot(page, "board")

        # ---- spring 2025: filing, sponsors, review, training, the branch committee's review ------------------
        clock.move_to(at("2025-04-25"))
        record(page, pk, "candidate_filing", "2025-03-10")
        open_step(page, pk, "sponsors")
        fill_step(page, "2025-03-12", people=["王介绍"])
        save(page)
        refused(page, "入党介绍人应为2名正式党员，现为1名。")
        assert not pipeline.steps.filter(step="sponsors").exists()
        page.get_by_label("陈联系", exact=True).check()
        expect(page.get_by_label("王介绍", exact=True)).to_be_checked()  # the first choice was kept
        save(page)
        saved(page, pk, "sponsors")
        open_step(page, pk, "political_review")
        fill_step(page, "2025-03-28", outcome="通过", conclusion="政治历史清楚，政审合格。")
        page.locator("#id_attachments").set_input_files(
            files=[{"name": "政审结论.png", "mimeType": "image/png", "buffer": page.screenshot()}])
        save(page)
        saved(page, pk, "political_review")
        expect(page.locator("#step-political_review")).to_contain_text("政审结论.png")

        open_step(page, pk, "training")
        page.locator("#id_starts_on").fill("2025-04-10")
        page.locator("#id_days").fill("2")
        page.locator("#id_class_hours").fill("16")
        page.locator("#id_organizer").fill("甲所党委")
        fill_step(page, "2025-04-11")
        save(page)
        refused(page, "集中培训不少于3天或24学时，现为2天、16学时。")
        shot(page, "training-too-short")
        assert not pipeline.steps.filter(step="training").exists()
        page.locator("#id_starts_on").fill("2025-04-09")
        page.locator("#id_days").fill("3")
        page.locator("#id_class_hours").fill("24")
        save(page)
        saved(page, pk, "training")
        expect(page.locator("#step-training")).to_contain_text("24")
        record(page, pk, "branch_review", "2025-04-15", conclusion="支委会审查，同意报上级党委预审。")

        # Out of order: the 入党志愿书 before the committee's 预审 is refused.
        open_step(page, pk, "application_form")
        expect(page.locator("[data-testid=step-form]")).to_contain_text("前置步骤尚未完成")
        fill_step(page, "2025-04-15")
        save(page)
        refused(page, "须先完成“13. 上级党委预审”，才能记录“14. 填写入党志愿书”。")
        assert not pipeline.steps.filter(step="application_form").exists()

        # The 预审 is the committee's: the branch secretary gets no form.
        response = page.goto(f"/recruitment/{pk}/step/pre_review/")
        assert response.status == 403
        expect(page.locator("[data-testid=step-form]")).to_have_count(0)
        page.goto(f"/recruitment/{pk}/")
        expect(page.locator("#step-pre_review")).to_contain_text("待上级党委办理")

        committee.goto(f"/recruitment/{pk}/")
        committee.locator("[data-testid=record-pre_review]").click()
        expect(committee.locator("h1")).to_have_text("13. 上级党委预审")
        fill_step(committee, "2025-04-22", outcome="通过", conclusion="同意，发放入党志愿书。")
        shot(committee, "pre-review-form")
        save(committee)
        saved(committee, pk, "pre_review")
        record(page, pk, "application_form", "2025-04-25", conclusion="本人填写，入党介绍人签署意见。")

        # ---- 2025-05: the 支部党员大会. A meeting without quorum first: its vote cannot admit anyone -----------
        clock.move_to(at("2025-05-08", 16))
        open_step(page, pk, "admission_vote")
        expect(page.locator("[data-testid=no-votes]")).to_be_visible()
        shot(page, "admission-no-vote")
        page.locator("[data-testid=no-votes]").get_by_role("link", name="记录支部党员大会").click()
        invalid = record_assembly(page, None, "2025-05-06", subject="接收李青同志为中共预备党员",
                                  candidate="李青", on_leave=("张三", "赵喆", "王介绍"))
        assert (invalid.expected, invalid.present, invalid.passed) == (5, 2, False)
        open_step(page, pk, "admission_vote")
        fill_step(page, "2025-05-06", vote=invalid)
        save(page)
        refused(page, "支部党员大会应到有表决权的正式党员5名、实到2名，未超过半数，会议无效。")
        shot(page, "admission-no-quorum")
        assert not pipeline.steps.filter(step="admission_vote").exists()

        page.locator("[data-testid=another-meeting]").get_by_role("link", name="记录支部党员大会").click()
        valid = record_assembly(page, None, "2025-05-08", subject="接收李青同志为中共预备党员", candidate="李青")
        assert valid.passed
        open_step(page, pk, "admission_vote")
        fill_step(page, "2025-05-08", vote=valid, conclusion="同意接收李青同志为中共预备党员。")
        save(page)
        saved(page, pk, "admission_vote")
        expect(page.locator("#step-admission_vote")).to_contain_text("应到 5 人，实到 5 人；赞成 5")

        # ---- the committee talks to the candidate and approves -----------------------------------------------
        clock.move_to(at("2025-06-12"))
        record(committee, pk, "committee_talk", "2025-05-20", actor="组织员王某", conclusion="入党动机端正。")
        record(committee, pk, "approval", "2025-06-10", outcome="通过", conclusion="同意接收为中共预备党员。")
        expect(committee.locator("[data-testid=stage]")).to_have_text("预备党员")
        expect(committee.locator(".key-dates")).to_contain_text("2026-05-08")  # a year from the vote
        person = Person.objects.get(name="李青")
        page.goto(f"/people/{person.pk}/")
        expect(membership_fact(page, "党员类别")).to_have_text("预备党员")
        expect(membership_fact(page, "入党日期")).to_have_text("2025-05-08")
        expect(membership_fact(page, "转正日期")).to_have_text("—")
        shot(page, "person-probationary")
        record(committee, pk, "approval_filing", "2025-06-12", conclusion="已报组织部备案。")
        record(page, pk, "assign_group", "2025-06-11", conclusion="编入第一党小组。")
        record(page, pk, "oath", "2025-06-12", conclusion="在党旗下宣誓。")
        expect(page.locator("#step-probation_assessment")).to_contain_text("期限：2025-12-10")

        # ---- spring 2026: assessments, the request, and a conversion vote before the year is over ------------
        clock.move_to(at("2026-04-28", 17))
        record(page, pk, "probation_assessment", "2025-12-05", conclusion="预备期表现良好。")
        services.step_record(actor=world.shuji_a, pipeline=pipeline, data=StepInput(
            step="probation_assessment", done_on=d("2026-04-20"), conclusion="继续保持。"))
        record(page, pk, "conversion_request", "2026-04-20", conclusion="本人按期提出书面转正申请。")
        early = vote_for(branch, person, d("2026-04-28"), subject="李青同志按期转正")
        open_step(page, pk, "conversion_vote")
        expect(page.locator("[data-testid=step-form]")).to_contain_text("预备期至2026年5月8日届满；还差10天")
        fill_step(page, "2026-04-28", vote=early, outcome="通过")
        save(page)
        refused(page, "预备期至2026年5月8日届满，届满后方可讨论转正；还差10天。")
        shot(page, "conversion-too-early")
        assert not pipeline.steps.filter(step="conversion_vote").exists()

        # ---- after the probation year: the meeting, its vote, the committee's approval, the archive ----------
        clock.move_to(at("2026-05-26"))
        vote = record_assembly(page, branch.pk, "2026-05-12", subject="李青同志按期转正", candidate="李青")
        record(page, pk, "conversion_vote", "2026-05-12", vote=vote, outcome="通过", conclusion="同意按期转正。")
        record(committee, pk, "conversion_approval", "2026-05-25", outcome="通过", conclusion="同意按期转为正式党员。")
        record(page, pk, "archive", "2026-05-26", actor="甲所党委组织部门", conclusion="材料齐全，已归档。")
        expect(page.locator("[data-testid=stage]")).to_have_text("正式党员 · 已完成")
        expect(page.locator(".key-dates")).to_contain_text("2026-05-08")
        expect(page.locator("[data-testid=completeness]")).to_contain_text("已到阶段的各步骤均有记录。")
        expect(page.locator("[data-testid=violation]")).to_have_count(0)
        shot(page, "record-complete")
        pipeline.refresh_from_db()
        assert (pipeline.status, pipeline.stage, pipeline.converted_on) == (
            PipelineStatus.COMPLETED, Stage.FULL, d("2026-05-08"))
        # The 25 steps, a 思想汇报, the second 考察 and the second 继续教育考察.
        assert pipeline.steps.count() == 28

        page.goto(f"/people/{person.pk}/")
        expect(membership_fact(page, "党员类别")).to_have_text("正式党员")
        expect(membership_fact(page, "转正日期")).to_have_text("2026-05-08")  # the day probation ended
        expect(page.locator("main")).to_contain_text("中共党员")
        shot(page, "person-full")

        # ---- the 纪实表, through the export job ----------------------------------------------------------------
        committee.goto(f"/recruitment/{pk}/")
        committee.locator("[data-testid=export-record]").click()
        committee.get_by_role("button", name="开始导出").click()
        expect(committee).to_have_url(re.compile(r"/jobs/[0-9a-f-]{36}/$"))
        link = committee.locator("a[href$='/download/']").first
        expect(link).to_be_visible(timeout=30_000)
        with committee.expect_download() as info:
            link.click()
        pdf = tmp_path / "record.pdf"
        info.value.save_as(pdf)

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages).replace("\n", "")
    steps = [s["name"] for s in RULES_2014.STEPS if s["number"]]
    assert len(steps) == 25
    for fragment in ("发展党员工作全程纪实表", "李青", "中共甲研究所第一支部委员会", *steps, "2024-03-01", "2024-03-04",
                     "2025-03-05", "2025-05-08", "2025-06-10", "2026-05-08", "2026-05-12", "2026-05-25", "王介绍",
                     "陈联系", "周培养", "应到5人", "正式党员（已完成）", "已到阶段的各步骤均有记录"):
        assert fragment in text, fragment
    # Page 1 as an image, for a person to look at next to the screenshots.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf),
                    str(SCREENSHOTS / "test_from_application_to_full_member-pdf")], check=True)
