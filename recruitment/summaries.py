"""The per-branch pipeline summary (PipelineSummary): the committee overview's counts per branch, stored so that
the overview filters, sorts, pages and totals every branch in SQL instead of aggregating every pipeline of the
academy and sorting a few thousand rows in Python on each request.

A summary is derived data, valid for the day it was computed on (`computed_on`): the passing of a date puts a
pipeline past its time limit without any write. It is kept current by
- the pipeline services (a pipeline opened, a step recorded, a pipeline stopped: its branch, after commit),
- the nightly job (every branch, after the next steps and due dates are recomputed),
- and the overview itself, which first refreshes any branch in its scope with pipelines whose summary is
  missing or not from today (so the page is right on a fresh or bulk-loaded database)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import Count, Exists, Func, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from branches.models import Organization

from .models import Pipeline, PipelineSummary

BATCH = 1000  # summaries per upsert
CURRENT_CHECK_SECONDS = 60  # how long a passed freshness check is trusted (see ensure_current)
COUNT_FIELDS = ("total", "applicant", "activist", "candidate", "probationary", "full", "ended", "active", "stuck",
                "violations", "pending")


def refresh(*, org_ids: Iterable[int] | None = None, on: datetime.date | None = None) -> int:
    """Recompute and upsert the summaries of the given branches, or of every branch with pipelines (then the
    summaries of branches left without pipelines are deleted). One aggregate grouped by the branch's id;
    returns the number of summaries written."""
    from . import selectors

    on = on or timezone.localdate()
    qs = Pipeline.objects.all()
    ids = None if org_ids is None else set(org_ids)
    if ids is not None:
        if not ids:
            return 0
        qs = qs.filter(organization_id__in=ids)
    rows = (qs.values("organization_id")
            .annotate(total=Count("pk"), **selectors._count_aggregates(on, selectors.committee_step_codes()))
            .order_by())
    summaries = [PipelineSummary(organization_id=row["organization_id"], computed_on=on,
                                 **{key: row[key] for key in COUNT_FIELDS}) for row in rows]
    for start in range(0, len(summaries), BATCH):
        PipelineSummary.objects.bulk_create(summaries[start:start + BATCH], update_conflicts=True,
                                            unique_fields=["organization"],
                                            update_fields=["computed_on", *COUNT_FIELDS])
    written = {s.organization_id for s in summaries}
    if ids is not None:
        PipelineSummary.objects.filter(organization_id__in=ids - written).delete()
    else:
        PipelineSummary.objects.exclude(organization_id__in=written).delete()
    return len(summaries)


def refresh_for_organization(*, org_id: int, on: datetime.date | None = None) -> int:
    """After a pipeline write at a branch: refresh that branch's summary."""
    return refresh(org_ids=[org_id], on=on)


def is_current(*, on: datetime.date) -> bool:
    """Whether every summary is from `on` and they cover every pipeline (one small aggregate): false after a
    date rollover without the nightly job, or pipelines loaded without the services (a seeded database)."""
    pipelines = Pipeline.objects.order_by().annotate(n=Func("pk", function="COUNT")).values("n")
    summed = PipelineSummary.objects.aggregate(covered=Coalesce(Sum("total", filter=Q(computed_on=on)), 0),
                                               old=Count("pk", filter=~Q(computed_on=on)),
                                               pipelines=Max(Subquery(pipelines)))  # computed once
    if summed["pipelines"] is None:  # no summary at all: the sub-select had no row to run for
        return not Pipeline.objects.exists()
    return summed["old"] == 0 and summed["covered"] == summed["pipelines"]


def stale(*, on: datetime.date) -> list[int]:
    """Ids of the organizations with pipelines or a summary but without a summary computed on `on`."""
    current = PipelineSummary.objects.filter(organization=OuterRef("pk"), computed_on=on)
    with_rows = Q(Exists(Pipeline.objects.filter(organization=OuterRef("pk")))) | Q(pipeline_summary__isnull=False)
    return list(Organization.objects.filter(with_rows).filter(~Exists(current)).order_by()
                .values_list("pk", flat=True))


def ensure_current(*, on: datetime.date) -> int:
    """Refresh the summaries that are missing or from another day, for every branch (derived data: a
    committee's page heals the rows of others too, so the check stays cheap); one or two small queries when
    every summary is current."""
    key = f"recruitment:summaries-current:{on.isoformat()}"
    if cache.get(key):
        return 0
    if is_current(on=on):
        # The services refresh a branch's summary after each write; this check is for pipelines loaded around
        # them, so it runs at most once a minute per cache.
        cache.set(key, True, CURRENT_CHECK_SECONDS)
        return 0
    ids = stale(on=on)
    return refresh(org_ids=ids, on=on) if ids else 0
