"""Reads of the development pipeline, already scoped through the permission module.

Who sees a pipeline: anyone with VIEW_PEOPLE or MANAGE_RECRUITMENT over its branch (a 党委委员 sees the
pipelines of the branches under the committee). Who records: see recruitment.services.can_record."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches import permissions
from branches.models import Meeting, MeetingType, Organization, OrgType, RuleSet, Vote
from branches.permissions import Capability
from branches.selectors import covers_whole_tree
from members.codes import MemberCategory, PoliticalStatus
from members.models import Person

from . import checks
from . import rules as rules_mod
from .checks import History, add_months, next_steps
from .models import (
    Outcome,
    Pipeline,
    PipelineStatus,
    PipelineSummary,
    Stage,
    StepAttachment,
    StepRecord,
    Supporter,
)

VIEW_CAPABILITIES = (Capability.VIEW_PEOPLE, Capability.MANAGE_RECRUITMENT)


def _view_q(user: Any, prefix: str = "organization__") -> Q | None:
    """None: no restriction (superuser); else the union of the subtrees where the user may view pipelines."""
    if permissions.scope_for(user).is_superuser or any(covers_whole_tree(user, cap) for cap in VIEW_CAPABILITIES):
        return None
    q = Q(pk__in=[])
    for cap in VIEW_CAPABILITIES:
        q |= permissions.path_q(user, cap, prefix=prefix) or Q()
    return q


def pipeline_scope(*, user: Any) -> QuerySet[Pipeline]:
    """Every pipeline the user may see, with person and branch loaded."""
    qs = Pipeline.objects.select_related("person", "organization")
    q = _view_q(user)
    return qs if q is None else qs.filter(q)


def can_view(user: Any, organization: Any) -> bool:
    return any(permissions.has_capability(user, organization, cap) for cap in VIEW_CAPABILITIES)


def pipeline_get(*, user: Any, pk: Any) -> Pipeline:
    """404 outside the user's scope, 403 in scope without a capability to view pipelines."""
    try:
        pipeline = Pipeline.objects.select_related("person", "organization").get(pk=pk)
    except (Pipeline.DoesNotExist, ValueError, TypeError):
        raise Http404
    if not permissions.in_scope(user, pipeline.organization):
        raise Http404
    if not can_view(user, pipeline.organization):
        raise PermissionDenied(gettext("您没有查看发展党员工作的权限。"))
    return pipeline


# ---- the committee: counts per stage, stuck pipelines, violations, committee steps -----------------------------
# The committee pages are for committee-level roles (党委委员, 党委书记, 组织部, system administrator) that may view
# pipelines; a branch's secretary sees the same facts for the branch on its board. Everything below is a fixed
# number of queries at any number of pipelines.

COUNT_COLUMNS = ("applicant", "activist", "candidate", "probationary", "full", "ended", "active", "stuck",
                 "violations", "pending")
OVERVIEW_SORTS = ("name", *COUNT_COLUMNS)


def is_committee_viewer(user: Any) -> bool:
    return permissions.is_committee_user(user) and any(
        permissions.has_capability_anywhere(user, cap) for cap in VIEW_CAPABILITIES)


def require_committee_viewer(user: Any) -> None:
    """403 for everyone but committee-level users who may view pipelines."""
    if not is_committee_viewer(user):
        raise PermissionDenied(gettext("发展党员工作总览供党委和组织部门查看；党支部请使用本支部的发展党员工作台。"))


def _count_aggregates(on: datetime.date, committee_codes: list[str]) -> dict[str, Any]:
    active = Q(status=PipelineStatus.ACTIVE)
    return {
        "applicant": Count("pk", filter=active & Q(stage=Stage.APPLICANT)),
        "activist": Count("pk", filter=active & Q(stage=Stage.ACTIVIST)),
        "candidate": Count("pk", filter=active & Q(stage=Stage.CANDIDATE)),
        "probationary": Count("pk", filter=active & Q(stage=Stage.PROBATIONARY)),
        "full": Count("pk", filter=Q(stage=Stage.FULL, status__in=[PipelineStatus.ACTIVE, PipelineStatus.COMPLETED])),
        "ended": Count("pk", filter=Q(status__in=[PipelineStatus.STOPPED, PipelineStatus.CANCELLED])),
        "active": Count("pk", filter=active),
        # Past a time limit now (the stored earliest due date of the open steps), as on the stuck list.
        "stuck": Count("pk", filter=active & Q(next_due_on__lt=on)),
        "violations": Coalesce(Sum("violation_count"), 0),
        # Waiting for the committee above the branch (预审, 谈话, 审批, 备案, 转正审批).
        "pending": Count("pk", filter=active & Q(next_step__in=committee_codes)),
    }


