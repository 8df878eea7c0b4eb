"""The committee's pages of the liaison work: the coverage review of a unit (who is kept, who is left out, what is
overdue), the periodic reviews (定期梳理) with the coverage kept as it was, and the funnel from the pool to the
party. review_liaisons somewhere is required (403); a unit outside the user's scope does not exist (404)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from branches import permissions
from branches.forms import PortalFormMixin
from branches.models import Organization
from branches.permissions import Capability
from recruitment.models import Stage
from recruitment.selectors import is_committee_viewer

from . import selectors, services

CAP = Capability.REVIEW_LIAISONS
PAGE_SIZE = 25
LIST_LIMIT = 50

# The coverage numbers in the order the page, the table and a review's snapshot show them.
COVERAGE_LABELS: list[tuple[str, Any]] = [
    ("pool", _("信息库人数")),
    ("high_knowledge", _("其中高知")),
    ("uncovered", _("高知未落实联系人")),
    ("pairs", _("党内联系人结对")),
    ("pairings", _("一对一结对")),
    ("liaisons", _("党内联系人")),
    ("overloaded", _("联系人数超过上限")),
    ("talks_overdue", _("谈话超期")),
    ("open_follow_ups", _("待办事项")),
    ("follow_ups_overdue", _("待办事项超期")),
    ("open_requests", _("未办结诉求")),
    ("applied", _("本年递交入党申请")),
    ("activists", _("本年确定为积极分子")),
]
# Numbers shown in red when not zero; the columns a phone shows in the per-unit table.
ALARMS = {"uncovered", "overloaded", "talks_overdue", "follow_ups_overdue"}
MAIN = {"pool", "uncovered", "pairs", "talks_overdue", "open_requests"}


def _unit(request: HttpRequest, value: Any = None) -> Organization:
    """The unit asked for by ?unit=<pk> (404 outside scope, 403 without the capability), else the user's review
    root."""
    value = request.GET.get("unit") if value is None else value
    if value not in (None, ""):
        return permissions.get_org_or_404(request.user, value, CAP)
    unit = selectors.review_root(user=request.user)
    if unit is None:
        raise Http404
    return unit


def _cards(numbers: Any) -> list[dict[str, Any]]:
    """The coverage numbers (a Coverage, or a review's snapshot dict) with their labels."""
    values = numbers if isinstance(numbers, dict) else numbers.as_dict()
    return [{"key": key, "label": label, "value": values.get(key), "alarm": key in ALARMS, "main": key in MAIN}
            for key, label in COVERAGE_LABELS]


def _row_cells(values: dict[str, Any]) -> SafeString:
    """One organization's numbers as table cells (rendered here: 25 rows of 13 numbers through the template
    language cost more than the rest of the page)."""
    cells = []
    for key, _label in COVERAGE_LABELS:
        value = int(values.get(key) or 0)  # numbers only: nothing to escape
        hidden = "" if key in MAIN else " d-none d-lg-table-cell"
        alarm = " text-danger fw-semibold" if key in ALARMS and value else ""
        cells.append(f'<td class="num{hidden}{alarm}">{value}</td>')
    return mark_safe("".join(cells))  # noqa: S308


def _common(request: HttpRequest, unit: Organization) -> dict[str, Any]:
    # The unit picker: cached with the tree; a large scope offers committees and general branches only.
    units = selectors.review_units(user=request.user, keep=unit)
    return {
        "nav_active": "liaison",
        "unit": unit,
        "units": units,
    }


@login_required
@permissions.capability_required(CAP)
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    """The coverage review of a unit: totals, one row per organization, the gaps and the unit's reviews."""
    user = request.user
    unit = _unit(request)
    today = timezone.localdate()
    cov = selectors.coverage(user=user, unit=unit, on=today)
    page = Paginator(cov.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [{"org": row, "cells": _row_cells(row.__dict__)} for row in page.object_list]
    reviews = list(selectors.reviews_of(unit=unit)[:20])
    last = reviews[0].reviewed_on if reviews else None
    next_due = selectors.next_review_due(last=last, rules=cov.rules)
    context = _common(request, unit)
    context.update({
        "today": today,
        "rules": cov.rules,
        "pairs_max": cov.rules.n("pairs_max"),
        "totals": cov.totals,
        "cards": _cards(cov.totals),
        "labels": [{"key": key, "label": label, "main": key in MAIN} for key, label in COVERAGE_LABELS],
        "page": page,
        "query": f"unit={unit.pk}",
        "reviews": reviews,
        "last_review": last,
        "next_due": next_due,
        "review_overdue": last is None or (next_due is not None and next_due < today),
    })
    return render(request, "liaison/review/review.html", context)


@login_required
@permissions.capability_required(CAP)
@require_GET
def gaps(request: HttpRequest) -> HttpResponse:
    """The gaps behind the review's numbers, the first LIST_LIMIT of each: 高知 without a liaison, liaison persons
    keeping nobody or more than the rule allows, pairs overdue for a talk, open requests."""
    user = request.user
    unit = _unit(request)
    today = timezone.localdate()
    cov = selectors.coverage(user=user, unit=unit, on=today)
    free = selectors.free_liaisons(unit=unit, on=today)
    context = _common(request, unit)
    context.update({
        "today": today,
        "pairs_max": cov.rules.n("pairs_max"),
        "totals": cov.totals,
        "uncovered": list(selectors.pool(user=user, params={"unit": unit.pk, "uncovered": "1"}, on=today)
                          [:LIST_LIMIT]),
        "free": list(free[:LIST_LIMIT]),
        "free_count": free.count(),
        "overloaded": list(selectors.overloaded_liaisons(unit=unit, rules=cov.rules, on=today)[:LIST_LIMIT]),
        "overdue_pairs": list(selectors.pairs(user=user, params={"unit": unit.pk, "overdue": "1"}, on=today)
                              [:LIST_LIMIT]),
        "requests": list(selectors.open_requests(unit=unit)[:LIST_LIMIT]),
        "limit": LIST_LIMIT,
    })
    return render(request, "liaison/review/gaps.html", context)


class ReviewForm(PortalFormMixin, forms.Form):
    """定期梳理: what services.review_record needs (the service checks the date and the conclusions)."""

    reviewed_on = forms.DateField(label=_("梳理日期"), widget=forms.DateInput(),
                                  error_messages={"required": _("请填写梳理日期。"), "invalid": _("日期格式不正确。")})
    conclusions = forms.CharField(label=_("梳理结论"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text=_("覆盖是否到位、联系是否经常、诉求是否解决，存在的问题。"))
    adjustments = forms.CharField(label=_("调整情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("如调整联系人、增补或移出信息库人员。"))


@login_required
@permissions.capability_required(CAP)
def review_new(request: HttpRequest) -> HttpResponse:
    """Record a periodic review of the unit's liaison list; the coverage of the day is kept with it."""
    user = request.user
    unit = _unit(request)
    errors: list[str] = []
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.review_record(actor=user, organization=unit, reviewed_on=data["reviewed_on"],
                                               conclusions=data["conclusions"], adjustments=data["adjustments"])
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, gettext("已记录%(org)s%(date)s的联系清单梳理。")
                                 % {"org": unit.short_name or unit.name, "date": saved.reviewed_on.isoformat()})
                return redirect("liaison:review_detail", pk=saved.pk)
        else:
            errors = [e for errs in form.errors.values() for e in errs]
    else:
        form = ReviewForm(initial={"reviewed_on": timezone.localdate()})
    context = _common(request, unit)
    context.update({"form": form, "errors": errors,
                    "totals": _cards(selectors.coverage_totals(organization=unit))})
    return render(request, "liaison/review/review_new.html", context)


@login_required
@permissions.capability_required(CAP)
@require_GET
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.review_get(user=request.user, pk=pk)
    snapshot = item.snapshot or {}
    context = _common(request, item.organization)
    context.update({"review": item, "cards": [c for c in _cards(snapshot) if c["value"] is not None]})
    return render(request, "liaison/review/review_detail.html", context)


def _year(value: Any, today: datetime.date) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return today.year
    return year if 2000 <= year <= today.year else today.year


FUNNEL_COLUMNS: list[tuple[str, Any]] = [
    ("pool", _("信息库人数")),
    ("high_knowledge", _("其中高知")),
    ("applied", _("递交入党申请")),
    ("activists", _("确定为积极分子")),
    ("candidates", _("确定为发展对象")),
    ("admitted", _("接收为预备党员")),
]


@login_required
@permissions.capability_required(CAP)
@require_GET
def funnel(request: HttpRequest) -> HttpResponse:
    """From the pool to the party in a year, per organization of the unit and in total."""
    user = request.user
    unit = _unit(request)
    today = timezone.localdate()
    year = _year(request.GET.get("year"), today)
    rows, totals = selectors.funnel(user=user, unit=unit, year=year, on=today)
    top = max(totals["pool"], 1)
    bars = [{"key": key, "label": label, "value": totals[key], "width": round(100 * totals[key] / top, 1)}
            for key, label in FUNNEL_COLUMNS]
    now = [{"key": stage, "label": Stage(stage).label, "value": totals[f"now_{stage}"]}
           for stage in selectors.FUNNEL_NOW]
    context = _common(request, unit)
    context.update({
        "year": year,
        "years": list(range(today.year, today.year - 6, -1)),
        "rows": [{"row": r, "cells": [r[key] for key, _label in FUNNEL_COLUMNS],
                  "now": [r[f"now_{stage}"] for stage in selectors.FUNNEL_NOW]} for r in rows],
        "totals": totals,
        "total_cells": [totals[key] for key, _label in FUNNEL_COLUMNS],
        "total_now": [n["value"] for n in now],
        "columns": FUNNEL_COLUMNS,
        "bars": bars,
        "now": now,
        "committee_viewer": is_committee_viewer(user),
    })
    return render(request, "liaison/review/funnel.html", context)
