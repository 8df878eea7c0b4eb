"""Reminders across the year boundary: in January what was missed in December, in the fourth quarter and in
the past year is still reminded, for the windows of settings.PORTAL_REMINDERS."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches import reminders
from branches.models import MeetingType, Notification, NotificationKind, OrgType, RoleKind
from tests.compliance.helpers import at, meeting
from tests.factories import RoleFactory, UserFactory, make_org

JAN = datetime.date(2026, 1, 5)
FEB = datetime.date(2026, 2, 5)
APR = datetime.date(2026, 4, 5)


def keys(user, on) -> set[str]:
    return set(Notification.objects.filter(user=user, created_on=on).values_list("key", flat=True))


def test_in_january_december_the_fourth_quarter_and_last_year_are_reminded(world):
    reminders.reminders_compute(on=JAN)
    a = world.branch_a.pk
    mine = keys(world.shuji_a, JAN)
    assert {
        f"meeting:committee:2025-m12:{a}",
        f"meeting:theme_day:2025-m12:{a}",
        f"meeting:general_assembly:2025-q4:{a}",
        f"meeting:lecture:2025-q4:{a}",
        f"meeting:life_meeting:2025-year:{a}",
        f"meeting:appraisal:2025-year:{a}",
    } <= mine
    assert f"meeting:committee:2025-m11:{a}" not in mine  # November's window ended in early January
    assert f"meeting:general_assembly:2025-q3:{a}" not in mine
    assert not any(k.endswith(f"2026-m1:{a}") for k in mine)  # January ends in more than 7 days
    row = Notification.objects.get(user=world.shuji_a, key=f"meeting:committee:2025-m12:{a}")
    assert row.kind == NotificationKind.MEETING_OVERDUE
    assert "2025年12月" in row.title
    assert "逾期" in row.title
    assert row.url == f"/compliance/branch/{a}/?year=2025"
    year_row = Notification.objects.get(user=world.shuji_a, key=f"meeting:life_meeting:2025-year:{a}")
    assert "2025年" in year_row.title
    assert f"meeting:committee:2025-m12:{world.branch_b.pk}" not in keys(world.shuji_b, JAN)  # no committee
    assert f"meeting:theme_day:2025-m12:{world.branch_b.pk}" in keys(world.shuji_b, JAN)


def test_what_was_held_in_december_is_not_reminded(world):
    meeting(world.branch_a, MeetingType.COMMITTEE, at(2025, 12, 30, 15))
    meeting(world.branch_a, MeetingType.GENERAL_ASSEMBLY, at(2025, 10, 9))
    meeting(world.branch_a, MeetingType.LIFE_MEETING, at(2025, 12, 18), confirmed=True)
    reminders.reminders_compute(on=JAN)
    a = world.branch_a.pk
    mine = keys(world.shuji_a, JAN)
    assert f"meeting:committee:2025-m12:{a}" not in mine
    assert f"meeting:general_assembly:2025-q4:{a}" not in mine
    assert f"meeting:life_meeting:2025-year:{a}" not in mine
    assert f"meeting:appraisal:2025-year:{a}" in mine
    assert f"meeting:lecture:2025-q4:{a}" in mine


def test_the_windows_close_month_by_month(world):
    a = world.branch_a.pk
    reminders.reminders_compute(on=FEB)
    feb = keys(world.shuji_a, FEB)
    assert f"meeting:general_assembly:2025-q4:{a}" in feb  # a quarter is reminded through the next one
    assert f"meeting:committee:2026-m1:{a}" in feb
    assert f"meeting:committee:2025-m12:{a}" not in feb
    assert f"meeting:life_meeting:2025-year:{a}" not in feb  # the year: until the end of January
    reminders.reminders_compute(on=APR)
    apr = keys(world.shuji_a, APR)
    assert not any(":2025-" in k for k in apr)
    assert f"meeting:general_assembly:2026-q1:{a}" in apr
    assert f"meeting:committee:2026-m3:{a}" in apr


def test_the_last_day_of_january_still_reminds_last_year(world):
    a = world.branch_a.pk
    reminders.reminders_compute(on=datetime.date(2026, 1, 31))
    assert f"meeting:appraisal:2025-year:{a}" in keys(world.shuji_a, datetime.date(2026, 1, 31))
    reminders.reminders_compute(on=datetime.date(2026, 2, 1))
    assert f"meeting:appraisal:2025-year:{a}" not in keys(world.shuji_a, datetime.date(2026, 2, 1))


def test_the_windows_are_settings(world, settings):
    a = world.branch_a.pk
    settings.PORTAL_REMINDERS = {"overdue_days": {"year": 60}}
    reminders.reminders_compute(on=FEB)
    assert f"meeting:life_meeting:2025-year:{a}" in keys(world.shuji_a, FEB)
    assert f"meeting:committee:2025-m12:{a}" not in keys(world.shuji_a, FEB)  # the other defaults stay
    settings.PORTAL_REMINDERS = {"overdue_days": {"month": 0, "quarter": 0, "year": 0}}
    reminders.reminders_compute(on=JAN)
    assert not any(":2025-" in k for k in keys(world.shuji_a, JAN))


def test_reminding_last_year_keeps_the_query_count_constant(world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            reminders.reminders_compute(on=JAN)
        return sum(1 for q in ctx.captured_queries if not q["sql"].lstrip().upper().startswith("INSERT"))

    small = queries()
    Notification.objects.all().delete()
    for i in range(12):
        org = make_org(world.institute, org_type=OrgType.BRANCH, short_name=f"跨年支部{i}", has_committee=True)
        RoleFactory(user=UserFactory(username=f"kuanian_{i}"), organization=org, kind=RoleKind.SECRETARY)
    assert queries() == small
    assert Notification.objects.filter(created_on=JAN, key__contains=":2025-m12:").count() >= 14
