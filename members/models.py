"""People (party members and non-members alike) and their party membership facts."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, OrgType, TimeStampedModel

from . import idcard
from .codes import (
    ETHNICITY_CHOICES,
    Degree,
    Education,
    LostContactReason,
    MemberCategory,
    MembershipStatus,
    PoliticalStatus,
    Sex,
    TitleLevel,
)

phone_validator = RegexValidator(r"^[0-9+\-() ]{5,20}$", _("请输入有效的电话号码。"))


class Person(TimeStampedModel):
    """Anyone the portal keeps a record of. `organization` anchors the record in the tree (scope)."""

    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=200, blank=True, editable=False, db_index=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=50, blank=True, editable=False, db_index=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=ETHNICITY_CHOICES, default="01")
    birth_date = models.DateField(_("出生日期"))
    id_number = models.CharField(_("公民身份号码"), max_length=18, null=True, blank=True, unique=True)
    education = models.CharField(_("学历"), max_length=2, choices=Education.choices, blank=True)
    degree = models.CharField(_("学位"), max_length=1, choices=Degree.choices, blank=True)
    title = models.CharField(_("专业技术职务"), max_length=60, blank=True)
    title_level = models.CharField(_("职称级别"), max_length=20, choices=TitleLevel.choices, blank=True)
    returned_from_abroad = models.BooleanField(_("留学归国"), default=False)
    discipline = models.CharField(_("学科专业"), max_length=100, blank=True)
    post = models.CharField(_("工作岗位"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("电子邮箱"), blank=True)
    political_status = models.CharField(
        _("政治面貌"), max_length=2, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="people", verbose_name=_("所在党组织")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="person",
        verbose_name=_("登录账号"),
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["name_pinyin", "id"]
        indexes = [
            models.Index(fields=["organization", "political_status"], name="person_org_status"),
            models.Index(fields=["birth_date", "id"], name="person_birth_date"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return idcard.mask(self.id_number) if self.id_number else ""

    @property
    def age(self) -> int:
        today = timezone.localdate()
        return today.year - self.birth_date.year - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def membership_or_none(self) -> PartyMembership | None:
        try:
            return self.membership
        except PartyMembership.DoesNotExist:
            return None

    @property
    def is_party_member(self) -> bool:
        return self.political_status in PoliticalStatus.party()

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        today = timezone.localdate()
        if self.birth_date and self.birth_date > today:
            errors.setdefault("birth_date", []).append(gettext("出生日期不能晚于今天。"))
        if self.id_number:
            self.id_number = idcard.normalize(self.id_number)
            try:
                facts = idcard.parse(self.id_number)
            except idcard.IdNumberError as exc:
                errors.setdefault("id_number", []).append(str(exc))
            else:
                if self.birth_date and facts.birth_date != self.birth_date:
                    errors.setdefault("id_number", []).append(
                        gettext("公民身份号码中的出生日期为%(id)s，与填写的出生日期%(entered)s不一致。")
                        % {"id": facts.birth_date.isoformat(), "entered": self.birth_date.isoformat()}
                    )
                if self.sex and facts.sex != self.sex:
                    errors.setdefault("id_number", []).append(
                        gettext("公民身份号码中的性别为“%(id)s”，与填写的性别“%(entered)s”不一致。")
                        % {"id": Sex(facts.sex).label, "entered": Sex(self.sex).label}
                    )
        if self.organization_id and self.organization.org_type == OrgType.PARTY_GROUP:
            errors.setdefault("organization", []).append(
                gettext("人员应编入党支部（或党委、党总支），党小组在党籍信息中填写。")
            )
        if errors:
            raise ValidationError(errors)


class PartyMembership(TimeStampedModel):
    """Party membership facts of a member (中共党员 or 预备党员)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="membership",
                                  verbose_name=_("人员"))
    category = models.CharField(_("人员类别"), max_length=20, choices=MemberCategory.choices)
    admitted_on = models.DateField(_("入党日期"))
    converted_on = models.DateField(_("转正日期"), null=True, blank=True)
    party_group = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="group_members",
        verbose_name=_("党小组"), limit_choices_to={"org_type": OrgType.PARTY_GROUP},
    )
    status = models.CharField(_("党籍状态"), max_length=20, choices=MembershipStatus.choices,
                              default=MembershipStatus.NORMAL)
    rights_suspended = models.BooleanField(_("停止党员权利或留党察看"), default=False)
    lost_contact = models.BooleanField(_("失去联系"), default=False)
    lost_contact_on = models.DateField(_("失去联系日期"), null=True, blank=True)
    lost_contact_reason = models.CharField(_("失联情形"), max_length=1, choices=LostContactReason.choices,
                                           blank=True)
    mobile = models.BooleanField(_("流动党员"), default=False)
    mobile_since = models.DateField(_("外出日期"), null=True, blank=True)
    mobile_destination = models.CharField(_("外出流向"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("党籍信息")
        verbose_name_plural = _("党籍信息")
        constraints = [
            models.CheckConstraint(
                condition=Q(converted_on__isnull=True) | Q(converted_on__gt=models.F("admitted_on")),
                name="membership_converted_after_admitted",
                violation_error_message=_("转正日期必须晚于入党日期。"),
            ),
            models.CheckConstraint(
                condition=Q(category="probationary", converted_on__isnull=True) | Q(category="full"),
                name="membership_probationary_not_converted",
                violation_error_message=_("预备党员不应有转正日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_category_display()}"

    @property
    def has_vote(self) -> bool:
        """Probationary members, and members whose rights are suspended, have no vote."""
        return (
            self.category == MemberCategory.FULL
            and self.status == MembershipStatus.NORMAL
            and not self.rights_suspended
        )

    def _person(self) -> Person | None:
        """The person, also while both are still unsaved (validated together before saving)."""
        try:
            return self.person
        except Person.DoesNotExist:
            return None

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        today = timezone.localdate()
        for field in ("admitted_on", "converted_on", "lost_contact_on", "mobile_since"):
            value: datetime.date | None = getattr(self, field)
            if value and value > today:
                errors.setdefault(field, []).append(gettext("日期不能晚于今天。"))
        if self.converted_on and self.admitted_on and self.converted_on <= self.admitted_on:
            errors.setdefault("converted_on", []).append(gettext("转正日期必须晚于入党日期。"))
        if self.category == MemberCategory.FULL and not self.converted_on:
            errors.setdefault("converted_on", []).append(gettext("正式党员须填写转正日期。"))
        if self.category == MemberCategory.PROBATIONARY and self.converted_on:
            errors.setdefault("converted_on", []).append(gettext("预备党员不应有转正日期。"))
        person = self._person()
        if person is not None and self.admitted_on and person.birth_date:
            birth = person.birth_date
            eighteen = birth.replace(year=birth.year + 18) if not (birth.month == 2 and birth.day == 29) \
                else datetime.date(birth.year + 18, 3, 1)
            if self.admitted_on < eighteen:
                errors.setdefault("admitted_on", []).append(
                    gettext("入党时须年满十八岁：出生日期为%(birth)s，入党日期不能早于%(eighteen)s。")
                    % {"birth": birth.isoformat(), "eighteen": eighteen.isoformat()}
                )
        if self.lost_contact and not self.lost_contact_on:
            errors.setdefault("lost_contact_on", []).append(gettext("请填写失去联系日期。"))
        if self.mobile and not self.mobile_since:
            errors.setdefault("mobile_since", []).append(gettext("请填写外出日期。"))
        if self.party_group_id and person is not None and person.organization_id:
            group = self.party_group
            if group.org_type != OrgType.PARTY_GROUP or not group.path.startswith(person.organization.path):
                errors.setdefault("party_group", []).append(gettext("党小组须属于该党员所在的党支部。"))
        if errors:
            raise ValidationError(errors)


class TrainingKind(models.TextChoices):
    CANDIDATE = "candidate", _("发展对象集中培训")
    ACTIVIST = "activist", _("入党积极分子培训")
    MEMBER = "member", _("党员教育培训")
    OTHER = "other", _("其他")


class TrainingRecord(TimeStampedModel):
    """A training a person attended (集中培训 of 发展对象, member education), with its days and class hours."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="trainings", verbose_name=_("人员"))
    kind = models.CharField(_("类别"), max_length=20, choices=TrainingKind.choices, default=TrainingKind.OTHER)
    title = models.CharField(_("培训名称"), max_length=200)
    organizer = models.CharField(_("举办单位"), max_length=100, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    days = models.DecimalField(_("天数"), max_digits=5, decimal_places=1, default=0)
    class_hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1, default=0)

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                   name="training_ends_after_start",
                                   violation_error_message=_("结束日期不能早于开始日期。")),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.title}"
