"""The liaison API: scope for each endpoint (404 outside, 403 without review_liaisons, the liaison person on their
own pairs), the bad input of the issue refused with a Chinese message and nothing saved, the private notes only
for their audience, and constant query counts on the lists."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from liaison.models import (
    FollowUp,
    FollowUpStatus,
    LiaisonPair,
    LiaisonRole,
    PairKind,
    Review,
    TalentProfile,
    Talk,
)
from tests.factories import make_member

from .helpers import START, non_party, profile

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)
BASE = "/api/v1/liaison"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 21, 10, 0))


@pytest.fixture
def api():
    def as_user(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return as_user


def _detail(response) -> str:
    return " ".join(response.data["detail"])


def _branch_a_pair(world, liaison=None, **fields) -> LiaisonPair:
    """A one-to-one pairing kept by branch A (its secretary is the unit's own committee)."""
    talent = profile(non_party(world.branch_a, "甲支部人才"), world.branch_a)
    fields.setdefault("organization", world.branch_a)
    return LiaisonPair.objects.create(kind=PairKind.PAIRING, liaison=liaison or make_member(world.branch_a, name="骨干"),
                                      liaison_role=LiaisonRole.BACKBONE, talent=talent, started_on=START, **fields)


# ---- the liaison person's own list ------------------------------------------------------------------------------


def test_mine_lists_own_open_pairs_with_next_talk(lworld, api):
    rows = api(lworld.dangwei).get(f"{BASE}/mine/").data
    assert [r["pair"]["id"] for r in rows] == [lworld.pair_a.pk]
    assert rows[0]["next_talk_due"] == "2026-06-10"
    assert rows[0]["overdue"] is True
    assert rows[0]["pair"]["talent_name"] == "周博士"
    assert "private_notes" not in json.dumps(rows)
    assert api(lworld.zuzhibu).get(f"{BASE}/mine/").data == []
    assert api(lworld.dangyuan).get(f"{BASE}/mine/").status_code == 200
    assert APIClient().get(f"{BASE}/mine/").status_code == 403


# ---- the pool ---------------------------------------------------------------------------------------------------


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.data
    return {r["id"] for r in response.data["results"]}


def test_pool_list_is_scoped_and_filters(lworld, api):
    w = lworld
    assert _ids(api(w.zuzhibu).get(f"{BASE}/pool/")) == {w.talent_a.pk, w.talent_a2.pk, w.talent_b.pk,
                                                         w.talent_other.pk}
    assert _ids(api(w.dangwei).get(f"{BASE}/pool/")) == {w.talent_a.pk, w.talent_a2.pk, w.talent_b.pk}
    assert _ids(api(w.shuji_b).get(f"{BASE}/pool/")) == {w.talent_b.pk}
    assert _ids(api(w.outsider).get(f"{BASE}/pool/")) == set()  # 乙所 keeps its pool at the committee
    assert api(w.xuanchuan_a).get(f"{BASE}/pool/").status_code == 403
    assert api(w.dangyuan).get(f"{BASE}/pool/").status_code == 403
    client = api(w.dangwei)
    assert _ids(client.get(f"{BASE}/pool/?high_knowledge=1")) == {w.talent_a.pk, w.talent_a2.pk}
    assert _ids(client.get(f"{BASE}/pool/?uncovered=1")) == {w.talent_a2.pk}
    assert _ids(client.get(f"{BASE}/pool/?uncovered=0")) == {w.talent_a.pk, w.talent_a2.pk, w.talent_b.pk}
    assert _ids(client.get(f"{BASE}/pool/?unit={w.branch_b.pk}")) == {w.talent_b.pk}
    assert _ids(client.get(f"{BASE}/pool/?q=拓扑")) == {w.talent_a.pk}
    row = next(r for r in client.get(f"{BASE}/pool/").data["results"] if r["id"] == w.talent_a.pk)
    assert (row["pair_count"], row["high_knowledge"], row["programmes"]) == (1, True, "国家优青")
    assert client.get(f"{BASE}/pool/?unit=abc").status_code == 400
    assert client.get(f"{BASE}/pool/?unit={w.other_institute.pk}").status_code == 404
    assert api(w.shuji_b).get(f"{BASE}/pool/?unit={w.branch_a.pk}").status_code == 404


def test_pool_list_query_count_is_constant(lworld, api):
    client = api(lworld.zuzhibu)
    client.get(f"{BASE}/pool/")
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"{BASE}/pool/").data["count"] == 4
    for n in range(8):
        profile(non_party(lworld.branch_a, f"新人{n}"), lworld.institute)
    with CaptureQueriesContext(connection) as large:
        assert client.get(f"{BASE}/pool/").data["count"] == 12
    assert len(large) == len(small)


