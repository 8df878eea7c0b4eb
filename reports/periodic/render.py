"""The files of a periodic report: a PDF (WeasyPrint, with inline SVG charts) and an XLSX of its table."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext

from branches.models import Organization

from ..pdf import render_pdf
from .kinds import ReportType, Result
from .periods import ReportPeriod

PDF_DETAIL_ROWS = 300
"""Above this many rows the PDF prints the table summed per unit (WeasyPrint lays out about a hundred table rows a
second; the academy's 2,500 branches took 21 s) and says that the rows are in the XLSX, which always has them all."""


def pdf_table(result: Result) -> tuple[list[str], list[list[Any]], bool]:
    """The columns and rows the PDF prints, and whether they are the per-unit sums."""
    if len(result.rows) > PDF_DETAIL_ROWS and result.unit_rows:
        return result.unit_columns, result.unit_rows, True
    return result.columns, result.rows, False


def render_files(*, report_type: ReportType, org: Organization, period: ReportPeriod, result: Result,
                 summary: str) -> tuple[bytes, bytes]:
    title = gettext("%(org)s%(label)s") % {"org": org.short_name or org.name, "label": report_type.label}
    generated = timezone.localtime()
    columns, rows, by_unit = pdf_table(result)
    pdf = render_pdf(report_type.pdf_template, {
        "title": title, "running_title": f"{title} · {period.label}", "period": period, "org": org,
        "summary": summary, "key_figures": report_type.key_figures(result.figures),
        "charts": report_type.charts(result.figures), "columns": columns, "rows": rows, "by_unit": by_unit,
        "row_count": len(result.rows),
        "generated_at": generated,
    })
    return pdf, render_xlsx(title=title, period=period, result=result)


def _cell(value: Any) -> Any:
    return "—" if value is None else value


def render_xlsx(*, title: str, period: ReportPeriod, result: Result) -> bytes:
    """The table with a title line, a bold frozen header and an autofilter (a report's table is small)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(gettext("报表"))
    bold = book.add_format({"bold": True, "bg_color": "#F3E9E9", "border": 1, "text_wrap": True, "valign": "vcenter"})
    heading = book.add_format({"bold": True, "font_size": 13})
    sheet.write(0, 0, f"{title}（{period.label}）", heading)
    for col, label in enumerate(result.columns):
        sheet.write(1, col, label, bold)
        sheet.set_column(col, col, 24 if col == 0 else max(10, len(label) * 2 + 2))
    for r, row in enumerate(result.rows, start=2):
        for c, value in enumerate(row):
            sheet.write(r, c, _cell(value))
    sheet.freeze_panes(2, 1)
    if result.columns:
        sheet.autofilter(1, 0, 1 + len(result.rows), len(result.columns) - 1)
    book.close()
    return buffer.getvalue()
