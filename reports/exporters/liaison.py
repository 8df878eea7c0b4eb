"""联系清单: every liaison pair of a unit's subtree, one row per pair, with the 高知 who have no liaison yet as rows
with an empty liaison (so the gaps show), sorted by unit then liaison. Scoped by review_liaisons; the talks'
private notes are never read here."""

from __future__ import annotations

import datetime
import heapq
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django import forms
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches import permissions
from branches.forms import PortalFormMixin
from branches.permissions import Capability
from liaison import rules as liaison_rules
from liaison import selectors as liaison_selectors
from liaison.models import FollowUp, FollowUpStatus, LiaisonPair, LiaisonRole, PairKind, TalentProfile, Talk
from members.models import Person
from recruitment.models import Pipeline

from .base import Column, ListExporter, Progress
from .roster import OrganizationChoiceField

CAP = Capability.REVIEW_LIAISONS
PROGRESS_EVERY = 500


def liaison_units(user: Any) -> models.QuerySet:
    """Open organizations (not 党小组) where the user reviews liaisons, in tree order."""
    return liaison_selectors.pool_units(user=user)


def _labels(model: type[models.Model], field: str) -> dict[str, str]:
    return {str(value): str(label) for value, label in model._meta.get_field(field).flatchoices}


class LiaisonListExporter(ListExporter):
    identifier = "liaison_list"
    verbose_name = _("联系清单")
    description = _("所选党组织及其下级组织的党内联系人、一对一结对与联系对象清单，含尚未落实联系人的高知。")
    capability = CAP
    sheet_name = _("联系清单")
    icon = "bi-people"

    def check_access(self, user: Any, data: Mapping) -> None:
        if data.get("organization"):
            permissions.get_org_or_404(user, data.get("organization"), CAP)

    def form_class(self, user: Any) -> type[forms.Form]:
        class LiaisonListForm(PortalFormMixin, forms.Form):
            organization = OrganizationChoiceField(
                label=_("党组织"), queryset=liaison_units(user), empty_label=_("请选择党组织"),
                help_text=_("清单包括该组织及其全部下级组织。"),
                error_messages={"required": _("请选择党组织。"),
                                "invalid_choice": _("该党组织不存在或不在您的联系清单审阅范围内。")},
            )
            include_ended = forms.BooleanField(label=_("包括已结束的结对"), required=False)

        return LiaisonListForm

    def job_title(self, form: forms.Form) -> str:
        org = form.cleaned_data["organization"]
        return f"{self.verbose_name} · {org.short_name or org.name}"

    def _pairs(self, org: Any, include_ended: bool, year_start: datetime.date) -> models.QuerySet:
        talks = (Talk.objects.filter(pair=OuterRef("pk"), held_on__gte=year_start).order_by()
                 .values("pair").annotate(n=Count("pk")).values("n")[:1])
        open_items = (FollowUp.objects.filter(talk__pair=OuterRef("pk"), status=FollowUpStatus.OPEN).order_by()
                      .values("talk__pair").annotate(n=Count("pk")).values("n")[:1])
        qs = LiaisonPair.objects.filter(organization__path__startswith=org.path)
        if not include_ended:
            qs = qs.filter(ended_on__isnull=True)
        return (qs.annotate(talks_this_year=Coalesce(Subquery(talks), 0),
                            open_items=Coalesce(Subquery(open_items), 0),
                            applied=Exists(Pipeline.objects.filter(person=OuterRef("talent__person"))))
                .order_by("organization__path", "liaison__name_pinyin", "talent__person__name_pinyin", "pk"))

    def _uncovered(self, org: Any, rules: liaison_rules.Rules, on: datetime.date) -> models.QuerySet:
        covered = LiaisonPair.objects.filter(kind=PairKind.LIAISON, talent=OuterRef("pk"), started_on__lte=on).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=on))
        return (TalentProfile.objects.filter(organization__path__startswith=org.path, removed_on__isnull=True)
                .filter(liaison_selectors.high_knowledge_q(rules)).exclude(Exists(covered))
                .annotate(applied=Exists(Pipeline.objects.filter(person=OuterRef("person"))))
                .order_by("organization__path", "person__name_pinyin", "pk"))

    PERSON = ("name", "sex", "birth_date", "education", "degree", "title_level", "title", "discipline",
              "political_status")

    def header(self) -> list[Column]:
        return [
            Column(gettext("单位"), 16), Column(gettext("联系人"), 10), Column(gettext("联系人身份"), 12),
            Column(gettext("类型"), 12), Column(gettext("联系对象"), 10), Column(gettext("性别"), 6),
            Column(gettext("出生年月"), 10), Column(gettext("学历"), 12), Column(gettext("学位"), 6),
            Column(gettext("职称级别"), 10), Column(gettext("专业技术职务"), 14), Column(gettext("学科专业"), 14),
            Column(gettext("研究方向"), 16), Column(gettext("人才计划"), 14), Column(gettext("是否高知"), 8),
            Column(gettext("政治面貌"), 12), Column(gettext("是否已申请入党"), 10),
            Column(gettext("结对日期"), kind="date"), Column(gettext("结束日期"), kind="date"),
            Column(gettext("结束原因"), 16), Column(gettext("培养措施"), 30),
            Column(gettext("本年谈话次数"), 10, kind="number"), Column(gettext("最近谈话日期"), kind="date"),
            Column(gettext("待办事项数"), 10, kind="number"),
        ]

    def iterate(self, *, user: Any, params: Mapping, progress: Progress) -> Iterator[Sequence[Any]]:
        org = permissions.get_org_or_404(user, params.get("organization"), CAP)
        include_ended = str(params.get("include_ended", "")).lower() in ("1", "true", "on", "yes")
        today = timezone.localdate()
        rules = liaison_rules.rules_for(organization=org, on=today)
        self._stem = f"{self.verbose_name}_{org.short_name or org.name}"
        yield self.header()

        sex, education = _labels(Person, "sex"), _labels(Person, "education")
        degree, title_level = _labels(Person, "degree"), _labels(Person, "title_level")
        political = _labels(Person, "political_status")
        kinds, roles = dict(PairKind.choices), dict(LiaisonRole.choices)
        yes, no = gettext("是"), gettext("否")
        hk_educations, hk_titles = set(rules.high_knowledge_educations), set(rules.high_knowledge_title_levels)
        person_fields = [f"talent__person__{name}" for name in self.PERSON]

        def talent_cells(p: Sequence[Any], research: str, programmes: str, applied: bool) -> list[Any]:
            name, sex_, birth, edu, deg, level, title, discipline, status = p
            return [name, sex.get(sex_, ""), birth.strftime("%Y.%m") if birth else "", education.get(edu, ""),
                    degree.get(deg, ""), title_level.get(level, ""), title, discipline, research, programmes,
                    yes if (edu in hk_educations or level in hk_titles) else no, political.get(status, ""),
                    yes if applied else no]

        # Plain tuples read in chunks; both lists come sorted by unit path and merge lazily (constant memory).
        pair_rows = self._pairs(org, include_ended, datetime.date(today.year, 1, 1)).values_list(
            "organization__path", "liaison__name_pinyin", "organization__short_name", "organization__name",
            "liaison__name", "liaison_role", "kind", *person_fields, "talent__research_field",
            "talent__programmes", "applied", "started_on", "ended_on", "end_reason", "measures", "talks_this_year",
            "last_talk_on", "open_items").iterator(chunk_size=2000)
        gap_rows = self._uncovered(org, rules, today).values_list(
            "organization__path", "person__name_pinyin", "organization__short_name", "organization__name",
            *[f"person__{name}" for name in self.PERSON], "research_field", "programmes",
            "applied").iterator(chunk_size=2000)

        def pairs() -> Iterator[tuple[tuple[str, int, str], list[Any]]]:
            n = len(self.PERSON)
            for r in pair_rows:
                path, pinyin, short, full, liaison, role, kind = r[:7]
                person, rest = r[7:7 + n], r[7 + n:]
                research, programmes, applied, started, ended, reason, measures, talks, last, items = rest
                yield (path, 0, pinyin), [short or full, liaison, roles.get(role, ""), kinds.get(kind, ""),
                                          *talent_cells(person, research, programmes, applied), started, ended,
                                          reason, measures, talks, last, items]

        def gaps() -> Iterator[tuple[tuple[str, int, str], list[Any]]]:
            n = len(self.PERSON)
            for r in gap_rows:
                path, pinyin, short, full = r[:4]
                person, (research, programmes, applied) = r[4:4 + n], r[4 + n:]
                yield (path, 1, pinyin), [short or full, "", "", gettext("未落实联系人"),
                                          *talent_cells(person, research, programmes, applied),
                                          None, None, "", "", None, None, None]

        done = 0
        for _key, row in heapq.merge(pairs(), gaps(), key=lambda item: item[0]):
            yield row
            done += 1
            if done % PROGRESS_EVERY == 0:
                progress(done, done + 1)
        progress(done, done)

    def filename(self, fmt: str, *, stem: str | None = None) -> str:
        return super().filename(fmt, stem=stem or getattr(self, "_stem", None))
