"""工作提示: the issuer's matrix of who has and has not answered each item of a notice (XLSX/CSV)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches import permissions
from branches.forms import PortalFormMixin
from branches.models import WorkNotice
from branches.notices import selectors
from branches.permissions import Capability

from .base import Column, ExportError, ListExporter, Progress, display_width


def _notice_for_export(user: Any, value: Any) -> WorkNotice:
    """As the matrix page: 404 when the user cannot see the notice, 403 when they see it without issuing it
    (a recipient branch) or may not export at the issuing organization."""
    view = selectors.notice_get(user=user, pk=value)
    if not view.is_issuer or not permissions.has_capability(user, view.notice.organization, Capability.EXPORT):
        raise PermissionDenied(gettext("只有下发单位有导出权限的人员可以导出提交情况。"))
    return view.notice


class NoticeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: WorkNotice) -> str:
        number = f"{obj.number} · " if obj.number else ""
        return f"{number}{obj.title}（{obj.organization.short_name}）"


class NoticeMatrixExporter(ListExporter):
    identifier = "notice_matrix"
    verbose_name = _("工作提示提交情况")
    description = _("一期已下发的工作提示：各接收党支部对每个督办事项的提交情况（提交日期、逾期提交、逾期未交、未提交）和合计。")
    capability = Capability.EXPORT
    sheet_name = _("提交情况")

    def check_access(self, user: Any, data: Mapping) -> None:
        if data.get("notice"):
            _notice_for_export(user, data.get("notice"))

    def form_class(self, user: Any) -> type[forms.Form]:
        class NoticeMatrixForm(PortalFormMixin, forms.Form):
            notice = NoticeChoiceField(
                label=_("工作提示"), queryset=selectors.exportable_notices(user=user),
                empty_label=_("请选择已下发的工作提示"),
                error_messages={"required": _("请选择工作提示。"),
                                "invalid_choice": _("该工作提示不存在、尚未下发或不在您的导出权限范围内。")},
            )

        return NoticeMatrixForm

    def job_title(self, form: forms.Form) -> str:
        return f"{self.verbose_name} · {form.cleaned_data['notice'].title}"

    def iterate(self, *, user: Any, params: Mapping, progress: Progress) -> Iterator[Sequence[Any]]:
        notice = _notice_for_export(user, params.get("notice"))
        if not notice.is_issued:
            raise ExportError(gettext("该工作提示尚未下发，还没有提交情况。"))
        self._stem = f"{self.verbose_name}_{notice.title}"
        items, rows = selectors.notice_matrix(notice=notice)
        header = [Column(gettext("党支部"), width=22)]
        for n, item in enumerate(items, start=1):
            label = gettext("%(n)d. %(title)s（截止%(date)s）") % {
                "n": n, "title": item.title, "date": item.deadline.isoformat()}
            header.append(Column(label, width=min(max(16, display_width(label) + 2), 40)))
        header += [Column(gettext("已提交"), kind="number"), Column(gettext("其中逾期提交"), kind="number"),
                   Column(gettext("未提交"), kind="number"), Column(gettext("其中逾期未交"), kind="number")]
        yield header
        submitted_by_item = [0] * len(items)
        totals = [0, 0, 0, 0]
        for r, row in enumerate(rows, start=1):
            values: list[Any] = [row.organization.short_name]
            for i, cell in enumerate(row.cells):
                sub = cell.submission
                if sub is not None:
                    submitted_by_item[i] += 1
                    day = timezone.localtime(sub.submitted_at).date().isoformat()
                    values.append(gettext("逾期提交 %(date)s") % {"date": day} if sub.late
                                  else gettext("已提交 %(date)s") % {"date": day})
                else:
                    values.append(gettext("逾期未交") if cell.overdue else gettext("未提交"))
            counts = [row.submitted, row.late, len(items) - row.submitted, sum(1 for c in row.cells if c.overdue)]
            totals = [t + c for t, c in zip(totals, counts, strict=True)]
            yield values + counts
            if r % 200 == 0:
                progress(r, len(rows))
        yield [gettext("合计（%(n)d个支部）") % {"n": len(rows)},
               *[gettext("已提交 %(done)d/%(all)d") % {"done": done, "all": len(rows)} for done in submitted_by_item],
               *totals]

    def filename(self, fmt: str, *, stem: str | None = None) -> str:
        return super().filename(fmt, stem=stem or getattr(self, "_stem", None))
