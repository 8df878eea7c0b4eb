"""党员名册: the party members of an organization and its whole subtree, grouped by branch, as a PDF."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches import permissions
from branches.forms import PortalFormMixin
from branches.models import Organization, OrgType
from branches.permissions import Capability
from members.codes import MemberCategory, MembershipStatus
from members.models import PartyMembership, Person
from members.selectors import person_scope

from ..pdf import render_pdf
from .base import CONTENT_TYPES, BaseExporter, ExportError, Payload, Progress, no_progress

MAX_PEOPLE = 3000


class OrganizationChoiceField(forms.ModelChoiceField):
    """Organizations in tree order, indented by depth below the user's topmost one."""

    def label_from_instance(self, obj: Organization) -> str:
        if not hasattr(self, "_top_depth"):
            self._top_depth = self.queryset.aggregate(top=Min("depth"))["top"] or obj.depth
        return "\u3000" * max(obj.depth - self._top_depth, 0) + obj.short_name


def export_organizations(user: Any):
    """Open organizations (not 党小组) where the user may export, in tree order."""
    return (
        permissions.orgs_with(user, Capability.EXPORT)
        .filter(closed_on__isnull=True)
        .exclude(org_type=OrgType.PARTY_GROUP)
        .order_by("path")
    )


class OrgRosterExporter(BaseExporter):
    identifier = "org_roster"
    verbose_name = _("党员名册")
    description = _("所选党组织及其下级组织的党员名册（PDF），按支部分组。")
    capability = Capability.EXPORT
    formats = ("pdf",)
    icon = "bi-file-earmark-pdf"
    max_people = MAX_PEOPLE

    def check_access(self, user: Any, data: Mapping) -> None:
        if data.get("organization"):
            permissions.get_org_or_404(user, data.get("organization"), Capability.EXPORT)

    def form_class(self, user: Any) -> type[forms.Form]:
        class OrgRosterForm(PortalFormMixin, forms.Form):
            organization = OrganizationChoiceField(
                label=_("党组织"),
                queryset=export_organizations(user),
                empty_label=_("请选择党组织"),
                help_text=_("名册包括该组织及其全部下级组织的党员。"),
                error_messages={"required": _("请选择党组织。"),
                                "invalid_choice": _("该党组织不存在或不在您的导出权限范围内。")},
            )

        return OrgRosterForm

    def job_title(self, form: forms.Form) -> str:
        org = form.cleaned_data["organization"]
        return f"{self.verbose_name} · {org.short_name}"

    def render(self, *, user: Any, params: Mapping, fmt: str, progress: Progress = no_progress
               ) -> tuple[str, str, Payload]:
        if fmt != "pdf":
            raise ExportError(gettext("不支持的导出格式：%(fmt)s") % {"fmt": fmt})
        org = permissions.get_org_or_404(user, params.get("organization"), Capability.EXPORT)
        people = (
            person_scope(user=user, capability=Capability.EXPORT)
            .filter(organization__path__startswith=org.path, membership__isnull=False)
            .select_related("organization", "membership", "membership__party_group")
            .order_by("organization__path", "name_pinyin", "id")
        )
        total = people.count()
        if total > self.max_people:
            raise ExportError(
                gettext("该组织共有党员 %(n)d 人，超过单份名册上限 %(max)d 人，请选择下级党组织分别导出。")
                % {"n": total, "max": self.max_people}
            )
        progress(1, 10)
        groups = []
        counts = {"total": 0, "full": 0, "probationary": 0}
        for _org_id, members in itertools.groupby(people, key=lambda p: p.organization_id):
            members = list(members)
            rows = [self._row(n, p) for n, p in enumerate(members, start=1)]
            full = sum(1 for r in rows if r["is_full"])
            groups.append({"organization": members[0].organization, "rows": rows, "total": len(rows),
                           "full": full, "probationary": len(rows) - full})
            counts["total"] += len(rows)
            counts["full"] += full
            counts["probationary"] += len(rows) - full
        progress(4, 10)
        context = {
            "organization": org,
            "generated_on": timezone.localdate(),
            "generated_by": user.get_full_name() or user.get_username(),
            "groups": groups,
            "counts": counts,
            "branch_count": len(groups),
            "running_title": f"{org.name} · {self.verbose_name}",
        }
        pdf = render_pdf("reports/pdf/org_roster.html", context)
        progress(10, 10)
        return self.filename("pdf", stem=f"{self.verbose_name}_{org.short_name}"), CONTENT_TYPES["pdf"], pdf

    def _row(self, n: int, person: Person) -> dict[str, Any]:
        m: PartyMembership = person.membership
        notes = []
        if m.lost_contact:
            notes.append(gettext("失去联系"))
        if m.mobile:
            notes.append(gettext("流动党员"))
        if m.rights_suspended:
            notes.append(gettext("停止党员权利"))
        if m.status == MembershipStatus.SUSPENDED:
            notes.append(gettext("停止党籍"))
        return {
            "no": n,
            "name": person.name,
            "sex": person.get_sex_display(),
            "ethnicity": person.get_ethnicity_display(),
            "birth": person.birth_date.strftime("%Y.%m") if person.birth_date else "",
            "education": person.get_education_display() if person.education else "",
            "title": person.title,
            "category": m.get_category_display(),
            "is_full": m.category == MemberCategory.FULL,
            "admitted_on": m.admitted_on,
            "converted_on": m.converted_on,
            "party_group": m.party_group.short_name if m.party_group else "",
            "note": gettext("、").join(notes),
        }
