import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from branches.models import (
    MeetingType,
    NoticeRecipient,
    NoticeReminder,
    NoticeStatus,
    NoticeSubmission,
    OrgType,
    RequirementKind,
    WorkNotice,
)
from branches.notices import services
from tests.factories import make_org

from .helpers import issued_notice, items, meeting, pdf

pytestmark = pytest.mark.django_db


def _later(days: int):
    return time_machine.travel(timezone.now() + datetime.timedelta(days=days))


def test_committee_member_issues_to_open_branches_under_the_institute(world):
    closed = make_org(world.institute, org_type=OrgType.BRANCH, name="已撤销支部", short_name="撤销支部")
    closed.closed_on = timezone.localdate()
    closed.save()
    notice = issued_notice(world)
    assert notice.status == NoticeStatus.ISSUED
    assert notice.issued_by == world.dangwei
    recipients = set(NoticeRecipient.objects.filter(notice=notice).values_list("organization", flat=True))
    assert recipients == {world.branch_a.pk, world.branch_b.pk}
    # A branch founded after the notice went out is not a recipient.
    make_org(world.institute, org_type=OrgType.BRANCH, name="新支部", short_name="新支部")
    assert NoticeRecipient.objects.filter(notice=notice).count() == 2


def test_branch_secretary_cannot_issue(world):
    with pytest.raises(Http404):
        services.notice_create(actor=world.shuji_a, organization=world.institute, title="x",
                               items=[services.ItemData(title="a", deadline=timezone.localdate())])
    assert not WorkNotice.objects.exists()


def test_notice_needs_a_committee_and_items(world):
    with pytest.raises(ValidationError) as exc:
        services.notice_create(actor=world.admin, organization=world.branch_a, title="x",
                               items=[services.ItemData(title="a", deadline=timezone.localdate())])
    assert "党委或党总支" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.notice_create(actor=world.dangwei, organization=world.institute, title="x", items=[])
    assert "至少填写一项" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.notice_create(actor=world.dangwei, organization=world.institute, title="x", items=[
            services.ItemData(title="开会", deadline=timezone.localdate(), requirement=RequirementKind.MEETING_HELD)])
    assert "会议类型" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.notice_create(actor=world.dangwei, organization=world.institute, title="x", items=[
            services.ItemData(title="过期", deadline=timezone.localdate() - datetime.timedelta(days=1))])
    assert "不能早于今天" in str(exc.value)
    assert not WorkNotice.objects.exists()


def test_issued_notice_cannot_be_edited_or_issued_twice(world):
    notice = issued_notice(world)
    with pytest.raises(ValidationError, match="已下发"):
        services.notice_update(actor=world.dangwei, notice=notice, title="改", items=[
            services.ItemData(title="a", deadline=timezone.localdate())])
    with pytest.raises(ValidationError, match="已经下发"):
        services.notice_issue(actor=world.dangwei, notice=notice)
    notice.refresh_from_db()
    assert notice.title == "党支部工作提示"


def test_shuji_a_answers_before_the_deadline_not_late(world):
    notice = issued_notice(world)
    report, *_ = items(notice)
    sub = services.submission_create(actor=world.shuji_a, item=report, organization=world.branch_a,
                                     data={"text": "10月20日组织学习二十大报告，全体党员参加。"})
    assert sub.late is False
    assert sub.submitted_by == world.shuji_a


def test_late_submission_is_marked_late(world):
    notice = issued_notice(world, days=2)
    report, *_ = items(notice)
    with _later(3):
        sub = services.submission_create(actor=world.shuji_a, item=report, organization=world.branch_a,
                                         data={"text": "补交"})
    assert sub.late is True


def test_deadline_day_itself_is_on_time(world):
    notice = issued_notice(world, days=1)
    report, *_ = items(notice)
    with _later(1):
        sub = services.submission_create(actor=world.shuji_a, item=report, organization=world.branch_a,
                                         data={"text": "按时"})
    assert sub.late is False


def test_resubmission_replaces_before_deadline_and_is_refused_after(world):
    notice = issued_notice(world, days=2)
    report, *_ = items(notice)
    services.submission_create(actor=world.shuji_a, item=report, organization=world.branch_a, data={"text": "一稿"})
    services.submission_create(actor=world.shuji_a, item=report, organization=world.branch_a, data={"text": "二稿"})
    assert list(NoticeSubmission.objects.values_list("text", flat=True)) == ["二稿"]
    with _later(5), pytest.raises(ValidationError, match="截止日期已过"):
        services.submission_create(actor=world.shuji_a, item=report, organization=world.branch_a,
                                   data={"text": "三稿"})
    assert list(NoticeSubmission.objects.values_list("text", flat=True)) == ["二稿"]