def _q_org_name(qs: QuerySet, q: str, prefix: str = "organization__") -> QuerySet:
    if not q:
        return qs
    return qs.filter(Q(**{f"{prefix}name__icontains": q}) | Q(**{f"{prefix}short_name__icontains": q}))


def stage_summaries(*, user: Any, q: str = "", on: datetime.date | None = None) -> QuerySet[PipelineSummary]:
    """The PipelineSummary rows of the branches in scope with pipelines, filtered by branch name (`q`); the
    summaries missing or not from `on` are refreshed first (recruitment.summaries.ensure_current). Aggregating
    every pipeline of the academy on each request was the committee overview's main cost."""
    from . import summaries

    on = on or timezone.localdate()
    summaries.ensure_current(on=on)
    qs = _q_org_name(PipelineSummary.objects.filter(total__gt=0), q)
    summary_scope = _view_q(user)
    return qs if summary_scope is None else qs.filter(summary_scope)


def stage_rows(summaries_qs: QuerySet[PipelineSummary], sort: str = "name") -> QuerySet[PipelineSummary]:
    """One row per summary (dicts: organization_id, organization__path, organization__name,
    organization__short_name and a number per COUNT_COLUMNS): active pipelines at each stage, those who became
    full members, those ended, those past a time limit, the records that broke one, those waiting for the
    committee. `sort` is one of OVERVIEW_SORTS, "-" for descending, ties in tree order."""
    key = sort.lstrip("-") if sort.lstrip("-") in OVERVIEW_SORTS else "name"
    desc = "-" if sort.startswith("-") else ""
    order = [f"{desc}organization__path"] if key == "name" else [f"{desc}{key}", "organization__path"]
    return summaries_qs.order_by(*order).values("organization_id", "organization__path", "organization__name",
                                                "organization__short_name", *COUNT_COLUMNS)


def stage_counts(*, user: Any, q: str = "", sort: str = "name", on: datetime.date | None = None
                 ) -> QuerySet[PipelineSummary]:
    """stage_rows of stage_summaries: the committee overview's rows."""
    return stage_rows(stage_summaries(user=user, q=q, on=on), sort)


def stage_totals(summaries_qs: QuerySet[PipelineSummary]) -> dict[str, int]:
    """The sum of each of COUNT_COLUMNS over stage_summaries, and their number as `branches` (one aggregate over
    the summary table alone: the rows' names are not needed for it)."""
    return summaries_qs.order_by().aggregate(branches=Count("pk"),
                                             **{key: Coalesce(Sum(key), 0) for key in COUNT_COLUMNS})


def stuck(*, user: Any, on: datetime.date, q: str = "") -> QuerySet[Pipeline]:
    """Active pipelines with a step past its time limit (the stored next_due_on is before `on`), oldest first."""
    qs = pipeline_scope(user=user).filter(status=PipelineStatus.ACTIVE, next_due_on__lt=on)
    return _q_org_name(qs, q).order_by("next_due_on", "pk")


@dataclass(frozen=True)
class StuckRow:
    pipeline: Pipeline
    overdue_steps: tuple[str, ...]  # labels of the open steps past their limit
    days: int  # days since the earliest limit passed


def stuck_rows(pipelines: Iterable[Pipeline], *, on: datetime.date) -> list[StuckRow]:
    """The overdue steps of a page of stuck pipelines: one query for their steps, one for the rule sets."""
    pipelines = list(pipelines)
    by_pipeline: dict[int, list[StepRecord]] = {p.pk: [] for p in pipelines}
    for record in StepRecord.objects.filter(pipeline__in=pipelines):
        by_pipeline[record.pipeline_id].append(record)
    loaded = rules_mod.rule_sets()
    rows = []
    for pipeline in pipelines:
        labels: list[str] = []
        try:
            rules = rules_mod.rules_for(organization=pipeline.organization, on=on, loaded=loaded)
        except ValidationError:  # no rule set in force: the stored step code is shown
            rules = None
        if rules is not None:
            for item in next_steps(pipeline=pipeline, history=History(by_pipeline[pipeline.pk]), rules=rules,
                                   today=on):
                if item.overdue(on):
                    labels.append(gettext("%(step)s（期限%(date)s）") % {"step": item.step.label,
                                                                     "date": item.due_on.isoformat()})
        if not labels:
            labels.append(step_label(pipeline.next_step, pipeline=pipeline, loaded=loaded, on=on))
        days = (on - pipeline.next_due_on).days if pipeline.next_due_on else 0
        rows.append(StuckRow(pipeline, tuple(labels), days))
    return rows


