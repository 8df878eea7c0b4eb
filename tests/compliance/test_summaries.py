"""The per-branch 三会一课 summary behind the committee view: kept current by the services and the nightly job,
healed by the page when missing or stale, and equal to the per-branch computation."""

from __future__ import annotations

import datetime
import random

import pytest
import time_machine
from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from branches import services as org_services
from branches.meetings import compliance as c
from branches.meetings import services as meeting_services
from branches.meetings import summaries
from branches.models import ComplianceSummary, Meeting, OrgType, RuleSet
from branches.tasks import refresh_compliance_summaries_task, refresh_compliance_summary_task
from tests.factories import make_org

from .helpers import SH, at, meeting

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 5, 20, 9, 0, tzinfo=SH)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(NOW, tick=False):
        yield


def summary(org) -> ComplianceSummary:
    return ComplianceSummary.objects.get(organization=org, year=2026)


def reference(org, on=TODAY) -> c.BranchCompliance:
    """The per-branch computation the calendar uses (its own queries, independent of the summaries)."""
    return c.branch_year(org=org, year=on.year, on=on)


def same(s: ComplianceSummary, ref: c.BranchCompliance) -> None:
    row = c.OverviewRow.from_summary(s)
    assert (row.month.done, row.month.required) == (ref.month.done, ref.month.required)
    assert (row.quarter.done, row.quarter.required, row.quarter.overdue) == (
        ref.quarter.done, ref.quarter.required, ref.quarter.overdue)
    assert (row.whole_year.done, row.whole_year.required, row.whole_year.overdue) == (
        ref.whole_year.done, ref.whole_year.required, ref.whole_year.overdue)
    assert (s.month_ratio, s.quarter_ratio, s.year_ratio) == (ref.month.ratio, ref.quarter.ratio,
                                                               ref.whole_year.ratio)
    assert row.status == ref.status
    overdue = sorted([cell.period.code, cell.meeting_type] for cells in ref.cells.values() for cell in cells
                     if cell.status == c.OVERDUE)
    assert sorted(s.overdue_items) == overdue


# ---- kept current by the services ---------------------------------------------------------------------------


def _data(mtype: str, when: datetime.datetime, **extra) -> dict:
    return {"meeting_type": mtype, "title": f"{mtype} {when:%m-%d}", "held_at": when, **extra}


def test_recording_changing_and_confirming_a_meeting_refresh_its_branch(world, django_capture_on_commit_callbacks):
    summaries.refresh()
    assert summary(world.branch_a).month_done == 0
    with django_capture_on_commit_callbacks(execute=True):
        m = meeting_services.meeting_create(actor=world.shuji_a, organization=world.branch_a,
                                            data=_data("committee", at(2026, 5, 2)))
    assert summary(world.branch_a).month_done == 1
    same(summary(world.branch_a), reference(world.branch_a))
    # Moved to April: May's committee is missing again, April's done.
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_update(actor=world.shuji_a, meeting=m, data={"held_at": at(2026, 4, 2)})
    s = summary(world.branch_a)
    assert s.month_done == 0
    assert ["m4", "committee"] not in s.overdue_items
    same(s, reference(world.branch_a))
    s.month_done = 9
    s.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        meeting_services.meeting_confirm(actor=world.shuji_a, meeting=m)
    assert callbacks
    same(summary(world.branch_a), reference(world.branch_a))


def test_a_party_group_meeting_refreshes_the_branch_above(world, django_capture_on_commit_callbacks):
    summaries.refresh()
    before = summary(world.branch_a).month_done
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_create(actor=world.shuji_a, organization=world.group_a,
                                        data=_data("group", at(2026, 5, 3)))
    assert summary(world.branch_a).month_done == before + 1
    assert not ComplianceSummary.objects.filter(organization=world.group_a).exists()


def test_a_deleted_meeting_leaves_the_summary_on_the_next_refresh(world):
    m = meeting(world.branch_a, "committee", at(2026, 5, 2))
    summaries.refresh()
    assert summary(world.branch_a).month_done == 1
    Meeting.objects.filter(pk=m.pk).delete()
    refresh_compliance_summary_task.delay(world.branch_a.pk)
    assert summary(world.branch_a).month_done == 0


