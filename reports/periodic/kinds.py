"""The kinds of periodic reports: a registry, REPORT_KINDS (kind → ReportType), after the exporters' registry.

A kind declares its label, period rule, capability, and `compute(org, period)`, which returns the key figures
(JSON), a table (columns and rows) and charts, from the data as it was at the period's end: only records dated
within or before the period count (meeting dates, pipeline step dates, pool entry and exit, pair start and end,
talk dates), and only organizations that existed then. `summary(figures, org, period)` writes the short
Chinese text shown on the report's page and at the top of the PDF. Each compute costs a constant number of
queries at any number of branches (grouped queries, then Python).

To add a kind (e.g. rating summaries): write a ReportType subclass, add it to REPORT_KINDS and to
reports.models.ReportKind (with a migration for the choices)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import ExtractMonth
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches.meetings import compliance
from branches.meetings import rules as meeting_rules
from branches.models import Organization, OrgType
from branches.permissions import Capability

from ..charts import bar_chart, grouped_bar_chart
from ..models import ReportKind
from . import periods
from .periods import ReportPeriod


@dataclass
class Result:
    figures: dict[str, Any]
    columns: list[str]
    rows: list[list[Any]]
    charts: list[SafeString] = field(default_factory=list)
    # The same table summed per unit (one level below the report's organization), for kinds with a row per
    # branch: the PDF prints it instead of the rows when they are too many to lay out (PDF_DETAIL_ROWS).
    unit_columns: list[str] = field(default_factory=list)
    unit_rows: list[list[Any]] = field(default_factory=list)


def _pct(done: float, total: float) -> float:
    return round(100.0 * done / total, 1) if total else 100.0


def _pct_or_none(done: float, total: float) -> float | None:
    return round(100.0 * done / total, 1) if total else None


CHART_ITEMS = 20
"""At most this many units in a chart: beyond it the bars are too thin to read, so a chart over more units shows
the ones a reader looks for first (the lowest rates, the most activity) and says so in its title."""


def _chart_units(units: list[dict[str, Any]], key: str, *, lowest: bool) -> tuple[list[dict[str, Any]], bool]:
    if len(units) <= CHART_ITEMS:
        return units, False
    return sorted(units, key=lambda u: (u[key] if lowest else -u[key]))[:CHART_ITEMS], True


class Units:
    """The organizations directly below the report's organization (its units: institutes below the academy,
    branches below an institute); rows anywhere in the subtree are summed into the unit above them."""

    def __init__(self, org: Organization, period: ReportPeriod) -> None:
        self.org = org
        self.cut = len(org.path) + Organization.steplen
        children = (Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1)
                    .only("pk", "path", "short_name", "name", "founded_on", "closed_on").order_by("path"))
        self.names = {c.path: c.short_name or c.name for c in children}
        self.existing = {c.path for c in children
                         if (c.founded_on is None or c.founded_on <= period.end)
                         and (c.closed_on is None or c.closed_on >= period.start)}
        self.own = gettext("%(name)s本级") % {"name": org.short_name or org.name}

    def key(self, path: str) -> str:
        return path[:self.cut] if len(path) >= self.cut else self.org.path

    def name(self, key: str) -> str:
        return self.own if key == self.org.path else self.names.get(key, key)

    def ordered(self, keys: Iterable[str]) -> list[str]:
        """The existing units and any other with data, in tree order (the organization's own rows first)."""
        found = set(keys) | self.existing
        return sorted(found, key=lambda k: (k != self.org.path, k))

    def sum(self, rows: Iterable[dict[str, Any]], path_key: str, fields: Iterable[str]) -> dict[str, dict[str, int]]:
        fields = list(fields)
        out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(fields, 0))
        for row in rows:
            slot = out[self.key(row[path_key])]
            for name in fields:
                slot[name] += row[name] or 0
        return out


class ReportType:
    kind: str = ""
    label: Any = ""
    rule: str = periods.MONTH
    capability: str = Capability.VIEW_PEOPLE
    pdf_template = "reports/pdf/periodic/report.html"

    def compute(self, org: Organization, period: ReportPeriod) -> Result:
        raise NotImplementedError

    def summary(self, figures: dict[str, Any], org: Organization, period: ReportPeriod) -> str:
        raise NotImplementedError

    def key_figures(self, figures: dict[str, Any]) -> list[tuple[str, Any]]:
        """(label, value) pairs shown on the page: the figures named in `shown`."""
        return [(str(label), figures.get(name)) for name, label in self.shown if name in figures]

    shown: tuple[tuple[str, Any], ...] = ()


