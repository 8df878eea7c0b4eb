"""Reads of the annual recruitment plan: plans in scope, and the plan against reality — per branch and group,
the targets against the pipeline of the year (activists, development objects, admitted, converted) and a forecast
of who can still be admitted by the year's end under the rule set's time limits — with the warnings the rules
give (candidates but no plan, a plan above what the pipeline can yield: 突击发展 is banned, no recruitment for
years). A constant number of queries at any number of branches."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from branches import permissions
from branches.permissions import Capability
from liaison import rules as liaison_rules
from liaison.selectors import high_knowledge_q
from members.codes import Sex, TitleLevel

from .checks import add_months
from .models import PLAN_NUMBERS, Pipeline, PipelineStatus, PlanCategory, PlanTarget, RecruitmentPlan, Stage
from .rules import rule_sets, rules_for

VIEW = (Capability.MANAGE_RECRUITMENT, Capability.VIEW_PEOPLE)
def plan_rules() -> dict[str, Any]:
    """settings.PORTAL_RECRUITMENT_PLAN: what counts as young and frontline is local practice."""
    return dict(settings.PORTAL_RECRUITMENT_PLAN)


def plans(*, user: Any) -> QuerySet[RecruitmentPlan]:
    """The plans of the committees in the user's scope (who may view people or manage recruitment there)."""
    qs = RecruitmentPlan.objects.select_related("organization")
    q = Q(pk__in=[])
    for cap in VIEW:
        q |= permissions.path_q(user, cap, prefix="organization__") or Q()
    return qs if permissions.scope_for(user).is_superuser else qs.filter(q)


def plan_get(*, user: Any, pk: Any) -> RecruitmentPlan:
    try:
        plan = RecruitmentPlan.objects.select_related("organization").get(pk=pk)
    except (RecruitmentPlan.DoesNotExist, ValueError, TypeError):
        raise Http404
    if not permissions.in_scope(user, plan.organization):
        raise Http404
    if not any(permissions.has_capability(user, plan.organization, cap) for cap in VIEW):
        raise PermissionDenied(gettext("您没有查看发展党员计划的权限。"))
    return plan


def _category_q(name: str, year: int, rules: dict[str, Any]) -> Q:
    """Pipelines whose person belongs to the plan group (judged from the person's record)."""
    if name == PlanCategory.HIGH_KNOWLEDGE:
        return high_knowledge_q(liaison_rules.current(), prefix="person__")
    if name == PlanCategory.YOUNG:
        return Q(person__birth_date__gte=datetime.date(year - rules["young_age"], 1, 1))
    if name == PlanCategory.WOMEN:
        return Q(person__sex=Sex.FEMALE)
    if name == PlanCategory.FRONTLINE:
        return Q(person__post__in=rules["frontline_posts"])
    if name == PlanCategory.RETURNED:
        return Q(person__returned_from_abroad=True)
    return Q(person__title_level__in=[TitleLevel.SENIOR, TitleLevel.ASSOCIATE_SENIOR])


@dataclass
class TargetRow:
    target: PlanTarget
    actual: dict[str, int]
    forecast: int
    warnings: list[str] = field(default_factory=list)


def plan_vs_actual(*, plan: RecruitmentPlan, on: datetime.date) -> list[TargetRow]:
    """Every target of the plan with the year's pipeline of its branch: `actual` has activists, candidates,
    admitted (and each PlanCategory among the admitted) and converted; `forecast` is who can still be admitted
    this year (development objects now, and activists whose year as activist ends early enough)."""
    rules = plan_rules()
    year = plan.year
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    try:
        pipeline_rules = rules_for(organization=plan.organization, on=min(on, end), loaded=rule_sets())
    except ValidationError:  # no rule set in force: only today's development objects count in the forecast
        ripe = Q(pk__in=[])
    else:
        ripe = Q(activist_on__lte=add_months(end - datetime.timedelta(days=rules["forecast_lead_days"]),
                                             -pipeline_rules.n("candidate_after_activist_months")))
    admitted = Q(admitted_on__gte=start, admitted_on__lte=end)
    active = Q(status=PipelineStatus.ACTIVE)
    counts = {
        "activists": Count("pk", filter=Q(activist_on__gte=start, activist_on__lte=end)),
        "candidates": Count("pk", filter=Q(candidate_on__gte=start, candidate_on__lte=end)),
        "admitted": Count("pk", filter=admitted),
        **{f"admitted_{c}": Count("pk", filter=admitted & _category_q(c, year, rules)) for c in PlanCategory.values},
        "converted": Count("pk", filter=Q(status=PipelineStatus.COMPLETED, ended_on__gte=start, ended_on__lte=end)),
        "open_candidates": Count("pk", filter=active & Q(stage=Stage.CANDIDATE)),
        "ripe_activists": Count("pk", filter=active & Q(stage=Stage.ACTIVIST) & ripe),
        "recent": Count("pk", filter=Q(admitted_on__gte=datetime.date(year - rules["dormant_years"], 1, 1))),
    }
    by_org = {row.pop("organization"): row for row in Pipeline.objects.filter(
        organization__path__startswith=plan.organization.path).order_by().values("organization").annotate(**counts)}
    empty = dict.fromkeys(counts, 0)
    rows = []
    for target in plan.targets.select_related("organization").order_by("organization__path"):
        found = by_org.get(target.organization_id, empty)
        forecast = found["open_candidates"] + (found["ripe_activists"] if on <= end else 0)
        actual = {"activists": found["activists"], "candidates": found["candidates"], "admitted": found["admitted"],
                  "converted": found["converted"], **{c: found[f"admitted_{c}"] for c in PlanCategory.values}}
        rows.append(TargetRow(target, actual, forecast, _warnings(target, found, forecast, rules)))
    return rows


