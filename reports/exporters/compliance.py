"""三会一课: a branch's self-check report (自查报告, PDF or XLSX) and the committee view of all branches (XLSX/CSV)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import xlsxwriter
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
    description = _("一个党支部在所选期间的三会一课落实情况：各项要求的应开与已开次数、会议清单和签字栏（PDF），"
                    "或可再加工的 Excel 工作簿（XLSX）。")
    capability = Capability.EXPORT
    formats = ("pdf", "xlsx")
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
        if fmt not in self.formats:
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
        stem = f"{self.verbose_name}_{org.short_name}_{period.label}"
        if fmt == "xlsx":
            content = self_check_xlsx(context, title=str(self.verbose_name))
        else:
            content = render_pdf("reports/pdf/self_check.html", context)
        progress(10, 10)
        return self.filename(fmt, stem=stem), CONTENT_TYPES[fmt], content


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


def self_check_verdict(context: Mapping[str, Any]) -> str:
    """The overall conclusion of a self-check, as the PDF words it."""
    if not context["rows"]:
        return gettext("该期间没有适用于本支部的组织生活要求。")
    if context["complete"]:
        return gettext("本期间各项组织生活要求均已落实。")
    if context["overdue_total"]:
        return gettext("本期间有 %(n)d 项要求存在逾期未完成的情况，请对照整改。") % {"n": context["overdue_total"]}
    return gettext("本期间尚未结束，部分要求期限未到。")


def self_check_xlsx(context: Mapping[str, Any], *, title: str) -> bytes:
    """The self-check as a workbook: sheet 1 the requirements (required/done/verdict) and the overall
    conclusion, sheet 2 the meetings. Each sheet has a title row, a frozen header repeated on every printed
    page, set widths, and prints on A4 one page wide."""
    org, period = context["organization"], context["period"]
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    title_fmt = workbook.add_format({"bold": True, "font_size": 14, "font_color": "#B71C1C", "valign": "vcenter"})
    meta_fmt = workbook.add_format({"font_color": "#555555"})
    head_fmt = workbook.add_format({"bold": True, "bg_color": "#F3E9E9", "border": 1, "align": "center",
                                    "valign": "vcenter", "text_wrap": True})
    cell_fmt = workbook.add_format({"border": 1, "valign": "vcenter"})
    center_fmt = workbook.add_format({"border": 1, "align": "center", "valign": "vcenter"})
    date_fmt = workbook.add_format({"border": 1, "align": "center", "num_format": "yyyy-mm-dd hh:mm"})
    tone_fmts = {tone: workbook.add_format({"border": 1, "align": "center", "font_color": color, "bold": tone == "bad"})
                 for tone, color in (("ok", "#1B5E20"), ("bad", "#A31515"), ("due", "#8A5300"), ("muted", "#888888"))}
    bold_fmt = workbook.add_format({"bold": True, "border": 1, "valign": "vcenter"})
    wrap_fmt = workbook.add_format({"border": 1, "text_wrap": True, "valign": "vcenter"})
    footer = "&C" + gettext("第 &P 页，共 &N 页")

    def setup(sheet: Any, widths: list[float], header_row: int) -> None:
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        sheet.freeze_panes(header_row + 1, 0)
        sheet.repeat_rows(header_row)
        sheet.set_paper(9)  # A4
        sheet.set_portrait()
        sheet.fit_to_pages(1, 0)
        sheet.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.7)
        sheet.center_horizontally()
        sheet.set_footer(footer)

    meta = gettext("自查期间：%(p)s　制表日期：%(date)s　制表人：%(who)s") % {
        "p": period.label, "date": context["generated_on"].isoformat(), "who": context["generated_by"]}

    sheet = workbook.add_worksheet(gettext("落实情况"))
    setup(sheet, [18, 12, 10, 10, 12, 20], header_row=2)
    sheet.set_row(0, 24)
    sheet.merge_range(0, 0, 0, 5, f"{title} · {org.name}", title_fmt)
    sheet.merge_range(1, 0, 1, 5, meta, meta_fmt)
    for col, label in enumerate([gettext("会议类型"), gettext("频次要求"), gettext("应开次数"), gettext("已开次数"),
                                 gettext("其中已确认"), gettext("结论")]):
        sheet.write_string(2, col, label, head_fmt)
    r = 2
    for r, row in enumerate(context["rows"], start=3):
        sheet.write_string(r, 0, row["label"], cell_fmt)
        sheet.write_string(r, 1, row["period_label"], center_fmt)
        if row["tone"] == "muted":
            sheet.write_string(r, 2, "—", center_fmt)
        else:
            sheet.write_number(r, 2, row["required"], center_fmt)
        sheet.write_number(r, 3, row["done"], center_fmt)
        sheet.write_number(r, 4, row["confirmed"], center_fmt)
        sheet.write_string(r, 5, row["verdict"], tone_fmts[row["tone"]])
    sheet.write_string(r + 2, 0, gettext("总体结论"), bold_fmt)
    sheet.merge_range(r + 2, 1, r + 2, 5, self_check_verdict(context), wrap_fmt)
    sheet.set_row(r + 2, 30)

    sheet = workbook.add_worksheet(gettext("会议清单"))
    setup(sheet, [7, 18, 16, 44, 10], header_row=1)
    sheet.set_row(0, 24)
    sheet.merge_range(0, 0, 0, 4, gettext("会议清单 · %(org)s · %(p)s") % {"org": org.name, "p": period.label},
                      title_fmt)
    for col, label in enumerate([gettext("序号"), gettext("日期"), gettext("类型"), gettext("主题"), gettext("状态")]):
        sheet.write_string(1, col, label, head_fmt)
    for n, meeting in enumerate(context["meetings"], start=1):
        row_n = n + 1
        sheet.write_number(row_n, 0, n, center_fmt)
        sheet.write_datetime(row_n, 1, timezone.localtime(meeting.held_at).replace(tzinfo=None), date_fmt)
        sheet.write_string(row_n, 2, meeting.get_meeting_type_display(), center_fmt)
        sheet.write_string(row_n, 3, meeting.title, wrap_fmt)
        sheet.write_string(row_n, 4, meeting.get_status_display(), center_fmt)
    if not context["meetings"]:
        sheet.merge_range(2, 0, 2, 4, gettext("该期间没有会议记录。"), meta_fmt)
    workbook.close()
    return buffer.getvalue()


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
        """The overview's rows in the overview's order, read from the same summaries with the same filters,
        limited to branches where the user may also export."""
        today = timezone.localdate()
        overdue = params.get("overdue") in (True, "1", "true", "True", "on")
        found = compliance.overview(user=user, on=today, q=str(params.get("q") or "")[:50], only_overdue=overdue,
                                    sort=str(params.get("sort") or "name"), capability=Capability.EXPORT)
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
        total = found.count
        for n, summary in enumerate(found.rows.iterator(chunk_size=2000), start=1):
            r = compliance.OverviewRow.from_summary(summary)
            yield [r.org.short_name, r.org.name, r.month.done, r.month.required, r.quarter.done, r.quarter.required,
                   r.whole_year.done, r.whole_year.required, r.whole_year.overdue, r.status_label,
                   gettext("、").join(r.overdue_labels(today.year))]
            if n % 200 == 0:
                progress(n, total)
