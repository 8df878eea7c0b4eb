"""The liaison services: what they save, and the bad input of the issue refused with a clear message and nothing
saved."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from liaison import selectors, services
from liaison.models import FollowUp, LiaisonPair, LiaisonRole, PairKind, TalentProfile, Talk
from members.codes import PoliticalStatus
from tests.factories import make_member

from .helpers import non_party, profile

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 21, 10, 0))


def _messages(excinfo) -> str:
    return " ".join(excinfo.value.messages)


def test_profile_refuses_party_member_and_saves_nothing(lworld):
    member = make_member(lworld.branch_a, name="党员甲")
    with pytest.raises(ValidationError) as excinfo:
        services.profile_save(actor=lworld.dangwei, person=member, organization=lworld.institute, data={})
    assert "中共党员，不能录入党外人才信息库" in _messages(excinfo)
    assert not TalentProfile.objects.filter(person=member).exists()


def test_profile_save_in_scope_and_out_of_scope(lworld):
    person = non_party(lworld.branch_a, "新人才")
    saved = services.profile_save(actor=lworld.dangwei, person=person, organization=lworld.institute,
                                  data={"research_field": "量子计算"})
    assert saved.research_field == "量子计算"
    assert saved.added_on == TODAY
    stranger = non_party(lworld.other_branch, "外所人才")
    with pytest.raises(Http404):
        services.profile_save(actor=lworld.dangwei, person=stranger, organization=lworld.other_institute, data={})
    with pytest.raises(ValidationError) as excinfo:
        services.profile_save(actor=lworld.shuji_b, person=non_party(lworld.branch_a, "甲支部人"),
                              organization=lworld.branch_b, data={})
    assert "不在第二党支部的范围内" in _messages(excinfo)


def test_third_pair_refused_when_rule_says_two(lworld):
    services.pair_start(actor=lworld.dangwei, organization=lworld.institute, kind=PairKind.LIAISON,
                        liaison=lworld.dangwei_person, liaison_role=LiaisonRole.COMMITTEE, talent=lworld.talent_a2,
                        started_on=datetime.date(2026, 11, 1))
    third = profile(non_party(lworld.branch_a, "第三人"), lworld.institute)
    with pytest.raises(ValidationError) as excinfo:
        services.pair_start(actor=lworld.dangwei, organization=lworld.institute, kind=PairKind.LIAISON,
                            liaison=lworld.dangwei_person, liaison_role=LiaisonRole.COMMITTEE, talent=third,
                            started_on=datetime.date(2026, 11, 1))
    assert "已联系2人，按规则每人最多2人" in _messages(excinfo)
    assert LiaisonPair.objects.filter(liaison=lworld.dangwei_person, ended_on__isnull=True).count() == 2


def test_liaison_without_seat_or_outside_scope_refused(lworld):
    plain = make_member(lworld.branch_a, name="普通党员")
    with pytest.raises(ValidationError) as excinfo:
        services.pair_start(actor=lworld.dangwei, organization=lworld.institute, kind=PairKind.LIAISON,
                            liaison=plain, liaison_role=LiaisonRole.COMMITTEE, talent=lworld.talent_a2,
                            started_on=TODAY)
    assert "不是甲所党委范围内的党委委员，不能作为党内联系人" in _messages(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.pair_start(actor=lworld.dangwei, organization=lworld.institute, kind=PairKind.LIAISON,
                            liaison=lworld.other_person, liaison_role=LiaisonRole.COMMITTEE, talent=lworld.talent_a2,
                            started_on=TODAY)
    assert "联系人陈乙不在甲所党委的范围内" in _messages(excinfo)
    masses = non_party(lworld.branch_a, "群众甲", political_status=PoliticalStatus.MASSES)
    with pytest.raises(ValidationError) as excinfo:
        services.pair_start(actor=lworld.dangwei, organization=lworld.institute, kind=PairKind.PAIRING,
                            liaison=masses, liaison_role=LiaisonRole.BACKBONE, talent=lworld.talent_a2,
                            started_on=TODAY)
    assert "不是中共党员" in _messages(excinfo)
    assert not LiaisonPair.objects.filter(talent=lworld.talent_a2).exists()


def test_pairing_of_a_backbone_is_one_to_one(lworld):
    backbone = make_member(lworld.branch_a, name="骨干甲")
    services.pair_start(actor=lworld.shuji_a, organization=lworld.branch_a, kind=PairKind.PAIRING, liaison=backbone,
                        liaison_role=LiaisonRole.BACKBONE, talent=profile(non_party(lworld.branch_a, "对象一"),
                                                                          lworld.branch_a), started_on=TODAY)
    with pytest.raises(ValidationError) as excinfo:
        services.pair_start(actor=lworld.shuji_a, organization=lworld.branch_a, kind=PairKind.PAIRING,
                            liaison=backbone, liaison_role=LiaisonRole.BACKBONE,
                            talent=profile(non_party(lworld.branch_a, "对象二"), lworld.branch_a), started_on=TODAY)
    assert "已有一对一结对对象" in _messages(excinfo)


def test_talk_before_pair_start_or_in_future_refused(lworld):
    before = Talk.objects.count()
    for held_on, message in ((datetime.date(2025, 12, 31), "谈话日期早于结对开始的日期（2026-01-05）"),
                             (datetime.date(2026, 11, 22), "谈话日期不能晚于今天")):
        with pytest.raises(ValidationError) as excinfo:
            services.talk_record(actor=lworld.dangwei, pair=lworld.pair_a,
                                 data={"held_on": held_on, "topics": "谈话"},
                                 follow_ups=[{"text": "事项", "owner": "李明哲", "due_on": TODAY}])
        assert message in _messages(excinfo)
    assert Talk.objects.count() == before
    assert FollowUp.objects.count() == 1


def test_talk_with_follow_up_saved_and_last_talk_kept(lworld):
    talk = services.talk_record(actor=lworld.dangwei, pair=lworld.pair_a,
                                data={"held_on": TODAY, "topics": "申报项目", "private_notes": "不宜公开"},
                                follow_ups=[{"text": "协助申报", "owner": "李明哲", "due_on": datetime.date(2026, 12, 31),
                                             "is_request": True}])
    lworld.pair_a.refresh_from_db()
    assert lworld.pair_a.last_talk_on == TODAY
    assert list(talk.follow_ups.values_list("text", "is_request")) == [("协助申报", True)]
    # A follow-up without owner or due date refuses the whole talk.
    with pytest.raises(ValidationError) as excinfo:
        services.talk_record(actor=lworld.dangwei, pair=lworld.pair_a, data={"held_on": TODAY, "topics": "再谈"},
                             follow_ups=[{"text": "无人负责", "owner": "", "due_on": None}])
    assert "第1项后续事项：请填写负责人" in _messages(excinfo)
    assert Talk.objects.filter(pair=lworld.pair_a).count() == 2


def test_end_without_reason_refused(lworld):
    with pytest.raises(ValidationError) as excinfo:
        services.pair_end(actor=lworld.dangwei, pair=lworld.pair_a, on=TODAY, reason="  ")
    assert "请填写结束联系的原因" in _messages(excinfo)
    lworld.pair_a.refresh_from_db()
    assert lworld.pair_a.ended_on is None
    services.pair_end(actor=lworld.dangwei, pair=lworld.pair_a, on=TODAY, reason="工作调动")
    lworld.pair_a.refresh_from_db()
    assert (lworld.pair_a.ended_on, lworld.pair_a.end_reason) == (TODAY, "工作调动")


def test_private_notes_audience(lworld):
    pair = lworld.pair_a
    assert selectors.talk_private_notes(user=lworld.dangwei, pair=pair) == {lworld.talk_a.pk: "家庭困难，需保密"}
    # zuzhibu reviews the whole academy but is not the unit's committee; shuji_a is below it.
    assert selectors.talk_private_notes(user=lworld.zuzhibu, pair=pair) == {}
    assert selectors.talk_private_notes(user=lworld.shuji_a, pair=pair) == {}
    assert all(t.get_deferred_fields() == {"private_notes"} for t in selectors.talks(pair=pair))


def test_coverage_totals(lworld):
    totals = selectors.coverage_totals(organization=lworld.institute, on=TODAY)
    # 周博士 and 吴研究员 in 甲所党委's pool, 郑工程师 in branch B's (not 高知: bachelor, no title).
    assert totals["pool"] == 3
    assert totals["high_knowledge"] == 2
    assert totals["uncovered"] == 1
    assert totals["pairs"] == 1
    assert totals["liaisons"] == 1
    assert totals["talks_overdue"] == 1  # last talk 2026-03-10, more than three months ago
    assert totals["open_follow_ups"] == 1
    assert totals["open_requests"] == 1
    assert totals["follow_ups_overdue"] == 1