def test_pool_add_and_refusals(lworld, api):
    w = lworld
    client = api(w.dangwei)
    person = non_party(w.branch_a, "新专家")
    response = client.post(f"{BASE}/pool/", {"person": person.pk, "organization": w.institute.pk,
                                             "research_field": "量子计算"}, format="json")
    assert response.status_code == 201, response.data
    assert (response.data["person_name"], response.data["research_field"]) == ("新专家", "量子计算")
    assert response.data["added_on"] == TODAY.isoformat()
    assert response.data["pairs"] == []
    assert response.data["pipeline"] is None

    before = TalentProfile.objects.count()
    member = make_member(w.branch_a, name="党员甲")
    response = client.post(f"{BASE}/pool/", {"person": member.pk, "organization": w.institute.pk}, format="json")
    assert response.status_code == 400
    assert "党员甲是中共党员，不能录入党外人才信息库" in _detail(response)
    fresh = non_party(w.branch_a, "另一人")
    response = client.post(f"{BASE}/pool/", {"person": fresh.pk, "organization": w.institute.pk, "rank": "A"},
                           format="json")
    assert response.status_code == 400
    assert "rank" in response.data
    stranger = non_party(w.other_branch, "外所人才")
    response = client.post(f"{BASE}/pool/", {"person": stranger.pk, "organization": w.institute.pk}, format="json")
    assert response.status_code == 400
    assert "不在您的管辖范围内" in response.data["person"][0]
    assert client.post(f"{BASE}/pool/", {"person": stranger.pk, "organization": w.other_institute.pk},
                       format="json").status_code == 404
    assert api(w.xuanchuan_a).post(f"{BASE}/pool/", {"person": fresh.pk, "organization": w.branch_a.pk},
                                   format="json").status_code == 403
    assert TalentProfile.objects.count() == before


def test_profile_detail_scope_edit_and_remove(lworld, api):
    w = lworld
    data = api(w.dangwei).get(f"{BASE}/pool/{w.talent_a.pk}/").data
    assert [p["id"] for p in data["pairs"]] == [w.pair_a.pk]
    assert data["pairs"][0]["liaison_name"] == "李明哲"
    for user, expected in ((w.zuzhibu, 200), (w.admin, 200), (w.shuji_a, 404), (w.shuji_b, 404),
                           (w.xuanchuan_a, 404), (w.outsider, 404), (w.dangyuan, 404)):
        assert api(user).get(f"{BASE}/pool/{w.talent_a.pk}/").status_code == expected, user
    branch_entry = profile(non_party(w.branch_a, "支部人才"), w.branch_a)
    assert api(w.shuji_a).get(f"{BASE}/pool/{branch_entry.pk}/").status_code == 200
    assert api(w.xuanchuan_a).get(f"{BASE}/pool/{branch_entry.pk}/").status_code == 403
    assert api(w.xuanchuan_a).patch(f"{BASE}/pool/{branch_entry.pk}/", {"note": "x"},
                                    format="json").status_code == 403

    client = api(w.dangwei)
    response = client.patch(f"{BASE}/pool/{w.talent_a.pk}/", {"leadership": "重点实验室主任"}, format="json")
    assert response.status_code == 200
    assert response.data["leadership"] == "重点实验室主任"
    assert response.data["research_field"] == "拓扑材料"
    assert client.patch(f"{BASE}/pool/{w.talent_a.pk}/", {"removed_on": "2026-01-01"},
                        format="json").status_code == 400
    assert api(w.shuji_b).patch(f"{BASE}/pool/{w.talent_a.pk}/", {"note": "x"}, format="json").status_code == 404

    response = client.post(f"{BASE}/pool/{w.talent_a.pk}/remove/", {"reason": " "}, format="json")
    assert response.status_code == 400
    assert "请填写出库的原因" in _detail(response)
    w.talent_a.refresh_from_db()
    assert w.talent_a.removed_on is None
    assert api(w.shuji_b).post(f"{BASE}/pool/{w.talent_a.pk}/remove/", {"reason": "调走"},
                               format="json").status_code == 404
    response = client.post(f"{BASE}/pool/{w.talent_a.pk}/remove/", {"reason": "已递交入党申请书并入党"},
                           format="json")
    assert response.status_code == 200
    assert response.data["removed_on"] == TODAY.isoformat()
    w.pair_a.refresh_from_db()
    assert (w.pair_a.ended_on, w.pair_a.end_reason) == (TODAY, "已递交入党申请书并入党")


