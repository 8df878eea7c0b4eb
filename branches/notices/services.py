"""Writes for work notices. Every write checks permission again, runs in a transaction and is audited.

Who may do what:
- Drafting, editing, issuing and reminding is committee work: the actor needs Capability.ISSUE_NOTICES
  (党委委员, 党委书记, 组织部, 系统管理员) at the issuing organization, which must be a 党委 or 党总支.
- Answering is branch work: Capability.LOG_MEETINGS on the answering branch, which must be a recipient.
- A branch may replace its answer to an item until the item's deadline (inclusive); after the deadline the
  answer stands as it is. A first answer after the deadline is accepted and marked late.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import permissions
from branches.audit import acting
from branches.models import (
    Meeting,
    MeetingType,
    NoticeItem,
    NoticeRecipient,
    NoticeReminder,
    NoticeStatus,
    NoticeSubmission,
    Organization,
    OrgType,
    RequirementKind,
    Role,
    RoleKind,
    WorkNotice,
)
from branches.uploads import check_upload

C = permissions.Capability
ISSUER_TYPES = (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH)
# Roles whose holders get a reminder e-mail for their branch.
REMINDED_KINDS = (RoleKind.SECRETARY, RoleKind.DEPUTY_SECRETARY, RoleKind.ORGANIZATION_MEMBER)

NOTICE_FILE_TYPES = ("pdf", "docx", "xlsx", "jpg", "jpeg", "png")


@dataclass
class ItemData:
    title: str
    deadline: datetime.date
    requirement: str = RequirementKind.WRITTEN_REPORT
    description: str = ""
    meeting_type: str = ""


def max_file_bytes() -> int:
    return int(getattr(settings, "PORTAL_NOTICE_FILE_MAX_MB", 10)) * 1024 * 1024


def local_date(value: datetime.datetime) -> datetime.date:
    return timezone.localtime(value).date()


def _require_issuer(actor: Any, org: Organization) -> None:
    permissions.check(actor, org, C.ISSUE_NOTICES)
    if org.org_type not in ISSUER_TYPES or org.is_closed:
        raise ValidationError({"organization": _("工作提示只能由党委或党总支下发。")})


def _validate_items(items: list[ItemData]) -> None:
    if not items:
        raise ValidationError({"items": _("请至少填写一项督办事项。")})
    for n, item in enumerate(items, start=1):
        if not item.title.strip():
            raise ValidationError({"items": _("第 %(n)s 项缺少事项名称。") % {"n": n}})
        if item.deadline < timezone.localdate():
            raise ValidationError({"items": _("第 %(n)s 项的截止日期不能早于今天。") % {"n": n}})
        if item.requirement not in RequirementKind.values:
            raise ValidationError({"items": _("第 %(n)s 项的提交内容无效。") % {"n": n}})
        if item.requirement == RequirementKind.MEETING_HELD:
            if item.meeting_type not in MeetingType.values:
                raise ValidationError({"items": _("第 %(n)s 项要求召开会议，请选择会议类型。") % {"n": n}})
        else:
            item.meeting_type = ""


def _save_items(notice: WorkNotice, items: list[ItemData]) -> None:
    notice.items.all().delete()
    for n, data in enumerate(items, start=1):
        item = NoticeItem(notice=notice, order=n, title=data.title.strip(), description=data.description.strip(),
                          deadline=data.deadline, requirement=data.requirement, meeting_type=data.meeting_type)
        item.full_clean(exclude=["notice"])
        item.save()


def notice_create(*, actor: Any, organization: Organization, title: str, number: str = "", body: str = "",
                  items: list[ItemData]) -> WorkNotice:
    """Draft a notice with its items."""
    _require_issuer(actor, organization)
    _validate_items(items)
    with transaction.atomic(), acting(actor):
        notice = WorkNotice(organization=organization, title=title.strip(), number=number.strip(), body=body,
                            created_by=actor)
        notice.full_clean()
        notice.save()
        _save_items(notice, items)
    return notice


def notice_update(*, actor: Any, notice: WorkNotice, title: str, number: str = "", body: str = "",
                  items: list[ItemData]) -> WorkNotice:
    """Change a draft. An issued notice can no longer be changed (branches may have answered already)."""
    _require_issuer(actor, notice.organization)
    if notice.is_issued:
        raise ValidationError(_("工作提示已下发，不能再修改。"))
    _validate_items(items)
    with transaction.atomic(), acting(actor):
        notice.title, notice.number, notice.body = title.strip(), number.strip(), body
        notice.full_clean()
        notice.save(update_fields=["title", "number", "body", "updated_at"])
        _save_items(notice, items)
    return notice


def notice_issue(*, actor: Any, notice: WorkNotice) -> WorkNotice:
    """Issue a draft: the recipients are the open branches under the issuing organization right now."""
    _require_issuer(actor, notice.organization)
    with transaction.atomic(), acting(actor):
        notice = WorkNotice.objects.select_for_update().get(pk=notice.pk)
        if notice.is_issued:
            raise ValidationError(_("该工作提示已经下发。"))
        if not notice.items.exists():
            raise ValidationError(_("请至少填写一项督办事项。"))
        branches = list(Organization.objects.subtree_of(notice.organization).open().branches())
        if not branches:
            raise ValidationError(_("该组织下没有可接收工作提示的党支部。"))
        notice.status = NoticeStatus.ISSUED
        notice.issued_at = timezone.now()
        notice.issued_by = actor
        notice.save(update_fields=["status", "issued_at", "issued_by", "updated_at"])
        NoticeRecipient.objects.bulk_create([NoticeRecipient(notice=notice, organization=b) for b in branches])
    return notice


def _check_file(file: UploadedFile) -> tuple[str, str]:
    name, content_type, _size = check_upload(file, allowed=NOTICE_FILE_TYPES,
                                             max_mb=max_file_bytes() / (1024 * 1024))
    return name[-200:], content_type


def submission_create(*, actor: Any, item: NoticeItem, organization: Organization, data: dict[str, Any],
                      file: UploadedFile | None = None) -> NoticeSubmission:
    """A branch answers an item. data: {"text": str, "meeting": Meeting | id | None}."""
    permissions.check(actor, organization, C.LOG_MEETINGS)
    notice = WorkNotice.objects.get(pk=item.notice_id)
    if not notice.is_issued or not NoticeRecipient.objects.filter(notice=notice, organization=organization).exists():
        raise PermissionDenied(_("该工作提示未下发给本支部。"))
    now = timezone.now()
    today = local_date(now)
    text = (data.get("text") or "").strip()
    meeting_value = data.get("meeting")
    meeting: Meeting | None = None
    if item.requirement == RequirementKind.MEETING_HELD:
        meeting_id = meeting_value.pk if isinstance(meeting_value, Meeting) else meeting_value
        if not meeting_id:
            raise ValidationError({"meeting": _("该事项要求召开会议，请选择本支部召开的“%(type)s”。")
                                   % {"type": MeetingType(item.meeting_type).label}})
        meeting = (Meeting.objects.filter(pk=meeting_id, organization=organization,
                                          meeting_type=item.meeting_type).first()
                   if str(meeting_id).isdigit() else None)
        if meeting is None:
            raise ValidationError({"meeting": _("请选择本支部召开的“%(type)s”。")
                                   % {"type": MeetingType(item.meeting_type).label}})
        if meeting.held_at > now or local_date(meeting.held_at) < local_date(notice.issued_at):
            raise ValidationError({"meeting": _("所选会议须在工作提示下发之后召开，且不能是尚未召开的会议。")})
    elif item.requirement == RequirementKind.FILE_UPLOAD:
        if file is None:
            raise ValidationError({"file": _("该事项要求上传文件，请选择文件。")})
    elif not text:
        raise ValidationError({"text": _("请填写书面报告内容。")})
    original_name, content_type = _check_file(file) if file is not None else ("", "")

    with transaction.atomic(), acting(actor):
        existing = (NoticeSubmission.objects.select_for_update()
                    .filter(item=item, organization=organization).first())
        if existing is not None:
            if today > item.deadline:
                raise ValidationError(_("截止日期已过，已提交的材料不能再修改。"))
            existing.delete()
        submission = NoticeSubmission(
            item=item, organization=organization, submitted_by=actor, submitted_at=now, text=text,
            meeting=meeting, late=today > item.deadline, original_name=original_name,
            size=file.size if file is not None else 0, content_type=content_type,
        )
        if file is not None:
            submission.file.save(original_name, file, save=False)
        submission.full_clean()
        submission.save()
    return submission


def _missing_orgs(notice: WorkNotice) -> list[Organization]:
    """Recipients that have not answered every item."""
    item_count = notice.items.count()
    answered: dict[int, int] = {}
    for org_id in NoticeSubmission.objects.filter(item__notice=notice).values_list("organization_id", flat=True):
        answered[org_id] = answered.get(org_id, 0) + 1
    orgs = Organization.objects.filter(received_notices__notice=notice)
    return [org for org in orgs if answered.get(org.pk, 0) < item_count]


def reminder_send(*, actor: Any, notice: WorkNotice, organization: Organization | None = None) -> list[NoticeReminder]:
    """Remind one branch (or every branch with missing items). Idempotent: once per notice, branch and day."""
    _require_issuer(actor, notice.organization)
    if not notice.is_issued:
        raise ValidationError(_("工作提示尚未下发，不能催办。"))
    missing = _missing_orgs(notice)
    if organization is not None:
        if not NoticeRecipient.objects.filter(notice=notice, organization=organization).exists():
            raise ValidationError(_("该党支部不在本工作提示的接收范围内。"))
        missing = [org for org in missing if org.pk == organization.pk]
        if not missing:
            raise ValidationError(_("该党支部已全部提交，无需催办。"))
    today = timezone.localdate()
    already = set(NoticeReminder.objects.filter(notice=notice, sent_on=today).values_list("organization_id", flat=True))
    targets = [org for org in missing if org.pk not in already]
    if not targets:
        return []
    emails: dict[int, list[str]] = {}
    for org_id, email in (Role.objects.active().filter(organization__in=targets, kind__in=REMINDED_KINDS)
                          .exclude(user__email="").values_list("organization_id", "user__email")):
        emails.setdefault(org_id, []).append(email)
    created: list[NoticeReminder] = []
    with transaction.atomic(), acting(actor):
        for org in targets:
            reminder = NoticeReminder(notice=notice, organization=org, sent_on=today, sent_by=actor,
                                      emailed_to=sorted(set(emails.get(org.pk, []))))
            try:
                # A concurrent click may have reminded this branch a moment ago: the constraint decides.
                with transaction.atomic():
                    reminder.save()
            except IntegrityError:
                continue
            created.append(reminder)

        def _mail() -> None:
            subject = _("【催办】%(notice)s") % {"notice": str(notice)}
            for reminder in created:
                if reminder.emailed_to:
                    body = _("%(org)s：%(issuer)s下发的工作提示“%(notice)s”尚有事项未提交，请登录党建工作管理平台及时办理。") % {
                        "org": reminder.organization, "issuer": notice.organization, "notice": notice}
                    send_mail(subject, body, None, reminder.emailed_to, fail_silently=True)

        transaction.on_commit(_mail)
    return created