def step_label(code: str, *, pipeline: Pipeline | None = None, rule_set: RuleSet | None = None,
               loaded: list[RuleSet] | None = None, on: datetime.date | None = None) -> str:
    """"7. 确定发展对象" for a step code, from the record's rule set or the one in force for the pipeline."""
    if not code:
        return ""
    try:
        if rule_set is not None:
            rules = rules_mod._parsed(rule_set)
        else:
            rules = rules_mod.rules_for(organization=pipeline.organization, on=on or timezone.localdate(),
                                        loaded=loaded)
    except ValidationError:
        return code
    step = rules.by_code.get(code)
    return step.label if step else code


def violations(*, user: Any, q: str = "") -> QuerySet[StepRecord]:
    """Recorded steps that broke a time limit, newest first, each with its explanation (`violations`)."""
    qs = (StepRecord.objects.exclude(violations=[])
          .select_related("pipeline__person", "pipeline__organization", "rule_set")
          .order_by("-done_on", "-pk"))
    scope = _view_q(user, prefix="pipeline__organization__")
    if scope is not None:
        qs = qs.filter(scope)
    return _q_org_name(qs, q, prefix="pipeline__organization__")


def committee_step_codes(loaded: list[RuleSet] | None = None) -> list[str]:
    """The codes of the steps a committee records (预审, 谈话, 审批, 备案, 转正审批) in any rule set."""
    codes: list[str] = []
    for rule_set in loaded if loaded is not None else rules_mod.rule_sets():
        try:
            steps = rules_mod._parsed(rule_set).steps
        except ValidationError:
            continue
        codes += [s.code for s in steps if s.actor == "committee" and s.code not in codes]
    return codes


def recordable_q(user: Any) -> Q | None:
    """Pipelines whose committee steps the user may record: MANAGE_RECRUITMENT over the committee above the branch
    (see services.can_record), i.e. over a subtree that holds the branch and is not the branch itself."""
    scope = permissions.scope_for(user)
    if scope.is_superuser:
        return None
    q = Q(pk__in=[])
    for root in scope.paths(Capability.MANAGE_RECRUITMENT):
        q |= Q(organization__path__startswith=root) & ~Q(organization__path=root)
    return q


def committee_pending(*, user: Any, q: str = "", loaded: list[RuleSet] | None = None) -> QuerySet[Pipeline]:
    """Active pipelines waiting for a step the user's committee records, oldest due first."""
    qs = Pipeline.objects.select_related("person", "organization").filter(
        status=PipelineStatus.ACTIVE, next_step__in=committee_step_codes(loaded))
    scope = recordable_q(user)
    if scope is not None:
        qs = qs.filter(scope)
    return _q_org_name(qs, q).order_by("next_due_on", "pk")


def can_record_committee_steps(user: Any) -> bool:
    return permissions.has_capability_anywhere(user, Capability.MANAGE_RECRUITMENT) and (
        permissions.scope_for(user).is_superuser or permissions.is_committee_user(user))


# ---- due lists (branch board, committee page, reminders) -------------------------------------------------------

DUE_KINDS = {
    "talk": _("谈话"),
    "assessment": _("培养考察"),
    "probation": _("预备期满"),
    "approval": _("上级党委审批"),
}


def due_lead_days() -> int:
    """How many days before a talk or an assessment falls due it is listed (settings.PORTAL_RECRUITMENT_REMINDERS)."""
    return int(getattr(settings, "PORTAL_RECRUITMENT_REMINDERS", {}).get("lead_days", 14))


@dataclass(frozen=True)
class DueItem:
    kind: str  # a key of DUE_KINDS
    pipeline: Pipeline
    due_on: datetime.date
    title: str  # what is due, in Chinese, with the dates
    for_committee: bool  # the committee acts (approvals), else the branch
    overdue: bool

    @property
    def kind_label(self) -> str:
        return str(DUE_KINDS[self.kind])


def due_items(*, user: Any, organization: Organization | None = None, on: datetime.date | None = None,
              kinds: Iterable[str] | None = None) -> list[DueItem]:
    """What is due in the user's scope (within `organization`'s subtree if given): talks due, assessments due,
    probation ending within the rule set's probation_notice_days, approvals pending beyond their limit.
    Sorted by due date; a fixed number of queries."""
    base = pipeline_scope(user=user)
    if organization is not None:
        base = base.filter(organization__path__startswith=organization.path)
    return compute_due(base, on=on or timezone.localdate(), kinds=kinds)


