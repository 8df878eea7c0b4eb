"""Demo annual recruitment plans for `seed_demo`, built after the pipelines: the academy committee's plan for this
year, approved in January, with a target per branch drawn from the branch's pipeline (its development objects and
some of its activists, the groups counted among those development objects, so always within the total; branches
without candidates mostly get 0) and a few changes after approval with their reasons; and next year's plan, still
being drawn up, with proposals from about 30 % of the branches and zeros otherwise.

Deterministic for a seed and a day; written with bulk_create and bulk_update (2,500 targets per plan at `cas`
scale)."""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from branches.models import Organization, OrgType
from liaison import rules as liaison_rules
from liaison.selectors import high_knowledge_q
from members.codes import Sex, TitleLevel

from .models import (
    PLAN_NUMBERS,
    Pipeline,
    PipelineStatus,
    PlanCategory,
    PlanChange,
    PlanStatus,
    PlanTarget,
    RecruitmentPlan,
    Stage,
)
from .plan_selectors import plan_rules

BATCH = 2000
PROPOSAL_SHARE = 0.30  # of the branches, a proposal for next year
CHANGED_TARGETS = 4  # targets of this year's plan changed after approval
RAISE_REASONS = (
    "新增一名发展对象，经所党委研究同意调增",
    "根据院党组下达的调整意见调增",
)
LOWER_REASONS = (
    "一名发展对象调离本单位，相应调减",
    "一名发展对象培养考察期延长，本年不再发展",
)


def _pipeline_counts(root: Organization, year: int) -> dict[int, dict[str, int]]:
    """Per branch, in one query: the open development objects (and each plan group among them) and the activists."""
    rules = plan_rules()
    candidate = Q(status=PipelineStatus.ACTIVE, stage=Stage.CANDIDATE)
    groups = {
        PlanCategory.HIGH_KNOWLEDGE: high_knowledge_q(liaison_rules.current(), prefix="person__"),
        PlanCategory.YOUNG: Q(person__birth_date__gte=datetime.date(year - rules["young_age"], 1, 1)),
        PlanCategory.WOMEN: Q(person__sex=Sex.FEMALE),
        PlanCategory.FRONTLINE: Q(person__post__in=rules["frontline_posts"]),
        PlanCategory.RETURNED: Q(person__returned_from_abroad=True),
        PlanCategory.SENIOR_TITLE: Q(person__title_level__in=[TitleLevel.SENIOR, TitleLevel.ASSOCIATE_SENIOR]),
    }
    rows = (Pipeline.objects.filter(organization__path__startswith=root.path, status=PipelineStatus.ACTIVE)
            .order_by().values("organization")
            .annotate(candidates=Count("pk", filter=candidate),
                      activists=Count("pk", filter=Q(stage=Stage.ACTIVIST)),
                      **{name: Count("pk", filter=candidate & q) for name, q in groups.items()}))
    return {row.pop("organization"): row for row in rows}


def _numbers(rng: random.Random, found: dict[str, int] | None) -> dict[str, int]:
    """A target from the branch's pipeline: its development objects (now and then one less), some activists."""
    if not found or (not found["candidates"] and rng.random() < 0.7):
        return dict.fromkeys(PLAN_NUMBERS, 0)
    total = max(found["candidates"] - (1 if rng.random() < 0.25 else 0), 0)
    numbers = {name: min(found[name], total) for name in PlanCategory.values}
    numbers["total"] = total
    numbers["activists"] = min(found["activists"], rng.randint(0, 3)) if found["activists"] else 0
    return numbers


def build_plans(*, seed: int, log: Callable[[str], None] | None = None) -> int:
    """Add this year's approved plan and next year's draft for the academy committee; returns how many targets."""
    say = log or (lambda message: None)
    started = time.monotonic()
    rng = random.Random(f"{seed}-plans")
    today = timezone.localdate()
    root = Organization.objects.filter(depth=1, org_type=OrgType.COMMITTEE).order_by("path").first()
    if root is None:
        return 0
    department = get_user_model().objects.filter(username="zuzhibu").first()
    branches = list(Organization.objects.filter(path__startswith=root.path, closed_on__isnull=True,
                                                org_type__in=OrgType.branch_types())
                    .order_by("path").values_list("pk", flat=True))
    found = _pipeline_counts(root, today.year)

    approved_on = min(datetime.date(today.year, 1, rng.randint(10, 25)), today)
    current = RecruitmentPlan.objects.create(
        organization=root, year=today.year, status=PlanStatus.APPROVED, approved_on=approved_on,
        approved_by=department, proposals_due_on=datetime.date(today.year - 1, 12, 10),
        note="根据上级党组织下达的指导性计划和各基层党组织的发展对象情况编制。")
    current_targets = PlanTarget.objects.bulk_create(
        [PlanTarget(plan=current, organization_id=pk, **_numbers(rng, found.get(pk))) for pk in branches],
        batch_size=BATCH)
    changes = _changes(rng, current_targets, department, approved_on, today)

    upcoming = RecruitmentPlan.objects.create(
        organization=root, year=today.year + 1, proposals_due_on=today + datetime.timedelta(days=20),
        note="请各基层党组织在截止日期前报送下一年度发展党员建议数。")
    proposed_on = today - datetime.timedelta(days=rng.randint(1, 10))
    upcoming_targets = []
    for pk in branches:
        target = PlanTarget(plan=upcoming, organization_id=pk)
        if rng.random() < PROPOSAL_SHARE:
            numbers = _numbers(rng, found.get(pk))
            target.proposed = {name: value for name, value in numbers.items()
                               if value or name in ("total", "activists")}
            target.proposed_on = proposed_on
        upcoming_targets.append(target)
    PlanTarget.objects.bulk_create(upcoming_targets, batch_size=BATCH)
    say(f"年度发展党员计划 2 个，指标 {len(current_targets) + len(upcoming_targets)} 条，调整 {changes} 项"
        f"（{time.monotonic() - started:.1f} 秒）")
    return len(current_targets) + len(upcoming_targets)


def _changes(rng: random.Random, targets: list[PlanTarget], user, approved_on: datetime.date,
             today: datetime.date) -> int:
    """A few targets raised or lowered after approval, the change kept with its reason; the targets hold the new
    numbers. The dates lie between the approval and today."""
    chosen = rng.sample([t for t in targets if t.total], min(CHANGED_TARGETS, sum(1 for t in targets if t.total)))
    rows = []
    span = max((today - approved_on).days - 1, 1)
    for i, target in enumerate(chosen):
        before = target.total
        lower = i % 2 == 1 and before - 1 >= max(getattr(target, c) for c in PlanCategory.values)
        after = before - 1 if lower else before + 1
        reasons = LOWER_REASONS if lower else RAISE_REASONS
        changed_at = timezone.make_aware(datetime.datetime.combine(
            approved_on + datetime.timedelta(days=rng.randint(1, span)), datetime.time(10, 0)))
        rows.append(PlanChange(target=target, field="total", before=before, after=after,
                               reason=reasons[i // 2 % len(reasons)], changed_by=user))
        rows[-1].changed_at_value = changed_at
        target.total = after
    PlanTarget.objects.bulk_update(chosen, ["total"])
    created = PlanChange.objects.bulk_create(rows)
    for change in created:  # auto_now_add sets now on insert; the change happened after the approval
        change.changed_at = change.changed_at_value
    PlanChange.objects.bulk_update(created, ["changed_at"])
    return len(created)
