"""The pool pages: who sees which entries, the filters, adding a person, starting a pair, and refusals that
show their message and save nothing."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison import services
from liaison.models import LiaisonPair, LiaisonRole, PairKind, TalentProfile
from members.codes import PoliticalStatus
from recruitment.models import Pipeline, Stage
from tests.factories import make_member

from .helpers import non_party, profile

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 21, 10, 0))


def _names(response) -> set[str]:
    return {row["person"].name for row in response.context["rows"]}


# ---- the list -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["dangwei", "zuzhibu"])
def test_institute_reviewers_see_the_whole_institute(lworld, login, persona):
    response = login(persona).get("/liaison/pool/")
    assert response.status_code == 200
    names = _names(response)
    assert {"周博士", "吴研究员", "郑工程师"} <= names
    assert ("钱教授" in names) is (persona == "zuzhibu")
    assert response.context["nav_active"] == "liaison"
    assert "录入人员" in response.content.decode()


def test_branch_secretary_sees_own_branch_only(lworld, login):
    assert _names(login("shuji_b").get("/liaison/pool/")) == {"郑工程师"}
    response = login("shuji_a").get("/liaison/pool/")
    assert response.status_code == 200
    assert _names(response) == set()
    assert "共 0 人" in response.content.decode()


def test_without_the_capability_403(lworld, login):
    assert login("xuanchuan_a").get("/liaison/pool/").status_code == 403
    assert login("dangyuan").get("/liaison/pool/").status_code == 403


def test_filters(lworld, login, client):
    login("dangwei")
    assert _names(client.get("/liaison/pool/?uncovered=1")) == {"吴研究员"}
    assert _names(client.get("/liaison/pool/?high_knowledge=1")) == {"周博士", "吴研究员"}
    assert _names(client.get("/liaison/pool/?q=拓扑")) == {"周博士"}
    assert _names(client.get(f"/liaison/pool/?unit={lworld.branch_b.pk}")) == {"郑工程师"}
    assert _names(client.get("/liaison/pool/?democratic=1")) == set()
    lworld.talent_b.person.political_status = PoliticalStatus.JIUSAN
    lworld.talent_b.person.returned_from_abroad = True
    lworld.talent_b.person.save()
    response = client.get("/liaison/pool/?democratic=1&abroad=1")
    assert _names(response) == {"郑工程师"}
    assert "九三学社社员" in response.content.decode()
    Pipeline.objects.create(person=lworld.talent_a2.person, organization=lworld.branch_a, stage=Stage.APPLICANT,
                            applied_on=datetime.date(2026, 9, 1))
    response = client.get("/liaison/pool/?applied=1")
    assert _names(response) == {"吴研究员"}
    assert "入党申请人" in response.content.decode()


def test_uncovered_high_knowledge_shows_red_zero(lworld, login):
    response = login("dangwei").get("/liaison/pool/")
    rows = {row["person"].name: row for row in response.context["rows"]}
    assert rows["吴研究员"]["uncovered"]
    assert rows["吴研究员"]["entry"].pair_count == 0
    assert not rows["周博士"]["uncovered"]
    assert rows["周博士"]["entry"].pair_count == 1
    assert not rows["郑工程师"]["uncovered"]  # not 高知: a bachelor without a senior title
    assert 'class="pair-zero"' in response.content.decode()


def test_list_queries_do_not_grow(lworld, login, client):
    login("dangwei")
    client.get("/liaison/pool/")
    with CaptureQueriesContext(connection) as few:
        client.get("/liaison/pool/")
    for n in range(12):
        entry = profile(non_party(lworld.branch_a, f"人才{n}"), lworld.institute, programmes="青年拔尖")
        Pipeline.objects.create(person=entry.person, organization=lworld.branch_a, stage=Stage.ACTIVIST,
                                applied_on=datetime.date(2026, 1, 1))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/liaison/pool/")
    assert len(response.context["rows"]) == 15
    assert len(many) == len(few)


def test_paged_by_50(lworld, login):
    for n in range(50):
        profile(non_party(lworld.branch_a, f"人才{n:02d}"), lworld.institute)
    response = login("dangwei").get("/liaison/pool/?page=2")
    assert response.context["page"].paginator.count == 53
    assert len(response.context["rows"]) == 3


# ---- an entry -------------------------------------------------------------------------------------------------


def test_entry_page(lworld, login):
    response = login("dangwei").get(f"/liaison/pool/{lworld.talent_a.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "周博士" in body
    assert "拓扑材料" in body
    assert "李明哲" in body
    assert "国家优青" in body
    assert response.context["high"] is True
    assert "家庭困难" not in body  # the talk's private notes never show here
    assert response.context["pairs"] == [lworld.pair_a]


def test_entry_shows_ended_pairs_and_pipeline(lworld, login):
    services.pair_end(actor=lworld.dangwei, pair=lworld.pair_a, on=datetime.date(2026, 10, 1), reason="工作调整")
    pipeline = Pipeline.objects.create(person=lworld.talent_a.person, organization=lworld.branch_a,
                                       stage=Stage.ACTIVIST, applied_on=datetime.date(2026, 4, 1))
    body = login("dangwei").get(f"/liaison/pool/{lworld.talent_a.pk}/").content.decode()
    assert "工作调整" in body
    assert "已结束" in body
    assert "入党积极分子" in body
    assert "2026-04-01" in body
    assert f"/recruitment/{pipeline.pk}/" in body  # dangwei views branch A's pipelines


@pytest.mark.parametrize(("persona", "status"), [
    ("dangwei", 200), ("zuzhibu", 200), ("shuji_b", 200), ("shuji_a", 404), ("xuanchuan_a", 404),
    ("outsider", 404), ("dangyuan", 404),
])
def test_entry_of_branch_b(lworld, login, persona, status):
    assert login(persona).get(f"/liaison/pool/{lworld.talent_b.pk}/").status_code == status


@pytest.mark.parametrize("path", ["", "edit/", "remove/", "pair/"])
def test_outsider_404_on_institute_entries(lworld, login, path):
    assert login("outsider").get(f"/liaison/pool/{lworld.talent_a.pk}/{path}").status_code == 404
    assert login("shuji_a").get(f"/liaison/pool/{lworld.talent_a.pk}/{path}").status_code == 404


def test_in_scope_without_capability_403_on_branch_entry(lworld, login):
    entry = profile(non_party(lworld.branch_a, "孙工"), lworld.branch_a)
    assert login("xuanchuan_a").get(f"/liaison/pool/{entry.pk}/").status_code == 403
    assert login("shuji_a").get(f"/liaison/pool/{entry.pk}/").status_code == 200


# ---- adding to the pool ---------------------------------------------------------------------------------------


def test_profile_new_lists_non_party_people_not_in_a_pool(lworld, login):
    non_party(lworld.branch_a, "冯老师")
    make_member(lworld.branch_a, name="党员乙")
    response = login("dangwei").get(f"/liaison/pool/new/?unit={lworld.institute.pk}")
    assert response.status_code == 200
    names = {p.name for p in response.context["candidates"]}
    assert "冯老师" in names
    assert "党员乙" not in names
    assert "周博士" not in names


def test_profile_new_saves(lworld, login, client):
    person = non_party(lworld.branch_a, "冯老师")
    login("dangwei")
    response = client.get(f"/liaison/pool/new/?unit={lworld.institute.pk}&person={person.pk}")
    assert response.context["selected"] == str(person.pk)
    response = client.post("/liaison/pool/new/", {"unit": lworld.institute.pk, "person": person.pk,
                                                  "research_field": "量子计算", "backbone": "on"})
    entry = TalentProfile.objects.get(person=person)
    assert response.status_code == 302
    assert response["Location"] == f"/liaison/pool/{entry.pk}/"
    assert entry.organization == lworld.institute
    assert entry.research_field == "量子计算"
    assert entry.added_on == TODAY


def test_profile_new_refuses_a_party_member(lworld, login):
    member = make_member(lworld.branch_a, name="党员甲")
    response = login("dangwei").post("/liaison/pool/new/", {"unit": lworld.institute.pk, "person": member.pk})
    assert response.status_code == 200
    assert "党员甲是中共党员，不能录入党外人才信息库。" in response.content.decode()
    assert not TalentProfile.objects.filter(person=member).exists()


def test_profile_new_refuses_someone_already_in_a_pool(lworld, login):
    response = login("dangwei").post("/liaison/pool/new/", {"unit": lworld.branch_a.pk,
                                                            "person": lworld.talent_a.person_id})
    assert response.status_code == 200
    assert "周博士已在甲所党委的信息库中。" in response.content.decode()
    assert TalentProfile.objects.get(pk=lworld.talent_a.pk).organization == lworld.institute


def test_profile_new_without_person(lworld, login):
    response = login("dangwei").post("/liaison/pool/new/", {"unit": lworld.institute.pk})
    assert response.status_code == 200
    assert "请选择要录入的人员。" in response.content.decode()


def test_profile_new_scope(lworld, login):
    assert login("xuanchuan_a").get("/liaison/pool/new/").status_code == 403
    assert login("shuji_b").get(f"/liaison/pool/new/?unit={lworld.branch_a.pk}").status_code == 404
    person = non_party(lworld.other_branch, "外所人员")
    response = login("dangwei").post("/liaison/pool/new/", {"unit": lworld.institute.pk, "person": person.pk})
    assert response.status_code == 200
    assert "所选人员不在您负责的党组织范围内。" in response.content.decode()
    assert not TalentProfile.objects.filter(person=person).exists()
    assert login("shuji_b").get("/liaison/pool/new/").context["unit"] == lworld.branch_b


# ---- edit and remove ------------------------------------------------------------------------------------------


def test_edit(lworld, login, client):
    login("dangwei")
    assert client.get(f"/liaison/pool/{lworld.talent_a.pk}/edit/").status_code == 200
    response = client.post(f"/liaison/pool/{lworld.talent_a.pk}/edit/",
                           {"research_field": "二维材料", "programmes": "国家杰青", "leadership": "",
                            "note": ""})
    assert response.status_code == 302
    lworld.talent_a.refresh_from_db()
    assert lworld.talent_a.research_field == "二维材料"
    assert lworld.talent_a.backbone is False


def test_remove_ends_open_pairs(lworld, login):
    response = login("dangwei").post(f"/liaison/pool/{lworld.talent_a.pk}/remove/",
                                     {"removed_on": "2026-11-20", "reason": "已发展入党"})
    assert response.status_code == 302
    lworld.talent_a.refresh_from_db()
    lworld.pair_a.refresh_from_db()
    assert lworld.talent_a.removed_on == datetime.date(2026, 11, 20)
    assert lworld.pair_a.ended_on == datetime.date(2026, 11, 20)
    assert lworld.pair_a.end_reason == "已发展入党"


def test_remove_needs_a_reason(lworld, login):
    response = login("dangwei").post(f"/liaison/pool/{lworld.talent_a.pk}/remove/",
                                     {"removed_on": "2026-11-20", "reason": ""})
    assert response.status_code == 200
    assert "请填写出库的原因。" in response.content.decode()
    lworld.talent_a.refresh_from_db()
    assert lworld.talent_a.removed_on is None


# ---- starting a pair ------------------------------------------------------------------------------------------


def test_pair_form_lists_committee_members(lworld, login, client):
    login("dangwei")
    response = client.get(f"/liaison/pool/{lworld.talent_a2.pk}/pair/")
    assert response.status_code == 200
    rows = {p.name: seats for p, seats in response.context["candidates"]}
    assert "李明哲" in rows
    assert "甲所党委" in rows["李明哲"]
    assert "张晓燕" in rows
    assert "第一党支部" in rows["张晓燕"]
    response = client.get(f"/liaison/pool/{lworld.talent_a2.pk}/pair/?kind=pairing&q=张三")
    assert [p.name for p, _org in response.context["candidates"]] == ["张三"]


def test_pair_new_starts_with_the_role_from_the_seat(lworld, login):
    response = login("dangwei").post(f"/liaison/pool/{lworld.talent_a2.pk}/pair/", {
        "kind": PairKind.LIAISON, "liaison": lworld.dangwei_person.pk, "liaison_role": "",
        "started_on": "2026-11-01", "measures": "每季度交流"})
    assert response.status_code == 302
    assert response["Location"] == f"/liaison/pool/{lworld.talent_a2.pk}/"
    pair = LiaisonPair.objects.get(talent=lworld.talent_a2)
    assert pair.liaison == lworld.dangwei_person
    assert pair.liaison_role == LiaisonRole.COMMITTEE
    assert pair.organization == lworld.institute
    assert pair.measures == "每季度交流"


def test_pair_new_refuses_a_third_pair(lworld, login, client):
    login("dangwei")
    client.post(f"/liaison/pool/{lworld.talent_a2.pk}/pair/", {
        "kind": PairKind.LIAISON, "liaison": lworld.dangwei_person.pk, "started_on": "2026-11-01"})
    assert LiaisonPair.objects.filter(liaison=lworld.dangwei_person, ended_on__isnull=True).count() == 2
    third = profile(non_party(lworld.branch_a, "王研究员"), lworld.institute)
    response = client.post(f"/liaison/pool/{third.pk}/pair/", {
        "kind": PairKind.LIAISON, "liaison": lworld.dangwei_person.pk, "started_on": "2026-11-01"})
    assert response.status_code == 200
    assert "李明哲已联系2人，按规则每人最多2人。" in response.content.decode()
    assert not LiaisonPair.objects.filter(talent=third).exists()


def test_pair_new_refuses_a_liaison_without_a_seat(lworld, login):
    response = login("dangwei").post(f"/liaison/pool/{lworld.talent_a2.pk}/pair/", {
        "kind": PairKind.LIAISON, "liaison": lworld.member_a.pk, "liaison_role": LiaisonRole.COMMITTEE,
        "started_on": "2026-11-01"})
    assert response.status_code == 200
    assert "张三在2026-11-01不是甲所党委范围内的党委委员，不能作为党内联系人。" in response.content.decode()
    assert not LiaisonPair.objects.filter(talent=lworld.talent_a2).exists()


def test_pair_new_bad_input(lworld, login):
    response = login("dangwei").post(f"/liaison/pool/{lworld.talent_a2.pk}/pair/", {
        "kind": PairKind.LIAISON, "liaison": "", "started_on": "不是日期"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "请选择联系人。" in body
    assert "日期格式不正确。" in body
    assert not LiaisonPair.objects.filter(talent=lworld.talent_a2).exists()


def test_pair_pages_of_a_removed_entry_404(lworld, login):
    services.profile_remove(actor=lworld.dangwei, profile=lworld.talent_a2, on=TODAY, reason="调离")
    assert login("dangwei").get(f"/liaison/pool/{lworld.talent_a2.pk}/pair/").status_code == 404
    body = login("dangwei").get(f"/liaison/pool/{lworld.talent_a2.pk}/").content.decode()
    assert "已出库" in body
    assert "调离" in body