# ---- 三会一课 monthly ---------------------------------------------------------------------------------------


class ComplianceMonthly(ReportType):
    kind = ReportKind.COMPLIANCE_MONTHLY
    label = ReportKind.COMPLIANCE_MONTHLY.label
    rule = periods.MONTH
    # The compliance overview shows branches to whoever may view people or log meetings there; a report over a
    # committee's subtree is for those who view people there (committee members, the organization department).
    capability = Capability.VIEW_PEOPLE
    shown = (("branches", _("党支部数")), ("required", _("本月应完成事项")), ("done", _("已完成事项")),
             ("rate", _("本月落实率（%）")), ("complete", _("全部完成的党支部")),
             ("with_overdue", _("有逾期事项的党支部")), ("ytd_rate", _("年初至今落实率（%）")))

    def compute(self, org: Organization, period: ReportPeriod) -> Result:
        orgs = list(
            Organization.objects.filter(path__startswith=org.path,
                                        org_type__in=[*OrgType.branch_types(), OrgType.PARTY_GROUP])
            .filter(Q(founded_on__isnull=True) | Q(founded_on__lte=period.end))
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=period.end))
            .only("pk", "path", "depth", "name", "short_name", "org_type", "has_committee", "founded_on")
            .order_by("path"))
        infos = compliance._branch_infos(orgs)
        year = period.start.year
        org_ids = Organization.objects.filter(path__startswith=org.path).values("pk")  # a subquery, not a list
        counts = compliance._count_meetings(org_ids, infos, datetime.date(year, 1, 1), period.end_exclusive,
                                            compliance._aware(period.end_exclusive))
        book = compliance.RuleBook(meeting_rules.rule_sets())
        units = Units(org, period)
        rows: list[list[Any]] = []
        totals = {"required": 0, "done": 0, "complete": 0, "with_overdue": 0, "ytd_required": 0, "ytd_done": 0}
        # Per unit: month done, month required, branches, with overdue, year-to-date done, year-to-date required.
        per_unit: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
        for info in infos:
            result = compliance.compute(info, book, counts, year=year, on=period.end)
            month = result.month
            ytd_required = ytd_done = 0
            overdue: list[str] = []
            for (mtype, _kind), cells in result.cells.items():
                for cell in cells:
                    if not cell.counts or cell.period.end > period.end_exclusive:
                        continue
                    ytd_required += 1
                    ytd_done += cell.status == compliance.DONE
                    # A requirement of a period ending with this one and not met is overdue now (compute ran
                    # on the last day, when it was still "due").
                    if cell.status in (compliance.OVERDUE, compliance.DUE) and cell.period.end == period.end_exclusive:
                        overdue.append(f"{cell.period.short_label}{compliance.MeetingType(mtype).label}")
            totals["required"] += month.required
            totals["done"] += month.done
            totals["complete"] += month.complete
            totals["with_overdue"] += bool(overdue)
            totals["ytd_required"] += ytd_required
            totals["ytd_done"] += ytd_done
            unit = units.key(info.org.path)
            slot = per_unit[unit]
            slot[0] += month.done
            slot[1] += month.required
            slot[2] += 1
            slot[3] += bool(overdue)
            slot[4] += ytd_done
            slot[5] += ytd_required
            rows.append([units.name(unit), info.org.short_name or info.org.name, month.done, month.required,
                         _pct(month.done, month.required), ytd_done, ytd_required, _pct(ytd_done, ytd_required),
                         gettext("、").join(overdue)])
        ordered = [k for k in units.ordered(per_unit) if k in per_unit]
        unit_rates = [{"name": units.name(k), "rate": _pct(*per_unit[k][:2]), "done": per_unit[k][0],
                       "required": per_unit[k][1]} for k in ordered]
        unit_rows = [[units.name(k), per_unit[k][2], per_unit[k][0], per_unit[k][1], _pct(*per_unit[k][:2]),
                      per_unit[k][4], per_unit[k][5], _pct(per_unit[k][4], per_unit[k][5]), per_unit[k][3]]
                     for k in ordered]
        figures = {"branches": len(infos), **totals, "rate": _pct(totals["done"], totals["required"]),
                   "ytd_rate": _pct(totals["ytd_done"], totals["ytd_required"]), "units": unit_rates}
        columns = [gettext("所属单位"), gettext("党支部"), gettext("本月已完成"), gettext("本月应完成"),
                   gettext("本月落实率（%）"), gettext("年初至今已完成"), gettext("年初至今应完成"),
                   gettext("年初至今落实率（%）"), gettext("本期逾期事项")]
        unit_columns = [gettext("单位"), gettext("党支部数"), *columns[2:8], gettext("有逾期事项的党支部")]
        return Result(figures, columns, rows, unit_columns=unit_columns, unit_rows=unit_rows)

    def charts(self, figures: dict[str, Any]) -> list[SafeString]:
        units = figures.get("units") or []
        if not units:
            return []
        shown, cut = _chart_units(units, "rate", lowest=True)
        title = (gettext("本月三会一课落实率最低的%(n)d个单位") % {"n": len(shown)} if cut
                 else gettext("各单位本月三会一课落实率"))
        return [bar_chart([(u["name"], u["rate"]) for u in shown], title=title, unit="%", max_value=100)]

    def summary(self, figures: dict[str, Any], org: Organization, period: ReportPeriod) -> str:
        parts = [gettext("%(period)s，%(org)s所属%(n)d个党支部本月应完成三会一课事项%(req)d项，已完成%(done)d项，"
                         "落实率%(rate)s%%。") % {"period": period.label, "org": org.short_name or org.name,
                                                  "n": figures["branches"], "req": figures["required"],
                                                  "done": figures["done"], "rate": figures["rate"]},
                 gettext("全部完成的党支部%(c)d个，本期有逾期事项的党支部%(o)d个；年初至今落实率%(y)s%%。")
                 % {"c": figures["complete"], "o": figures["with_overdue"], "y": figures["ytd_rate"]}]
        units = [u for u in figures.get("units", []) if u["required"]]
        if len(units) > 1:
            low = min(units, key=lambda u: u["rate"])
            if low["rate"] < max(u["rate"] for u in units):
                parts.append(gettext("落实率最低的单位是%(name)s（%(rate)s%%）。") % low)
        return "".join(parts)