def compute_due(base: QuerySet[Pipeline], *, on: datetime.date, kinds: Iterable[str] | None = None
                ) -> list[DueItem]:
    """The due items of the pipelines of `base` (already scoped by the caller; the reminders pass them all)."""
    kinds = set(kinds or DUE_KINDS)
    loaded = rules_mod.rule_sets()
    lead = on + datetime.timedelta(days=due_lead_days())
    active = base.filter(status=PipelineStatus.ACTIVE).select_related("person", "organization")
    items: list[DueItem] = []

    def rules_of(pipeline: Pipeline) -> rules_mod.Rules | None:
        try:
            return rules_mod.rules_for(organization=pipeline.organization, on=on, loaded=loaded)
        except ValidationError:
            return None

    def add(kind: str, pipeline: Pipeline, due: datetime.date, title: str, committee: bool = False) -> None:
        items.append(DueItem(kind, pipeline, due, title, committee, due < on))

    if "talk" in kinds:
        for p in active.filter(next_step="talk", next_due_on__lte=lead):
            add("talk", p, p.next_due_on, gettext("与%(name)s谈话（收到入党申请书%(applied)s，应于%(due)s前谈话）")
                % {"name": p.person.name, "applied": p.applied_on.isoformat(), "due": p.next_due_on.isoformat()})
    if "assessment" in kinds:
        for p in active.filter(assessment_due_on__lte=lead):
            add("assessment", p, p.assessment_due_on, gettext("对%(name)s（%(stage)s）的培养考察，应于%(due)s前完成")
                % {"name": p.person.name, "stage": p.get_stage_display(), "due": p.assessment_due_on.isoformat()})
    if "probation" in kinds:
        notice = max((rules_mod._parsed(r).n("probation_notice_days") for r in loaded), default=0)
        for p in (active.filter(stage=Stage.PROBATIONARY,
                                probation_ends_on__lte=on + datetime.timedelta(days=notice))
                  .exclude(next_step="conversion_approval")):
            rules = rules_of(p)
            if rules is None or p.probation_ends_on > on + datetime.timedelta(days=rules.n("probation_notice_days")):
                continue
            add("probation", p, p.probation_ends_on, gettext("%(name)s的预备期于%(due)s届满，须讨论转正")
                % {"name": p.person.name, "due": p.probation_ends_on.isoformat()})
    if "approval" in kinds:
        for p in active.filter(admitted_on__isnull=False, approved_on__isnull=True):
            rules = rules_of(p)
            if rules is None:
                continue
            due = add_months(p.admitted_on, rules.n("approval_months"))
            if due < on:
                add("approval", p, due, gettext("接收%(name)s为预备党员的审批已超过%(n)d个月期限（支部大会%(voted)s通过，"
                                                 "应于%(due)s前审批）")
                    % {"name": p.person.name, "n": rules.n("approval_months"), "voted": p.admitted_on.isoformat(),
                       "due": due.isoformat()}, committee=True)
        voted = (StepRecord.objects.filter(pipeline=OuterRef("pk"), step="conversion_vote",
                                           outcome__in=[Outcome.PASSED, Outcome.EXTENDED, Outcome.CANCELLED])
                 .order_by("-done_on", "-pk").values("done_on")[:1])
        for p in active.filter(next_step="conversion_approval").annotate(voted_on=Subquery(voted)):
            rules = rules_of(p)
            if rules is None or p.voted_on is None:
                continue
            due = add_months(p.voted_on, rules.n("conversion_approval_months"))
            if due < on:
                add("approval", p, due, gettext("%(name)s的转正审批已超过%(n)d个月期限（支部大会%(voted)s讨论，"
                                                 "应于%(due)s前审批）")
                    % {"name": p.person.name, "n": rules.n("conversion_approval_months"),
                       "voted": p.voted_on.isoformat(), "due": due.isoformat()}, committee=True)
    items.sort(key=lambda i: (i.due_on, i.pipeline.organization.path, i.pipeline.pk, i.kind))
    return items


# ---- the branch board and a person's record (全程纪实) -----------------------------------------------------

DETAIL_LABELS = {
    "days": _("培训天数"), "class_hours": _("学时"), "title": _("培训名称"), "organizer": _("举办单位"),
    "starts_on": _("培训开始日期"), "publicity_from": _("公示开始"), "publicity_to": _("公示结束"),
    "extension_months": _("延长预备期（月）"),
}


