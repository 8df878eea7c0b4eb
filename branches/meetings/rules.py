"""Which rule set governs an organization's meetings on a day, and what its parameters may hold.

Rule sets are rows (branches.models.RuleSet), edited in the Django admin. A revision of the rules is a new row
with a later `effective_from`; the latest one in force for the organization's type wins."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.models import MeetingType, Organization, RuleDomain, RuleSet

PERIODS: dict[str, Any] = {"month": _("每月"), "quarter": _("每季度"), "year": _("每年")}
PERIOD_ORDER = ("month", "quarter", "year")
CONDITIONS: dict[str, Any] = {
    "requires_committee": _("仅适用于设支部委员会的党支部"),
    "requires_party_groups": _("仅适用于设党小组的党支部"),
}


@dataclass(frozen=True)
class Requirement:
    meeting_type: str
    period: str
    count: int
    requires_committee: bool = False
    requires_party_groups: bool = False

    @property
    def label(self) -> str:
        return str(MeetingType(self.meeting_type).label)

    @property
    def period_label(self) -> str:
        return str(PERIODS[self.period])


def _in_force(rule: RuleSet, org_type: str, on: datetime.date) -> bool:
    if rule.effective_from > on or (rule.effective_to is not None and rule.effective_to < on):
        return False
    return not rule.org_types or org_type in rule.org_types


def pick(rules: Iterable[RuleSet], *, org_type: str, on: datetime.date) -> RuleSet | None:
    """From already loaded rule sets of one domain: the latest in force for the type on the day."""
    best: RuleSet | None = None
    for rule in rules:
        if _in_force(rule, org_type, on) and (
            best is None or (rule.effective_from, rule.pk) > (best.effective_from, best.pk)
        ):
            best = rule
    return best


def rule_sets(domain: str = RuleDomain.MEETINGS) -> list[RuleSet]:
    """Every rule set of a domain (a handful of rows: one query, then `pick` in memory)."""
    return list(RuleSet.objects.filter(domain=domain).order_by("effective_from", "pk"))


def rule_set_for(*, organization: Organization, on: datetime.date, domain: str = RuleDomain.MEETINGS
                 ) -> RuleSet | None:
    """The rule set in force for the organization's type on the day: the latest effective one, or None."""
    return pick(rule_sets(domain), org_type=organization.org_type, on=on)


def requirements(rule: RuleSet | None) -> list[Requirement]:
    """The meeting requirements of a (valid) rule set, in period order (month, quarter, year)."""
    if rule is None:
        return []
    result = [
        Requirement(
            meeting_type=item["meeting_type"], period=item["period"], count=int(item.get("count", 1)),
            requires_committee=bool(item.get("requires_committee", False)),
            requires_party_groups=bool(item.get("requires_party_groups", False)),
        )
        for item in (rule.parameters or {}).get("requirements", [])
    ]
    return sorted(result, key=lambda r: PERIOD_ORDER.index(r.period))


def validate_parameters(parameters: Any, *, domain: str = RuleDomain.MEETINGS) -> None:
    """Raise ValidationError (Chinese, one message per problem) unless the parameters are well formed."""
    if domain == RuleDomain.RECRUITMENT:
        from recruitment.rules import validate

        validate(parameters)
        return
    if domain == RuleDomain.LIAISON:
        from liaison.rules import validate as validate_liaison

        validate_liaison(parameters)
        return
    errors: list[str] = []
    if not isinstance(parameters, Mapping):
        raise ValidationError(gettext("参数必须是 JSON 对象，例如 {\"requirements\": [...]}。"))
    allowed_top = {"requirements", "appraisal_excellent_max_ratio"}
    for key in sorted(set(parameters) - allowed_top):
        errors.append(gettext("不认识的参数“%(key)s”。可用的参数：requirements、appraisal_excellent_max_ratio。")
                      % {"key": key})
    items = parameters.get("requirements")
    if not isinstance(items, list) or not items:
        errors.append(gettext("“requirements”必须是非空列表，每一项写明会议类型、周期和次数。"))
        items = []
    types = {str(v) for v in MeetingType.values}
    seen: set[tuple[str, str]] = set()
    allowed_item = {"meeting_type", "period", "count", "requires_committee", "requires_party_groups"}
    for n, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            errors.append(gettext("第 %(n)d 项要求必须是 JSON 对象。") % {"n": n})
            continue
        for key in sorted(set(item) - allowed_item):
            errors.append(gettext("第 %(n)d 项要求含有不认识的字段“%(key)s”。") % {"n": n, "key": key})
        mtype = item.get("meeting_type")
        if mtype not in types:
            errors.append(gettext("第 %(n)d 项要求的会议类型“%(value)s”无效，可用：%(choices)s。")
                          % {"n": n, "value": mtype, "choices": "、".join(sorted(types))})
        period = item.get("period")
        if period not in PERIODS:
            errors.append(gettext("第 %(n)d 项要求的周期“%(value)s”无效，只能是 month（每月）、quarter（每季度）或 year（每年）。")
                          % {"n": n, "value": period})
        count = item.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            errors.append(gettext("第 %(n)d 项要求的次数必须是不小于 1 的整数。") % {"n": n})
        for flag in ("requires_committee", "requires_party_groups"):
            if flag in item and not isinstance(item[flag], bool):
                errors.append(gettext("第 %(n)d 项要求的“%(key)s”必须是 true 或 false。") % {"n": n, "key": flag})
        if mtype in types and period in PERIODS:
            if (mtype, period) in seen:
                errors.append(gettext("第 %(n)d 项要求与前面的要求重复（同一会议类型和周期）。") % {"n": n})
            seen.add((mtype, period))
    ratio = parameters.get("appraisal_excellent_max_ratio")
    if ratio is not None:
        try:
            value = Fraction(str(ratio))
        except (ValueError, ZeroDivisionError):
            value = None
        if value is None or not 0 < value <= 1:
            errors.append(gettext("“appraisal_excellent_max_ratio”必须是 0 到 1 之间的比例，例如 \"1/3\"。"))
    if errors:
        raise ValidationError(errors)


def validate_org_types(org_types: Any) -> None:
    from branches.models import OrgType

    if not isinstance(org_types, list) or any(t not in OrgType.values for t in org_types):
        raise ValidationError(gettext("适用组织类别必须是列表，可用：%(choices)s；留空表示全部类别。")
                              % {"choices": "、".join(OrgType.values)})