# ---- pipelines grouped by organization (plan, study, recruitment) -------------------------------------------


def _pipeline_counts(org: Organization, start: datetime.date, end: datetime.date, *, high_knowledge: Q,
                     categories: dict[str, Q] | None = None) -> list[dict[str, Any]]:
    """One GROUP BY query: per organization of the subtree, the pipelines whose step dates fall in [start, end]."""
    from recruitment.models import Pipeline

    def within(name: str) -> Q:
        return Q(**{f"{name}__gte": start, f"{name}__lte": end})

    aggregates: dict[str, Any] = {}
    for key, date_field in (("applied", "applied_on"), ("activists", "activist_on"), ("candidates", "candidate_on"),
                            ("admitted", "admitted_on"), ("converted", "converted_on")):
        aggregates[key] = Count("pk", filter=within(date_field))
        aggregates[f"hk_{key}"] = Count("pk", filter=within(date_field) & high_knowledge)
    for key, q in (categories or {}).items():
        aggregates[f"admitted_{key}"] = Count("pk", filter=within("admitted_on") & q)
    return list(Pipeline.objects.filter(organization__path__startswith=org.path).order_by()
                .values("organization__path").annotate(**aggregates))


def _pipeline_fields(categories: Iterable[str] = ()) -> list[str]:
    base = ["applied", "activists", "candidates", "admitted", "converted"]
    return [*base, *[f"hk_{k}" for k in base], *[f"admitted_{c}" for c in categories]]


def _liaison_rules(org: Organization, on: datetime.date) -> Any:
    from liaison import rules as liaison_rules

    return liaison_rules.rules_for(organization=org, on=on)


def _hk_q(org: Organization, on: datetime.date, prefix: str = "person__") -> Q:
    from liaison.selectors import high_knowledge_q

    return high_knowledge_q(_liaison_rules(org, on), prefix=prefix)


def _plan_targets(org: Organization, year: int, as_of: datetime.date) -> tuple[Any, list[Any]]:
    """The committee's plan of the year with its targets' numbers as they stood at the end of `as_of`: a change made
    after that day (PlanChange keeps the number before it) is undone, so a past period reads the plan of then."""
    from recruitment.models import PlanChange, RecruitmentPlan

    plan = RecruitmentPlan.objects.filter(organization=org, year=year).first()
    if plan is None:
        return None, []
    targets = list(plan.targets.select_related("organization").order_by("organization__path"))
    by_pk = {t.pk: t for t in targets}
    undone: set[tuple[int, str]] = set()
    later = (PlanChange.objects.filter(target__plan=plan, changed_at__gte=compliance._aware(
        as_of + datetime.timedelta(days=1))).order_by("changed_at", "pk").values_list("target_id", "field", "before"))
    for target_id, name, before in later:
        if (target_id, name) not in undone and target_id in by_pk:
            undone.add((target_id, name))  # the earliest change after the day holds the number of that day
            setattr(by_pk[target_id], name, before)
    return plan, targets


