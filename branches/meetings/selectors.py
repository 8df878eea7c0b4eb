"""Reads of meeting records, already scoped to the user through branches.permissions.

Viewing meetings needs VIEW_PEOPLE or LOG_MEETINGS on the organization; every list costs a constant
number of queries however many meetings it holds."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext

from branches import permissions
from branches.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    MeetingType,
    Organization,
    Vote,
)
from branches.permissions import Capability
from members.codes import PoliticalStatus
from members.models import Person

from .services import branch_of

VIEW_CAPABILITIES = (Capability.VIEW_PEOPLE, Capability.LOG_MEETINGS)
PARTY_STATUSES = (PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY)


def _view_q(user: Any, *, prefix: str = "organization__") -> Q | None:
    """Rows whose organization the user may view meetings of (None: everything)."""
    combined = Q(pk__in=[])
    for capability in VIEW_CAPABILITIES:
        q = permissions.path_q(user, capability, prefix=prefix)
        if q is None:
            return None
        combined |= q
    return combined


def can_view(user: Any, organization: Organization) -> bool:
    return any(permissions.has_capability(user, organization, c) for c in VIEW_CAPABILITIES)


def orgs_for_meetings(*, user: Any) -> QuerySet[Organization]:
    """Organizations whose meetings the user may see."""
    q = _view_q(user, prefix="")
    qs = Organization.objects.all()
    return qs if q is None else qs.filter(q)


def _attendance_count(status: str | None = None) -> Coalesce:
    rows = Attendance.objects.filter(meeting=OuterRef("pk"))
    if status is not None:
        rows = rows.filter(status=status)
    counted = rows.order_by().values("meeting").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_counts(qs: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Attendance counts per meeting, as correlated subqueries: only the rows of the page are counted
    (no GROUP BY over every meeting in scope), and a paginator's count() leaves them out."""
    return qs.annotate(
        attendance_count=_attendance_count(),
        present_count=_attendance_count(AttendanceStatus.PRESENT),
        absent_count=_attendance_count(AttendanceStatus.ABSENT),
        leave_count=_attendance_count(AttendanceStatus.LEAVE),
    )


def meeting_scope(*, user: Any) -> QuerySet[Meeting]:
    q = _view_q(user)
    qs = Meeting.objects.all()
    return qs if q is None else qs.filter(q)


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return parse_date(value.strip())
        except ValueError:
            return None
    return None


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def meeting_list(*, user: Any, params: Mapping[str, Any] | None = None) -> QuerySet[Meeting]:
    """Meetings the user may see, newest first.

    params: organization (pk; its whole subtree), meeting_type (one or a list), date_from, date_to (dates,
    inclusive), status, q (in the title)."""
    params = params or {}
    qs = meeting_scope(user=user)
    org_pk = params.get("organization")
    if org_pk not in (None, ""):
        path = Organization.objects.filter(pk=org_pk).values_list("path", flat=True).first() \
            if str(org_pk).isdigit() else None
        qs = qs.filter(organization__path__startswith=path) if path else qs.none()
    types = params.get("meeting_type")
    if hasattr(params, "getlist"):
        types = params.getlist("meeting_type") or types
    if types:
        types = [types] if isinstance(types, str) else list(types)
        types = [t for t in types if t in MeetingType.values]
        if types:
            qs = qs.filter(meeting_type__in=types)
    date_from = _date(params.get("date_from"))
    if date_from:
        qs = qs.filter(held_at__gte=_aware(date_from))
    date_to = _date(params.get("date_to"))
    if date_to:
        qs = qs.filter(held_at__lt=_aware(date_to + datetime.timedelta(days=1)))
    status = params.get("status")
    if status in MeetingStatus.values:
        qs = qs.filter(status=status)
    text = (params.get("q") or "").strip() if isinstance(params.get("q"), str) else ""
    if text:
        qs = qs.filter(title__icontains=text)
    return with_counts(qs.select_related("organization", "host", "recorder")).order_by("-held_at", "-id")


def meeting_get(*, user: Any, pk: Any, capability: str | None = None) -> Meeting:
    """One meeting with everything its page shows. capability None: viewing (VIEW_PEOPLE or LOG_MEETINGS).

    404 outside the user's scope, 403 inside it without the capability."""
    try:
        meeting = (
            Meeting.objects.select_related("organization", "host", "recorder", "confirmed_by", "created_by")
            .prefetch_related(
                Prefetch("attendance", queryset=Attendance.objects.select_related(
                    "person__membership", "person__organization").order_by("person__name_pinyin", "person_id")),
                "guests",
                Prefetch("votes", queryset=Vote.objects.select_related("candidate").order_by("pk")),
                "grades__person",
                "attachments",
                "revisions__changed_by",
            )
            .get(pk=pk)
        )
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    org = meeting.organization
    if not permissions.in_scope(user, org):
        raise Http404
    if capability is None:
        if not can_view(user, org):
            raise PermissionDenied(gettext("您没有此项权限。"))
    else:
        permissions.check(user, org, capability)
    return meeting


