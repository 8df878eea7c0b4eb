"""Several votes per 支部党员大会 with a candidate each (form and API, one service), and the six-month flag of
members who attend no organizational life (person page, branch dashboard card, list page, API)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branches import permissions
from branches.meetings import selectors, services
from branches.models import Meeting, MeetingType, RoleKind, Vote
from tests.factories import make_member

from .conftest import attendance_of, held, meeting_data

pytestmark = pytest.mark.django_db

NEW_ASSEMBLY = "/meetings/new/?organization={pk}&type=general_assembly"


def _vote(subject: str, *, candidate=None, expected=5, present=5, yes=5, no=0, abstain=0, written_yes=0,
          passed=True) -> dict:
    return {"subject": subject, "candidate": candidate, "expected": expected, "present": present, "yes": yes,
            "no": no, "abstain": abstain, "written_yes": written_yes, "passed": passed}


def _post(people, votes: list[dict], *, spare: bool = True) -> dict:
    """The form as a browser sends it: the attendance list, the vote blocks (index-aligned) and, like the
    page, one spare block left blank with its prefilled 应到/实到."""
    now = timezone.localtime() - datetime.timedelta(hours=1)
    data: dict = {"held_on": now.date().isoformat(), "held_time": now.strftime("%H:%M"), "title": "支部党员大会",
                  "att_person": [str(p.pk) for p in people]}
    for p in people:
        data[f"att_status_{p.pk}"] = "present"
    blocks = [{k: "" if v is None else str(v) for k, v in vote.items()} for vote in votes]
    if spare:
        blocks.append({"subject": "", "candidate": "", "expected": "5", "present": "5", "yes": "", "no": "",
                       "abstain": "", "written_yes": "0", "passed": False})
    for key in ("subject", "candidate", "expected", "present", "yes", "no", "abstain", "written_yes"):
        data[f"vote_{key}"] = [b[key] for b in blocks]
    data["vote_passed"] = [str(i) for i, b in enumerate(blocks) if b["passed"] in (True, "True")]
    return data


def _blocks(body: str) -> list[str]:
    """The HTML of each vote block of the form, in order (the script's template for new blocks left out)."""
    return body.split('<template id="vote-template">')[0].split('class="vote-block')[1:]


# ---- several votes -----------------------------------------------------------------------------------------


def test_form_saves_several_votes_with_their_candidates(world, members, login):
    people = [*members.full, members.probationary]
    data = _post(people, [
        _vote("钱堃转为正式党员", candidate=members.probationary.pk),
        _vote("审议年度学习计划", yes=3, no=1, abstain=1),
    ])
    response = login("shuji_a").post(NEW_ASSEMBLY.format(pk=world.branch_a.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = Meeting.objects.get()
    votes = list(meeting.votes.order_by("pk"))
    assert [(v.subject, v.candidate, v.yes, v.passed) for v in votes] == [
        ("钱堃转为正式党员", members.probationary, 5, True), ("审议年度学习计划", None, 3, True)]
    body = login("shuji_a").get(f"/meetings/{meeting.pk}/").content.decode()
    assert "钱堃转为正式党员" in body
    assert "审议年度学习计划" in body
    assert "表决对象：钱堃" in body
    assert "中共预备党员" in body


def test_counting_a_probationary_member_is_refused_beside_its_vote_and_nothing_is_saved(world, members, login):
    people = [*members.full, members.probationary]
    data = _post(people, [
        _vote("审议年度学习计划"),
        _vote("接收某同志为预备党员", expected=6, present=6, yes=6),
    ])
    response = login("shuji_a").post(NEW_ASSEMBLY.format(pk=world.branch_a.pk), data)
    assert response.status_code == 200
    assert not Meeting.objects.exists()
    assert not Vote.objects.exists()
    blocks = _blocks(response.content.decode())
    assert len(blocks) == 3  # both votes as sent, and a spare block
    message = "以下人员没有表决权，不能计入应到人数：钱堃（是预备党员）"
    assert message in blocks[1]
    assert "border-danger" in blocks[1][:80]
    assert message not in blocks[0]
    assert "alert-danger" not in blocks[0]
    assert 'value="审议年度学习计划"' in blocks[0]


def test_a_candidate_outside_the_branch_is_refused(world, members, login):
    data = _post(members.full, [_vote("接收李四为预备党员", candidate=world.member_b.pk)])
    response = login("shuji_a").post(NEW_ASSEMBLY.format(pk=world.branch_a.pk), data)
    assert response.status_code == 200
    assert "李四 不是“" in _blocks(response.content.decode())[0]
    assert not Meeting.objects.exists()
    with pytest.raises(services.ValidationError) as exc:
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=meeting_data(),
                                attendance=attendance_of(members.full),
                                votes=[_vote("接收王五", candidate=world.member_other.pk)])
    assert "王五 不是“" in exc.value.message_dict["votes"][0]
    assert not Meeting.objects.exists()


def test_counts_without_a_subject_are_not_dropped_silently(world, members, login):
    data = _post(members.full, [_vote("")])
    response = login("shuji_a").post(NEW_ASSEMBLY.format(pk=world.branch_a.pk), data)
    assert response.status_code == 200
    assert "第 1 项表决：请填写表决事项。" in _blocks(response.content.decode())[0]
    assert not Meeting.objects.exists()


def test_a_subject_with_a_percent_sign_reads_back_in_its_message(world, members):
    with pytest.raises(services.ValidationError) as exc:
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=meeting_data(),
                                attendance=attendance_of(members.full),
                                votes=[_vote("提高100%出勤率", yes=1, passed=True)])
    assert exc.value.message_dict["votes"] == [
        "“提高100%出勤率”：应到 5 人，赞成 1 人（其中会前书面赞成 0 人），未超过应到人数的半数，不能记为通过。"]


def test_new_form_offers_a_vote_block_with_e_prefilled_and_the_branch_people_as_candidates(world, members, login):
    outside = make_member(world.branch_b, name="外支部")
    body = login("shuji_a").get(NEW_ASSEMBLY.format(pk=world.branch_a.pk)).content.decode()
    blocks = _blocks(body)
    assert len(blocks) == 1
    # Five full members with a vote; the probationary and the suspended member are not counted.
    assert 'name="vote_expected" value="5" data-auto="1"' in blocks[0]
    assert 'name="vote_present" value="5" data-auto="1"' in blocks[0]
    assert f'<option value="{members.probationary.pk}">钱堃</option>' in blocks[0]
    assert f'value="{outside.pk}"' not in body
    assert "添加表决事项" in body
    assert 'id="vote-template"' in body


def test_edit_shows_every_vote_with_its_candidate(world, members, login, make_meeting):
    meeting = make_meeting(attendance=attendance_of([*members.full, members.probationary]), votes=[
        _vote("钱堃转为正式党员", candidate=members.probationary.pk), _vote("审议年度学习计划", yes=4, no=1)])
    blocks = _blocks(login("shuji_a").get(f"/meetings/{meeting.pk}/edit/").content.decode())
    assert len(blocks) == 3
    assert 'value="钱堃转为正式党员"' in blocks[0]
    assert f'<option value="{members.probationary.pk}" selected>' in blocks[0]
    assert 'value="审议年度学习计划"' in blocks[1]
    assert 'name="vote_no" value="1"' in blocks[1]
    assert 'value="1" id="vote-1-passed" checked' in blocks[1]
    # Saving the page unchanged keeps both votes.
    data = _post([*members.full, members.probationary], [
        _vote("钱堃转为正式党员", candidate=members.probationary.pk), _vote("审议年度学习计划", yes=4, no=1)])
    response = login("shuji_a").post(f"/meetings/{meeting.pk}/edit/", data)
    assert response.status_code == 302
    assert [(v.subject, v.candidate_id) for v in meeting.votes.order_by("pk")] == [
        ("钱堃转为正式党员", members.probationary.pk), ("审议年度学习计划", None)]


def test_api_records_two_votes_with_candidates(world, members, client):
    client.force_login(world.shuji_a)
    payload = {**meeting_data(held_at=held().isoformat()), "organization": world.branch_a.pk,
               "attendance": attendance_of([*members.full, members.probationary]),
               "votes": [_vote("钱堃转为正式党员", candidate=members.probationary.pk),
                         _vote("审议年度学习计划", yes=3, no=2)]}
    response = client.post("/api/v1/meetings/", payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    votes = response.json()["votes"]
    assert [(v["subject"], v["candidate"], v["candidate_name"], v["passed"]) for v in votes] == [
        ("钱堃转为正式党员", members.probationary.pk, "钱堃", True), ("审议年度学习计划", None, None, True)]
    # The second vote counts the probationary member: 400, the first one's good counts save nothing either.
    bad = {**payload, "votes": [payload["votes"][1], _vote("再议", expected=6, present=6, yes=6)]}
    before = Meeting.objects.count()
    response = client.post("/api/v1/meetings/", bad, content_type="application/json")
    assert response.status_code == 400
    assert "钱堃（是预备党员）" in response.json()["votes"][0]
    assert Meeting.objects.count() == before


# ---- the six-month flag ------------------------------------------------------------------------------------


@pytest.fixture
def attended(world, members, make_meeting):
    """Three full members attended last month; 周敏 last attended eight months ago; 吴昊 and 郑洁 never."""
    make_meeting(title="八个月前", held_at=held(days_ago=245), attendance=attendance_of(members.full[2:3]))
    make_meeting(title="上月", held_at=held(days_ago=30), attendance=attendance_of(members.full[:2]))
    return world


def test_person_page_flags_six_months_without_organizational_life(attended, members, login):
    client = login("shuji_a")
    long_ago = members.full[2]
    body = client.get(f"/people/{long_ago.pk}/").content.decode()
    assert "已连续六个月未参加组织生活" in body
    last = timezone.localdate() - datetime.timedelta(days=245)
    assert f"最后一次出席组织生活：{last:%Y-%m-%d}" in body
    assert "没有出席组织生活的记录" in client.get(f"/people/{members.full[3].pk}/").content.decode()
    recent = client.get(f"/people/{members.full[0].pk}/").content.decode()
    assert "未参加组织生活" not in recent
    # The member reading their own record (no role: may not see the branch's meetings) gets no flag.
    assert "未参加组织生活" not in login("dangyuan").get(f"/people/{members.full[1].pk}/").content.decode()


def test_review_months_come_from_settings(attended, members, settings):
    flagged = {p.name for p in selectors.members_without_attendance(organization=attended.branch_a)}
    assert {"周敏", "吴昊", "郑洁"} <= flagged
    assert "张三" not in flagged
    settings.PORTAL_ABSENCE_REVIEW_MONTHS = 9
    flagged = {p.name for p in selectors.members_without_attendance(organization=attended.branch_a)}
    assert "周敏" not in flagged
    assert "吴昊" in flagged


def _without_view_capabilities(monkeypatch, kind: str) -> None:
    """The role kind keeps its place in the tree but loses VIEW_PEOPLE and LOG_MEETINGS (no such kind exists yet:
    the 403 branch is still the rule)."""
    caps = dict(permissions.ROLE_CAPABILITIES)
    caps[kind] = frozenset({permissions.Capability.RATE})
    monkeypatch.setattr(permissions, "ROLE_CAPABILITIES", caps)


def test_dashboard_card_by_persona(attended, members, login, monkeypatch):
    body = login("shuji_a").get("/").content.decode()
    assert 'id="absent-card"' in body
    card = body[body.index('id="absent-card"'):]
    card = card[:card.index("</ul>")]
    assert "六个月未参加组织生活的党员" in card
    assert "周敏" in card
    assert "张三" not in card
    assert f"/meetings/absent/?org={attended.branch_a.pk}" in card
    # Another branch's secretary sees their own branch, never branch A's members, even when asking for it.
    other = login("shuji_b").get(f"/?org={attended.branch_a.pk}").content.decode()
    assert "周敏" not in other
    assert "吴昊" not in other
    # In branch A's scope without a capability to see its meetings: no card.
    _without_view_capabilities(monkeypatch, RoleKind.PROPAGANDA_MEMBER)
    body = login("xuanchuan_a").get("/").content.decode()
    assert "第一党支部" in body
    assert 'id="absent-card"' not in body


def test_dashboard_card_costs_the_same_at_any_size(attended, members, login):
    client = login("shuji_a")
    client.get("/")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx)

    few = count()
    for i in range(12):
        make_member(attended.branch_a, name=f"久未到会{i}")
    assert count() == few


def test_absent_list_page(attended, members, login, monkeypatch):
    client = login("shuji_a")
    url = f"/meetings/absent/?org={attended.branch_a.pk}"
    body = client.get(url).content.decode()
    assert "周敏" in body
    assert "吴昊" in body
    assert "张三" not in body
    assert client.get("/meetings/absent/").status_code == 200  # defaults to the user's branch
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    for i in range(12):
        make_member(attended.branch_a, name=f"久未到会{i}")
    with CaptureQueriesContext(connection) as more:
        assert "久未到会11" in client.get(url).content.decode()
    assert len(more) == len(ctx)
    assert login("shuji_b").get(url).status_code == 404
    assert login("dangyuan").get("/meetings/absent/").status_code == 403
    _without_view_capabilities(monkeypatch, RoleKind.PROPAGANDA_MEMBER)
    assert login("xuanchuan_a").get(url).status_code == 403


def test_absent_members_api(attended, members, client, monkeypatch):
    url = f"/api/v1/meetings/absent-members/?organization={attended.branch_a.pk}"
    client.force_login(attended.shuji_a)
    body = client.get(url).json()
    rows = body["results"] if isinstance(body, dict) else body
    by_name = {r["name"]: r for r in rows}
    assert {"周敏", "吴昊", "郑洁"} <= set(by_name)
    assert "张三" not in by_name
    assert by_name["吴昊"]["last_attended_at"] is None
    assert by_name["周敏"]["last_attended_at"].startswith(
        (timezone.localdate() - datetime.timedelta(days=245)).isoformat())
    assert client.get("/api/v1/meetings/absent-members/").status_code == 400
    client.force_login(attended.shuji_b)
    assert client.get(url).status_code == 404
    _without_view_capabilities(monkeypatch, RoleKind.PROPAGANDA_MEMBER)
    client.force_login(attended.xuanchuan_a)
    assert client.get(url).status_code == 403


def test_votes_only_on_the_general_assembly_stay_refused(world, members):
    with pytest.raises(services.ValidationError) as exc:
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a,
                                data=meeting_data(meeting_type=MeetingType.THEME_DAY),
                                attendance=attendance_of(members.full), votes=[_vote("x"), _vote("y")])
    assert "只有支部党员大会可以登记表决" in exc.value.message_dict["votes"][0]


