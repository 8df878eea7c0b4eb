"""人员 import: one row per person, matched to an existing person by ID number, or by name + birth date when the
number is empty. The rules are members.services' own (_assign_person, _validate): the forms, the API and this
import agree.

Speed: the rows are parsed with the resource's widgets; organizations come from the tree cache; existing people
are loaded by the file's ID numbers (chunks of 500) and names in a few queries, with their organization and
membership; every row is validated in memory (no query per row); the commit writes with bulk_create/bulk_update.

Audit: bulk writes skip auditlog's signals, so the commit bulk-creates the same LogEntry rows the signals would
have written (one per created or changed person, same diff and masking, the importer as actor) — the history of
each person stays complete, at one INSERT per 1,000 entries — and the batch gets one ACCESS entry with the counts
(imports.services)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from branches.models import Organization
from branches.permissions import Capability
from members import idcard
from members import services as member_services
from members.codes import (
    ETHNICITY_CHOICES,
    Degree,
    Education,
    MemberCategory,
    PoliticalStatus,
    Sex,
    TitleLevel,
)
from members.models import PartyMembership, Person

from ..files import cell_text
from ..models import ImportKind, RowStatus
from ..spec import Column, ImportSpec, Progress, RowOutcome, no_progress, register
from .common import (
    ChoiceLabelWidget,
    OrgIndex,
    PortalDateWidget,
    TextWidget,
    YesNoWidget,
    add_validation_errors,
    audit_entries,
    column_error,
    display,
    existing_people,
    snapshot,
)

BATCH_SIZE = 1000

COLUMNS = [
    Column("name", _("姓名"), True, _("与身份证一致"), example="张伟"),
    Column("sex", _("性别"), True, _("须与公民身份号码一致"), allowed=lambda: [str(label) for _c, label in Sex.choices],
           example="男"),
    Column("ethnicity", _("民族"), False, _("不填为汉族"), allowed=lambda: [str(label) for _c, label in
                                                                           ETHNICITY_CHOICES], example="汉族"),
    Column("birth_date", _("出生日期"), True, _("格式 2020-01-31；须与公民身份号码一致"), example="1985-06-15"),
    Column("id_number", _("公民身份号码"), False,
           _("18位，末位可为X；请把单元格设为文本格式。已有人员按此号码匹配，不填时按姓名+出生日期匹配"),
           example="110101198506150035"),
    Column("education", _("学历"), False, "", allowed=lambda: [str(label) for _c, label in Education.choices],
           example="大学本科"),
    Column("degree", _("学位"), False, "", allowed=lambda: [str(label) for c, label in Degree.choices if c],
           example="学士"),
    Column("title", _("专业技术职务"), False, "", example="工程师"),
    Column("title_level", _("职称级别"), False, "",
           allowed=lambda: [str(label) for c, label in TitleLevel.choices if c], example="中级"),
    Column("returned_from_abroad", _("留学归国"), False, _("填“是”或“否”，不填为否"), allowed=("是", "否"), example="否"),
    Column("discipline", _("学科专业"), False, "", example="计算机科学与技术"),
    Column("post", _("工作岗位"), False, "", example="研究员"),
    Column("phone", _("联系电话"), False, "", example="13800138000"),
    Column("email", _("电子邮箱"), False, "", example="zhangwei@example.cn"),
    Column("political_status", _("政治面貌"), False,
           _("不填时新增人员为群众（填了人员类别的为党员）、已有人员不变。中共党员、中共预备党员须同时填写"
             "“人员类别”“入党日期”（正式党员还须填写“转正日期”）；已有党籍信息的人员可不填"),
           allowed=lambda: [str(label) for _c, label in PoliticalStatus.choices], example="群众"),
    Column("organization", _("所在党组织"), True, _("党组织全称、组织代码或简称（简称重名时须填全称）；须在您的管理范围内"),
           example="第一党支部"),
    Column("category", _("人员类别"), False,
           _("党员填写，群众不填；政治面貌随之设置（正式党员为中共党员，预备党员为中共预备党员）。"
             "党籍的其他信息（党籍状态、党小组等）请用“党籍信息”导入"),
           allowed=lambda: [str(label) for _c, label in MemberCategory.choices], header_optional=True),
    Column("admitted_on", _("入党日期"), False, _("填写了人员类别时必填，格式 2020-01-31；入党时须年满十八岁"),
           header_optional=True),
    Column("converted_on", _("转正日期"), False, _("正式党员必填，须晚于入党日期；预备党员不填"), header_optional=True),
]
_COLUMNS = {c.key: c for c in COLUMNS}
# The membership columns (optional): given, the row creates or changes the person's membership as membership_save
# does; their errors come back from members.services under "membership.<field>".
MEMBERSHIP_COLUMNS = ("category", "admitted_on", "converted_on")
_MEMBERSHIP_WIDGETS = {"category": ChoiceLabelWidget(lambda: MemberCategory.choices),
                       "admitted_on": PortalDateWidget(), "converted_on": PortalDateWidget()}
_ALIASES = {member_services.MEMBERSHIP_PREFIX + key: key for key in MEMBERSHIP_COLUMNS}


class PersonResource(resources.ModelResource):
    """The columns as django-import-export fields: their widgets parse the cells (the engine's and the stock
    import's), and the stock import (bench) uses the resource as is, with ForeignKeyWidget for the organization."""

    name = fields.Field(attribute="name", column_name="姓名", widget=TextWidget())
    sex = fields.Field(attribute="sex", column_name="性别", widget=ChoiceLabelWidget(lambda: Sex.choices))
    ethnicity = fields.Field(attribute="ethnicity", column_name="民族",
                             widget=ChoiceLabelWidget(lambda: ETHNICITY_CHOICES, blank="01"))
    birth_date = fields.Field(attribute="birth_date", column_name="出生日期", widget=PortalDateWidget())
    id_number = fields.Field(attribute="id_number", column_name="公民身份号码", widget=TextWidget())
    education = fields.Field(attribute="education", column_name="学历", widget=ChoiceLabelWidget(lambda: Education.choices))
    degree = fields.Field(attribute="degree", column_name="学位", widget=ChoiceLabelWidget(lambda: Degree.choices))
    title = fields.Field(attribute="title", column_name="专业技术职务", widget=TextWidget())
    title_level = fields.Field(attribute="title_level", column_name="职称级别",
                               widget=ChoiceLabelWidget(lambda: TitleLevel.choices))
    returned_from_abroad = fields.Field(attribute="returned_from_abroad", column_name="留学归国", widget=YesNoWidget())
    discipline = fields.Field(attribute="discipline", column_name="学科专业", widget=TextWidget())
    post = fields.Field(attribute="post", column_name="工作岗位", widget=TextWidget())
    phone = fields.Field(attribute="phone", column_name="联系电话", widget=TextWidget())
    email = fields.Field(attribute="email", column_name="电子邮箱", widget=TextWidget())
    political_status = fields.Field(attribute="political_status", column_name="政治面貌",
                                    widget=ChoiceLabelWidget(lambda: PoliticalStatus.choices,
                                                             blank=PoliticalStatus.MASSES))
    organization = fields.Field(attribute="organization", column_name="所在党组织",
                                widget=widgets.ForeignKeyWidget(Organization, field="name"))

    class Meta:
        model = Person
        fields = tuple(c.key for c in COLUMNS if c.key not in MEMBERSHIP_COLUMNS)
        import_id_fields = ("id_number",)


_RESOURCE: list[PersonResource] = []


def _resource() -> PersonResource:
    if not _RESOURCE:
        _RESOURCE.append(PersonResource())
    return _RESOURCE[0]


def _label(person: Person) -> str:
    return f"{person.name}（{idcard.mask(person.id_number)}）" if person.id_number else person.name


def _shown(field: str, value: Any) -> Any:
    """A field's value as the preview shows it: choice labels, 是/否, ISO dates, masked ID numbers."""
    if field == "id_number":
        return idcard.mask(value) if value else ""
    resource_fields = _resource().fields
    widget = resource_fields[field].widget if field in resource_fields else _MEMBERSHIP_WIDGETS.get(field)
    if isinstance(widget, ChoiceLabelWidget | YesNoWidget | PortalDateWidget):
        return widget.render(value)
    return "" if value is None else str(value)


class PeopleSpec(ImportSpec):
    kind = ImportKind.PEOPLE
    verbose_name = _("人员")
    capability = Capability.EDIT_PEOPLE
    sheet_name = _("人员")
    sheet_aliases = ("人员",)
    columns = COLUMNS
    resource_class = PersonResource

    # ---- check ---------------------------------------------------------------------------------------

    def _parse(self, line: int, raw: dict[str, Any], orgs: OrgIndex) -> tuple[RowOutcome, dict[str, Any]]:
        outcome = RowOutcome(row=line, values=raw)  # the cells become their display form below: no copy per row
        data: dict[str, Any] = {}
        resource_fields = _resource().fields
        for column in COLUMNS:
            if column.key == "organization" or column.key in MEMBERSHIP_COLUMNS:
                continue
            value = raw.get(column.key)
            if column.required and not cell_text(value):
                outcome.add_error(column_error(_COLUMNS, column.key, gettext("必须填写。")))
                continue
            try:
                data[column.key] = resource_fields[column.key].widget.clean(value)
            except ValueError as exc:
                outcome.add_error(column_error(_COLUMNS, column.key, str(exc)))
        org_text = cell_text(raw.get("organization"))
        if not org_text:
            outcome.add_error(column_error(_COLUMNS, "organization", gettext("必须填写。")))
        else:
            org, message = orgs.resolve(org_text)
            if message:
                outcome.add_error(column_error(_COLUMNS, "organization", message))
            data["organization"] = org
        if any(cell_text(raw.get(key)) for key in MEMBERSHIP_COLUMNS):
            membership: dict[str, Any] = {}
            for key in MEMBERSHIP_COLUMNS:
                try:
                    membership[key] = _MEMBERSHIP_WIDGETS[key].clean(raw.get(key))
                except ValueError as exc:
                    outcome.add_error(column_error(_COLUMNS, key, str(exc)))
            data["membership"] = membership
        if not cell_text(raw.get("political_status")):
            data.pop("political_status", None)  # not given: new people are 群众, existing ones keep theirs
        if data.get("id_number"):
            data["id_number"] = idcard.normalize(data["id_number"])
        else:
            data["id_number"] = None
        name = data.get("name") or ""
        outcome.key = f"{name}（{idcard.mask(data['id_number'])}）" if data["id_number"] else name
        for key, value in raw.items():
            raw[key] = display(value)
        return outcome, data

    def check(self, actor: Any, rows: list[tuple[int, dict[str, Any]]], progress: Progress = no_progress
              ) -> list[RowOutcome]:
        orgs = OrgIndex(actor, self.capability)
        parsed = [self._parse(line, raw, orgs) for line, raw in rows]
        total = len(parsed)

        # Duplicates inside the file: by ID number; without one, by name + birth date.
        seen: dict[Any, list[int]] = {}
        for index, (_outcome, data) in enumerate(parsed):
            key = data["id_number"] or ((data.get("name"), data.get("birth_date")) if data.get("birth_date") else None)
            if key is not None:
                seen.setdefault(key, []).append(index)
        for key, indexes in seen.items():
            if len(indexes) < 2:
                continue
            for index in indexes:
                others = gettext("、").join(str(parsed[i][0].row) for i in indexes if i != index)
                if isinstance(key, str):
                    message = column_error(_COLUMNS, "id_number", gettext(
                        "与第%(rows)s行的公民身份号码重复，同一人只能有一行。") % {"rows": others})
                else:
                    message = column_error(_COLUMNS, "name", gettext(
                        "与第%(rows)s行的姓名和出生日期相同（均未填公民身份号码），同一人只能有一行。") % {"rows": others})
                parsed[index][0].add_error(message)

        by_id, by_name_birth = existing_people(parsed)
        outcomes: list[RowOutcome] = []
        for done, (outcome, data) in enumerate(parsed, start=1):
            if outcome.status != RowStatus.ERROR:
                self._validate_row(actor, outcome, data, by_id, by_name_birth)
            outcomes.append(outcome)
            if done % 500 == 0 or done == total:
                progress(done, total)
        return outcomes

    def _validate_row(self, actor: Any, outcome: RowOutcome, data: dict[str, Any], by_id: dict[str, Person],
                      by_name_birth: dict[tuple, list[Person]]) -> None:
        from branches import permissions

        org = data.pop("organization")
        membership_data = data.pop("membership", None)
        status_given = "political_status" in data
        existing: Person | None = None
        if data["id_number"]:
            existing = by_id.get(data["id_number"])
        else:
            matches = by_name_birth.get((data.get("name"), data.get("birth_date")), [])
            if len(matches) > 1:
                outcome.add_error(column_error(_COLUMNS, "id_number", gettext(
                    "系统中有%(n)d位姓名和出生日期相同的人员，无法确定是哪一位，请填写公民身份号码。")
                    % {"n": len(matches)}))
                return
            existing = matches[0] if matches else None
            data.pop("id_number")  # an existing person keeps the number on record
        if existing is not None and not permissions.has_capability(actor, existing.organization,
                                                                   Capability.EDIT_PEOPLE):
            if data.get("id_number"):
                message = member_services.duplicate_id_message_for(actor, existing)
            else:
                message = gettext("系统中已有姓名和出生日期相同的人员，记录不在您的管理范围内，请联系上级党组织核实。")
            outcome.add_error(column_error(_COLUMNS, "id_number" if data.get("id_number") else "name", message))
            return
        if existing is not None and org is not None and existing.organization_id != org.pk:
            outcome.add_error(column_error(_COLUMNS, "organization", gettext(
                "该人员现在“%(org)s”，调整所在党组织请使用“调动”功能。") % {"org": existing.organization}))
            return
        if existing is None:
            person = Person(organization=org)
            old = None
        else:
            person = existing
            old = snapshot(existing)
        if org is not None:
            try:
                member_services._check_target(actor, org)
            except ValidationError as exc:
                add_validation_errors(outcome, _COLUMNS, exc)
                return
        member_services._assign_person(person, data)
        old_membership = member_services._existing_membership(person) if existing is not None else None
        membership = old_membership
        if membership_data is not None:  # membership_save's way, on a copy (the loaded one is the 'before')
            membership = snapshot(old_membership) if old_membership is not None else PartyMembership(person=person)
            member_services._assign_membership(membership, membership_data)
        unlisted = membership is None and person.political_status in PoliticalStatus.party()
        if unlisted:  # the service's message, naming this file's columns
            outcome.add_error(column_error(_COLUMNS, "political_status", gettext(
                "中共党员、中共预备党员须同时填写“%(category)s”和“%(admitted)s”（正式党员还须填写“%(converted)s”）。")
                % {"category": _COLUMNS["category"].label, "admitted": _COLUMNS["admitted_on"].label,
                   "converted": _COLUMNS["converted_on"].label}))
        try:
            member_services._validate(actor, person, membership, status_given=status_given,
                                      membership_prefix=member_services.MEMBERSHIP_PREFIX, duplicate=None,
                                      preloaded=True)
        except ValidationError as exc:
            errors = {f: m for f, m in exc.message_dict.items() if not (unlisted and f == "political_status")}
            if errors:
                add_validation_errors(outcome, _COLUMNS, ValidationError(errors), _ALIASES)
        if outcome.status == RowStatus.ERROR:
            if existing is not None:  # leave the preloaded instance as it was for other rows' messages
                for field in member_services.PERSON_FIELDS + ("name_pinyin", "name_initials"):
                    setattr(existing, field, getattr(old, field))
            return
        outcome.key = _label(person)
        if membership is old_membership:
            membership = None  # not given: the membership on record is not touched
        if old is None:
            outcome.status = RowStatus.NEW
        else:
            changes = {str(_COLUMNS[f].label): [_shown(f, getattr(old, f)), _shown(f, getattr(person, f))]
                       for f in member_services.PERSON_FIELDS if getattr(old, f) != getattr(person, f)}
            if membership is not None:
                changes |= {str(_COLUMNS[f].label): [_shown(f, getattr(old_membership, f, None)),
                                                    _shown(f, getattr(membership, f))]
                            for f in MEMBERSHIP_COLUMNS if getattr(old_membership, f, None) != getattr(membership, f)}
            outcome.changes = changes
            outcome.status = RowStatus.CHANGED if changes else RowStatus.UNCHANGED
        outcome.target = (old, person, old_membership, membership)

    # ---- commit --------------------------------------------------------------------------------------

    def commit(self, actor: Any, outcomes: list[RowOutcome], progress: Progress = no_progress) -> dict[str, int]:
        created = [o.target[1] for o in outcomes if o.status == RowStatus.NEW]
        changed = [(old, new) for old, new, *_m in (o.target for o in outcomes if o.status == RowStatus.CHANGED)
                   if any(getattr(old, f) != getattr(new, f) for f in member_services.PERSON_FIELDS)]
        memberships = [o.target[2:] for o in outcomes
                       if o.status in (RowStatus.NEW, RowStatus.CHANGED) and o.target[3] is not None]
        now = timezone.now()
        total = len(created) + len(changed)
        try:
            for start in range(0, len(created), BATCH_SIZE):
                Person.objects.bulk_create(created[start:start + BATCH_SIZE])
                progress(start + BATCH_SIZE, total)
            people = [new for _old, new in changed]
            for person in people:
                person.updated_at = now
            update_fields = [*member_services.PERSON_FIELDS, "name_pinyin", "name_initials", "updated_at"]
            for start in range(0, len(people), BATCH_SIZE):
                Person.objects.bulk_update(people[start:start + BATCH_SIZE], update_fields)
                progress(len(created) + start + BATCH_SIZE, total)
        except IntegrityError:
            raise ValidationError(gettext("导入期间有其他用户登记了相同的公民身份号码，未导入任何数据，请重新上传文件检查。"))
        new_memberships = [new for old, new in memberships if old is None]
        for membership in new_memberships:
            membership.person_id = membership.person.pk  # the person was created above
        PartyMembership.objects.bulk_create(new_memberships, batch_size=BATCH_SIZE)
        changed_memberships = [(old, new) for old, new in memberships if old is not None and any(
            getattr(old, f) != getattr(new, f) for f in MEMBERSHIP_COLUMNS)]
        for _old, membership in changed_memberships:
            membership.updated_at = now
        PartyMembership.objects.bulk_update([new for _old, new in changed_memberships],
                                            [*MEMBERSHIP_COLUMNS, "updated_at"], batch_size=BATCH_SIZE)
        audit_entries(actor, [*created, *new_memberships], [*changed, *changed_memberships], note=str(self.kind))
        return {"new": len(created), "changed": sum(1 for o in outcomes if o.status == RowStatus.CHANGED),
                "unchanged": sum(1 for o in outcomes if o.status == RowStatus.UNCHANGED)}


register(PeopleSpec())
