"""Fixtures for organizational life: branch A's members with and without a vote, and a meeting helper."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from branches.meetings import services
from branches.models import Meeting, MeetingType
from members.codes import MemberCategory
from members.models import Person
from tests.factories import make_member


@dataclass
class Members:
    full: list[Person]  # full members of branch A with a vote (张三 and 赵喆 from the world, plus three)
    probationary: Person
    suspended: Person
    group_member: Person
    shuji_person: Person


def held(days_ago: int = 1, hour: int = 14) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


@pytest.fixture
def members(world) -> Members:
    extra = [make_member(world.branch_a, name=name) for name in ("周敏", "吴昊", "郑洁")]
    probationary = make_member(world.branch_a, name="钱堃", category=MemberCategory.PROBATIONARY)
    suspended = make_member(world.branch_a, name="孙丽")
    suspended.membership.rights_suspended = True
    suspended.membership.save(update_fields=["rights_suspended"])
    group_member = extra[0]
    group_member.membership.party_group = world.group_a
    group_member.membership.save(update_fields=["party_group"])
    shuji_person = extra[1]
    shuji_person.user = world.shuji_a
    shuji_person.save(update_fields=["user"])
    dangyuan_person = Person.objects.get(user=world.dangyuan)
    return Members(
        full=[world.member_a, dangyuan_person, *extra],
        probationary=probationary,
        suspended=suspended,
        group_member=group_member,
        shuji_person=shuji_person,
    )


def meeting_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "meeting_type": MeetingType.GENERAL_ASSEMBLY,
        "title": "讨论张三转正",
        "held_at": held(),
        "place": "302 会议室",
        "topics": "预备党员转正",
    }
    data.update(overrides)
    return data


def attendance_of(people: list[Person], status: str = "present") -> list[dict[str, Any]]:
    return [{"person": p.pk, "status": status, "reason": ""} for p in people]


@pytest.fixture
def make_meeting(world, members):
    """make_meeting(**data) records a meeting of branch A as shuji_a (attendance: every full member present)."""

    def _make(organization=None, attendance=None, votes=None, actor=None, **data: Any) -> Meeting:
        return services.meeting_create(
            actor=actor or world.shuji_a,
            organization=organization or world.branch_a,
            data=meeting_data(**data),
            attendance=attendance_of(members.full) if attendance is None else attendance,
            votes=votes,
        )

    return _make


@pytest.fixture
def xuanchuan_person(world, members) -> Person:
    """xuanchuan_a (宣传委员 of branch A) as a member of branch A: with shuji_a, the branch committee."""
    person = make_member(world.branch_a, name="冯宣")
    person.user = world.xuanchuan_a
    person.save(update_fields=["user"])
    return person
