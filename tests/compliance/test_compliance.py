"""The computations: done, due, overdue, upcoming and not required at month, quarter and year boundaries
(Beijing time), party groups, and constant query counts."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.meetings import compliance as c
from branches.models import OrgType, RuleSet
from tests.factories import make_org

from .helpers import at, meeting

pytestmark = pytest.mark.django_db
D = datetime.date


def cell(data, mtype, kind, index):
    return data.cells[(mtype, kind)][index - 1]


def test_periods_and_parsing():
    assert c.month_period(2025, 12).end == D(2026, 1, 1)
    assert c.quarter_period(2025, 4).start == D(2025, 10, 1)
    assert c.period_containing("quarter", D(2025, 6, 30)).index == 2
    assert c.parse_period(2025, "q3").months() == [7, 8, 9]
    assert c.parse_period(2025, "m13") is None
    assert c.parse_period(2025, "x") is None
    assert c.parse_period(2025, "year").label == "2025年"


def test_month_boundary_in_beijing_time(world):
    # 23:30 on 31 March in Beijing is 15:30 UTC; 00:30 on 1 April is still 31 March in UTC.
    meeting(world.branch_a, "theme_day", at(2025, 3, 31, 23, 30))
    meeting(world.branch_a, "committee", at(2025, 4, 1, 0, 30))
    data = c.branch_year(org=world.branch_a, year=2025, on=D(2025, 4, 1))
    assert cell(data, "theme_day", "month", 3).status == c.DONE
    assert cell(data, "committee", "month", 3).status == c.OVERDUE  # March is over, nothing held
    assert cell(data, "committee", "month", 4).status == c.DONE  # the 00:30 meeting belongs to April
    assert cell(data, "theme_day", "month", 4).status == c.DUE  # April has just begun
    assert cell(data, "theme_day", "month", 5).status == c.UPCOMING
    [m] = cell(data, "committee", "month", 4).meetings
    assert m.meeting_type == "committee"


def test_the_last_day_of_a_period_is_still_due(world):
    data = c.branch_year(org=world.branch_a, year=2025, on=D(2025, 3, 31))
    assert cell(data, "committee", "month", 3).status == c.DUE
    assert cell(data, "general_assembly", "quarter", 1).status == c.DUE
    data = c.branch_year(org=world.branch_a, year=2025, on=D(2025, 4, 1))
    assert cell(data, "general_assembly", "quarter", 1).status == c.OVERDUE
    assert cell(data, "general_assembly", "quarter", 2).status == c.DUE
    assert cell(data, "life_meeting", "year", 1).status == c.DUE
    data = c.branch_year(org=world.branch_a, year=2025, on=D(2026, 1, 1))
    assert cell(data, "life_meeting", "year", 1).status == c.OVERDUE


def test_quarter_and_year_requirements_count_any_meeting_in_the_period(world):
    meeting(world.branch_a, "general_assembly", at(2025, 5, 20), confirmed=True)
    meeting(world.branch_a, "lecture", at(2025, 6, 30, 23, 59))
    meeting(world.branch_a, "life_meeting", at(2025, 12, 31, 22, 0))
    data = c.branch_year(org=world.branch_a, year=2025, on=D(2026, 1, 5))
    q2 = cell(data, "general_assembly", "quarter", 2)
    assert (q2.status, q2.done, q2.confirmed, q2.required) == (c.DONE, 1, 1, 1)
    assert cell(data, "lecture", "quarter", 2).status == c.DONE
    assert cell(data, "lecture", "quarter", 3).status == c.OVERDUE
    assert cell(data, "life_meeting", "year", 1).status == c.DONE
    assert cell(data, "appraisal", "year", 1).status == c.OVERDUE


def test_not_required_without_committee_or_party_groups(world):
    # Branch B has no committee and no party group.
    data = c.branch_year(org=world.branch_b, year=2025, on=D(2025, 6, 15))
    assert cell(data, "committee", "month", 1).status == c.NOT_REQUIRED
    assert cell(data, "group", "month", 1).status == c.NOT_REQUIRED
    assert cell(data, "theme_day", "month", 1).status == c.OVERDUE
    # Branch A has both: the 党小组会 of its group count for it.
    meeting(world.group_a, "group", at(2025, 2, 10))
    data = c.branch_year(org=world.branch_a, year=2025, on=D(2025, 6, 15))
    assert cell(data, "committee", "month", 1).status == c.OVERDUE
    assert cell(data, "group", "month", 2).status == c.DONE
    assert cell(data, "group", "month", 1).status == c.OVERDUE
    assert data.whole_year.required == 12 * 3 + 4 * 2 + 2
    assert c.branch_year(org=world.branch_b, year=2025, on=D(2025, 6, 15)).whole_year.required == 12 + 8 + 2


def test_future_meetings_and_other_branches_do_not_count(world):
    meeting(world.branch_b, "theme_day", at(2025, 1, 10))
    meeting(world.branch_a, "theme_day", at(2099, 1, 10))
    data = c.branch_year(org=world.branch_a, year=2025, on=D(2025, 1, 20))
    assert cell(data, "theme_day", "month", 1).status == c.DUE
    assert c.branch_year(org=world.branch_a, year=2099, on=D(2099, 1, 20)).cells[("theme_day", "month")][0].done == 0


def test_a_revision_changes_the_requirements_from_its_date(world):
    RuleSet.objects.create(domain="meetings", name="修订", effective_from=D(2025, 7, 1), org_types=["branch"],
                           parameters={"requirements": [{"meeting_type": "theme_day", "period": "month",
                                                         "count": 2}]})
    meeting(world.branch_b, "theme_day", at(2025, 6, 5))
    meeting(world.branch_b, "theme_day", at(2025, 7, 5))
    data = c.branch_year(org=world.branch_b, year=2025, on=D(2025, 12, 1))
    assert cell(data, "theme_day", "month", 6).status == c.DONE
    july = cell(data, "theme_day", "month", 7)
    assert (july.status, july.required, july.done) == (c.OVERDUE, 2, 1)
    # The quarterly rows exist (from the older set) but Q3 is no longer required under the revision.
    assert cell(data, "general_assembly", "quarter", 2).status == c.OVERDUE
    assert cell(data, "general_assembly", "quarter", 3).status == c.NOT_REQUIRED


def _rows(user, on, **kw):
    found = c.overview(user=user, on=on, **kw)
    rows = [c.OverviewRow.from_summary(s) for s in found.rows]
    assert found.count == len(rows)
    return rows


def test_overview_tallies_for_month_quarter_and_year(world):
    meeting(world.branch_a, "committee", at(2025, 5, 2))
    meeting(world.group_a, "group", at(2025, 5, 3))
    meeting(world.branch_a, "general_assembly", at(2025, 4, 3))
    rows = {r.org.pk: r for r in _rows(world.dangwei, D(2025, 5, 20))}
    assert set(rows) == {world.branch_a.pk, world.branch_b.pk}
    a = rows[world.branch_a.pk]
    assert (a.month.done, a.month.required) == (2, 3)
    # Q2 so far: April–June monthly (9 cells) + 2 quarterly; 1 monthly in May + the assembly done.
    assert (a.quarter.done, a.quarter.required) == (3, 11)
    assert a.quarter.overdue == 3  # April's committee, party group and theme day
    assert a.whole_year.overdue == 4 * 3 + 2  # Jan–Apr monthly, Q1 two quarterly
    assert a.status == c.OVERDUE
    assert a.status_label == "有逾期"
    assert "1月主题党日" in a.overdue_labels(2025)
    assert a.responsible  # dangwei holds a role at the institute, the branch's parent
    b = rows[world.branch_b.pk]
    assert (b.month.done, b.month.required) == (0, 1)
    assert [r.org.pk for r in _rows(world.dangwei, D(2025, 5, 20), sort="-month")] == [world.branch_a.pk,
                                                                                        world.branch_b.pk]
    assert [r.org.pk for r in _rows(world.dangwei, D(2025, 5, 20), q="第二")] == [world.branch_b.pk]


def test_responsible_branches_come_first(world):
    deep = make_org(world.root, org_type=OrgType.BRANCH, short_name="院直属支部", name="院直属党支部")
    rows = _rows(world.zuzhibu, D(2025, 5, 20), sort="name")
    assert rows[0].org.pk == deep.pk
    assert rows[0].responsible
    assert not any(r.responsible for r in rows[1:])
    # In every sort, descending too.
    for sort in (*c.SORTS, *(f"-{k}" for k in c.SORTS)):
        assert _rows(world.zuzhibu, D(2025, 5, 20), sort=sort)[0].org.pk == deep.pk


def test_scope_of_the_overview(world):
    assert {r.org.pk for r in _rows(world.shuji_a, D(2025, 5, 1))} == {world.branch_a.pk}
    assert {r.org.pk for r in _rows(world.outsider, D(2025, 5, 1))} == {world.other_branch.pk}
    assert _rows(world.dangyuan, D(2025, 5, 1)) == []
    assert len(_rows(world.admin, D(2025, 5, 1))) == 3
    # Narrowed to a capability's scope: 宣传委员 may view but not export.
    assert _rows(world.xuanchuan_a, D(2025, 5, 1), capability="export") == []
    assert {r.org.pk for r in _rows(world.dangwei, D(2025, 5, 1), capability="export")} == {
        world.branch_a.pk, world.branch_b.pk}


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_overview_query_count_is_constant_in_the_number_of_branches(world):
    def make(n):
        for i in range(n):
            b = make_org(world.institute, org_type=OrgType.BRANCH, has_committee=True)
            g = make_org(b, org_type=OrgType.PARTY_GROUP)
            meeting(b, "committee", at(2025, 2, 1 + i % 27))
            meeting(g, "group", at(2025, 3, 1 + i % 27))

    def read():
        world.dangwei.__dict__.pop("_portal_scope", None)
        return _rows(world.dangwei, D(2025, 5, 1))

    make(1)  # 3 branches in dangwei's scope
    read()  # computes the missing summaries
    small = _queries(read)
    make(27)  # 30 branches
    assert len(read()) == 30
    large = _queries(read)
    # The scope, the summaries' count, the rows; and two values derived from the tree alone (the number of open
    # branches in scope, whether the user is responsible for one), cached with the tree in production and
    # recomputed here, where the tests' cache keeps nothing.
    assert large == small == 5