# ---- pairs ------------------------------------------------------------------------------------------------------


def test_pairs_list_is_scoped_and_filters(lworld, api):
    w = lworld
    assert _ids(api(w.zuzhibu).get(f"{BASE}/pairs/")) == {w.pair_a.pk, w.pair_other.pk}
    response = api(w.dangwei).get(f"{BASE}/pairs/")
    assert _ids(response) == {w.pair_a.pk}
    row = response.data["results"][0]
    assert (row["talk_overdue"], row["open_follow_ups"], row["liaison_name"]) == (True, 1, "李明哲")
    assert _ids(api(w.shuji_b).get(f"{BASE}/pairs/")) == set()
    assert _ids(api(w.outsider).get(f"{BASE}/pairs/")) == set()
    assert api(w.xuanchuan_a).get(f"{BASE}/pairs/").status_code == 403
    assert api(w.dangyuan).get(f"{BASE}/pairs/").status_code == 403
    client = api(w.dangwei)
    assert _ids(client.get(f"{BASE}/pairs/?overdue=1")) == {w.pair_a.pk}
    assert _ids(client.get(f"{BASE}/pairs/?kind=pairing")) == set()
    assert _ids(client.get(f"{BASE}/pairs/?status=ended")) == set()
    assert _ids(client.get(f"{BASE}/pairs/?q=周博士")) == {w.pair_a.pk}
    assert client.get(f"{BASE}/pairs/?status=nope").status_code == 400
    assert client.get(f"{BASE}/pairs/?kind=nope").status_code == 400
    assert api(w.shuji_b).get(f"{BASE}/pairs/?unit={w.institute.pk}").status_code == 404


def test_pairs_list_query_count_is_constant(lworld, api):
    client = api(lworld.zuzhibu)
    client.get(f"{BASE}/pairs/")
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"{BASE}/pairs/").data["count"] == 2
    for n in range(6):
        _branch_a_pair(lworld, liaison=make_member(lworld.branch_a, name=f"骨干{n}"))
    with CaptureQueriesContext(connection) as large:
        assert client.get(f"{BASE}/pairs/").data["count"] == 8
    assert len(large) == len(small)


