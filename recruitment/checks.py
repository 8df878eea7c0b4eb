"""The checks of the pipeline: may a step be recorded, which time limits does it break, what comes next.

Everything here is pure: it takes the pipeline, its recorded steps and the parsed rules and returns results
that explain themselves in Chinese, built from the rule's own wording and numbers ("确定为发展对象须在列为
入党积极分子满12个月后；还差37天"). The services refuse a step with any `fatal` problem and store the others
on the record as violations."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from branches.meetings.validation import motion_passes, quorum_reached
from members.codes import MemberCategory, PoliticalStatus

from .models import Outcome, Pipeline, PipelineStatus, Stage, StepRecord
from .rules import Limit, Rules, Step

CONVERSION_STEPS = ("conversion_request", "conversion_vote", "conversion_approval")
COMPLETED_OUTCOMES = (Outcome.PASSED, Outcome.EXTENDED, Outcome.CANCELLED)


@dataclass(frozen=True)
class Problem:
    message: str
    fatal: bool = True


@dataclass
class StepInput:
    """What a user records for a step (the form and the API build this and hand it to the service)."""

    step: str
    done_on: datetime.date
    outcome: str = Outcome.PASSED
    actor: str = ""
    conclusion: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    meeting: Any = None  # branches.Meeting
    vote: Any = None  # branches.Vote
    supporters: Sequence[Any] = ()  # members.Person, for contacts and sponsors


# ---- dates ---------------------------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day when it has no such day: 1-31 + 1 month = 2-28)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def shift(day: datetime.date, amount: int, unit: str, overrides: Mapping[datetime.date, bool] | None = None
          ) -> datetime.date:
    if unit == "months":
        return add_months(day, amount)
    if unit == "days":
        return day + datetime.timedelta(days=amount)
    current, left = day, amount
    while left > 0:
        current += datetime.timedelta(days=1)
        left -= is_workday(current, overrides)
    return current


def is_workday(day: datetime.date, overrides: Mapping[datetime.date, bool] | None = None) -> bool:
    """The official calendar (chinesecalendar: holidays and make-up workdays), corrected by local overrides;
    for a year the package does not know yet, Monday to Friday."""
    import chinese_calendar

    if overrides and day in overrides:
        return overrides[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def working_days(start: datetime.date, end: datetime.date,
                 overrides: Mapping[datetime.date, bool] | None = None) -> int:
    """Working days from `start` to `end`, both included."""
    count, day = 0, start
    while day <= end:
        count += is_workday(day, overrides)
        day += datetime.timedelta(days=1)
    return count


def _amount(n: int, unit: str) -> str:
    return {
        "months": gettext("%(n)d个月"), "days": gettext("%(n)d天"), "working_days": gettext("%(n)d个工作日"),
    }[unit] % {"n": n}


def _fmt(day: datetime.date) -> str:
    return gettext("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


# ---- the recorded history --------------------------------------------------------------------------------------


class History:
    """A pipeline's records, by step, in date order."""

    def __init__(self, records: Iterable[StepRecord]) -> None:
        self.records = sorted(records, key=lambda r: (r.done_on, r.pk or 0))
        self.by_step: dict[str, list[StepRecord]] = {}
        for record in self.records:
            self.by_step.setdefault(record.step, []).append(record)

    def done(self, code: str) -> list[StepRecord]:
        """Records of the step that completed it (passed; for the conversion steps also extended/cancelled)."""
        return [r for r in self.by_step.get(code, ()) if r.outcome in COMPLETED_OUTCOMES]

    def last(self, code: str) -> StepRecord | None:
        found = self.done(code)
        return found[-1] if found else None

    def extensions(self) -> int:
        return sum(r.outcome == Outcome.EXTENDED for r in self.done("conversion_approval"))

    def open_round(self, code: str) -> bool:
        """For the conversion steps: may the step be recorded again (a new round after an approved extension)?"""
        return len(self.done(code)) <= self.extensions()

    def is_done(self, code: str) -> bool:
        if code in CONVERSION_STEPS:
            return not self.open_round(code)
        return bool(self.done(code))


