"""The liaison person's pages: 我的联系清单, the dashboard card, the pairs list, a pair with its talks, recording a
talk, the measures, ending a pair and closing a follow-up — for each persona, with bad input refused and nothing
saved."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.models import FollowUp, FollowUpStatus, LiaisonPair, LiaisonRole, PairKind, Talk

from .helpers import START, non_party, profile

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)
SECRET = "家庭困难，需保密"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 21, 10, 0))


def _text(response) -> str:
    return response.content.decode()


def _talk_post(**overrides):
    data = {"held_on": TODAY.isoformat(), "form": "talk", "place": "实验楼", "topics": "项目申报与团队发展",
            "thoughts": "希望加强交流", "help_given": "", "private_notes": "",
            "fu1_text": "协助联系合作单位", "fu1_owner": "李明哲", "fu1_due_on": "2026-12-31", "fu1_is_request": "on",
            "fu2_text": "", "fu2_owner": "李明哲", "fu2_due_on": "", "fu3_text": "", "fu3_owner": "李明哲",
            "fu3_due_on": ""}
    data.update(overrides)
    return data


def _extra_pair(world, name: str, kind=PairKind.LIAISON, talks: int = 1) -> LiaisonPair:
    """Another open pair of dangwei's, with talks and an open follow-up each."""
    talent = profile(non_party(world.branch_a, name, discipline="化学"), world.institute, research_field="催化")
    pair = LiaisonPair.objects.create(organization=world.institute, kind=kind, liaison=world.dangwei_person,
                                      liaison_role=LiaisonRole.COMMITTEE, talent=talent, started_on=START)
    for i in range(talks):
        talk = Talk.objects.create(pair=pair, held_on=datetime.date(2026, 10, 1 + i), topics="交流", private_notes="备注")
        FollowUp.objects.create(talk=talk, text=f"事项{i}", owner="李明哲", due_on=datetime.date(2026, 12, 1))
    pair.last_talk_on = datetime.date(2026, 10, 1)
    pair.save(update_fields=["last_talk_on"])
    return pair


# ---- 我的联系清单 ----------------------------------------------------------------------------------------------


def test_mine_lists_own_pairs_with_due_and_follow_ups(lworld, login):
    response = login("dangwei").get("/liaison/")
    assert response.status_code == 200
    html = _text(response)
    assert response.context["nav_active"] == "liaison"
    assert "周博士" in html
    assert "高知" in html
    assert "拓扑材料" in html
    assert "凝聚态物理" in html
    assert f"/liaison/pairs/{lworld.pair_a.pk}/talk/" in html
    # last talk 2026-03-10, quarterly talks: due 2026-06-10, overdue today
    row = response.context["items"][0]["row"]
    assert row.next_due == datetime.date(2026, 6, 10)
    assert row.overdue
    assert "due-overdue" in html
    assert "协调子女入学" in html
    assert "诉求" in html
    assert f"/liaison/follow-ups/{lworld.follow_up_a.pk}/close/" in html
    assert SECRET not in html


def test_mine_due_soon_is_amber(lworld, login):
    lworld.pair_a.last_talk_on = datetime.date(2026, 8, 25)  # due 2026-11-25: within the 14 days' notice
    lworld.pair_a.save(update_fields=["last_talk_on"])
    response = login("dangwei").get("/liaison/")
    row = response.context["items"][0]["row"]
    assert row.due_soon
    assert not row.overdue
    assert "due-soon" in _text(response)


@pytest.mark.parametrize(("persona", "expected"), [
    ("zuzhibu", "您的账号尚未关联人员档案"),
    ("dangyuan", "您目前没有联系的党外人才"),
    ("shuji_a", "您目前没有联系的党外人才"),
    ("outsider", "您的账号尚未关联人员档案"),
])
def test_mine_empty_states(lworld, login, persona, expected):
    response = login(persona).get("/liaison/")
    assert response.status_code == 200
    html = _text(response)
    assert expected in html
    assert "周博士" not in html
    # Reviewers get a way on (the pairs list at least); people without the capability do not.
    assert ("/liaison/pairs/" in html) == (persona != "dangyuan")


def test_mine_query_count_constant(lworld, login):
    client = login("dangwei")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/liaison/")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    one = count()
    _extra_pair(lworld, "第二人", talks=2)
    _extra_pair(lworld, "第三人", kind=PairKind.PAIRING, talks=3)
    response = client.get("/liaison/")
    assert len(response.context["items"]) == 3
    assert len(response.context["follow_ups"]) == 6
    assert count() == one


def test_anonymous_is_sent_to_login(lworld, client):
    for path in ("/liaison/", "/liaison/pairs/", f"/liaison/pairs/{lworld.pair_a.pk}/"):
        assert client.get(path).status_code == 302


# ---- the dashboard card -------------------------------------------------------------------------------------------