def test_nothing_is_refreshed_before_the_commit(world, django_capture_on_commit_callbacks):
    summaries.refresh()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        meeting_services.meeting_create(actor=world.shuji_a, organization=world.branch_a,
                                        data=_data("committee", at(2026, 5, 2)))
    assert summary(world.branch_a).month_done == 0
    assert len(callbacks) == 1


def test_organization_changes_refresh_the_branch(world, django_capture_on_commit_callbacks):
    summaries.refresh()
    assert summary(world.branch_b).month_required == 1  # theme day only: no committee, no party group
    with django_capture_on_commit_callbacks(execute=True):
        org_services.organization_update(actor=world.admin, organization=world.branch_b,
                                         data={"has_committee": True})
    assert summary(world.branch_b).month_required == 2
    with django_capture_on_commit_callbacks(execute=True):
        group = org_services.organization_create(actor=world.admin, parent=world.branch_b, data={
            "org_type": OrgType.PARTY_GROUP, "name": "第二党支部第一党小组", "short_name": "二支一组"})
    assert summary(world.branch_b).month_required == 3
    same(summary(world.branch_b), reference(world.branch_b))
    with django_capture_on_commit_callbacks(execute=True):
        org_services.organization_close(actor=world.admin, organization=group, closed_on=TODAY, reason="合并")
    assert summary(world.branch_b).month_required == 2
    with django_capture_on_commit_callbacks(execute=True):
        org_services.organization_update(actor=world.admin, organization=world.branch_b,
                                         data={"founded_on": datetime.date(2026, 5, 1)})
    s = summary(world.branch_b)
    assert (s.year_required, s.overdue) == (reference(world.branch_b).whole_year.required, 0)


def test_moving_a_party_group_refreshes_both_branches(world, django_capture_on_commit_callbacks):
    summaries.refresh()
    with django_capture_on_commit_callbacks(execute=True):
        org_services.organization_move(actor=world.admin, organization=world.group_a, new_parent=world.branch_b)
    assert summary(world.branch_a).month_required == 2  # no party group any more
    assert summary(world.branch_b).month_required == 2  # now has one


def test_moving_a_branch_moves_its_summary_into_the_new_committees_overview(world, login,
                                                                            django_capture_on_commit_callbacks):
    """The summary carries the branch's path: a move refreshes every branch of the moved subtree."""
    summaries.refresh()
    old_path = summary(world.branch_b).path
    with django_capture_on_commit_callbacks(execute=True):
        org_services.organization_move(actor=world.admin, organization=world.branch_b,
                                       new_parent=world.other_institute)
    world.branch_b.refresh_from_db()
    assert summary(world.branch_b).path == world.branch_b.path != old_path
    assert world.branch_b.path.startswith(world.other_institute.path)
    assert "第二党支部" not in login("dangwei").get("/compliance/").content.decode()
    # A whole committee moved: the branches below it get their new paths too.
    with django_capture_on_commit_callbacks(execute=True):
        org_services.organization_move(actor=world.admin, organization=world.other_institute,
                                       new_parent=world.institute)
    for branch in (world.branch_b, world.other_branch):
        branch.refresh_from_db()
        assert summary(branch).path == branch.path
        assert branch.path.startswith(world.institute.path)
    page = login("dangwei").get("/compliance/").content.decode()
    assert "第二党支部" in page
    assert "共 3 条" in page


def test_renaming_and_closing_a_branch_update_its_summary(world, django_capture_on_commit_callbacks):
    summaries.refresh()
    with django_capture_on_commit_callbacks(execute=True):
        org_services.organization_update(actor=world.admin, organization=world.branch_b,
                                         data={"short_name": "二支部", "name": "中共甲研究所第二党支部委员会"})
    assert (summary(world.branch_b).short_name, summary(world.branch_b).name) == ("二支部", "中共甲研究所第二党支部委员会")
    empty = make_org(world.institute, org_type=OrgType.BRANCH, name="中共甲研究所第三支部委员会", short_name="第三党支部")
    summaries.refresh()
    assert c.overview(user=world.admin, on=TODAY).count == 4
    with django_capture_on_commit_callbacks(execute=True):
        org_services.organization_close(actor=world.admin, organization=empty, closed_on=TODAY, reason="合并")
    assert not ComplianceSummary.objects.filter(organization=empty).exists()
    found = c.overview(user=world.admin, on=TODAY)
    assert found.count == 3
    assert empty.pk not in [s.organization_id for s in found.rows]


