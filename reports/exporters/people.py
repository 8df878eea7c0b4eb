"""The people list, as XLSX or CSV: the same filters and scope as the /people/ page."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches import permissions
from branches.permissions import Capability
from members import idcard
from members.codes import MembershipStatus
from members.filters import PersonFilter
from members.models import PartyMembership, Person
from members.selectors import person_list

from .base import Column, ListExporter, Progress

PROGRESS_EVERY = 2000


def _labels(model: type[models.Model], field: str) -> dict[str, str]:
    """value → translated label of a choice field, built once per export (get_FOO_display rebuilds it per call)."""
    return {str(value): str(label) for value, label in model._meta.get_field(field).flatchoices}


def _org_label(user: Any, value: Any) -> str | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    org = permissions.orgs_with(user, Capability.VIEW_PEOPLE).filter(pk=pk).first()
    return str(org.name) if org else None


class PeopleExporter(ListExporter):
    identifier = "people"
    verbose_name = _("人员名单")
    description = _("按人员列表页的筛选条件导出人员信息，范围与列表页相同。")
    capability = Capability.EXPORT
    sheet_name = _("人员名单")
    params_as_summary = True
    back_url_name = "members:list"

    def check_access(self, user: Any, data: Mapping) -> None:
        if data.get("org"):
            permissions.get_org_or_404(user, data.get("org"), Capability.VIEW_PEOPLE)

    def form_class(self, user: Any) -> type[forms.Form]:
        base = PersonFilter(queryset=Person.objects.none(), user=user).get_form_class()

        class PeopleExportForm(base):  # type: ignore[valid-type, misc]
            export_user = user

            def clean_org(self) -> Any:
                value = self.cleaned_data.get("org")
                if value not in (None, "") and _org_label(user, value) is None:
                    raise forms.ValidationError(gettext("该党组织不存在或不在您的权限范围内。"))
                return value

        return PeopleExportForm

    def describe(self, form: forms.Form) -> list[tuple[str, str]]:
        summary = super().describe(form)
        org = form.cleaned_data.get("org")
        if org not in (None, ""):
            label = str(form.fields["org"].label)
            name = _org_label(form.export_user, org)
            summary = [(lbl, (name or val) if lbl == label else val) for lbl, val in summary]
        return summary

    def job_title(self, form: forms.Form) -> str:
        values = gettext("、").join(value for _label, value in self.describe(form))
        if not values:
            return str(self.verbose_name)
        if len(values) > 60:
            values = values[:59] + "…"
        return f"{self.verbose_name} · {values}"

    def estimate(self, user: Any, params: Mapping) -> int | None:
        return self.queryset(user=user, params=params).count()

    def queryset(self, *, user: Any, params: Mapping) -> models.QuerySet[Person]:
        """The page's list (VIEW_PEOPLE scope and filters), limited to where the user may export."""
        qs = person_list(user=user, params=params)
        return permissions.scope_filter(qs, user, Capability.EXPORT, prefix="organization__")

    VALUES = (
        "name", "sex", "ethnicity", "birth_date", "id_number", "education", "degree", "title", "title_level",
        "organization__name", "organization__path", "political_status", "membership__category",
        "membership__admitted_on", "membership__converted_on", "phone", "returned_from_abroad",
        "membership__lost_contact", "membership__mobile", "membership__rights_suspended", "membership__status",
    )

    def header(self) -> list[Column]:
        return [
            Column(gettext("姓名"), 10),
            Column(gettext("性别"), 6),
            Column(gettext("民族"), 8),
            Column(gettext("出生日期"), kind="date"),
            Column(gettext("公民身份号码"), 21),
            Column(gettext("学历"), 12),
            Column(gettext("学位"), 6),
            Column(gettext("专业技术职务"), 16),
            Column(gettext("职称级别"), 10),
            Column(gettext("所在党组织"), 36),
            Column(gettext("政治面貌"), 14),
            Column(gettext("党员类别"), 10),
            Column(gettext("入党日期"), kind="date"),
            Column(gettext("转正日期"), kind="date"),
            Column(gettext("联系电话"), 15),
            Column(gettext("标记"), 20),
        ]

    def iterate(self, *, user: Any, params: Mapping, progress: Progress) -> Iterator[Sequence[Any]]:
        self.full_id_numbers = 0
        qs = self.queryset(user=user, params=params)
        total = qs.count()
        progress(0, total)
        yield self.header()

        sex = _labels(Person, "sex")
        ethnicity = _labels(Person, "ethnicity")
        education = _labels(Person, "education")
        degree = _labels(Person, "degree")
        title_level = _labels(Person, "title_level")
        political = _labels(Person, "political_status")
        category = _labels(PartyMembership, "category")
        flag_abroad, flag_lost, flag_mobile = gettext("留学归国"), gettext("失去联系"), gettext("流动党员")
        flag_rights, flag_suspended = gettext("停止党员权利"), gettext("停止党籍")
        scope = permissions.scope_for(user)

        # Plain tuples rather than model instances: building ~3 objects per person was most of the cost.
        rows = qs.values_list(*self.VALUES).iterator(chunk_size=2000)
        for done, (name, sex_, ethnicity_, birth_date, id_number, education_, degree_, title, title_level_,
                   org_name, org_path, political_, category_, admitted_on, converted_on, phone, abroad,
                   lost_contact, mobile, rights_suspended, status) in enumerate(rows, start=1):
            if id_number:
                if scope.covers(org_path, Capability.VIEW_ID_NUMBERS):
                    self.full_id_numbers += 1
                else:
                    id_number = idcard.mask(id_number)
            flags = [flag_abroad] if abroad else []
            if lost_contact:
                flags.append(flag_lost)
            if mobile:
                flags.append(flag_mobile)
            if rights_suspended:
                flags.append(flag_rights)
            if status == MembershipStatus.SUSPENDED:
                flags.append(flag_suspended)
            yield (
                name,
                sex.get(sex_, ""),
                ethnicity.get(ethnicity_, ""),
                birth_date,
                id_number or "",
                education.get(education_, "") if education_ else "",
                degree.get(degree_, "") if degree_ else "",
                title,
                title_level.get(title_level_, "") if title_level_ else "",
                org_name,
                political.get(political_, ""),
                category.get(category_, "") if category_ else "",
                admitted_on,
                converted_on,
                phone,
                gettext("、").join(flags),
            )
            if done % PROGRESS_EVERY == 0:
                progress(done, total)
        progress(total, total)

    def audit_note(self) -> str | None:
        """Set after a run that wrote full ID numbers: the job is then recorded in the audit log."""
        n = getattr(self, "full_id_numbers", 0)
        return gettext("导出完整公民身份号码 %(n)d 条") % {"n": n} if n else None