def _ref_date(history: History, pipeline: Pipeline, code: str) -> datetime.date | None:
    """The date a limit counts from: the step's latest record (the activist date for "activist")."""
    last = history.last(code)
    return last.done_on if last else None


def _limit_problem(limit: Limit, rules: Rules, step: Step, ref: datetime.date, done_on: datetime.date,
                   overrides: Mapping[datetime.date, bool] | None) -> Problem | None:
    n = rules.n(limit.param)
    if n <= 0:
        return None
    bound = shift(ref, n, limit.unit, overrides)
    before = rules.step(limit.after)
    if limit.kind == "at_least" and done_on < bound:
        return Problem(gettext("“%(step)s”须在“%(before)s”（%(ref)s）满%(amount)s后，即%(bound)s以后；还差%(left)d天。")
                       % {"step": step.name, "before": before.name, "ref": _fmt(ref), "amount": _amount(n, limit.unit),
                          "bound": _fmt(bound), "left": (bound - done_on).days})
    if limit.kind == "within" and done_on > bound:
        return Problem(gettext("“%(step)s”应在“%(before)s”（%(ref)s）后%(amount)s内完成，即%(bound)s以前；超期%(late)d天。")
                       % {"step": step.name, "before": before.name, "ref": _fmt(ref), "amount": _amount(n, limit.unit),
                          "bound": _fmt(bound), "late": (done_on - bound).days}, fatal=False)
    return None


# ---- may this step be recorded? --------------------------------------------------------------------------------


def check(*, pipeline: Pipeline, history: History, rules: Rules, data: StepInput, today: datetime.date,
          overrides: Mapping[datetime.date, bool] | None = None) -> list[Problem]:
    """Every problem with recording `data` now: fatal ones refuse it, the others are time limits it breaks."""
    if data.step not in rules.by_code:
        return [Problem(gettext("规则集“%(rules)s”中没有步骤“%(step)s”。") % {"rules": rules.name, "step": data.step})]
    step = rules.step(data.step)
    problems: list[Problem] = []
    if pipeline.status != PipelineStatus.ACTIVE:
        return [Problem(gettext("该发展党员纪实已%(status)s，不能再记录步骤。") % {"status": pipeline.get_status_display()})]
    if data.done_on > today:
        problems.append(Problem(gettext("“%(step)s”的日期%(date)s晚于今天，不能记录尚未发生的事项。")
                                % {"step": step.name, "date": _fmt(data.done_on)}))
    if data.outcome not in step.outcomes:
        problems.append(Problem(gettext("“%(step)s”的结果只能是：%(choices)s。") % {
            "step": step.name, "choices": "、".join(str(Outcome(o).label) for o in step.outcomes)}))
    if not step.repeatable and history.is_done(step.code):
        problems.append(Problem(gettext("“%(step)s”已经记录过了。") % {"step": step.label}))
    for code in step.requires:
        before = rules.step(code)
        last = history.last(code)
        if last is None or (code in CONVERSION_STEPS and history.open_round(code)):
            problems.append(Problem(gettext("须先完成“%(before)s”，才能记录“%(step)s”。")
                                    % {"before": before.label, "step": step.label}))
        elif data.done_on < last.done_on:
            problems.append(Problem(gettext("“%(step)s”的日期不能早于“%(before)s”（%(date)s）。")
                                    % {"step": step.name, "before": before.name, "date": _fmt(last.done_on)}))
    for limit in step.limits:
        ref = _ref_date(history, pipeline, limit.after)
        if ref is not None:
            problem = _limit_problem(limit, rules, step, ref, data.done_on, overrides)
            if problem:
                problems.append(problem)
    problems += _special(step, pipeline=pipeline, history=history, rules=rules, data=data, overrides=overrides)
    return problems


