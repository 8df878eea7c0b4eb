"""Organizational life in a real browser at phone size: a branch secretary records a 支部委员会 with attendance
and a 支部党员大会 with a vote, the calendar turns green, another branch sees none of it, the institute committee
sees both branches' compliance and issues a work notice that the branch answers before its deadline."""

import datetime
import importlib
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import Meeting, MeetingStatus, MeetingType, NoticeSubmission, RuleSet
from tests.factories import make_member

PHONE = {"width": 375, "height": 812}
RULES_2018 = importlib.import_module("branches.migrations.0004_meeting_rule_sets")


@pytest.fixture
def branch_life(world):
    """The meetings rule set (a data migration, flushed between live-server tests) and branch A's committee as
    people: the secretary and the 宣传委员 are party members linked to their accounts."""
    if not RuleSet.objects.filter(domain="meetings", name=RULES_2018.NAME).exists():
        RuleSet.objects.create(domain="meetings", name=RULES_2018.NAME, effective_from=datetime.date(2018, 10, 28),
                               org_types=["branch", "joint_branch", "temporary_branch"],
                               parameters=RULES_2018.PARAMETERS, source=RULES_2018.SOURCE)
    for username, name in (("shuji_a", "刘书记"), ("xuanchuan_a", "陈宣传")):
        person = make_member(world.branch_a, name=name)
        person.user = world.users[username]
        person.save(update_fields=["user"])
    return world


def switch_user(page, sign_in, username: str) -> None:
    page.context.clear_cookies()
    sign_in(page, username)


def meeting_pk(page) -> int:
    expect(page).to_have_url(re.compile(r"/meetings/\d+/$"))
    return int(re.search(r"/meetings/(\d+)/$", page.url).group(1))


