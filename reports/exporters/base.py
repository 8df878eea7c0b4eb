"""Exporter base classes (after pretix's exporters).

An exporter declares an identifier, a name, the capability it needs, its formats and a Django form for its
parameters, and renders a file. `ListExporter` subclasses only yield a header and rows; the base class
writes XLSX (XlsxWriter in constant_memory mode, row by row into a temporary file) or CSV (UTF-8 with BOM,
so Excel opens Chinese text correctly). Exporters run inside a job (reports.services.job_run), under the
owner's language and the Asia/Shanghai timezone.
"""

from __future__ import annotations

import csv
import datetime
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import xlsxwriter
from django import forms
from django.db import models
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

Progress = Callable[[int, int], None]
"""progress(done, total): called by exporters as work advances."""

Payload = str | bytes
"""A path of a finished temporary file, or the bytes of the file."""


class ExportError(Exception):
    """An expected failure with a message the user can read (Chinese msgid, translated)."""


FORMAT_LABELS: dict[str, Any] = {
    "xlsx": _("Excel 工作簿（.xlsx）"),
    "csv": _("CSV 文本（.csv，UTF-8）"),
    "pdf": _("PDF 文档（.pdf）"),
}
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}


def no_progress(done: int, total: int) -> None:
    return None


class BaseExporter:
    """One kind of export. Subclasses set the class attributes and implement `render`."""

    identifier: ClassVar[str]
    verbose_name: ClassVar[Any]
    description: ClassVar[Any] = ""
    capability: ClassVar[str]
    formats: ClassVar[tuple[str, ...]]
    icon: ClassVar[str] = "bi-file-earmark"
    params_as_summary: ClassVar[bool] = False
    """True: the export page shows the parameters as a read-only summary (they come from a list page)."""
    back_url_name: ClassVar[str | None] = None
    """The page whose filters the parameters are, for a "change the filters" link."""

    def form_class(self, user: Any) -> type[forms.Form]:
        """The Django form for this exporter's parameters, for this user (choices already scoped)."""
        return forms.Form

    def check_access(self, user: Any, data: Mapping) -> None:
        """For the export page: raise Http404/PermissionDenied when a parameter names an object the user
        may not reach (outside scope: 404; in scope without the capability: 403)."""
        return None

    def get_form(self, user: Any, data: Mapping | None = None, **kwargs: Any) -> forms.Form:
        return self.form_class(user)(data=data, **kwargs)

    def params_from(self, form: forms.Form) -> dict[str, Any]:
        """The JSON-safe parameters to store on the job: the submitted values of the form's fields."""
        data = form.data
        params: dict[str, Any] = {}
        for name, field in form.fields.items():
            if getattr(field.widget, "allow_multiple_selected", False):
                values = data.getlist(name) if isinstance(data, QueryDict) else data.get(name)
                if isinstance(values, str):
                    values = [values]
                values = [str(v) for v in (values or []) if v not in ("", None)]
                if values:
                    params[name] = values
            else:
                value = data.get(name)
                if isinstance(value, list):
                    value = value[-1] if value else None
                if value not in ("", None):
                    params[name] = value if isinstance(value, bool) else str(value)
        return params

    def unknown_params(self, form: forms.Form, params: Mapping) -> list[str]:
        return sorted(set(params.keys()) - set(form.fields))

    def describe(self, form: forms.Form) -> list[tuple[str, str]]:
        """A readable summary of a valid form: (label, value) for every field that is set."""
        summary: list[tuple[str, str]] = []
        for name, field in form.fields.items():
            value = form.cleaned_data.get(name)
            if value is None or value == "" or (isinstance(value, list | tuple) and not value):
                continue
            if value is False and not isinstance(field, forms.NullBooleanField):
                continue  # an unticked checkbox; a NullBoolean "no" is a real condition
            if isinstance(value, models.QuerySet) and not value.exists():
                continue
            summary.append((str(field.label or name), _display(field, value)))
        return summary

    def job_title(self, form: forms.Form) -> str:
        return str(self.verbose_name)

    def estimate(self, user: Any, params: Mapping) -> int | None:
        """How many records the export will hold, if cheap to know (shown before starting)."""
        return None

    def filename(self, fmt: str, *, stem: str | None = None) -> str:
        today = timezone.localdate()
        return f"{stem or self.verbose_name}_{today:%Y%m%d}.{fmt}"

    def render(self, *, user: Any, params: Mapping, fmt: str, progress: Progress = no_progress
               ) -> tuple[str, str, Payload]:
        """Write the result; return (filename, content_type, path of a temporary file or bytes)."""
        raise NotImplementedError

    def audit_note(self) -> str | None:
        """After `render`: a note when the result holds data whose every view is audited (full ID numbers)."""
        return None


