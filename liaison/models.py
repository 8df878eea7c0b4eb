"""Political absorption (政治吸纳): the pool of non-party scientists (党外人才信息库), the liaison pairs that keep
in touch with them (党内联系人 and 一对一结对子), the talks (谈心谈话纪实) with their follow-ups, and the
committee's periodic reviews (定期梳理).

Who counts as 高知, how many people one liaison person keeps and how often they talk are a rule set of the
"liaison" domain (liaison.rules), not literals here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, TimeStampedModel


class TalentProfile(TimeStampedModel):
    """A non-party person's entry in the pool of the unit that keeps them (the organization, typically an
    institute's committee or a branch, whose subtree holds the person). The person's own record (members.Person)
    keeps title, education, degree, discipline, return from abroad and birth date; here is what only the pool
    needs. 高知 is not stored: it follows from the person's education and title under the rule set."""

    person = models.OneToOneField("members.Person", on_delete=models.CASCADE, related_name="talent_profile",
                                  verbose_name=_("人员"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="talent_profiles",
                                     verbose_name=_("所属单位党组织"))
    research_field = models.CharField(_("研究方向"), max_length=200, blank=True)
    programmes = models.CharField(_("人才计划"), max_length=200, blank=True,
                                  help_text=_("入选的人才计划，多个用顿号分隔"))
    leadership = models.CharField(_("学术职务"), max_length=200, blank=True,
                                  help_text=_("如重点实验室主任、学科带头人"))
    backbone = models.BooleanField(_("科技骨干"), default=True)
    note = models.TextField(_("备注"), blank=True)
    added_on = models.DateField(_("入库日期"))
    removed_on = models.DateField(_("出库日期"), null=True, blank=True)
    removed_reason = models.CharField(_("出库原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("党外人才")
        verbose_name_plural = _("党外人才信息库")
        ordering = ["organization", "person__name_pinyin"]
        indexes = [models.Index(fields=["organization", "removed_on"], name="talent_org_removed")]
        constraints = [
            models.CheckConstraint(condition=Q(removed_on__isnull=True) | ~Q(removed_reason=""),
                                   name="talent_removed_reason",
                                   violation_error_message=_("出库时须填写原因。")),
        ]

    def __str__(self) -> str:
        return str(self.person)


class PairKind(models.TextChoices):
    LIAISON = "liaison", _("党内联系人")
    PAIRING = "pairing", _("一对一结对")


class LiaisonRole(models.TextChoices):
    """What the liaison person is, for the rule of who may keep a liaison (seed 001: 总支班子成员、专职组织员、
    教师党支部书记)."""

    COMMITTEE = "committee", _("党委委员")
    GENERAL_BRANCH = "general_branch", _("党总支委员")
    ORGANIZER = "organizer", _("组织员")
    BRANCH_SECRETARY = "branch_secretary", _("党支部书记")
    BACKBONE = "backbone", _("党员骨干")


class LiaisonPair(TimeStampedModel):
    """A party member keeping in touch with one non-party person of the pool, from `started_on` to `ended_on`.
    Pairs are never deleted: a change of liaison ends one pair (with a reason) and starts another, so the history
    stays."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="liaison_pairs",
                                     verbose_name=_("所属单位党组织"))
    kind = models.CharField(_("类型"), max_length=20, choices=PairKind.choices, default=PairKind.LIAISON)
    liaison = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="liaison_pairs",
                                verbose_name=_("联系人"))
    liaison_role = models.CharField(_("联系人身份"), max_length=20, choices=LiaisonRole.choices)
    talent = models.ForeignKey(TalentProfile, on_delete=models.PROTECT, related_name="pairs",
                               verbose_name=_("联系对象"))
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    measures = models.TextField(_("培养措施"), blank=True)
    # The latest talk's date, kept by liaison.services.talk_record, so lists sort and flag overdue talks in SQL.
    last_talk_on = models.DateField(_("最近谈话"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("登记人"))

    class Meta:
        verbose_name = _("联系结对")
        verbose_name_plural = _("联系结对")
        ordering = ["-started_on", "pk"]
        indexes = [
            models.Index(fields=["organization", "ended_on"], name="pair_org_ended"),
            models.Index(fields=["liaison", "ended_on"], name="pair_liaison_ended"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                                   name="pair_end_after_start",
                                   violation_error_message=_("结束日期不能早于开始日期。")),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | ~Q(end_reason=""),
                                   name="pair_end_reason",
                                   violation_error_message=_("结束联系时须填写原因。")),
            models.UniqueConstraint(fields=["kind", "liaison", "talent"], condition=Q(ended_on__isnull=True),
                                    name="pair_one_open",
                                    violation_error_message=_("该联系人已在联系此人。")),
        ]

    def __str__(self) -> str:
        return f"{self.liaison} — {self.talent}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class TalkForm(models.TextChoices):
    VISIT = "visit", _("走访")
    TALK = "talk", _("面谈")
    CALL = "call", _("电话或视频")
    ACTIVITY = "activity", _("共同参加活动")


class Talk(TimeStampedModel):
    """One heart-to-heart talk (谈心谈话) of a liaison pair. `private_notes` are for the liaison person and the
    unit's committee only (liaison.selectors.can_read_private); they never appear in lists, the API or exports
    for anyone else."""

    pair = models.ForeignKey(LiaisonPair, on_delete=models.PROTECT, related_name="talks", verbose_name=_("联系结对"))
    held_on = models.DateField(_("谈话日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    form = models.CharField(_("形式"), max_length=20, choices=TalkForm.choices, default=TalkForm.TALK)
    topics = models.TextField(_("谈话内容"))
    thoughts = models.TextField(_("思想动态与诉求"), blank=True)
    help_given = models.TextField(_("帮助与答复"), blank=True)
    private_notes = models.TextField(_("内部备注"), blank=True,
                                     help_text=_("仅联系人本人和本单位党组织班子可见"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("记录人"))

    class Meta:
        verbose_name = _("谈心谈话记录")
        verbose_name_plural = _("谈心谈话记录")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["pair", "held_on"], name="talk_pair_held")]

    def __str__(self) -> str:
        return f"{self.pair} {self.held_on}"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("待办")
    DONE = "done", _("已办结")
    DROPPED = "dropped", _("不再办理")


class FollowUp(TimeStampedModel):
    """Something a talk left to do, with an owner and a due date. A follow-up marked as a request (诉求) is a
    practical problem the person raised, tracked until it is solved or answered (seed 001: 帮助解决实际问题)."""

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("谈话"))
    text = models.CharField(_("事项"), max_length=300)
    owner = models.CharField(_("负责人"), max_length=50)
    due_on = models.DateField(_("完成期限"))
    is_request = models.BooleanField(_("诉求"), default=False, help_text=_("联系对象提出的实际困难或诉求"))
    status = models.CharField(_("状态"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    done_on = models.DateField(_("办结日期"), null=True, blank=True)
    result = models.TextField(_("办理结果"), blank=True)

    class Meta:
        verbose_name = _("后续事项")
        verbose_name_plural = _("后续事项")
        ordering = ["status", "due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="followup_status_due")]
        constraints = [
            models.CheckConstraint(condition=Q(status="open") | Q(done_on__isnull=False),
                                   name="followup_closed_dated",
                                   violation_error_message=_("办结或不再办理的事项须有日期。")),
        ]

    def __str__(self) -> str:
        return self.text


class Review(TimeStampedModel):
    """A periodic review (定期梳理) of a unit's liaison list: when, by whom, what the coverage was, what was
    concluded and adjusted. The coverage numbers are kept as they were on the day."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="liaison_reviews",
                                     verbose_name=_("党组织"))
    reviewed_on = models.DateField(_("梳理日期"))
    conclusions = models.TextField(_("梳理结论"))
    adjustments = models.TextField(_("调整情况"), blank=True)
    snapshot = models.JSONField(_("当时的覆盖情况"), default=dict, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("记录人"))

    class Meta:
        verbose_name = _("联系清单梳理")
        verbose_name_plural = _("联系清单梳理")
        ordering = ["-reviewed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.organization} {self.reviewed_on}"


class LiaisonSummary(models.Model):
    """The coverage numbers of one organization that keeps pool entries or pairs, as of `computed_on`, so that
    the coverage review totals and pages every unit in SQL instead of scanning the pool (an anti-join over every
    entry for "高知 without a liaison") on each request. Derived data (liaison.summaries): rebuilt for the
    organization after each write of the services, for every organization each night ("talk overdue" and "this
    year" move with the date), and on view when a summary is not from today. The organization's path and names
    are copied so that the review reads this table alone."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="liaison_summary",
                                        verbose_name=_("党组织"))
    path = models.CharField(max_length=255)
    name = models.CharField(max_length=200, blank=True)
    short_name = models.CharField(max_length=100, blank=True)
    computed_on = models.DateField(_("计算日期"))
    pool = models.PositiveIntegerField(default=0)
    high_knowledge = models.PositiveIntegerField(default=0)
    uncovered = models.PositiveIntegerField(default=0)
    pairs = models.PositiveIntegerField(default=0)
    pairings = models.PositiveIntegerField(default=0)
    liaisons = models.PositiveIntegerField(default=0)
    overloaded = models.PositiveIntegerField(default=0)
    talks_overdue = models.PositiveIntegerField(default=0)
    open_follow_ups = models.PositiveIntegerField(default=0)
    follow_ups_overdue = models.PositiveIntegerField(default=0)
    open_requests = models.PositiveIntegerField(default=0)
    applied = models.PositiveIntegerField(default=0)
    activists = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("联系覆盖汇总")
        verbose_name_plural = _("联系覆盖汇总")
        indexes = [models.Index(fields=["path"], name="liaison_summary_path")]

    def __str__(self) -> str:
        return f"{self.short_name or self.name} {self.computed_on}"
