"""Reads of periodic reports, scoped through branches.permissions: a report is visible where the user holds its
kind's capability over the report's organization."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from branches import permissions
from branches.models import Organization
from branches.permissions import Capability

from ..models import JobStatus, PeriodicReport
from .kinds import REPORT_KINDS, ReportType, get_kind
from .periods import recent_periods
from .services import REPORT_ORG_TYPES


def visible_kinds(user: Any) -> list[ReportType]:
    return [k for k in REPORT_KINDS.values() if permissions.has_capability_anywhere(user, k.capability)]


def reports(*, user: Any, params: Mapping[str, Any] | None = None) -> QuerySet[PeriodicReport]:
    """The reports in the user's scope, newest period first, filtered by kind, organization and year."""
    params = params or {}
    qs = PeriodicReport.objects.select_related("organization")
    if not permissions.scope_for(user).is_superuser:
        q = Q(pk__in=[])
        for report_type in REPORT_KINDS.values():
            scope = permissions.path_q(user, report_type.capability, prefix="organization__")
            if scope is not None:
                q |= Q(kind=report_type.kind) & scope
        qs = qs.filter(q)
    kind = params.get("kind") or ""
    if kind in REPORT_KINDS:
        qs = qs.filter(kind=kind)
    org = str(params.get("organization") or "")
    if org.isdigit():
        qs = qs.filter(organization_id=int(org))
    year = str(params.get("year") or "")
    if year.isdigit():
        qs = qs.filter(period_start__year=int(year))
    return qs.order_by("-period_start", "kind", "organization__path")


def latest(*, user: Any, count: int = 6) -> list[PeriodicReport]:
    """The reports generated last in the user's scope (the dashboard card)."""
    return list(reports(user=user).filter(status=JobStatus.SUCCEEDED).order_by("-generated_at", "-pk")[:count])


def report_get(*, user: Any, pk: Any) -> PeriodicReport:
    """404 outside the user's scope, 403 in scope without the kind's capability."""
    try:
        report = PeriodicReport.objects.select_related("organization", "requested_by").get(pk=pk)
    except (PeriodicReport.DoesNotExist, ValueError, TypeError):
        raise Http404
    report_type = get_kind(report.kind)
    if report_type is None:
        raise Http404
    permissions.check(user, report.organization, report_type.capability)
    return report


def can_generate(user: Any, report: PeriodicReport) -> bool:
    return permissions.has_capability(user, report.organization, Capability.EXPORT)


def report_organizations(*, user: Any) -> list[tuple[int, str]]:
    """The committees and general branches where the user may generate reports (EXPORT), for the form."""
    qs = permissions.scope_filter(
        Organization.objects.filter(closed_on__isnull=True, org_type__in=REPORT_ORG_TYPES), user, Capability.EXPORT)
    return [(o.pk, o.short_name or o.name) for o in qs.only("pk", "name", "short_name").order_by("path")[:500]]


def filter_organizations(*, user: Any) -> list[tuple[int, str]]:
    """The organizations of the list's filter: those of the reports the user may see."""
    ids = reports(user=user).values("organization_id").distinct()
    return [(o.pk, o.short_name or o.name) for o in
            Organization.objects.filter(pk__in=ids).only("pk", "name", "short_name").order_by("path")]


def period_choices(*, today: datetime.date) -> dict[str, list[tuple[str, str]]]:
    """For each kind, its recent finished periods as (start date, label)."""
    return {k.kind: [(p.start.isoformat(), p.label) for p in recent_periods(k.rule, today, 8)]
            for k in REPORT_KINDS.values()}


def no_capability() -> PermissionDenied:
    return PermissionDenied(gettext("您没有查看定期报表的权限。"))
