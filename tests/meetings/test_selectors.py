"""Meeting selectors: scope, filters, a person's attendance, six months without attending."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branches import permissions
from branches.meetings import selectors
from branches.models import Attendance, Meeting
from branches.permissions import Capability
from members.codes import MemberCategory
from tests.factories import make_member

from .conftest import attendance_of, held


def test_list_scope_per_persona(world, members, make_meeting):
    a = make_meeting(title="A")
    b = make_meeting(title="B", organization=world.branch_b, attendance=[], actor=world.shuji_b)
    seen = {name: set(selectors.meeting_list(user=world.users[name])) for name in world.users}
    assert seen["admin"] == seen["zuzhibu"] == seen["dangwei"] == {a, b}
    assert seen["shuji_a"] == seen["xuanchuan_a"] == {a}
    assert seen["shuji_b"] == {b}
    assert seen["outsider"] == seen["dangyuan"] == set()


def test_list_filters_and_order(world, members, make_meeting):
    old = make_meeting(title="old", held_at=held(days_ago=100))
    group = make_meeting(title="group", organization=world.group_a, meeting_type="group",
                         attendance=attendance_of([members.group_member]), held_at=held(days_ago=50))
    new = make_meeting(title="new", meeting_type="theme_day", held_at=held(days_ago=1))
    user = world.shuji_a
    assert list(selectors.meeting_list(user=user)) == [new, group, old]
    assert list(selectors.meeting_list(user=user, params={"organization": world.group_a.pk})) == [group]
    assert list(selectors.meeting_list(user=user, params={"organization": world.branch_a.pk})) == [new, group, old]
    assert list(selectors.meeting_list(user=user, params={"meeting_type": ["group", "theme_day"]})) == [new, group]
    day = timezone.localdate()
    assert list(selectors.meeting_list(user=user, params={
        "date_from": (day - datetime.timedelta(days=60)).isoformat(),
        "date_to": (day - datetime.timedelta(days=50)).isoformat()})) == [group]
    assert list(selectors.meeting_list(user=user, params={"status": "confirmed"})) == []
    assert list(selectors.meeting_list(user=user, params={"organization": "x"})) == []
    assert list(selectors.meeting_list(user=user, params={"date_from": "not a date"})) == [new, group, old]
    counted = selectors.meeting_list(user=user).get(pk=group.pk)
    assert (counted.attendance_count, counted.present_count) == (1, 1)


def test_list_is_one_query_at_any_size(world, members, make_meeting):
    for n in range(5):
        make_meeting(title=f"m{n}")
    permissions.scope_for(world.dangwei)  # the user's scope: one query, then cached on the user
    with CaptureQueriesContext(connection) as small:
        rows = [(m.organization.short_name, m.host, m.present_count) for m in selectors.meeting_list(
            user=world.dangwei)]
    assert len(rows) == 5
    for n in range(25):
        make_meeting(title=f"n{n}")
    with CaptureQueriesContext(connection) as large:
        rows = [(m.organization.short_name, m.host, m.present_count) for m in selectors.meeting_list(
            user=world.dangwei)]
    assert len(rows) == 30
    assert len(large) == len(small) == 1


def test_meeting_get_scope_and_capability(world, members, make_meeting):
    meeting = make_meeting()
    assert selectors.meeting_get(user=world.dangwei, pk=meeting.pk) == meeting
    with pytest.raises(PermissionDenied):
        selectors.meeting_get(user=world.dangwei, pk=meeting.pk, capability=Capability.LOG_MEETINGS)
    for name in ("shuji_b", "outsider", "dangyuan"):
        with pytest.raises(Http404):
            selectors.meeting_get(user=world.users[name], pk=meeting.pk)
    with pytest.raises(Http404):
        selectors.meeting_get(user=world.shuji_a, pk="nope")


def test_meeting_get_queries_do_not_grow_with_attendance(world, members, make_meeting):
    small = make_meeting(attendance=attendance_of(members.full[:1]))
    large = make_meeting(attendance=attendance_of([*members.full, members.probationary, members.suspended]))
    counts = []
    for meeting in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            got = selectors.meeting_get(user=world.shuji_a, pk=meeting.pk)
            [(a.person.name, a.person.membership_or_none) for a in got.attendance.all()]
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_person_attendance_attended_and_missed(world, members, make_meeting):
    person = members.full[0]
    attended = make_meeting(title="到会", held_at=held(days_ago=10))
    missed = make_meeting(title="缺席", held_at=held(days_ago=3), attendance=[
        {"person": person.pk, "status": "absent", "reason": "出差"}])
    rows = list(selectors.person_attendance(user=world.shuji_a, person=person))
    assert [(r.meeting, r.status) for r in rows] == [(missed, "absent"), (attended, "present")]
    assert list(selectors.person_attendance(user=world.shuji_b, person=person)) == []


def test_members_without_attendance_for_six_months(world, members, make_meeting):
    on = timezone.localdate()
    make_meeting(title="七个月前", held_at=held(days_ago=215), attendance=attendance_of(members.full))
    make_meeting(title="上月", held_at=held(days_ago=30),
                 attendance=attendance_of(members.full[:3]) + attendance_of(members.full[3:4], status="leave"))
    make_meeting(title="党小组", organization=world.group_a, meeting_type="group", held_at=held(days_ago=20),
                 attendance=attendance_of([members.probationary]))
    recently_admitted = make_member(world.branch_a, name="新党员", category=MemberCategory.PROBATIONARY)
    recently_admitted.membership.admitted_on = on - datetime.timedelta(days=30)
    recently_admitted.membership.save(update_fields=["admitted_on"])
    with CaptureQueriesContext(connection) as ctx:
        flagged = [p.name for p in selectors.members_without_attendance(organization=world.branch_a, on=on)]
    assert len(ctx) == 1
    assert sorted(flagged) == sorted([members.full[3].name, members.full[4].name, members.suspended.name])
    # Six months later nothing counts any more; the group's branch is the branch.
    later = on + datetime.timedelta(days=200)
    flagged_later = set(selectors.members_without_attendance(organization=world.group_a, on=later))
    assert flagged_later == {*members.full, members.probationary, members.suspended, recently_admitted}


def test_months_before_clamps_the_day():
    assert selectors.months_before(datetime.date(2026, 8, 31), 6) == datetime.date(2026, 2, 28)
    assert selectors.months_before(datetime.date(2026, 3, 15), 6) == datetime.date(2025, 9, 15)


def test_orgs_for_meetings(world):
    assert set(selectors.orgs_for_meetings(user=world.shuji_a)) == {world.branch_a, world.group_a}
    assert not selectors.orgs_for_meetings(user=world.dangyuan).exists()
    assert Meeting.objects.count() == Attendance.objects.count() == 0
