"""Demo organizational life for `seed_demo`: this year's 三会一课 of every open branch, so that calendars,
the committee overview and the reminders show a realistic mix of done, due and overdue.

Per branch and period each required type is held with a fixed probability (seeded random); 党小组会 are held
by the branch's first party group. Attendance is recorded for the branches listed in `attendance_for` (all of
them at `small` scale; at academy scale only the demo accounts' branches, to keep the seed quick)."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.utils import timezone

from branches.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    MeetingType,
    Organization,
    OrgType,
)
from members.models import Person

from . import summaries

BATCH = 2000
# (meeting type, period, probability that a branch holds it in a period)
PLAN = [
    (MeetingType.COMMITTEE, "month", 0.85), (MeetingType.GROUP, "month", 0.75),
    (MeetingType.THEME_DAY, "month", 0.8), (MeetingType.GENERAL_ASSEMBLY, "quarter", 0.85),
    (MeetingType.LECTURE, "quarter", 0.7), (MeetingType.LIFE_MEETING, "year", 0.9),
    (MeetingType.APPRAISAL, "year", 0.85),
]
FIRST_MONTH = {"month": range(1, 13), "quarter": (1, 4, 7, 10), "year": (11,)}


def build_meetings(*, seed: int, attendance_for: Iterable[int] | None = None,
                   log: Callable[[str], None] | None = None) -> int:
    """Add this year's meetings (up to yesterday) to a freshly built demo; returns how many."""
    say = log or (lambda message: None)
    rng = random.Random(seed + 7)
    today = timezone.localdate()
    branches = list(Organization.objects.branches().filter(closed_on__isnull=True).order_by("path"))
    groups: dict[str, int] = {}
    for path, pk in (Organization.objects.filter(org_type=OrgType.PARTY_GROUP, closed_on__isnull=True)
                     .order_by("path").values_list("path", "pk")):
        groups.setdefault(path[:-Organization.steplen], pk)
    meetings: list[Meeting] = []
    owners: list[int] = []  # the branch of each meeting, for its attendance
    for branch in branches:
        group = groups.get(branch.path)
        for mtype, period, p in PLAN:
            if mtype == MeetingType.COMMITTEE and not branch.has_committee or mtype == MeetingType.GROUP and not group:
                continue
            for month in FIRST_MONTH[period]:
                span = {"month": 0, "quarter": 2, "year": 1}[period]
                held_month = month + rng.randint(0, span)
                day = datetime.date(today.year, held_month, rng.randint(1, 28))
                if rng.random() > p or day >= today:
                    continue
                held = timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.choice((9, 14, 15)))))
                meetings.append(Meeting(
                    organization_id=group if mtype == MeetingType.GROUP else branch.pk, meeting_type=mtype,
                    title=f"{held_month}月{MeetingType(mtype).label}", held_at=held,
                    status=MeetingStatus.CONFIRMED if rng.random() < 0.7 else MeetingStatus.DRAFT,
                ))
                owners.append(branch.pk)
    Meeting.objects.bulk_create(meetings, batch_size=BATCH)
    wanted = {b.pk for b in branches} if attendance_for is None else set(attendance_for)
    members: dict[int, list[int]] = defaultdict(list)
    for pk, org_id in (Person.objects.filter(organization_id__in=wanted, membership__isnull=False)
                       .order_by("pk").values_list("pk", "organization_id")):
        members[org_id].append(pk)
    rows: list[Attendance] = []
    for meeting, branch_id in zip(meetings, owners, strict=True):
        for person_id in members.get(branch_id, ()):
            r = rng.random()
            status = AttendanceStatus.PRESENT if r < 0.88 else AttendanceStatus.LEAVE if r < 0.96 \
                else AttendanceStatus.ABSENT
            rows.append(Attendance(meeting=meeting, person_id=person_id, status=status,
                                   reason="出差" if status == AttendanceStatus.LEAVE else ""))
    Attendance.objects.bulk_create(rows, batch_size=BATCH)
    summaries.refresh(on=today)
    say(f"组织生活记录 {len(meetings)} 次，出勤 {len(rows)} 人次")
    return len(meetings)
