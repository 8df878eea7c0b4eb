"""Reads of the development pipeline, already scoped through the permission module.

Who sees a pipeline: anyone with VIEW_PEOPLE or MANAGE_RECRUITMENT over its branch (a 党委委员 sees the
pipelines of the branches under the committee). Who records: see recruitment.services.can_record."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from branches import permissions
from branches.permissions import Capability

from .models import Pipeline

VIEW_CAPABILITIES = (Capability.VIEW_PEOPLE, Capability.MANAGE_RECRUITMENT)


def _view_q(user: Any, prefix: str = "organization__") -> Q | None:
    """None: no restriction (superuser); else the union of the subtrees where the user may view pipelines."""
    if permissions.scope_for(user).is_superuser:
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
