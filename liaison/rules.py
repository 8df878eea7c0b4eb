"""The liaison rule set (branches.RuleSet, domain "liaison"): who counts as 高知, who may be a 党内联系人, how
many people one liaison person keeps, how often they talk and how often the list is reviewed.

Seed 001 (《关于进一步做好在高知识群体和优秀青年教师中发展党员工作的实施意见》) gives the first version: 高知 are
people with postgraduate education or an associate-senior title and above; every 总支班子成员, 专职组织员 and
教师党支部书记 keeps in touch with 1–2 non-party 高知, so that nobody is left out (全覆盖无缝隙). How often they
talk and review is not fixed nationally (domain.md §5, [U]): quarterly talks and a yearly review are the defaults,
and every number here can be changed in the admin as a new version of the rule set."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.meetings import rules as meeting_rules
from branches.models import Organization, RuleDomain, RuleSet
from members.codes import Education, TitleLevel

from .models import LiaisonRole

# key -> meaning; every key must be present, each a whole number >= 0 (0 switches a check off).
NUMBERS: dict[str, Any] = {
    "pairs_min": _("每名联系人至少联系的人数（0为不要求）"),
    "pairs_max": _("每名联系人最多联系的人数"),
    "talk_interval_months": _("谈心谈话的最长间隔（月）"),
    "review_interval_months": _("定期梳理联系清单的间隔（月）"),
    "talk_notice_days": _("谈话到期前提醒的天数"),
}
LISTS: dict[str, tuple[Any, list[str]]] = {
    "high_knowledge_educations": (_("计为高知的学历"), [str(v) for v in Education.values]),
    "high_knowledge_title_levels": (_("计为高知的职称级别"), [str(v) for v in TitleLevel.values if v]),
    "liaison_roles": (_("可担任党内联系人的身份"), [str(v) for v in LiaisonRole.values]),
}

DEFAULT_PARAMETERS: dict[str, Any] = {
    "numbers": {"pairs_min": 1, "pairs_max": 2, "talk_interval_months": 3, "review_interval_months": 12,
                "talk_notice_days": 14},
    "high_knowledge_educations": [Education.DOCTORATE.value, Education.MASTER.value],
    "high_knowledge_title_levels": [TitleLevel.SENIOR.value, TitleLevel.ASSOCIATE_SENIOR.value],
    "liaison_roles": [LiaisonRole.COMMITTEE.value, LiaisonRole.GENERAL_BRANCH.value, LiaisonRole.ORGANIZER.value,
                      LiaisonRole.BRANCH_SECRETARY.value],
}


@dataclass(frozen=True)
class Rules:
    name: str
    numbers: Mapping[str, int]
    high_knowledge_educations: tuple[str, ...]
    high_knowledge_title_levels: tuple[str, ...]
    liaison_roles: tuple[str, ...]

    def n(self, key: str) -> int:
        return self.numbers[key]


def parse(rule_set: RuleSet) -> Rules:
    """The parameters of a liaison rule set, checked; ValidationError (Chinese, one message per problem)."""
    params = rule_set.parameters
    errors: list[str] = []
    if not isinstance(params, Mapping):
        raise ValidationError(gettext("参数必须是 JSON 对象。"))
    for key in sorted(set(params) - {"numbers", *LISTS}):
        errors.append(gettext("不认识的参数“%(key)s”。") % {"key": key})
    numbers = params.get("numbers")
    if not isinstance(numbers, Mapping):
        errors.append(gettext("“numbers”必须是 JSON 对象。"))
        numbers = {}
    for key in NUMBERS:
        value = numbers.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(gettext("“%(key)s”（%(meaning)s）必须是不小于0的整数。")
                          % {"key": key, "meaning": NUMBERS[key]})
    for key in sorted(set(numbers) - set(NUMBERS)):
        errors.append(gettext("不认识的数值“%(key)s”。") % {"key": key})
    if not errors and numbers["pairs_max"] < max(1, numbers["pairs_min"]):
        errors.append(gettext("每名联系人最多联系的人数不能少于1，也不能少于至少联系的人数。"))
    lists: dict[str, tuple[str, ...]] = {}
    for key, (meaning, allowed) in LISTS.items():
        value = params.get(key)
        if not isinstance(value, list) or any(str(v) not in allowed for v in value):
            errors.append(gettext("“%(key)s”（%(meaning)s）必须是列表，可用的值：%(allowed)s。")
                          % {"key": key, "meaning": meaning, "allowed": "、".join(allowed)})
            continue
        lists[key] = tuple(str(v) for v in value)
    if errors:
        raise ValidationError(errors)
    return Rules(name=rule_set.name, numbers=dict(numbers), **lists)


def validate(parameters: Any) -> None:
    """For the admin form: the parameters of a liaison rule set parse."""
    parse(RuleSet(domain=RuleDomain.LIAISON, name="-", effective_from=datetime.date.min, parameters=parameters))


def rule_sets() -> list[RuleSet]:
    return meeting_rules.rule_sets(RuleDomain.LIAISON)


def rules_for(*, organization: Organization, on: datetime.date, loaded: list[RuleSet] | None = None) -> Rules:
    """The liaison rules in force for the organization's type on the day; the defaults when none is."""
    rule = meeting_rules.pick(loaded if loaded is not None else rule_sets(), org_type=organization.org_type, on=on)
    if rule is None:
        return parse(RuleSet(name=gettext("默认规则"), parameters=DEFAULT_PARAMETERS))
    return parse(rule)


def current(on: datetime.date | None = None, *, loaded: list[RuleSet] | None = None) -> Rules:
    """The rules in force on the day for the whole tree (the latest rule set regardless of organization type):
    what the pool's 高知 filter and the review use."""
    from django.utils import timezone

    on = on or timezone.localdate()
    candidates = [r for r in (loaded if loaded is not None else rule_sets()) if r.effective_from <= on and (r.effective_to is None or r.effective_to >= on)]
    if not candidates:
        return parse(RuleSet(name=gettext("默认规则"), parameters=DEFAULT_PARAMETERS))
    return parse(max(candidates, key=lambda r: (r.effective_from, r.pk)))
