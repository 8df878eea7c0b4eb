"""Daily reminders of the development pipeline, as rows of the portal's Notification (branches.reminders).

Who is told what: the people with MANAGE_RECRUITMENT at a branch (书记、副书记、组织委员) about the branch's
talks and assessments due and probation ending; the recruiters of the committee above the branch (党委书记,
who record 预审、谈话、审批) about approvals pending beyond their limit. Idempotent like the meeting reminders:
one row per (user, thing, day), so running twice on a day creates nothing new; the e-mail digest of
branches.reminders.digest_send picks the rows up. A fixed number of queries at any number of pipelines."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse

from branches import permissions
from branches.models import Notification, NotificationKind, Organization, Role
from branches.permissions import Capability

from . import selectors
from .models import Pipeline

RECRUITER_KINDS = tuple(permissions.kinds_with(Capability.MANAGE_RECRUITMENT))


def _parent_path(path: str) -> str:
    return path[:-Organization.steplen]


def reminders_compute(*, on: datetime.date) -> int:
    """Create today's recruitment reminders; returns how many were created (0 when run again the same day)."""
    items = selectors.compute_due(Pipeline.objects.filter(organization__closed_on__isnull=True), on=on)
    if not items:
        return 0
    branch_paths = {i.pipeline.organization.path for i in items}
    committee_paths = {_parent_path(i.pipeline.organization.path) for i in items if i.for_committee}
    holders: dict[str, set[int]] = {}
    for user_id, path in (Role.objects.active(on)
                          .filter(kind__in=RECRUITER_KINDS, organization__path__in=branch_paths | committee_paths,
                                  organization__closed_on__isnull=True, user__is_active=True)
                          .values_list("user_id", "organization__path")):
        holders.setdefault(path, set()).add(user_id)
    rows = []
    for item in items:
        pipeline = item.pipeline
        path = _parent_path(pipeline.organization.path) if item.for_committee else pipeline.organization.path
        kind = NotificationKind.RECRUITMENT_OVERDUE if item.overdue else NotificationKind.RECRUITMENT_DUE
        key = f"recruitment:{item.kind}:{pipeline.pk}:{item.due_on.isoformat()}"
        url = reverse("recruitment:detail", args=[pipeline.pk])
        for user_id in sorted(holders.get(path, ())):
            rows.append(Notification(user_id=user_id, organization_id=pipeline.organization_id, kind=kind, key=key,
                                     title=item.title[:300], url=url, created_on=on))
    if not rows:
        return 0
    with transaction.atomic():
        before = Notification.objects.filter(created_on=on, key__startswith="recruitment:").count()
        Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        return Notification.objects.filter(created_on=on, key__startswith="recruitment:").count() - before
