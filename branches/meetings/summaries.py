"""The per-branch 三会一课 summary (ComplianceSummary): the tallies of branches.meetings.compliance for the
month, quarter and year of a day, stored so that the committee overview filters, sorts and pages every branch
in SQL instead of evaluating about 45 cells per branch on each request.

A summary is derived data and is valid for the day it was computed on (`computed_on`): the passing of a
date turns "due" into "overdue" without any write. It is kept current by
- the meeting services (a meeting recorded, changed or confirmed: its branch, after commit),
- the organization services (committee, founding date, type, names, party groups, closing: the branch; a move:
  every branch of the moved subtree, whose paths changed; after commit),
- the rule-set admin (every branch) and a nightly beat job (every branch, for the date rollover),
- and the overview itself, which first refreshes any branch in its scope whose summary is missing or not from
  today (so the page is right even when the nightly job has not run, e.g. on a fresh demo database)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from branches.models import ComplianceSummary, Organization, OrgType

from . import compliance
from . import rules as rulesmod

BATCH = 500  # branches evaluated per meeting aggregate and per upsert
# Below this many branches, load only their subtrees; above it, read every open branch and party group once.
SUBTREE_LIMIT = 50
UPDATE_FIELDS = [
    "path", "name", "short_name", "computed_on", "month_done", "month_required", "quarter_done", "quarter_required", "quarter_overdue",
    "year_done", "year_required", "overdue", "due", "month_ratio", "quarter_ratio", "year_ratio", "overdue_items",
]
_ORG_FIELDS = ("pk", "path", "depth", "name", "short_name", "org_type", "has_committee", "founded_on", "closed_on")


def _infos(org_ids: list[int] | None) -> list[compliance.BranchInfo]:
    """Open branches (all, or those of `org_ids`) with their open party groups, in path order."""
    qs = (Organization.objects.filter(closed_on__isnull=True,
                                      org_type__in=[*OrgType.branch_types(), OrgType.PARTY_GROUP])
          .order_by("path").only(*_ORG_FIELDS))
    if org_ids is None:
        return compliance._branch_infos(qs.iterator(chunk_size=5000))
    if len(org_ids) <= SUBTREE_LIMIT:
        paths = list(Organization.objects.filter(pk__in=org_ids).values_list("path", flat=True))
        if not paths:
            return []
        subtrees = Q()
        for path in paths:
            subtrees |= Q(path__startswith=path)
        qs = qs.filter(subtrees)
    wanted = set(org_ids)
    return [info for info in compliance._branch_infos(qs.iterator(chunk_size=5000)) if info.org.pk in wanted]


def evaluate(infos: list[compliance.BranchInfo], *, on: datetime.date
             ) -> Iterator[compliance.BranchCompliance]:
    """Each branch's year (of `on`) through compliance.compute, BATCH branches per meeting aggregate."""
    book = compliance.RuleBook(rulesmod.rule_sets())
    year = compliance.year_period(on.year)
    now = timezone.now()
    for start in range(0, len(infos), BATCH):
        chunk = infos[start:start + BATCH]
        ids = [pk for info in chunk for pk in (info.org.pk, *info.group_ids)]
        counts = compliance._count_meetings(ids, chunk, year.start, year.end, now)
        for info in chunk:
            yield compliance.compute(info, book, counts, year=on.year, on=on)


def _summary(result: compliance.BranchCompliance, on: datetime.date) -> ComplianceSummary:
    overdue_items = [[cell.period.code, cell.meeting_type] for key in result.rows for cell in result.cells[key]
                     if cell.status == compliance.OVERDUE]
    return ComplianceSummary(
        organization_id=result.org.pk, year=result.year, computed_on=on,
        path=result.org.path, name=result.org.name, short_name=result.org.short_name,
        month_done=result.month.done, month_required=result.month.required,
        quarter_done=result.quarter.done, quarter_required=result.quarter.required,
        quarter_overdue=result.quarter.overdue,
        year_done=result.whole_year.done, year_required=result.whole_year.required,
        overdue=result.whole_year.overdue,
        # The quarter's cells include this month's, so this is what makes a branch "进行中".
        due=result.quarter.due,
        month_ratio=result.month.ratio, quarter_ratio=result.quarter.ratio, year_ratio=result.whole_year.ratio,
        overdue_items=overdue_items,
    )


def refresh(*, org_ids: Iterable[int] | None = None, on: datetime.date | None = None) -> int:
    """Recompute and upsert the summaries for the year of `on` (today) of the given open branches, or of every
    open branch. Summaries of the given ids (or of any organization, for all) that are no longer open branches
    (closed, or now a committee) are deleted: the overview counts open branches against summaries of the day.
    Returns the number of summaries written."""
    on = on or timezone.localdate()
    ids = None if org_ids is None else list(org_ids)
    infos = _infos(ids)
    gone = ComplianceSummary.objects.exclude(organization_id__in=[info.org.pk for info in infos])
    if ids is not None:
        gone = gone.filter(organization_id__in=ids)
    gone.delete()
    written = 0
    batch: list[ComplianceSummary] = []
    for result in evaluate(infos, on=on):
        batch.append(_summary(result, on))
        if len(batch) >= BATCH:
            written += _upsert(batch)
            batch = []
    return written + _upsert(batch)


def _upsert(batch: list[ComplianceSummary]) -> int:
    if batch:
        ComplianceSummary.objects.bulk_create(batch, update_conflicts=True, unique_fields=["organization", "year"],
                                              update_fields=UPDATE_FIELDS)
    return len(batch)


def refresh_for_organization(*, org_id: int, on: datetime.date | None = None) -> int:
    """After a change at one organization (a meeting recorded there, its fields, a party group added or
    closed): refresh the branch that owns it — itself, or the branch above a party group. Committees have no
    summary of their own."""
    org = Organization.objects.filter(pk=org_id).only("pk", "path", "org_type").first()
    if org is None:
        return 0
    if org.org_type == OrgType.PARTY_GROUP:
        parent = Organization.objects.filter(path=org.path[:-Organization.steplen]).values_list("pk", flat=True)
        return refresh(org_ids=list(parent), on=on)
    if org.org_type in OrgType.branch_types():
        return refresh(org_ids=[org.pk], on=on)
    ComplianceSummary.objects.filter(organization_id=org.pk).delete()  # e.g. a branch turned into a committee
    return 0


def refresh_subtree(*, org_id: int, on: datetime.date | None = None) -> int:
    """After a move: every branch at or below the organization, since their paths (copied into the summaries)
    changed."""
    org = Organization.objects.filter(pk=org_id).only("pk", "path").first()
    if org is None:
        return 0
    ids = list(Organization.objects.filter(path__startswith=org.path, org_type__in=OrgType.branch_types())
               .values_list("pk", flat=True))
    return refresh(org_ids=ids, on=on)


def stale(branches: QuerySet[Organization], *, on: datetime.date) -> list[int]:
    """Ids of the branches among `branches` without a summary computed on `on` (one query)."""
    current = ComplianceSummary.objects.filter(organization=OuterRef("pk"), year=on.year, computed_on=on)
    return list(branches.filter(org_type__in=OrgType.branch_types())
                .filter(~Exists(current)).order_by().values_list("pk", flat=True))


def ensure_current(branches: QuerySet[Organization], *, on: datetime.date) -> int:
    """Refresh the branches among `branches` whose summary is missing or from another day; one query when
    every summary is current."""
    ids = stale(branches, on=on)
    return refresh(org_ids=ids, on=on) if ids else 0