def test_written_report_needs_text(world):
    report, *_ = items(issued_notice(world))
    with pytest.raises(ValidationError, match="书面报告"):
        services.submission_create(actor=world.shuji_a, item=report, organization=world.branch_a, data={"text": " "})
    assert not NoticeSubmission.objects.exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("病毒.exe", b"MZ\x90\x00", "只能上传"),
    ("假的.pdf", b"<html>not a pdf</html>", "内容与扩展名不符"),
    ("照片.png", b"\xff\xd8\xff\xe0JPEG", "内容与扩展名不符"),
])
def test_wrong_file_type_is_refused(world, name, content, message):
    _, file_item, _ = items(issued_notice(world))
    with pytest.raises(ValidationError) as exc:
        services.submission_create(actor=world.shuji_a, item=file_item, organization=world.branch_a, data={},
                                   file=SimpleUploadedFile(name, content))
    assert message in str(exc.value)
    assert not NoticeSubmission.objects.exists()


def test_too_large_file_is_refused(world, settings):
    settings.PORTAL_NOTICE_FILE_MAX_MB = 1
    _, file_item, _ = items(issued_notice(world))
    with pytest.raises(ValidationError, match="不能超过 1 MB"):
        services.submission_create(actor=world.shuji_a, item=file_item, organization=world.branch_a, data={},
                                   file=pdf(content=b"%PDF-" + b"0" * (1024 * 1024)))
    assert not NoticeSubmission.objects.exists()


def test_file_item_accepts_a_real_pdf(world):
    _, file_item, _ = items(issued_notice(world))
    sub = services.submission_create(actor=world.shuji_a, item=file_item, organization=world.branch_a, data={},
                                     file=pdf("计划表.pdf"))
    assert sub.file
    assert sub.content_type == "application/pdf"
    assert sub.original_name == "计划表.pdf"
    with pytest.raises(ValidationError, match="请选择文件"):
        services.submission_create(actor=world.shuji_b, item=file_item, organization=world.branch_b, data={})


def test_meeting_item_needs_own_meeting_of_that_type_held_after_issue(world):
    old = meeting(world.branch_a, days_ago=30)
    notice = issued_notice(world)
    *_, meeting_item = items(notice)
    wrong_type = meeting(world.branch_a, MeetingType.GROUP)
    other_branch = meeting(world.branch_b)
    for bad in (None, old.pk, wrong_type.pk, other_branch.pk):
        with pytest.raises(ValidationError) as exc:
            services.submission_create(actor=world.shuji_a, item=meeting_item, organization=world.branch_a,
                                       data={"meeting": bad})
        assert "支部委员会" in str(exc.value) or "下发之后" in str(exc.value)
    assert not NoticeSubmission.objects.exists()
    good = meeting(world.branch_a)
    sub = services.submission_create(actor=world.shuji_a, item=meeting_item, organization=world.branch_a,
                                     data={"meeting": good.pk})
    assert sub.meeting == good


def test_only_recipient_branches_with_log_meetings_answer(world):
    report, *_ = items(issued_notice(world))
    with pytest.raises(Http404):
        services.submission_create(actor=world.outsider, item=report, organization=world.branch_a, data={"text": "x"})
    with pytest.raises(PermissionDenied):
        services.submission_create(actor=world.dangwei, item=report, organization=world.branch_a, data={"text": "x"})
    with pytest.raises(PermissionDenied, match="未下发给本支部"):
        services.submission_create(actor=world.outsider, item=report, organization=world.other_branch,
                                   data={"text": "x"})
    assert not NoticeSubmission.objects.exists()


def test_reminder_is_sent_once_a_day_with_mail_to_secretaries(world):
    world.shuji_a.email = "shuji_a@example.org"
    world.shuji_a.save()
    notice = issued_notice(world)
    report, file_item, meeting_item = items(notice)
    # Branch B answers everything: it gets no reminder.
    services.submission_create(actor=world.shuji_b, item=report, organization=world.branch_b, data={"text": "ok"})
    services.submission_create(actor=world.shuji_b, item=file_item, organization=world.branch_b, data={},
                               file=pdf())
    services.submission_create(actor=world.shuji_b, item=meeting_item, organization=world.branch_b,
                               data={"meeting": meeting(world.branch_b).pk})
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="无需催办"):
        services.reminder_send(actor=world.dangwei, notice=notice, organization=world.branch_b)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        sent = services.reminder_send(actor=world.dangwei, notice=notice)
    assert [r.organization for r in sent] == [world.branch_a]
    assert sent[0].emailed_to == ["shuji_a@example.org"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["shuji_a@example.org"]
    assert "催办" in mail.outbox[0].subject
    with TestCase.captureOnCommitCallbacks(execute=True):
        again = services.reminder_send(actor=world.dangwei, notice=notice)
        again_one = services.reminder_send(actor=world.dangwei, notice=notice, organization=world.branch_a)
    assert again == []
    assert again_one == []
    assert NoticeReminder.objects.count() == 1
    assert len(mail.outbox) == 1
    with _later(1):
        assert len(services.reminder_send(actor=world.dangwei, notice=notice)) == 1
    assert NoticeReminder.objects.count() == 2


def test_reminder_needs_issuer(world):
    notice = issued_notice(world)
    with pytest.raises(Http404):
        services.reminder_send(actor=world.shuji_a, notice=notice)
    assert not NoticeReminder.objects.exists()
