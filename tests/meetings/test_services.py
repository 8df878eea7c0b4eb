"""Meeting services: recording, the checks of the issue's "bad input", lock and revisions, attachments."""

from __future__ import annotations

import datetime
from contextlib import contextmanager

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from branches.meetings import services
from branches.meetings.validation import VoteCounts, motion_passes, quorum_reached, vote_count_problems
from branches.models import (
    AppraisalGrade,
    Attendance,
    Meeting,
    MeetingAttachment,
    MeetingGuest,
    MeetingRevision,
    MeetingStatus,
    MeetingType,
    Vote,
)
from members.models import Person
from tests.factories import PersonFactory

from .conftest import attendance_of, held, meeting_data

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def _counts() -> tuple[int, ...]:
    return (Meeting.objects.count(), Attendance.objects.count(), Vote.objects.count(),
            AppraisalGrade.objects.count(), MeetingGuest.objects.count(), MeetingRevision.objects.count())


@contextmanager
def refused(field: str, *fragments: str):
    """The block raises a ValidationError on `field` whose messages contain every fragment; nothing is saved."""
    before = _counts()
    with pytest.raises(ValidationError) as info:
        yield info
    messages = " ".join(info.value.message_dict.get(field, []))
    for fragment in fragments:
        assert fragment in messages, (fragment, info.value.message_dict)
    assert _counts() == before


def vote(**overrides) -> dict:
    row = {"subject": "张三转为正式党员", "candidate": None, "expected": 5, "present": 5, "yes": 5, "no": 0,
           "abstain": 0, "written_yes": 0, "passed": True}
    row.update(overrides)
    return row


# ---- the vote algorithm (domain.md §1.3) ---------------------------------------------------------------


@pytest.mark.parametrize(("expected", "present", "valid"), [
    (9, 5, True), (9, 4, False), (10, 5, False), (10, 6, True), (1, 1, True), (2, 1, False),
])
def test_quorum_is_more_than_half_of_those_who_should_attend(expected, present, valid):
    assert quorum_reached(expected=expected, present=present) is valid


@pytest.mark.parametrize(("expected", "yes", "written", "passes"), [
    (9, 4, 1, True), (9, 4, 0, False), (9, 5, 0, True), (10, 5, 0, False), (10, 5, 1, True), (10, 6, 0, True),
])
def test_motion_passes_with_more_than_half_of_expected_counting_written_yes(expected, yes, written, passes):
    assert motion_passes(expected=expected, yes=yes, written_yes=written) is passes


@pytest.mark.parametrize(("counts", "fragment"), [
    (VoteCounts(9, 5, 5, 0, 0, 0, True), None),
    (VoteCounts(9, 5, 4, 1, 0, 1, True), None),
    (VoteCounts(9, 5, 4, 1, 0, 0, False), None),
    (VoteCounts(9, 4, 4, 0, 0, 0, False), None),
    (VoteCounts(9, 4, 4, 0, 0, 1, True), "应到 9 人，实到 4 人，未过半数，会议无效，不能形成决议"),
    (VoteCounts(9, 5, 4, 1, 0, 0, True), "应到 9 人，赞成 4 人（其中会前书面赞成 0 人），未超过应到人数的半数，不能记为通过"),
    (VoteCounts(9, 6, 5, 0, 0, 0, False), "已超过应到人数的半数，应记为通过"),
    (VoteCounts(9, 10, 5, 0, 0, 0, True), "实到 10 人，超过应到 9 人"),
    (VoteCounts(9, 5, 4, 1, 1, 0, False), "合计 6 票，超过实到 5 人"),
    (VoteCounts(9, 7, 4, 0, 0, 3, True), "会前书面表示赞成 3 人，超过未到会的有表决权党员 2 人"),
    (VoteCounts(0, 0, 0, 0, 0, 0, False), "须大于 0"),
    (VoteCounts(9, 5, -1, 0, 0, 0, False), "不能为负数"),
])
def test_vote_counts_table(counts, fragment):
    problems = vote_count_problems(counts)
    if fragment is None:
        assert problems == []
    else:
        assert any(fragment in p for p in problems), problems


# ---- recording ----------------------------------------------------------------------------------------------