def test_branch_life_from_meetings_to_a_work_notice(page, branch_life, sign_in, shot):
    world = branch_life
    calendar = f"/compliance/branch/{world.branch_a.pk}/"
    page.set_viewport_size(PHONE)
    sign_in(page, "shuji_a")

    # Nobody has attended anything yet: the dashboard lists the members for the six-month review.
    page.goto("/")
    absent = page.locator("#absent-card")
    expect(absent).to_contain_text("六个月未参加组织生活的党员")
    expect(absent).to_contain_text("张三")
    shot(page, "dashboard-absent")
    absent.get_by_role("link", name="查看全部").click()
    expect(page.locator("h1")).to_have_text("六个月未参加组织生活的党员")
    shot(page, "absent-list")
    page.locator(".absent-row", has_text="张三").click()
    expect(page.locator("#absence-flag")).to_contain_text("已连续六个月未参加组织生活")
    shot(page, "person-absent")

    # Before anything is recorded, nothing in this month's calendar is green.
    page.goto(calendar)
    current_month = page.locator(".cal-month.current")
    expect(current_month).to_be_visible()
    expect(current_month.locator(".cc-done")).to_have_count(0)
    shot(page, "calendar-before")

    # 支部委员会: the committee is proposed as attendees; the 宣传委员 is on leave with a reason.
    page.goto("/meetings/new/")
    page.get_by_role("button", name="支部委员会").click()
    expect(page.locator("h1")).to_have_text("记录支部委员会")
    rows = page.locator("#att-list .att-row")
    expect(rows).to_have_count(2)
    expect(page.locator("#att-list")).to_contain_text("刘书记")
    expect(page.locator("#att-list")).not_to_contain_text("张三")
    leave = rows.filter(has_text="陈宣传")
    leave.get_by_text("请假", exact=True).click()
    leave.locator(".att-reason").fill("出差")
    expect(page.locator("#att-count")).to_have_text("出席 1 / 应到 2")
    page.get_by_label("地点").fill("党员活动室")
    page.get_by_label("议题").fill("研究第四季度发展党员工作")
    page.get_by_label("会议记录").fill("讨论了入党积极分子培养情况。")
    shot(page, "committee-form")
    page.get_by_role("button", name="保存记录").click()
    committee_pk = meeting_pk(page)
    main = page.locator("main")
    expect(main).to_contain_text("支部委员会")
    expect(main).to_contain_text("出差")
    committee = Meeting.objects.get(pk=committee_pk)
    assert committee.organization_id == world.branch_a.pk
    assert committee.meeting_type == MeetingType.COMMITTEE
    assert committee.status == MeetingStatus.DRAFT
    statuses = {a.person.name: (a.status, a.reason) for a in committee.attendance.select_related("person")}
    assert statuses == {"刘书记": ("present", ""), "陈宣传": ("leave", "出差")}
    shot(page, "committee-detail")

    # 支部党员大会 with a vote: every party member of the branch is proposed; 应到/实到 follow the attendance.
    page.goto("/meetings/new/")
    page.get_by_role("button", name="支部党员大会").click()
    expect(page.locator("#att-list .att-row")).to_have_count(4)
    vote = page.locator(".vote-block").first
    expect(vote.locator(".vote-expected")).to_have_value("4")
    expect(vote.locator(".vote-present")).to_have_value("4")
    vote.locator("input[name=vote_subject]").fill("审议支部年度学习计划")
    vote.locator("input[name=vote_yes]").fill("4")
    vote.locator("input[name=vote_no]").fill("0")
    vote.locator("input[name=vote_abstain]").fill("0")
    vote.get_by_label("通过").check()
    # A second vote about one person, and a third added by mistake and removed again.
    page.get_by_role("button", name="添加表决事项").click()
    page.get_by_role("button", name="添加表决事项").click()
    expect(page.locator(".vote-block")).to_have_count(3)
    page.locator(".vote-block").nth(2).get_by_role("button", name="删除此项").click()
    expect(page.locator(".vote-block")).to_have_count(2)
    second = page.locator(".vote-block").nth(1)
    expect(second.locator(".vote-expected")).to_have_value("4")
    second.locator("input[name=vote_subject]").fill("推荐赵喆为优秀共产党员")
    second.get_by_label("表决对象").select_option(label="赵喆")
    second.locator("input[name=vote_yes]").fill("3")
    second.locator("input[name=vote_no]").fill("1")
    second.locator("input[name=vote_abstain]").fill("0")
    second.get_by_label("通过").check()
    page.get_by_label("议题").fill("讨论接收预备党员")
    shot(page, "assembly-form")
    page.get_by_role("button", name="保存记录").click()
    assembly_pk = meeting_pk(page)
    votes_card = page.locator(".card", has_text="表决").first
    expect(votes_card).to_contain_text("审议支部年度学习计划")
    expect(votes_card).to_contain_text("应到 4 人，实到 4 人；赞成 4，反对 0，弃权 0")
    expect(votes_card).to_contain_text("会议有效")
    assembly = Meeting.objects.get(pk=assembly_pk)
    assert assembly.meeting_type == MeetingType.GENERAL_ASSEMBLY
    expect(votes_card).to_contain_text("表决对象：赵喆")
    assert [(v.expected, v.present, v.yes, v.passed, v.candidate.name if v.candidate else None)
            for v in assembly.votes.order_by("pk")] == [(4, 4, 4, True, None), (4, 4, 3, True, "赵喆")]
    shot(page, "assembly-detail")

    # The calendar turns green for both: this month's committee and this quarter's assembly, linked to the records.
    page.goto(calendar)
    for pk in (committee_pk, assembly_pk):
        link = page.locator(f".cc-done a[href='/meetings/{pk}/']:visible")
        expect(link).to_have_count(1)
    expect(page.locator(".cal-month.current .cc-done")).to_have_count(1)
    shot(page, "calendar-after")

    # Branch B's secretary sees none of it.
    switch_user(page, sign_in, "shuji_b")
    for path in (f"/meetings/{committee_pk}/", f"/meetings/{assembly_pk}/", f"/meetings/{committee_pk}/edit/",
                 calendar):
        response = page.goto(path)
        assert response.status == 404, path
        expect(page.locator("main h1")).to_have_text("页面不存在")
        expect(page.locator("body")).not_to_contain_text("研究第四季度发展党员工作")
    shot(page, "other-branch-not-found")
    page.goto("/meetings/")
    expect(page.locator("main h1")).to_be_visible()
    for text in ("审议支部年度学习计划", committee.title, assembly.title, "第一党支部"):
        expect(page.locator("main")).not_to_contain_text(text)

    # The institute committee member sees both branches' compliance …
    switch_user(page, sign_in, "dangwei")
    page.goto("/compliance/")
    table = page.locator("main table")
    expect(table).to_contain_text("第一党支部")
    expect(table).to_contain_text("第二党支部")
    expect(table).not_to_contain_text("乙所第一党支部")
    shot(page, "committee-overview")
    page.get_by_role("link", name="第一党支部", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(calendar) + "$"))
    expect(page.locator(f".cc-done a[href='/meetings/{committee_pk}/']:visible")).to_have_count(1)

    # … and issues a work notice with two items due in a week.
    deadline = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    page.goto("/notices/new/")
    page.get_by_label("期次").fill("第1期")
    page.get_by_label("标题").fill("关于做好第四季度组织生活的提示")
    page.get_by_label("正文").fill("请各支部按期召开支委会并报送情况。")
    page.get_by_role("button", name="添加事项").click()
    first, second = page.locator("input[name='items-0-title']"), page.locator("input[name='items-1-title']")
    first.fill("召开支部委员会")
    page.locator("input[name='items-0-deadline']").fill(deadline)
    page.locator("select[name='items-0-requirement']").select_option("meeting_held")
    page.locator("select[name='items-0-meeting_type']").select_option("committee")
    second.fill("报送学习情况")
    page.locator("input[name='items-1-deadline']").fill(deadline)
    page.locator("select[name='items-1-requirement']").select_option("written_report")
    shot(page, "notice-form")
    page.get_by_role("button", name="保存草稿").click()
    expect(page).to_have_url(re.compile(r"/notices/\d+/$"))
    notice_url = page.url
    expect(page.locator("h1")).to_contain_text("草稿")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="下发").click()
    expect(page.locator("h1")).to_contain_text("已下发")
    expect(page.locator("main")).to_contain_text("已下发给 2 个党支部")
    shot(page, "notice-issued")

    # The branch secretary answers both items before the deadline: the committee meeting and a written report.
    switch_user(page, sign_in, "shuji_a")
    page.goto("/notices/")
    todo = page.locator(".list-group-item", has_text="召开支部委员会")
    expect(todo).to_contain_text(f"截止 {deadline}")
    todo.get_by_role("link", name="提交").click()
    expect(page.locator("h1")).to_have_text("召开支部委员会")
    meeting_select = page.get_by_label("本支部召开的“支部委员会”")
    expect(meeting_select.locator(f"option[value='{committee_pk}']")).to_contain_text(committee.title)
    meeting_select.select_option(str(committee_pk))
    page.get_by_role("button", name="提交").click()
    expect(page).to_have_url(re.compile(re.escape(notice_url) + "$"))
    expect(page.locator(".alert-success")).to_contain_text("已提交")

    page.goto("/notices/")
    page.locator(".list-group-item", has_text="报送学习情况").get_by_role("link", name="提交").click()
    page.get_by_label("书面报告").fill("本季度支部开展集中学习三次，全体党员参加。")
    page.get_by_role("button", name="提交").click()
    expect(page).to_have_url(re.compile(re.escape(notice_url) + "$"))
    expect(page.locator("main")).not_to_contain_text("逾期提交")
    shot(page, "notice-answered")

    submissions = NoticeSubmission.objects.filter(organization=world.branch_a).select_related("item")
    assert {(s.item.title, s.meeting_id, s.late) for s in submissions} == {
        ("召开支部委员会", committee_pk, False), ("报送学习情况", None, False)}
    page.goto("/notices/")
    expect(page.locator("main")).to_contain_text("没有待办的督办事项。")

    # The committee sees branch A done and branch B still open.
    switch_user(page, sign_in, "dangwei")
    page.goto(notice_url)
    expect(page.locator("main")).to_contain_text("第一党支部")
    expect(page.locator("main")).to_contain_text("催办未完成的 1 个支部")
    shot(page, "notice-progress")
