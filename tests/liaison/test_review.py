"""The committee's review of the liaison work: coverage of a unit with its gaps, periodic reviews (定期梳理) with
the coverage kept as it was, and the funnel from the pool to the party — scoped to review_liaisons, a constant
number of queries at any size."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison import services, summaries
from liaison.models import FollowUp, LiaisonPair, LiaisonRole, PairKind, Review, Talk
from recruitment.models import Pipeline, Stage
from tests.factories import make_member

from .helpers import START, non_party, profile

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)
PRIVATE = "家庭困难，需保密"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 21, 10, 0))


def get(login, persona, path):
    return login(persona).get(path)


def rows_by_unit(response):
    return {r["org"].short_name: {key: getattr(r["org"], key) for key in summaries.FIELDS} for r in response.context["page"]}


# ---- who sees what ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "unit"), [
    ("zuzhibu", "root"), ("dangwei", "institute"), ("shuji_a", "branch_a"), ("shuji_b", "branch_b"),
    ("admin", "root"), ("outsider", "other_branch"),
])
def test_review_opens_on_the_users_review_root(lworld, login, persona, unit):
    response = get(login, persona, "/liaison/review/")
    assert response.status_code == 200
    assert response.context["unit"] == getattr(lworld, unit)
    assert response.context["nav_active"] == "liaison"


@pytest.mark.parametrize(("persona", "unit", "status"), [
    ("zuzhibu", "other_institute", 200),  # the academy includes 乙所
    ("dangwei", "institute", 200),
    ("dangwei", "branch_a", 200),
    ("dangwei", "other_institute", 404),
    ("shuji_b", "branch_b", 200),
    ("shuji_b", "institute", 404),
    ("shuji_b", "branch_a", 404),
    ("shuji_a", "branch_a", 200),
    ("outsider", "institute", 404),
    ("outsider", "branch_a", 404),
    ("xuanchuan_a", "branch_a", 403),
    ("dangyuan", "branch_a", 403),
])
def test_review_pages_scope(lworld, login, persona, unit, status):
    pk = getattr(lworld, unit).pk
    client = login(persona)
    for path in (f"/liaison/review/?unit={pk}", f"/liaison/review/funnel/?unit={pk}",
                 f"/liaison/review/reviews/new/?unit={pk}"):
        assert client.get(path).status_code == status, path


@pytest.mark.parametrize("persona", ["xuanchuan_a", "dangyuan"])
def test_review_without_capability_is_403(lworld, login, persona):
    client = login(persona)
    assert client.get("/liaison/review/").status_code == 403
    assert client.get("/liaison/review/funnel/").status_code == 403
    assert client.get("/liaison/review/reviews/new/").status_code == 403


def test_bad_unit_is_404(lworld, login):
    client = login("zuzhibu")
    assert client.get("/liaison/review/?unit=abc").status_code == 404
    assert client.get("/liaison/review/?unit=999999").status_code == 404


def test_anonymous_goes_to_login(lworld, client):
    response = client.get("/liaison/review/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# ---- the coverage ------------------------------------------------------------------------------------------------


def test_coverage_numbers_of_the_institute(lworld, login):
    response = get(login, "dangwei", "/liaison/review/")
    totals = response.context["totals"]
    # 周博士 (kept by 李明哲), 吴研究员 (高知 without a liaison), 郑工程师 (branch B, not 高知).
    assert (totals.pool, totals.high_knowledge, totals.uncovered) == (3, 2, 1)
    assert (totals.pairs, totals.pairings, totals.liaisons, totals.overloaded) == (1, 0, 1, 0)
    # The last talk was on 2026-03-10: more than three months ago. 协调子女入学 was due on 2026-06-30.
    assert (totals.talks_overdue, totals.open_follow_ups, totals.follow_ups_overdue, totals.open_requests) == (1, 1, 1, 1)
    html = response.content.decode()
    assert 'data-testid="total-uncovered">1<' in html
    assert 'data-testid="total-pool">3<' in html
    rows = rows_by_unit(response)
    assert set(rows) == {"甲所党委", "第二党支部"}
    assert (rows["甲所党委"]["pool"], rows["甲所党委"]["uncovered"], rows["甲所党委"]["pairs"]) == (2, 1, 1)
    assert rows["第二党支部"]["pool"] == 1
    assert PRIVATE not in html
    assert f"/jobs/export/liaison_list/?organization={lworld.institute.pk}" in html
    assert response.context["review_overdue"]  # no review recorded yet
    assert "尚未记录定期梳理" in html
    assert f"/liaison/review/gaps/?unit={lworld.institute.pk}" in html
    # The names behind the numbers.
    response = get(login, "dangwei", "/liaison/review/gaps/")
    assert [p.person.name for p in response.context["uncovered"]] == ["吴研究员"]
    assert [p.pk for p in response.context["overdue_pairs"]] == [lworld.pair_a.pk]
    assert [f.text for f in response.context["requests"]] == ["协调子女入学"]
    # 张晓燕 (branch A's secretary) may be a liaison and keeps nobody; 李明哲 keeps 周博士.
    assert [p.name for p in response.context["free"]] == ["张晓燕"]
    html = response.content.decode()
    assert "吴研究员" in html
    assert "协调子女入学" in html
    assert PRIVATE not in html


def test_zuzhibu_sees_the_academy_including_the_other_institute(lworld, login):
    response = get(login, "zuzhibu", "/liaison/review/")
    totals = response.context["totals"]
    assert (totals.pool, totals.high_knowledge, totals.uncovered, totals.pairs, totals.talks_overdue) == (4, 3, 1, 2, 2)
    assert set(rows_by_unit(response)) == {"甲所党委", "第二党支部", "乙所党委"}
    assert "乙所内部备注" not in response.content.decode()


def test_branch_b_sees_only_its_pool(lworld, login):
    response = get(login, "shuji_b", "/liaison/review/")
    assert response.context["totals"].pool == 1
    assert set(rows_by_unit(response)) == {"第二党支部"}
    assert "周博士" not in response.content.decode()
    response = get(login, "shuji_b", "/liaison/review/gaps/")
    assert response.context["overdue_pairs"] == []
    assert "周博士" not in response.content.decode()


def _grow(world, n: int) -> None:
    """n more 高知 without a liaison, n pairs of one liaison person (over the limit) with a talk, a request and a
    review each, all at 甲所党委 or branch A."""
    liaison = make_member(world.branch_a, name="孙联系")
    for i in range(n):
        talent = profile(non_party(world.branch_a, f"人才{i}"), world.institute if i % 2 else world.branch_a)
        kept = profile(non_party(world.branch_a, f"对象{i}"), world.institute)
        pair = LiaisonPair.objects.create(organization=world.institute, kind=PairKind.LIAISON, liaison=liaison,
                                          liaison_role=LiaisonRole.ORGANIZER, talent=kept, started_on=START)
        talk = Talk.objects.create(pair=pair, held_on=datetime.date(2026, 2, 1), topics="交流",
                                   private_notes=PRIVATE)
        FollowUp.objects.create(talk=talk, text=f"诉求{i}", owner="孙联系", due_on=datetime.date(2026, 3, 1),
                                is_request=True)
        Review.objects.create(organization=world.institute, reviewed_on=datetime.date(2025, 1, 1 + i),
                              conclusions=f"结论{i}")
        assert talent.pk


@pytest.mark.parametrize("path", ["/liaison/review/", "/liaison/review/gaps/"])
def test_review_query_count_is_constant(lworld, login, path):
    client = login("dangwei")
    client.get(path)  # warm up (session, scope, the summaries of a database loaded without the services)
    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    _grow(lworld, 8)
    summaries.refresh()  # as the services do after each write
    with CaptureQueriesContext(connection) as big:
        response = client.get(path)
    assert response.status_code == 200
    assert response.context["totals"].uncovered == 9
    assert response.context["totals"].overloaded == 1
    if "gaps" in path:
        assert len(response.context["overloaded"]) == 1
        assert len(response.context["requests"]) == 9
    assert PRIVATE not in response.content.decode()
    assert len(big.captured_queries) == len(small.captured_queries)


def test_summaries_follow_the_services(lworld, login, django_capture_on_commit_callbacks):
    """A pair started through the service shows in the review at once (the summary is refreshed on commit)."""
    client = login("dangwei")
    assert client.get("/liaison/review/").context["totals"].uncovered == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.pair_start(actor=lworld.dangwei, organization=lworld.institute, kind=PairKind.LIAISON,
                            liaison=lworld.dangwei_person, liaison_role=LiaisonRole.COMMITTEE,
                            talent=lworld.talent_a2, started_on=datetime.date(2026, 11, 1))
    totals = client.get("/liaison/review/").context["totals"]
    assert (totals.uncovered, totals.pairs) == (0, 2)


def test_next_review_due_from_the_last_one(lworld, login):
    Review.objects.create(organization=lworld.institute, reviewed_on=datetime.date(2025, 10, 1), conclusions="去年")
    response = get(login, "dangwei", "/liaison/review/")
    assert response.context["next_due"] == datetime.date(2026, 10, 1)  # twelve months (rule) after
    assert response.context["review_overdue"]
    Review.objects.create(organization=lworld.institute, reviewed_on=datetime.date(2026, 6, 1), conclusions="今年")
    response = get(login, "dangwei", "/liaison/review/")
    assert response.context["next_due"] == datetime.date(2027, 6, 1)
    assert not response.context["review_overdue"]
    assert [r.conclusions for r in response.context["reviews"]] == ["今年", "去年"]


# ---- recording a review -----------------------------------------------------------------------------------------


def test_review_new_saves_with_the_coverage_snapshot(lworld, login):
    client = login("dangwei")
    url = f"/liaison/review/reviews/new/?unit={lworld.institute.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["reviewed_on"] == TODAY
    response = client.post(url, {"reviewed_on": "2026-11-20", "conclusions": "吴研究员尚未落实联系人，需安排",
                                 "adjustments": "由张晓燕联系吴研究员"})
    review = Review.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/liaison/review/reviews/{review.pk}/"
    assert review.organization == lworld.institute
    assert review.recorded_by == lworld.dangwei
    assert review.snapshot["uncovered"] == 1
    assert review.snapshot["pool"] == 3
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "吴研究员尚未落实联系人，需安排" in html
    assert "由张晓燕联系吴研究员" in html
    assert 'data-testid="snap-uncovered">1<' in html


def test_review_snapshot_keeps_the_numbers_of_the_day(lworld, login):
    client = login("dangwei")
    client.post(f"/liaison/review/reviews/new/?unit={lworld.institute.pk}",
                {"reviewed_on": "2026-11-21", "conclusions": "梳理完毕"})
    review = Review.objects.get()
    profile(non_party(lworld.branch_a, "新高知"), lworld.institute)  # a new gap after the review
    html = client.get(f"/liaison/review/reviews/{review.pk}/").content.decode()
    assert 'data-testid="snap-uncovered">1<' in html
    assert client.get("/liaison/review/").context["totals"].uncovered == 2


@pytest.mark.parametrize(("data", "message"), [
    ({"reviewed_on": "2026-11-20", "conclusions": "  "}, "请填写梳理结论。"),
    ({"reviewed_on": "2026-11-22", "conclusions": "提前梳理"}, "梳理日期不能晚于今天。"),
    ({"reviewed_on": "", "conclusions": "没有日期"}, "请填写梳理日期。"),
    ({"reviewed_on": "2026-13-01", "conclusions": "日期错误"}, "日期格式不正确。"),
])
def test_review_new_refusals_save_nothing(lworld, login, data, message):
    response = login("dangwei").post(f"/liaison/review/reviews/new/?unit={lworld.institute.pk}", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Review.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("shuji_b", 404), ("outsider", 404), ("xuanchuan_a", 403),
                                                  ("dangyuan", 403)])
def test_review_new_refused_outside_scope_or_without_capability(lworld, login, persona, status):
    response = login(persona).post(f"/liaison/review/reviews/new/?unit={lworld.institute.pk}",
                                   {"reviewed_on": "2026-11-20", "conclusions": "越权"})
    assert response.status_code == status
    assert not Review.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("dangwei", 200), ("zuzhibu", 200), ("shuji_a", 404),
                                                  ("shuji_b", 404), ("outsider", 404), ("xuanchuan_a", 403),
                                                  ("dangyuan", 403)])
def test_review_detail_scope(lworld, login, persona, status):
    review = Review.objects.create(organization=lworld.institute, reviewed_on=TODAY, conclusions="甲所梳理",
                                   snapshot={"pool": 3})
    assert login(persona).get(f"/liaison/review/reviews/{review.pk}/").status_code == status


def test_review_detail_unknown_is_404(lworld, login):
    assert login("zuzhibu").get("/liaison/review/reviews/999999/").status_code == 404


# ---- the funnel ---------------------------------------------------------------------------------------------------


def test_funnel_counts_a_pipeline_of_the_pool(lworld, login):
    Pipeline.objects.create(person=lworld.talent_a2.person, organization=lworld.branch_a,
                            applied_on=datetime.date(2026, 3, 1), activist_on=datetime.date(2026, 6, 1),
                            stage=Stage.ACTIVIST)
    response = get(login, "dangwei", "/liaison/review/funnel/?year=2026")
    assert response.status_code == 200
    totals = response.context["totals"]
    assert (totals["pool"], totals["high_knowledge"]) == (3, 2)
    assert (totals["applied"], totals["activists"], totals["candidates"], totals["admitted"]) == (1, 1, 0, 0)
    assert totals["now_activist"] == 1
    assert totals["now_applicant"] == 0
    rows = {r["row"]["organization__short_name"]: r["row"] for r in response.context["rows"]}
    assert rows["甲所党委"]["applied"] == 1
    assert rows["第二党支部"]["applied"] == 0
    html = response.content.decode()
    assert 'data-testid="funnel-applied">1<' in html
    assert "/recruitment/committee/" in html  # dangwei is a committee member
    # The year before: the pool was opened in 2026.
    earlier = get(login, "dangwei", "/liaison/review/funnel/?year=2025")
    assert earlier.context["totals"]["pool"] == 0
    assert earlier.context["rows"] == []


def test_funnel_bad_year_falls_back_to_this_year(lworld, login):
    response = get(login, "zuzhibu", "/liaison/review/funnel/?year=abc")
    assert response.context["year"] == 2026
    assert response.context["totals"]["pool"] == 4


def test_funnel_for_a_branch_has_no_committee_link(lworld, login):
    response = get(login, "shuji_b", "/liaison/review/funnel/")
    assert response.status_code == 200
    assert response.context["totals"]["pool"] == 1
    assert "/recruitment/committee/" not in response.content.decode()


def test_funnel_query_count_is_constant(lworld, login):
    client = login("dangwei")
    path = "/liaison/review/funnel/"
    client.get(path)
    with CaptureQueriesContext(connection) as small:
        client.get(path)
    _grow(lworld, 6)
    with CaptureQueriesContext(connection) as big:
        response = client.get(path)
    assert response.context["totals"]["pool"] == 3 + 12
    assert len(big.captured_queries) == len(small.captured_queries)
