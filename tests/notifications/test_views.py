"""Pages, API, navbar bell and dashboard card of the reminders: everyone sees only their own."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branches.models import Notification, NotificationKind

TODAY = datetime.date(2026, 3, 28)


def note(user, org, *, key: str = "k", title: str = "本月支部委员会尚未召开", day: datetime.date = TODAY,
         read: bool = False, kind: str = NotificationKind.MEETING_DUE) -> Notification:
    return Notification.objects.create(user=user, organization=org, kind=kind, key=key, title=title,
                                       url=f"/compliance/branch/{org.pk}/", created_on=day,
                                       read_at=timezone.now() if read else None)


@pytest.fixture
def notes(world):
    return {
        "a_old": note(world.shuji_a, world.branch_a, key="a1", title="二月主题党日已逾期", day=TODAY.replace(day=1),
                      kind=NotificationKind.MEETING_OVERDUE),
        "a_new": note(world.shuji_a, world.branch_a, key="a2", title="三月党小组会尚未召开"),
        "a_read": note(world.shuji_a, world.branch_a, key="a3", title="已经看过的提醒", read=True),
        "b": note(world.shuji_b, world.branch_b, key="b1", title="第二支部的提醒"),
    }


# ---- pages ---------------------------------------------------------------------------------------------------


def test_list_shows_own_notifications_unread_first_newest_first(world, login, notes):
    response = login("shuji_a").get("/notifications/")
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert rows == [notes["a_new"], notes["a_old"], notes["a_read"]]
    html = response.content.decode()
    assert "三月党小组会尚未召开" in html
    assert "第二支部的提醒" not in html
    assert response.context["unread"] == 2


def test_list_for_someone_without_roles_is_empty(world, login, notes):
    response = login("dangyuan").get("/notifications/")
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert "暂无提醒" in response.content.decode()


def test_list_anonymous_redirects_to_login(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_mark_read(world, login, notes):
    client = login("shuji_a")
    response = client.post(f"/notifications/{notes['a_new'].pk}/read/", {"next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    notes["a_new"].refresh_from_db()
    assert notes["a_new"].read_at is not None
    assert client.get(f"/notifications/{notes['a_new'].pk}/read/").status_code == 405


def test_mark_read_ignores_an_outside_next(world, login, notes):
    response = login("shuji_a").post(f"/notifications/{notes['a_new'].pk}/read/", {"next": "https://evil.example/"})
    assert response["Location"] == "/notifications/"


@pytest.mark.parametrize("persona", ["shuji_b", "dangwei", "xuanchuan_a", "dangyuan", "admin"])
def test_someone_elses_notification_is_404(world, login, notes, persona):
    response = login(persona).post(f"/notifications/{notes['a_new'].pk}/read/")
    assert response.status_code == 404
    notes["a_new"].refresh_from_db()
    assert notes["a_new"].read_at is None


def test_mark_all_read_touches_only_own(world, login, notes):
    response = login("shuji_a").post("/notifications/read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(user=world.shuji_a, read_at__isnull=True).exists()
    notes["b"].refresh_from_db()
    assert notes["b"].read_at is None


def test_list_query_count_is_constant(world, login):
    client = login("shuji_a")
    for i in range(3):
        note(world.shuji_a, world.branch_a, key=f"s{i}")
    client.get("/notifications/")
    with CaptureQueriesContext(connection) as small:
        client.get("/notifications/")
    for i in range(40):
        note(world.shuji_a, world.branch_a, key=f"l{i}")
    with CaptureQueriesContext(connection) as large:
        client.get("/notifications/")
    assert len(small) == len(large)


# ---- navbar bell and dashboard card ---------------------------------------------------------------------------


def test_bell_shows_the_unread_count(world, login, notes):
    html = login("shuji_a").get("/notifications/").content.decode()
    assert 'data-testid="notif-count">2<' in html
    assert 'data-testid="notif-count"' not in login("dangwei").get("/notifications/").content.decode()


def test_bell_costs_no_query_for_a_user_without_roles(world, rf):
    from django.contrib.auth import get_user_model

    from branches.context_processors import portal

    request = rf.get("/")
    request.user = get_user_model().objects.get(username="dangyuan")
    portal(request)  # fills the scope cache
    with CaptureQueriesContext(connection) as ctx:
        assert portal(request)["notifications_unread"] == 0
    assert len(ctx) == 0
    request.user = get_user_model().objects.get(username="shuji_a")
    portal(request)
    with CaptureQueriesContext(connection) as ctx:
        portal(request)
    assert len(ctx) == 1


def test_branch_dashboard_shows_the_reminder_card(world, login, notes):
    html = login("shuji_a").get("/").content.decode()
    assert 'data-testid="reminder-card"' in html
    assert "三月党小组会尚未召开" in html
    assert "二月主题党日已逾期" in html
    assert "已经看过的提醒" not in html
    assert "第二支部的提醒" not in html


def test_branch_dashboard_card_when_nothing_is_due(world, login):
    html = login("shuji_b").get("/").content.decode()
    assert "没有未读的待办提醒" in html


# ---- API ------------------------------------------------------------------------------------------------------


def test_api_list_own_only(world, login, notes):
    data = login("shuji_a").get("/api/v1/notifications/").json()
    assert [row["id"] for row in data] == [notes["a_new"].pk, notes["a_old"].pk, notes["a_read"].pk]
    assert data[0]["kind"] == "meeting_due"
    assert data[0]["organization"] == world.branch_a.pk
    unread = login("shuji_a").get("/api/v1/notifications/?unread=1").json()
    assert {row["id"] for row in unread} == {notes["a_new"].pk, notes["a_old"].pk}
    assert login("dangyuan").get("/api/v1/notifications/").json() == []


def test_api_anonymous_is_refused(client, world, notes):
    assert client.get("/api/v1/notifications/").status_code in (401, 403)
    assert client.post(f"/api/v1/notifications/{notes['a_new'].pk}/read/").status_code in (401, 403)


def test_api_mark_read(world, login, notes):
    response = login("shuji_a").post(f"/api/v1/notifications/{notes['a_new'].pk}/read/")
    assert response.status_code == 200
    assert response.json()["read_at"]
    notes["a_new"].refresh_from_db()
    assert notes["a_new"].read_at is not None


@pytest.mark.parametrize("persona", ["shuji_b", "dangwei", "dangyuan", "admin"])
def test_api_someone_elses_notification_is_404(world, login, notes, persona):
    response = login(persona).post(f"/api/v1/notifications/{notes['a_new'].pk}/read/")
    assert response.status_code == 404
    notes["a_new"].refresh_from_db()
    assert notes["a_new"].read_at is None


def test_api_unknown_id_is_404(world, login):
    assert login("shuji_a").post("/api/v1/notifications/999999/read/").status_code == 404
