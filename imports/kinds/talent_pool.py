"""Bulk import of the non-party talent pool (党外人才库), capability REVIEW_LIAISONS.

A row names a person who already exists in the actor's scope, by 公民身份号码 or, without one, by 姓名 + 出生日期,
and optionally the organization whose pool keeps the entry (default: the person's own organization, or the branch
above a 党小组). A person already in the pool → CHANGED / UNCHANGED; otherwise NEW.

The rules are liaison.services.profile_save's own (not a party member, within the unit, not a 党小组, not kept in
another unit's pool, the model's full_clean): the dry run calls profile_save for every row inside a savepoint that
is rolled back — nothing stays written, and no on-commit work is sent — and `commit` calls it again for real.
Talent pool files are small (a unit's backbones), so one service call per row is affordable."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import resources

from branches import permissions
from branches.models import Organization, OrgType
from branches.permissions import Capability
from liaison.models import TalentProfile
from liaison.services import PROFILE_FIELDS, profile_save
from members.models import Person

from ..models import ImportKind, RowStatus
from ..spec import Column, ImportSpec, Progress, RowOutcome, no_progress, register
from .common import PortalDateWidget, YesNoWidget, clean_cell, shown, text, validation_messages

_DATE = PortalDateWidget()
_BACKBONE = YesNoWidget(blank=True)


class TalentProfileResource(resources.ModelResource):
    class Meta:
        model = TalentProfile
        fields = ("person", "organization", *PROFILE_FIELDS)


class _DryRun(Exception):
    """Raised to roll the dry run's savepoint back."""


