"""三会一课: a branch's self-check report (自查报告, PDF) and the committee view of all branches (XLSX/CSV)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django import forms
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches import permissions
from branches.forms import PortalFormMixin
from branches.meetings import compliance
from branches.models import MeetingType, Organization, OrgType
from branches.permissions import Capability

from ..pdf import render_pdf
from .base import (
    CONTENT_TYPES,
    BaseExporter,
    Column,
    ExportError,
    ListExporter,
    Payload,
    Progress,
    no_progress,
)
from .roster import OrganizationChoiceField


def export_branches(user: Any):
    return (permissions.orgs_with(user, Capability.EXPORT)
            .filter(closed_on__isnull=True, org_type__in=OrgType.branch_types()).order_by("path"))


def _branch_for_export(user: Any, value: Any) -> Organization:
    """404 outside scope or not a branch, 403 without EXPORT."""
    org = permissions.get_org_or_404(user, value, Capability.EXPORT)
    if not org.is_branch:
        raise Http404
    return org


def _year_choices() -> list[tuple[int, int]]:
    this = timezone.localdate().year
    return [(y, y) for y in range(this, this - 10, -1)]


class SelfCheckExporter(BaseExporter):
    identifier = "self_check"
    verbose_name = _("三会一课自查报告")
    description = _("一个党支部在所选期间的三会一课落实情况：各项要求的应开与已开次数、会议清单和签字栏（PDF）。")
    capability = Capability.EXPORT
    formats = ("pdf",)
    icon = "bi-file-earmark-pdf"

    def check_access(self, user: Any, data: Mapping) -> None:
        if data.get("organization"):
            _branch_for_export(user, data.get("organization"))

    def form_class(self, user: Any) -> type[forms.Form]:
        class SelfCheckForm(PortalFormMixin, forms.Form):
            organization = OrganizationChoiceField(
                label=_("党支部"), queryset=export_branches(user), empty_label=_("请选择党支部"),
                error_messages={"required": _("请选择党支部。"),
                                "invalid_choice": _("该党支部不存在或不在您的导出权限范围内。")},
            )
            year = forms.TypedChoiceField(label=_("年度"), choices=_year_choices, coerce=int,
                                          initial=timezone.localdate().year,
                                          error_messages={"invalid_choice": _("请选择近十年内的年度。")})
            period = forms.ChoiceField(label=_("期间"), choices=compliance.period_choices, initial="year",
                                       error_messages={"invalid_choice": _("请选择全年、某一季度或某一月。")})

        return SelfCheckForm

    def job_title(self, form: forms.Form) -> str:
        org = form.cleaned_data["organization"]
        period = compliance.parse_period(form.cleaned_data["year"], form.cleaned_data["period"])
        return f"{self.verbose_name} · {org.short_name} · {period.label if period else ''}"

    def render(self, *, user: Any, params: Mapping, fmt: str, progress: Progress = no_progress
               ) -> tuple[str, str, Payload]:
        if fmt != "pdf":
            raise ExportError(gettext("不支持的导出格式：%(fmt)s") % {"fmt": fmt})
        org = _branch_for_export(user, params.get("organization"))
        try:
            year = int(params.get("year") or timezone.localdate().year)
        except (TypeError, ValueError):
            raise ExportError(gettext("年度无效。"))
        period = compliance.parse_period(year, str(params.get("period") or "year"))
        if period is None:
            raise ExportError(gettext("期间无效，请选择全年、某一季度或某一月。"))
        progress(1, 10)
        context = self_check_context(org=org, period=period)
        context.update({
            "generated_on": timezone.localdate(),
            "generated_by": user.get_full_name() or user.get_username(),
            "running_title": f"{org.name} · {self.verbose_name}",
        })
        pdf = render_pdf("reports/pdf/self_check.html", context)
        progress(10, 10)
        stem = f"{self.verbose_name}_{org.short_name}_{period.label}"
        return self.filename("pdf", stem=stem), CONTENT_TYPES["pdf"], pdf


def self_check_context(*, org: Organization, period: compliance.Period) -> dict[str, Any]:
    today = timezone.localdate()
    data = compliance.branch_year(org=org, year=period.year, on=today)
    rows = []
    for key in data.rows:
        cells = [c for c in data.cells[key] if period.contains(c.period)]
        applicable = [c for c in cells if c.counts]
        if not cells:
            continue
        overdue = sum(c.status == compliance.OVERDUE for c in applicable)
        due = sum(c.status in (compliance.DUE, compliance.UPCOMING) for c in applicable)
        if not applicable:
            verdict, tone = gettext("不适用"), "muted"
        elif overdue:
            verdict, tone = gettext("逾期未完成 %(n)d 期") % {"n": overdue}, "bad"
        elif due:
            verdict, tone = gettext("期限未到"), "due"
        else:
            verdict, tone = gettext("已完成"), "ok"
        rows.append({
            "label": str(MeetingType(key[0]).label),
            "period_label": str(cells[0].requirement.period_label if cells[0].requirement else ""),
            "required": sum(c.required for c in applicable),
            "done": sum(c.done for c in cells),
            "confirmed": sum(c.confirmed for c in cells),
            "verdict": verdict,
            "tone": tone,
        })
    meetings = [m for m in (c for row in data.cells.values() for cell in row for c in cell.meetings)]
    seen: set[int] = set()
    listed = []
    for m in sorted(meetings, key=lambda m: (m.held_at, m.pk)):
        if m.pk in seen or not (period.start <= timezone.localtime(m.held_at).date() < period.end):
            continue
        seen.add(m.pk)
        listed.append(m)
    overdue_total = sum(r["tone"] == "bad" for r in rows)
    return {"organization": org, "period": period, "rows": rows, "meetings": listed,
            "overdue_total": overdue_total, "complete": all(r["tone"] in ("ok", "muted") for r in rows)}


class ComplianceExporter(ListExporter):
    identifier = "compliance"
    verbose_name = _("三会一课落实情况")
    description = _("按“三会一课落实情况”页面的筛选条件，导出各党支部本月、本季度、本年的完成情况。")
    capability = Capability.EXPORT
    sheet_name = _("三会一课落实情况")
    params_as_summary = True
    back_url_name = "compliance:overview"

    def form_class(self, user: Any) -> type[forms.Form]:
        class ComplianceExportForm(PortalFormMixin, forms.Form):
            q = forms.CharField(label=_("支部名称"), required=False, max_length=50)
            overdue = forms.BooleanField(label=_("只看有逾期的支部"), required=False)
            sort = forms.ChoiceField(
                label=_("排序"), required=False,
                choices=[("", _("按组织顺序"))] + [(f"{d}{k}", f"{k}{' ↓' if d else ''}")
                                                  for k in ("name", "month", "quarter", "year", "overdue")
                                                  for d in ("", "-")],
            )

            def clean_overdue(self) -> bool:
                return bool(self.cleaned_data.get("overdue"))

        return ComplianceExportForm

    def params_from(self, form: forms.Form) -> dict[str, Any]:
        params = super().params_from(form)
        if "overdue" in params:
            params["overdue"] = str(params["overdue"]).lower() in ("1", "true", "on", "yes")
            if not params["overdue"]:
                del params["overdue"]
        return params

    def describe(self, form: forms.Form) -> list[tuple[str, str]]:
        return [(label, value) for label, value in super().describe(form)
                if label != str(form.fields["sort"].label)]

    def iterate(self, *, user: Any, params: Mapping, progress: Progress) -> Iterator[Sequence[Any]]:
        today = timezone.localdate()
        orgs = permissions.scope_filter(compliance.viewable_branches(user), user, Capability.EXPORT)
        overdue = params.get("overdue") in (True, "1", "true", "True", "on")
        rows = compliance.filter_and_sort(compliance.overview(user=user, on=today, orgs=orgs),
                                          q=str(params.get("q") or ""), only_overdue=overdue,
                                          sort=str(params.get("sort") or "name"))
        month = compliance.period_containing("month", today)
        quarter = compliance.period_containing("quarter", today)
        yield [
            Column(gettext("党支部"), width=22), Column(gettext("全称"), width=40),
            Column(gettext("%(p)s 已完成") % {"p": month.label}, kind="number"),
            Column(gettext("%(p)s 应完成") % {"p": month.label}, kind="number"),
            Column(gettext("%(p)s 已完成") % {"p": quarter.label}, kind="number"),
            Column(gettext("%(p)s 应完成") % {"p": quarter.label}, kind="number"),
            Column(gettext("%(y)d年 已完成") % {"y": today.year}, kind="number"),
            Column(gettext("%(y)d年 应完成") % {"y": today.year}, kind="number"),
            Column(gettext("逾期项数"), kind="number"),
            Column(gettext("状态")),
            Column(gettext("逾期事项"), width=50),
        ]
        total = len(rows)
        for n, r in enumerate(rows, start=1):
            overdue_items = [f"{c.period.short_label}{c.requirement.label}" for row in r.cells.values()
                             for c in row if c.status == compliance.OVERDUE and c.requirement]
            yield [r.org.short_name, r.org.name, r.month.done, r.month.required, r.quarter.done, r.quarter.required,
                   r.whole_year.done, r.whole_year.required, r.whole_year.overdue, r.status_label,
                   gettext("、").join(overdue_items)]
            if n % 200 == 0:
                progress(n, total)