# ---- the plan, quarterly ------------------------------------------------------------------------------------


class PlanQuarterly(ReportType):
    kind = ReportKind.PLAN_QUARTERLY
    label = ReportKind.PLAN_QUARTERLY.label
    rule = periods.QUARTER
    capability = Capability.MANAGE_RECRUITMENT
    shown = (("planned", _("计划发展党员")), ("admitted", _("年初至今已发展")), ("progress", _("完成进度（%）")),
             ("expected", _("按时序应达进度（%）")), ("planned_high_knowledge", _("计划发展高知群体")),
             ("admitted_high_knowledge", _("已发展高知群体")), ("activists", _("年初至今确定积极分子")))

    def compute(self, org: Organization, period: ReportPeriod) -> Result:
        from recruitment.models import PLAN_NUMBERS, PlanCategory
        from recruitment.plan_selectors import _category_q, plan_rules

        year = period.start.year
        plan, targets = _plan_targets(org, year, period.end)
        rules = plan_rules()
        categories = {c: _category_q(c, year, rules) for c in PlanCategory.values}
        counts = _pipeline_counts(org, datetime.date(year, 1, 1), period.end,
                                  high_knowledge=_hk_q(org, period.end), categories=categories)
        fields = _pipeline_fields(PlanCategory.values)
        # Each pipeline counts for the deepest target above (or at) its organization.
        target_paths = {t.organization.path: t for t in targets}
        by_target: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(fields, 0))
        steplen = Organization.steplen
        for row in counts:
            path = row["organization__path"]
            for cut in range(len(path), 0, -steplen):
                if path[:cut] in target_paths:
                    slot = by_target[path[:cut]]
                    for name in fields:
                        slot[name] += row[name]
                    break
        rows = []
        planned = dict.fromkeys(PLAN_NUMBERS, 0)
        actual = {"admitted": 0, "activists": 0, **{c: 0 for c in PlanCategory.values}}
        for target in targets:
            found = by_target.get(target.organization.path, dict.fromkeys(fields, 0))
            for name in PLAN_NUMBERS:
                planned[name] += getattr(target, name)
            actual["admitted"] += found["admitted"]
            actual["activists"] += found["activists"]
            for c in PlanCategory.values:
                actual[c] += found[f"admitted_{c}"]
            rows.append([target.organization.short_name or target.organization.name, target.total, found["admitted"],
                         _pct_or_none(found["admitted"], target.total), target.high_knowledge,
                         found["admitted_high_knowledge"], target.activists, found["activists"], found["candidates"]])
        if plan is None:  # no plan: still the year's admissions, so the report says what happened
            actual["admitted"] = sum(r["admitted"] for r in counts)
            actual["activists"] = sum(r["activists"] for r in counts)
        units = Units(org, period)
        summed = (1, 2, 4, 5, 6, 7, 8)  # the number columns of a row (3 is the percentage)
        per_unit: dict[str, list[int]] = defaultdict(lambda: [0] * len(summed))
        for target, row in zip(targets, rows, strict=True):
            slot = per_unit[units.key(target.organization.path)]
            for i, column in enumerate(summed):
                slot[i] += row[column]
        unit_rows = []
        for key in (k for k in units.ordered(per_unit) if k in per_unit):
            v = per_unit[key]
            unit_rows.append([units.name(key), v[0], v[1], _pct_or_none(v[1], v[0]), *v[2:]])
        quarter = (period.start.month - 1) // 3 + 1
        figures = {
            "has_plan": plan is not None, "planned": planned["total"], "admitted": actual["admitted"],
            "progress": _pct_or_none(actual["admitted"], planned["total"]), "expected": quarter * 25.0,
            "planned_high_knowledge": planned["high_knowledge"], "admitted_high_knowledge": actual["high_knowledge"],
            "planned_activists": planned["activists"], "activists": actual["activists"],
            "categories": [{"name": str(PlanCategory(c).label), "planned": planned[c], "admitted": actual[c]}
                           for c in PlanCategory.values],
            "behind": [r[0] for r in rows if r[1] and (r[3] or 0) < quarter * 25.0],
        }
        columns = [gettext("党组织"), gettext("计划发展"), gettext("已发展"), gettext("完成进度（%）"),
                   gettext("计划发展高知群体"), gettext("已发展高知群体"), gettext("计划培养积极分子"),
                   gettext("已确定积极分子"), gettext("已确定发展对象")]
        return Result(figures, columns, rows, unit_columns=[gettext("单位"), *columns[1:]], unit_rows=unit_rows)

    def charts(self, figures: dict[str, Any]) -> list[SafeString]:
        cats = [{"name": gettext("总数"), "planned": figures["planned"], "admitted": figures["admitted"]},
                *figures.get("categories", [])]
        return [grouped_bar_chart([c["name"] for c in cats],
                                  [(gettext("计划"), [c["planned"] for c in cats]),
                                   (gettext("已发展"), [c["admitted"] for c in cats])],
                                  title=gettext("计划与年初至今已发展（分类）"))]

    def summary(self, figures: dict[str, Any], org: Organization, period: ReportPeriod) -> str:
        name = org.short_name or org.name
        if not figures["has_plan"]:
            return gettext("%(org)s尚未制定%(year)s年度发展党员计划。截至%(period)s末，本年度已发展党员%(n)d名，"
                           "确定入党积极分子%(a)d名。") % {"org": name, "year": period.start.year,
                                                    "period": period.label, "n": figures["admitted"],
                                                    "a": figures["activists"]}
        text = gettext("截至%(period)s末，%(org)s年度计划发展党员%(planned)d名，已发展%(admitted)d名，完成%(progress)s%%"
                       "（按时序应达%(expected)s%%）。其中高知群体计划%(hk_p)d名，已发展%(hk_a)d名；已确定入党积极分子"
                       "%(act)d名（计划培养%(act_p)d名）。") % {
            "period": period.label, "org": name, "planned": figures["planned"], "admitted": figures["admitted"],
            "progress": figures["progress"] if figures["progress"] is not None else "—",
            "expected": figures["expected"], "hk_p": figures["planned_high_knowledge"],
            "hk_a": figures["admitted_high_knowledge"], "act": figures["activists"],
            "act_p": figures["planned_activists"]}
        if figures["behind"]:
            text += gettext("进度落后的党组织%(n)d个。") % {"n": len(figures["behind"])}
        return text


