"""Each kind's figures on the small world, computed as of the period's end."""
import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.models import LiaisonPair, Talk
from reports.periodic import periods
from reports.periodic.kinds import REPORT_KINDS
from tests.compliance.helpers import at, meeting
from tests.factories import make_org
from tests.liaison.helpers import prepare as prepare_liaison

from .helpers import TODAY, D, october_meetings, plan_2026, recruitment_2026


def _run(kind, org, today=TODAY):
    report_type = REPORT_KINDS[kind]
    period = periods.last_finished(report_type.rule, today)
    result = report_type.compute(org, period)
    return result, report_type.summary(result.figures, org, period)


def test_compliance_monthly_counts_the_months_meetings(world):
    october_meetings(world)
    meeting(world.branch_a, "committee", at(2026, 11, 2))  # after the period: not counted
    result, summary = _run("compliance_monthly", world.institute)
    f = result.figures
    assert f["branches"] == 2
    rows = {r[1]: r for r in result.rows}
    # Branch A (committee, party groups): 支部委员会, 党小组会, 主题党日 all held; branch B: 主题党日 held.
    assert rows["第一党支部"][2:5] == [3, 3, 100.0]
    assert rows["第二党支部"][2:5] == [1, 1, 100.0]
    assert f["done"] == f["required"] == 4
    assert f["complete"] == 2
    assert f["with_overdue"] == 0
    assert "2026年10月" in summary
    assert "落实率100.0%" in summary


def test_compliance_monthly_lists_what_is_overdue(world):
    meeting(world.branch_a, "committee", at(2026, 10, 12))
    result, summary = _run("compliance_monthly", world.root)
    rows = {r[1]: r for r in result.rows}
    assert rows["第一党支部"][2:4] == [1, 3]
    assert "10月主题党日" in rows["第一党支部"][8]
    assert "10月党小组会" in rows["第一党支部"][8]
    assert result.figures["with_overdue"] == 3
    assert [u["name"] for u in result.figures["units"]] == ["甲所党委", "乙所党委"]
    assert "有逾期事项的党支部3个" in summary


def test_compliance_ignores_branches_founded_after_the_period(world):
    make_org(world.institute, org_type="branch", name="新支部", short_name="新支部", founded_on=D(2026, 11, 5))
    result, _ = _run("compliance_monthly", world.institute)
    assert result.figures["branches"] == 2


def test_compliance_queries_do_not_grow_with_branches(world):
    _run("compliance_monthly", world.root)
    with CaptureQueriesContext(connection) as few:
        _run("compliance_monthly", world.root)
    for i in range(6):
        make_org(world.other_institute, org_type="branch", name=f"支部{i}", short_name=f"支部{i}")
    with CaptureQueriesContext(connection) as many:
        result, _ = _run("compliance_monthly", world.root)
    assert result.figures["branches"] == 9
    assert len(many) == len(few)


def test_plan_quarterly_against_the_plan(world):
    plan_2026(world)
    recruitment_2026(world)
    result, summary = _run("plan_quarterly", world.institute)
    f = result.figures
    assert f["has_plan"]
    assert f["planned"] == 6
    assert f["admitted"] == 3  # branch B's admission on 10-15 is after the third quarter
    assert f["admitted_high_knowledge"] == 1
    assert f["planned_high_knowledge"] == 2
    assert f["progress"] == 50.0
    assert f["expected"] == 75.0
    rows = {r[0]: r for r in result.rows}
    assert rows["第一党支部"][1:4] == [4, 3, 75.0]
    assert rows["第二党支部"][1:4] == [2, 0, 0.0]
    assert f["behind"] == ["第二党支部"]
    assert "计划发展党员6名，已发展3名" in summary


def test_plan_quarterly_without_a_plan(world):
    recruitment_2026(world)
    result, summary = _run("plan_quarterly", world.root)
    assert not result.figures["has_plan"]
    assert result.figures["admitted"] == 3
    assert "尚未制定2026年度发展党员计划" in summary


