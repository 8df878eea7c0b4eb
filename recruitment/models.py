"""The development pipeline (发展党员全程纪实): one person's way from 入党申请人 to 正式党员, step by step.

The steps, their order, time limits and preconditions are data (a `branches.RuleSet` of the recruitment
domain, see recruitment.rules); these tables keep what happened: which step, when, who acted, the outcome and
conclusion, the meeting and vote behind it, the people around the candidate and the files."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from branches.models import Meeting, Organization, RuleSet, StoredUpload, TimeStampedModel, Vote


class Stage(models.TextChoices):
    APPLICANT = "applicant", _("入党申请人")
    ACTIVIST = "activist", _("入党积极分子")
    CANDIDATE = "candidate", _("发展对象")
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")


STAGE_ORDER = [s.value for s in Stage]


class PipelineStatus(models.TextChoices):
    ACTIVE = "active", _("进行中")
    COMPLETED = "completed", _("已完成")
    STOPPED = "stopped", _("已终止")
    CANCELLED = "cancelled", _("已取消预备党员资格")


class Pipeline(TimeStampedModel):
    """One person's development at one branch, from the application on.

    The dates are facts copied from the steps that set them (so boards and rosters filter in SQL);
    `next_step` and `next_due_on` are recomputed by the services after every step."""

    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="pipelines",
                               verbose_name=_("人员"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="pipelines",
                                     verbose_name=_("党支部"))
    stage = models.CharField(_("阶段"), max_length=20, choices=Stage.choices, default=Stage.APPLICANT)
    status = models.CharField(_("状态"), max_length=20, choices=PipelineStatus.choices,
                              default=PipelineStatus.ACTIVE)
    applied_on = models.DateField(_("递交申请日期"))
    activist_on = models.DateField(_("确定积极分子日期"), null=True, blank=True)
    candidate_on = models.DateField(_("确定发展对象日期"), null=True, blank=True)
    admitted_on = models.DateField(_("支部大会通过接收日期"), null=True, blank=True)
    approved_on = models.DateField(_("上级党委审批日期"), null=True, blank=True)
    probation_ends_on = models.DateField(_("预备期满日期"), null=True, blank=True)
    extended_months = models.PositiveSmallIntegerField(_("延长预备期（月）"), default=0)
    converted_on = models.DateField(_("转正日期"), null=True, blank=True)
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    end_reason = models.TextField(_("终止原因"), blank=True)
    next_step = models.CharField(_("下一步"), max_length=40, blank=True)
    next_due_on = models.DateField(_("下一步期限"), null=True, blank=True)
    # The due date of the periodic assessment of the current stage (考察, every assessment_interval_months), kept
    # apart from next_due_on so that due lists and reminders select "assessments due" in SQL.
    assessment_due_on = models.DateField(_("下次考察期限"), null=True, blank=True)
    # Records of this pipeline that broke a time limit, kept with the record that did (StepRecord.violations);
    # counted here so that the committee overview sums them per branch in its one aggregate.
    violation_count = models.PositiveSmallIntegerField(_("违反时限的记录数"), default=0)

    class Meta:
        verbose_name = _("发展党员纪实")
        verbose_name_plural = _("发展党员纪实")
        ordering = ["organization__path", "applied_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(status="active"),
                                    name="pipeline_one_active_per_person",
                                    violation_error_message=_("此人已有进行中的发展党员纪实。")),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "stage"], name="pipeline_org_status_stage"),
            models.Index(fields=["status", "next_due_on"], name="pipeline_status_due"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_stage_display()}"

    @property
    def is_active(self) -> bool:
        return self.status == PipelineStatus.ACTIVE


class Outcome(models.TextChoices):
    PASSED = "passed", _("通过")
    RETURNED = "returned", _("退回")
    FAILED = "failed", _("不通过")
    EXTENDED = "extended", _("延长预备期")
    CANCELLED = "cancelled", _("取消预备党员资格")


class StepRecord(TimeStampedModel):
    """One step as it happened. `violations` keeps the time limits the step broke, explained in Chinese at the
    time it was recorded (the step is a fact; the portal records it and says what was wrong)."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="steps",
                                 verbose_name=_("纪实"))
    step = models.CharField(_("步骤"), max_length=40)
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="+", verbose_name=_("依据规则"))
    done_on = models.DateField(_("日期"))
    actor = models.CharField(_("经办人或组织"), max_length=100, blank=True)
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices, default=Outcome.PASSED)
    conclusion = models.TextField(_("结论或意见"), blank=True)
    details = models.JSONField(_("其他事项"), default=dict, blank=True)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("会议记录"))
    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("表决"))
    violations = models.JSONField(_("违反的时限"), default=list, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("记录人"))

    class Meta:
        verbose_name = _("发展步骤")
        verbose_name_plural = _("发展步骤")
        ordering = ["done_on", "pk"]
        indexes = [
            models.Index(fields=["pipeline", "step"], name="steprecord_pipeline_step"),
            # The committee's violation list: newest first among the few records that broke a time limit.
            models.Index(fields=["-done_on", "-id"], condition=~Q(violations=[]), name="steprecord_violations"),
        ]

    def __str__(self) -> str:
        return f"{self.pipeline_id} · {self.step} · {self.done_on}"


