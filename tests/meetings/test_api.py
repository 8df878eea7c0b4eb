"""The meetings API: the same services, validation and scope as the pages."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from branches.models import Attendance, Meeting, MeetingAttachment, MeetingRevision, MeetingStatus, Vote
from members.models import Person

from .conftest import attendance_of, held

URL = "/api/v1/meetings/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def payload(world, members, **overrides):
    body = {
        "organization": world.branch_a.pk,
        "meeting_type": "general_assembly",
        "title": "讨论钱堃转正",
        "held_at": held().isoformat(),
        "place": "302 会议室",
        "host": members.shuji_person.pk,
        "attendance": attendance_of(members.full) + [{"person": members.probationary.pk, "status": "present"}],
        "guests": [{"name": "陈列", "affiliation": "甲所党委"}],
        "votes": [{"subject": "钱堃转为正式党员", "candidate": members.probationary.pk, "expected": 5, "present": 5,
                   "yes": 5, "no": 0, "abstain": 0, "passed": True}],
    }
    body.update(overrides)
    return body


def _counts():
    return Meeting.objects.count(), Attendance.objects.count(), Vote.objects.count()


def test_secretary_records_a_meeting_through_the_api(world, members, login):
    client = login("shuji_a")
    response = client.post(URL, payload(world, members), content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["organization_name"] == "第一党支部"
    assert len(body["attendance"]) == 6
    assert {row["person_name"]: row["has_vote"] for row in body["attendance"]}["钱堃"] is False
    assert body["votes"][0]["passed"] is True
    assert body["guests"] == [{"name": "陈列", "affiliation": "甲所党委"}]


@pytest.mark.parametrize(("persona", "expected"), [
    ("admin", 201), ("xuanchuan_a", 201), ("dangwei", 403), ("dangyuan", 404), ("shuji_b", 404), ("outsider", 404),
])
def test_create_personas(world, members, login, persona, expected):
    client = login(persona)
    response = client.post(URL, payload(world, members), content_type="application/json")
    assert response.status_code == expected
    assert Meeting.objects.count() == (1 if expected == 201 else 0)


def test_anonymous_gets_nothing(world, members, client, make_meeting):
    meeting = make_meeting()
    assert client.get(URL).status_code == 403
    assert client.post(URL, payload(world, members), content_type="application/json").status_code == 403
    assert client.get(f"{URL}{meeting.pk}/").status_code == 403
    assert client.post(f"{URL}{meeting.pk}/confirm/").status_code == 403


@pytest.mark.parametrize(("overrides", "field", "fragment"), [
    ({"held_at": (timezone.localtime() + datetime.timedelta(days=2)).isoformat()}, "held_at", "在今天之后"),
    ({"votes": [{"subject": "转正", "expected": 9, "present": 4, "yes": 4, "no": 0, "abstain": 0, "written_yes": 1,
                 "passed": True}], "attendance": []},
     "votes", "应到 9 人，实到 4 人，未过半数，会议无效，不能形成决议"),
    ({"meeting_type": "group"}, "meeting_type", "党小组会应记录在党小组下"),
    ({"unknown": 1}, "unknown", "未知字段"),
    ({"votes": [{"subject": "x", "expected": 5, "present": 5, "yes": 5, "no": 0, "abstain": 0, "passed": True,
                 "extra": 1}]}, "votes", "未知字段"),
])
def test_bad_input_is_refused_with_chinese_messages_and_nothing_saved(world, members, login, overrides, field,
                                                                        fragment):
    client = login("shuji_a")
    response = client.post(URL, payload(world, members, **overrides), content_type="application/json")
    assert response.status_code == 400
    assert fragment in str(response.json()[field])
    assert _counts() == (0, 0, 0)


def test_attendance_outside_the_branch_names_the_person(world, members, login):
    client = login("shuji_a")
    body = payload(world, members)
    body["attendance"].append({"person": world.member_other.pk, "status": "present"})
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "王五" in response.json()["attendance"][0]
    assert _counts() == (0, 0, 0)


def test_list_is_scoped_and_filtered(world, members, login, make_meeting):
    a1 = make_meeting(title="A1", held_at=held(days_ago=40))
    a2 = make_meeting(title="A2", meeting_type="theme_day", held_at=held(days_ago=2))
    make_meeting(title="B1", organization=world.branch_b, attendance=[], actor=world.shuji_b)
    client = login("shuji_a")
    body = client.get(URL).json()
    assert [row["title"] for row in body["results"]] == ["A2", "A1"]
    assert body["results"][0]["present_count"] == 5
    assert [r["id"] for r in client.get(URL, {"meeting_type": "theme_day"}).json()["results"]] == [a2.pk]
    since = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    assert [r["id"] for r in client.get(URL, {"date_from": since}).json()["results"]] == [a2.pk]
    until = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    assert [r["id"] for r in client.get(URL, {"date_to": until}).json()["results"]] == [a1.pk]
    assert [r["title"] for r in login("dangwei").get(URL).json()["results"]] == ["B1", "A2", "A1"]
    assert [r["title"] for r in login("dangwei").get(URL, {"organization": world.branch_b.pk}).json()["results"]] \
        == ["B1"]
    assert login("shuji_b").get(URL, {"organization": world.branch_a.pk}).json()["results"] == []
    assert login("outsider").get(URL).json()["results"] == []
    assert login("dangyuan").get(URL).status_code == 403


def test_list_query_count_is_constant(world, members, login, make_meeting, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("dangwei")
    for n in range(5):
        make_meeting(title=f"m{n}")
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).json()["count"] == 5
    for n in range(25):
        make_meeting(title=f"n{n}")
    with CaptureQueriesContext(connection) as large:
        assert client.get(URL).json()["count"] == 30
    assert len(large) == len(small)


@pytest.mark.parametrize(("persona", "expected"), [
    ("admin", 200), ("zuzhibu", 200), ("dangwei", 200), ("shuji_a", 200), ("xuanchuan_a", 200),
    ("shuji_b", 404), ("outsider", 404), ("dangyuan", 404),
])
def test_detail_personas(world, members, login, make_meeting, persona, expected):
    meeting = make_meeting()
    response = login(persona).get(f"{URL}{meeting.pk}/")
    assert response.status_code == expected
    if expected == 200:
        assert len(response.json()["attendance"]) == 5


def test_patch_locked_meeting_needs_a_reason(world, members, login, make_meeting):
    meeting = make_meeting()
    client = login("shuji_a")
    assert client.post(f"{URL}{meeting.pk}/confirm/").json()["status"] == MeetingStatus.CONFIRMED
    response = client.patch(f"{URL}{meeting.pk}/", {"title": "改"}, content_type="application/json")
    assert response.status_code == 400
    assert "修改须填写修改原因" in response.json()["reason"][0]
    meeting.refresh_from_db()
    assert meeting.title == "讨论张三转正"
    response = client.patch(f"{URL}{meeting.pk}/", {"title": "改", "reason": "笔误"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["revisions"][0]["reason"] == "笔误"
    assert response.json()["revisions"][0]["changes"] == {"title": ["讨论张三转正", "改"]}
    assert MeetingRevision.objects.count() == 1


@pytest.mark.parametrize(("persona", "expected"), [
    ("shuji_a", 200), ("dangwei", 403), ("shuji_b", 404), ("dangyuan", 404),
])
def test_patch_personas(world, members, login, make_meeting, persona, expected):
    meeting = make_meeting()
    response = login(persona).patch(f"{URL}{meeting.pk}/", {"title": "新"}, content_type="application/json")
    assert response.status_code == expected
    meeting.refresh_from_db()
    assert (meeting.title == "新") is (expected == 200)


@pytest.mark.parametrize(("persona", "expected"), [
    ("shuji_a", 200), ("xuanchuan_a", 200), ("dangwei", 403), ("shuji_b", 404), ("outsider", 404),
    ("dangyuan", 404),
])
def test_confirm_personas(world, members, login, make_meeting, persona, expected):
    meeting = make_meeting()
    assert login(persona).post(f"{URL}{meeting.pk}/confirm/").status_code == expected
    meeting.refresh_from_db()
    assert meeting.is_locked is (expected == 200)


def test_host_without_role_confirms_through_the_api(world, members, login, make_meeting):
    meeting = make_meeting(host=Person.objects.get(user=world.dangyuan).pk)
    assert login("dangyuan").post(f"{URL}{meeting.pk}/confirm/").status_code == 200
    meeting.refresh_from_db()
    assert meeting.confirmed_by == world.dangyuan


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("persona", "expected"), [
    ("shuji_a", 201), ("dangwei", 403), ("shuji_b", 404), ("dangyuan", 404),
])
def test_attachment_upload_personas(world, members, login, make_meeting, media, persona, expected):
    meeting = make_meeting()
    response = login(persona).post(f"{URL}{meeting.pk}/attachments/",
                                   {"file": SimpleUploadedFile("签到.png", PNG), "kind": "sign_in"})
    assert response.status_code == expected
    assert MeetingAttachment.objects.count() == (1 if expected == 201 else 0)
    if expected == 201:
        assert response.json()["content_type"] == "image/png"


def test_attachment_of_wrong_type_is_refused(world, members, login, make_meeting, media):
    meeting = make_meeting()
    response = login("shuji_a").post(f"{URL}{meeting.pk}/attachments/",
                                     {"file": SimpleUploadedFile("照片.png", b"GIF89a not really"), "kind": "photo"})
    assert response.status_code == 400
    assert "内容与扩展名不符" in response.json()["file"][0]
    assert MeetingAttachment.objects.count() == 0


def test_attachment_delete(world, members, login, make_meeting, media):
    meeting = make_meeting()
    client = login("shuji_a")
    attachment_id = client.post(f"{URL}{meeting.pk}/attachments/",
                                {"file": SimpleUploadedFile("a.png", PNG), "kind": "photo"}).json()["id"]
    assert login("dangwei").delete(f"{URL}{meeting.pk}/attachments/{attachment_id}/").status_code == 403
    assert login("shuji_b").delete(f"{URL}{meeting.pk}/attachments/{attachment_id}/").status_code == 404
    assert login("shuji_a").delete(f"{URL}{meeting.pk}/attachments/{attachment_id}/").status_code == 204
    assert MeetingAttachment.objects.count() == 0


def test_default_attendees(world, members, login, xuanchuan_person):
    client = login("shuji_a")
    response = client.get(f"{URL}default-attendees/", {"organization": world.branch_a.pk,
                                                       "meeting_type": "committee"})
    assert response.status_code == 200
    assert {row["name"] for row in response.json()} == {members.shuji_person.name, "冯宣"}
    response = client.get(f"{URL}default-attendees/", {"organization": world.group_a.pk, "meeting_type": "group"})
    assert [row["name"] for row in response.json()] == [members.group_member.name]
    everyone = client.get(f"{URL}default-attendees/", {"organization": world.branch_a.pk,
                                                       "meeting_type": "general_assembly"}).json()
    votes = {row["name"]: row["has_vote"] for row in everyone}
    assert (votes["钱堃"], votes["孙丽"], votes["张三"]) == (False, False, True)
    assert client.get(f"{URL}default-attendees/", {"meeting_type": "x"}).status_code == 400
    assert login("dangwei").get(f"{URL}default-attendees/", {"organization": world.branch_a.pk,
                                                             "meeting_type": "committee"}).status_code == 403
    assert login("shuji_b").get(f"{URL}default-attendees/", {"organization": world.branch_a.pk,
                                                             "meeting_type": "committee"}).status_code == 404
