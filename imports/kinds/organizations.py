"""Bulk import of party organizations (党组织), capability ADMINISTER.

Each row names its parent (上级党组织) by full or short name: an existing organization in the actor's ADMINISTER
scope, or one created by an earlier row of the same file. A row whose full name already exists under that parent
updates it (CHANGED / UNCHANGED; blank cells keep the existing values); otherwise it is NEW. The rules are branches.services' own: `_validate_placement`
(which type may sit under which), `_full_clean` (`_validate_fields` and the model's `full_clean`); changing the
type of an existing organization is left to its page, which also checks its children.

`check` preloads the scoped tree in one query and writes nothing; `commit` creates the NEW rows in file order
(so a parent is saved before its children) with treebeard's `add_child`, saves the CHANGED ones, and resets the
tree cache once when the transaction commits. django-auditlog records each organization as usual."""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from branches import permissions
from branches.audit import acting
from branches.models import Organization, OrgType
from branches.permissions import Capability
from branches.selectors import tree_changed
from branches.services import ORGANIZATION_FIELDS, _full_clean, _validate_placement

from ..models import ImportKind, RowStatus
from ..spec import Column, ImportSpec, Progress, RowOutcome, no_progress, register
from .common import (
    ChoiceLabelWidget,
    PortalDateWidget,
    YesNoWidget,
    clean_cell,
    shown,
    text,
    validation_messages,
)

_WIDGETS = {"org_type": ChoiceLabelWidget(lambda: OrgType.choices), "has_committee": YesNoWidget(),
            "founded_on": PortalDateWidget(), "term_started_on": PortalDateWidget(),
            "term_ends_on": PortalDateWidget()}

# ---- the kind ---------------------------------------------------------------------------------------------


class OrganizationResource(resources.ModelResource):
    """The columns of the organization template, parsed with import-export's widgets."""

    parent = fields.Field(attribute="parent", column_name="上级党组织")

    class Meta:
        model = Organization
        fields = ("name", "short_name", "org_type", "parent", "code", "founded_on", "unit_name", "has_committee",
                  "term_started_on", "term_ends_on", "secretary_name", "contact_name", "contact_phone")
        import_id_fields = ("name",)


# Column key → the Organization field it fills (all but "parent").
FIELD_COLUMNS = ("name", "short_name", "org_type", "code", "founded_on", "unit_name", "has_committee",
                 "term_started_on", "term_ends_on", "secretary_name", "contact_name", "contact_phone")
assert set(FIELD_COLUMNS) <= set(ORGANIZATION_FIELDS)


