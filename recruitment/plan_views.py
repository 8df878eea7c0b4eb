"""Pages of the annual recruitment plan (年度发展党员计划): the plans in scope and opening one, a plan with its
targets, one target (the department's numbers or the unit's proposal), and the plan against reality.

Viewing needs view_people or manage_recruitment over the plan's committee (plan_selectors.plan_get); changing
needs manage_recruitment there, and a unit proposes its own numbers. Every write is a plan_services call whose
refusal is shown on the page, with nothing saved."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import permissions
from branches.permissions import Capability

from . import plan_selectors, plan_services
from .models import PLAN_NUMBERS, PlanCategory, PlanStatus
from .plan_forms import PlanOpenForm, TargetNumbersForm
from .plan_import import plan_import

CAP = Capability.MANAGE_RECRUITMENT
PAGE_SIZE = 50


def _q(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:50]


def _columns() -> list[tuple[str, str]]:
    return [(name, str(plan_services.NUMBER_LABELS[name])) for name in PLAN_NUMBERS]


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    """The plans in scope, newest year first, the unit's own targets to propose for, and 新建年度计划."""
    user = request.user
    if not any(permissions.has_capability_anywhere(user, cap) for cap in plan_selectors.VIEW):
        raise PermissionDenied(_("您没有查看发展党员计划的权限。"))
    today = timezone.localdate()
    committees = plan_selectors.plan_committees(user=user)
    can_open = committees.exists()
    form = PlanOpenForm(request.POST if request.method == "POST" else None, committees=committees, today=today)
    errors: list[str] = []
    if request.method == "POST":
        if not can_open:
            raise PermissionDenied(_("您没有制定年度发展党员计划的权限。"))
        if form.is_valid():
            try:
                plan = plan_services.plan_open(actor=user, **form.service_kwargs())
            except ValidationError as e:
                errors = e.messages
            else:
                messages.success(request, _("已建立%(org)s %(year)d 年发展党员计划。") % {
                    "org": plan.organization.short_name or plan.organization.name, "year": plan.year})
                return redirect("recruitment:plan", plan.pk)
    page = Paginator(plan_selectors.plans(user=user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "recruitment/plans/list.html", {
        "nav_active": "recruitment", "page": page, "form": form, "errors": errors, "can_open": can_open,
        "open_form_shown": request.method == "POST", "unit_targets": list(plan_selectors.unit_targets(user=user)[:50]),
        "today": today,
    })


def _target_rows(targets: Any, *, can_manage: bool, draft: bool) -> list[dict[str, Any]]:
    rows = []
    for target in targets:
        proposed = target.proposed or {}
        cells = []
        for name in PLAN_NUMBERS:
            value = getattr(target, name)
            suggestion = proposed.get(name)
            cells.append({"name": name, "value": value,
                          "proposed": suggestion if suggestion is not None and suggestion != value else None})
        differs = any(c["proposed"] is not None for c in cells)
        rows.append({"target": target, "cells": cells, "has_proposal": bool(proposed), "differs": differs,
                     "can_adopt": can_manage and draft and differs})
    return rows


@login_required
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan: header, the targets (paged, filtered by name) with their sums, approval and the changes."""
    user = request.user
    plan = plan_selectors.plan_get(user=user, pk=pk)
    can_manage = permissions.has_capability(user, plan.organization, CAP)
    errors: list[str] = []
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("您没有审批年度发展党员计划的权限。"))
        if request.POST.get("action") == "approve":
            try:
                plan_services.plan_approve(actor=user, plan=plan)
            except ValidationError as e:
                errors = e.messages
            else:
                messages.success(request, _("计划已批准。此后调整指标须填写原因。"))
                return redirect("recruitment:plan", plan.pk)
        elif request.POST.get("action") == "import":
            upload = request.FILES.get("file")
            try:
                if upload is None:
                    raise ValidationError(_("请选择要导入的 Excel 文件。"))
                done = plan_import(actor=user, plan=plan, file=upload, reason=request.POST.get("reason", ""))
            except ValidationError as e:
                errors = e.messages
            else:
                messages.success(request, _("已导入 %(rows)d 行：%(changed)d 个党组织的指标有变化，%(unchanged)d 个未变。")
                                 % done)
                return redirect("recruitment:plan", plan.pk)
        else:
            errors = [_("不认识的操作。")]
    q = _q(request)
    draft = plan.status == PlanStatus.DRAFT
    page = Paginator(plan_selectors.plan_targets(plan=plan, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _target_rows(page.object_list, can_manage=can_manage, draft=draft)
    sums = plan_selectors.target_sums(plan=plan)
    return render(request, "recruitment/plans/detail.html", {
        "nav_active": "recruitment", "plan": plan, "page": page, "q": q, "query": urlencode({"q": q} if q else {}),
        "columns": _columns(), "sums": [sums[name] for name in PLAN_NUMBERS], "can_manage": can_manage,
        "draft": draft, "errors": errors,
        "changes": list(plan_selectors.plan_changes(plan=plan)[:200]) if not draft else [],
        "labels": plan_services.NUMBER_LABELS,
        "can_export": permissions.has_capability(user, plan.organization, Capability.EXPORT),
    })


@login_required
def plan_target(request: HttpRequest, pk: int, tid: int) -> HttpResponse:
    """One target: the organization department sets the numbers (with a reason once the plan is approved) or
    adopts the unit's proposal; the unit proposes its numbers while the plan is being drawn up."""
    user = request.user
    target = plan_selectors.target_get(user=user, plan_pk=pk, pk=tid)
    plan = target.plan
    can_set = permissions.has_capability(user, plan.organization, CAP)
    draft = plan.status == PlanStatus.DRAFT
    can_propose = not can_set and draft and permissions.has_capability(user, target.organization, CAP)
    errors: list[str] = []
    form = TargetNumbersForm(initial=(target.numbers() if can_set else (target.proposed or {})))
    if request.method == "POST":
        action = request.POST.get("action", "set" if can_set else "propose")
        if action in ("set", "adopt") and not can_set:
            raise PermissionDenied(_("只有%(org)s的组织部门可以设定计划指标。") % {
                "org": plan.organization.short_name or plan.organization.name})
        if action == "propose" and not permissions.has_capability(user, target.organization, CAP):
            raise PermissionDenied(_("您没有为%(org)s报送建议数的权限。") % {"org": target.organization.short_name})
        form = TargetNumbersForm(request.POST)
        if action not in ("set", "adopt", "propose"):
            errors = [_("不认识的操作。")]
        elif form.is_valid():
            reason = form.cleaned_data.get("reason", "")
            try:
                if action == "propose":
                    plan_services.target_propose(actor=user, target=target, numbers=form.numbers())
                elif action == "adopt":
                    if not target.proposed:
                        raise ValidationError(_("%(org)s还没有报送建议数。") % {"org": target.organization.short_name})
                    plan_services.target_set(actor=user, target=target, numbers=target.proposed, reason=reason)
                else:
                    plan_services.target_set(actor=user, target=target, numbers=form.numbers(), reason=reason)
            except ValidationError as e:
                errors = e.messages
                target.refresh_from_db()
            else:
                if action == "propose":
                    messages.success(request, _("已报送%(org)s的建议数。") % {"org": target.organization.short_name})
                    return redirect("recruitment:plan_target", plan.pk, target.pk)
                messages.success(request, _("已保存%(org)s的计划指标。") % {"org": target.organization.short_name})
                return redirect("recruitment:plan", plan.pk)
    proposed = target.proposed or {}
    return render(request, "recruitment/plans/target.html", {
        "nav_active": "recruitment", "plan": plan, "target": target, "form": form, "errors": errors,
        "can_set": can_set, "can_propose": can_propose, "draft": draft,
        "can_view_plan": any(permissions.has_capability(user, plan.organization, cap) for cap in plan_selectors.VIEW),
        "number_fields": [form[name] for name in PLAN_NUMBERS],
        "numbers": [(label, getattr(target, name), proposed.get(name)) for name, label in _columns()],
        "has_proposal": bool(proposed),
    })


@login_required
def plan_actual(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan against reality: per branch the targets beside the year's pipeline, the forecast and warnings."""
    user = request.user
    plan = plan_selectors.plan_get(user=user, pk=pk)
    today = timezone.localdate()
    rows = plan_selectors.plan_vs_actual(plan=plan, on=today)
    totals = plan_selectors.plan_totals(rows)
    only_warnings = request.GET.get("warnings") == "1"
    shown = [r for r in rows if r.warnings] if only_warnings else rows
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    categories = [(c.value, str(c.label)) for c in PlanCategory]
    page.object_list = [{
        "row": r,
        "groups": [(getattr(r.target, c), r.actual[c]) for c, _label in categories],
    } for r in page.object_list]
    return render(request, "recruitment/plans/actual.html", {
        "nav_active": "recruitment", "plan": plan, "page": page, "totals": totals, "today": today,
        "only_warnings": only_warnings, "query": urlencode({"warnings": "1"} if only_warnings else {}),
        "categories": categories,
        "total_groups": [(totals["targets"][c], totals["actual"].get(c, 0)) for c, _label in categories],
    })
