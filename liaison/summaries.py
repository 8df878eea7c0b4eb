"""The per-organization coverage summary (LiaisonSummary) behind the coverage review: the numbers of
liaison.selectors._coverage_rows, stored with the organization's path and names.

Kept current by the services (the organization of each write, after commit), by a nightly beat job (every
organization: "talk overdue" and "this year" move with the date) and by the review itself, which first refreshes
everything when any summary is not from today (the first view after midnight before the job ran, a freshly loaded
database). Rebuilding every organization's summary costs a handful of GROUP BY queries."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import Count, Func, Max, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import rules as rulesmod
from .models import FollowUp, LiaisonPair, LiaisonSummary, TalentProfile

CURRENT_CHECK_SECONDS = 60  # how long a passed freshness check is trusted (see ensure_current)
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
    """Refresh every summary when one is not from `on`, or when they do not add up to the pool entries and open
    pairs of the day (rows written around the services, e.g. a bulk load); one small query when they are
    current, and none for a minute after a check passed (the services refresh what they write)."""
    on = on or timezone.localdate()
    key = f"liaison:summaries-current:{on.isoformat()}"
    if cache.get(key):
        return 0
    profiles = (TalentProfile.objects.filter(added_on__lte=on).filter(Q(removed_on__isnull=True) | Q(removed_on__gt=on))
                .order_by().annotate(n=Func("pk", function="COUNT")).values("n"))
    pairs = (LiaisonPair.objects.filter(started_on__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
             .order_by().annotate(n=Func("pk", function="COUNT")).values("n"))
    found = LiaisonSummary.objects.aggregate(
        old=Count("pk", filter=~Q(computed_on=on)), pool=Coalesce(Sum("pool"), 0),
        pairs=Coalesce(Sum("pairs"), 0) + Coalesce(Sum("pairings"), 0),
        profiles=Max(Subquery(profiles)), open_pairs=Max(Subquery(pairs)))  # each computed once
    if found["profiles"] is None:  # no summary at all: the sub-selects had no row to run for
        stale = TalentProfile.objects.exists() or LiaisonPair.objects.exists()
    else:
        stale = found["old"] or found["pool"] != found["profiles"] or found["pairs"] != found["open_pairs"]
    if stale:
        return refresh(on=on)
    cache.set(key, True, CURRENT_CHECK_SECONDS)
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