def test_secretary_records_a_general_assembly_with_attendance_guests_and_a_vote(world, members):
    attendance = attendance_of(members.full) + [
        {"person": members.probationary.pk, "status": "present", "reason": ""},
        {"person": members.suspended.pk, "status": "leave", "reason": "出差"},
    ]
    meeting = services.meeting_create(
        actor=world.shuji_a, organization=world.branch_a,
        data=meeting_data(host=members.shuji_person.pk, recorder=members.full[0]),
        attendance=attendance, guests=[{"name": "陈列", "affiliation": "甲所党委"}],
        votes=[vote(candidate=members.probationary.pk)],
    )
    assert meeting.status == MeetingStatus.DRAFT
    assert meeting.created_by == world.shuji_a
    assert meeting.host == members.shuji_person
    assert meeting.attendance.count() == 7
    assert meeting.attendance.get(person=members.suspended).reason == "出差"
    assert list(meeting.guests.values_list("name", flat=True)) == ["陈列"]
    saved = meeting.votes.get()
    assert (saved.expected, saved.present, saved.yes, saved.passed, saved.candidate) == (
        5, 5, 5, True, members.probationary)
    entry = LogEntry.objects.get_for_object(meeting).get()
    assert entry.actor == world.shuji_a
    assert LogEntry.objects.filter(content_type__model="attendance", actor=world.shuji_a).count() == 7
    assert LogEntry.objects.filter(content_type__model="vote", actor=world.shuji_a).count() == 1


def test_party_group_meeting_is_recorded_on_the_group(world, members):
    meeting = services.meeting_create(
        actor=world.shuji_a, organization=world.group_a,
        data=meeting_data(meeting_type=MeetingType.GROUP, title="党小组学习"),
        attendance=attendance_of([members.group_member, members.full[0]]),
    )
    assert meeting.organization == world.group_a
    assert meeting.attendance.count() == 2


def test_a_meeting_earlier_today_is_accepted(world, members):
    now = timezone.localtime()
    meeting = services.meeting_create(actor=world.shuji_a, organization=world.branch_a,
                                      data=meeting_data(held_at=now.replace(hour=0, minute=5)))
    assert meeting.pk


@pytest.mark.parametrize(("persona", "exc"), [("dangwei", PermissionDenied), ("dangyuan", Http404),
                                              ("shuji_b", Http404), ("outsider", Http404)])
def test_recording_needs_log_meetings_in_scope(world, members, persona, exc):
    before = _counts()
    with pytest.raises(exc):
        services.meeting_create(actor=world.users[persona], organization=world.branch_a, data=meeting_data())
    assert _counts() == before


def test_xuanchuan_and_institute_secretary_may_record(world, members):
    meeting = services.meeting_create(actor=world.xuanchuan_a, organization=world.branch_a,
                                      data=meeting_data(meeting_type=MeetingType.THEME_DAY, title="主题党日"))
    assert meeting.created_by == world.xuanchuan_a


# ---- bad input: a clear Chinese message and nothing saved -----------------------------------------------


def test_future_meeting_marked_held_is_refused(world, members):
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    with refused("held_at", "在今天之后", "只登记已经召开的会议"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a,
                                data=meeting_data(held_at=tomorrow), attendance=attendance_of(members.full))


def test_end_before_start_is_refused(world, members):
    with refused("ends_at", "结束时间不能早于开始时间"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a,
                                data=meeting_data(ends_at=held() - datetime.timedelta(hours=1)),
                                attendance=attendance_of(members.full))


def test_group_meeting_on_a_branch_is_refused(world, members):
    with refused("meeting_type", "党小组会应记录在党小组下"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a,
                                data=meeting_data(meeting_type=MeetingType.GROUP))


def test_branch_meeting_on_a_group_is_refused(world, members):
    with refused("meeting_type", "支部党员大会应记录在党支部"):
        services.meeting_create(actor=world.shuji_a, organization=world.group_a, data=meeting_data())


def test_committee_meeting_of_a_branch_without_committee_is_refused(world, members):
    with refused("meeting_type", "本支部未设支部委员会"):
        services.meeting_create(actor=world.shuji_b, organization=world.branch_b,
                                data=meeting_data(meeting_type=MeetingType.COMMITTEE))


def test_attendance_of_someone_outside_the_branch_is_refused(world, members):
    with refused("attendance", "李四", "不是“第一党支部”的人员"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=meeting_data(),
                                attendance=attendance_of([*members.full, world.member_b]))


