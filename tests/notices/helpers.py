"""Small builders shared by the work notice tests."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from branches.models import Meeting, MeetingType, RequirementKind, WorkNotice
from branches.notices import services

PDF = b"%PDF-1.4\n%test\n"


def pdf(name: str = "报告.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def issued_notice(world, *, days: int = 10, actor=None) -> WorkNotice:
    """The institute's notice with three items: a written report, a file, a 支部委员会 held."""
    deadline = timezone.localdate() + datetime.timedelta(days=days)
    notice = services.notice_create(
        actor=actor or world.dangwei, organization=world.institute, number="第3期", title="党支部工作提示",
        body="各党支部于10月底前至少组织一次学习交流活动。",
        items=[
            services.ItemData(title="学习研讨情况", deadline=deadline),
            services.ItemData(title="“一支部一品牌”创建计划表", deadline=deadline,
                              requirement=RequirementKind.FILE_UPLOAD),
            services.ItemData(title="召开一次支委会", deadline=deadline, requirement=RequirementKind.MEETING_HELD,
                              meeting_type=MeetingType.COMMITTEE),
        ],
    )
    return services.notice_issue(actor=actor or world.dangwei, notice=notice)


def items(notice: WorkNotice):
    return list(notice.items.order_by("order"))


def meeting(org, meeting_type: str = MeetingType.COMMITTEE, *, days_ago: int = 0) -> Meeting:
    return Meeting.objects.create(organization=org, meeting_type=meeting_type, title="支委会",
                                  held_at=timezone.now() - datetime.timedelta(days=days_ago, minutes=1))
