"""Reads for work notices, scoped through branches.permissions with a constant number of queries.

Committee side: notices of organizations where the user has ISSUE_NOTICES. Branch side: issued notices
addressed to branches where the user has LOG_MEETINGS or VIEW_PEOPLE; a branch sees only its own answers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Func, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from branches import permissions
from branches.models import (
    Meeting,
    NoticeItem,
    NoticeRecipient,
    NoticeReminder,
    NoticeStatus,
    NoticeSubmission,
    Organization,
    WorkNotice,
)

C = permissions.Capability
BRANCH_CAPS = (C.LOG_MEETINGS, C.VIEW_PEOPLE)


def can_view_branch(user: Any, org: Organization) -> bool:
    return any(permissions.has_capability(user, org, cap) for cap in BRANCH_CAPS)


def _branch_q(user: Any, prefix: str) -> Q | None:
    """Rows whose organization the user may see as a branch (None: everything)."""
    q = Q(pk__in=[])
    for cap in BRANCH_CAPS:
        part = permissions.path_q(user, cap, prefix=prefix)
        if part is None:
            return None
        q |= part
    return q


def _count(qs: QuerySet) -> Subquery:
    return Coalesce(Subquery(qs.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1]), 0)


def issued_notice_list(*, user: Any) -> QuerySet[WorkNotice]:
    """Notices of organizations where the user may issue notices, with progress counts."""
    subs = NoticeSubmission.objects.filter(item__notice=OuterRef("pk"))
    return (
        permissions.scope_filter(WorkNotice.objects.all(), user, C.ISSUE_NOTICES, prefix="organization__")
        .select_related("organization")
        .annotate(
            recipient_count=_count(NoticeRecipient.objects.filter(notice=OuterRef("pk"))),
            item_count=_count(NoticeItem.objects.filter(notice=OuterRef("pk"))),
            submitted_count=_count(subs),
            late_count=_count(subs.filter(late=True)),
        )
        .order_by("-created_at", "-id")
    )


def answering_branches(*, user: Any) -> QuerySet[Organization]:
    """Branches the user answers notices for (LOG_MEETINGS)."""
    return permissions.orgs_with(user, C.LOG_MEETINGS).open().branches()


@dataclass
class OpenItem:
    item: NoticeItem
    organization: Organization
    submission: NoticeSubmission | None = None
    reminded_on: datetime.date | None = None

    @property
    def overdue(self) -> bool:
        return self.submission is None and timezone.localdate() > self.item.deadline

    @property
    def days_left(self) -> int:
        return (self.item.deadline - timezone.localdate()).days


def branch_items(*, user: Any, organization: Organization | None = None, open_only: bool = True,
                 limit: int | None = None) -> list[OpenItem]:
    """Items of issued notices addressed to the user's branches, sorted by deadline.

    open_only: only items the branch has not answered yet."""
    recipients = NoticeRecipient.objects.filter(notice__status=NoticeStatus.ISSUED)
    q = _branch_q(user, "organization__")
    if q is not None:
        recipients = recipients.filter(q)
    if organization is not None:
        recipients = recipients.filter(organization=organization)
    pairs = list(recipients.select_related("organization").values_list("notice_id", "organization_id"))
    if not pairs:
        return []
    orgs = {o.pk: o for o in Organization.objects.filter(pk__in={org_id for _, org_id in pairs})}
    items = list(NoticeItem.objects.filter(notice_id__in={n for n, _ in pairs}).select_related("notice",
                                                                                           "notice__organization"))
    subs = {(s.item_id, s.organization_id): s for s in
            NoticeSubmission.objects.filter(item__in=items, organization_id__in=orgs)}
    reminded = dict(NoticeReminder.objects.filter(notice_id__in={n for n, _ in pairs}, organization_id__in=orgs)
                    .order_by("sent_on").values_list("organization_id", "sent_on"))
    by_notice: dict[int, list[int]] = {}
    for notice_id, org_id in pairs:
        by_notice.setdefault(notice_id, []).append(org_id)
    rows = []
    for item in items:
        for org_id in by_notice.get(item.notice_id, []):
            sub = subs.get((item.pk, org_id))
            if open_only and sub is not None:
                continue
            rows.append(OpenItem(item=item, organization=orgs[org_id], submission=sub,
                                 reminded_on=reminded.get(org_id)))
    rows.sort(key=lambda r: (r.item.deadline, r.item.notice_id, r.item.order, r.organization.path))
    return rows[:limit] if limit else rows


@dataclass
class NoticeView:
    notice: WorkNotice
    is_issuer: bool
    branches: list[Organization] = field(default_factory=list)  # the user's recipient branches


def notice_get(*, user: Any, pk: Any) -> NoticeView:
    """A notice the user may see: 404 otherwise."""
    try:
        notice = WorkNotice.objects.select_related("organization", "issued_by").get(pk=pk)
    except (WorkNotice.DoesNotExist, ValueError, TypeError):
        raise Http404
    is_issuer = permissions.has_capability(user, notice.organization, C.ISSUE_NOTICES)
    orgs: list[Organization] = []
    if notice.is_issued:
        orgs = [r.organization for r in notice.recipients.select_related("organization").order_by("organization__path")
                if can_view_branch(user, r.organization)]
    if not is_issuer and not orgs:
        raise Http404
    return NoticeView(notice=notice, is_issuer=is_issuer, branches=orgs)


@dataclass
class Cell:
    submission: NoticeSubmission | None
    overdue: bool


@dataclass
class MatrixRow:
    organization: Organization
    cells: list[Cell]
    submitted: int
    late: int
    reminded_today: bool


def notice_matrix(*, notice: WorkNotice) -> tuple[list[NoticeItem], list[MatrixRow]]:
    """Branch × item for the issuer (four queries at any size)."""
    items = list(notice.items.all())
    recipients = [r.organization for r in notice.recipients.select_related("organization")
                  .order_by("organization__path")]
    subs = {(s.item_id, s.organization_id): s for s in NoticeSubmission.objects.filter(item__notice=notice)}
    today = timezone.localdate()
    reminded = set(NoticeReminder.objects.filter(notice=notice, sent_on=today).values_list("organization_id",
                                                                                           flat=True))
    rows = []
    for org in recipients:
        cells = [Cell(submission=subs.get((item.pk, org.pk)),
                      overdue=(item.pk, org.pk) not in subs and today > item.deadline) for item in items]
        rows.append(MatrixRow(organization=org, cells=cells,
                              submitted=sum(1 for c in cells if c.submission),
                              late=sum(1 for c in cells if c.submission and c.submission.late),
                              reminded_today=org.pk in reminded))
    return items, rows


def submission_get(*, user: Any, pk: Any) -> NoticeSubmission:
    """A submission: the issuer and the answering branch see it; everyone else gets 404."""
    try:
        sub = NoticeSubmission.objects.select_related(
            "item", "item__notice", "item__notice__organization", "organization", "meeting", "submitted_by",
        ).get(pk=pk)
    except (NoticeSubmission.DoesNotExist, ValueError, TypeError):
        raise Http404
    if permissions.has_capability(user, sub.item.notice.organization, C.ISSUE_NOTICES):
        return sub
    if can_view_branch(user, sub.organization):
        return sub
    raise Http404


def meeting_choices(*, organization: Organization, item: NoticeItem) -> QuerySet[Meeting]:
    """The branch's meetings that can answer a meeting_held item."""
    notice = item.notice
    qs = Meeting.objects.filter(organization=organization, meeting_type=item.meeting_type,
                                held_at__lte=timezone.now())
    if notice.issued_at:
        start = timezone.localtime(notice.issued_at).replace(hour=0, minute=0, second=0, microsecond=0)
        qs = qs.filter(held_at__gte=start)
    return qs.order_by("-held_at")