def test_attendance_of_a_missing_person_or_twice_is_refused(world, members):
    with refused("attendance", "第 2 行：人员不存在", "张三 重复登记"):
        services.meeting_create(
            actor=world.shuji_a, organization=world.branch_a, data=meeting_data(),
            attendance=[{"person": world.member_a.pk, "status": "present"}, {"person": 999999, "status": "present"},
                        {"person": world.member_a.pk, "status": "absent"}],
        )


def test_probationary_member_counted_as_voting_is_refused(world, members):
    attendance = attendance_of([*members.full, members.probationary])
    with refused("votes", "钱堃（是预备党员）", "没有表决权", "应到会有表决权的正式党员为 6 人"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=meeting_data(),
                                attendance=attendance, votes=[vote(expected=6, present=6, yes=6)])


def test_suspended_member_counted_as_present_voter_is_refused(world, members):
    attendance = attendance_of([*members.full[:4], members.suspended]) + [
        {"person": members.full[4].pk, "status": "absent", "reason": "病假"}]
    with refused("votes", "孙丽（党员权利被停止或处于留党察看期）", "不能计入实到人数"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=meeting_data(),
                                attendance=attendance, votes=[vote(expected=5, present=5, yes=5)])


def test_counts_that_do_not_add_up_are_refused(world, members):
    with refused("votes", "合计 6 票，超过实到 5 人"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=meeting_data(),
                                attendance=attendance_of(members.full), votes=[vote(yes=4, no=1, abstain=1)])


def test_quorum_not_reached_but_recorded_as_passed_is_refused(world, members):
    with refused("votes", "应到 9 人，实到 4 人，未过半数，会议无效，不能形成决议"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=meeting_data(),
                                votes=[vote(expected=9, present=4, yes=4, written_yes=1, passed=True)])


def test_passed_without_enough_yes_is_refused_and_enough_with_written_yes_passes(world, members):
    with refused("votes", "未超过应到人数的半数，不能记为通过"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=meeting_data(),
                                votes=[vote(expected=9, present=5, yes=4, no=1, passed=True)])
    meeting = services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=meeting_data(),
                                      votes=[vote(expected=9, present=5, yes=4, no=1, written_yes=1, passed=True)])
    assert meeting.votes.get().passed is True


def test_present_must_match_the_attendance_list(world, members):
    attendance = attendance_of(members.full[:3]) + attendance_of(members.full[3:], status="absent")
    with refused("votes", "实到 5 人，但出勤名单中到会的有表决权的正式党员为 3 人"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=meeting_data(),
                                attendance=attendance, votes=[vote()])


def test_votes_are_only_taken_by_the_general_assembly(world, members):
    with refused("votes", "只有支部党员大会可以登记表决"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a,
                                data=meeting_data(meeting_type=MeetingType.COMMITTEE),
                                attendance=attendance_of(members.full), votes=[vote()])


def test_vote_about_someone_outside_the_branch_is_refused(world, members):
    with refused("votes", "李四 不是“第一党支部”的人员"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=meeting_data(),
                                attendance=attendance_of(members.full), votes=[vote(candidate=world.member_b.pk)])


def test_lecture_needs_lecturer_and_title(world, members):
    with refused("lecturer", "党课须填写授课人"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a,
                                data=meeting_data(meeting_type=MeetingType.LECTURE, lecture_title="党史"))
    with refused("lecture_title", "党课须填写党课题目"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a,
                                data=meeting_data(meeting_type=MeetingType.LECTURE, lecturer="张书记"))


def test_life_meeting_needs_a_problem_list(world, members):
    with refused("problems", "组织生活会须填写问题清单"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a,
                                data=meeting_data(meeting_type=MeetingType.LIFE_MEETING))
    meeting = services.meeting_create(actor=world.shuji_a, organization=world.branch_a,
                                      data=meeting_data(meeting_type=MeetingType.LIFE_MEETING, problems="学习不够"))
    assert meeting.problems == "学习不够"


def test_host_from_another_branch_and_missing_title_are_refused(world, members):
    with refused("host", "李四 不是“第一党支部”的人员"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a,
                                data=meeting_data(host=world.member_b.pk))
    with refused("title"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=meeting_data(title=""))


def _grades(people, grades):
    return [{"person": p.pk, "grade": g} for p, g in zip(people, grades, strict=True)]