def test_pair_start_and_the_refusals_of_the_issue(lworld, api):
    w = lworld
    client = api(w.dangwei)
    response = client.post(f"{BASE}/pairs/", {"talent": w.talent_a2.pk, "liaison": w.dangwei_person.pk,
                                              "started_on": "2026-11-01", "measures": "每季度交流"}, format="json")
    assert response.status_code == 201, response.data
    assert response.data["liaison_role"] == LiaisonRole.COMMITTEE  # from the seat on 甲所党委
    assert response.data["organization"] == w.institute.pk
    assert response.data["next_talk_due"] == "2027-02-01"

    third = profile(non_party(w.branch_a, "第三人"), w.institute)
    before = LiaisonPair.objects.count()
    response = client.post(f"{BASE}/pairs/", {"talent": third.pk, "liaison": w.dangwei_person.pk,
                                              "liaison_role": "committee"}, format="json")
    assert response.status_code == 400
    assert "李明哲已联系2人，按规则每人最多2人" in _detail(response)
    response = client.post(f"{BASE}/pairs/", {"talent": third.pk, "liaison": w.other_person.pk,
                                              "liaison_role": "committee"}, format="json")
    assert response.status_code == 400
    assert "联系人陈乙不在甲所党委的范围内" in _detail(response)
    response = client.post(f"{BASE}/pairs/", {"talent": third.pk, "liaison": w.dangwei_person.pk,
                                              "started_on": "2026-12-01"}, format="json")
    assert response.status_code == 400
    assert "开始日期不能晚于今天" in _detail(response)
    response = client.post(f"{BASE}/pairs/", {"talent": third.pk, "liaison": 999999}, format="json")
    assert response.status_code == 400
    assert "人员 999999 不存在" in response.data["liaison"][0]
    response = client.post(f"{BASE}/pairs/", {"talent": third.pk, "liaison": w.dangwei_person.pk, "x": 1},
                           format="json")
    assert response.status_code == 400
    assert "x" in response.data
    assert api(w.shuji_b).post(f"{BASE}/pairs/", {"talent": third.pk, "liaison": w.dangwei_person.pk},
                               format="json").status_code == 404
    branch_entry = profile(non_party(w.branch_a, "支部人才"), w.branch_a)
    assert api(w.xuanchuan_a).post(f"{BASE}/pairs/", {"talent": branch_entry.pk, "liaison": w.shuji_a_person.pk},
                                   format="json").status_code == 403
    assert LiaisonPair.objects.count() == before


def test_pair_detail_scope_and_the_liaison_person(lworld, api):
    w = lworld
    url = f"{BASE}/pairs/{w.pair_a.pk}/"
    for user, expected in ((w.dangwei, 200), (w.zuzhibu, 200), (w.admin, 200), (w.shuji_a, 404), (w.shuji_b, 404),
                           (w.xuanchuan_a, 404), (w.outsider, 404), (w.dangyuan, 404)):
        assert api(user).get(url).status_code == expected, user
        assert api(user).get(f"{url}talks/").status_code == expected, user
    data = api(w.dangwei).get(url).data
    assert (data["next_talk_due"], data["private_notes_visible"]) == ("2026-06-10", True)
    assert api(w.zuzhibu).get(url).data["private_notes_visible"] is False
    # In scope without review_liaisons: 403; the liaison person reaches their own pair without any role.
    own = _branch_a_pair(w, liaison=w.dangyuan.person)
    assert api(w.xuanchuan_a).get(f"{BASE}/pairs/{own.pk}/").status_code == 403
    assert api(w.dangyuan).get(f"{BASE}/pairs/{own.pk}/").status_code == 200
    assert api(w.dangyuan).get(f"{BASE}/pairs/{own.pk}/talks/").status_code == 200
    assert api(w.dangyuan).patch(f"{BASE}/pairs/{own.pk}/", {"measures": "一起做项目"},
                                 format="json").status_code == 200
    assert [r["pair"]["id"] for r in api(w.dangyuan).get(f"{BASE}/mine/").data] == [own.pk]
    # Ending it is the unit's decision.
    assert api(w.dangyuan).post(f"{BASE}/pairs/{own.pk}/end/", {"reason": "调走"}, format="json").status_code == 404
    assert api(w.xuanchuan_a).post(f"{BASE}/pairs/{own.pk}/end/", {"reason": "调走"},
                                   format="json").status_code == 403
    own.refresh_from_db()
    assert own.ended_on is None
    assert own.measures == "一起做项目"