class TalentPoolSpec(ImportSpec):
    kind = ImportKind.TALENT_POOL
    verbose_name = _("党外人才库")
    capability = Capability.REVIEW_LIAISONS
    sheet_name = _("党外人才")
    sheet_aliases = ("talent_pool",)
    resource_class = TalentProfileResource
    columns = [
        Column("id_number", _("公民身份号码"), help=_("用于查找已有人员；没有号码时按姓名和出生日期查找"),
               example="110105199001011234"),
        Column("name", _("姓名"), required=True, example="王工程师"),
        Column("birth_date", _("出生日期"), help=_("格式 1990-01-01；没有公民身份号码时必填")),
        Column("organization", _("信息库所在党组织"),
               help=_("全称或简称；空白为此人所在党组织（党小组的人员记在其党支部）")),
        Column("research_field", _("研究方向"), example="高分子材料"),
        Column("programmes", _("人才计划"), help=_("入选的人才计划，多个用顿号分隔")),
        Column("leadership", _("学术职务")),
        Column("backbone", _("科技骨干"), help=_("是 / 否，空白为是"), allowed=("是", "否"), example="是"),
        Column("note", _("备注")),
    ]

    def labels(self) -> dict[str, Any]:
        return {c.key: c.label for c in self.columns}

    def _people(self, actor: Any, rows: list[tuple[int, dict[str, Any]]]
                ) -> tuple[dict[str, Person], dict[tuple[str, Any], list[Person]]]:
        """The people the rows name, within the actor's scope: by ID number, and by name + birth date."""
        ids = {text(raw.get("id_number")).upper() for _line, raw in rows} - {""}
        pairs = {(text(raw.get("name")), clean_cell(_DATE, {}, "birth_date", raw.get("birth_date"), []))
                 for _line, raw in rows if not text(raw.get("id_number"))}
        pairs = {(n, d) for n, d in pairs if n and d}
        base = permissions.scope_filter(Person.objects.all(), actor, Capability.REVIEW_LIAISONS,
                                        prefix="organization__").select_related("organization")
        by_id: dict[str, Person] = {}
        by_pair: dict[tuple[str, Any], list[Person]] = {}
        id_list = sorted(ids)
        for start in range(0, len(id_list), 500):
            for person in base.filter(id_number__in=id_list[start:start + 500]):
                by_id[person.id_number.upper()] = person
        if pairs:
            q = Q()
            for name, birth in pairs:
                q |= Q(name=name, birth_date=birth)
            for person in base.filter(q):
                by_pair.setdefault((person.name, person.birth_date), []).append(person)
        return by_id, by_pair

    def check(self, actor: Any, rows: list[tuple[int, dict[str, Any]]], progress: Progress = no_progress
              ) -> list[RowOutcome]:
        labels = self.labels()
        by_id, by_pair = self._people(actor, rows)
        orgs = list(permissions.orgs_with(actor, Capability.REVIEW_LIAISONS))
        org_by_name: dict[str, list[Organization]] = {}
        org_by_path = {o.path: o for o in orgs}
        for org in orgs:
            for name in {org.name, org.short_name}:
                org_by_name.setdefault(name, []).append(org)
        profiles = {p.person_id: p for p in TalentProfile.objects.filter(
            person__in=[*by_id.values(), *(p for ps in by_pair.values() for p in ps)]).select_related("organization")}
        seen: dict[int, RowOutcome] = {}
        outcomes: list[RowOutcome] = []
        total = len(rows)
        try:
            with transaction.atomic():
                for done, (line, raw) in enumerate(rows, 1):
                    outcomes.append(self._check_row(actor, line, raw, labels, by_id, by_pair, org_by_name,
                                                    org_by_path, profiles, seen))
                    if done % 20 == 0 or done == total:
                        progress(done, total)
                raise _DryRun
        except _DryRun:
            pass
        return outcomes

    def _check_row(self, actor, line, raw, labels, by_id, by_pair, org_by_name, org_by_path, profiles, seen
                   ) -> RowOutcome:
        errors: list[str] = []
        columns = self.column_map()
        id_number = text(raw.get("id_number")).upper()
        name = text(raw.get("name"))
        birth = clean_cell(_DATE, columns, "birth_date", raw.get("birth_date"), errors)
        data = {key: text(raw.get(key)) for key in ("research_field", "programmes", "leadership", "note")}
        backbone = clean_cell(_BACKBONE, columns, "backbone", raw.get("backbone"), errors)
        data["backbone"] = True if backbone is None else backbone
        key = f"{name} {id_number[:4]}{'*' * 10}{id_number[-4:]}" if len(id_number) == 18 else name
        outcome = RowOutcome(row=line, key=key, values={c.key: text(raw.get(c.key)) for c in self.columns})
        person = self._person(id_number, name, birth, labels, by_id, by_pair, errors)
        if person is not None:
            if person.pk in seen:
                first = seen[person.pk]
                errors.append(gettext("%(name)s在第%(row)d行已出现，同一人只能填写一行。")
                              % {"name": person.name, "row": first.row})
                first.add_error(gettext("%(name)s在第%(row)d行再次出现，同一人只能填写一行。")
                                % {"name": person.name, "row": line})
            else:
                seen[person.pk] = outcome
        organization = None
        if person is not None:
            organization = self._organization(text(raw.get("organization")), person, labels, org_by_name,
                                              org_by_path, errors)
        profile = profiles.get(person.pk) if person is not None else None
        if profile is not None and profile.removed_on is not None:
            errors.append(gettext("%(name)s已于%(date)s出库；重新入库请在党外人才信息库页面办理。")
                          % {"name": person.name, "date": profile.removed_on.isoformat()})
        elif profile is not None and not permissions.has_capability(actor, profile.organization,
                                                                    Capability.REVIEW_LIAISONS):
            errors.append(gettext("%(name)s已在%(org)s的信息库中。")  # the pool's own message (profile_save)
                          % {"name": person.name,
                             "org": profile.organization.short_name or profile.organization.name})
        if profile is not None and not errors and organization is not None:  # before the dry run changes it
            changes = {}
            if profile.organization_id != organization.pk:
                changes[str(labels["organization"])] = [profile.organization.short_name or profile.organization.name,
                                                        organization.short_name or organization.name]
            for field, value in data.items():
                if getattr(profile, field) != value:
                    changes[str(labels[field])] = [shown(getattr(profile, field)), shown(value)]
            outcome.changes = changes
            outcome.status = RowStatus.CHANGED if changes else RowStatus.UNCHANGED
        if not errors and person is not None and organization is not None:
            try:
                with transaction.atomic():
                    profile_save(actor=actor, person=person, organization=organization, data=data, profile=profile)
            except ValidationError as exc:
                errors.extend(validation_messages(exc, columns))
            except (PermissionDenied, Http404):
                errors.append(gettext("“%(col)s”：党组织“%(name)s”不在您的管理范围内。")
                              % {"col": labels["organization"], "name": organization.name})
        for message in errors:
            outcome.add_error(message)
        outcome.target = None if outcome.errors else (person, organization, data, profile)
        return outcome

    def _person(self, id_number, name, birth, labels, by_id, by_pair, errors) -> Person | None:
        if id_number:
            person = by_id.get(id_number)
            if person is None:
                errors.append(gettext("“%(col)s”：没有找到公民身份号码为%(number)s的人员，或此人不在您的管理范围内。"
                                      "请先在人员名单中录入。")
                              % {"col": labels["id_number"], "number": id_number})
            elif name and person.name != name:
                errors.append(gettext("“%(col)s”：公民身份号码对应的人员姓名是“%(found)s”，与“%(name)s”不一致。")
                              % {"col": labels["name"], "found": person.name, "name": name})
                return None
            return person
        if not name or birth is None:
            errors.append(gettext("请填写“%(id)s”，或同时填写“%(name)s”和“%(birth)s”。")
                          % {"id": labels["id_number"], "name": labels["name"], "birth": labels["birth_date"]})
            return None
        matches = by_pair.get((name, birth), [])
        if not matches:
            errors.append(gettext("没有找到%(birth)s出生的“%(name)s”，或此人不在您的管理范围内。请先在人员名单中录入。")
                          % {"name": name, "birth": birth.isoformat()})
            return None
        if len(matches) > 1:
            errors.append(gettext("%(birth)s出生的“%(name)s”有%(n)d人，请填写公民身份号码。")
                          % {"name": name, "birth": birth.isoformat(), "n": len(matches)})
            return None
        return matches[0]

    def _organization(self, name, person, labels, org_by_name, org_by_path, errors) -> Organization | None:
        if name:
            candidates = org_by_name.get(name, [])
            if not candidates:
                errors.append(gettext("“%(col)s”：党组织“%(name)s”不存在或不在您的管理范围内。")
                              % {"col": labels["organization"], "name": name})
                return None
            if len(candidates) > 1:
                errors.append(gettext("“%(col)s”：“%(name)s”对应多个党组织（%(names)s），请填写全称。")
                              % {"col": labels["organization"], "name": name,
                                 "names": gettext("、").join(sorted(o.name for o in candidates))})
                return None
            return candidates[0]
        org = person.organization
        if org.org_type == OrgType.PARTY_GROUP:
            org = org_by_path.get(org.path[:-Organization.steplen], org)
        return org

    def commit(self, actor: Any, outcomes: list[RowOutcome], progress: Progress = no_progress) -> dict[str, int]:
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        total = len(outcomes)
        for done, outcome in enumerate(outcomes, 1):
            if outcome.status == RowStatus.UNCHANGED:
                counts["unchanged"] += 1
                continue
            person, organization, data, profile = outcome.target
            profile_save(actor=actor, person=person, organization=organization, data=data, profile=profile)
            counts["new" if outcome.status == RowStatus.NEW else "changed"] += 1
            if done % 20 == 0 or done == total:
                progress(done, total)
        return counts


register(TalentPoolSpec())
