"""Organizational life (三会一课 and other meetings) and the rule sets that say how often they are due."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .tree import Organization, TimeStampedModel

__all__ = [
    "MeetingType", "MeetingStatus", "Meeting", "AttendanceStatus", "Attendance", "MeetingGuest", "Vote",
    "AppraisalGrade", "Grade", "AttachmentKind", "StoredUpload", "MeetingAttachment", "MeetingRevision",
    "RuleDomain", "RuleSet", "ComplianceSummary",
]


class MeetingType(models.TextChoices):
    GENERAL_ASSEMBLY = "general_assembly", _("支部党员大会")
    COMMITTEE = "committee", _("支部委员会")
    GROUP = "group", _("党小组会")
    LECTURE = "lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    LIFE_MEETING = "life_meeting", _("组织生活会")
    APPRAISAL = "appraisal", _("民主评议党员")
    TALK = "talk", _("谈心谈话")
    STUDY = "study", _("学习研讨")
    OTHER = "other", _("其他活动")


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("待确认")
    CONFIRMED = "confirmed", _("已确认")


class Meeting(TimeStampedModel):
    """One meeting or activity of an organization (a branch, or a party group for 党小组会)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="meetings",
                                     verbose_name=_("党组织"))
    meeting_type = models.CharField(_("类型"), max_length=30, choices=MeetingType.choices)
    title = models.CharField(_("主题"), max_length=200)
    held_at = models.DateTimeField(_("时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    host = models.ForeignKey("members.Person", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("主持人"))
    recorder = models.ForeignKey("members.Person", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("记录人"))
    topics = models.TextField(_("议题"), blank=True)
    minutes = models.TextField(_("会议记录"), blank=True)
    decisions = models.TextField(_("决议决定"), blank=True)
    follow_ups = models.TextField(_("后续事项"), blank=True)
    lecturer = models.CharField(_("授课人"), max_length=100, blank=True)
    lecture_title = models.CharField(_("党课题目"), max_length=200, blank=True)
    problems = models.TextField(_("问题清单"), blank=True)
    rectifications = models.TextField(_("整改清单"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("确认人"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("录入人"))

    class Meta:
        verbose_name = _("组织生活")
        verbose_name_plural = _("组织生活")
        ordering = ["-held_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "held_at"], name="meeting_org_held"),
            models.Index(fields=["organization", "meeting_type", "held_at"], name="meeting_org_type_held"),
        ]

    def __str__(self) -> str:
        return f"{self.get_meeting_type_display()} · {self.title}"

    @property
    def is_locked(self) -> bool:
        return self.status == MeetingStatus.CONFIRMED


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    ABSENT = "absent", _("缺席")
    LEAVE = "leave", _("请假")


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance",
                                verbose_name=_("会议"))
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="attendances",
                               verbose_name=_("人员"))
    status = models.CharField(_("出勤"), max_length=10, choices=AttendanceStatus.choices,
                              default=AttendanceStatus.PRESENT)
    reason = models.CharField(_("缺席或请假原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("出勤")
        verbose_name_plural = _("出勤")
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="attendance_once_per_meeting")]
        indexes = [models.Index(fields=["person", "meeting"], name="attendance_person_meeting")]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.get_status_display()}"


class MeetingGuest(models.Model):
    """Someone attending without being a member of the organization (列席)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="guests", verbose_name=_("会议"))
    name = models.CharField(_("姓名"), max_length=50)
    affiliation = models.CharField(_("单位或身份"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("列席人员")
        verbose_name_plural = _("列席人员")

    def __str__(self) -> str:
        return self.name


class Vote(TimeStampedModel):
    """A vote taken at a meeting (one motion or one candidate at a time), with its counts.

    `expected` is E, the full members with voting rights who should attend (domain.md §1.3)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="votes", verbose_name=_("会议"))
    subject = models.CharField(_("表决事项"), max_length=200)
    candidate = models.ForeignKey("members.Person", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="votes_about", verbose_name=_("表决对象"))
    expected = models.PositiveIntegerField(_("应到会有表决权的正式党员"))
    present = models.PositiveIntegerField(_("实到会有表决权的正式党员"))
    yes = models.PositiveIntegerField(_("赞成"))
    no = models.PositiveIntegerField(_("反对"))
    abstain = models.PositiveIntegerField(_("弃权"))
    written_yes = models.PositiveIntegerField(_("会前书面表示赞成"), default=0)
    passed = models.BooleanField(_("通过"))

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        constraints = [
            models.CheckConstraint(condition=Q(present__lte=models.F("expected")), name="vote_present_le_expected"),
        ]

    def __str__(self) -> str:
        return self.subject


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASIC = "basic", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