def _display(field: forms.Field, value: Any) -> str:
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, models.QuerySet | list | tuple | set):
        return gettext("、").join(_display(field, v) for v in value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    choices = getattr(field, "choices", None)
    if choices:
        labels = {str(k): str(v) for k, v in _flat_choices(choices)}
        return labels.get(str(value), str(value))
    return str(value)


def _flat_choices(choices: Any) -> Iterator[tuple[Any, Any]]:
    for key, label in choices:
        if isinstance(label, list | tuple):
            yield from _flat_choices(label)
        else:
            yield key, label


@dataclass(frozen=True)
class Column:
    """A column of a list export. `width` is in Excel character units (a Chinese character counts 2)."""

    label: str
    width: float | None = None
    kind: str = "text"  # "text", "date" or "number"

    @property
    def excel_width(self) -> float:
        if self.width is not None:
            return self.width
        if self.kind == "date":
            return 12
        return max(10.0, display_width(self.label) + 2)


def display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters take two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


_FORMULA_START = re.compile(r"^[=@\t\r]|^[+-](?![\d\s()+-]*$)")


def csv_safe(value: str) -> str:
    """Keep a cell from being read as a formula by spreadsheet programs (CSV injection)."""
    return "'" + value if _FORMULA_START.match(value) else value


class ListExporter(BaseExporter):
    """An exporter of one table. Subclasses implement `iterate`, which yields the header (a sequence of
    `Column`) first and then the data rows (sequences of str, int, float, date, or None)."""

    formats: ClassVar[tuple[str, ...]] = ("xlsx", "csv")
    icon = "bi-file-earmark-spreadsheet"
    sheet_name: ClassVar[Any] = _("数据")

    def iterate(self, *, user: Any, params: Mapping, progress: Progress) -> Iterator[Sequence[Any]]:
        raise NotImplementedError

    def render(self, *, user: Any, params: Mapping, fmt: str, progress: Progress = no_progress
               ) -> tuple[str, str, Payload]:
        if fmt not in ("xlsx", "csv"):
            raise ExportError(gettext("不支持的导出格式：%(fmt)s") % {"fmt": fmt})
        rows = self.iterate(user=user, params=params, progress=progress)
        header = [c if isinstance(c, Column) else Column(str(c)) for c in next(rows)]
        fd, path = tempfile.mkstemp(suffix=f".{fmt}", prefix="export-")
        os.close(fd)
        try:
            if fmt == "xlsx":
                self._write_xlsx(path, header, rows)
            else:
                self._write_csv(path, header, rows)
        except BaseException:
            os.remove(path)
            raise
        return self.filename(fmt), CONTENT_TYPES[fmt], path

    def _write_xlsx(self, path: str, header: list[Column], rows: Iterator[Sequence[Any]]) -> None:
        workbook = xlsxwriter.Workbook(path, {
            "constant_memory": True,  # each row goes to disk as soon as the next one starts
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "tmpdir": tempfile.gettempdir(),
        })
        try:
            sheet = workbook.add_worksheet(str(self.sheet_name)[:31])
            bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "bottom": 1, "valign": "vcenter"})
            date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
            for col, column in enumerate(header):
                sheet.set_column(col, col, column.excel_width, date_format if column.kind == "date" else None)
            sheet.freeze_panes(1, 0)
            sheet.set_row(0, 20)
            for col, column in enumerate(header):
                sheet.write_string(0, col, column.label, bold)
            write_string = sheet.write_string
            r = 0
            for r, row in enumerate(rows, start=1):
                for col, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    if type(value) is str:
                        write_string(r, col, value)
                    elif isinstance(value, datetime.datetime):
                        sheet.write_datetime(r, col, timezone.localtime(value).replace(tzinfo=None)
                                             if timezone.is_aware(value) else value, date_format)
                    elif isinstance(value, datetime.date):
                        sheet.write_datetime(r, col, value, date_format)
                    elif isinstance(value, bool):
                        sheet.write_string(r, col, gettext("是") if value else gettext("否"))
                    elif isinstance(value, int | float):
                        sheet.write_number(r, col, value)
                    else:
                        sheet.write_string(r, col, str(value))
            if header:
                sheet.autofilter(0, 0, r, len(header) - 1)
        finally:
            workbook.close()

    def _write_csv(self, path: str, header: list[Column], rows: Iterator[Sequence[Any]]) -> None:
        # utf-8-sig writes the byte order mark Excel needs to recognise UTF-8.
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([c.label for c in header])
            for row in rows:
                writer.writerow([_csv_cell(v) for v in row])


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) \
            else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return csv_safe(value)
    return str(value)
