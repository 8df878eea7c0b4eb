"""The annual recruitment plan's writes: opening a plan, proposals, the department's numbers, approval, and
changes after approval with their reason; bad numbers refused with nothing saved."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from recruitment import plan_services as services
from recruitment.models import PlanChange, PlanStatus, PlanTarget, RecruitmentPlan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 21, 10, 0))


@pytest.fixture
def plan(world):
    return services.plan_open(actor=world.zuzhibu, organization=world.root, year=2027)


def _messages(excinfo) -> str:
    return " ".join(excinfo.value.messages)


def test_open_creates_a_target_for_every_branch(world, plan):
    assert {t.organization for t in plan.targets.all()} == {world.branch_a, world.branch_b, world.other_branch}
    assert all(t.numbers() == dict.fromkeys(t.numbers(), 0) for t in plan.targets.all())
    with pytest.raises(ValidationError) as excinfo:
        services.plan_open(actor=world.zuzhibu, organization=world.root, year=2027)
    assert "2027 年的计划已经建立" in _messages(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.plan_open(actor=world.zuzhibu, organization=world.root, year=2030)
    assert "只能制定今年或明年的计划" in _messages(excinfo)
    with pytest.raises(Http404):  # outside dangwei's scope
        services.plan_open(actor=world.dangwei, organization=world.other_institute, year=2027)


def test_bad_numbers_are_refused_and_nothing_saved(world, plan):
    target = plan.targets.get(organization=world.branch_a)
    for numbers, message in (({"total": -1}, "发展党员总数不能小于0"),
                             ({"total": 2, "high_knowledge": 3}, "高知群体（3）不能多于发展党员总数（2）"),
                             ({"total": "三"}, "发展党员总数须为整数，而不是“三”"),
                             ({"bogus": 1}, "不认识的项目“bogus”")):
        with pytest.raises(ValidationError) as excinfo:
            services.target_set(actor=world.zuzhibu, target=target, numbers=numbers)
        assert message in _messages(excinfo)
    target.refresh_from_db()
    assert target.numbers() == dict.fromkeys(target.numbers(), 0)
    # A group above a total set earlier is refused too.
    services.target_set(actor=world.zuzhibu, target=target, numbers={"total": 2})
    with pytest.raises(ValidationError) as excinfo:
        services.target_set(actor=world.zuzhibu, target=target, numbers={"women": 5})
    assert "女性（5）不能多于发展党员总数（2）" in _messages(excinfo)


def test_unit_proposes_department_sets_and_approves(world, plan):
    target = plan.targets.get(organization=world.branch_a)
    services.target_propose(actor=world.shuji_a, target=target, numbers={"total": 3, "young": 2, "activists": 5})
    target.refresh_from_db()
    assert target.proposed == {"total": 3, "young": 2, "activists": 5}
    assert target.total == 0  # the department's number is its own
    with pytest.raises(Http404):  # branch B's secretary cannot propose for branch A
        services.target_propose(actor=world.shuji_b, target=target, numbers={"total": 1})
    services.target_set(actor=world.zuzhibu, target=target, numbers={"total": 2, "young": 1, "activists": 4})
    services.plan_approve(actor=world.zuzhibu, plan=plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    with pytest.raises(ValidationError) as excinfo:
        services.target_propose(actor=world.shuji_a, target=target, numbers={"total": 9})
    assert "计划已批准，不再接受建议数" in _messages(excinfo)


def test_change_after_approval_needs_a_reason_and_is_kept(world, plan):
    target = plan.targets.get(organization=world.branch_a)
    services.target_set(actor=world.zuzhibu, target=target, numbers={"total": 2})
    services.plan_approve(actor=world.zuzhibu, plan=plan)
    with pytest.raises(ValidationError) as excinfo:
        services.target_set(actor=world.zuzhibu, target=target, numbers={"total": 3})
    assert "计划已批准，调整指标须填写原因" in _messages(excinfo)
    assert PlanTarget.objects.get(pk=target.pk).total == 2
    services.target_set(actor=world.zuzhibu, target=target, numbers={"total": 3, "women": 1}, reason="新增一名发展对象")
    changes = {(c.field, c.before, c.after, c.reason) for c in PlanChange.objects.filter(target=target)}
    assert changes == {("total", 2, 3, "新增一名发展对象"), ("women", 0, 1, "新增一名发展对象")}
    assert RecruitmentPlan.objects.count() == 1


# ---- the plan against reality --------------------------------------------------------------------------------


def _pipeline(branch, name, **fields):
    from recruitment.models import Pipeline
    from tests.factories import PersonFactory

    person = PersonFactory(organization=branch, name=name, **{k: fields.pop(k) for k in list(fields)
                                                             if k in ("sex", "birth_date", "education")})
    fields.setdefault("applied_on", datetime.date(2024, 1, 10))
    return Pipeline.objects.create(person=person, organization=branch, **fields)


def test_plan_against_the_pipeline_with_forecast_and_warnings(world, django_assert_num_queries):
    from members.codes import Education, Sex
    from recruitment import plan_selectors
    from recruitment.models import PipelineStatus, Stage

    plan = services.plan_open(actor=world.zuzhibu, organization=world.root, year=2026)
    a = plan.targets.get(organization=world.branch_a)
    services.target_set(actor=world.zuzhibu, target=a, numbers={"total": 5, "women": 1})
    # Branch A: one admitted this year (a woman with a doctorate), one development object now, one activist whose
    # year ends in time, one who became an activist too late to be admitted this year.
    _pipeline(world.branch_a, "甲", sex=Sex.FEMALE, education=Education.DOCTORATE, stage=Stage.PROBATIONARY,
              activist_on=datetime.date(2024, 6, 1), candidate_on=datetime.date(2025, 7, 1),
              admitted_on=datetime.date(2026, 3, 5))
    _pipeline(world.branch_a, "乙", stage=Stage.CANDIDATE, activist_on=datetime.date(2025, 1, 1),
              candidate_on=datetime.date(2026, 2, 1))
    _pipeline(world.branch_a, "丙", stage=Stage.ACTIVIST, activist_on=datetime.date(2025, 6, 1))
    _pipeline(world.branch_a, "丁", stage=Stage.ACTIVIST, activist_on=datetime.date(2026, 4, 1))
    _pipeline(world.branch_a, "戊", stage=Stage.ACTIVIST, activist_on=datetime.date(2026, 5, 1),
              status=PipelineStatus.STOPPED)
    # Branch B: a development object but no place in the plan.
    _pipeline(world.branch_b, "己", stage=Stage.CANDIDATE, activist_on=datetime.date(2024, 1, 1),
              candidate_on=datetime.date(2025, 3, 1))
    with django_assert_num_queries(4):  # rule sets (recruitment, liaison), the grouped pipelines, the targets
        rows = {r.target.organization.short_name: r for r in
                plan_selectors.plan_vs_actual(plan=plan, on=datetime.date(2026, 11, 21))}
    row_a = rows["第一党支部"]
    assert row_a.actual["admitted"] == 1
    assert row_a.actual["women"] == 1
    assert row_a.actual["high_knowledge"] == 1
    assert row_a.actual["activists"] == 2  # 丁 and 戊 became activists this year
    assert row_a.actual["candidates"] == 1
    assert row_a.forecast == 2  # 乙 now, 丙 in time; 丁 too late, 戊 stopped
    assert row_a.warnings == ["计划发展5人，按发展程序本年最多可发展3人，不得突击发展。"]
    assert rows["第二党支部"].warnings[0] == "有1名发展对象，但计划未安排发展名额。"
    assert "近3年未发展党员" in rows["乙所第一党支部"].warnings[-1]
    totals = plan_selectors.plan_totals(list(rows.values()))
    assert totals["targets"]["total"] == 5
    assert totals["actual"]["admitted"] == 1


def test_plan_against_reality_without_a_rule_set_in_force(world):
    """No recruitment rule set for the day: the forecast counts today's development objects only, no error."""
    from branches.models import RuleSet
    from recruitment import plan_selectors
    from recruitment.models import Stage

    RuleSet.objects.filter(domain="recruitment").delete()
    plan = services.plan_open(actor=world.zuzhibu, organization=world.root, year=2026)
    _pipeline(world.branch_a, "乙", stage=Stage.CANDIDATE, activist_on=datetime.date(2025, 1, 1),
              candidate_on=datetime.date(2026, 2, 1))
    _pipeline(world.branch_a, "丙", stage=Stage.ACTIVIST, activist_on=datetime.date(2025, 6, 1))
    rows = {r.target.organization.short_name: r for r in
            plan_selectors.plan_vs_actual(plan=plan, on=datetime.date(2026, 11, 21))}
    assert rows["第一党支部"].forecast == 1