def _special(step: Step, *, pipeline: Pipeline, history: History, rules: Rules, data: StepInput,
             overrides: Mapping[datetime.date, bool] | None) -> list[Problem]:
    """The checks a step's code carries beyond order and time limits, with the rule set's numbers."""
    person = pipeline.person
    problems: list[Problem] = []
    code = step.code
    if code == "application":
        age_day = add_months(person.birth_date, 12 * rules.n("min_age"))
        if data.done_on < age_day:
            problems.append(Problem(gettext("申请入党须年满%(age)d周岁；%(name)s于%(date)s年满%(age)d周岁。")
                                    % {"age": rules.n("min_age"), "name": person.name, "date": _fmt(age_day)}))
        if person.political_status in PoliticalStatus.party():
            problems.append(Problem(gettext("%(name)s已是%(status)s，不能再申请入党。")
                                    % {"name": person.name, "status": person.get_political_status_display()}))
    elif code in ("contacts", "sponsors"):
        problems += _supporter_problems(code, person, rules, data)
    elif code == "candidate":
        days = rules.n("publicity_working_days")
        if days:
            problems += _publicity_problems(days, data, overrides)
    elif code == "training":
        problems += _training_problems(rules, data)
    elif step.vote:
        problems += _vote_problems(step, pipeline, history, rules, data)
    if code == "conversion_approval":
        vote = history.last("conversion_vote")
        if vote is not None and data.outcome != vote.outcome:
            problems.append(Problem(gettext("审批结果须与支部大会的决议（%(outcome)s）一致；不同意的，须重新提交支部大会讨论。")
                                    % {"outcome": vote.get_outcome_display()}))
    if step.meeting_type and data.meeting is not None:
        problems += _meeting_problems(step, pipeline, data)
    return problems


def _supporter_problems(code: str, person: Any, rules: Rules, data: StepInput) -> list[Problem]:
    problems: list[Problem] = []
    people = list(data.supporters)
    if code == "contacts":
        low, high = rules.n("contacts_min"), rules.n("contacts_max")
        if not low <= len(people) <= high:
            problems.append(Problem(gettext("培养联系人应为%(low)d至%(high)d名正式党员，现为%(n)d名。")
                                    % {"low": low, "high": high, "n": len(people)}))
    else:
        need = rules.n("sponsors_required")
        if len(people) != need:
            problems.append(Problem(gettext("入党介绍人应为%(need)d名正式党员，现为%(n)d名。")
                                    % {"need": need, "n": len(people)}))
    if len({p.pk for p in people}) != len(people):
        problems.append(Problem(gettext("同一人不能重复填写。")))
    role = gettext("培养联系人") if code == "contacts" else gettext("入党介绍人")
    for supporter in people:
        if supporter.pk == person.pk:
            problems.append(Problem(gettext("%(name)s不能担任自己的%(role)s。") % {"name": person.name, "role": role}))
            continue
        membership = supporter.membership_or_none
        if membership is None or membership.category != MemberCategory.FULL:
            problems.append(Problem(gettext("%(name)s不是正式党员，不能担任%(role)s。")
                                    % {"name": supporter.name, "role": role}))
        elif code == "sponsors" and not membership.has_vote:
            problems.append(Problem(gettext("%(name)s正在受留党察看处分或被停止党员权利，不能担任入党介绍人。")
                                    % {"name": supporter.name}))
    return problems


def _publicity_problems(days: int, data: StepInput, overrides: Mapping[datetime.date, bool] | None
                        ) -> list[Problem]:
    start, end = _date(data.details.get("publicity_from")), _date(data.details.get("publicity_to"))
    if start is None or end is None or end < start:
        return [Problem(gettext("确定发展对象前须公示不少于%(n)d个工作日，请填写公示的起止日期。") % {"n": days})]
    counted = working_days(start, end, overrides)
    problems = []
    if counted < days:
        problems.append(Problem(gettext("公示%(start)s至%(end)s只有%(counted)d个工作日，不少于%(n)d个工作日方可确定为发展对象。")
                                % {"start": _fmt(start), "end": _fmt(end), "counted": counted, "n": days}))
    if end >= data.done_on:
        problems.append(Problem(gettext("公示须在确定发展对象之前结束。")))
    return problems


