"""The annual recruitment plan's API: the department opens, sets and approves; a branch secretary proposes for their
own branch; the 党委委员 reads; refusals are 400 with Chinese explanations and nothing saved; the lists cost the
same number of queries at any number of branches."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recruitment import plan_services
from recruitment.models import PlanChange, PlanStatus, PlanTarget, RecruitmentPlan
from tests.factories import make_org

pytestmark = pytest.mark.django_db

BASE = "/api/v1/recruitment/plans/"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 21, 10, 0))


@pytest.fixture
def plan(world):
    return plan_services.plan_open(actor=world.zuzhibu, organization=world.root, year=2027)


@pytest.fixture
def institute_plan(world):
    return plan_services.plan_open(actor=world.zuzhibu, organization=world.institute, year=2027)


def _target(plan, org) -> PlanTarget:
    return PlanTarget.objects.get(plan=plan, organization=org)


def _url(plan, target=None, path="") -> str:
    if target is None:
        return f"{BASE}{plan.pk}/{path}"
    return f"{BASE}{plan.pk}/targets/{target.pk}/{path}"


def _patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_department_opens_sets_approves_and_changes_with_a_reason(world, login):
    client = login("zuzhibu")
    response = _post(client, BASE, {"organization": world.root.pk, "year": 2027, "note": "按上级下达的指导性计划编制"})
    assert response.status_code == 201, response.content
    plan = RecruitmentPlan.objects.get(pk=response.data["id"])
    assert response.data["targets"] == 3
    assert response.data["status"] == PlanStatus.DRAFT
    assert [p["id"] for p in client.get(BASE).data["results"]] == [plan.pk]

    targets = client.get(_url(plan, path="targets/")).data["results"]
    assert [t["organization_name"] for t in targets] == ["第一党支部", "第二党支部", "乙所第一党支部"]
    assert [t["organization_name"] for t in client.get(_url(plan, path="targets/"), {"q": "乙所"}).data["results"]] \
        == ["乙所第一党支部"]

    target = _target(plan, world.branch_a)
    response = _patch(client, _url(plan, target), {"total": 3, "young": 2, "activists": 5})
    assert response.status_code == 200, response.content
    assert response.data["total"] == 3
    assert response.data["changes"] == []
    response = _post(client, _url(plan, path="approve/"))
    assert response.status_code == 200
    assert response.data["status"] == PlanStatus.APPROVED
    assert response.data["totals"]["total"] == 3
    assert _post(client, _url(plan, path="approve/")).data["detail"] == ["计划已于 2026-11-21 批准。"]

    response = _patch(client, _url(plan, target), {"total": 4})
    assert response.status_code == 400
    assert response.data["detail"] == ["计划已批准，调整指标须填写原因。"]
    assert PlanTarget.objects.get(pk=target.pk).total == 3
    assert not PlanChange.objects.exists()
    response = _patch(client, _url(plan, target), {"total": 4, "reason": "新增一名发展对象"})
    assert response.status_code == 200
    assert [(c["field"], c["before"], c["after"], c["reason"]) for c in response.data["changes"]] == [
        ("total", 3, 4, "新增一名发展对象")]
    assert response.data["changes"][0]["label"] == "发展党员总数"


def test_branch_secretary_proposes_for_their_branch_only(world, login, plan):
    target_a, target_b = _target(plan, world.branch_a), _target(plan, world.branch_b)
    client = login("shuji_a")
    assert client.get(_url(plan)).status_code == 404  # the academy's plan is outside the branch's scope
    assert client.get(_url(plan, target_a)).status_code == 200
    response = _post(client, _url(plan, target_a, "propose/"), {"total": 2, "women": 1, "activists": 4})
    assert response.status_code == 200, response.content
    assert response.data["proposed"] == {"total": 2, "women": 1, "activists": 4}
    assert response.data["total"] == 0  # the department's number stays its own
    assert _post(client, _url(plan, target_b, "propose/"), {"total": 1}).status_code == 404
    assert client.get(_url(plan, target_b)).status_code == 404
    response = _patch(client, _url(plan, target_a), {"total": 2})
    assert response.status_code == 403
    assert "院党组的组织部门" in response.data["detail"]
    assert PlanTarget.objects.get(pk=target_a.pk).total == 0
    assert _post(client, _url(plan, path="approve/")).status_code == 404

    client = login("shuji_b")
    assert _post(client, _url(plan, target_a, "propose/"), {"total": 9}).status_code == 404
    assert PlanTarget.objects.get(pk=target_a.pk).proposed == {"total": 2, "women": 1, "activists": 4}

    client = login("outsider")
    for path in ("", "targets/", "actual/"):
        assert client.get(_url(plan, path=path)).status_code == 404
    assert client.get(BASE).data["results"] == []

    plan_services.plan_approve(actor=world.zuzhibu, plan=plan)
    response = _post(login("shuji_a"), _url(plan, target_a, "propose/"), {"total": 5})
    assert response.status_code == 400
    assert response.data["detail"] == ["计划已批准，不再接受建议数。"]


def test_committee_member_reads_but_does_not_change(world, login, plan, institute_plan):
    target = _target(institute_plan, world.branch_a)
    client = login("dangwei")
    for path in ("", "targets/", "actual/"):
        assert client.get(_url(institute_plan, path=path)).status_code == 200, path
    assert client.get(_url(institute_plan, target)).status_code == 200
    assert [p["id"] for p in client.get(BASE).data["results"]] == [institute_plan.pk]
    assert client.get(_url(plan)).status_code == 404  # the academy's plan: above the institute
    assert _patch(client, _url(institute_plan, target), {"total": 1}).status_code == 403
    assert _post(client, _url(institute_plan, target, "propose/"), {"total": 1}).status_code == 403
    assert _post(client, _url(institute_plan, path="approve/")).status_code == 403
    assert _post(client, BASE, {"organization": world.institute.pk, "year": 2026}).status_code == 403
    institute_plan.refresh_from_db()
    assert institute_plan.status == PlanStatus.DRAFT
    assert RecruitmentPlan.objects.count() == 2
    assert PlanTarget.objects.get(pk=target.pk).numbers() == dict.fromkeys(target.numbers(), 0)
    assert PlanTarget.objects.get(pk=target.pk).proposed == {}
    assert login("dangyuan").get(BASE).status_code == 403


@pytest.mark.parametrize(("data", "key", "message"), [
    ({"total": -1}, "detail", "发展党员总数不能小于0。"),
    ({"total": 2, "high_knowledge": 3}, "detail", "高知群体（3）不能多于发展党员总数（2）。"),
    ({"total": 2, "bogus": 1}, "bogus", "未知字段。"),
    ({"total": "三"}, "total", None),
    ({"reason": "只写了原因"}, "non_field_errors", "请至少填写一项人数。"),
])
def test_bad_numbers_are_refused_and_nothing_saved(world, login, plan, data, key, message):
    target = _target(plan, world.branch_a)
    client = login("zuzhibu")
    response = _patch(client, _url(plan, target), data)
    assert response.status_code == 400
    if message:
        assert message in response.data[key]
    else:
        assert response.data[key]
    response = _post(login("shuji_a"), _url(plan, target, "propose/"), {k: v for k, v in data.items()
                                                                        if k != "reason"} or {})
    assert response.status_code == 400
    stored = PlanTarget.objects.get(pk=target.pk)
    assert stored.numbers() == dict.fromkeys(stored.numbers(), 0)
    assert stored.proposed == {}
    assert stored.proposed_on is None
    assert not PlanChange.objects.exists()


def test_a_group_above_a_total_set_earlier_is_refused(world, login, plan):
    target = _target(plan, world.branch_a)
    client = login("zuzhibu")
    assert _patch(client, _url(plan, target), {"total": 2}).status_code == 200
    response = _patch(client, _url(plan, target), {"women": 5})
    assert response.status_code == 400
    assert response.data["detail"] == ["女性（5）不能多于发展党员总数（2）。"]
    assert PlanTarget.objects.get(pk=target.pk).women == 0


def test_opening_a_plan_is_refused_with_reasons(world, login, plan):
    client = login("zuzhibu")
    response = _post(client, BASE, {"organization": world.root.pk, "year": 2027})
    assert response.status_code == 400
    assert response.data["detail"] == ["院党组 2027 年的计划已经建立。"]
    response = _post(client, BASE, {"organization": world.branch_a.pk, "year": 2030,
                                    "proposals_due_on": "2026-01-01"})
    assert response.status_code == 400
    assert response.data["detail"] == ["年度发展党员计划由党委或党总支制定。", "只能制定今年或明年的计划（2026 或 2027 年）。",
                                       "基层报送建议数的截止日期不能早于今天。"]
    assert _post(client, BASE, {"organization": world.root.pk, "year": 2026, "owner": 1}).data["owner"] \
        == ["未知字段。"]
    assert _post(login("outsider"), BASE, {"organization": world.institute.pk, "year": 2026}).status_code == 404
    assert _post(login("shuji_a"), BASE, {"organization": world.institute.pk, "year": 2026}).status_code == 404
    assert RecruitmentPlan.objects.count() == 1


def test_actual_rows_and_totals(world, login, plan):
    from recruitment.models import Pipeline, Stage
    from tests.factories import PersonFactory

    person = PersonFactory(organization=world.branch_b, name="钱发展")
    Pipeline.objects.create(person=person, organization=world.branch_b, applied_on=datetime.date(2024, 1, 10),
                            stage=Stage.CANDIDATE, activist_on=datetime.date(2024, 3, 1),
                            candidate_on=datetime.date(2025, 4, 1))
    plan_services.target_set(actor=world.zuzhibu, target=_target(plan, world.branch_a), numbers={"total": 2})
    client = login("zuzhibu")
    data = client.get(_url(plan, path="actual/")).data
    assert data["count"] == 3
    assert data["totals"]["targets"]["total"] == 2
    rows = {r["organization_name"]: r for r in data["results"]}
    assert rows["第二党支部"]["warnings"][0] == "有1名发展对象，但计划未安排发展名额。"
    assert rows["第一党支部"]["targets"]["total"] == 2
    warned = client.get(_url(plan, path="actual/"), {"warnings": "1"}).data
    assert warned["count"] == len([r for r in data["results"] if r["warnings"]])


def _add_branches(world, plan, n: int) -> None:
    for i in range(n):
        branch = make_org(world.institute, short_name=f"新建第{i}党支部")
        PlanTarget.objects.create(plan=plan, organization=branch, total=i, young=i // 2)


@pytest.mark.parametrize("path", ["targets/", "actual/"])
def test_lists_cost_the_same_queries_at_any_size(world, login, plan, path):
    client = login("zuzhibu")
    url = _url(plan, path=path)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _add_branches(world, plan, 10)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.data["count"] == 13
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_schema_documents_the_plan_endpoints(world, login):
    schema = login("admin").get("/api/schema/?format=json").json()
    for path in ("/api/v1/recruitment/plans/", "/api/v1/recruitment/plans/{id}/approve/",
                 "/api/v1/recruitment/plans/{id}/targets/{tid}/", "/api/v1/recruitment/plans/{id}/targets/{tid}/propose/",
                 "/api/v1/recruitment/plans/{id}/actual/"):
        assert path in schema["paths"], path
    assert "patch" in schema["paths"]["/api/v1/recruitment/plans/{id}/targets/{tid}/"]