def test_pair_measures_and_end(lworld, api):
    w = lworld
    client = api(w.dangwei)
    url = f"{BASE}/pairs/{w.pair_a.pk}/"
    response = client.patch(url, {"measures": "推荐参加所情通报会"}, format="json")
    assert response.status_code == 200
    assert response.data["measures"] == "推荐参加所情通报会"
    assert client.patch(url, {"measures": "x", "ended_on": "2026-01-01"}, format="json").status_code == 400
    assert api(w.shuji_b).patch(url, {"measures": "x"}, format="json").status_code == 404

    response = client.post(f"{url}end/", {"reason": "  "}, format="json")
    assert response.status_code == 400
    assert "请填写结束联系的原因" in _detail(response)
    response = client.post(f"{url}end/", {"reason": "工作调动", "on": "2025-12-01"}, format="json")
    assert response.status_code == 400
    assert "结束日期不能早于开始日期（2026-01-05）" in _detail(response)
    w.pair_a.refresh_from_db()
    assert w.pair_a.ended_on is None
    assert api(w.shuji_b).post(f"{url}end/", {"reason": "工作调动"}, format="json").status_code == 404
    response = client.post(f"{url}end/", {"reason": "工作调动"}, format="json")
    assert response.status_code == 200
    assert response.data["ended_on"] == TODAY.isoformat()
    response = client.patch(url, {"measures": "再改"}, format="json")
    assert response.status_code == 400
    assert "该结对已结束，不能修改" in _detail(response)


# ---- talks and follow-ups ---------------------------------------------------------------------------------------


def test_private_notes_only_for_their_audience(lworld, api):
    w = lworld
    url = f"{BASE}/pairs/{w.pair_a.pk}/talks/"
    talks = api(w.dangwei).get(url).data["results"]
    assert talks[0]["private_notes"] == "家庭困难，需保密"
    assert [f["text"] for f in talks[0]["follow_ups"]] == ["协调子女入学"]
    response = api(w.zuzhibu).get(url)
    assert response.status_code == 200
    assert "private_notes" not in response.data["results"][0]
    assert "家庭困难" not in response.content.decode()
    assert api(w.shuji_a).get(url).status_code == 404
    # shuji_a reviews a party group's pair (in scope, not the group's own committee): no notes; at the branch
    # itself shuji_a is the unit's committee and reads them.
    group_pair = _branch_a_pair(w, organization=w.group_a)
    branch_pair = _branch_a_pair(w)
    for pair in (group_pair, branch_pair):
        Talk.objects.create(pair=pair, held_on=datetime.date(2026, 5, 1), topics="谈话", private_notes="保密事项")
    rows = api(w.shuji_a).get(f"{BASE}/pairs/{group_pair.pk}/talks/").data["results"]
    assert rows
    assert "private_notes" not in rows[0]
    assert api(w.shuji_a).get(f"{BASE}/pairs/{branch_pair.pk}/talks/").data["results"][0]["private_notes"] == "保密事项"
    assert "private_notes" not in api(w.zuzhibu).get(f"{BASE}/pairs/{branch_pair.pk}/talks/").data["results"][0]


