"""Rosters of the development pipeline the level above asks for: 入党申请人 / 入党积极分子 / 发展对象 / 预备党员
of an organization's subtree who were at that stage at some time in a period (XLSX, or a landscape PDF).

"At that stage in the period" comes from the pipeline's dates: a stage lasts from the date that started it
(application, 确定积极分子, 确定发展对象, 上级党委审批) to the date that started the next one, or to the end of
the pipeline; it counts when that span overlaps the period. Read through recruitment.selectors.pipeline_scope,
limited to organizations where the user may export."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches import permissions
from branches.forms import PortalFormMixin
from branches.permissions import Capability
from recruitment.models import Pipeline, Stage
from recruitment.selectors import pipeline_scope

from ..pdf import render_pdf
from .base import CONTENT_TYPES, Column, ExportError, ListExporter, Payload, Progress, no_progress
from .roster import OrganizationChoiceField, export_organizations

MAX_PDF_ROWS = 3000
ROSTER_STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY)
# stage -> (the date that starts it, the date that starts the next stage)
SPANS = {
    Stage.APPLICANT: ("applied_on", "activist_on"),
    Stage.ACTIVIST: ("activist_on", "candidate_on"),
    Stage.CANDIDATE: ("candidate_on", "approved_on"),
    Stage.PROBATIONARY: ("approved_on", "converted_on"),
}
TITLES = {
    Stage.APPLICANT: _("入党申请人名册"),
    Stage.ACTIVIST: _("入党积极分子名册"),
    Stage.CANDIDATE: _("发展对象名册"),
    Stage.PROBATIONARY: _("预备党员名册"),
}


def in_stage_during(qs: QuerySet[Pipeline], *, stage: str, start: datetime.date, end: datetime.date
                    ) -> QuerySet[Pipeline]:
    """Pipelines that were at `stage` on some day from `start` to `end` (both included)."""
    begins, next_begins = SPANS[stage]
    qs = qs.annotate(_stage_ends=Coalesce(next_begins, "ended_on"))
    return qs.filter(**{f"{begins}__isnull": False, f"{begins}__lte": end}).filter(
        Q(_stage_ends__isnull=True) | Q(_stage_ends__gt=start))


class RecruitmentRosterExporter(ListExporter):
    identifier = "recruitment_roster"
    verbose_name = _("发展党员名册")
    description = _("所选党组织及其下级组织在所选期间内处于某一阶段（入党申请人、入党积极分子、发展对象、预备党员）的人员名册。")
    capability = Capability.EXPORT
    formats = ("xlsx", "pdf")
    icon = "bi-file-earmark-person"
    sheet_name = _("名册")

    def check_access(self, user: Any, data: Mapping) -> None:
        if data.get("organization"):
            permissions.get_org_or_404(user, data.get("organization"), Capability.EXPORT)

    def form_class(self, user: Any) -> type[forms.Form]:
        today = timezone.localdate()

        class RecruitmentRosterForm(PortalFormMixin, forms.Form):
            organization = OrganizationChoiceField(
                label=_("党组织"), queryset=export_organizations(user), empty_label=_("请选择党组织"),
                help_text=_("名册包括该组织及其全部下级组织。"),
                error_messages={"required": _("请选择党组织。"),
                                "invalid_choice": _("该党组织不存在或不在您的导出权限范围内。")},
            )
            stage = forms.ChoiceField(label=_("名册"), choices=[(s.value, TITLES[s]) for s in ROSTER_STAGES],
                                      initial=Stage.ACTIVIST,
                                      error_messages={"invalid_choice": _("请选择名册的种类。")})
            date_from = forms.DateField(label=_("期间起"), initial=datetime.date(today.year, 1, 1),
                                        widget=forms.DateInput(attrs={"type": "date"}))
            date_to = forms.DateField(label=_("期间止"), initial=today, widget=forms.DateInput(attrs={"type": "date"}))

            def clean(self) -> dict[str, Any]:
                data = super().clean()
                start, end = data.get("date_from"), data.get("date_to")
                if start and end and start > end:
                    self.add_error("date_to", gettext("期间止不能早于期间起。"))
                return data

        return RecruitmentRosterForm

    def job_title(self, form: forms.Form) -> str:
        data = form.cleaned_data
        return f"{TITLES[Stage(data['stage'])]} · {data['organization'].short_name}"

    def _query(self, user: Any, params: Mapping) -> tuple[Any, Stage, datetime.date, datetime.date, QuerySet]:
        org = permissions.get_org_or_404(user, params.get("organization"), Capability.EXPORT)
        try:
            stage = Stage(params.get("stage"))
            start = datetime.date.fromisoformat(str(params.get("date_from")))
            end = datetime.date.fromisoformat(str(params.get("date_to")))
        except (ValueError, TypeError):
            raise ExportError(gettext("名册的种类或期间无效。"))
        if stage not in ROSTER_STAGES or start > end:
            raise ExportError(gettext("名册的种类或期间无效。"))
        qs = (pipeline_scope(user=user).filter(organization__path__startswith=org.path)
              .select_related("person", "organization")
              .order_by("organization__path", SPANS[stage][0], "person__name_pinyin", "pk"))
        return org, stage, start, end, in_stage_during(qs, stage=stage, start=start, end=end)

    def _header(self) -> list[Column]:
        return [
            Column(gettext("序号"), width=6, kind="number"), Column(gettext("姓名"), width=12),
            Column(gettext("性别"), width=6), Column(gettext("出生年月"), width=10), Column(gettext("学历"), width=14),
            Column(gettext("党支部"), width=24), Column(gettext("递交申请日期"), kind="date", width=13),
            Column(gettext("确定积极分子日期"), kind="date", width=15),
            Column(gettext("确定发展对象日期"), kind="date", width=15),
            Column(gettext("支部大会通过接收日期"), kind="date", width=17),
            Column(gettext("转正日期"), kind="date", width=12),
            Column(gettext("目前阶段"), width=12), Column(gettext("状态"), width=16),
        ]

    def _row(self, n: int, p: Pipeline) -> list[Any]:
        person = p.person
        return [n, person.name, person.get_sex_display(),
                person.birth_date.strftime("%Y.%m") if person.birth_date else "",
                person.get_education_display() if person.education else "",
                p.organization.short_name, p.applied_on, p.activist_on, p.candidate_on, p.admitted_on,
                p.converted_on, p.get_stage_display(),
                p.get_status_display() + (f"（{p.ended_on.isoformat()}）" if p.ended_on else "")]

    def iterate(self, *, user: Any, params: Mapping, progress: Progress) -> Iterator[Sequence[Any]]:
        org, stage, start, end, qs = self._query(user, params)
        self._stem = f"{TITLES[stage]}_{org.short_name}_{start:%Y%m%d}-{end:%Y%m%d}"
        yield self._header()
        for n, pipeline in enumerate(qs.iterator(chunk_size=2000), start=1):
            yield self._row(n, pipeline)
            if n % 500 == 0:
                progress(n, n + 1)

    def filename(self, fmt: str, *, stem: str | None = None) -> str:
        return super().filename(fmt, stem=stem or getattr(self, "_stem", None))

    def render(self, *, user: Any, params: Mapping, fmt: str, progress: Progress = no_progress
               ) -> tuple[str, str, Payload]:
        if fmt != "pdf":
            return super().render(user=user, params=params, fmt=fmt, progress=progress)
        org, stage, start, end, qs = self._query(user, params)
        total = qs.count()
        if total > MAX_PDF_ROWS:
            raise ExportError(gettext("名册共 %(n)d 人，超过 PDF 上限 %(max)d 人，请选择下级党组织或导出 Excel。")
                              % {"n": total, "max": MAX_PDF_ROWS})
        progress(1, 10)
        header = self._header()
        rows = [self._row(n, p) for n, p in enumerate(qs, start=1)]
        title = str(TITLES[stage])
        pdf = render_pdf("reports/pdf/recruitment_roster.html", {
            "title": title, "organization": org, "start": start, "end": end, "header": header, "rows": rows,
            "total": total, "generated_on": timezone.localdate(),
            "generated_by": user.get_full_name() or user.get_username(),
            "running_title": f"{org.name} · {title}",
        })
        progress(10, 10)
        stem = f"{title}_{org.short_name}_{start:%Y%m%d}-{end:%Y%m%d}"
        return self.filename("pdf", stem=stem), CONTENT_TYPES["pdf"], pdf