def _warnings(target: PlanTarget, found: dict[str, int], forecast: int, rules: dict[str, Any]) -> list[str]:
    warnings = []
    if not target.total and found["open_candidates"]:
        warnings.append(gettext("有%(n)d名发展对象，但计划未安排发展名额。") % {"n": found["open_candidates"]})
    reachable = found["admitted"] + forecast
    if target.total > reachable:
        warnings.append(gettext("计划发展%(total)d人，按发展程序本年最多可发展%(n)d人，不得突击发展。")
                        % {"total": target.total, "n": reachable})
    if not found["recent"]:
        warnings.append(gettext("近%(n)d年未发展党员，请督促检查。") % {"n": rules["dormant_years"]})
    return warnings


def plan_totals(rows: list[TargetRow]) -> dict[str, Any]:
    """The sums over a plan's rows: the targets, the actual numbers and the forecast."""
    return {
        "targets": {name: sum(getattr(r.target, name) for r in rows) for name in PLAN_NUMBERS},
        "actual": {key: sum(r.actual[key] for r in rows) for key in (rows[0].actual if rows else {})},
        "forecast": sum(r.forecast for r in rows),
        "warnings": sum(1 for r in rows if r.warnings),
    }


# ---- the plan pages: committees that may open a plan, a plan's targets, sums and changes, one target ------------


def plan_committees(*, user: Any) -> QuerySet:
    """The committees and general branches where the user may open a plan (manage_recruitment there)."""
    from branches.models import Organization, OrgType

    return permissions.scope_filter(
        Organization.objects.filter(closed_on__isnull=True, org_type__in=[OrgType.COMMITTEE, OrgType.GENERAL_BRANCH]),
        user, Capability.MANAGE_RECRUITMENT).order_by("path")


def unit_targets(*, user: Any) -> QuerySet[PlanTarget]:
    """Targets of plans being drawn up for organizations where the user manages recruitment but not the plan's
    committee, so a unit finds where to propose its numbers."""
    from .models import PlanStatus

    department = permissions.path_q(user, Capability.MANAGE_RECRUITMENT, prefix="plan__organization__")
    if department is None:  # superusers set every plan's numbers themselves
        return PlanTarget.objects.none()
    qs = PlanTarget.objects.filter(plan__status=PlanStatus.DRAFT).exclude(department).select_related(
        "plan", "plan__organization", "organization")
    return permissions.scope_filter(qs, user, Capability.MANAGE_RECRUITMENT,
                                    prefix="organization__").order_by("-plan__year", "organization__path")


def plan_targets(*, plan: RecruitmentPlan, q: str = "") -> QuerySet[PlanTarget]:
    """The plan's targets in tree order, filtered by the organization's name."""
    qs = plan.targets.select_related("organization").order_by("organization__path")
    if q:
        qs = qs.filter(Q(organization__name__icontains=q) | Q(organization__short_name__icontains=q))
    return qs


def target_sums(*, plan: RecruitmentPlan) -> dict[str, int]:
    """Every number summed over all of the plan's targets (one aggregate)."""
    from django.db.models import Sum

    sums = plan.targets.order_by().aggregate(**{name: Sum(name) for name in PLAN_NUMBERS})
    return {name: sums[name] or 0 for name in PLAN_NUMBERS}


def plan_changes(*, plan: RecruitmentPlan) -> QuerySet:
    """The changes to the plan's numbers after approval, newest first."""
    from .models import PlanChange

    return PlanChange.objects.filter(target__plan=plan).select_related("target__organization", "changed_by")


def target_get(*, user: Any, plan_pk: Any, pk: Any) -> PlanTarget:
    """One target, for the organization department of the plan's committee or the unit itself (both need
    manage_recruitment): 404 when neither the committee nor the unit is in the user's scope, 403 otherwise."""
    try:
        target = PlanTarget.objects.select_related("plan", "plan__organization", "organization").get(
            plan_id=plan_pk, pk=pk)
    except (PlanTarget.DoesNotExist, ValueError, TypeError):
        raise Http404
    for org in (target.plan.organization, target.organization):
        if permissions.has_capability(user, org, Capability.MANAGE_RECRUITMENT):
            return target
    if permissions.in_scope(user, target.plan.organization) or permissions.in_scope(user, target.organization):
        raise PermissionDenied(gettext("您没有发展党员管理的权限。"))
    raise Http404
