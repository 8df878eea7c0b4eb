"""The committee's pages: counts per stage per branch, stuck pipelines, violations, committee steps pending and
the due list — scoped to the committee, 403 for branch people, a constant number of queries at any size."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recruitment import selectors, services, tasks
from recruitment.models import PipelineSummary
from tests.factories import PersonFactory, RoleFactory, UserFactory, make_org

from .helpers import d, record, walk_to

pytestmark = pytest.mark.django_db
SH = datetime.timezone(datetime.timedelta(hours=8))
TODAY = datetime.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=SH), tick=False):
        yield


def open_pipeline(branch, actor, name, applied="2023-03-01"):
    person = PersonFactory(organization=branch, name=name, birth_date=datetime.date(1995, 4, 2))
    return services.pipeline_open(actor=actor, person=person, applied_on=d(applied))


@pytest.fixture
def cworld(world, committee_user, full_members):
    """branch_a: 周停滞 (no talk: stuck), 吴迟到 (talk a month late: a violation), 郑预审 (waits for 预审);
    branch_b: 冯二支 (talk on time); the other institute: 陈乙所 (stuck, with a late talk)."""
    w = world
    w.__dict__["stuck"] = open_pipeline(w.branch_a, w.shuji_a, "周停滞")
    late = open_pipeline(w.branch_a, w.shuji_a, "吴迟到")
    record(late, "talk", "2023-05-10", branch_user=w.shuji_a, committee_user=committee_user)
    w.__dict__["late"] = late
    pending = open_pipeline(w.branch_a, w.shuji_a, "郑预审")
    w.__dict__["pending"] = walk_to(pending, "branch_review", branch_user=w.shuji_a, committee_user=committee_user,
                                    contacts=full_members[1:3], sponsors=full_members[0:2])
    on_time = open_pipeline(w.branch_b, w.shuji_b, "冯二支", applied="2026-05-10")
    w.__dict__["on_time"] = on_time
    other = open_pipeline(w.other_branch, w.outsider, "陈乙所")
    services.step_record(actor=w.outsider, pipeline=other,
                         data=services.StepInput(step="talk", done_on=d("2023-06-01")))
    w.__dict__["other"] = open_pipeline(w.other_branch, w.outsider, "褚乙所")
    return w


def rows_by_branch(response):
    return {r["organization__short_name"]: r for r in response.context["page"].object_list}


def test_zuzhibu_sees_every_branch_with_counts_per_stage_and_totals(cworld, login):
    response = login("zuzhibu").get("/recruitment/committee/")
    assert response.status_code == 200
    rows = rows_by_branch(response)
    assert set(rows) == {"第一党支部", "第二党支部", "乙所第一党支部"}
    assert (rows["第一党支部"]["applicant"], rows["第一党支部"]["candidate"], rows["第一党支部"]["active"]) == (2, 1, 3)
    assert rows["第二党支部"]["applicant"] == 1
    assert response.context["totals"]["applicant"] == 5
    assert response.context["totals"]["candidate"] == 1
    html = response.content.decode()
    assert 'data-testid="totals"' in html
    assert "stage-chart" in html
    # The problems per branch, from the same aggregate: 周停滞 (no talk) and 郑预审 (its half-yearly 考察) are
    # past a limit; 吴迟到 has one record that broke a limit (the late talk); 郑预审 waits for the committee's
    # 预审. The other institute: 褚乙所 has had no talk; 陈乙所's talk was late.
    a, other = rows["第一党支部"], rows["乙所第一党支部"]
    assert (a["stuck"], a["violations"], a["pending"]) == (2, 1, 1)
    assert (other["stuck"], other["violations"], other["pending"]) == (1, 1, 0)
    assert rows["第二党支部"]["stuck"] == 0
    assert response.context["totals"]["violations"] == 2
    assert 'data-testid="total-stuck">3<' in html


def test_dangwei_sees_only_the_institute_and_cannot_record(cworld, login):
    client = login("dangwei")
    response = client.get("/recruitment/committee/")
    assert response.status_code == 200
    assert set(rows_by_branch(response)) == {"第一党支部", "第二党支部"}
    assert response.context["totals"]["violations"] == 1
    assert response.context["can_record"] is False
    html = response.content.decode()
    # dangwei sees how many wait for the committee but gets no link to a list they cannot act on.
    assert "/recruitment/committee/pending/" not in html
    assert client.get("/recruitment/committee/pending/").status_code == 403
    for path in ("/recruitment/committee/stuck/", "/recruitment/committee/violations/",
                 "/recruitment/committee/due/"):
        page = client.get(path)
        assert page.status_code == 200
        assert "陈乙所" not in page.content.decode()


@pytest.mark.parametrize("persona", ["shuji_a", "shuji_b", "xuanchuan_a", "outsider", "dangyuan"])
def test_branch_people_get_403_on_committee_pages(cworld, login, persona):
    client = login(persona)
    for path in ("/recruitment/committee/", "/recruitment/committee/stuck/", "/recruitment/committee/violations/",
                 "/recruitment/committee/pending/", "/recruitment/committee/due/"):
        assert client.get(path).status_code == 403, path


def test_filter_by_branch_name_and_sort(cworld, login):
    client = login("zuzhibu")
    response = client.get("/recruitment/committee/?q=第二")
    assert set(rows_by_branch(response)) == {"第二党支部"}
    assert response.context["totals"]["applicant"] == 1
    response = client.get("/recruitment/committee/?sort=-active")
    names = [r["organization__short_name"] for r in response.context["page"].object_list]
    assert names[0] == "第一党支部"  # 3 active
    response = client.get("/recruitment/committee/?sort=bogus")
    assert response.context["sort"] == "name"


def test_stuck_list_names_the_overdue_step_and_days(cworld, login):
    response = login("zuzhibu").get("/recruitment/committee/stuck/")
    rows = {r.pipeline.person.name: r for r in response.context["page"].object_list}
    assert "周停滞" in rows
    assert "陈乙所" not in rows
    assert "褚乙所" in rows
    assert "吴迟到" not in rows
    assert "冯二支" not in rows
    row = rows["周停滞"]
    assert row.overdue_steps[0].startswith("2. 党组织派人谈话")
    assert row.days == (TODAY - datetime.date(2023, 4, 1)).days
    # 郑预审 waits for 预审 with no time limit but is an activist/candidate: the half-yearly assessment is overdue.
    assert any("培养教育考察" in s for s in rows["郑预审"].overdue_steps)


def test_violations_list_explains_in_chinese(cworld, login):
    response = login("dangwei").get("/recruitment/committee/violations/")
    rows = response.context["page"].object_list
    assert [r["record"].pipeline.person.name for r in rows] == ["吴迟到"]
    assert rows[0]["label"] == "2. 党组织派人谈话"
    assert "超期" in rows[0]["messages"][0]
    assert "超期" in response.content.decode()
    zuzhibu = login("zuzhibu").get("/recruitment/committee/violations/")
    assert {r["record"].pipeline.person.name for r in zuzhibu.context["page"].object_list} == {"吴迟到", "陈乙所"}


def test_committee_steps_pending_for_those_who_record_them(cworld, login, committee_user, client):
    response = login("zuzhibu").get("/recruitment/committee/pending/")
    rows = response.context["page"].object_list
    assert [(r["pipeline"].person.name, r["label"]) for r in rows] == [("郑预审", "13. 上级党委预审")]
    client.force_login(committee_user)  # 甲所党委书记
    assert [r["pipeline"].person.name for r in client.get("/recruitment/committee/pending/")
            .context["page"].object_list] == ["郑预审"]
    # the 乙所 committee's recorder does not see 甲所's
    other = UserFactory(username="yisuo_shuji")
    RoleFactory(user=other, organization=cworld.other_institute, kind="committee_secretary")
    client.force_login(other)
    assert list(client.get("/recruitment/committee/pending/").context["page"].object_list) == []


def test_due_page_lists_talks_and_assessments(cworld, login):
    response = login("zuzhibu").get("/recruitment/committee/due/")
    items = list(response.context["page"].object_list)
    kinds = {(i.pipeline.person.name, i.kind) for i in items}
    assert ("周停滞", "talk") in kinds
    assert ("冯二支", "talk") in kinds
    assert ("郑预审", "assessment") in kinds
    assert {i.overdue for i in items if i.pipeline.person.name == "冯二支"} == {False}
    talks = login("zuzhibu").get("/recruitment/committee/due/?kind=talk").context["page"].object_list
    assert {i.kind for i in talks} == {"talk"}
    assert "陈乙所" not in login("dangwei").get("/recruitment/committee/due/").content.decode()


def _more(world, n, full_members, committee_user):
    """n more branches under the institute, each with a stuck pipeline, a late talk and one waiting for 预审."""
    for i in range(n):
        branch = make_org(world.institute, name=f"测试扩展第{i}支部", short_name=f"扩展{i}支部")
        secretary = UserFactory()
        RoleFactory(user=secretary, organization=branch, kind="secretary")
        open_pipeline(branch, secretary, f"停滞{i}")
        late = open_pipeline(branch, secretary, f"迟到{i}")
        services.step_record(actor=secretary, pipeline=late,
                             data=services.StepInput(step="talk", done_on=d("2023-05-10")))


@pytest.mark.parametrize("path", ["/recruitment/committee/", "/recruitment/committee/stuck/",
                                  "/recruitment/committee/violations/", "/recruitment/committee/pending/",
                                  "/recruitment/committee/due/"])
def test_committee_pages_cost_the_same_queries_at_any_size(cworld, login, full_members, committee_user, path,
                                                           django_capture_on_commit_callbacks):
    client = login("zuzhibu")
    client.get(path)  # warm caches (rule set parsing, sessions); the overview builds the missing summaries
    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # the services refresh the summaries, as after a commit
        _more(cworld, 4, full_members, committee_user)
    with CaptureQueriesContext(connection) as large:
        response = client.get(path)
        assert response.status_code == 200
    assert response.context["page"].paginator.count > 0
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_due_items_selector_for_a_branch(cworld, committee_user, full_members):
    items = selectors.due_items(user=cworld.shuji_a, organization=cworld.branch_a, on=TODAY)
    # 吴迟到 had the talk and is still an applicant: nothing due
    assert {(i.pipeline.person.name, i.kind) for i in items} == {("周停滞", "talk"), ("郑预审", "assessment")}
    assert selectors.due_items(user=cworld.shuji_b, organization=cworld.branch_b, on=TODAY)[0].kind == "talk"
    assert selectors.due_items(user=cworld.shuji_b, on=TODAY)[0].pipeline.person.name == "冯二支"


def test_due_items_probation_and_approvals(world, committee_user, full_members):
    kw = {"branch_user": world.shuji_a, "committee_user": committee_user, "contacts": full_members[1:3],
          "sponsors": full_members[0:2]}
    waiting = walk_to(open_pipeline(world.branch_a, world.shuji_a, "孙待批"), "committee_talk", **kw)
    probation = walk_to(open_pipeline(world.branch_a, world.shuji_a, "李预备"), "approval", **kw)
    # 孙待批: voted 2024-07-01, approval due within 3 months (2024-10-01)
    items = selectors.due_items(user=world.zuzhibu, on=d("2024-10-02"), kinds=["approval"])
    assert [(i.pipeline.pk, i.due_on, i.overdue, i.for_committee) for i in items] == [
        (waiting.pk, d("2024-10-01"), True, True)]
    assert "超过3个月期限" in items[0].title
    assert selectors.due_items(user=world.zuzhibu, on=d("2024-09-30"), kinds=["approval"]) == []
    # 李预备: probation ends 2025-07-01; listed from 30 days before (probation_notice_days)
    assert selectors.due_items(user=world.zuzhibu, on=d("2025-05-31"), kinds=["probation"]) == []
    items = selectors.due_items(user=world.zuzhibu, on=d("2025-06-01"), kinds=["probation"])
    assert [(i.pipeline.pk, i.due_on, i.overdue) for i in items] == [(probation.pk, d("2025-07-01"), False)]
    # out of scope: shuji_b sees none of branch A's
    assert selectors.due_items(user=world.shuji_b, on=d("2025-06-01")) == []


def test_overview_summary_follows_a_recorded_step(cworld, login, committee_user, django_capture_on_commit_callbacks):
    client = login("zuzhibu")
    assert rows_by_branch(client.get("/recruitment/committee/"))["第二党支部"]["activist"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.step_record(actor=cworld.shuji_b, pipeline=cworld.on_time,
                             data=services.StepInput(step="talk", done_on=d("2026-05-20")))
        services.pipeline_stop(actor=cworld.shuji_a, pipeline=cworld.stuck, on=TODAY, reason="本人撤回申请")
    summary = PipelineSummary.objects.get(organization=cworld.branch_b)
    assert summary.computed_on == TODAY
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/recruitment/committee/")
    assert not any("GROUP BY" in q["sql"] for q in queries.captured_queries)  # read from the summaries
    rows = rows_by_branch(response)
    assert (rows["第一党支部"]["applicant"], rows["第一党支部"]["ended"], rows["第一党支部"]["stuck"]) == (1, 1, 1)
    assert response.context["totals"]["ended"] == 1


def test_overview_heals_a_stale_summary(cworld, login):
    client = login("zuzhibu")
    client.get("/recruitment/committee/")
    # Yesterday's figures: wrong counts, computed the day before (as if the nightly job had not run).
    PipelineSummary.objects.filter(organization=cworld.branch_a).update(
        computed_on=TODAY - datetime.timedelta(days=1), applicant=9, stuck=0)
    PipelineSummary.objects.filter(organization=cworld.branch_b).delete()
    response = client.get("/recruitment/committee/")
    rows = rows_by_branch(response)
    assert (rows["第一党支部"]["applicant"], rows["第一党支部"]["stuck"]) == (2, 2)
    assert rows["第二党支部"]["applicant"] == 1
    assert set(PipelineSummary.objects.values_list("computed_on", flat=True)) == {TODAY}


def test_overview_stuck_count_moves_with_the_date_after_the_nightly_job(cworld, login):
    client = login("zuzhibu")
    assert rows_by_branch(client.get("/recruitment/committee/"))["第二党支部"]["stuck"] == 0
    # 冯二支 applied on 2026-05-10: the talk is due within a month, so two months later it is past its limit.
    later = datetime.datetime(2026, 8, 1, 9, 0, tzinfo=SH)
    with time_machine.travel(later, tick=False):
        tasks.refresh_pipelines_task()
        assert set(PipelineSummary.objects.values_list("computed_on", flat=True)) == {later.date()}
        rows = {r["organization__short_name"]: r for r in selectors.stage_counts(user=cworld.users["zuzhibu"])}
    assert rows["第二党支部"]["stuck"] == 1


def test_overview_queries_do_not_grow_with_branches(cworld, login, full_members, committee_user,
                                                    django_capture_on_commit_callbacks):
    client = login("zuzhibu")
    client.get("/recruitment/committee/?sort=-stuck&q=支部")
    with CaptureQueriesContext(connection) as small:
        client.get("/recruitment/committee/?sort=-stuck&q=支部")
    with django_capture_on_commit_callbacks(execute=True):
        _more(cworld, 30, full_members, committee_user)
    with CaptureQueriesContext(connection) as large:
        response = client.get("/recruitment/committee/?sort=-stuck&q=支部")
    assert len(large) == len(small)
    assert response.context["page"].paginator.count == 33  # 30 new + 第一党支部, 第二党支部, 乙所第一党支部
    assert len(response.context["page"].object_list) == 25
    stuck = [r["stuck"] for r in response.context["page"].object_list]
    assert stuck == sorted(stuck, reverse=True)