class AppraisalGrade(models.Model):
    """A member's grade in 民主评议党员."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="grades", verbose_name=_("会议"))
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="appraisal_grades",
                               verbose_name=_("党员"))
    grade = models.CharField(_("评议等次"), max_length=20, choices=Grade.choices)

    class Meta:
        verbose_name = _("评议等次")
        verbose_name_plural = _("评议等次")
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="grade_once_per_meeting")]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.get_grade_display()}"


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    SIGN_IN = "sign_in", _("签到表")
    DOCUMENT = "document", _("文件")
    OTHER = "other", _("其他")


def meeting_attachment_path(instance: MeetingAttachment, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"meetings/{instance.meeting_id}/{uuid.uuid4().hex}.{suffix}"


class StoredUpload(models.Model):
    """What every attachment keeps besides its file and owner: checked by branches.uploads when uploaded."""

    original_name = models.CharField(_("原文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name


class MeetingAttachment(StoredUpload):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments",
                                verbose_name=_("会议"))
    kind = models.CharField(_("类型"), max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.PHOTO)
    file = models.FileField(_("文件"), upload_to=meeting_attachment_path)

    class Meta(StoredUpload.Meta):
        pass


class MeetingRevision(models.Model):
    """A change to a confirmed (locked) record: who, when, why, and what changed."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="revisions",
                                verbose_name=_("会议"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("修改人"))
    changed_at = models.DateTimeField(_("修改时间"), auto_now_add=True)
    reason = models.TextField(_("修改原因"))
    changes = models.JSONField(_("修改内容"), default=dict)

    class Meta:
        verbose_name = _("修改记录")
        verbose_name_plural = _("修改记录")
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.changed_at:%Y-%m-%d}"


class RuleDomain(models.TextChoices):
    MEETINGS = "meetings", _("组织生活")
    RECRUITMENT = "recruitment", _("发展党员")
    LIAISON = "liaison", _("党外人才联系")


class RuleSet(TimeStampedModel):
    """A versioned set of rule parameters from the regulations (rules are data, not literals in code).

    The set in force for an organization on a day is the latest one of its domain whose effective dates
    cover that day and whose `org_types` include the organization's type (empty: every type)."""

    domain = models.CharField(_("领域"), max_length=20, choices=RuleDomain.choices)
    name = models.CharField(_("名称"), max_length=100, help_text=_("例如“支部工作条例（2018）”"))
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    org_types = models.JSONField(_("适用组织类别"), default=list, blank=True)
    parameters = models.JSONField(_("参数"), default=dict)
    source = models.TextField(_("依据"), blank=True)

    class Meta:
        verbose_name = _("规则集")
        verbose_name_plural = _("规则集")
        ordering = ["domain", "-effective_from"]

    def __str__(self) -> str:
        return self.name


class ComplianceSummary(models.Model):
    """A branch's 三会一课 tallies for a year as evaluated on `computed_on`, kept so that the committee overview
    sorts, filters and pages every branch in SQL. Derived data: rebuilt for a branch when its meetings or its
    committee change, for every branch each night and whenever a rule set changes
    (branches.meetings.summaries). Only open branches have one.

    The organization's path and names are copied here (refreshed when they change or the branch moves) so that
    the overview scopes, searches, sorts and pages this table alone, through the (year, path) index."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="compliance_summaries",
                                     verbose_name=_("党组织"))
    path = models.CharField(_("组织路径"), max_length=255, default="")
    name = models.CharField(_("全称"), max_length=200, default="")
    short_name = models.CharField(_("简称"), max_length=60, default="")
    year = models.PositiveSmallIntegerField(_("年度"))
    computed_on = models.DateField(_("计算日期"))
    month_done = models.PositiveSmallIntegerField(_("本月已完成"), default=0)
    month_required = models.PositiveSmallIntegerField(_("本月应完成"), default=0)
    quarter_done = models.PositiveSmallIntegerField(_("本季度已完成"), default=0)
    quarter_required = models.PositiveSmallIntegerField(_("本季度应完成"), default=0)
    quarter_overdue = models.PositiveSmallIntegerField(_("本季度逾期项数"), default=0)
    year_done = models.PositiveSmallIntegerField(_("全年已完成"), default=0)
    year_required = models.PositiveSmallIntegerField(_("全年应完成"), default=0)
    overdue = models.PositiveSmallIntegerField(_("逾期项数"), default=0)
    due = models.PositiveSmallIntegerField(_("待完成项数"), default=0)
    month_ratio = models.FloatField(_("本月完成率"), default=1.0)
    quarter_ratio = models.FloatField(_("本季度完成率"), default=1.0)
    year_ratio = models.FloatField(_("全年完成率"), default=1.0)
    # The overdue requirements as [period code, meeting type] pairs, e.g. ["m1", "theme_day"] (for exports).
    overdue_items = models.JSONField(_("逾期事项"), default=list, blank=True)

    class Meta:
        verbose_name = _("组织生活完成情况汇总")
        verbose_name_plural = _("组织生活完成情况汇总")
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="compliance_summary_once")]
        indexes = [models.Index(fields=["year", "path"], name="compliance_summary_year_path")]

    def __str__(self) -> str:
        return f"{self.organization_id} · {self.year}"