def test_the_nightly_refresh_drops_summaries_of_organizations_that_are_no_longer_open_branches(world):
    summaries.refresh()
    ComplianceSummary.objects.filter(organization=world.branch_a).update(path="stale")
    ComplianceSummary.objects.create(organization=world.institute, year=2026, computed_on=TODAY,
                                     path=world.institute.path)
    assert summaries.refresh() == 3
    assert sorted(ComplianceSummary.objects.values_list("organization_id", flat=True)) == sorted(
        [world.branch_a.pk, world.branch_b.pk, world.other_branch.pk])
    assert summary(world.branch_a).path == world.branch_a.path


def test_saving_a_rule_set_in_the_admin_refreshes_every_branch(world, django_capture_on_commit_callbacks):
    summaries.refresh()
    ComplianceSummary.objects.update(month_done=7)
    rule = RuleSet(domain="meetings", name="修订", effective_from=datetime.date(2026, 1, 1), org_types=["branch"],
                   parameters={"requirements": [{"meeting_type": "theme_day", "period": "month", "count": 2}]})
    request = RequestFactory().post("/admin/")
    request.user = world.admin
    model_admin = admin.site._registry[RuleSet]
    with django_capture_on_commit_callbacks(execute=True):
        model_admin.save_model(request, rule, form=None, change=False)
    for org in (world.branch_a, world.branch_b, world.other_branch):
        same(summary(org), reference(org))
    assert summary(world.branch_b).month_required == 1  # the revision's theme day
    assert summary(world.branch_a).month_done == 0


# ---- the nightly job and the date rollover ------------------------------------------------------------------


def test_the_nightly_task_refreshes_every_branch_and_due_turns_overdue(world):
    new = make_org(world.institute, org_type=OrgType.BRANCH, short_name="新支部", founded_on=datetime.date(2026, 5, 1))
    with time_machine.travel(datetime.datetime(2026, 5, 31, 12, 0, tzinfo=SH), tick=False):
        summaries.refresh()
        s = summary(new)
        # May's theme day, and the second quarter's assembly and lecture.
        assert (s.overdue, s.due, c.OverviewRow.from_summary(s).status) == (0, 3, c.DUE)
    with time_machine.travel(datetime.datetime(2026, 6, 1, 0, 10, tzinfo=SH), tick=False):
        assert refresh_compliance_summaries_task.delay().get() == 4
        s = summary(new)
        assert s.computed_on == datetime.date(2026, 6, 1)
        assert (s.overdue, s.overdue_items) == (1, [["m5", "theme_day"]])
        for org in (world.branch_a, world.branch_b, world.other_branch, new):
            same(summary(org), reference(org, datetime.date(2026, 6, 1)))


def test_the_nightly_task_is_scheduled_after_midnight_in_beijing():
    entry = settings.CELERY_BEAT_SCHEDULE["compliance-summaries"]
    assert entry["task"] == refresh_compliance_summaries_task.name
    assert entry["schedule"].hour == {0}
    assert entry["schedule"].minute == {10}
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


# ---- healed by the page, equal to the computation -----------------------------------------------------------


def test_missing_and_stale_summaries_are_healed_when_the_page_is_viewed(world, login):
    meeting(world.branch_a, "committee", at(2026, 5, 2))
    summaries.refresh(org_ids=[world.branch_a.pk], on=TODAY - datetime.timedelta(days=1))
    ComplianceSummary.objects.filter(organization=world.branch_a).update(month_done=5, overdue=0)
    assert not ComplianceSummary.objects.filter(organization=world.branch_b).exists()
    html = login("dangwei").get("/compliance/?sort=name").content.decode()
    assert summary(world.branch_a).computed_on == TODAY
    same(summary(world.branch_a), reference(world.branch_a))
    same(summary(world.branch_b), reference(world.branch_b))
    assert "1/3" in html  # branch A this month: the committee only
    assert "5/3" not in html
    # Outside dangwei's scope nothing was computed.
    assert not ComplianceSummary.objects.filter(organization=world.other_branch).exists()


