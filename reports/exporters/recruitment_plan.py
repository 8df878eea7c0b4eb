"""年度发展党员计划: a committee's plan as an XLSX workbook (sheet "计划": one row per target with the sums, the
layout recruitment.plan_import reads back; sheet "计划执行情况": per branch the targets against the year's
pipeline, the forecast and the warnings) or as a landscape PDF with the signature and seal block.

The plan is chosen among the plans the user may view (recruitment.plan_selectors.plans); a plan outside the
user's scope does not exist (404)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import xlsxwriter
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches import permissions
from branches.forms import PortalFormMixin
from branches.permissions import Capability
from recruitment import plan_selectors
from recruitment.models import PLAN_NUMBERS, PlanCategory, PlanStatus, RecruitmentPlan
from recruitment.plan_services import NUMBER_LABELS

from ..pdf import render_pdf
from .base import CONTENT_TYPES, BaseExporter, ExportError, Payload, Progress, no_progress

PLAN_SHEET = _("计划")
RESULT_SHEET = _("计划执行情况")
ORG_LABEL = _("党组织")
PROPOSED_LABEL = _("基层建议数（总数）")
TOTAL_ROW_LABEL = _("合计")
PDF_DETAIL_ROWS = 300
"""Above this many targets the PDF lists subtotals one level below the committee (WeasyPrint lays out about
30 table rows a second on the benchmark machine; an academy's 2,500 branches took 78 s)."""


def plan_title(plan: RecruitmentPlan) -> str:
    return gettext("%(org)s %(year)d年发展党员计划") % {"org": plan.organization.name, "year": plan.year}


def plan_header() -> list[str]:
    """The labels of sheet "计划" in column order (the import finds its columns by these labels)."""
    return [str(ORG_LABEL), *[str(NUMBER_LABELS[name]) for name in PLAN_NUMBERS], str(PROPOSED_LABEL)]


def plan_status_text(plan: RecruitmentPlan) -> str:
    if plan.status == PlanStatus.APPROVED and plan.approved_on:
        return gettext("已批准（批准日期：%(date)s）") % {"date": plan.approved_on.isoformat()}
    return str(plan.get_status_display())


def _proposed_total(target: Any) -> int | None:
    value = (target.proposed or {}).get("total")
    return value if isinstance(value, int) else None


def export_plans(user: Any) -> QuerySet[RecruitmentPlan]:
    """The plans the user may view and export: those of committees where the user holds EXPORT."""
    return permissions.scope_filter(plan_selectors.plans(user=user), user, Capability.EXPORT, prefix="organization__")


def export_plan(user: Any, pk: Any) -> RecruitmentPlan:
    """The plan, or 404 outside the user's scope / 403 in scope without the right to view or export it."""
    plan = plan_selectors.plan_get(user=user, pk=pk)
    permissions.check(user, plan.organization, Capability.EXPORT)
    return plan


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: RecruitmentPlan) -> str:
        return gettext("%(org)s %(year)d年") % {"org": obj.organization.short_name, "year": obj.year}


class RecruitmentPlanExporter(BaseExporter):
    identifier = "recruitment_plan"
    verbose_name = _("年度发展党员计划")
    description = _("一个党委的年度发展党员计划：各党组织的发展名额、分类人数和培养积极分子数及合计，"
                    "另附计划执行情况（Excel）；或带签字盖章栏的计划表（PDF）。")
    # As every exporter: EXPORT, at the plan's committee; the plan must also be one the user may view (plan_get).
    capability = Capability.EXPORT
    formats = ("xlsx", "pdf")
    icon = "bi-file-earmark-bar-graph"

    def check_access(self, user: Any, data: Mapping) -> None:
        if data.get("plan"):
            export_plan(user, data.get("plan"))

    def form_class(self, user: Any) -> type[forms.Form]:
        class RecruitmentPlanForm(PortalFormMixin, forms.Form):
            plan = PlanChoiceField(
                label=_("计划"), queryset=export_plans(user).order_by("-year", "organization__path"),
                empty_label=_("请选择计划"),
                error_messages={"required": _("请选择计划。"),
                                "invalid_choice": _("该计划不存在或不在您的权限范围内。")},
            )

        return RecruitmentPlanForm

    def job_title(self, form: forms.Form) -> str:
        plan = form.cleaned_data["plan"]
        return f"{self.verbose_name} · {plan.organization.short_name} {plan.year}"

    def render(self, *, user: Any, params: Mapping, fmt: str, progress: Progress = no_progress
               ) -> tuple[str, str, Payload]:
        if fmt not in self.formats:
            raise ExportError(gettext("不支持的导出格式：%(fmt)s") % {"fmt": fmt})
        plan = export_plan(user, params.get("plan"))
        progress(1, 10)
        today = timezone.localdate()
        rows = plan_selectors.plan_vs_actual(plan=plan, on=today)
        totals = plan_selectors.plan_totals(rows)
        progress(5, 10)
        who = user.get_full_name() or user.get_username()
        if fmt == "xlsx":
            content: Payload = plan_xlsx(plan=plan, rows=rows, totals=totals, generated_on=today, generated_by=who)
        else:
            content = plan_pdf(plan=plan, rows=rows, totals=totals, generated_on=today, generated_by=who)
        progress(10, 10)
        stem = f"{self.verbose_name}_{plan.organization.short_name}_{plan.year}"
        return self.filename(fmt, stem=stem), CONTENT_TYPES[fmt], content