def test_appraisal_grades_limit_excellent_to_a_third(world, members):
    data = meeting_data(meeting_type=MeetingType.APPRAISAL, title="民主评议党员")
    with refused("grades", "参加评议 5 人，评为优秀 2 人，超过三分之一（最多 1 人）"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=data,
                                grades=_grades(members.full, ["excellent", "excellent", "qualified", "qualified",
                                                              "basic"]))
    meeting = services.meeting_create(
        actor=world.shuji_a, organization=world.branch_a, data=data,
        grades=_grades([*members.full, members.probationary],
                       ["excellent", "excellent", "qualified", "qualified", "basic", "qualified"]))
    assert meeting.grades.filter(grade="excellent").count() == 2


def test_appraisal_grades_only_for_members_of_the_branch_once(world, members):
    data = meeting_data(meeting_type=MeetingType.APPRAISAL, title="民主评议党员")
    masses = PersonFactory(organization=world.branch_a, name="钱群众")
    with refused("grades", "李四 不是“第一党支部”的党员", "钱群众 不是“第一党支部”的党员", "张三 重复评议"):
        services.meeting_create(
            actor=world.shuji_a, organization=world.branch_a, data=data,
            grades=_grades([world.member_b, masses, world.member_a, world.member_a],
                           ["qualified", "qualified", "qualified", "basic"]))


def test_grades_only_on_appraisal(world, members):
    with refused("grades", "只有民主评议党员可以登记评议等次"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=meeting_data(),
                                grades=_grades(members.full[:1], ["qualified"]))


def test_unknown_fields_are_refused(world, members):
    with refused("status", "未知字段"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a,
                                data=meeting_data(status="confirmed"))


# ---- default attendees ------------------------------------------------------------------------------------


def test_default_attendees_by_meeting_type(world, members, xuanchuan_person):
    committee = services.default_attendees(organization=world.branch_a, meeting_type=MeetingType.COMMITTEE)
    assert {p.name for p in committee} == {members.shuji_person.name, xuanchuan_person.name}
    group = services.default_attendees(organization=world.group_a, meeting_type=MeetingType.GROUP)
    assert group == [members.group_member]
    everyone = services.default_attendees(organization=world.branch_a, meeting_type=MeetingType.GENERAL_ASSEMBLY)
    assert set(everyone) == {*members.full, members.probationary, members.suspended, xuanchuan_person}
    assert services.default_attendees(organization=world.branch_b, meeting_type=MeetingType.COMMITTEE) == []


def test_ended_roles_do_not_make_committee_members(world, members):
    role = world.shuji_a.portal_roles.get()
    role.ends_on = timezone.localdate() - datetime.timedelta(days=1)
    role.save(update_fields=["ends_on"])
    assert services.default_attendees(organization=world.branch_a, meeting_type=MeetingType.COMMITTEE) == []


# ---- confirm, lock, revisions ----------------------------------------------------------------------------


def test_draft_changes_freely_without_revision(world, members, make_meeting):
    meeting = make_meeting()
    services.meeting_update(actor=world.shuji_a, meeting=meeting, data={"title": "新主题"})
    meeting.refresh_from_db()
    assert meeting.title == "新主题"
    assert MeetingRevision.objects.count() == 0