def issuer_orgs(*, user: Any) -> QuerySet[Organization]:
    from .services import ISSUER_TYPES

    return permissions.orgs_with(user, C.ISSUE_NOTICES).open().filter(org_type__in=ISSUER_TYPES)


def exportable_notices(*, user: Any) -> QuerySet[WorkNotice]:
    """Issued notices whose matrix the user may export: ISSUE_NOTICES (the matrix page's right) and EXPORT at
    the issuing organization."""
    qs = WorkNotice.objects.filter(status=NoticeStatus.ISSUED)
    qs = permissions.scope_filter(qs, user, C.ISSUE_NOTICES, prefix="organization__")
    qs = permissions.scope_filter(qs, user, C.EXPORT, prefix="organization__")
    return qs.select_related("organization").order_by("-issued_at", "-id")


def committee_open_notices(*, user: Any, on: datetime.date | None = None, limit: int = 6
                           ) -> tuple[list[WorkNotice], int]:
    """The committee dashboard's card: issued notices of the user's committees not yet fully answered, newest
    first, with answered/expected and overdue (unanswered past the deadline) counts; and how many there are.
    Two queries at any number of notices, branches and items."""
    today = on or timezone.localdate()
    subs = NoticeSubmission.objects.filter(item__notice=OuterRef("pk"))
    items = NoticeItem.objects.filter(notice=OuterRef("pk"))
    qs = (
        permissions.scope_filter(WorkNotice.objects.filter(status=NoticeStatus.ISSUED), user, C.ISSUE_NOTICES,
                                 prefix="organization__")
        .select_related("organization")
        .annotate(
            recipient_count=_count(NoticeRecipient.objects.filter(notice=OuterRef("pk"))),
            item_count=_count(items),
            submitted_count=_count(subs),
            past_item_count=_count(items.filter(deadline__lt=today)),
            past_submitted_count=_count(subs.filter(item__deadline__lt=today)),
            next_deadline=Subquery(items.filter(deadline__gte=today).order_by("deadline").values("deadline")[:1]),
        )
        .annotate(expected_count=F("recipient_count") * F("item_count"))
        .filter(submitted_count__lt=F("expected_count"))
        .order_by("-issued_at", "-id")
    )
    total = qs.count()
    notices = list(qs[:limit])
    for n in notices:
        # Answers come from recipients only, so what is missing past a deadline is the difference.
        n.overdue_count = n.recipient_count * n.past_item_count - n.past_submitted_count
    return notices, total
