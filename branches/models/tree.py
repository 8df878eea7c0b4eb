"""The organization tree and the roles users hold at organizations."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

__all__ = ["TimeStampedModel", "OrgType", "UnitRelation", "OrganizationQuerySet", "OrganizationManager",
           "Organization", "RoleKind", "RoleQuerySet", "Role", "CommitteePosition", "CommitteeSeat"]

class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class OrgType(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")
    TEMPORARY_BRANCH = "temporary_branch", _("临时党支部")
    PARTY_GROUP = "party_group", _("党小组")

    @classmethod
    def branch_types(cls) -> list[str]:
        """Types that hold members directly (a 党支部 in the regulations' sense)."""
        return [cls.BRANCH, cls.JOINT_BRANCH, cls.TEMPORARY_BRANCH]


class UnitRelation(models.TextChoices):
    SAME_AS_PARENT = "same_as_parent", _("与上级党组织相同")
    LEGAL_ENTITY = "legal_entity", _("法人单位")
    JOINT = "joint", _("联合党支部")


class OrganizationQuerySet(MP_NodeQuerySet):
    def open(self) -> OrganizationQuerySet:
        return self.filter(closed_on__isnull=True)

    def branches(self) -> OrganizationQuerySet:
        return self.filter(org_type__in=OrgType.branch_types())

    def subtree_of(self, org: Organization) -> OrganizationQuerySet:
        """The organization and everything below it: one indexed prefix query at any depth."""
        return self.filter(path__startswith=org.path)


class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):
    def get_queryset(self) -> OrganizationQuerySet:
        # treebeard's manager builds its own queryset class; keep ours (and treebeard's path ordering).
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")


class Organization(MP_Node, TimeStampedModel):
    """A party organization. The materialized path (treebeard MP_Node) makes subtree queries a prefix match."""

    name = models.CharField(_("全称"), max_length=200, help_text=_("与印章一致，例如“中共某某研究所第一党支部委员会”"))
    short_name = models.CharField(_("简称"), max_length=60)
    code = models.CharField(_("组织代码"), max_length=40, blank=True, help_text=_("中组部编码或本系统编码，按文本存储"))
    org_type = models.CharField(_("组织类别"), max_length=20, choices=OrgType.choices)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    unit_name = models.CharField(_("所在单位"), max_length=200, blank=True)
    unit_relation = models.CharField(
        _("党组织所在单位情况"), max_length=20, choices=UnitRelation.choices, default=UnitRelation.SAME_AS_PARENT
    )
    has_committee = models.BooleanField(_("设支部委员会"), default=False)
    term_started_on = models.DateField(_("本届开始日期"), null=True, blank=True)
    term_ends_on = models.DateField(_("届满日期"), null=True, blank=True)
    secretary_name = models.CharField(_("书记"), max_length=50, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    closed_on = models.DateField(_("撤销日期"), null=True, blank=True)
    closed_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    node_order_by = None
    objects = OrganizationManager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["path"]
        indexes = [
            # LIKE 'prefix%' on PostgreSQL needs pattern ops unless the collation is C.
            models.Index(fields=["path"], name="organization_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["org_type", "closed_on"], name="organization_type_closed"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="organization_code_unique_when_set",
                violation_error_code="unique", violation_error_message=_("该组织代码已被其他党组织使用。"),
            ),
            models.CheckConstraint(
                condition=Q(term_ends_on__isnull=True)
                | Q(term_started_on__isnull=True)
                | Q(term_ends_on__gt=models.F("term_started_on")),
                name="organization_term_ends_after_start",
                violation_error_message=_("届满日期必须晚于本届开始日期。"),
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    @property
    def is_branch(self) -> bool:
        return self.org_type in OrgType.branch_types()


class RoleKind(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
    ORGANIZATION_MEMBER = "organization_member", _("组织委员")
    PROPAGANDA_MEMBER = "propaganda_member", _("宣传委员")
    DISCIPLINE_MEMBER = "discipline_member", _("纪检委员")
    COMMITTEE_MEMBER = "committee_member", _("党委委员")
    COMMITTEE_SECRETARY = "committee_secretary", _("党委书记")
    ORG_DEPARTMENT = "org_department", _("组织部工作人员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")


class RoleQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None) -> RoleQuerySet:
        on = on or timezone.localdate()
        return self.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))


class Role(TimeStampedModel):
    """A user holds a role at an organization for a period; the role's capabilities cover its whole subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_roles",
                             verbose_name=_("用户"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="roles",
                                     verbose_name=_("党组织"))
    kind = models.CharField(_("职务"), max_length=30, choices=RoleKind.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = RoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("职务")
        verbose_name_plural = _("职务")
        ordering = ["organization__path", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="role_ends_after_start",
                violation_error_message=_("职务的结束日期不能早于开始日期。"),
            ),
        ]
        indexes = [models.Index(fields=["user", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_kind_display()}"

    def is_active(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)


class CommitteePosition(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
    ORGANIZATION = "organization", _("组织委员")
    PROPAGANDA = "propaganda", _("宣传委员")
    DISCIPLINE = "discipline", _("纪检委员")
    YOUTH = "youth", _("青年委员")
    WOMEN = "women", _("妇女委员")
    MEMBER = "member", _("委员")


class CommitteeSeat(TimeStampedModel):
    """A seat on an organization's committee (支部委员会 / 党委 / 党总支委员会) held by a person for a term,
    whether or not the person has a login. The committee's meetings default to inviting its sitting members."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="committee_seats",
                                     verbose_name=_("党组织"))
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="committee_seats",
                               verbose_name=_("委员"))
    position = models.CharField(_("职务"), max_length=30, choices=CommitteePosition.choices,
                                default=CommitteePosition.MEMBER)
    starts_on = models.DateField(_("任职日期"))
    ends_on = models.DateField(_("离任日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("委员会成员")
        verbose_name_plural = _("委员会成员")
        ordering = ["organization__path", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="committee_seat_ends_after_start",
                violation_error_message=_("离任日期不能早于任职日期。"),
            ),
            models.UniqueConstraint(
                fields=["organization", "person"], condition=Q(ends_on__isnull=True),
                name="committee_seat_once_while_sitting",
                violation_error_message=_("此人已是该组织的在任委员。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_position_display()}"

    def is_active(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)
