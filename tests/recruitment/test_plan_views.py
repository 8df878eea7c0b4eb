"""The annual recruitment plan's pages: opening a plan, the department's numbers, proposals, approval and changes
with a reason, the plan against reality; who sees and who changes what; bad input re-rendered with nothing saved;
constant query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.models import OrgType
from recruitment import plan_services
from recruitment.models import PlanChange, PlanStatus, PlanTarget, RecruitmentPlan
from tests.factories import make_org

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 21, 10, 0))


@pytest.fixture
def plan(world):
    return plan_services.plan_open(actor=world.zuzhibu, organization=world.root, year=2027)


@pytest.fixture
def institute_plan(world):
    return plan_services.plan_open(actor=world.zuzhibu, organization=world.institute, year=2027)


def _target(plan, org):
    return PlanTarget.objects.get(plan=plan, organization=org)


def _url(plan, suffix=""):
    return f"/recruitment/plans/{plan.pk}/{suffix}"


def _target_url(plan, org):
    return _url(plan, f"targets/{_target(plan, org).pk}/")


def _numbers(**values):
    data = {name: "" for name in ("total", "high_knowledge", "young", "women", "frontline", "returned",
                                  "senior_title", "activists")}
    data.update({k: str(v) for k, v in values.items()})
    return data


def _errors(response) -> str:
    return " ".join(str(e) for e in response.context["errors"])


# ---- the list and opening a plan -------------------------------------------------------------------------------


def test_zuzhibu_opens_a_plan_and_lands_on_it(world, login):
    client = login("zuzhibu")
    response = client.get("/recruitment/plans/")
    assert response.status_code == 200
    assert response.context["nav_active"] == "recruitment"
    assert "新建年度计划" in response.content.decode()
    response = client.post("/recruitment/plans/", {"organization": world.root.pk, "year": 2027,
                                                   "proposals_due_on": "2026-12-10", "note": "全院计划"})
    plan = RecruitmentPlan.objects.get()
    assert response.status_code == 302
    assert response.url == _url(plan)
    assert plan.targets.count() == 3
    assert plan.proposals_due_on == datetime.date(2026, 12, 10)
    page = client.get("/recruitment/plans/").content.decode()
    assert "院党组" in page
    assert "2027" in page


def test_open_refusals_rerender_with_the_message_and_save_nothing(world, login, plan):
    client = login("zuzhibu")
    response = client.post("/recruitment/plans/", {"organization": world.root.pk, "year": 2027})
    assert response.status_code == 200
    assert "院党组 2027 年的计划已经建立" in _errors(response)
    response = client.post("/recruitment/plans/", {"organization": world.institute.pk, "year": 2027,
                                                   "proposals_due_on": "2026-01-01"})
    assert response.status_code == 200
    assert "基层报送建议数的截止日期不能早于今天" in _errors(response)
    response = client.post("/recruitment/plans/", {"organization": world.institute.pk, "year": 2031})
    assert response.status_code == 200
    assert "只能制定今年或明年的计划" in response.content.decode()
    # A branch is not offered (a plan is the committee's).
    response = client.post("/recruitment/plans/", {"organization": world.branch_a.pk, "year": 2027})
    assert response.status_code == 200
    assert "所选党组织不是您可以制定计划的党委或党总支" in response.content.decode()
    assert RecruitmentPlan.objects.count() == 1


def test_who_may_open_a_plan(world, login, plan):
    # dangwei views plans but may not open one; dangyuan has no access at all.
    response = login("dangwei").get("/recruitment/plans/")
    assert response.status_code == 200
    assert not response.context["can_open"]
    assert login("dangwei").post("/recruitment/plans/", {"organization": world.institute.pk,
                                                         "year": 2027}).status_code == 403
    assert login("dangyuan").get("/recruitment/plans/").status_code == 403
    # shuji_a does not see the root's plan but finds branch A's target to propose for.
    response = login("shuji_a").get("/recruitment/plans/")
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert [t.organization for t in response.context["unit_targets"]] == [world.branch_a]
    assert RecruitmentPlan.objects.count() == 1


# ---- the plan: numbers, approval, changes -------------------------------------------------------------------------


def test_department_sets_numbers_approves_and_changes_with_a_reason(world, login, plan):
    client = login("zuzhibu")
    url = _target_url(plan, world.branch_a)
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "set", **_numbers(total=3, women=1, activists=5)})
    assert response.status_code == 302
    assert response.url == _url(plan)
    assert _target(plan, world.branch_a).numbers()["total"] == 3
    page = client.get(_url(plan))
    assert page.status_code == 200
    assert page.context["sums"][0] == 3
    response = client.post(_url(plan), {"action": "approve"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert plan.approved_on == datetime.date(2026, 11, 21)
    # After approval a change without a reason is refused and nothing saved.
    response = client.post(url, {"action": "set", **_numbers(total=4)})
    assert response.status_code == 200
    assert "计划已批准，调整指标须填写原因" in _errors(response)
    assert _target(plan, world.branch_a).total == 3
    response = client.post(url, {"action": "set", "reason": "新增一名发展对象", **_numbers(total=4)})
    assert response.status_code == 302
    assert list(PlanChange.objects.values_list("field", "before", "after", "reason")) == [
        ("total", 3, 4, "新增一名发展对象")]
    page = client.get(_url(plan)).content.decode()
    assert "新增一名发展对象" in page
    assert "批准后的调整" in page
    # Approving twice is refused with the date.
    response = client.post(_url(plan), {"action": "approve"})
    assert response.status_code == 200
    assert "计划已于 2026-11-21 批准" in _errors(response)


@pytest.mark.parametrize(("numbers", "message"), [
    ({"total": -1}, "发展党员总数不能小于0"),
    ({"total": 2, "high_knowledge": 3}, "高知群体（3）不能多于发展党员总数（2）"),
    ({"total": "三"}, "发展党员总数须为整数，而不是“三”"),
])
def test_bad_numbers_rerender_with_the_message_and_save_nothing(world, login, plan, numbers, message):
    client = login("zuzhibu")
    response = client.post(_target_url(plan, world.branch_a), {"action": "set", **_numbers(**numbers)})
    assert response.status_code == 200
    assert message in _errors(response)
    assert message in response.content.decode()
    assert _target(plan, world.branch_a).numbers() == dict.fromkeys(_target(plan, world.branch_a).numbers(), 0)
    # The unit's proposal is judged the same way.
    response = login("shuji_a").post(_target_url(plan, world.branch_a), {"action": "propose", **_numbers(**numbers)})
    assert response.status_code == 200
    assert message in _errors(response)
    assert _target(plan, world.branch_a).proposed == {}


def test_branch_secretary_proposes_and_the_department_adopts(world, login, plan):
    client = login("shuji_a")
    url = _target_url(plan, world.branch_a)
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["can_propose"]
    assert not response.context["can_set"]
    response = client.post(url, {"action": "propose", **_numbers(total=2, young=1, activists=4)})
    assert response.status_code == 302
    assert response.url == url
    target = _target(plan, world.branch_a)
    assert target.proposed == {"total": 2, "young": 1, "activists": 4}
    assert target.total == 0
    # shuji_a may not set the department's numbers (no manage_recruitment at the root) nor adopt.
    assert client.post(url, {"action": "set", **_numbers(total=9)}).status_code == 403
    assert client.post(url, {"action": "adopt"}).status_code == 403
    assert _target(plan, world.branch_a).total == 0
    # Branch B's target and the plan itself are outside shuji_a's scope.
    assert client.get(_target_url(plan, world.branch_b)).status_code == 404
    assert client.post(_target_url(plan, world.branch_b), {"action": "propose", **_numbers(total=1)}).status_code == 404
    assert client.get(_url(plan)).status_code == 404
    # The department sees the proposal beside its number and adopts it.
    dept = login("zuzhibu")
    page = dept.get(_url(plan))
    row = next(r for r in page.context["page"].object_list if r["target"].organization == world.branch_a)
    assert row["can_adopt"]
    assert row["cells"][0]["proposed"] == 2
    assert "采用基层建议数" in page.content.decode()
    assert dept.post(url, {"action": "adopt"}).status_code == 302
    assert _target(plan, world.branch_a).numbers() == {**dict.fromkeys(target.numbers(), 0),
                                                       "total": 2, "young": 1, "activists": 4}
    # After approval the unit may no longer propose.
    plan_services.plan_approve(actor=world.zuzhibu, plan=plan)
    response = client.post(url, {"action": "propose", **_numbers(total=5)})
    assert response.status_code == 200
    assert "计划已批准，不再接受建议数" in _errors(response)


def test_scope_of_the_target_page(world, login, plan):
    assert login("shuji_b").get(_target_url(plan, world.branch_a)).status_code == 404
    assert login("shuji_b").post(_target_url(plan, world.branch_a),
                                 {"action": "propose", **_numbers(total=1)}).status_code == 404
    assert login("outsider").get(_target_url(plan, world.branch_a)).status_code == 404
    assert login("outsider").get(_url(plan)).status_code == 404
    assert login("outsider").get(_url(plan, "actual/")).status_code == 404
    assert login("xuanchuan_a").get(_target_url(plan, world.branch_a)).status_code == 403
    # A target of another plan under this plan's number is not found.
    other = plan_services.plan_open(actor=world.zuzhibu, organization=world.institute, year=2027)
    assert login("zuzhibu").get(_url(plan, f"targets/{_target(other, world.branch_a).pk}/")).status_code == 404
    assert _target(plan, world.branch_a).proposed == {}


def test_dangwei_views_the_institute_plan_but_cannot_change_it(world, login, institute_plan):
    client = login("dangwei")
    assert client.get(_url(institute_plan)).status_code == 200
    assert client.get(_url(institute_plan, "actual/")).status_code == 200
    assert not client.get(_url(institute_plan)).context["can_manage"]
    assert client.post(_url(institute_plan), {"action": "approve"}).status_code == 403
    url = _target_url(institute_plan, world.branch_a)
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "set", **_numbers(total=3)}).status_code == 403
    institute_plan.refresh_from_db()
    assert institute_plan.status == PlanStatus.DRAFT
    assert _target(institute_plan, world.branch_a).total == 0


def test_name_filter_and_sums_over_all_targets(world, login, plan):
    plan_services.target_set(actor=world.zuzhibu, target=_target(plan, world.branch_a), numbers={"total": 2})
    plan_services.target_set(actor=world.zuzhibu, target=_target(plan, world.branch_b), numbers={"total": 5})
    response = login("zuzhibu").get(_url(plan) + "?q=第二")
    assert [r["target"].organization for r in response.context["page"].object_list] == [world.branch_b]
    assert response.context["sums"][0] == 7  # the sums row covers every target, not just the filtered page


# ---- the plan against reality -------------------------------------------------------------------------------------


def test_actual_shows_warnings_and_filters_them(world, login, plan):
    plan_services.target_set(actor=world.zuzhibu, target=_target(plan, world.branch_a), numbers={"total": 4})
    client = login("zuzhibu")
    response = client.get(_url(plan, "actual/"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "计划发展4人，按发展程序本年最多可发展0人，不得突击发展。" in content
    assert "只看有提醒的" in content
    response = client.get(_url(plan, "actual/") + "?warnings=1")
    shown = [item["row"].target.organization for item in response.context["page"].object_list]
    assert world.branch_a in shown
    assert all(item["row"].warnings for item in response.context["page"].object_list)
    assert response.context["totals"]["targets"]["total"] == 4


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_branches(world, login):
    client = login("zuzhibu")
    few = plan_services.plan_open(actor=world.zuzhibu, organization=world.institute, year=2027)  # 2 branches
    list_one = _count_queries(client, "/recruitment/plans/")
    big = make_org(world.root, org_type=OrgType.COMMITTEE, name="中共测试科学院丙研究所委员会", short_name="丙所党委")
    many_branches = [make_org(big, name=f"中共丙研究所第{n}支部委员会", short_name=f"丙所第{n}党支部") for n in range(13)]
    many = plan_services.plan_open(actor=world.zuzhibu, organization=big, year=2027)
    assert few.targets.count() == 2
    assert many.targets.count() == len(many_branches)
    for target in many.targets.all()[:3]:
        plan_services.target_propose(actor=world.zuzhibu, target=target, numbers={"total": 1})
    plan_services.plan_approve(actor=world.zuzhibu, plan=many)
    plan_services.plan_approve(actor=world.zuzhibu, plan=few)
    for target in many.targets.all()[:4]:
        plan_services.target_set(actor=world.zuzhibu, target=target, numbers={"total": 2}, reason="调整")
    plan_services.plan_open(actor=world.zuzhibu, organization=world.root, year=2026)
    for suffix in ("", "actual/"):
        assert _count_queries(client, _url(few, suffix)) == _count_queries(client, _url(many, suffix))
    assert _count_queries(client, "/recruitment/plans/") == list_one


def test_adopting_after_approval_needs_a_reason(world, login, plan):
    target = _target(plan, world.branch_b)
    plan_services.target_propose(actor=world.shuji_b, target=target, numbers={"total": 3})
    plan_services.plan_approve(actor=world.zuzhibu, plan=plan)
    client = login("zuzhibu")
    url = _target_url(plan, world.branch_b)
    page = client.get(url).content.decode()
    assert "采用基层建议数" in page
    assert 'id="id_adopt_reason"' in page
    response = client.post(url, {"action": "adopt"})
    assert response.status_code == 200
    assert "计划已批准，调整指标须填写原因" in _errors(response)
    assert _target(plan, world.branch_b).total == 0
    assert client.post(url, {"action": "adopt", "reason": "采用第二党支部的建议"}).status_code == 302
    assert _target(plan, world.branch_b).total == 3
    assert PlanChange.objects.get().reason == "采用第二党支部的建议"


def test_the_committee_pages_link_to_the_plans(world, login):
    page = login("zuzhibu").get("/recruitment/committee/").content.decode()
    assert page.count('href="/recruitment/plans/"') == 2  # the header button and the tab


def test_the_department_is_not_asked_to_propose(world, login, plan):
    assert login("zuzhibu").get("/recruitment/plans/").context["unit_targets"] == []
    assert login("admin").get("/recruitment/plans/").context["unit_targets"] == []
    assert login("xuanchuan_a").get("/recruitment/plans/").context["unit_targets"] == []