def test_talk_record_and_refusals(lworld, api):
    w = lworld
    url = f"{BASE}/pairs/{w.pair_a.pk}/talks/"
    client = api(w.dangwei)
    talks, follow_ups = Talk.objects.count(), FollowUp.objects.count()
    for held_on, message in (("2025-12-31", "谈话日期早于结对开始的日期（2026-01-05）"),
                             ("2026-11-22", "谈话日期不能晚于今天")):
        response = client.post(url, {"held_on": held_on, "topics": "谈话",
                                     "follow_ups": [{"text": "事项", "owner": "李明哲", "due_on": "2026-12-01"}]},
                               format="json")
        assert response.status_code == 400
        assert message in _detail(response)
    response = client.post(url, {"held_on": "2026-11-20", "topics": "谈话",
                                 "follow_ups": [{"text": "无人负责"}]}, format="json")
    assert response.status_code == 400
    assert "第1项后续事项：请填写负责人" in _detail(response)
    response = client.post(url, {"held_on": "2026-11-20", "topics": "谈话",
                                 "follow_ups": [{"text": "事项", "owner": "李", "due_on": "2026-12-01", "x": 1}]},
                           format="json")
    assert response.status_code == 400
    assert "x" in response.data["follow_ups"][0]
    response = client.post(url, {"held_on": "2026-11-20"}, format="json")
    assert response.status_code == 400
    assert "请填写谈话内容" in _detail(response)
    assert (Talk.objects.count(), FollowUp.objects.count()) == (talks, follow_ups)

    response = client.post(url, {"held_on": "2026-11-20", "form": "visit", "topics": "申报项目",
                                 "private_notes": "不宜公开",
                                 "follow_ups": [{"text": "协助申报", "owner": "李明哲", "due_on": "2026-12-31",
                                                 "is_request": True}]}, format="json")
    assert response.status_code == 201, response.data
    assert response.data["private_notes"] == "不宜公开"
    assert [(f["text"], f["is_request"]) for f in response.data["follow_ups"]] == [("协助申报", True)]
    w.pair_a.refresh_from_db()
    assert w.pair_a.last_talk_on == datetime.date(2026, 11, 20)
    response = api(w.zuzhibu).post(url, {"held_on": "2026-11-21", "topics": "组织部走访", "private_notes": "备注"},
                                   format="json")
    assert response.status_code == 201
    assert "private_notes" not in response.data
    assert api(w.shuji_b).post(url, {"held_on": "2026-11-21", "topics": "x"}, format="json").status_code == 404
    assert Talk.objects.filter(pair=w.pair_a).count() == 3


def test_talks_list_query_count_is_constant(lworld, api):
    client = api(lworld.dangwei)
    url = f"{BASE}/pairs/{lworld.pair_a.pk}/talks/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(5):
        talk = Talk.objects.create(pair=lworld.pair_a, held_on=datetime.date(2026, 4, 1 + n), topics="谈话",
                                   private_notes="备注")
        FollowUp.objects.create(talk=talk, text="事项", owner="李", due_on=TODAY)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(url).data["results"]) == 6
    assert len(large) == len(small)


def test_follow_up_close(lworld, api):
    w = lworld
    url = f"{BASE}/follow-ups/{w.follow_up_a.pk}/close/"
    assert api(w.shuji_b).post(url, {"status": "done", "result": "已解决"}, format="json").status_code == 404
    assert api(w.xuanchuan_a).post(url, {"status": "done", "result": "已解决"}, format="json").status_code == 404
    response = api(w.dangwei).post(url, {"status": "open", "result": ""}, format="json")
    assert response.status_code == 400
    assert "请选择办结或不再办理" in _detail(response)
    assert "请填写办理结果" in _detail(response)
    response = api(w.dangwei).post(url, {"status": "done", "on": "2026-03-01", "result": "已入学"}, format="json")
    assert response.status_code == 400
    assert "日期不能早于谈话日期" in _detail(response)
    w.follow_up_a.refresh_from_db()
    assert w.follow_up_a.status == FollowUpStatus.OPEN
    response = api(w.dangwei).post(url, {"status": "done", "result": "子女已入学"}, format="json")
    assert response.status_code == 200
    assert (response.data["status"], response.data["done_on"]) == ("done", TODAY.isoformat())
    branch_item = FollowUp.objects.create(
        talk=Talk.objects.create(pair=_branch_a_pair(w), held_on=START, topics="谈话"), text="事项", owner="李",
        due_on=TODAY)
    assert api(w.xuanchuan_a).post(f"{BASE}/follow-ups/{branch_item.pk}/close/", {"status": "done"},
                                   format="json").status_code == 403


# ---- coverage, reviews and the funnel ---------------------------------------------------------------------------


