"""Compliance pages: a branch's year calendar, the committee view of all branches, and the dashboard card."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext

from branches import permissions
from branches.models import Organization
from branches.permissions import Capability

from . import compliance

PAGE_SIZE = 25


def _branch_or_404(request: HttpRequest, pk: int) -> Organization:
    try:
        org = Organization.objects.get(pk=pk)
    except Organization.DoesNotExist:
        raise Http404
    compliance.check_view(request.user, org)
    return org


def _year(request: HttpRequest) -> int:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except (TypeError, ValueError):
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


@login_required
def calendar(request: HttpRequest, pk: int) -> HttpResponse:
    org = _branch_or_404(request, pk)
    year = _year(request)
    today = timezone.localdate()
    data = compliance.branch_year(org=org, year=year, on=today)
    months = compliance.periods_of_year("month", year)
    monthly = [(key, data.cells[key]) for key in data.rows if key[1] == "month"]
    quarterly = [(key, data.cells[key]) for key in data.rows if key[1] == "quarter"]
    yearly = [(key, data.cells[key]) for key in data.rows if key[1] == "year"]
    by_month = [
        {"period": p, "cells": [(key, cells[i]) for key, cells in monthly], "current": p.start <= today < p.end}
        for i, p in enumerate(months)
    ]
    return render(request, "compliance/calendar.html", {
        "nav_active": "meetings",
        "org": org,
        "year": year,
        "years": list(range(today.year - 4, today.year + 2)),
        "data": data,
        "months": months,
        "monthly": monthly,
        "quarterly": quarterly,
        "yearly": yearly,
        "by_month": by_month,
        "today": today,
        "can_export": permissions.has_capability(request.user, org, Capability.EXPORT),
    })


@login_required
def card(request: HttpRequest, pk: int) -> HttpResponse:
    """The dashboard card: this month's status of the branch (loaded by htmx)."""
    org = _branch_or_404(request, pk)
    today = timezone.localdate()
    data = compliance.branch_year(org=org, year=today.year, on=today)
    month = compliance.period_containing("month", today)
    cells = [c for row in data.cells.values() for c in row if c.period.contains(month)]
    return render(request, "compliance/_card.html", {"org": org, "data": data, "cells": cells, "month": month})


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not any(permissions.has_capability_anywhere(user, cap) for cap in compliance.VIEW_CAPABILITIES):
        raise PermissionDenied(gettext("您没有查看组织生活的权限。"))
    today = timezone.localdate()
    q = request.GET.get("q", "").strip()[:50]
    only_overdue = request.GET.get("overdue") == "1"
    sort = request.GET.get("sort", "name")
    if sort.lstrip("-") not in compliance.SORTS:
        sort = "name"
    found = compliance.overview(user=user, on=today, q=q, only_overdue=only_overdue, sort=sort)
    paginator = Paginator(found.rows.only(*compliance.PAGE_FIELDS), PAGE_SIZE)
    paginator.count = found.count  # counted with the stale check: no second COUNT
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = [compliance.OverviewRow.from_summary(s) for s in page.object_list]
    filters = {k: v for k, v in (("q", q), ("overdue", "1" if only_overdue else "")) if v}
    query = urlencode({**filters, "sort": sort})
    return render(request, "compliance/overview.html", {
        "nav_active": "meetings",
        "page": page,
        "query": query,
        "filters_query": urlencode(filters),
        "q": q,
        "only_overdue": only_overdue,
        "sort": sort,
        "sorts": compliance.SORTS,
        "month": compliance.period_containing("month", today),
        "quarter": compliance.period_containing("quarter", today),
        "year": compliance.year_period(today.year),
        "can_export": permissions.has_capability_anywhere(user, Capability.EXPORT),
        "export_query": query,
    })