def test_a_page_that_sends_the_user_here_gets_them_back_with_the_candidate_prefilled(world, members, login):
    """The pipeline's vote step links here with its candidate, a subject and where to return after saving."""
    url = NEW_ASSEMBLY.format(pk=world.branch_a.pk) + (
        f"&candidate={members.probationary.pk}&subject=讨论转正&next=/recruitment/7/step/conversion_vote/")
    body = login("shuji_a").get(url).content.decode()
    spare = _blocks(body)[-1]
    assert f'<option value="{members.probationary.pk}" selected>' in spare
    assert 'value="讨论转正"' in spare
    people = [*members.full, members.probationary]
    response = login("shuji_a").post(url, _post(people, [_vote("讨论转正", candidate=members.probationary.pk)]))
    assert response.status_code == 302
    assert response["Location"] == "/recruitment/7/step/conversion_vote/"
    # Only local paths are followed; a candidate from elsewhere is not prefilled.
    other = NEW_ASSEMBLY.format(pk=world.branch_a.pk) + f"&candidate={world.member_b.pk}&next=https://evil.example/"
    assert f'value="{world.member_b.pk}" selected' not in _blocks(login("shuji_a").get(other).content.decode())[-1]
    response = login("shuji_a").post(other, _post(people, [_vote("再次讨论", candidate=members.probationary.pk)]))
    assert response["Location"].startswith("/meetings/")