class OrganizationsSpec(ImportSpec):
    kind = ImportKind.ORGANIZATIONS
    verbose_name = _("党组织")
    capability = Capability.ADMINISTER
    sheet_name = _("党组织")
    sheet_aliases = ("organizations",)
    resource_class = OrganizationResource
    columns = [
        Column("name", _("党组织全称"), required=True,
               help=_("与印章一致；同一上级党组织下全称相同视为同一党组织，按本行更新（空白单元格保留原值）"),
               example="中共某某研究所第三支部委员会"),
        Column("short_name", _("简称"), required=True, example="第三党支部"),
        Column("org_type", _("类型"), required=True, help=_("党支部之下只能设党小组；党小组只能设在党支部之下"),
               allowed=lambda: [label for _v, label in OrgType.choices], example="党支部"),
        Column("parent", _("上级党组织"), required=True,
               help=_("已有党组织的全称或简称，须在您的管理范围内；也可以是本文件中排在前面的党组织"),
               example="中共某某研究所委员会"),
        Column("code", _("组织代码"), help=_("中组部编码或本系统编码，不能与其他党组织重复")),
        Column("founded_on", _("成立日期"), help=_("格式 2024-05-01，不能晚于今天"), example="2020-07-01"),
        Column("unit_name", _("所在单位")),
        Column("has_committee", _("是否设支委会"), help=_("是 / 否，空白为否"), allowed=("是", "否"), example="否"),
        Column("term_started_on", _("本届开始日期"), help=_("格式 2024-05-01")),
        Column("term_ends_on", _("届满日期"), help=_("须晚于本届开始日期")),
        Column("secretary_name", _("书记")),
        Column("contact_name", _("联系人")),
        Column("contact_phone", _("联系电话")),
    ]

    def labels(self) -> dict[str, Any]:
        return {c.key: c.label for c in self.columns}

    # -- reading a row --------------------------------------------------------------------------------

    def _data(self, raw: dict[str, Any], errors: list[str]) -> dict[str, Any]:
        labels, columns = self.labels(), self.column_map()
        data: dict[str, Any] = {}
        for key in FIELD_COLUMNS:
            widget = _WIDGETS.get(key)
            data[key] = clean_cell(widget, columns, key, raw.get(key), errors) if widget else text(raw.get(key))
        data["org_type"] = data["org_type"] or ""
        data["has_committee"] = bool(data["has_committee"])
        for key in ("name", "short_name", "org_type"):
            if not data[key] and not any(str(labels[key]) in e for e in errors):
                errors.append(gettext("“%(col)s”不能为空。") % {"col": labels[key]})
        return data

    def check(self, actor: Any, rows: list[tuple[int, dict[str, Any]]], progress: Progress = no_progress
              ) -> list[RowOutcome]:
        labels = self.labels()
        scoped = list(permissions.orgs_with(actor, Capability.ADMINISTER))  # one query: the actor's subtrees
        by_name: dict[str, list[Any]] = {}
        children: dict[tuple[str, str], Organization] = {}
        for org in scoped:
            for name in {org.name, org.short_name}:
                if name:
                    by_name.setdefault(name, []).append(org)
            parent_path = org.path[:-Organization.steplen]
            children[(parent_path, org.name)] = org
        in_file: dict[tuple[str, str], RowOutcome] = {}  # (parent key, name) → the first row
        codes: dict[str, int] = {}  # organization code → the first row using it
        failed: dict[str, int] = {}  # names of rows with errors → their row (their children cannot be placed)
        outcomes: list[RowOutcome] = []
        total = len(rows)
        for done, (line, raw) in enumerate(rows, 1):
            errors: list[str] = []
            data = self._data(raw, errors)
            outcome = RowOutcome(row=line, key=data["name"] or text(raw.get("short_name")),
                                 values={c.key: text(raw.get(c.key)) for c in self.columns})
            parent_name = text(raw.get("parent"))
            if parent_name in failed and parent_name not in by_name:
                errors.append(gettext("“%(col)s”：上级党组织“%(name)s”所在的第%(row)d行有错误，请先修正该行。")
                              % {"col": labels["parent"], "name": parent_name, "row": failed[parent_name]})
                parent = None
            else:
                parent = self._parent(parent_name, by_name, labels, errors)
            if data["code"]:
                if data["code"] in codes:
                    errors.append(gettext("“%(col)s”“%(code)s”在第%(row)d行已使用。")
                                  % {"col": labels["code"], "code": data["code"], "row": codes[data["code"]]})
                else:
                    codes[data["code"]] = line
            target: Organization | None = None
            changed: list[str] = []
            if parent is not None and data["name"]:
                parent_key = parent.path if parent.pk else f"row:{id(parent)}"
                first = in_file.get((parent_key, data["name"]))
                if first is not None:
                    errors.append(gettext("“%(col)s”：同一上级党组织下的“%(name)s”在第%(row)d行已出现。")
                                  % {"col": labels["name"], "name": data["name"], "row": first.row})
                    if not any(f"第{line}行" in e for e in first.errors):
                        first.add_error(gettext("“%(col)s”：同一上级党组织下的“%(name)s”在第%(row)d行再次出现。")
                                        % {"col": labels["name"], "name": data["name"], "row": line})
                else:
                    in_file[(parent_key, data["name"])] = outcome
                existing = children.get((parent_key, data["name"])) if parent.pk else None
                if existing is not None:  # blank cells keep the existing values
                    given = {k: v for k, v in data.items() if text(raw.get(k)) != ""}
                    target, changed = self._update(existing, given, outcome, errors)
                else:
                    target = self._new(data, parent, errors)
            if not errors and target is not None and target.pk is None:
                for name in {target.name, target.short_name}:
                    by_name.setdefault(name, []).append(target)  # later rows may name it as their parent
            elif errors:
                for name in (data["name"], data["short_name"]):
                    if name:
                        failed.setdefault(name, line)
            for message in errors:
                outcome.add_error(message)
            outcome.target = (target, parent, changed) if not outcome.errors else None
            outcomes.append(outcome)
            if done % 50 == 0 or done == total:
                progress(done, total)
        return outcomes

    def _parent(self, name: str, by_name: dict[str, list[Any]], labels: dict[str, Any], errors: list[str]
                ) -> Organization | None:
        if not name:
            errors.append(gettext("“%(col)s”不能为空。") % {"col": labels["parent"]})
            return None
        found = {id(o): o for o in by_name.get(name, [])}
        candidates = list(found.values())
        if not candidates:
            errors.append(gettext("“%(col)s”：党组织“%(name)s”不存在或不在您的管理范围内。")
                          % {"col": labels["parent"], "name": name})
            return None
        if len(candidates) > 1:
            errors.append(gettext("“%(col)s”：“%(name)s”对应多个党组织（%(names)s），请填写全称。")
                          % {"col": labels["parent"], "name": name,
                             "names": gettext("、").join(sorted(o.name for o in candidates))})
            return None
        return candidates[0]

    def _new(self, data: dict[str, Any], parent: Organization, errors: list[str]) -> Organization:
        org = Organization(**data)
        self._validate(org, parent, errors)
        return org

    def _update(self, existing: Organization, data: dict[str, Any], outcome: RowOutcome, errors: list[str]
                ) -> tuple[Organization, list[str]]:
        labels = self.labels()
        if existing.closed_on is not None:
            errors.append(gettext("“%(name)s”已于 %(date)s 撤销，不能再修改。")
                          % {"name": existing.name, "date": existing.closed_on.isoformat()})
            return existing, []
        if data["org_type"] and data["org_type"] != existing.org_type:
            errors.append(gettext("“%(col)s”：现有党组织“%(name)s”的类型是%(old)s；修改类型请在党组织页面操作。")
                          % {"col": labels["org_type"], "name": existing.name,
                             "old": existing.get_org_type_display()})
            return existing, []
        org = copy.copy(existing)
        changes = {}
        for name, value in data.items():
            if getattr(org, name) != value:
                changes[str(labels[name])] = [shown(getattr(org, name)), shown(value)]
                setattr(org, name, value)
        self._validate(org, None, errors)
        outcome.changes = changes
        outcome.status = RowStatus.CHANGED if changes else RowStatus.UNCHANGED
        return org, [name for name in data if getattr(existing, name) != data[name]]

    def _validate(self, org: Organization, parent: Organization | None, errors: list[str]) -> None:
        try:
            if parent is not None:
                _validate_placement(org.org_type, parent)
            _full_clean(org)
        except ValidationError as exc:
            errors.extend(validation_messages(exc, self.column_map()))

    def commit(self, actor: Any, outcomes: list[RowOutcome], progress: Progress = no_progress) -> dict[str, int]:
        from branches.tasks import refresh_compliance_summary_task

        counts = {"new": 0, "changed": 0, "unchanged": 0}
        total = len(outcomes)
        written: list[int] = []
        with acting(actor):
            for done, outcome in enumerate(outcomes, 1):
                org, parent, changed = outcome.target
                if outcome.status == RowStatus.NEW:
                    Organization.objects.add_child(parent, instance=org)  # parent: saved already (file order)
                    counts["new"] += 1
                    written.append(org.pk)
                elif outcome.status == RowStatus.CHANGED:
                    org.save(update_fields=[*changed, "updated_at"])
                    counts["changed"] += 1
                    written.append(org.pk)
                else:
                    counts["unchanged"] += 1
                if done % 50 == 0 or done == total:
                    progress(done, total)
        transaction.on_commit(tree_changed)
        for pk in written:  # what 三会一课 requires depends on the type, the committee and the names
            transaction.on_commit(lambda pk=pk: refresh_compliance_summary_task.delay(pk))
        return counts


register(OrganizationsSpec())