def test_host_without_a_role_confirms_and_the_record_locks(world, members, make_meeting):
    dangyuan_person = Person.objects.get(user=world.dangyuan)
    meeting = make_meeting(host=dangyuan_person.pk)
    services.meeting_confirm(actor=world.dangyuan, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED
    assert meeting.confirmed_by == world.dangyuan
    assert meeting.confirmed_at is not None
    assert meeting.is_locked
    with pytest.raises(ValidationError, match="无须再次确认"):
        services.meeting_confirm(actor=world.shuji_a, meeting=meeting)


def test_confirm_by_someone_neither_host_nor_recorder(world, members, make_meeting):
    meeting = make_meeting()
    with pytest.raises(PermissionDenied):
        services.meeting_confirm(actor=world.dangwei, meeting=meeting)
    with pytest.raises(Http404):
        services.meeting_confirm(actor=world.shuji_b, meeting=meeting)
    with pytest.raises(Http404):
        services.meeting_confirm(actor=world.dangyuan, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT
    services.meeting_confirm(actor=world.xuanchuan_a, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.confirmed_by == world.xuanchuan_a


def test_locked_record_edit_without_reason_is_refused(world, members, make_meeting):
    meeting = make_meeting()
    services.meeting_confirm(actor=world.shuji_a, meeting=meeting)
    with refused("reason", "该记录已确认锁定，修改须填写修改原因"):
        services.meeting_update(actor=world.shuji_a, meeting=meeting, data={"title": "改了"},
                                attendance=attendance_of(members.full[:2]))
    meeting.refresh_from_db()
    assert meeting.title == "讨论张三转正"
    assert meeting.attendance.count() == 5


def test_locked_record_edit_with_reason_leaves_a_revision(world, members, make_meeting):
    meeting = make_meeting(votes=None)
    services.meeting_confirm(actor=world.shuji_a, meeting=meeting)
    attendance = attendance_of(members.full[:4]) + [
        {"person": members.full[4].pk, "status": "leave", "reason": "出差"},
        {"person": members.probationary.pk, "status": "present"},
    ]
    services.meeting_update(actor=world.shuji_a, meeting=meeting, data={"title": "讨论转正", "place": "线上"},
                            attendance=attendance, reason="补记请假人员")
    revision = meeting.revisions.get()
    assert revision.reason == "补记请假人员"
    assert revision.changed_by == world.shuji_a
    assert revision.changes["title"] == ["讨论张三转正", "讨论转正"]
    assert revision.changes["place"] == ["302 会议室", "线上"]
    assert revision.changes["attendance"]["changed"] == [f"{members.full[4].name}：出席 → 请假"]
    assert revision.changes["attendance"]["added"] == ["钱堃（出席）"]
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED
    assert LogEntry.objects.get_for_object(meeting).filter(actor=world.shuji_a).count() >= 3


def test_update_votes_are_checked_against_stored_attendance(world, members, make_meeting):
    meeting = make_meeting()
    with refused("votes", "应到会有表决权的正式党员为 6 人，但出勤名单中有表决权的正式党员为 5 人"):
        services.meeting_update(actor=world.shuji_a, meeting=meeting, data={},
                                votes=[vote(expected=6, present=5)])
    services.meeting_update(actor=world.shuji_a, meeting=meeting, data={}, votes=[vote()])
    assert meeting.votes.count() == 1


def test_update_needs_log_meetings(world, members, make_meeting):
    meeting = make_meeting()
    with pytest.raises(PermissionDenied):
        services.meeting_update(actor=world.dangwei, meeting=meeting, data={"title": "x"})
    with pytest.raises(Http404):
        services.meeting_update(actor=world.shuji_b, meeting=meeting, data={"title": "x"})


def test_update_changing_type_rechecks_everything(world, members, make_meeting):
    meeting = make_meeting(votes=None)
    services.meeting_update(actor=world.shuji_a, meeting=meeting, data={}, votes=[vote()])
    with refused("votes", "只有支部党员大会可以登记表决"):
        services.meeting_update(actor=world.shuji_a, meeting=meeting, data={"meeting_type": MeetingType.STUDY})


# ---- attachments ----------------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_attachments_photo_and_pdf_are_stored(world, members, make_meeting, media):
    meeting = make_meeting()
    photo = services.attachment_add(actor=world.shuji_a, meeting=meeting,
                                    uploaded_file=SimpleUploadedFile("签到.PNG", PNG), kind="sign_in")
    pdf = services.attachment_add(actor=world.shuji_a, meeting=meeting,
                                  uploaded_file=SimpleUploadedFile("纪要.pdf", PDF), kind="document")
    assert photo.content_type == "image/png"
    assert photo.size == len(PNG)
    assert photo.original_name == "签到.PNG"
    assert pdf.content_type == "application/pdf"
    assert (media / photo.file.name).read_bytes() == PNG
    services.attachment_delete(actor=world.shuji_a, attachment=pdf)
    assert list(meeting.attachments.all()) == [photo]


@pytest.mark.parametrize(("name", "content", "fragment"), [
    ("报告.exe", b"MZ\x90\x00" * 10, "类型不允许"),
    ("照片.png", b"<html>not an image</html>", "内容与扩展名不符"),
    ("照片.jpg", PNG, "内容与扩展名不符"),
    ("空.pdf", b"", "空文件"),
])
def test_uploads_of_the_wrong_type_are_refused(world, members, make_meeting, media, name, content, fragment):
    meeting = make_meeting()
    with pytest.raises(ValidationError) as info:
        services.attachment_add(actor=world.shuji_a, meeting=meeting,
                                uploaded_file=SimpleUploadedFile(name, content), kind="photo")
    assert fragment in info.value.message_dict["file"][0]
    assert MeetingAttachment.objects.count() == 0
    assert not any(media.rglob("*.*"))


def test_uploads_too_large_are_refused(world, members, make_meeting, media, settings):
    settings.PORTAL_MEETING_ATTACHMENT_MAX_MB = 0.001
    meeting = make_meeting()
    with pytest.raises(ValidationError) as info:
        services.attachment_add(actor=world.shuji_a, meeting=meeting,
                                uploaded_file=SimpleUploadedFile("大.pdf", PDF + b"0" * 2000), kind="document")
    assert "不能超过 0.001 MB" in info.value.message_dict["file"][0]
    assert MeetingAttachment.objects.count() == 0


def test_attachments_need_log_meetings(world, members, make_meeting, media):
    meeting = make_meeting()
    with pytest.raises(PermissionDenied):
        services.attachment_add(actor=world.dangwei, meeting=meeting,
                                uploaded_file=SimpleUploadedFile("a.png", PNG), kind="photo")
    with pytest.raises(Http404):
        services.attachment_add(actor=world.shuji_b, meeting=meeting,
                                uploaded_file=SimpleUploadedFile("a.png", PNG), kind="photo")
    assert MeetingAttachment.objects.count() == 0


def test_attachments_of_a_confirmed_record_leave_revisions(world, members, make_meeting, media):
    meeting = make_meeting()
    services.meeting_confirm(actor=world.shuji_a, meeting=meeting)
    photo = services.attachment_add(actor=world.shuji_a, meeting=meeting,
                                    uploaded_file=SimpleUploadedFile("合影.png", PNG), kind="photo")
    assert meeting.revisions.get().changes == {"attachments": {"added": ["合影.png"]}}
    with pytest.raises(ValidationError, match="删除附件须填写原因"):
        services.attachment_delete(actor=world.shuji_a, attachment=photo)
    assert MeetingAttachment.objects.count() == 1
    services.attachment_delete(actor=world.shuji_a, attachment=photo, reason="传错了照片")
    assert MeetingAttachment.objects.count() == 0
    latest = meeting.revisions.order_by("-id").first()
    assert (latest.reason, latest.changes) == ("传错了照片", {"attachments": {"removed": ["合影.png"]}})


def test_type_change_shows_labels_in_the_revision(world, members, make_meeting):
    meeting = make_meeting()
    services.meeting_confirm(actor=world.shuji_a, meeting=meeting)
    services.meeting_update(actor=world.shuji_a, meeting=meeting, data={"meeting_type": MeetingType.STUDY},
                            reason="类型选错")
    assert meeting.revisions.get().changes["meeting_type"] == ["支部党员大会", "学习研讨"]


def test_held_at_as_text_is_parsed_and_checked(world, members):
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat() + " 09:00"
    with refused("held_at", "在今天之后"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=meeting_data(held_at=future))
    with refused("held_at", "请输入有效的日期时间"):
        services.meeting_create(actor=world.shuji_a, organization=world.branch_a, data=meeting_data(held_at="昨天"))
    past = (timezone.localdate() - datetime.timedelta(days=3)).isoformat() + " 09:00"
    meeting = services.meeting_create(actor=world.shuji_a, organization=world.branch_a,
                                      data=meeting_data(held_at=past))
    assert timezone.localtime(meeting.held_at).hour == 9


def test_excellent_share_comes_from_the_rule_set_in_force(world, members):
    from branches.models import RuleDomain, RuleSet

    RuleSet.objects.create(domain=RuleDomain.MEETINGS, name="本院细则", effective_from=datetime.date(2020, 1, 1),
                           parameters={"appraisal_excellent_max_ratio": "1/2"})
    grades = _grades(members.full, ["excellent", "excellent", "qualified", "qualified", "basic"])
    meeting = services.meeting_create(actor=world.shuji_a, organization=world.branch_a, grades=grades,
                                      data=meeting_data(meeting_type=MeetingType.APPRAISAL, title="民主评议党员"))
    assert meeting.grades.filter(grade="excellent").count() == 2
    with refused("grades", "超过1/2（最多 2 人）"):
        services.meeting_create(
            actor=world.shuji_a, organization=world.branch_a,
            data=meeting_data(meeting_type=MeetingType.APPRAISAL, title="民主评议党员"),
            grades=_grades(members.full, ["excellent", "excellent", "excellent", "qualified", "basic"]))