def viewable_branches(*, user: Any) -> QuerySet[Organization]:
    """Open branches where the user may see pipelines, in tree order (the board's organization filter)."""
    qs = Organization.objects.filter(closed_on__isnull=True, org_type__in=OrgType.branch_types()).order_by("path")
    q = _view_q(user, prefix="")
    return qs if q is None else qs.filter(q)


def recruiting_branches(*, user: Any) -> QuerySet[Organization]:
    """Open branches where the user may open a pipeline (MANAGE_RECRUITMENT)."""
    return (permissions.orgs_with(user, Capability.MANAGE_RECRUITMENT)
            .filter(closed_on__isnull=True, org_type__in=OrgType.branch_types()).order_by("path"))


@dataclass(frozen=True)
class Card:
    """A pipeline on the board: its next step (the first open one of the 25, else a periodic assessment),
    when that is due, what blocks it, and how many time limits its records broke."""

    pipeline: Pipeline
    next: checks.Next | None
    periodic: tuple[checks.Next, ...]
    violations: int
    overdue: bool
    rules_missing: bool = False
    branch_next: checks.Next | None = None  # when `next` waits for the committee: the branch's own next step

    @property
    def waits_for_committee(self) -> bool:
        return self.next is not None and self.next.step.actor == "committee"


def pipeline_board(*, user: Any, organization: Organization | None = None, stage: str = "",
                   overdue: bool = False, q: str = "", status: str = PipelineStatus.ACTIVE,
                   limit: int = 400) -> tuple[list[Card], bool]:
    """The board's cards and whether more pipelines matched than `limit`. Three queries at any size: the
    rule sets, the pipelines (with person and branch) and their steps; next steps are computed in Python."""
    today = timezone.localdate()
    qs = pipeline_scope(user=user).filter(status=status)
    if organization is not None:
        qs = qs.filter(organization__path__startswith=organization.path)
    if stage:
        qs = qs.filter(stage=stage)
    if overdue:
        qs = qs.filter(next_due_on__lt=today)
    if q:
        qs = qs.filter(person__name__icontains=q)
    qs = qs.order_by("applied_on", "pk").prefetch_related(
        Prefetch("steps", queryset=StepRecord.objects.only("pk", "pipeline_id", "step", "done_on", "outcome",
                                                            "violations")))
    loaded = rules_mod.rule_sets()
    pipelines = list(qs[:limit + 1])
    more = len(pipelines) > limit
    cards = [_card(p, loaded, today) for p in pipelines[:limit]]
    return cards, more


def _card(pipeline: Pipeline, loaded: list, today: datetime.date) -> Card:
    records = list(pipeline.steps.all())
    violations = sum(len(r.violations or ()) for r in records)
    try:
        rules = rules_mod.rules_for(organization=pipeline.organization, on=today, loaded=loaded)
    except ValidationError:
        return Card(pipeline, None, (), violations, False, rules_missing=True)
    open_steps = checks.next_steps(pipeline=pipeline, history=checks.History(records), rules=rules, today=today)
    fixed = [n for n in open_steps if not n.step.repeatable]
    periodic = tuple(n for n in open_steps if n.step.repeatable)
    first = fixed[0] if fixed else (periodic[0] if periodic else None)
    overdue = any(n.overdue(today) for n in open_steps)
    branch_next = None
    if first is not None and first.step.actor == "committee":
        branch_next = next((n for n in fixed if n.step.actor != "committee"), None)
    return Card(pipeline, first, periodic if fixed else periodic[1:], violations, overdue,
                branch_next=branch_next)


@dataclass
class TimelineItem:
    """One step of the rule set on the record page: its records and whether it is done, open or not yet
    reachable."""

    step: Any  # rules.Step
    records: list[StepRecord]
    state: str  # "done", "open" or "locked"
    next: checks.Next | None = None
    recordable: bool = False  # the pipeline may take a (further) record of this step now


@dataclass
class Timeline:
    pipeline: Pipeline
    rules: Any  # rules.Rules
    items: list[TimelineItem]
    missing: list[Any]  # rules.Step
    supporters: list[Supporter]
    open_steps: list[checks.Next] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return sum(len(r.violations or ()) for item in self.items for r in item.records)