def test_card_for_liaison_person(lworld, login):
    client = login("dangwei")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/liaison/card/")
    assert response.status_code == 200
    html = _text(response)
    assert "我的联系清单" in html
    assert 'data-testid="liaison-card"' in html
    # session + user of the request, then the card's own: the person, the pairs, the rule sets
    assert len(ctx.captured_queries) <= 2 + 3


@pytest.mark.parametrize("persona", ["zuzhibu", "dangyuan", "shuji_a", "outsider"])
def test_card_empty_for_others(lworld, login, persona):
    response = login(persona).get("/liaison/card/")
    assert response.status_code == 200
    assert response.content.strip() == b""


def test_dashboards_load_the_card(lworld, login):
    assert "/liaison/card/" in _text(login("dangwei").get("/"))
    assert "/liaison/card/" in _text(login("shuji_a").get("/"))
    assert "/liaison/card/" in _text(login("dangyuan").get("/"))


# ---- the pairs list ------------------------------------------------------------------------------------------------


def test_pairs_list_scope(lworld, login):
    html = _text(login("zuzhibu").get("/liaison/pairs/"))
    assert "周博士" in html
    assert "钱教授" in html
    html = _text(login("dangwei").get("/liaison/pairs/"))
    assert "周博士" in html
    assert "钱教授" not in html
    response = login("outsider").get("/liaison/pairs/")
    assert response.status_code == 200
    assert "钱教授" not in _text(response)  # 乙所党委's pair is above the outsider's branch
    assert "周博士" not in _text(response)
    response = login("shuji_a").get("/liaison/pairs/")
    assert response.status_code == 200
    assert "周博士" not in _text(response)


@pytest.mark.parametrize("persona", ["xuanchuan_a", "dangyuan"])
def test_pairs_list_needs_review_capability(lworld, login, persona):
    assert login(persona).get("/liaison/pairs/").status_code == 403


def test_pairs_list_filters(lworld, login):
    client = login("zuzhibu")
    assert "周博士" in _text(client.get("/liaison/pairs/?q=周"))
    assert "周博士" not in _text(client.get("/liaison/pairs/?q=钱"))
    assert "周博士" in _text(client.get("/liaison/pairs/?overdue=1"))
    assert "周博士" not in _text(client.get("/liaison/pairs/?status=ended"))
    assert "周博士" not in _text(client.get("/liaison/pairs/?kind=pairing"))
    assert "周博士" not in _text(client.get(f"/liaison/pairs/?unit={lworld.other_institute.pk}"))
    assert "周博士" in _text(client.get(f"/liaison/pairs/?unit={lworld.institute.pk}"))
    # Nonsense filters are ignored, not an error.
    assert client.get("/liaison/pairs/?unit=abc&kind=x&page=99").status_code == 200


def test_pairs_list_query_count_constant(lworld, login):
    client = login("zuzhibu")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/liaison/pairs/")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for i in range(4):
        _extra_pair(lworld, f"对象{i}", kind=PairKind.PAIRING if i % 2 else PairKind.LIAISON)
    assert count() == one


# ---- a pair -------------------------------------------------------------------------------------------------------


def test_pair_page_for_the_liaison_person_shows_private_notes(lworld, login):
    response = login("dangwei").get(f"/liaison/pairs/{lworld.pair_a.pk}/")
    assert response.status_code == 200
    html = _text(response)
    assert "科研进展与团队建设" in html
    assert "每季度交流一次科研进展" in html
    assert SECRET in html
    assert "仅联系人本人和本单位党组织班子可见" in html
    assert "bi-lock-fill" in html
    assert 'data-testid="end-form"' in html  # dangwei also reviews 甲所党委
    assert 'data-testid="measures-form"' in html


@pytest.mark.parametrize("persona", ["zuzhibu", "admin"])
def test_pair_page_for_reviewers_above_the_unit_hides_private_notes(lworld, login, persona):
    response = login(persona).get(f"/liaison/pairs/{lworld.pair_a.pk}/")
    assert response.status_code == 200
    html = _text(response)
    assert "科研进展与团队建设" in html
    assert SECRET not in html
    assert 'data-testid="private-notes"' not in html


