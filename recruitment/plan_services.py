"""Writes of the annual recruitment plan (年度发展党员计划): open a year's plan with a target for every branch under
the committee, units propose their numbers, the organization department sets and approves them, and a change
after approval needs a reason (kept as PlanChange, besides the audit log). Forms, the API and the XLSX import call
these functions, so a refusal reads the same everywhere: one Chinese message per problem, and nothing saved."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from branches import audit, permissions
from branches.models import Organization, OrgType
from branches.permissions import Capability

from .models import PLAN_NUMBERS, PlanCategory, PlanChange, PlanStatus, PlanTarget, RecruitmentPlan

CAP = Capability.MANAGE_RECRUITMENT
NUMBER_LABELS: dict[str, Any] = {"total": PlanTarget._meta.get_field("total").verbose_name,
                                 **{c.value: c.label for c in PlanCategory},
                                 "activists": PlanTarget._meta.get_field("activists").verbose_name}


def clean_numbers(numbers: Mapping[str, Any], *, where: str = "") -> dict[str, int]:
    """The plan numbers given (any of PLAN_NUMBERS) as whole numbers ≥ 0 with every group within the total;
    ValidationError naming each problem (prefixed with `where`, e.g. the organization of an imported row)."""
    errors: list[str] = []
    cleaned: dict[str, int] = {}
    prefix = gettext("%(where)s：") % {"where": where} if where else ""
    for name in sorted(set(numbers) - set(PLAN_NUMBERS)):
        errors.append(prefix + gettext("不认识的项目“%(name)s”。") % {"name": name})
    for name in PLAN_NUMBERS:
        if name not in numbers or numbers[name] in (None, ""):
            continue
        value = numbers[name]
        try:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            number = int(value) if isinstance(value, (int, float)) else int(str(value).strip())
        except (TypeError, ValueError):
            errors.append(prefix + gettext("%(label)s须为整数，而不是“%(value)s”。")
                          % {"label": NUMBER_LABELS[name], "value": value})
            continue
        if number < 0:
            errors.append(prefix + gettext("%(label)s不能小于0。") % {"label": NUMBER_LABELS[name]})
            continue
        cleaned[name] = number
    return _within_total(cleaned, errors, prefix)


def _within_total(cleaned: dict[str, int], errors: list[str], prefix: str) -> dict[str, int]:
    total = cleaned.get("total")
    if total is not None:
        for category in PlanCategory:
            if cleaned.get(category.value, 0) > total:
                errors.append(prefix + gettext("%(label)s（%(n)d）不能多于发展党员总数（%(total)d）。")
                              % {"label": category.label, "n": cleaned[category.value], "total": total})
    if errors:
        raise ValidationError(errors)
    return cleaned


def _status(plan_id: int) -> str:
    """The plan's status as stored now (an object held since may be older than an approval)."""
    return RecruitmentPlan.objects.filter(pk=plan_id).values_list("status", flat=True).get()


def plan_open(*, actor: Any, organization: Organization, year: int, proposals_due_on: datetime.date | None = None,
              note: str = "") -> RecruitmentPlan:
    """Open the committee's plan for a year, with a target (all zero) for every open branch under it."""
    permissions.check(actor, organization, CAP)
    today = timezone.localdate()
    errors = []
    if organization.org_type not in (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH):
        errors.append(gettext("年度发展党员计划由党委或党总支制定。"))
    if not today.year <= year <= today.year + 1:
        errors.append(gettext("只能制定今年或明年的计划（%(a)d 或 %(b)d 年）。") % {"a": today.year, "b": today.year + 1})
    if RecruitmentPlan.objects.filter(organization=organization, year=year).exists():
        errors.append(gettext("%(org)s %(year)d 年的计划已经建立。")
                      % {"org": organization.short_name or organization.name, "year": year})
    if proposals_due_on is not None and proposals_due_on < today:
        errors.append(gettext("基层报送建议数的截止日期不能早于今天。"))
    if errors:
        raise ValidationError(errors)
    branches = Organization.objects.filter(path__startswith=organization.path, closed_on__isnull=True,
                                           org_type__in=OrgType.branch_types()).order_by("path")
    with transaction.atomic(), audit.acting(actor):
        plan = RecruitmentPlan.objects.create(organization=organization, year=year, note=note.strip(),
                                              proposals_due_on=proposals_due_on)
        PlanTarget.objects.bulk_create([PlanTarget(plan=plan, organization=b) for b in branches], batch_size=1000)
    return plan


def target_propose(*, actor: Any, target: PlanTarget, numbers: Mapping[str, Any]) -> PlanTarget:
    """A unit proposes its numbers while the plan is being drawn up (kept beside the department's numbers)."""
    permissions.check(actor, target.organization, CAP)
    if _status(target.plan_id) != PlanStatus.DRAFT:
        raise ValidationError(gettext("计划已批准，不再接受建议数。"))
    cleaned = clean_numbers(numbers)
    with transaction.atomic(), audit.acting(actor):
        target.proposed = cleaned
        target.proposed_on = timezone.localdate()
        target.proposed_by = actor if getattr(actor, "is_authenticated", False) else None
        target.save(update_fields=["proposed", "proposed_on", "proposed_by", "updated_at"])
    return target


def target_set(*, actor: Any, target: PlanTarget, numbers: Mapping[str, Any], reason: str = "") -> PlanTarget:
    """The organization department sets a target's numbers; once the plan is approved a reason is required and
    every change is kept."""
    permissions.check(actor, target.plan.organization, CAP)
    cleaned = clean_numbers(numbers)
    merged = {**target.numbers(), **cleaned}
    _within_total(merged, [], "")
    changed = {name: value for name, value in merged.items() if getattr(target, name) != value}
    approved = _status(target.plan_id) == PlanStatus.APPROVED
    reason = (reason or "").strip()
    if approved and changed and not reason:
        raise ValidationError(gettext("计划已批准，调整指标须填写原因。"))
    if not changed:
        return target
    with transaction.atomic(), audit.acting(actor):
        if approved:
            PlanChange.objects.bulk_create([
                PlanChange(target=target, field=name, before=getattr(target, name), after=value, reason=reason[:300],
                           changed_by=actor if getattr(actor, "is_authenticated", False) else None)
                for name, value in changed.items()])
        for name, value in changed.items():
            setattr(target, name, value)
        target.full_clean()
        target.save(update_fields=[*changed, "updated_at"])
    return target


def plan_approve(*, actor: Any, plan: RecruitmentPlan) -> RecruitmentPlan:
    """Approve the plan: its numbers become the year's targets; later changes need a reason."""
    permissions.check(actor, plan.organization, CAP)
    if plan.status == PlanStatus.APPROVED:
        raise ValidationError(gettext("计划已于 %(date)s 批准。") % {"date": plan.approved_on.isoformat()})
    with transaction.atomic(), audit.acting(actor):
        plan.status, plan.approved_on = PlanStatus.APPROVED, timezone.localdate()
        plan.approved_by = actor if getattr(actor, "is_authenticated", False) else None
        plan.save(update_fields=["status", "approved_on", "approved_by", "updated_at"])
    return plan