def pipeline_timeline(*, pipeline: Pipeline, today: datetime.date | None = None) -> Timeline:
    """Every step of the rule set in order with the pipeline's records (meeting, vote, recorder and
    attachments loaded), the open steps and the missing records. Four queries."""
    today = today or timezone.localdate()
    records = list(pipeline.steps.select_related("meeting", "vote", "recorded_by")
                   .prefetch_related("attachments"))
    supporters = list(pipeline.supporters.select_related("person").order_by("role", "assigned_on", "pk"))
    rules = rules_mod.rules_for(organization=pipeline.organization, on=today)
    history = checks.History(records)
    open_steps = checks.next_steps(pipeline=pipeline, history=history, rules=rules, today=today)
    open_by_code = {n.step.code: n for n in open_steps}
    active = pipeline.status == PipelineStatus.ACTIVE
    items = []
    known = set(rules.by_code)
    for step in rules.steps:
        recs = history.by_step.get(step.code, [])
        reachable = all(history.is_done(c) for c in step.requires)
        if step.code in open_by_code:
            state = "open"
        elif history.is_done(step.code) or (step.repeatable and recs):
            state = "done"
        else:
            state = "locked"
        recordable = active and reachable and (step.repeatable or not history.is_done(step.code)) \
            and step.code != "application"
        items.append(TimelineItem(step, recs, state, open_by_code.get(step.code), recordable))
    for code, recs in history.by_step.items():
        if code not in known:  # a step of an older rule set: still shown as recorded
            items.append(TimelineItem(rules_mod.Step(code=code, number=None, stage=pipeline.stage, name=code,
                                           actor="branch"), recs, "done"))
    return Timeline(pipeline, rules, items, checks.missing_records(pipeline=pipeline, history=history, rules=rules),
                    supporters, open_steps)


def detail_pairs(record: StepRecord) -> list[tuple[str, str]]:
    """The record's details as (label, value) for the page and the 纪实表 (supporters are shown apart)."""
    pairs = []
    for key, label in DETAIL_LABELS.items():
        value = (record.details or {}).get(key)
        if value not in (None, ""):
            pairs.append((str(label), str(value)))
    return pairs


def application_people(*, organization: Organization) -> QuerySet[Person]:
    """People of the branch who may apply: not party members and without a pipeline in progress."""
    return (Person.objects.filter(organization__path__startswith=organization.path)
            .exclude(political_status__in=PoliticalStatus.party())
            .exclude(pipelines__status=PipelineStatus.ACTIVE)
            .select_related("organization").order_by("name_pinyin", "pk"))


def branch_full_members(*, organization: Organization) -> QuerySet[Person]:
    """Full members of the branch, who may be 培养联系人 or 入党介绍人."""
    return (Person.objects.filter(organization__path__startswith=organization.path,
                                  political_status=PoliticalStatus.CPC_MEMBER,
                                  membership__category=MemberCategory.FULL)
            .select_related("membership").order_by("name_pinyin", "pk"))


def candidate_votes(*, pipeline: Pipeline) -> QuerySet[Vote]:
    """Votes about this person at the branch's 支部党员大会, newest first."""
    return (Vote.objects.filter(meeting__organization=pipeline.organization,
                                meeting__meeting_type=MeetingType.GENERAL_ASSEMBLY, candidate=pipeline.person)
            .select_related("meeting").order_by("-meeting__held_at", "-pk"))


def committee_meetings(*, organization: Organization, limit: int = 60) -> QuerySet[Meeting]:
    """The branch's latest 支部委员会 records (a step decided there may point at one). Not sliced itself: a form's
    choice field filters this queryset to validate the choice, which a sliced queryset refuses."""
    latest = (Meeting.objects.filter(organization=organization, meeting_type=MeetingType.COMMITTEE)
              .order_by("-held_at", "-pk").values("pk")[:limit])
    return Meeting.objects.filter(pk__in=latest).order_by("-held_at", "-pk")


def party_groups(*, organization: Organization) -> QuerySet[Organization]:
    """The open party groups of a branch (编入党小组)."""
    return Organization.objects.filter(path__startswith=organization.path, org_type=OrgType.PARTY_GROUP,
                                       closed_on__isnull=True).order_by("path")


def attachment_get(*, user: Any, pk: Any) -> StepAttachment:
    """An attachment of a step, reached through its pipeline (404 outside scope, 403 without view)."""
    try:
        attachment = StepAttachment.objects.select_related("record").get(pk=pk)
    except (StepAttachment.DoesNotExist, ValueError, TypeError):
        raise Http404
    pipeline_get(user=user, pk=attachment.record.pipeline_id)
    return attachment