def test_coverage_of_a_unit(lworld, api):
    w = lworld
    data = api(w.dangwei).get(f"{BASE}/coverage/").data
    assert data["organization"] == w.institute.pk
    assert (data["pool"], data["high_knowledge"], data["uncovered"], data["pairs"]) == (3, 2, 1, 1)
    assert data["talks_overdue"] == 1
    assert data["open_requests"] == 1
    assert api(w.zuzhibu).get(f"{BASE}/coverage/").data["organization"] == w.root.pk
    assert api(w.zuzhibu).get(f"{BASE}/coverage/?unit={w.branch_b.pk}").data["pool"] == 1
    assert api(w.shuji_b).get(f"{BASE}/coverage/?unit={w.institute.pk}").status_code == 404
    assert api(w.outsider).get(f"{BASE}/coverage/?unit={w.branch_a.pk}").status_code == 404
    assert api(w.xuanchuan_a).get(f"{BASE}/coverage/").status_code == 403
    assert api(w.xuanchuan_a).get(f"{BASE}/coverage/?unit={w.branch_a.pk}").status_code == 403
    assert api(w.dangwei).get(f"{BASE}/coverage/?unit=x").status_code == 400


def test_reviews_record_and_list(lworld, api):
    w = lworld
    url = f"{BASE}/reviews/?unit={w.institute.pk}"
    client = api(w.dangwei)
    response = client.post(url, {"conclusions": " "}, format="json")
    assert response.status_code == 400
    assert "请填写梳理结论" in _detail(response)
    response = client.post(url, {"conclusions": "覆盖不全", "reviewed_on": "2026-11-22"}, format="json")
    assert response.status_code == 400
    assert "梳理日期不能晚于今天" in _detail(response)
    assert client.post(url, {"conclusions": "x", "extra": 1}, format="json").status_code == 400
    assert api(w.xuanchuan_a).post(f"{BASE}/reviews/", {"organization": w.branch_a.pk, "conclusions": "x"},
                                   format="json").status_code == 403
    assert api(w.outsider).post(url, {"conclusions": "x"}, format="json").status_code == 404
    assert client.post(f"{BASE}/reviews/", {"conclusions": "x"}, format="json").status_code == 400
    assert not Review.objects.exists()
    response = client.post(url, {"conclusions": "吴研究员尚无联系人", "adjustments": "安排委员联系"}, format="json")
    assert response.status_code == 201, response.data
    assert response.data["snapshot"]["uncovered"] == 1
    assert [r["id"] for r in client.get(url).data["results"]] == [Review.objects.get().pk]
    assert [r["id"] for r in client.get(f"{BASE}/reviews/").data["results"]] == [Review.objects.get().pk]
    assert api(w.outsider).get(url).status_code == 404
    assert api(w.xuanchuan_a).get(f"{BASE}/reviews/").status_code == 403


def test_funnel(lworld, api):
    w = lworld
    data = api(w.dangwei).get(f"{BASE}/funnel/?year=2026").data
    assert (data["unit"], data["year"]) == (w.institute.pk, 2026)
    assert data["totals"]["pool"] == 3
    assert {r["organization"] for r in data["rows"]} == {w.institute.pk, w.branch_b.pk}
    assert api(w.dangwei).get(f"{BASE}/funnel/?year=abc").status_code == 400
    assert api(w.xuanchuan_a).get(f"{BASE}/funnel/").status_code == 403
    assert api(w.shuji_b).get(f"{BASE}/funnel/?unit={w.institute.pk}").status_code == 404


def test_schema_documents_the_liaison_api_without_warnings(tmp_path, capsys):
    call_command("spectacular", "--file", str(tmp_path / "schema.json"), "--validate", "--format", "openapi-json")
    captured = capsys.readouterr()
    assert "Warning" not in captured.err + captured.out, captured.err + captured.out
    schema = json.loads((tmp_path / "schema.json").read_text())
    assert "/api/v1/liaison/pairs/{id}/talks/" in schema["paths"]
    talk = schema["components"]["schemas"]["LiaisonTalkOutput"]
    assert "private_notes" in talk["properties"]
    assert "private_notes" not in talk["required"]