def person_attendance(*, user: Any, person: Person) -> QuerySet[Attendance]:
    """The meetings a person attended or missed, newest first, among those the user may see."""
    q = _view_q(user, prefix="meeting__organization__")
    qs = Attendance.objects.filter(person=person)
    if q is not None:
        qs = qs.filter(q)
    return qs.select_related("meeting", "meeting__organization").order_by("-meeting__held_at", "-meeting_id")


def months_before(day: datetime.date, months: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def absence_review_months() -> int:
    """How many months without attending organizational life flag a member for the lost-contact review.

    党章 art.9 and the 党员教育管理工作条例 say six (domain.md §3.2); a deployment may set
    PORTAL_ABSENCE_REVIEW_MONTHS."""
    return int(getattr(settings, "PORTAL_ABSENCE_REVIEW_MONTHS", 6))


def _last_attended() -> Subquery:
    present = (Attendance.objects.filter(person=OuterRef("pk"), status=AttendanceStatus.PRESENT)
               .order_by().values("person").annotate(last=Max("meeting__held_at")).values("last"))
    return Subquery(present)


def members_without_attendance(
    *, organization: Organization, months: int | None = None, on: datetime.date | None = None
) -> QuerySet[Person]:
    """Party members of the branch (or of every branch below a committee) who attended nothing in the
    `months` before `on` (domain.md §3.2: flag for the lost-contact review), each with `last_attended_at`
    (None: never). One query; members admitted within the window are left out. `months` defaults to
    absence_review_months()."""
    on = on or timezone.localdate()
    since = months_before(on, absence_review_months() if months is None else months)
    branch = branch_of(organization)
    attended = Attendance.objects.filter(
        person=OuterRef("pk"),
        status=AttendanceStatus.PRESENT,
        meeting__held_at__gte=_aware(since),
        meeting__held_at__lt=_aware(on + datetime.timedelta(days=1)),
    )
    return (
        Person.objects.filter(organization__path__startswith=branch.path, political_status__in=PARTY_STATUSES)
        .exclude(membership__admitted_on__gt=since)
        .filter(~Exists(attended))
        .annotate(last_attended_at=_last_attended())
        .select_related("membership", "organization")
        .order_by("name_pinyin", "id")
    )


def absent_members(*, user: Any, organization: Organization) -> QuerySet[Person]:
    """members_without_attendance for a user: 404 outside their scope, 403 unless they may view the
    organization's meetings (VIEW_PEOPLE or LOG_MEETINGS)."""
    if not permissions.in_scope(user, organization):
        raise Http404
    if not can_view(user, organization):
        raise PermissionDenied(gettext("您没有此项权限。"))
    return members_without_attendance(organization=organization)


@dataclass
class AbsentCard:
    organization: Organization
    months: int
    count: int
    people: list[Person]


def absent_card(*, user: Any, organization: Organization, first: int = 5) -> AbsentCard | None:
    """The dashboard card: how many members of the organization attended nothing for the review period and
    the first few of them (two queries at any size); None when the user may not see its meetings."""
    if not can_view(user, organization):
        return None
    qs = members_without_attendance(organization=organization)
    return AbsentCard(organization=organization, months=absence_review_months(), count=qs.count(),
                      people=list(qs[:first]))


@dataclass
class PersonAbsence:
    months: int
    last_attended_at: datetime.datetime | None


def person_absence(*, user: Any, person: Person) -> PersonAbsence | None:
    """The six-month flag of one person, for viewers who may see the person's meetings; None when not
    flagged (or not to be shown). One query."""
    if not can_view(user, person.organization):
        return None
    flagged = members_without_attendance(organization=person.organization).filter(pk=person.pk).first()
    if flagged is None:
        return None
    return PersonAbsence(months=absence_review_months(), last_attended_at=flagged.last_attended_at)


@dataclass
class CandidateGroup:
    label: str
    people: list[dict]


def vote_candidates(*, organization: Organization) -> list[CandidateGroup]:
    """Whom a vote of the branch may be about, grouped for the picker: probationary members (conversion),
    people of the branch who are not party members (admission), then full members. Everyone belongs to the
    branch's subtree, as the service requires. One query."""
    branch = branch_of(organization)
    people = (Person.objects.filter(organization__path__startswith=branch.path)
              .only("pk", "name", "name_pinyin", "political_status").order_by("name_pinyin", "pk"))
    probationary: list[dict] = []
    others: list[dict] = []
    full: list[dict] = []
    for p in people:
        row = {"pk": p.pk, "name": p.name}
        if p.political_status == PoliticalStatus.CPC_PROBATIONARY:
            probationary.append(row)
        elif p.political_status == PoliticalStatus.CPC_MEMBER:
            full.append(row)
        else:
            others.append(row)
    groups = [
        CandidateGroup(gettext("预备党员"), probationary),
        CandidateGroup(gettext("非中共党员"), others),
        CandidateGroup(gettext("正式党员"), full),
    ]
    return [g for g in groups if g.people]
