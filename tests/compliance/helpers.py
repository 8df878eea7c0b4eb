"""Shared helpers for the compliance tests."""

from __future__ import annotations

import datetime
import zoneinfo

from branches.models import Meeting, MeetingStatus, Organization

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment in Beijing time."""
    return datetime.datetime(y, m, d, hour, minute, tzinfo=SH)


def meeting(org: Organization, mtype: str, when: datetime.datetime, *, confirmed: bool = False,
            title: str = "") -> Meeting:
    return Meeting.objects.create(
        organization=org, meeting_type=mtype, title=title or f"{mtype} {when:%Y-%m-%d}", held_at=when,
        status=MeetingStatus.CONFIRMED if confirmed else MeetingStatus.DRAFT,
    )