def plan_pdf(*, plan: RecruitmentPlan, rows: list, totals: Mapping[str, Any], generated_on: Any,
             generated_by: str) -> bytes:
    """The plan table with its sums and the signature block. Up to PDF_DETAIL_ROWS targets it lists every
    organization; a larger plan (an academy's: thousands of branches) lists the organizations one level below
    the committee with their subtotals, as the plan is handed down, and leaves the branches to the XLSX."""
    title = plan_title(plan)
    detail = len(rows) <= PDF_DETAIL_ROWS
    table = _detail_rows(rows) if detail else _grouped_rows(plan, rows)
    return render_pdf("reports/pdf/recruitment_plan.html", {
        "plan": plan, "title": title, "status_text": plan_status_text(plan), "detail": detail,
        "header": plan_header(), "rows": table, "target_count": len(rows),
        "sums": [totals["targets"][n] for n in PLAN_NUMBERS],
        "proposed_sum": sum(_proposed_total(r.target) or 0 for r in rows),
        "generated_on": generated_on, "generated_by": generated_by, "running_title": title,
    })


def _detail_rows(rows: list) -> list[dict[str, Any]]:
    return [{"name": r.target.organization.name, "numbers": [getattr(r.target, n) for n in PLAN_NUMBERS],
             "proposed": _proposed_total(r.target), "count": 1} for r in rows]


def _grouped_rows(plan: RecruitmentPlan, rows: list) -> list[dict[str, Any]]:
    """The targets summed per organization directly below the plan's committee (one query for their names)."""
    from branches.models import Organization

    cut = len(plan.organization.path) + Organization.steplen
    groups: dict[str, dict[str, Any]] = {}
    for r in rows:
        target = r.target
        group = groups.setdefault(target.organization.path[:cut], {
            "numbers": [0] * len(PLAN_NUMBERS), "proposed": None, "count": 0})
        group["numbers"] = [a + getattr(target, n) for a, n in zip(group["numbers"], PLAN_NUMBERS, strict=True)]
        proposed = _proposed_total(target)
        if proposed is not None:
            group["proposed"] = (group["proposed"] or 0) + proposed
        group["count"] += 1
    names = dict(Organization.objects.filter(path__in=list(groups)).values_list("path", "name"))
    return [{**group, "name": names.get(path, path)} for path, group in sorted(groups.items())]