@pytest.mark.parametrize("persona", ["shuji_a", "shuji_b", "outsider", "xuanchuan_a", "dangyuan"])
def test_pair_pages_outside_scope_are_404(lworld, login, persona):
    client = login(persona)
    pk = lworld.pair_a.pk
    for path in (f"/liaison/pairs/{pk}/", f"/liaison/pairs/{pk}/talk/", f"/liaison/pairs/{pk}/measures/",
                 f"/liaison/pairs/{pk}/end/", f"/liaison/follow-ups/{lworld.follow_up_a.pk}/close/"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/liaison/pairs/{pk}/talk/", _talk_post()).status_code == 404
    assert client.post(f"/liaison/follow-ups/{lworld.follow_up_a.pk}/close/",
                       {"status": "done", "done_on": TODAY.isoformat(), "result": "x"}).status_code == 404
    assert Talk.objects.filter(pair=lworld.pair_a).count() == 1
    assert FollowUp.objects.get(pk=lworld.follow_up_a.pk).status == FollowUpStatus.OPEN


def test_unknown_pair_is_404(lworld, login):
    assert login("zuzhibu").get("/liaison/pairs/999999/").status_code == 404


def test_liaison_person_without_review_capability(lworld, login):
    """A party member in a one-to-one pairing sees and works on their pair, but cannot end it (403)."""
    backbone = lworld.users["dangyuan"].person
    talent = profile(non_party(lworld.branch_a, "结对对象"), lworld.branch_a)
    pair = LiaisonPair.objects.create(organization=lworld.branch_a, kind=PairKind.PAIRING, liaison=backbone,
                                      liaison_role=LiaisonRole.BACKBONE, talent=talent, started_on=START)
    client = login("dangyuan")
    assert "结对对象" in _text(client.get("/liaison/"))
    response = client.get(f"/liaison/pairs/{pair.pk}/")
    assert response.status_code == 200
    assert 'data-testid="end-form"' not in _text(response)
    assert client.get(f"/liaison/pairs/{pair.pk}/end/").status_code == 403
    assert client.post(f"/liaison/pairs/{pair.pk}/end/", {"ended_on": TODAY.isoformat(),
                                                          "reason": "调动"}).status_code == 403
    pair.refresh_from_db()
    assert pair.ended_on is None
    response = client.post(f"/liaison/pairs/{pair.pk}/talk/", _talk_post(fu1_owner="赵喆"))
    assert response.status_code == 302
    assert pair.talks.count() == 1
    # Branch A's secretary reviews the pair too, but is not its liaison: 403 on nothing, no private notes.
    assert login("shuji_a").get(f"/liaison/pairs/{pair.pk}/").status_code == 200


# ---- recording a talk ------------------------------------------------------------------------------------------------


def test_talk_form_defaults(lworld, login):
    response = login("dangwei").get(f"/liaison/pairs/{lworld.pair_a.pk}/talk/")
    assert response.status_code == 200
    html = _text(response)
    assert 'type="date"' in html
    assert f'value="{TODAY.isoformat()}"' in html
    assert html.count('value="李明哲"') == 3
    assert html.count('data-testid="follow-up-row"') == 3


def test_talk_saved_with_follow_up(lworld, login):
    client = login("dangwei")
    response = client.post(f"/liaison/pairs/{lworld.pair_a.pk}/talk/", _talk_post(private_notes="不宜公开"))
    talk = Talk.objects.filter(pair=lworld.pair_a).order_by("-pk").first()
    assert response.status_code == 302
    assert response["Location"] == f"/liaison/pairs/{lworld.pair_a.pk}/#talk-{talk.pk}"
    assert talk.held_on == TODAY
    assert talk.topics == "项目申报与团队发展"
    assert talk.private_notes == "不宜公开"
    assert list(talk.follow_ups.values_list("text", "owner", "is_request")) == [("协助联系合作单位", "李明哲", True)]
    lworld.pair_a.refresh_from_db()
    assert lworld.pair_a.last_talk_on == TODAY
    page = client.get(f"/liaison/pairs/{lworld.pair_a.pk}/")
    assert "已记录与周博士" in _text(page)


@pytest.mark.parametrize(("held_on", "message"), [
    ("2026-11-22", "谈话日期不能晚于今天"),
    ("2025-12-31", "谈话日期早于结对开始的日期（2026-01-05）"),
])
def test_talk_bad_date_refused_nothing_saved(lworld, login, held_on, message):
    before = (Talk.objects.count(), FollowUp.objects.count())
    response = login("dangwei").post(f"/liaison/pairs/{lworld.pair_a.pk}/talk/", _talk_post(held_on=held_on))
    assert response.status_code == 200
    html = _text(response)
    assert message in html
    assert "未保存" in html
    assert "项目申报与团队发展" in html
    assert "协助联系合作单位" in html
    assert (Talk.objects.count(), FollowUp.objects.count()) == before


def test_talk_missing_topics_and_bad_follow_up_refused(lworld, login):
    response = login("dangwei").post(f"/liaison/pairs/{lworld.pair_a.pk}/talk/",
                                     _talk_post(topics="  ", fu1_owner="", fu1_due_on=""))
    assert response.status_code == 200
    html = _text(response)
    assert "请填写谈话内容" in html
    assert "第1项后续事项：请填写负责人" in html
    assert "第1项后续事项：请填写完成期限" in html
    assert Talk.objects.filter(pair=lworld.pair_a).count() == 1


def test_talk_unparseable_date_refused(lworld, login):
    response = login("dangwei").post(f"/liaison/pairs/{lworld.pair_a.pk}/talk/",
                                     _talk_post(held_on="明天", fu1_due_on="2026-13-40"))
    assert response.status_code == 200
    html = _text(response)
    assert "谈话日期：日期格式不正确" in html
    assert "第1项后续事项的完成期限：日期格式不正确" in html
    assert Talk.objects.filter(pair=lworld.pair_a).count() == 1


def test_reviewer_records_a_talk_too(lworld, login):
    response = login("zuzhibu").post(f"/liaison/pairs/{lworld.pair_a.pk}/talk/", _talk_post())
    assert response.status_code == 302
    assert Talk.objects.filter(pair=lworld.pair_a).count() == 2


# ---- measures, ending, follow-ups ----------------------------------------------------------------------------------


def test_measures_saved(lworld, login):
    client = login("dangwei")
    assert client.get(f"/liaison/pairs/{lworld.pair_a.pk}/measures/").status_code == 200
    response = client.post(f"/liaison/pairs/{lworld.pair_a.pk}/measures/", {"measures": "  邀请参加理论学习  "})
    assert response.status_code == 302
    lworld.pair_a.refresh_from_db()
    assert lworld.pair_a.measures == "邀请参加理论学习"
    # A post without the field changes nothing.
    response = client.post(f"/liaison/pairs/{lworld.pair_a.pk}/measures/", {})
    assert response.status_code == 200
    assert "请填写培养措施" in _text(response)
    lworld.pair_a.refresh_from_db()
    assert lworld.pair_a.measures == "邀请参加理论学习"


def test_end_requires_reason_then_ends(lworld, login):
    client = login("dangwei")
    url = f"/liaison/pairs/{lworld.pair_a.pk}/end/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"ended_on": TODAY.isoformat(), "reason": "  "})
    assert response.status_code == 200
    assert "请填写结束联系的原因" in _text(response)
    lworld.pair_a.refresh_from_db()
    assert lworld.pair_a.ended_on is None
    response = client.post(url, {"ended_on": "2025-01-01", "reason": "调动"})
    assert response.status_code == 200
    assert "结束日期不能早于开始日期（2026-01-05）" in _text(response)
    response = client.post(url, {"ended_on": TODAY.isoformat(), "reason": "工作调动"})
    assert response.status_code == 302
    lworld.pair_a.refresh_from_db()
    assert (lworld.pair_a.ended_on, lworld.pair_a.end_reason) == (TODAY, "工作调动")
    # An ended pair shows its end and offers no forms.
    html = _text(client.get(f"/liaison/pairs/{lworld.pair_a.pk}/"))
    assert "工作调动" in html
    assert "2026-11-21" in html
    for marker in ('data-testid="end-form"', 'data-testid="measures-form"', 'data-testid="record-talk"',
                   'data-testid="close-form"'):
        assert marker not in html
    assert "周博士" not in _text(client.get("/liaison/"))


def test_follow_up_close_and_next(lworld, login):
    client = login("dangwei")
    url = f"/liaison/follow-ups/{lworld.follow_up_a.pk}/close/"
    assert client.get(url).status_code == 200
    # Bad input: no result, a future date; nothing saved, the messages shown where the user came from.
    response = client.post(url, {"status": "done", "done_on": "2026-11-30", "result": "", "next": "/liaison/"},
                           follow=True)
    html = _text(response)
    assert response.redirect_chain[-1][0] == "/liaison/"
    assert "日期不能晚于今天" in html
    assert "请填写办理结果" in html
    assert FollowUp.objects.get(pk=lworld.follow_up_a.pk).status == FollowUpStatus.OPEN
    # An outside `next` is not followed.
    response = client.post(url, {"status": "done", "done_on": TODAY.isoformat(), "result": "已协调入学",
                                 "next": "https://evil.example.com/"})
    assert response.status_code == 302
    assert response["Location"] == f"/liaison/pairs/{lworld.pair_a.pk}/"
    item = FollowUp.objects.get(pk=lworld.follow_up_a.pk)
    assert (item.status, item.done_on, item.result) == (FollowUpStatus.DONE, TODAY, "已协调入学")
    response = client.post(url, {"status": "dropped", "done_on": TODAY.isoformat(), "result": "再次"}, follow=True)
    assert "未办结：该事项的状态已是“已办结”" in _text(response)


def test_follow_up_close_by_reviewer(lworld, login):
    response = login("zuzhibu").post(f"/liaison/follow-ups/{lworld.follow_up_a.pk}/close/",
                                     {"status": "dropped", "done_on": TODAY.isoformat(), "result": "本人不再需要"})
    assert response.status_code == 302
    assert FollowUp.objects.get(pk=lworld.follow_up_a.pk).status == FollowUpStatus.DROPPED

