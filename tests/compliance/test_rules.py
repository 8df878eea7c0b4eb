"""Rule sets: the 2018 regulation as data, selection by date and organization type, parameter validation."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from branches.meetings.rules import requirements, rule_set_for, validate_parameters
from branches.models import OrgType, RuleDomain, RuleSet
from tests.factories import make_org

pytestmark = pytest.mark.django_db

D = datetime.date
NAME_2018 = "支部工作条例（试行）（2018）"


def test_the_data_migration_holds_the_2018_rules():
    rule = RuleSet.objects.get(domain=RuleDomain.MEETINGS, name=NAME_2018)
    assert rule.effective_from == D(2018, 10, 28)
    assert rule.effective_to is None
    assert set(rule.org_types) == {"branch", "joint_branch", "temporary_branch"}
    assert "本地通行做法" in rule.source
    assert "党课" in rule.source
    reqs = {(r.meeting_type, r.period): r for r in requirements(rule)}
    assert set(reqs) == {("committee", "month"), ("group", "month"), ("theme_day", "month"),
                         ("general_assembly", "quarter"), ("lecture", "quarter"), ("life_meeting", "year"),
                         ("appraisal", "year")}
    assert reqs[("committee", "month")].requires_committee
    assert reqs[("group", "month")].requires_party_groups
    assert rule.parameters["appraisal_excellent_max_ratio"] == "1/3"
    validate_parameters(rule.parameters)  # the shipped parameters are valid


def test_selection_by_date_and_org_type(world):
    assert rule_set_for(organization=world.branch_a, on=D(2018, 10, 27), domain=RuleDomain.MEETINGS) is None
    assert rule_set_for(organization=world.branch_a, on=D(2018, 10, 28), domain=RuleDomain.MEETINGS).name == NAME_2018
    # A committee (党委) is not a branch: no meetings rule set applies.
    assert rule_set_for(organization=world.institute, on=D(2026, 5, 1), domain=RuleDomain.MEETINGS) is None
    assert rule_set_for(organization=world.group_a, on=D(2026, 5, 1), domain=RuleDomain.MEETINGS) is None
    joint = make_org(world.institute, org_type=OrgType.JOINT_BRANCH)
    assert rule_set_for(organization=joint, on=D(2026, 5, 1), domain=RuleDomain.MEETINGS).name == NAME_2018
    # Another domain's lookup never returns the meetings rule set (recruitment has rule sets of its own).
    other = rule_set_for(organization=world.branch_a, on=D(2026, 5, 1), domain=RuleDomain.RECRUITMENT)
    assert other is None or other.domain == RuleDomain.RECRUITMENT


def test_a_later_revision_wins_after_its_date_for_its_types_only(world):
    old = RuleSet.objects.get(name=NAME_2018)
    new = RuleSet.objects.create(
        domain=RuleDomain.MEETINGS, name="修订版（2027）", effective_from=D(2027, 1, 1), org_types=["branch"],
        parameters={"requirements": [{"meeting_type": "committee", "period": "month", "count": 2}]},
    )
    assert rule_set_for(organization=world.branch_a, on=D(2026, 12, 31)) == old
    assert rule_set_for(organization=world.branch_a, on=D(2027, 1, 1)) == new
    joint = make_org(world.institute, org_type=OrgType.JOINT_BRANCH)
    assert rule_set_for(organization=joint, on=D(2027, 6, 1)) == old
    # An end date takes a set out of force; the older one applies again.
    new.effective_to = D(2027, 6, 30)
    new.save()
    assert rule_set_for(organization=world.branch_a, on=D(2027, 6, 30)) == new
    assert rule_set_for(organization=world.branch_a, on=D(2027, 7, 1)) == old


@pytest.mark.parametrize(("params", "fragment"), [
    ([], "JSON 对象"),
    ({"requirements": []}, "非空列表"),
    ({"requirements": [{"meeting_type": "party", "period": "month", "count": 1}]}, "会议类型“party”无效"),
    ({"requirements": [{"meeting_type": "committee", "period": "week", "count": 1}]}, "周期“week”无效"),
    ({"requirements": [{"meeting_type": "committee", "period": "month", "count": 0}]}, "不小于 1 的整数"),
    ({"requirements": [{"meeting_type": "committee", "period": "month", "count": 1, "requires_committee": "yes"}]},
     "true 或 false"),
    ({"requirements": [{"meeting_type": "committee", "period": "month"},
                       {"meeting_type": "committee", "period": "month"}]}, "重复"),
    ({"requirements": [{"meeting_type": "committee", "period": "month", "cnt": 1}]}, "不认识的字段“cnt”"),
    ({"requirements": [{"meeting_type": "committee", "period": "month"}], "appraisal_excellent_max_ratio": "3/2"},
     "0 到 1 之间"),
    ({"requirements": [{"meeting_type": "committee", "period": "month"}], "extra": 1}, "不认识的参数“extra”"),
])
def test_bad_parameters_get_a_clear_chinese_message(params, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_parameters(params)
    assert any(fragment in m for m in exc.value.messages), exc.value.messages


def test_the_admin_refuses_bad_parameters_and_saves_nothing(world, login):
    client = login("admin")
    before = RuleSet.objects.count()
    response = client.post("/admin/branches/ruleset/add/", {
        "domain": "meetings", "name": "坏规则", "effective_from": "2027-01-01", "org_types": '["branch"]',
        "parameters": '{"requirements": [{"meeting_type": "committee", "period": "week", "count": 1}]}',
        "source": "",
    })
    assert response.status_code == 200
    assert "周期“week”无效" in response.content.decode()
    assert RuleSet.objects.count() == before
    response = client.post("/admin/branches/ruleset/add/", {
        "domain": "meetings", "name": "修订版", "effective_from": "2027-01-01", "org_types": '["branch"]',
        "parameters": '{"requirements": [{"meeting_type": "committee", "period": "month", "count": 2}]}',
        "source": "依据",
    })
    assert response.status_code == 302
    assert RuleSet.objects.filter(name="修订版", org_types=["branch"]).exists()


def test_only_superusers_reach_the_rule_set_admin(world, login):
    assert login("zuzhibu").get("/admin/branches/ruleset/").status_code in (302, 403)
    assert login("admin").get("/admin/branches/ruleset/").status_code == 200