def _training_problems(rules: Rules, data: StepInput) -> list[Problem]:
    days, hours = _decimal(data.details.get("days")), _decimal(data.details.get("class_hours"))
    if days is None and hours is None:
        return [Problem(gettext("请填写集中培训的天数或学时。"))]
    if (days or 0) >= rules.n("training_min_days") or (hours or 0) >= rules.n("training_min_hours"):
        return []
    return [Problem(gettext("集中培训不少于%(days)d天或%(hours)d学时，现为%(got_days)s天、%(got_hours)s学时。")
                    % {"days": rules.n("training_min_days"), "hours": rules.n("training_min_hours"),
                       "got_days": days or 0, "got_hours": hours or 0})]


def _vote_problems(step: Step, pipeline: Pipeline, history: History, rules: Rules, data: StepInput
                   ) -> list[Problem]:
    vote = data.vote
    if vote is None:
        return [Problem(gettext("请选择支部党员大会对%(name)s的表决记录（先在组织生活中记录这次支部党员大会和表决）。")
                        % {"name": pipeline.person.name})]
    problems: list[Problem] = []
    meeting = vote.meeting
    held_on = held_on_date(meeting)
    if meeting.organization_id != pipeline.organization_id or meeting.meeting_type != step.meeting_type:
        problems.append(Problem(gettext("表决须是本支部支部党员大会上的表决。")))
    if vote.candidate_id != pipeline.person_id:
        problems.append(Problem(gettext("所选表决的表决对象不是%(name)s。") % {"name": pipeline.person.name}))
    if held_on != data.done_on:
        problems.append(Problem(gettext("步骤日期应为支部党员大会召开的日期%(date)s。") % {"date": _fmt(held_on)}))
    if not quorum_reached(expected=vote.expected, present=vote.present):
        problems.append(Problem(gettext("支部党员大会应到有表决权的正式党员%(e)d名、实到%(p)d名，未超过半数，会议无效。")
                                % {"e": vote.expected, "p": vote.present}))
    elif not motion_passes(expected=vote.expected, yes=vote.yes, written_yes=vote.written_yes):
        problems.append(Problem(gettext("赞成票%(y)d张（含书面意见%(w)d份），未超过应到会有表决权的正式党员%(e)d名的半数，决议未通过。")
                                % {"y": vote.yes + vote.written_yes, "w": vote.written_yes, "e": vote.expected}))
    if step.code == "admission_vote":
        valid = rules.n("political_review_valid_months")
        review = history.last("political_review")
        if valid and review is not None and add_months(review.done_on, valid) < data.done_on:
            problems.append(Problem(gettext("政审结论（%(date)s）已超过%(n)d个月的有效期，须重新政审。")
                                    % {"date": _fmt(review.done_on), "n": valid}))
    if step.code == "conversion_vote":
        ends = pipeline.probation_ends_on
        if ends is not None and data.done_on < ends:
            problems.append(Problem(gettext("预备期至%(date)s届满，届满后方可讨论转正；还差%(left)d天。")
                                    % {"date": _fmt(ends), "left": (ends - data.done_on).days}))
        if data.outcome == Outcome.EXTENDED:
            months = data.details.get("extension_months")
            low, high = rules.n("extension_min_months"), rules.n("extension_max_months")
            if history.extensions() >= rules.n("extensions_max"):
                problems.append(Problem(gettext("预备期只能延长%(n)d次，已经延长过。") % {"n": rules.n("extensions_max")}))
            if not isinstance(months, int) or not low <= months <= high:
                problems.append(Problem(gettext("延长预备期的时间不少于%(low)d个月、最长不超过%(high)d个月。")
                                        % {"low": low, "high": high}))
    return problems