def test_liaison_yearly_as_of_the_year_end(world):
    prepare_liaison(world)  # pool entries and pairs from 2026-01-05, talks in 2026
    result, summary = _run("liaison_yearly", world.root, today=D(2027, 1, 10))
    f = result.figures
    assert f["pool"] == 4
    assert f["high_knowledge"] == 3
    assert f["covered"] == 2
    assert f["pairs"] == 2
    assert f["talks"] == 2
    assert f["talks_by_quarter"] == [2, 0, 0, 0]
    rows = {r[0]: r for r in result.rows}
    assert rows["甲所党委"][1:5] == [3, 2, 1, 50.0]
    # A pair ended after the year and a talk of the next year change nothing.
    LiaisonPair.objects.filter(pk=world.pair_a.pk).update(ended_on=D(2027, 1, 3), end_reason="调离")
    Talk.objects.create(pair=world.pair_a, held_on=D(2027, 1, 2), topics="新年谈话")
    again, _ = _run("liaison_yearly", world.root, today=D(2027, 1, 10))
    assert again.figures == f
    assert "党外人才库共4人" in summary


def test_liaison_yearly_before_the_pool_existed(world):
    prepare_liaison(world)
    result, _ = _run("liaison_yearly", world.root, today=D(2026, 1, 2))  # the year 2025
    assert result.figures["pool"] == 0
    assert result.figures["talks"] == 0


def test_study_semester_high_knowledge_group(world):
    recruitment_2026(world)
    result, summary = _run("study_semester", world.root)  # 2026年上半年
    f = result.figures
    assert f["hk_admitted"] == 1
    assert f["admitted"] == 2
    assert f["hk_share"] == 50.0
    assert f["hk_applied"] == 1
    assert f["hk_activists"] == 1
    assert "2026年上半年" in summary
    assert "发展入党1人" in summary


def test_recruitment_yearly_per_unit(world):
    plan_2026(world)
    recruitment_2026(world)
    result, summary = _run("recruitment_yearly", world.institute, today=D(2027, 1, 5))
    f = result.figures
    assert f["admitted"] == 4
    assert f["hk_admitted"] == 1
    assert f["planned"] == 6
    rows = {r[0]: r for r in result.rows}
    assert rows["第一党支部"][1:3] == [4, 3]
    assert rows["第二党支部"][1:3] == [2, 1]
    assert "共发展党员4名" in summary
    assert "完成率66.7%" in summary


def test_every_kind_is_registered_with_its_rule():
    assert {k: t.rule for k, t in REPORT_KINDS.items()} == {
        "compliance_monthly": "month", "plan_quarterly": "quarter", "liaison_yearly": "year",
        "study_semester": "semester", "recruitment_yearly": "year"}


def test_compliance_summary_names_the_lowest_unit_only_when_units_differ(world):
    from reports.periodic.kinds import ComplianceMonthly
    from reports.periodic.periods import MONTH, period_starting

    period = period_starting(MONTH, D(2026, 10, 1))
    figures = {"branches": 2, "required": 4, "done": 3, "rate": 75.0, "complete": 1, "with_overdue": 1,
               "ytd_rate": 75.0, "units": [{"name": "甲所党委", "rate": 50.0, "done": 1, "required": 2},
                                          {"name": "乙所党委", "rate": 100.0, "done": 2, "required": 2}]}
    assert "落实率最低的单位是甲所党委（50.0%）" in ComplianceMonthly().summary(figures, world.root, period)
    figures["units"][0].update(rate=100.0, done=2)
    assert "落实率最低" not in ComplianceMonthly().summary(figures, world.root, period)


def test_plan_progress_of_a_past_quarter_reads_the_targets_as_they_stood_then(world):
    from django.utils import timezone

    from recruitment.models import PlanChange

    plan = plan_2026(world)
    target = plan.targets.get(organization=world.branch_a)
    quarter = periods.period_starting(periods.QUARTER, D(2026, 7, 1))
    before = REPORT_KINDS["plan_quarterly"].compute(world.institute, quarter).figures
    assert before["planned"] == 6
    assert before["planned_high_knowledge"] == 2

    # Two changes after the quarter (4 → 5 → 7) and one within it, which stands.
    def change(field, old, new, day):
        row = PlanChange.objects.create(target=target, field=field, before=old, after=new, reason="调整")
        PlanChange.objects.filter(pk=row.pk).update(changed_at=timezone.make_aware(datetime.datetime(*day, 9)))

    change("high_knowledge", 1, 2, (2026, 9, 20))
    change("total", 4, 5, (2026, 10, 8))
    change("total", 5, 7, (2026, 11, 2))
    target.total = 7
    target.save()
    assert REPORT_KINDS["plan_quarterly"].compute(world.institute, quarter).figures == before
    now = periods.period_starting(periods.QUARTER, D(2026, 10, 1))
    assert REPORT_KINDS["plan_quarterly"].compute(world.institute, now).figures["planned"] == 9
