"""The calendar, the committee view and the dashboard card, for each persona, at a fixed moment."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.models import OrgType
from tests.factories import make_org

from .helpers import SH, at, meeting

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 5, 20, 9, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cworld(world):
    world.__dict__["m_committee"] = meeting(world.branch_a, "committee", at(2026, 5, 2), confirmed=True,
                                            title="五月支委会")
    meeting(world.group_a, "group", at(2026, 5, 3))
    meeting(world.branch_b, "theme_day", at(2026, 5, 4))
    return world


def cal(w, year=2026):
    return f"/compliance/branch/{w.branch_a.pk}/?year={year}"


@pytest.mark.parametrize(("persona", "status"), [
    ("shuji_a", 200), ("xuanchuan_a", 200), ("dangwei", 200), ("zuzhibu", 200), ("admin", 200),
    ("shuji_b", 404), ("outsider", 404), ("dangyuan", 404),
])
def test_calendar_personas(cworld, login, persona, status):
    assert login(persona).get(cal(cworld)).status_code == status


def test_calendar_anonymous_goes_to_login(cworld, client):
    response = client.get(cal(cworld))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_calendar_shows_done_due_overdue_and_links(cworld, login):
    html = login("shuji_a").get(cal(cworld)).content.decode()
    assert f'href="/meetings/{cworld.m_committee.pk}/"' in html
    assert "2026年三会一课" in html
    assert "cc-done" in html
    assert "cc-overdue" in html
    assert "cc-due" in html
    assert "cc-upcoming" in html
    assert "支部委员会" in html
    assert "党小组会" in html
    assert "组织生活会" in html
    assert "自查报告" in html  # shuji_a may export


def test_calendar_not_required_rows_for_branch_b(cworld, login):
    html = login("shuji_b").get(f"/compliance/branch/{cworld.branch_b.pk}/").content.decode()
    assert "cc-not_required" in html
    assert "自查报告" in html
    html = login("xuanchuan_a").get(cal(cworld)).content.decode()
    assert "自查报告" not in html  # 宣传委员 has no export capability


def test_calendar_of_a_committee_or_group_is_404(cworld, login):
    client = login("admin")
    assert client.get(f"/compliance/branch/{cworld.institute.pk}/").status_code == 404
    assert client.get(f"/compliance/branch/{cworld.group_a.pk}/").status_code == 404
    assert client.get("/compliance/branch/999999/").status_code == 404


def test_calendar_year_switch_and_bad_year(cworld, login):
    client = login("shuji_a")
    html = client.get(cal(cworld, 2025)).content.decode()
    assert "2025年三会一课" in html
    assert f"/meetings/{cworld.m_committee.pk}/" not in html
    assert "2026年三会一课" in client.get(f"/compliance/branch/{cworld.branch_a.pk}/?year=abc").content.decode()


def test_calendar_query_count_does_not_grow_with_meetings(cworld, login):
    client = login("shuji_a")
    client.get(cal(cworld))
    with CaptureQueriesContext(connection) as few:
        client.get(cal(cworld))
    for day in range(1, 28):
        meeting(cworld.branch_a, "theme_day", at(2026, 1 + day % 4, day))
        meeting(cworld.group_a, "group", at(2026, 1 + day % 4, day))
    with CaptureQueriesContext(connection) as many:
        client.get(cal(cworld))
    assert len(many) == len(few)


@pytest.mark.parametrize(("persona", "status"), [
    ("shuji_a", 200), ("xuanchuan_a", 200), ("dangwei", 200), ("shuji_b", 404), ("dangyuan", 404),
])
def test_card_personas(cworld, login, persona, status):
    response = login(persona).get(f"/compliance/branch/{cworld.branch_a.pk}/card/")
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "2026年5月" in html
        assert "已完成 1/1" in html
        assert "待完成 0/1" in html


def test_branch_dashboard_loads_the_card_and_committee_dashboard_links(cworld, login):
    assert f"/compliance/branch/{cworld.branch_a.pk}/card/" in login("shuji_a").get("/").content.decode()
    assert 'href="/compliance/"' in login("dangwei").get("/").content.decode()


@pytest.mark.parametrize(("persona", "status"), [
    ("dangwei", 200), ("shuji_a", 200), ("xuanchuan_a", 200), ("admin", 200), ("dangyuan", 403),
])
def test_overview_personas(cworld, login, persona, status):
    assert login(persona).get("/compliance/").status_code == status


def test_overview_anonymous_goes_to_login(client):
    response = client.get("/compliance/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_overview_shows_only_the_scope(cworld, login):
    html = login("shuji_a").get("/compliance/").content.decode()
    assert "第一党支部" in html
    assert "第二党支部" not in html
    assert "乙所" not in html
    html = login("dangwei").get("/compliance/").content.decode()
    assert "第一党支部" in html
    assert "第二党支部" in html
    assert "乙所" not in html
    assert "我负责" in html
    assert "/jobs/export/compliance/" in html
    assert "/jobs/export/compliance/" not in login("xuanchuan_a").get("/compliance/").content.decode()


def test_overview_filters_sort_and_search(cworld, login):
    client = login("dangwei")
    html = client.get("/compliance/?q=第二").content.decode()
    assert "第二党支部" in html
    assert "中共甲研究所第一支部委员会" not in html
    # This month: branch A 2/3 (its theme day is missing), branch B 1/1 (no committee, no party group).
    html = client.get("/compliance/?sort=-month").content.decode()
    assert html.index("中共甲研究所第二支部委员会") < html.index("中共甲研究所第一支部委员会")
    assert "2/3" in html
    assert "1/1" in html
    html = client.get("/compliance/?sort=month").content.decode()
    assert html.index("中共甲研究所第一支部委员会") < html.index("中共甲研究所第二支部委员会")
    make_org(cworld.institute, org_type=OrgType.BRANCH, short_name="新支部", founded_on=datetime.date(2026, 5, 1))
    html = client.get("/compliance/?overdue=1").content.decode()
    assert "新支部" not in html
    assert "第一党支部" in html
    assert client.get("/compliance/?sort=bogus&page=x").status_code == 200


def test_overview_paginates(cworld, login):
    for _ in range(26):
        make_org(cworld.institute, org_type=OrgType.BRANCH)
    html = login("dangwei").get("/compliance/").content.decode()
    assert "共 28 条" in html
    assert "page=2" in html


def test_overview_query_count_3_vs_30_branches(cworld, login):
    client = login("dangwei")
    client.get("/compliance/")
    with CaptureQueriesContext(connection) as small:
        client.get("/compliance/")
    for i in range(28):
        b = make_org(cworld.institute, org_type=OrgType.BRANCH, has_committee=True)
        meeting(b, "committee", at(2026, 1 + i % 5, 1 + i))
    with CaptureQueriesContext(connection) as healing:
        client.get("/compliance/")  # the 28 new branches have no summary yet: computed in one batch
    assert len(healing) > len(small)
    with CaptureQueriesContext(connection) as large:
        response = client.get("/compliance/")
    assert "共 30 条" in response.content.decode()
    assert len(large) == len(small)
    assert len([q for q in large.captured_queries if "compliancesummary" in q["sql"]]) == 2  # count with stale check, page