def step_attachment_path(instance: StepAttachment, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"recruitment/{instance.record.pipeline_id}/{uuid.uuid4().hex}.{suffix}"


class StepAttachment(StoredUpload):
    record = models.ForeignKey(StepRecord, on_delete=models.CASCADE, related_name="attachments",
                               verbose_name=_("发展步骤"))
    file = models.FileField(_("文件"), upload_to=step_attachment_path)

    class Meta(StoredUpload.Meta):
        pass


class SupporterRole(models.TextChoices):
    CONTACT = "contact", _("培养联系人")
    SPONSOR = "sponsor", _("入党介绍人")


class Supporter(TimeStampedModel):
    """A 培养联系人 or 入党介绍人 of a candidate, for a period (a contact may be replaced)."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="supporters",
                                 verbose_name=_("纪实"))
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="supporting",
                               verbose_name=_("党员"))
    role = models.CharField(_("身份"), max_length=20, choices=SupporterRole.choices)
    assigned_on = models.DateField(_("确定日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("培养联系人和入党介绍人")
        verbose_name_plural = _("培养联系人和入党介绍人")
        ordering = ["role", "assigned_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "person", "role"], condition=Q(ended_on__isnull=True),
                                    name="supporter_once_while_current"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()}"


class WorkdayOverride(models.Model):
    """A day the official holiday calendar gets wrong or does not know yet (a new year's 放假调休 notice)."""

    day = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} · {'+' if self.is_workday else '-'}"


class PipelineSummary(models.Model):
    """A branch's pipeline counts (the committee overview's columns) as of `computed_on`, kept so that the
    overview sorts, filters, pages and totals every branch in SQL instead of aggregating every pipeline on each
    request. Derived data: rebuilt for a branch after each pipeline write, for every branch each night ("past a
    time limit" depends on the date) and by the overview for a branch whose summary is missing or not from
    today (recruitment.summaries)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="pipeline_summary",
                                        verbose_name=_("党支部"))
    computed_on = models.DateField(_("计算日期"))
    total = models.PositiveIntegerField(_("纪实总数"), default=0)
    applicant = models.PositiveIntegerField(_("入党申请人"), default=0)
    activist = models.PositiveIntegerField(_("入党积极分子"), default=0)
    candidate = models.PositiveIntegerField(_("发展对象"), default=0)
    probationary = models.PositiveIntegerField(_("预备党员"), default=0)
    full = models.PositiveIntegerField(_("转为正式党员"), default=0)
    ended = models.PositiveIntegerField(_("已终止"), default=0)
    active = models.PositiveIntegerField(_("进行中"), default=0)
    stuck = models.PositiveIntegerField(_("超过时限"), default=0)
    violations = models.PositiveIntegerField(_("违反时限的记录数"), default=0)
    pending = models.PositiveIntegerField(_("等待上级党委办理"), default=0)

    class Meta:
        verbose_name = _("发展党员工作汇总")
        verbose_name_plural = _("发展党员工作汇总")


# ---- the annual recruitment plan (年度发展党员计划) ----------------------------------------------------------------


class PlanCategory(models.TextChoices):
    """The groups a plan sets numbers for besides the total (domain.md §1.6; seed 001's 高知群体)."""

    HIGH_KNOWLEDGE = "high_knowledge", _("高知群体")
    YOUNG = "young", _("35岁及以下")
    WOMEN = "women", _("女性")
    FRONTLINE = "frontline", _("一线科研人员")
    RETURNED = "returned", _("留学归国人员")
    SENIOR_TITLE = "senior_title", _("副高级及以上职称")


# Every number of a target: the total of new members, the groups within it, and the activists to cultivate.
PLAN_NUMBERS = ["total", *PlanCategory.values, "activists"]


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("编制中")
    APPROVED = "approved", _("已批准")


class RecruitmentPlan(TimeStampedModel):
    """A committee's plan for a year: a target per organization under it. Units propose their numbers while the
    plan is being drawn up; the organization department sets and approves them; a change after approval needs a
    reason and is kept (PlanChange)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="recruitment_plans",
                                     verbose_name=_("党组织"))
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    proposals_due_on = models.DateField(_("基层报送建议数的截止日期"), null=True, blank=True)
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("批准人"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("年度发展党员计划")
        verbose_name_plural = _("年度发展党员计划")
        ordering = ["-year", "organization__path"]
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="plan_one_per_year",
                                               violation_error_message=_("该党组织本年度的计划已经建立。"))]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"


class PlanTarget(TimeStampedModel):
    """One organization's numbers in a plan, and what its unit proposed (`proposed`: number → value)."""

    plan = models.ForeignKey(RecruitmentPlan, on_delete=models.CASCADE, related_name="targets",
                             verbose_name=_("计划"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="plan_targets",
                                     verbose_name=_("党组织"))
    total = models.PositiveIntegerField(_("发展党员总数"), default=0)
    high_knowledge = models.PositiveIntegerField(PlanCategory.HIGH_KNOWLEDGE.label, default=0)
    young = models.PositiveIntegerField(PlanCategory.YOUNG.label, default=0)
    women = models.PositiveIntegerField(PlanCategory.WOMEN.label, default=0)
    frontline = models.PositiveIntegerField(PlanCategory.FRONTLINE.label, default=0)
    returned = models.PositiveIntegerField(PlanCategory.RETURNED.label, default=0)
    senior_title = models.PositiveIntegerField(PlanCategory.SENIOR_TITLE.label, default=0)
    activists = models.PositiveIntegerField(_("培养入党积极分子"), default=0)
    proposed = models.JSONField(_("基层建议数"), default=dict, blank=True)
    proposed_on = models.DateField(_("建议日期"), null=True, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("建议人"))

    class Meta:
        verbose_name = _("计划指标")
        verbose_name_plural = _("计划指标")
        ordering = ["plan", "organization__path"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "organization"], name="plan_target_unique",
                                    violation_error_message=_("该党组织在本计划中已有指标。")),
            *[models.CheckConstraint(condition=Q(**{f"{name}__lte": F("total")}), name=f"plan_{name}_within_total",
                                     violation_error_message=_("分类人数不能多于发展党员总数。"))
              for name in PlanCategory.values],
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.organization}"

    def numbers(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in PLAN_NUMBERS}


class PlanChange(models.Model):
    """A number of an approved plan changed, with the reason (the audit log keeps the rest)."""

    target = models.ForeignKey(PlanTarget, on_delete=models.CASCADE, related_name="changes", verbose_name=_("指标"))
    field = models.CharField(_("项目"), max_length=30)
    before = models.PositiveIntegerField(_("原数"))
    after = models.PositiveIntegerField(_("新数"))
    reason = models.CharField(_("调整原因"), max_length=300)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("调整人"))
    changed_at = models.DateTimeField(_("调整时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("计划调整")
        verbose_name_plural = _("计划调整")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.target} {self.field}: {self.before} → {self.after}"
