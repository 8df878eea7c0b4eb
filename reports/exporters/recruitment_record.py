"""发展党员工作全程纪实表: one person's pipeline, step by step (date, who acted, conclusion, notes and the time
limits broken), as a printable PDF with signature lines or as an XLSX sheet."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.forms import PortalFormMixin
from branches.permissions import Capability
from recruitment import selectors
from recruitment.models import Outcome, Pipeline

from ..pdf import render_pdf
from .base import CONTENT_TYPES, Column, ExportError, ListExporter, Payload, Progress, no_progress


class PipelineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Pipeline) -> str:
        return f"{obj.person.name}（{obj.organization.short_name} · {obj.get_stage_display()}）"


def record_rows(timeline: selectors.Timeline) -> list[dict[str, Any]]:
    """The table of the 纪实表: one row per record in rule order; a numbered step without a record gets an
    empty row (so the printed form shows what is still to come). Unnumbered steps (思想汇报) only when
    recorded."""
    rows: list[dict[str, Any]] = []
    for item in timeline.items:
        step = item.step
        if not item.records:
            if step.number:
                rows.append({"no": step.number, "step": step.name, "done_on": None, "actor": "", "outcome": "",
                             "outcome_note": "", "conclusion": "", "notes": [], "violations": [], "state": item.state})
            continue
        for record in item.records:
            notes = [f"{label}：{value}" for label, value in selectors.detail_pairs(record)]
            people = [s.get("name", "") for s in (record.details or {}).get("supporters", [])]
            if people:
                notes.insert(0, gettext("人员：%(names)s") % {"names": gettext("、").join(people)})
            if record.vote is not None:
                vote = record.vote
                notes.append(gettext("表决：应到%(e)d人，实到%(p)d人，赞成%(y)d，反对%(n)d，弃权%(a)d，书面赞成%(w)d")
                             % {"e": vote.expected, "p": vote.present, "y": vote.yes, "n": vote.no,
                                "a": vote.abstain, "w": vote.written_yes})
            elif record.meeting is not None:
                notes.append(gettext("会议：%(title)s") % {"title": record.meeting.title})
            files = len(record.attachments.all())
            if files:
                notes.append(gettext("附件%(n)d份") % {"n": files})
            rows.append({"no": step.number or "", "step": step.name, "done_on": record.done_on,
                         "actor": record.actor, "outcome": record.get_outcome_display(),
                         "outcome_note": "" if record.outcome == Outcome.PASSED else record.get_outcome_display(),
                         "conclusion": record.conclusion, "notes": notes,
                         "violations": list(record.violations or ()), "state": "done"})
    return rows


class PipelineRecordExporter(ListExporter):
    identifier = "pipeline_record"
    verbose_name = _("发展党员工作全程纪实表")
    description = _("一名发展对象从递交入党申请书到转正、归档的各步骤记录：日期、经办、结论和违反时限的说明"
                    "（PDF 纪实表或 Excel）。在“发展党员”中打开此人的全程纪实页面导出。")
    capability = Capability.EXPORT
    formats = ("pdf", "xlsx")
    icon = "bi-file-earmark-pdf"
    params_as_summary = True
    sheet_name = _("全程纪实")

    def check_access(self, user: Any, data: Mapping) -> None:
        if data.get("pipeline"):
            selectors.pipeline_get(user=user, pk=data.get("pipeline"))

    def form_class(self, user: Any) -> type[forms.Form]:
        class PipelineRecordForm(PortalFormMixin, forms.Form):
            pipeline = PipelineChoiceField(
                label=_("发展党员纪实"), queryset=selectors.pipeline_scope(user=user),
                error_messages={"required": _("请从发展党员纪实页面导出纪实表。"),
                                "invalid_choice": _("该发展党员纪实不存在或不在您的查看范围内。")},
            )

        return PipelineRecordForm

    def job_title(self, form: forms.Form) -> str:
        return f"{self.verbose_name} · {form.cleaned_data['pipeline'].person.name}"

    def _load(self, user: Any, params: Mapping) -> selectors.Timeline:
        """Checked again when the job runs: 404 outside scope, 403 without a capability to view pipelines."""
        pipeline = selectors.pipeline_get(user=user, pk=params.get("pipeline"))
        self._stem = f"{self.verbose_name}_{pipeline.person.name}"
        return selectors.pipeline_timeline(pipeline=pipeline)

    def filename(self, fmt: str, *, stem: str | None = None) -> str:
        return super().filename(fmt, stem=stem or getattr(self, "_stem", None))

    def render(self, *, user: Any, params: Mapping, fmt: str, progress: Progress = no_progress
               ) -> tuple[str, str, Payload]:
        if fmt == "xlsx":
            return super().render(user=user, params=params, fmt=fmt, progress=progress)
        if fmt != "pdf":
            raise ExportError(gettext("不支持的导出格式：%(fmt)s") % {"fmt": fmt})
        timeline = self._load(user, params)
        progress(1, 4)
        pipeline, person = timeline.pipeline, timeline.pipeline.person
        context = {
            "pipeline": pipeline, "person": person, "timeline": timeline, "rows": record_rows(timeline),
            "supporters": timeline.supporters, "missing": timeline.missing,
            "generated_on": timezone.localdate(),
            "generated_by": user.get_full_name() or user.get_username(),
            "running_title": f"{pipeline.organization.name} · {self.verbose_name}",
        }
        pdf = render_pdf("reports/pdf/pipeline_record.html", context)
        progress(4, 4)
        return self.filename("pdf"), CONTENT_TYPES["pdf"], pdf

    def iterate(self, *, user: Any, params: Mapping, progress: Progress) -> Iterator[Sequence[Any]]:
        timeline = self._load(user, params)
        yield [Column(gettext("序号"), width=6), Column(gettext("步骤"), width=26),
               Column(gettext("日期"), kind="date"), Column(gettext("经办"), width=20),
               Column(gettext("结果"), width=10), Column(gettext("结论或意见"), width=40),
               Column(gettext("备注"), width=44), Column(gettext("违反时限"), width=50)]
        for row in record_rows(timeline):
            yield [row["no"], row["step"], row["done_on"], row["actor"], row["outcome"], row["conclusion"],
                   "；".join(row["notes"]), "；".join(row["violations"])]
