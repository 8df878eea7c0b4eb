"""The liaison objects the tests share, added to the personas' world (tests/conftest.py):

- dangwei's person (a full member at 甲所党委, sitting on its committee) keeps `pair_a` with `talent_a` (a
  非党 PhD in branch A, in 甲所党委's pool); `talk_a` has private notes and an open follow-up `follow_up_a`;
- shuji_a's person sits on branch A's committee as secretary; `talent_a2` (高知, in the pool) has no liaison;
- `talent_b` is in branch B's pool (kept by shuji_b); `talent_other` and `pair_other` belong to 乙所党委."""

from __future__ import annotations

import datetime

from branches.models import CommitteePosition, CommitteeSeat
from liaison import services
from liaison.models import FollowUp, LiaisonPair, LiaisonRole, PairKind, TalentProfile, Talk
from members.codes import Education, PoliticalStatus, TitleLevel
from tests.factories import PersonFactory, make_member

START = datetime.date(2026, 1, 5)


def non_party(org, name: str, **fields):
    fields.setdefault("education", Education.DOCTORATE)
    fields.setdefault("political_status", PoliticalStatus.MASSES)
    return PersonFactory(organization=org, name=name, **fields)


def profile(person, org, **fields) -> TalentProfile:
    return TalentProfile.objects.create(person=person, organization=org, added_on=START, **fields)


def prepare(world) -> None:
    w = world.__dict__
    users = w["users"]
    dangwei_person = make_member(world.institute, name="李明哲")
    dangwei_person.user = users["dangwei"]
    dangwei_person.save(update_fields=["user"])
    CommitteeSeat.objects.create(organization=world.institute, person=dangwei_person,
                                 position=CommitteePosition.MEMBER, starts_on=datetime.date(2024, 1, 1))
    shuji_a_person = make_member(world.branch_a, name="张晓燕")
    shuji_a_person.user = users["shuji_a"]
    shuji_a_person.save(update_fields=["user"])
    CommitteeSeat.objects.create(organization=world.branch_a, person=shuji_a_person,
                                 position=CommitteePosition.SECRETARY, starts_on=datetime.date(2024, 1, 1))
    other_person = make_member(world.other_institute, name="陈乙")
    CommitteeSeat.objects.create(organization=world.other_institute, person=other_person,
                                 position=CommitteePosition.MEMBER, starts_on=datetime.date(2024, 1, 1))

    talent_a = profile(non_party(world.branch_a, "周博士", title_level=TitleLevel.ASSOCIATE_SENIOR,
                                 discipline="凝聚态物理"), world.institute, research_field="拓扑材料",
                       programmes="国家优青")
    talent_a2 = profile(non_party(world.branch_a, "吴研究员", title_level=TitleLevel.SENIOR), world.institute)
    talent_b = profile(non_party(world.branch_b, "郑工程师", education=Education.BACHELOR), world.branch_b)
    talent_other = profile(non_party(world.other_branch, "钱教授"), world.other_institute)

    pair_a = LiaisonPair.objects.create(organization=world.institute, kind=PairKind.LIAISON,
                                        liaison=dangwei_person, liaison_role=LiaisonRole.COMMITTEE,
                                        talent=talent_a, started_on=START, measures="每季度交流一次科研进展")
    talk_a = Talk.objects.create(pair=pair_a, held_on=datetime.date(2026, 3, 10), place="所办公楼",
                                 topics="科研进展与团队建设", thoughts="关心子女入学", help_given="介绍所里政策",
                                 private_notes="家庭困难，需保密")
    pair_a.last_talk_on = talk_a.held_on
    pair_a.save(update_fields=["last_talk_on"])
    follow_up_a = FollowUp.objects.create(talk=talk_a, text="协调子女入学", owner="李明哲",
                                          due_on=datetime.date(2026, 6, 30), is_request=True)
    pair_other = LiaisonPair.objects.create(organization=world.other_institute, kind=PairKind.LIAISON,
                                            liaison=other_person, liaison_role=LiaisonRole.COMMITTEE,
                                            talent=talent_other, started_on=START)
    Talk.objects.create(pair=pair_other, held_on=datetime.date(2026, 2, 1), topics="乙所谈话",
                        private_notes="乙所内部备注")
    w.update(dangwei_person=dangwei_person, shuji_a_person=shuji_a_person, other_person=other_person,
             talent_a=talent_a, talent_a2=talent_a2, talent_b=talent_b, talent_other=talent_other,
             pair_a=pair_a, talk_a=talk_a, follow_up_a=follow_up_a, pair_other=pair_other)


__all__ = ["prepare", "non_party", "profile", "services", "START"]
