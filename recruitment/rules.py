"""The recruitment rule set: the steps of developing a member and the numbers that bind them, as data.

A rule set (branches.RuleSet, domain "recruitment") holds in `parameters`:

- `numbers`: time limits, counts and switches (see NUMBERS for each key, its meaning and unit). A switch that
  is 0 is off (e.g. `activist_min_application_months`, a local addition).
- `steps`: the steps in order, each a dict with
  `code`, `number` (1–25, or null for records outside the 25 steps such as 思想汇报), `stage` (the stage the
  step belongs to), `name`, `actor` ("branch", "committee" or "applicant": who may record it), `actor_label`
  (who acts, as text), `record` (what is kept), `requires` (codes that must be recorded, passed, first),
  `repeatable`, `outcomes` (the outcomes the step may record; default only "passed"), `meeting_type` (the meeting the step is decided at, if any), `vote` (true for the 支部大会
  votes), and `limits`: a list of {"after": code, "param": number key, "unit": "months"|"days"|
  "working_days", "kind": "within"|"at_least"}; "within" limits are time limits (breaking one is recorded as a
  violation), "at_least" limits are preconditions (the step is refused until the time has passed).

The rule set in force for a step is the latest one of the domain effective on the step's date for the
organization's type (the same `pick` as meetings)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.meetings import rules as meeting_rules
from branches.models import Organization, RuleDomain, RuleSet

from .models import STAGE_ORDER, Outcome

# key -> (meaning, unit); every key must be present in a rule set's numbers.
NUMBERS: dict[str, tuple[Any, str]] = {
    "min_age": (_("申请入党的最低年龄"), "years"),
    "talk_within_months": (_("收到入党申请书后谈话的期限"), "months"),
    "activist_min_application_months": (_("递交申请满多久方可确定为积极分子（0为不限）"), "months"),
    "contacts_min": (_("培养联系人最少人数"), "count"),
    "contacts_max": (_("培养联系人最多人数"), "count"),
    "assessment_interval_months": (_("培养考察的间隔"), "months"),
    "candidate_after_activist_months": (_("列为积极分子满多久方可确定为发展对象"), "months"),
    "publicity_working_days": (_("确定发展对象前公示的工作日数（0为不公示）"), "working_days"),
    "sponsors_required": (_("入党介绍人人数"), "count"),
    "political_review_valid_months": (_("政审结论的有效期（0为不限）"), "months"),
    "training_min_days": (_("集中培训最少天数"), "days"),
    "training_min_hours": (_("集中培训最少学时"), "hours"),
    "vote_within_months_after_prereview": (_("预审后召开支部大会的期限（0为不限）"), "months"),
    "approval_months": (_("上级党委审批的期限"), "months"),
    "approval_max_months": (_("特殊情况下审批的最长期限"), "months"),
    "oath_within_months": (_("审批后入党宣誓的期限（0为不限）"), "months"),
    "probation_months": (_("预备期"), "months"),
    "extension_min_months": (_("延长预备期最短"), "months"),
    "extension_max_months": (_("延长预备期最长"), "months"),
    "extensions_max": (_("延长预备期的次数上限"), "count"),
    "conversion_approval_months": (_("转正审批的期限"), "months"),
    "probation_notice_days": (_("预备期满前提醒的天数"), "days"),
    "archive_within_days": (_("转正后材料归档的期限（0为不限）"), "days"),
}
ACTORS = ("branch", "committee", "applicant")
UNITS = ("months", "days", "working_days")


@dataclass(frozen=True)
class Limit:
    after: str
    param: str
    unit: str
    kind: str  # "within" or "at_least"


@dataclass(frozen=True)
class Step:
    code: str
    number: int | None
    stage: str
    name: str
    actor: str
    actor_label: str = ""
    record: str = ""
    requires: tuple[str, ...] = ()
    repeatable: bool = False
    meeting_type: str = ""
    vote: bool = False
    outcomes: tuple[str, ...] = ("passed",)
    limits: tuple[Limit, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.number}. {self.name}" if self.number else self.name


@dataclass(frozen=True)
class Rules:
    """A parsed rule set: its row, its numbers and its steps in order."""

    rule_set: RuleSet
    numbers: Mapping[str, int]
    steps: tuple[Step, ...]
    by_code: Mapping[str, Step] = field(default_factory=dict)

    def step(self, code: str) -> Step:
        return self.by_code[code]

    def n(self, key: str) -> int:
        return self.numbers[key]

    @property
    def name(self) -> str:
        return self.rule_set.name


def parse(rule_set: RuleSet) -> Rules:
    """The rule set's parameters as Rules; raises ValidationError (Chinese) when they are malformed."""
    params = rule_set.parameters or {}
    errors: list[str] = []
    numbers_in = params.get("numbers")
    steps_in = params.get("steps")
    if not isinstance(numbers_in, dict) or not isinstance(steps_in, list) or not steps_in:
        raise ValidationError(gettext("发展党员规则集的参数须包含 numbers（数值）和 steps（步骤）。"))
    numbers: dict[str, int] = {}
    for key in NUMBERS:
        value = numbers_in.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(gettext("数值“%(key)s”缺失或不是非负整数。") % {"key": key})
        else:
            numbers[key] = value
    steps: list[Step] = []
    codes: set[str] = set()
    for index, item in enumerate(steps_in, start=1):
        if not isinstance(item, dict) or not item.get("code") or not item.get("name"):
            errors.append(gettext("第%(n)d个步骤缺少 code 或 name。") % {"n": index})
            continue
        code = str(item["code"])
        if code in codes:
            errors.append(gettext("步骤代码“%(code)s”重复。") % {"code": code})
        stage, actor = item.get("stage"), item.get("actor", "branch")
        if stage not in STAGE_ORDER:
            errors.append(gettext("步骤“%(code)s”的阶段“%(stage)s”无效。") % {"code": code, "stage": stage})
        if actor not in ACTORS:
            errors.append(gettext("步骤“%(code)s”的经办方“%(actor)s”无效。") % {"code": code, "actor": actor})
        requires = tuple(item.get("requires", ()))
        for req in requires:
            if req not in codes:
                errors.append(gettext("步骤“%(code)s”要求的前置步骤“%(req)s”不存在或排在其后。")
                              % {"code": code, "req": req})
        limits = []
        for limit in item.get("limits", ()):
            after, param, unit, kind = limit.get("after"), limit.get("param"), limit.get("unit"), limit.get("kind")
            if after not in codes or param not in NUMBERS or unit not in UNITS or kind not in ("within", "at_least"):
                errors.append(gettext("步骤“%(code)s”的时限设置无效。") % {"code": code})
                continue
            limits.append(Limit(after, param, unit, kind))
        outcomes = tuple(item.get("outcomes") or ("passed",))
        if any(o not in Outcome.values for o in outcomes):
            errors.append(gettext("步骤“%(code)s”的结果选项无效。") % {"code": code})
        codes.add(code)
        steps.append(Step(
            code=code, number=item.get("number"), stage=stage, name=str(item["name"]), actor=actor,
            actor_label=str(item.get("actor_label", "")), record=str(item.get("record", "")), requires=requires,
            repeatable=bool(item.get("repeatable", False)), meeting_type=str(item.get("meeting_type", "")),
            vote=bool(item.get("vote", False)), outcomes=outcomes, limits=tuple(limits),
        ))
    if errors:
        raise ValidationError(errors)
    return Rules(rule_set=rule_set, numbers=numbers, steps=tuple(steps), by_code={s.code: s for s in steps})