def _random_world(world, n: int, seed: int) -> list:
    rnd = random.Random(seed)
    branches = [world.branch_a, world.branch_b]
    for i in range(n):
        b = make_org(world.institute if i % 3 else world.root, org_type=rnd.choice([OrgType.BRANCH,
                                                                                   OrgType.JOINT_BRANCH]),
                     has_committee=rnd.random() < 0.6,
                     founded_on=rnd.choice([None, datetime.date(2025, 6, 1), datetime.date(2026, 3, 15)]))
        if rnd.random() < 0.5:
            g = make_org(b, org_type=OrgType.PARTY_GROUP)
            for _ in range(rnd.randint(0, 4)):
                meeting(g, "group", at(2026, rnd.randint(1, 5), rnd.randint(1, 28)))
        branches.append(b)
    for b in branches:
        for _ in range(rnd.randint(0, 14)):
            mtype = rnd.choice(["committee", "theme_day", "general_assembly", "lecture", "life_meeting", "study"])
            month = rnd.randint(1, 6)
            meeting(b, mtype, at(2026 if rnd.random() < 0.9 else 2025, month, rnd.randint(1, 28)),
                    confirmed=rnd.random() < 0.5)
    return branches


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_page_numbers_equal_the_per_branch_computation(world, seed):
    branches = _random_world(world, 12, seed)
    rows = list(c.overview(user=world.zuzhibu, on=TODAY).rows)
    assert {s.organization_id for s in rows} == {b.pk for b in branches} | {world.other_branch.pk}
    for s in rows:
        same(s, reference(s.organization))


def _python_order(refs: list[c.BranchCompliance], sort: str, responsible: set[int]) -> list[int]:
    """The committee view's order as the Python version computed it (stable sorts: ties in tree order)."""
    keys = {
        "name": lambda r: r.org.path,
        "month": lambda r: (r.month.ratio, r.month.done),
        "quarter": lambda r: (r.quarter.ratio, r.quarter.done),
        "year": lambda r: (r.whole_year.ratio, r.whole_year.done),
        "overdue": lambda r: r.whole_year.overdue,
    }
    rows = sorted(refs, key=lambda r: r.org.path)
    rows = sorted(rows, key=keys[sort.lstrip("-")], reverse=sort.startswith("-"))
    return [r.org.pk for r in sorted(rows, key=lambda r: r.org.pk not in responsible)]


def test_sort_filter_and_responsible_first_match_the_python_order(world):
    branches = _random_world(world, 12, 7)
    refs = [reference(b) for b in branches]
    # zuzhibu sits at the root: the branches directly under it come first.
    responsible = {b.pk for b in branches if b.depth == world.root.depth + 1}
    assert responsible
    refs_all = refs + [reference(world.other_branch)]
    for sort in (*c.SORTS, *(f"-{k}" for k in c.SORTS)):
        got = [s.organization_id for s in c.overview(user=world.zuzhibu, on=TODAY, sort=sort).rows]
        assert got == _python_order(refs_all, sort, responsible), sort
    overdue = [s.organization_id for s in c.overview(user=world.zuzhibu, on=TODAY, only_overdue=True).rows]
    assert overdue == [pk for pk in _python_order(refs_all, "name", responsible)
                       if next(r for r in refs_all if r.org.pk == pk).whole_year.overdue]
    assert [s.organization_id for s in c.overview(user=world.zuzhibu, on=TODAY, q="第二").rows] == [world.branch_b.pk]
    assert [s.organization_id for s in c.overview(user=world.zuzhibu, on=TODAY, q="中共甲研究所第一").rows] == [
        world.branch_a.pk]


def test_the_page_is_paged_in_sql(world, login):
    for _ in range(30):
        make_org(world.institute, org_type=OrgType.BRANCH)
    client = login("dangwei")
    client.get("/compliance/")
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/compliance/?page=2").content.decode()
    assert "共 32 条" in html
    summary_queries = [q["sql"] for q in ctx.captured_queries if "compliancesummary" in q["sql"]]
    assert any("COUNT(" in sql for sql in summary_queries)
    assert any("LIMIT 7 OFFSET 25" in sql for sql in summary_queries)
