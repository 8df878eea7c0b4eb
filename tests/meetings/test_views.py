"""The organizational-life pages: who sees what, quick entry with attendance, bad input, locking, uploads."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from branches.models import (
    Attendance,
    Meeting,
    MeetingAttachment,
    MeetingStatus,
    MeetingType,
    Vote,
)
from members.models import MemberCategory
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _meeting(org, **fields) -> Meeting:
    defaults = {"meeting_type": MeetingType.COMMITTEE, "title": "2026年10月支部委员会",
                "held_at": timezone.now() - datetime.timedelta(days=2)}
    return Meeting.objects.create(organization=org, **{**defaults, **fields})


@pytest.fixture
def meeting_a(world):
    m = _meeting(world.branch_a, place="三楼会议室")
    Attendance.objects.create(meeting=m, person=world.member_a, status="present")
    return m


@pytest.fixture
def committee(world):
    """Branch A's committee: shuji_a and xuanchuan_a have person records, so they are the 支委会's attendees."""
    shuji = make_member(world.branch_a, name="陈书记", user=world.shuji_a)
    xuanchuan = make_member(world.branch_a, name="林委员", user=world.xuanchuan_a)
    return [shuji, xuanchuan]


def _post_data(people_status: dict, **extra) -> dict:
    now = timezone.localtime() - datetime.timedelta(hours=1)
    data = {"held_on": now.date().isoformat(), "held_time": now.strftime("%H:%M"), "title": "2026年11月支部委员会",
            "place": "三楼会议室", "topics": "研究发展党员工作", "att_person": [str(p.pk) for p in people_status]}
    for person, (status, reason) in people_status.items():
        data[f"att_status_{person.pk}"] = status
        data[f"att_reason_{person.pk}"] = reason
    data.update(extra)
    return data


# ---- who sees what ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("persona", "status"), [
    ("shuji_a", 200), ("dangwei", 200), ("xuanchuan_a", 200), ("shuji_b", 200), ("dangyuan", 403),
])
def test_list_by_persona(world, meeting_a, login, persona, status):
    response = login(persona).get("/meetings/")
    assert response.status_code == status
    if status == 200:
        assert (meeting_a.title in response.content.decode()) == (persona != "shuji_b")


@pytest.mark.parametrize(("persona", "status"), [
    ("shuji_a", 200), ("dangwei", 200), ("shuji_b", 404), ("outsider", 404), ("dangyuan", 404),
])
def test_detail_by_persona(world, meeting_a, login, persona, status):
    assert login(persona).get(f"/meetings/{meeting_a.pk}/").status_code == status


@pytest.mark.parametrize(("persona", "status"), [
    ("shuji_a", 200), ("dangwei", 403), ("shuji_b", 404), ("outsider", 404), ("dangyuan", 404),
])
def test_edit_by_persona(world, meeting_a, login, persona, status):
    assert login(persona).get(f"/meetings/{meeting_a.pk}/edit/").status_code == status


def test_create_by_persona(world, login):
    assert login("shuji_a").get(f"/meetings/new/?organization={world.branch_a.pk}&type=committee").status_code == 200
    assert login("dangwei").get("/meetings/new/").status_code == 403
    assert login("dangyuan").get("/meetings/new/").status_code == 403
    assert login("shuji_b").get(f"/meetings/new/?organization={world.branch_a.pk}&type=committee").status_code == 404


def test_anonymous_is_sent_to_login(world, meeting_a, client):
    for path in ("/meetings/", "/meetings/new/", f"/meetings/{meeting_a.pk}/", f"/meetings/{meeting_a.pk}/edit/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_list_query_count_does_not_grow(world, login, django_assert_max_num_queries):
    client = login("shuji_a")
    _meeting(world.branch_a)
    with django_assert_max_num_queries(30) as small:
        client.get("/meetings/")
    for _ in range(15):
        m = _meeting(world.branch_a)
        Attendance.objects.create(meeting=m, person=world.member_a)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/meetings/").status_code == 200


def test_list_filters_by_type_and_month(world, login):
    _meeting(world.branch_a, title="十月支委会", held_at=timezone.make_aware(datetime.datetime(2026, 10, 9, 9)))
    _meeting(world.branch_a, title="九月党课", meeting_type=MeetingType.LECTURE, lecturer="陈", lecture_title="党章",
             held_at=timezone.make_aware(datetime.datetime(2026, 9, 9, 9)))
    body = login("shuji_a").get("/meetings/?type=committee&month=2026-10").content.decode()
    assert "十月支委会" in body
    assert "九月党课" not in body


# ---- quick entry ------------------------------------------------------------------------------------------

def test_pick_type_preselects_the_only_branch(world, login):
    body = login("shuji_a").get("/meetings/new/").content.decode()
    assert f'name="organization" value="{world.branch_a.pk}"' in body
    assert "支部委员会" in body
    assert "支部党员大会" in body


def test_committee_form_prefills_committee_members_and_title(world, committee, login):
    body = login("shuji_a").get(f"/meetings/new/?organization={world.branch_a.pk}&type=committee").content.decode()
    now = timezone.localtime()
    assert f"{now.year}年{now.month}月支部委员会" in body
    for person in committee:
        assert f'name="att_status_{person.pk}"' in body
    # Ordinary members are offered to add, not listed.
    assert f'name="att_status_{world.member_a.pk}"' not in body
    assert f'<option value="{world.member_a.pk}"' in body


def test_create_with_attendance_then_detail_shows_it(world, committee, login):
    client = login("shuji_a")
    shuji, xuanchuan = committee
    data = _post_data({shuji: ("present", ""), xuanchuan: ("leave", "出差"), world.member_a: ("absent", "病假")},
                      host=str(shuji.pk), recorder=str(xuanchuan.pk), guest_name=["王列席"], guest_affiliation=["所办"])
    response = client.post(f"/meetings/new/?organization={world.branch_a.pk}&type=committee", data)
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.pk}/"
    assert meeting.meeting_type == MeetingType.COMMITTEE
    assert meeting.host == shuji
    assert {(a.person_id, a.status, a.reason) for a in meeting.attendance.all()} == {
        (shuji.pk, "present", ""), (xuanchuan.pk, "leave", "出差"), (world.member_a.pk, "absent", "病假")}
    body = client.get(response["Location"]).content.decode()
    assert "王列席" in body
    assert "出差" in body
    assert "病假" in body
    assert '<div class="num text-success">1</div>' in body
    assert '<div class="num text-danger">1</div>' in body
    assert '<div class="num text-warning">1</div>' in body


def test_future_date_is_refused_and_nothing_saved(world, committee, login):
    data = _post_data({committee[0]: ("present", "")})
    data["held_on"] = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = login("shuji_a").post(f"/meetings/new/?organization={world.branch_a.pk}&type=committee", data)
    assert response.status_code == 200
    assert "这里只登记已经召开的会议" in response.content.decode()
    assert not Meeting.objects.exists()
    assert not Attendance.objects.exists()


def test_vote_passed_without_quorum_is_refused_and_nothing_saved(world, login):
    voters = [make_member(world.branch_a, name=f"党员{i}") for i in range(4)]
    people = {p: ("absent", "出差") for p in voters}
    people[voters[0]] = ("present", "")
    data = _post_data(people, title="2026年11月支部党员大会", vote_subject=["接收张三为预备党员"], vote_candidate=[""],
                      vote_expected=["4"], vote_present=["1"], vote_yes=["1"], vote_no=["0"], vote_abstain=["0"],
                      vote_written_yes=["0"], vote_passed=["0"])
    response = login("shuji_a").post(f"/meetings/new/?organization={world.branch_a.pk}&type=general_assembly", data)
    assert response.status_code == 200
    assert "未过半数，会议无效" in response.content.decode()
    assert not Meeting.objects.exists()
    assert not Vote.objects.exists()


def test_probationary_member_is_marked_without_vote(world, login):
    probationary = make_member(world.branch_a, name="周预备", category=MemberCategory.PROBATIONARY)
    body = login("shuji_a").get(
        f"/meetings/new/?organization={world.branch_a.pk}&type=general_assembly").content.decode()
    row_start = body.index(f'data-person="{probationary.pk}"')
    assert 'data-vote="0"' in body[row_start:row_start + 40]
    member_row = body.index(f'data-person="{world.member_a.pk}"')
    assert 'data-vote="1"' in body[member_row:member_row + 40]


def test_appraisal_form_shows_grades_and_the_third_limit(world, login):
    for i in range(4):
        make_member(world.branch_a, name=f"评议{i}")
    body = login("shuji_a").get(f"/meetings/new/?organization={world.branch_a.pk}&type=appraisal").content.decode()
    # six members in branch A (张三, 赵喆 and four more): at most two 优秀.
    assert "本次最多 2 人" in body
    assert f'name="grade_{world.member_a.pk}"' in body


def test_lecture_requires_lecturer_and_title(world, login):
    data = _post_data({world.member_a: ("present", "")}, title="2026年11月党课")
    response = login("shuji_a").post(f"/meetings/new/?organization={world.branch_a.pk}&type=lecture", data)
    assert response.status_code == 200
    assert 'name="lecturer"' in response.content.decode()
    assert not Meeting.objects.exists()


def test_group_meeting_goes_to_the_party_group(world, login):
    response = login("shuji_a").get(f"/meetings/new/?organization={world.branch_a.pk}&type=group")
    body = response.content.decode()
    # branch A has one party group: the form opens for it directly.
    assert "记录党小组会" in body
    assert world.group_a.short_name in body


# ---- confirm, lock, edit with a reason ----------------------------------------------------------------------

def test_confirm_locks_and_locked_edit_needs_a_reason(world, meeting_a, login):
    client = login("shuji_a")
    assert client.post(f"/meetings/{meeting_a.pk}/confirm/").status_code == 302
    meeting_a.refresh_from_db()
    assert meeting_a.status == MeetingStatus.CONFIRMED
    body = client.get(f"/meetings/{meeting_a.pk}/edit/").content.decode()
    assert 'name="reason"' in body
    data = _post_data({world.member_a: ("present", "")}, title="改过的标题")
    response = client.post(f"/meetings/{meeting_a.pk}/edit/", data)
    assert response.status_code == 200
    assert "修改须填写修改原因" in response.content.decode()
    meeting_a.refresh_from_db()
    assert meeting_a.title == "2026年10月支部委员会"
    assert not meeting_a.revisions.exists()

    response = client.post(f"/meetings/{meeting_a.pk}/edit/", {**data, "reason": "主题写错"})
    assert response.status_code == 302
    meeting_a.refresh_from_db()
    assert meeting_a.title == "改过的标题"
    body = client.get(f"/meetings/{meeting_a.pk}/").content.decode()
    assert "主题写错" in body
    assert "已确认锁定" in body


def test_confirm_refused_without_log_meetings(world, meeting_a, login):
    assert login("dangwei").post(f"/meetings/{meeting_a.pk}/confirm/").status_code == 403
    assert login("shuji_b").post(f"/meetings/{meeting_a.pk}/confirm/").status_code == 404
    meeting_a.refresh_from_db()
    assert meeting_a.status == MeetingStatus.DRAFT


# ---- attachments ------------------------------------------------------------------------------------------

def test_upload_pdf_then_download_and_delete(world, meeting_a, login):
    client = login("shuji_a")
    pdf = SimpleUploadedFile("签到表.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    response = client.post(f"/meetings/{meeting_a.pk}/attachments/", {"kind": "sign_in", "file": pdf})
    assert response.status_code == 302
    att = MeetingAttachment.objects.get()
    assert att.original_name == "签到表.pdf"
    assert "签到表.pdf" in client.get(f"/meetings/{meeting_a.pk}/").content.decode()
    download = client.get(f"/meetings/attachments/{att.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert login("shuji_b").get(f"/meetings/attachments/{att.pk}/").status_code == 404
    assert login("dangwei").post(f"/meetings/attachments/{att.pk}/delete/").status_code == 403
    assert login("shuji_a").post(f"/meetings/attachments/{att.pk}/delete/").status_code == 302
    assert not MeetingAttachment.objects.exists()


def test_upload_of_exe_is_refused(world, meeting_a, login):
    client = login("shuji_a")
    exe = SimpleUploadedFile("setup.exe", b"MZ\x90\x00" + b"\x00" * 64, content_type="application/octet-stream")
    response = client.post(f"/meetings/{meeting_a.pk}/attachments/", {"kind": "document", "file": exe}, follow=True)
    assert "类型不允许" in response.content.decode()
    assert not MeetingAttachment.objects.exists()


def test_upload_refused_for_dangwei(world, meeting_a, login):
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n", content_type="application/pdf")
    assert login("dangwei").post(f"/meetings/{meeting_a.pk}/attachments/",
                                 {"kind": "document", "file": pdf}).status_code == 403
    assert not MeetingAttachment.objects.exists()


# ---- the member's own page ----------------------------------------------------------------------------------

def test_person_page_shows_attended_and_missed_meetings(world, meeting_a, login):
    missed = _meeting(world.branch_a, title="2026年9月支部委员会")
    Attendance.objects.create(meeting=missed, person=world.member_a, status="absent", reason="出差")
    body = login("shuji_a").get(f"/people/{world.member_a.pk}/").content.decode()
    assert "组织生活记录" in body
    assert meeting_a.title in body
    assert "2026年9月支部委员会" in body
    assert "缺席" in body