def plan_xlsx(*, plan: RecruitmentPlan, rows: list, totals: Mapping[str, Any], generated_on: Any,
              generated_by: str) -> bytes:
    """Sheet "计划" (the layout the import reads: merged title row, header row, a row per target, 合计 with
    SUM formulas) and sheet "计划执行情况"; frozen headers repeated on every printed page, A4 landscape,
    one page wide."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    fmt = _formats(workbook)
    footer = "&C" + gettext("第 &P 页，共 &N 页")
    meta = gettext("状态：%(status)s　制表日期：%(date)s　制表人：%(who)s") % {
        "status": plan_status_text(plan), "date": generated_on.isoformat(), "who": generated_by}

    def setup(sheet: Any, widths: list[float], header_rows: tuple[int, int], title: str) -> None:
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        sheet.set_row(0, 28)
        sheet.merge_range(0, 0, 0, len(widths) - 1, title, fmt["title"])
        sheet.freeze_panes(header_rows[1] + 1, 1)
        sheet.repeat_rows(*header_rows)
        sheet.set_paper(9)  # A4
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
        sheet.center_horizontally()
        sheet.set_footer(footer)

    # Sheet 1: the plan.
    title = plan_title(plan)
    header = plan_header()
    sheet = workbook.add_worksheet(str(PLAN_SHEET))
    setup(sheet, [40, 12, *[11] * len(PlanCategory), 14, 14], (1, 1), title)
    sheet.set_row(1, 32)
    for col, label in enumerate(header):
        sheet.write_string(1, col, label, fmt["head"])
    first = 2
    r = first - 1
    for r, row in enumerate(rows, start=first):
        target = row.target
        sheet.write_string(r, 0, target.organization.name, fmt["cell"])
        for col, name in enumerate(PLAN_NUMBERS, start=1):
            sheet.write_number(r, col, getattr(target, name), fmt["num"])
        proposed = _proposed_total(target)
        if proposed is None:
            sheet.write_blank(r, len(header) - 1, None, fmt["num"])
        else:
            sheet.write_number(r, len(header) - 1, proposed, fmt["num"])
    sums = r + 1
    sheet.write_string(sums, 0, str(TOTAL_ROW_LABEL), fmt["sum_label"])
    sum_values = [*[totals["targets"][n] for n in PLAN_NUMBERS], sum(_proposed_total(x.target) or 0 for x in rows)]
    for col, value in enumerate(sum_values, start=1):
        _sum_formula(sheet, sums, col, first, r, value, fmt["sum"])
    sheet.write_string(sums + 2, 0, meta, fmt["meta"])

    # Sheet 2: the plan against the year's pipeline.
    sheet = workbook.add_worksheet(str(RESULT_SHEET))
    groups: list[tuple[str, list[tuple[str, Any]]]] = [
        (gettext("发展党员"), [(gettext("计划"), lambda x: x.target.total), (gettext("已发展"), lambda x: x.actual["admitted"])]),
        *[(str(c.label), [(gettext("计划"), lambda x, c=c: getattr(x.target, c.value)),
                          (gettext("已发展"), lambda x, c=c: x.actual[c.value])]) for c in PlanCategory],
        (gettext("入党积极分子"), [(gettext("计划培养"), lambda x: x.target.activists),
                             (gettext("已确定"), lambda x: x.actual["activists"])]),
        (gettext("发展对象"), [(gettext("已确定"), lambda x: x.actual["candidates"])]),
        (gettext("预备党员"), [(gettext("已转正"), lambda x: x.actual["converted"])]),
        (gettext("年内预计"), [(gettext("还可发展"), lambda x: x.forecast)]),
    ]
    columns = [getter for _label, subs in groups for _sub, getter in subs]
    n_cols = 1 + len(columns) + 1
    setup(sheet, [36, *[8] * len(columns), 48], (1, 2),
          gettext("%(org)s %(year)d年发展党员计划执行情况") % {"org": plan.organization.name, "year": plan.year})
    sheet.set_row(2, 30)
    sheet.merge_range(1, 0, 2, 0, str(ORG_LABEL), fmt["head"])
    col = 1
    for label, subs in groups:
        if len(subs) > 1:
            sheet.merge_range(1, col, 1, col + len(subs) - 1, label, fmt["head"])
        else:
            sheet.write_string(1, col, label, fmt["head"])
        for sub, _getter in subs:
            sheet.write_string(2, col, sub, fmt["head"])
            col += 1
    sheet.merge_range(1, n_cols - 1, 2, n_cols - 1, gettext("提示"), fmt["head"])
    first = 3
    r = first - 1
    for r, row in enumerate(rows, start=first):
        sheet.write_string(r, 0, row.target.organization.name, fmt["cell"])
        for col, getter in enumerate(columns, start=1):
            sheet.write_number(r, col, getter(row), fmt["num"])
        sheet.write_string(r, n_cols - 1, gettext("；").join(row.warnings), fmt["warn"] if row.warnings else fmt["cell"])
    sums = r + 1
    sheet.write_string(sums, 0, str(TOTAL_ROW_LABEL), fmt["sum_label"])
    for col, getter in enumerate(columns, start=1):
        _sum_formula(sheet, sums, col, first, r, sum(getter(x) for x in rows), fmt["sum"])
    sheet.write_string(sums, n_cols - 1, gettext("%(n)d个党组织有提示") % {"n": totals["warnings"]}
                       if totals["warnings"] else "", fmt["sum_label"])
    sheet.write_string(sums + 2, 0, meta, fmt["meta"])
    sheet.write_string(sums + 3, 0, gettext("“已发展”“已确定”“已转正”按本年度的发展党员工作记录统计；"
                                            "“还可发展”为现有发展对象和年内可满一年的积极分子。"), fmt["meta"])
    workbook.close()
    return buffer.getvalue()


def _sum_formula(sheet: Any, row: int, col: int, first: int, last: int, value: int, cell_format: Any) -> None:
    """=SUM over the data rows of the column, with its value cached (readers without a calculation engine)."""
    if last < first:
        sheet.write_number(row, col, 0, cell_format)
        return
    start = xlsxwriter.utility.xl_rowcol_to_cell(first, col)
    end = xlsxwriter.utility.xl_rowcol_to_cell(last, col)
    sheet.write_formula(row, col, f"=SUM({start}:{end})", cell_format, value)


def _formats(workbook: Any) -> dict[str, Any]:
    add = workbook.add_format
    return {
        "title": add({"bold": True, "font_size": 15, "font_color": "#B71C1C", "align": "center", "valign": "vcenter"}),
        "head": add({"bold": True, "bg_color": "#F3E9E9", "border": 1, "align": "center", "valign": "vcenter",
                     "text_wrap": True}),
        "cell": add({"border": 1, "valign": "vcenter"}),
        "warn": add({"border": 1, "valign": "vcenter", "text_wrap": True, "font_color": "#A31515"}),
        "num": add({"border": 1, "align": "center", "valign": "vcenter"}),
        "sum_label": add({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "bg_color": "#FAF5F5"}),
        "sum": add({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "bg_color": "#FAF5F5"}),
        "meta": add({"font_color": "#555555"}),
    }
