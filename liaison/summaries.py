"""The per-organization coverage summary (LiaisonSummary) behind the coverage review: the numbers of
liaison.selectors._coverage_rows, stored with the organization's path and names.

Kept current by the services (the organization of each write, after commit), by a nightly beat job (every
organization: "talk overdue" and "this year" move with the date) and by the review itself, which first refreshes
everything when any summary is not from today (the first view after midnight before the job ran, a freshly loaded
database). Rebuilding every organization's summary costs a handful of GROUP BY queries."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Count, Q
from django.utils import timezone

from . import rules as rulesmod
from .models import FollowUp, LiaisonPair, LiaisonSummary, TalentProfile

FIELDS = ["pool", "high_knowledge", "uncovered", "pairs", "pairings", "liaisons", "overloaded", "talks_overdue",
          "open_follow_ups", "follow_ups_overdue", "open_requests", "applied", "activists"]


def refresh(*, org_ids: Iterable[int] | None = None, on: datetime.date | None = None) -> int:
    """Recompute the summaries of the given organizations (or of every one); an organization that keeps nothing
    any more loses its summary. Returns the number written."""
    from .selectors import _coverage_rows

    on = on or timezone.localdate()
    ids = None if org_ids is None else list(org_ids)
    profiles, pairs, follow_ups = TalentProfile.objects.all(), LiaisonPair.objects.all(), FollowUp.objects.all()
    if ids is not None:
        profiles = profiles.filter(organization_id__in=ids)
        pairs = pairs.filter(organization_id__in=ids)
        follow_ups = follow_ups.filter(talk__pair__organization_id__in=ids)
    rows = _coverage_rows(profiles, pairs, follow_ups, rulesmod.current(on), on)
    gone = LiaisonSummary.objects.exclude(organization_id__in=[org.pk for org, _ in rows])
    if ids is not None:
        gone = gone.filter(organization_id__in=ids)
    gone.delete()
    objs = [LiaisonSummary(organization=org, path=org.path, name=org.name, short_name=org.short_name,
                           computed_on=on, **{f: getattr(numbers, f) for f in FIELDS}) for org, numbers in rows]
    LiaisonSummary.objects.bulk_create(objs, batch_size=1000, update_conflicts=True, unique_fields=["organization"],
                                       update_fields=["path", "name", "short_name", "computed_on", *FIELDS])
    return len(objs)


def ensure_current(*, on: datetime.date | None = None) -> int:
    """Refresh every summary when one is not from `on`, or when there is none while the pool has entries; one
    small query when they are current."""
    on = on or timezone.localdate()
    found = LiaisonSummary.objects.aggregate(n=Count("pk"), old=Count("pk", filter=~Q(computed_on=on)))
    if found["old"] or (not found["n"] and TalentProfile.objects.exists()):
        return refresh(on=on)
    return 0


def copy_names(*, org_id: int) -> int:
    """After an organization is renamed or moved: the path and names copied into the summaries at and below it."""
    from branches.models import Organization

    org = Organization.objects.filter(pk=org_id).only("path").first()
    if org is None:
        return 0
    rows = list(LiaisonSummary.objects.filter(organization__path__startswith=org.path).select_related("organization"))
    for row in rows:
        row.path, row.name, row.short_name = row.organization.path, row.organization.name, row.organization.short_name
    LiaisonSummary.objects.bulk_update(rows, ["path", "name", "short_name"])
    return len(rows)