# ---- the liaison and talent report, yearly ---------------------------------------------------------------------


class LiaisonYearly(ReportType):
    kind = ReportKind.LIAISON_YEARLY
    label = ReportKind.LIAISON_YEARLY.label
    rule = periods.YEAR
    capability = Capability.REVIEW_LIAISONS
    shown = (("pool", _("年末党外人才库人数")), ("high_knowledge", _("其中高知群体")), ("covered", _("高知群体已有联系人")),
             ("coverage", _("联系覆盖率（%）")), ("pairs", _("年末联系结对")), ("pairings", _("年末一对一结对")),
             ("talks", _("全年谈心谈话")), ("applied", _("人才库中本年递交申请")), ("admitted", _("人才库中本年发展入党")))

    def compute(self, org: Organization, period: ReportPeriod) -> Result:
        from liaison.models import LiaisonPair, PairKind, TalentProfile, Talk
        from recruitment.models import Pipeline

        start, end = period.start, period.end
        hk = _hk_q(org, end)
        open_liaison = Q(kind=PairKind.LIAISON, started_on__lte=end) & (Q(ended_on__isnull=True) | Q(ended_on__gte=end))
        covered = Exists(LiaisonPair.objects.filter(open_liaison, talent=OuterRef("pk")))

        def in_year(name: str) -> Q:
            return Q(Exists(Pipeline.objects.filter(person=OuterRef("person"),
                                                    **{f"{name}__gte": start, f"{name}__lte": end})))

        pool = (TalentProfile.objects.filter(organization__path__startswith=org.path, added_on__lte=end)
                .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=end)).order_by()
                .values("organization__path").annotate(
                    pool=Count("pk"), high_knowledge=Count("pk", filter=hk), covered=Count("pk", filter=hk & Q(covered)),
                    applied=Count("pk", filter=in_year("applied_on")),
                    activists=Count("pk", filter=in_year("activist_on")),
                    admitted=Count("pk", filter=in_year("admitted_on"))))
        pairs = (LiaisonPair.objects.filter(organization__path__startswith=org.path, started_on__lte=end)
                 .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=end)).order_by().values("organization__path")
                 .annotate(pairs=Count("pk", filter=Q(kind=PairKind.LIAISON)),
                           pairings=Count("pk", filter=Q(kind=PairKind.PAIRING)),
                           liaisons=Count("liaison", distinct=True, filter=Q(kind=PairKind.LIAISON))))
        talk_rows = list(Talk.objects.filter(pair__organization__path__startswith=org.path, held_on__gte=start,
                                             held_on__lte=end).order_by()
                         .annotate(month=ExtractMonth("held_on")).values("pair__organization__path", "month")
                         .annotate(talks=Count("pk")))
        units = Units(org, period)
        pool_fields = ["pool", "high_knowledge", "covered", "applied", "activists", "admitted"]
        by_pool = units.sum(pool, "organization__path", pool_fields)
        by_pairs = units.sum(pairs, "organization__path", ["pairs", "pairings", "liaisons"])
        by_talks = units.sum(talk_rows, "pair__organization__path", ["talks"])
        quarters = [0, 0, 0, 0]
        for row in talk_rows:
            quarters[(row["month"] - 1) // 3] += row["talks"]
        rows = []
        totals = dict.fromkeys([*pool_fields, "pairs", "pairings", "liaisons", "talks"], 0)
        for key in units.ordered([*by_pool, *by_pairs, *by_talks]):
            p, r, t = by_pool.get(key, {}), by_pairs.get(key, {}), by_talks.get(key, {})
            values = {**dict.fromkeys(totals, 0), **p, **r, **t}
            for name in totals:
                totals[name] += values[name]
            rows.append([units.name(key), values["pool"], values["high_knowledge"], values["covered"],
                         _pct(values["covered"], values["high_knowledge"]), values["pairs"], values["pairings"],
                         values["liaisons"], values["talks"], values["applied"], values["activists"],
                         values["admitted"]])
        figures = {**totals, "coverage": _pct(totals["covered"], totals["high_knowledge"]),
                   "talks_by_quarter": quarters,
                   "units": [{"name": r[0], "coverage": r[4], "talks": r[8]} for r in rows]}
        columns = [gettext("单位"), gettext("人才库人数"), gettext("高知群体"), gettext("已有联系人"),
                   gettext("覆盖率（%）"), gettext("联系结对"), gettext("一对一结对"), gettext("联系人"),
                   gettext("谈心谈话"), gettext("递交申请"), gettext("确定积极分子"), gettext("发展入党")]
        return Result(figures, columns, rows)

    def charts(self, figures: dict[str, Any]) -> list[SafeString]:
        charts = [grouped_bar_chart([gettext("第%(q)d季度") % {"q": q} for q in range(1, 5)],
                                    [(gettext("谈心谈话次数"), figures.get("talks_by_quarter", [0] * 4))],
                                    title=gettext("各季度谈心谈话"))]
        if figures.get("units"):
            shown, cut = _chart_units(figures["units"], "coverage", lowest=True)
            title = (gettext("高知群体联系覆盖率最低的%(n)d个单位") % {"n": len(shown)} if cut
                     else gettext("各单位高知群体联系覆盖率"))
            charts.append(bar_chart([(u["name"], u["coverage"]) for u in shown], title=title, unit="%",
                                    max_value=100))
        return charts

    def summary(self, figures: dict[str, Any], org: Organization, period: ReportPeriod) -> str:
        return gettext(
            "%(period)s末，%(org)s党外人才库共%(pool)d人，其中高知群体%(hk)d人，已有党内联系人的%(covered)d人，覆盖率"
            "%(coverage)s%%。年末有联系结对%(pairs)d对、一对一结对%(pairings)d对，全年开展谈心谈话%(talks)d次。"
            "人才库中本年递交入党申请%(applied)d人，确定积极分子%(activists)d人，发展入党%(admitted)d人。") % {
            "period": period.label, "org": org.short_name or org.name, "pool": figures["pool"],
            "hk": figures["high_knowledge"], "covered": figures["covered"], "coverage": figures["coverage"],
            "pairs": figures["pairs"], "pairings": figures["pairings"], "talks": figures["talks"],
            "applied": figures["applied"], "activists": figures["activists"], "admitted": figures["admitted"]}


# ---- the organization department's reports on recruitment among 高知群体 (seed 001) ---------------------------


class _RecruitmentByUnit(ReportType):
    capability = Capability.MANAGE_RECRUITMENT

    def _by_unit(self, org: Organization, period: ReportPeriod) -> tuple[Units, dict[str, dict[str, int]]]:
        counts = _pipeline_counts(org, period.start, period.end, high_knowledge=_hk_q(org, period.end))
        units = Units(org, period)
        return units, units.sum(counts, "organization__path", _pipeline_fields())


class StudySemester(_RecruitmentByUnit):
    """每学期专题研究 (seed 001: 组织部……每学期专题研究1次): the semester's recruitment among 高知群体 per unit,
    with the pool and the liaison work behind it."""

    kind = ReportKind.STUDY_SEMESTER
    label = ReportKind.STUDY_SEMESTER.label
    rule = periods.SEMESTER
    shown = (("hk_pool", _("期末高知群体人才库人数")), ("hk_covered", _("其中已有联系人")), ("hk_talks", _("本学期谈心谈话")),
             ("hk_applied", _("高知群体递交申请")), ("hk_activists", _("高知群体确定积极分子")),
             ("hk_candidates", _("高知群体确定发展对象")), ("hk_admitted", _("高知群体发展入党")),
             ("admitted", _("本学期发展党员总数")), ("hk_share", _("高知群体占比（%）")))

    def compute(self, org: Organization, period: ReportPeriod) -> Result:
        from liaison.models import LiaisonPair, PairKind, TalentProfile, Talk

        units, by_unit = self._by_unit(org, period)
        hk_profile = _hk_q(org, period.end)
        hk_talent = _hk_q(org, period.end, prefix="pair__talent__person__")
        end = period.end
        covered = Exists(LiaisonPair.objects.filter(Q(kind=PairKind.LIAISON, started_on__lte=end)
                                                    & (Q(ended_on__isnull=True) | Q(ended_on__gte=end)),
                                                    talent=OuterRef("pk")))
        pool = (TalentProfile.objects.filter(hk_profile, organization__path__startswith=org.path, added_on__lte=end)
                .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=end)).order_by().values("organization__path")
                .annotate(hk_pool=Count("pk"), hk_covered=Count("pk", filter=Q(covered))))
        talks = (Talk.objects.filter(hk_talent, pair__organization__path__startswith=org.path,
                                     held_on__gte=period.start, held_on__lte=end).order_by()
                 .values("pair__organization__path").annotate(hk_talks=Count("pk")))
        by_pool = units.sum(pool, "organization__path", ["hk_pool", "hk_covered"])
        by_talks = units.sum(talks, "pair__organization__path", ["hk_talks"])
        names = ["hk_pool", "hk_covered", "hk_talks", "hk_applied", "hk_activists", "hk_candidates", "hk_admitted",
                 "admitted"]
        totals = dict.fromkeys(names, 0)
        rows = []
        for key in units.ordered([*by_unit, *by_pool, *by_talks]):
            values = {**dict.fromkeys(names, 0), **by_unit.get(key, {}), **by_pool.get(key, {}),
                      **by_talks.get(key, {})}
            for name in names:
                totals[name] += values[name]
            rows.append([units.name(key), *[values[n] for n in names],
                         _pct_or_none(values["hk_admitted"], values["admitted"])])
        figures = {**totals, "hk_share": _pct_or_none(totals["hk_admitted"], totals["admitted"]),
                   "units": [{"name": r[0], "activists": r[5], "candidates": r[6], "admitted": r[7]} for r in rows]}
        columns = [gettext("单位"), gettext("高知群体人才库"), gettext("已有联系人"), gettext("谈心谈话"),
                   gettext("递交申请"), gettext("确定积极分子"), gettext("确定发展对象"), gettext("发展入党"),
                   gettext("发展党员总数"), gettext("高知群体占比（%）")]
        return Result(figures, columns, rows)

    def charts(self, figures: dict[str, Any]) -> list[SafeString]:
        units = figures.get("units") or []
        if not units:
            return []
        units, cut = _chart_units(units, "admitted", lowest=False)
        title = (gettext("高知群体发展入党最多的%(n)d个单位") % {"n": len(units)} if cut
                 else gettext("各单位高知群体发展党员情况"))
        return [grouped_bar_chart([u["name"] for u in units],
                                  [(gettext("确定积极分子"), [u["activists"] for u in units]),
                                   (gettext("确定发展对象"), [u["candidates"] for u in units]),
                                   (gettext("发展入党"), [u["admitted"] for u in units])],
                                  title=title)]

    def summary(self, figures: dict[str, Any], org: Organization, period: ReportPeriod) -> str:
        share = figures["hk_share"]
        return gettext(
            "%(period)s，%(org)s高知群体中递交入党申请%(applied)d人，确定入党积极分子%(activists)d人、发展对象"
            "%(candidates)d人，发展入党%(admitted)d人，占同期发展党员总数（%(total)d人）的%(share)s。期末人才库中高知群体"
            "%(pool)d人，已有党内联系人的%(covered)d人，本学期与其谈心谈话%(talks)d次。") % {
            "period": period.label, "org": org.short_name or org.name, "applied": figures["hk_applied"],
            "activists": figures["hk_activists"], "candidates": figures["hk_candidates"],
            "admitted": figures["hk_admitted"], "total": figures["admitted"],
            "share": f"{share}%" if share is not None else "—", "pool": figures["hk_pool"],
            "covered": figures["hk_covered"], "talks": figures["hk_talks"]}