def validate(parameters: Any) -> None:
    """For the admin form: the parameters of a recruitment rule set parse."""
    parse(RuleSet(domain=RuleDomain.RECRUITMENT, name="-", effective_from=datetime.date.min,
                  parameters=parameters))


def rule_sets() -> list[RuleSet]:
    return meeting_rules.rule_sets(RuleDomain.RECRUITMENT)


def rules_for(*, organization: Organization, on: datetime.date, loaded: list[RuleSet] | None = None
              ) -> Rules:
    """The recruitment rules in force for the organization's type on the day."""
    rule = meeting_rules.pick(loaded if loaded is not None else rule_sets(), org_type=organization.org_type,
                              on=on)
    if rule is None:
        raise ValidationError(gettext("%(date)s没有适用于该党组织的发展党员规则集，请联系系统管理员。")
                              % {"date": on.isoformat()})
    return _parsed(rule)


_CACHE: dict[tuple[int, str], Rules] = {}


def _parsed(rule: RuleSet) -> Rules:
    """Parsing is pure: keep the parsed steps and numbers by row and its last change (never the row itself,
    which callers may hold and change)."""
    key = (rule.pk, rule.updated_at.isoformat() if rule.updated_at else "")
    found = _CACHE.get(key)
    if found is None:
        found = _CACHE[key] = parse(rule)
    return Rules(rule_set=rule, numbers=found.numbers, steps=found.steps, by_code=found.by_code)