def _meeting_problems(step: Step, pipeline: Pipeline, data: StepInput) -> list[Problem]:
    meeting = data.meeting
    if meeting.organization_id != pipeline.organization_id or meeting.meeting_type != step.meeting_type:
        return [Problem(gettext("所选会议记录不是本支部的%(type)s。") % {"type": meeting.get_meeting_type_display()})]
    if held_on_date(meeting) != data.done_on:
        return [Problem(gettext("步骤日期应为会议召开的日期%(date)s。") % {"date": _fmt(held_on_date(meeting))})]
    return []


def held_on_date(meeting: Any) -> datetime.date:
    return timezone.localtime(meeting.held_at).date()


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return result if result >= 0 else None


# ---- what comes next -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Next:
    """An open step: when it may be done at the earliest, when it is due, and what blocks it."""

    step: Step
    earliest_on: datetime.date | None
    due_on: datetime.date | None
    blockers: tuple[str, ...]

    def overdue(self, today: datetime.date) -> bool:
        return self.due_on is not None and self.due_on < today


def next_steps(*, pipeline: Pipeline, history: History, rules: Rules, today: datetime.date,
               overrides: Mapping[datetime.date, bool] | None = None) -> list[Next]:
    """The open steps of an active pipeline in rule order: those whose predecessors are done and which are not
    done themselves, plus the periodic assessment of the current stage."""
    if pipeline.status != PipelineStatus.ACTIVE:
        return []
    result: list[Next] = []
    for step in rules.steps:
        if step.repeatable:
            periodic = _periodic(step, pipeline, history, rules)
            if periodic is not None:
                result.append(periodic)
            continue
        if history.is_done(step.code):
            continue
        if any(not history.is_done(code) for code in step.requires):
            continue
        earliest, due, blockers = None, None, []
        for limit in step.limits:
            ref = _ref_date(history, pipeline, limit.after)
            n = rules.n(limit.param)
            if ref is None or n <= 0:
                continue
            bound = shift(ref, n, limit.unit, overrides)
            if limit.kind == "at_least":
                earliest = max(earliest or bound, bound)
                if bound > today:
                    blockers.append(gettext("须在“%(before)s”满%(amount)s后，即%(bound)s以后；还差%(left)d天")
                                    % {"before": rules.step(limit.after).name, "amount": _amount(n, limit.unit),
                                       "bound": _fmt(bound), "left": (bound - today).days})
            else:
                due = min(due or bound, bound)
        if step.code in ("conversion_request", "conversion_vote") and pipeline.probation_ends_on:
            if step.code == "conversion_request":
                due = pipeline.probation_ends_on
            else:
                earliest = pipeline.probation_ends_on
                if earliest > today:
                    blockers.append(gettext("预备期至%(date)s届满；还差%(left)d天")
                                    % {"date": _fmt(earliest), "left": (earliest - today).days})
        result.append(Next(step, earliest, due, tuple(blockers)))
    return result


_PERIODIC_STAGES = {"assessment": (Stage.ACTIVIST, Stage.CANDIDATE), "probation_assessment": (Stage.PROBATIONARY,)}


def _periodic(step: Step, pipeline: Pipeline, history: History, rules: Rules) -> Next | None:
    """The half-yearly assessment (考察) of activists and candidates, and of probationary members."""
    stages = _PERIODIC_STAGES.get(step.code)
    if not stages or pipeline.stage not in stages or not all(history.is_done(c) for c in step.requires):
        return None
    last = history.last(step.code)
    start = pipeline.approved_on if step.code == "probation_assessment" else pipeline.activist_on
    ref = last.done_on if last else start
    if ref is None:
        return None
    return Next(step, None, add_months(ref, rules.n("assessment_interval_months")), ())


def missing_records(*, pipeline: Pipeline, history: History, rules: Rules) -> list[Step]:
    """Completeness of the file: the numbered steps of the stages reached that have no record."""
    reached = STAGE_ORDER_INDEX[pipeline.stage]
    return [s for s in rules.steps if s.number and STAGE_ORDER_INDEX[s.stage] < reached
            and not history.done(s.code)]


STAGE_ORDER_INDEX = {stage: i for i, stage in enumerate(Stage.values)}