class RecruitmentYearly(_RecruitmentByUnit):
    """每年报告高知群体发展党员工作 (seed 001): the year's recruitment per unit against the annual plan."""

    kind = ReportKind.RECRUITMENT_YEARLY
    label = ReportKind.RECRUITMENT_YEARLY.label
    rule = periods.YEAR
    shown = (("planned", _("计划发展党员")), ("admitted", _("全年发展党员")), ("progress", _("计划完成率（%）")),
             ("planned_high_knowledge", _("计划发展高知群体")), ("hk_admitted", _("高知群体发展党员")),
             ("hk_share", _("高知群体占比（%）")), ("activists", _("确定入党积极分子")), ("converted", _("按期转正")))

    def compute(self, org: Organization, period: ReportPeriod) -> Result:
        units, by_unit = self._by_unit(org, period)
        _plan, targets = _plan_targets(org, period.start.year, period.end)
        planned: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for target in targets:
            slot = planned[units.key(target.organization.path)]
            slot[0] += target.total
            slot[1] += target.high_knowledge
        names = ["applied", "activists", "candidates", "admitted", "hk_admitted", "converted"]
        totals = dict.fromkeys(names, 0)
        totals.update(planned=0, planned_high_knowledge=0)
        rows = []
        for key in units.ordered([*by_unit, *planned]):
            values = {**dict.fromkeys(names, 0), **by_unit.get(key, {})}
            plan_total, plan_hk = planned.get(key, [0, 0])
            for name in names:
                totals[name] += values[name]
            totals["planned"] += plan_total
            totals["planned_high_knowledge"] += plan_hk
            rows.append([units.name(key), plan_total, values["admitted"], _pct_or_none(values["admitted"], plan_total),
                         plan_hk, values["hk_admitted"], values["applied"], values["activists"], values["candidates"],
                         values["converted"]])
        figures = {**totals, "has_plan": bool(targets),
                   "progress": _pct_or_none(totals["admitted"], totals["planned"]),
                   "hk_share": _pct_or_none(totals["hk_admitted"], totals["admitted"]),
                   "units": [{"name": r[0], "planned": r[1], "admitted": r[2], "hk_admitted": r[5]} for r in rows]}
        columns = [gettext("单位"), gettext("计划发展"), gettext("全年发展"), gettext("完成率（%）"),
                   gettext("计划发展高知群体"), gettext("高知群体发展"), gettext("递交申请"), gettext("确定积极分子"),
                   gettext("确定发展对象"), gettext("转正")]
        return Result(figures, columns, rows)

    def charts(self, figures: dict[str, Any]) -> list[SafeString]:
        units = figures.get("units") or []
        if not units:
            return []
        units, cut = _chart_units(units, "planned", lowest=False)
        title = (gettext("计划发展党员最多的%(n)d个单位：全年发展与计划") % {"n": len(units)} if cut
                 else gettext("各单位全年发展党员与计划"))
        return [grouped_bar_chart([u["name"] for u in units],
                                  [(gettext("计划发展"), [u["planned"] for u in units]),
                                   (gettext("全年发展"), [u["admitted"] for u in units]),
                                   (gettext("高知群体发展"), [u["hk_admitted"] for u in units])],
                                  title=title)]

    def summary(self, figures: dict[str, Any], org: Organization, period: ReportPeriod) -> str:
        name = org.short_name or org.name
        share = figures["hk_share"]
        text = gettext("%(period)s，%(org)s共发展党员%(admitted)d名，其中高知群体%(hk)d名，占%(share)s。") % {
            "period": period.label, "org": name, "admitted": figures["admitted"], "hk": figures["hk_admitted"],
            "share": f"{share}%" if share is not None else "—"}
        if figures["has_plan"]:
            text += gettext("年度计划发展%(p)d名（高知群体%(php)d名），完成率%(progress)s。") % {
                "p": figures["planned"], "php": figures["planned_high_knowledge"],
                "progress": f"{figures['progress']}%" if figures["progress"] is not None else "—"}
        else:
            text += gettext("本年度未制定发展党员计划。")
        text += gettext("全年确定入党积极分子%(a)d名、发展对象%(c)d名，预备党员转正%(v)d名。") % {
            "a": figures["activists"], "c": figures["candidates"], "v": figures["converted"]}
        return text


REPORT_KINDS: dict[str, ReportType] = {k.kind: k for k in (
    ComplianceMonthly(), PlanQuarterly(), LiaisonYearly(), StudySemester(), RecruitmentYearly())}


def get_kind(kind: str) -> ReportType | None:
    return REPORT_KINDS.get(kind)
