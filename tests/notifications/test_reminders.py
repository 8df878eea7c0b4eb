"""Daily reminders: what is computed, for whom, idempotence, the digest and the Celery task."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branches import reminders
from branches.models import MeetingType, Notification, NotificationKind, OrgType, RoleKind
from branches.notices import services as notice_services
from tests.compliance.helpers import at, meeting
from tests.factories import RoleFactory, UserFactory, make_org
from tests.notices.helpers import issued_notice, items

ON = datetime.date(2026, 3, 28)  # March and the first quarter end within the lead time; February is past


def keys(user, on=ON) -> set[str]:
    return set(Notification.objects.filter(user=user, created_on=on).values_list("key", flat=True))


def test_computes_meetings_due_and_overdue_for_the_branch_secretary(world):
    created = reminders.reminders_compute(on=ON)
    a = world.branch_a.pk
    mine = keys(world.shuji_a)
    assert f"meeting:committee:2026-m3:{a}" in mine
    assert f"meeting:committee:2026-m2:{a}" in mine  # last month's, overdue
    assert f"meeting:general_assembly:2026-q1:{a}" in mine
    assert f"meeting:committee:2026-m1:{a}" not in mine  # older overdue months are not repeated every day
    assert not any(k.startswith("meeting:organizational_life") for k in mine)  # the year ends far away
    row = Notification.objects.get(user=world.shuji_a, key=f"meeting:committee:2026-m2:{a}")
    assert row.kind == NotificationKind.MEETING_OVERDUE
    assert row.organization == world.branch_a
    assert row.url == f"/compliance/branch/{a}/?year=2026"
    assert "支部委员会" in row.title
    assert "逾期" in row.title
    assert created == Notification.objects.count()


def test_computing_twice_on_the_same_day_creates_nothing_new(world):
    first = reminders.reminders_compute(on=ON)
    assert first > 0
    assert reminders.reminders_compute(on=ON) == 0
    assert Notification.objects.count() == first


def test_the_next_day_only_what_is_still_due(world):
    reminders.reminders_compute(on=ON)
    a = world.branch_a.pk
    meeting(world.branch_a, MeetingType.COMMITTEE, at(2026, 3, 28, 15))
    created = reminders.reminders_compute(on=ON + datetime.timedelta(days=1))
    assert created > 0
    next_day = keys(world.shuji_a, ON + datetime.timedelta(days=1))
    assert f"meeting:committee:2026-m3:{a}" not in next_day  # held yesterday afternoon
    assert f"meeting:group:2026-m3:{a}" in next_day  # still due
    assert f"meeting:committee:2026-m3:{a}" in keys(world.shuji_a)  # yesterday's row stays


def test_only_the_branch_secretaries_get_the_branch_reminders(world):
    deputy = UserFactory(username="fushuji_a")
    RoleFactory(user=deputy, organization=world.branch_a, kind=RoleKind.DEPUTY_SECRETARY)
    former = UserFactory(username="former_a")
    RoleFactory(user=former, organization=world.branch_a, kind=RoleKind.ORGANIZATION_MEMBER,
                starts_on=datetime.date(2020, 1, 1), ends_on=datetime.date(2025, 12, 31))
    reminders.reminders_compute(on=ON)
    branch_a_users = set(Notification.objects.filter(organization=world.branch_a)
                         .values_list("user__username", flat=True))
    assert branch_a_users == {"shuji_a", "fushuji_a"}
    assert not Notification.objects.filter(user=world.shuji_b, organization=world.branch_a).exists()
    assert Notification.objects.filter(user=world.shuji_b, organization=world.branch_b).exists()
    for name in ("dangwei", "xuanchuan_a", "dangyuan", "zuzhibu", "former_a"):
        assert not Notification.objects.filter(user__username=name).exists(), name


def test_a_branch_without_committee_gets_no_committee_reminder(world):
    world.branch_b.has_committee = False
    world.branch_b.save(update_fields=["has_committee"])
    reminders.reminders_compute(on=ON)
    assert not any(k.startswith("meeting:committee:") for k in keys(world.shuji_b))
    assert keys(world.shuji_b)


def test_notice_items_near_and_past_their_deadline(world):
    today = timezone.localdate()
    notice = issued_notice(world, days=2)
    report, _file, _meeting = items(notice)
    notice_services.submission_create(actor=world.shuji_a, item=report, organization=world.branch_a,
                                      data={"text": "已组织学习研讨。"})
    reminders.reminders_compute(on=today)
    a_notice = {k for k in keys(world.shuji_a, today) if k.startswith("notice:")}
    b_notice = {k for k in keys(world.shuji_b, today) if k.startswith("notice:")}
    assert len(a_notice) == 2
    assert f"notice:{report.pk}:{world.branch_a.pk}" not in a_notice
    assert len(b_notice) == 3
    row = Notification.objects.get(user=world.shuji_b, key=f"notice:{report.pk}:{world.branch_b.pk}")
    assert row.kind == NotificationKind.NOTICE_DUE
    assert row.url == f"/notices/items/{report.pk}/submit/?organization={world.branch_b.pk}"
    later = today + datetime.timedelta(days=3)
    reminders.reminders_compute(on=later)
    assert Notification.objects.get(user=world.shuji_b, key=f"notice:{report.pk}:{world.branch_b.pk}",
                                    created_on=later).kind == NotificationKind.NOTICE_OVERDUE


def test_notice_items_far_from_their_deadline_are_not_reminded(world):
    issued_notice(world, days=20)
    today = timezone.localdate()
    reminders.reminders_compute(on=today)
    assert not Notification.objects.filter(key__startswith="notice:").exists()


def test_digest_is_sent_once_a_day(world):
    world.shuji_a.email = "shuji_a@example.org"
    world.shuji_a.save(update_fields=["email"])
    world.shuji_b.email = ""
    world.shuji_b.save(update_fields=["email"])
    reminders.reminders_compute(on=ON)
    assert reminders.digest_send(on=ON) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["shuji_a@example.org"]
    assert "待办提醒" in message.subject
    assert "支部委员会" in message.body
    assert "第一党支部" in message.body
    assert not Notification.objects.filter(user=world.shuji_a, emailed_at__isnull=True).exists()
    assert not Notification.objects.filter(user=world.shuji_b, emailed_at__isnull=False).exists()
    # Computing and sending again the same day: nothing new.
    reminders.reminders_compute(on=ON)
    assert reminders.digest_send(on=ON) == 0
    assert len(mail.outbox) == 1


def test_digest_can_be_switched_off(world, settings):
    settings.PORTAL_REMINDER_EMAIL_DIGEST = False
    world.shuji_a.email = "shuji_a@example.org"
    world.shuji_a.save(update_fields=["email"])
    reminders.reminders_compute(on=ON)
    assert reminders.digest_send(on=ON) == 0
    assert mail.outbox == []


def test_daily_task_runs_through_celery_eager(world, settings):
    from branches.tasks import reminders_daily_task
    from config.celery import app

    assert app.conf.task_always_eager
    world.shuji_b.email = "shuji_b@example.org"
    world.shuji_b.save(update_fields=["email"])
    issued_notice(world, days=1)
    result = reminders_daily_task.delay().get()
    today = timezone.localdate()
    assert result["created"] == Notification.objects.filter(created_on=today).count() > 0
    assert result["emailed"] == 1
    assert [m.to for m in mail.outbox] == [["shuji_b@example.org"]]
    again = reminders_daily_task.delay().get()
    assert again == {"created": 0, "emailed": 0}
    assert len(mail.outbox) == 1


def test_beat_schedule_runs_daily_at_half_past_six():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["reminders-daily"]
    assert entry["task"] == "branches.tasks.reminders_daily_task"
    assert entry["schedule"].hour == {6}
    assert entry["schedule"].minute == {30}
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


def test_notification_mark_read_refuses_someone_elses(world):
    from django.core.exceptions import PermissionDenied

    reminders.reminders_compute(on=ON)
    row = Notification.objects.filter(user=world.shuji_a).first()
    with pytest.raises(PermissionDenied):
        reminders.notification_mark_read(actor=world.shuji_b, notification=row)
    row.refresh_from_db()
    assert row.read_at is None
    reminders.notification_mark_read(actor=world.shuji_a, notification=row)
    row.refresh_from_db()
    assert row.read_at is not None


def _branches(world, n: int) -> None:
    for i in range(n):
        org = make_org(world.institute, org_type=OrgType.BRANCH, short_name=f"附加支部{i}", has_committee=True)
        RoleFactory(user=UserFactory(username=f"extra_{n}_{i}"), organization=org, kind=RoleKind.SECRETARY)


def _queries(on: datetime.date) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        reminders.reminders_compute(on=on)
    inserts = sum(1 for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("INSERT"))
    return len(ctx.captured_queries) - inserts, inserts


def test_query_count_does_not_grow_with_branches(world):
    from branches.models import NoticeItem

    notice = issued_notice(world, days=2)
    NoticeItem.objects.filter(notice=notice).update(deadline=ON + datetime.timedelta(days=1))
    _branches(world, 1)
    small, small_inserts = _queries(ON)
    Notification.objects.all().delete()
    _branches(world, 27)
    large, large_inserts = _queries(ON)
    assert small == large
    rows = Notification.objects.filter(created_on=ON).count()
    assert rows > 27 * 4
    assert large_inserts <= 1 + rows // 50  # batched, never one per branch or requirement
    assert Notification.objects.filter(created_on=ON, key__startswith="notice:").exists()
