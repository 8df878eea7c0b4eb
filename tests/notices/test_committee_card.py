"""The committee dashboard's card of notices still being answered: counts, scope, constant queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branches.models import NoticeItem, WorkNotice
from branches.notices import selectors, services

from .helpers import issued_notice, items, pdf

pytestmark = pytest.mark.django_db
CARD = "/notices/committee-card/"


def test_the_card_counts_answers_and_overdue_items(world, login):
    notice = issued_notice(world)
    report, file_item, _meeting = items(notice)
    services.submission_create(actor=world.shuji_a, item=report, organization=world.branch_a,
                               data={"text": "已组织学习研讨。"})
    NoticeItem.objects.filter(pk=file_item.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=2))
    notices, total = selectors.committee_open_notices(user=world.dangwei)
    assert total == 1
    (row,) = notices
    assert (row.submitted_count, row.expected_count, row.overdue_count) == (1, 6, 2)
    assert row.next_deadline == timezone.localdate() + datetime.timedelta(days=10)
    response = login("dangwei").get(CARD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "党支部工作提示" in page
    assert "已提交 1/6" in page
    assert "逾期 2" in page
    assert f"/notices/{notice.pk}/" in page


def test_fully_answered_and_draft_notices_are_not_listed(world, login):
    notice = issued_notice(world)
    for item in items(notice):
        for org, user in ((world.branch_a, world.shuji_a), (world.branch_b, world.shuji_b)):
            data = {"text": "已完成。"}
            file = None
            if item.requirement == "file_upload":
                data, file = {}, pdf()
            elif item.requirement == "meeting_held":
                from .helpers import meeting

                data = {"meeting": meeting(org).pk, "text": ""}
            services.submission_create(actor=user, item=item, organization=org, data=data, file=file)
    services.notice_create(actor=world.dangwei, organization=world.institute, title="草稿",
                           items=[services.ItemData(title="事项", deadline=timezone.localdate())])
    assert selectors.committee_open_notices(user=world.dangwei) == ([], 0)
    assert "均已全部提交" in login("dangwei").get(CARD).content.decode()


def test_only_notices_of_the_users_committees(world, login):
    issued_notice(world)
    other = services.notice_create(actor=world.zuzhibu, organization=world.other_institute, title="乙所工作提示",
                                   items=[services.ItemData(title="事项",
                                                            deadline=timezone.localdate() + datetime.timedelta(days=3))])
    services.notice_issue(actor=world.zuzhibu, notice=other)
    assert "乙所工作提示" not in login("dangwei").get(CARD).content.decode()
    page = login("zuzhibu").get(CARD).content.decode()
    assert "乙所工作提示" in page
    assert "党支部工作提示" in page


@pytest.mark.parametrize(("persona", "status"), [
    ("dangwei", 200), ("zuzhibu", 200), ("admin", 200),
    ("shuji_a", 403), ("xuanchuan_a", 403), ("outsider", 403), ("dangyuan", 403),
])
def test_the_card_is_for_those_who_issue_notices(world, login, persona, status):
    assert login(persona).get(CARD).status_code == status


def test_the_card_costs_the_same_queries_at_any_size(world, login):
    client = login("dangwei")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(CARD).status_code == 200
        return len(ctx.captured_queries)

    issued_notice(world)
    small = queries()
    for _ in range(8):
        issued_notice(world)
    assert WorkNotice.objects.count() == 9
    assert queries() == small


def test_the_committee_dashboard_loads_the_card(world, login):
    page = login("dangwei").get("/").content.decode()
    assert f'hx-get="{CARD}"' in page
    assert CARD not in login("shuji_a").get("/").content.decode()  # the branch dashboard
