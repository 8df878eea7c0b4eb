"""党籍信息 import: one row per party member, for a person already on record in the importer's scope (found by ID
number, or by name + birth date without one). The rules are members.services.membership_save's (_assign_membership,
_validate → PartyMembership.clean): political status follows the category.

Same approach as the people import (imports/kinds/people.py): people, their memberships and party groups loaded
in a few queries, validation in memory, bulk writes, and the audit entries the signals would have written
bulk-created."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from branches import permissions
from branches.models import OrgType
from branches.permissions import Capability
from members import idcard
from members import services as member_services
from members.codes import LostContactReason, MemberCategory, MembershipStatus
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
    Column("name", _("姓名"), True, _("须与系统中的人员一致"), example="张伟"),
    Column("birth_date", _("出生日期"), False, _("未填公民身份号码时必填，用于匹配人员"), example="1985-06-15"),
    Column("id_number", _("公民身份号码"), False, _("按此号码匹配系统中的人员；不填时按姓名+出生日期匹配"),
           example="110101198506150035"),
    Column("category", _("人员类别"), True, "", allowed=lambda: [str(label) for _c, label in MemberCategory.choices],
           example="正式党员"),
    Column("admitted_on", _("入党日期"), True, _("格式 2020-01-31；入党时须年满十八岁"), example="2010-07-01"),
    Column("converted_on", _("转正日期"), False, _("正式党员必填，须晚于入党日期；预备党员不填"), example="2011-07-01"),
    Column("status", _("党籍状态"), False, _("不填为正常"),
           allowed=lambda: [str(label) for _c, label in MembershipStatus.choices], example="正常"),
    Column("rights_suspended", _("停止党员权利或留党察看"), False, _("填“是”或“否”"), allowed=("是", "否"), example="否"),
    Column("lost_contact", _("失去联系"), False, _("填“是”或“否”"), allowed=("是", "否"), example="否"),
    Column("lost_contact_on", _("失去联系日期"), False, _("失去联系为“是”时必填"), example=""),
    Column("lost_contact_reason", _("失联情形"), False, "",
           allowed=lambda: [str(label) for _c, label in LostContactReason.choices], example=""),
    Column("mobile", _("流动党员"), False, _("填“是”或“否”"), allowed=("是", "否"), example="否"),
    Column("mobile_since", _("外出日期"), False, _("流动党员为“是”时必填"), example=""),
    Column("mobile_destination", _("外出流向"), False, "", example=""),
    Column("party_group", _("党小组"), False, _("所在党支部下党小组的全称或简称"), example=""),
]
_COLUMNS = {c.key: c for c in COLUMNS}
DATA_FIELDS = [c.key for c in COLUMNS if c.key not in ("name", "birth_date", "id_number")]


class MembershipResource(resources.ModelResource):
    """Cell parsing and the stock-import shape of the membership columns."""

    category = fields.Field(attribute="category", column_name="人员类别",
                            widget=ChoiceLabelWidget(lambda: MemberCategory.choices))
    admitted_on = fields.Field(attribute="admitted_on", column_name="入党日期", widget=PortalDateWidget())
    converted_on = fields.Field(attribute="converted_on", column_name="转正日期", widget=PortalDateWidget())
    status = fields.Field(attribute="status", column_name="党籍状态",
                          widget=ChoiceLabelWidget(lambda: MembershipStatus.choices, blank=MembershipStatus.NORMAL))
    rights_suspended = fields.Field(attribute="rights_suspended", column_name="停止党员权利或留党察看",
                                    widget=YesNoWidget())
    lost_contact = fields.Field(attribute="lost_contact", column_name="失去联系", widget=YesNoWidget())
    lost_contact_on = fields.Field(attribute="lost_contact_on", column_name="失去联系日期", widget=PortalDateWidget())
    lost_contact_reason = fields.Field(attribute="lost_contact_reason", column_name="失联情形",
                                       widget=ChoiceLabelWidget(lambda: LostContactReason.choices))
    mobile = fields.Field(attribute="mobile", column_name="流动党员", widget=YesNoWidget())
    mobile_since = fields.Field(attribute="mobile_since", column_name="外出日期", widget=PortalDateWidget())
    mobile_destination = fields.Field(attribute="mobile_destination", column_name="外出流向", widget=TextWidget())

    class Meta:
        model = PartyMembership
        fields = tuple(k for k in DATA_FIELDS if k != "party_group")


_RESOURCE: list[MembershipResource] = []
_DATE = PortalDateWidget()
_TEXT = TextWidget()


def _resource() -> MembershipResource:
    if not _RESOURCE:
        _RESOURCE.append(MembershipResource())
    return _RESOURCE[0]


def _shown(field: str, value: Any) -> Any:
    if field == "party_group":
        return str(value) if value else ""
    widget = _resource().fields[field].widget
    return widget.render(value) if value not in (None, "") or isinstance(widget, YesNoWidget) else ""


class MembershipsSpec(ImportSpec):
    kind = ImportKind.MEMBERSHIPS
    verbose_name = _("党籍信息")
    capability = Capability.EDIT_PEOPLE
    sheet_name = _("党籍信息")
    sheet_aliases = ("党籍信息",)
    columns = COLUMNS
    resource_class = MembershipResource

    def _parse(self, line: int, raw: dict[str, Any]) -> tuple[RowOutcome, dict[str, Any]]:
        outcome = RowOutcome(row=line, values={k: display(v) for k, v in raw.items()})
        data: dict[str, Any] = {}
        resource_fields = _resource().fields
        for column in COLUMNS:
            value = raw.get(column.key)
            if column.required and not cell_text(value):
                outcome.add_error(column_error(_COLUMNS, column.key, gettext("必须填写。")))
                continue
            try:
                if column.key == "birth_date":
                    data[column.key] = _DATE.clean(value)
                elif column.key in ("name", "id_number", "party_group"):
                    data[column.key] = _TEXT.clean(value)
                else:
                    data[column.key] = resource_fields[column.key].widget.clean(value)
            except ValueError as exc:
                outcome.add_error(column_error(_COLUMNS, column.key, str(exc)))
        data["id_number"] = idcard.normalize(data.get("id_number") or "") or None
        if not data["id_number"] and not data.get("birth_date") and "birth_date" not in _error_fields(outcome):
            outcome.add_error(column_error(_COLUMNS, "id_number", gettext("请填写公民身份号码，或填写出生日期以按姓名匹配。")))
        name = data.get("name") or ""
        outcome.key = f"{name}（{idcard.mask(data['id_number'])}）" if data["id_number"] else name
        return outcome, data

    def check(self, actor: Any, rows: list[tuple[int, dict[str, Any]]], progress: Progress = no_progress
              ) -> list[RowOutcome]:
        parsed = [self._parse(line, raw) for line, raw in rows]
        groups = _GroupIndex(actor)
        by_id, by_name_birth = existing_people(parsed)
        # One row per person: the same person twice → an error on each row, naming the other.
        rows_of: dict[int, list[int]] = {}
        matched: list[Person | None] = []
        for index, (outcome, data) in enumerate(parsed):
            person = None
            if outcome.status != RowStatus.ERROR:
                person = _match(actor, outcome, data, by_id, by_name_birth)
            matched.append(person)
            if person is not None:
                rows_of.setdefault(person.pk, []).append(index)
        for indexes in rows_of.values():
            if len(indexes) > 1:
                for index in indexes:
                    others = gettext("、").join(str(parsed[i][0].row) for i in indexes if i != index)
                    parsed[index][0].add_error(column_error(_COLUMNS, "name", gettext(
                        "与第%(rows)s行是同一人，每人只能有一行。") % {"rows": others}))
        total = len(parsed)
        for done, ((outcome, data), person) in enumerate(zip(parsed, matched, strict=True), start=1):
            if outcome.status != RowStatus.ERROR and person is not None:
                self._validate_row(actor, outcome, data, person, groups)
            if done % 500 == 0 or done == total:
                progress(done, total)
        return [outcome for outcome, _data in parsed]

    def _validate_row(self, actor: Any, outcome: RowOutcome, data: dict[str, Any], person: Person,
                      groups: _GroupIndex) -> None:
        group_text = data.get("party_group") or ""
        group = None
        if group_text:
            group, message = groups.resolve(group_text, person)
            if message:
                outcome.add_error(column_error(_COLUMNS, "party_group", message))
                return
        membership = member_services._existing_membership(person)
        old = snapshot(membership) if membership is not None else None
        old_person = snapshot(person)
        membership = membership or PartyMembership(person=person)
        values = {k: data.get(k) for k in DATA_FIELDS}
        values["party_group"] = group
        member_services._assign_membership(membership, values)
        try:
            member_services._validate(actor, person, membership, status_given=False, membership_prefix="",
                                      duplicate=None, preloaded=True)
        except ValidationError as exc:
            add_validation_errors(outcome, _COLUMNS, exc)
            return
        outcome.key = f"{person.name}（{idcard.mask(person.id_number)}）" if person.id_number else person.name
        if old is None:
            outcome.status = RowStatus.NEW
        else:
            changes = {str(_COLUMNS[f].label): [_shown(f, getattr(old, f)), _shown(f, getattr(membership, f))]
                       for f in DATA_FIELDS if getattr(old, f) != getattr(membership, f)}
            outcome.changes = changes
            outcome.status = RowStatus.CHANGED if changes else RowStatus.UNCHANGED
        if old_person.political_status != person.political_status:
            outcome.changes[gettext("政治面貌")] = [old_person.get_political_status_display(),
                                                person.get_political_status_display()]
            if outcome.status == RowStatus.UNCHANGED:
                outcome.status = RowStatus.CHANGED
        outcome.target = (old, membership, old_person, person)

    def commit(self, actor: Any, outcomes: list[RowOutcome], progress: Progress = no_progress) -> dict[str, int]:
        now = timezone.now()
        new = [o.target for o in outcomes if o.status == RowStatus.NEW]
        changed = [o.target for o in outcomes if o.status == RowStatus.CHANGED]
        created = [membership for _old, membership, _op, _p in new]
        for membership in created:
            membership.person_id = membership.person.pk
        PartyMembership.objects.bulk_create(created, batch_size=BATCH_SIZE)
        updated = [membership for _old, membership, _op, _p in changed]
        for membership in updated:
            membership.updated_at = now
        PartyMembership.objects.bulk_update(updated, [*DATA_FIELDS, "updated_at"], batch_size=BATCH_SIZE)
        people = [(op, p) for _o, _m, op, p in [*new, *changed] if op.political_status != p.political_status]
        for _op, person in people:
            person.updated_at = now
        Person.objects.bulk_update([p for _op, p in people], ["political_status", "updated_at"],
                                   batch_size=BATCH_SIZE)
        progress(1, 1)
        audit_entries(actor, created, [(old, m) for old, m, _op, _p in changed] + people, note=str(self.kind))
        return {"new": len(new), "changed": len(changed),
                "unchanged": sum(1 for o in outcomes if o.status == RowStatus.UNCHANGED)}


def _error_fields(outcome: RowOutcome) -> set[str]:
    return {key for key, column in _COLUMNS.items() for e in outcome.errors if e.startswith(f"{column.label}：")}


def _match(actor: Any, outcome: RowOutcome, data: dict[str, Any], by_id: dict[str, Person],
           by_name_birth: dict[tuple, list[Person]]) -> Person | None:
    """The person the row means, in the actor's EDIT_PEOPLE scope; else an error (no details outside scope)."""
    if data["id_number"]:
        person = by_id.get(data["id_number"])
        field = "id_number"
        if person is not None and data.get("name") and person.name != data["name"] \
                and permissions.has_capability(actor, person.organization, Capability.EDIT_PEOPLE):
            outcome.add_error(column_error(_COLUMNS, "name", gettext(
                "该公民身份号码登记的姓名为“%(name)s”，与填写的“%(entered)s”不一致。")
                % {"name": person.name, "entered": data["name"]}))
            return None
    else:
        field = "name"
        matches = by_name_birth.get((data.get("name"), data.get("birth_date")), [])
        if len(matches) > 1:
            outcome.add_error(column_error(_COLUMNS, "id_number", gettext(
                "系统中有%(n)d位姓名和出生日期相同的人员，无法确定是哪一位，请填写公民身份号码。") % {"n": len(matches)}))
            return None
        person = matches[0] if matches else None
    if person is None or not permissions.has_capability(actor, person.organization, Capability.EDIT_PEOPLE):
        outcome.add_error(column_error(_COLUMNS, field, gettext(
            "在您的管理范围内没有找到此人，请先导入或录入人员信息。")))
        return None
    return person


class _GroupIndex:
    """Party groups in scope, found by full name or short name under the person's branch."""

    def __init__(self, actor: Any) -> None:
        index = OrgIndex(actor, Capability.EDIT_PEOPLE)
        self.groups = [o for o in index.by_pk.values() if o.org_type == OrgType.PARTY_GROUP]

    def resolve(self, text: str, person: Person) -> tuple[Any, str | None]:
        path = person.organization.path
        found = [g for g in self.groups if g.path.startswith(path) and (g.name == text or g.short_name == text)]
        if len(found) == 1:
            return found[0], None
        if len(found) > 1:
            return None, gettext("“%(name)s”对应多个党小组：%(names)s，请填写全称。") % {
                "name": text, "names": gettext("、").join(g.name for g in found)}
        return None, gettext("“%(org)s”下没有名为“%(name)s”的党小组。") % {"org": person.organization, "name": text}


register(MembershipsSpec())
