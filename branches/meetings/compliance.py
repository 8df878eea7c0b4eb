"""三会一课 compliance: for a branch and a period, each required meeting type is done, due, overdue, upcoming
or not required, computed from the rule set in force (branches.meetings.rules) and the recorded meetings.

A meeting counts once it is recorded with a date that has passed (draft or confirmed); confirmed ones are
counted separately so pages can show them as such. 党小组会 of a branch are the meetings of its party groups
(and any recorded at the branch itself).

For many branches at once (the committee view) the cost is constant: one query for the branches and their
party groups, one for the rule sets, one aggregate of meetings grouped by organization, type and month."""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.db.models.functions import ExtractMonth, Length
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from branches import permissions
from branches.models import (
    ComplianceSummary,
    Meeting,
    MeetingStatus,
    MeetingType,
    Organization,
    OrgType,
    RuleSet,
)
from branches.permissions import Capability
from branches.selectors import tree_cached

from . import rules as rulesmod
from .rules import PERIOD_ORDER, Requirement

DONE, DUE, OVERDUE, UPCOMING, NOT_REQUIRED = "done", "due", "overdue", "upcoming", "not_required"
STATUS_LABELS: dict[str, Any] = {
    DONE: _("已完成"),
    DUE: _("待完成"),
    OVERDUE: _("逾期未完成"),
    UPCOMING: _("未到期"),
    NOT_REQUIRED: _("不适用"),
}
VIEW_CAPABILITIES = (Capability.VIEW_PEOPLE, Capability.LOG_MEETINGS)


# ---- periods -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str  # "month", "quarter" or "year"
    year: int
    index: int  # month 1–12, quarter 1–4, 1 for a year
    start: datetime.date
    end: datetime.date  # exclusive

    @property
    def code(self) -> str:
        return {"month": f"m{self.index}", "quarter": f"q{self.index}", "year": "year"}[self.kind]

    @property
    def label(self) -> str:
        if self.kind == "month":
            return gettext("%(year)d年%(month)d月") % {"year": self.year, "month": self.index}
        if self.kind == "quarter":
            return gettext("%(year)d年第%(q)d季度") % {"year": self.year, "q": self.index}
        return gettext("%(year)d年") % {"year": self.year}

    @property
    def short_label(self) -> str:
        if self.kind == "month":
            return gettext("%(month)d月") % {"month": self.index}
        if self.kind == "quarter":
            return gettext("第%(q)d季度") % {"q": self.index}
        return gettext("全年")

    @functools.cached_property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    def months(self) -> list[int]:
        if self.kind == "month":
            return [self.index]
        if self.kind == "quarter":
            return [3 * (self.index - 1) + i for i in (1, 2, 3)]
        return list(range(1, 13))

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end


def month_period(year: int, month: int) -> Period:
    end = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return Period("month", year, month, datetime.date(year, month, 1), end)


def quarter_period(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    end = datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, first + 3, 1)
    return Period("quarter", year, quarter, datetime.date(year, first, 1), end)


def year_period(year: int) -> Period:
    return Period("year", year, 1, datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1))


def period_containing(kind: str, day: datetime.date) -> Period:
    if kind == "month":
        return month_period(day.year, day.month)
    if kind == "quarter":
        return quarter_period(day.year, (day.month - 1) // 3 + 1)
    return year_period(day.year)


def periods_of_year(kind: str, year: int) -> list[Period]:
    if kind == "month":
        return [month_period(year, m) for m in range(1, 13)]
    if kind == "quarter":
        return [quarter_period(year, q) for q in range(1, 5)]
    return [year_period(year)]


_PERIODS = functools.cache(periods_of_year)


def parse_period(year: int, code: str) -> Period | None:
    """"year", "q1"–"q4" or "m1"–"m12" of a year; None when malformed."""
    try:
        if code == "year":
            return year_period(year)
        if code[:1] in ("q", "m"):
            n = int(code[1:])
            if code[0] == "q" and 1 <= n <= 4:
                return quarter_period(year, n)
            if code[0] == "m" and 1 <= n <= 12:
                return month_period(year, n)
    except (TypeError, ValueError):
        return None
    return None


def period_choices() -> list[tuple[str, str]]:
    choices = [("year", gettext("全年"))]
    choices += [(f"q{q}", gettext("第%(q)d季度") % {"q": q}) for q in range(1, 5)]
    choices += [(f"m{m}", gettext("%(month)d月") % {"month": m}) for m in range(1, 13)]
    return choices


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# ---- branches and counts -------------------------------------------------------------------------------------


@dataclass
class BranchInfo:
    org: Organization
    has_party_groups: bool = False
    group_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Cell:
    requirement: Requirement | None
    meeting_type: str
    period: Period
    required: int
    done: int
    confirmed: int
    status: str
    meetings: list[Meeting] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def counts(self) -> bool:
        return self.status != NOT_REQUIRED


# (branch id, meeting type, first day of month) -> [recorded, confirmed]
Counts = Mapping[tuple[int, str, datetime.date], list[int]]


def _branch_infos(orgs: Iterable[Organization]) -> list[BranchInfo]:
    """Branches with their open party groups attached (the input holds both, in path order)."""
    by_path: dict[str, BranchInfo] = {}
    infos: list[BranchInfo] = []
    steplen = Organization.steplen
    for org in orgs:
        if org.org_type == OrgType.PARTY_GROUP:
            parent = by_path.get(org.path[:-steplen])
            if parent is not None:
                parent.has_party_groups = True
                parent.group_ids.append(org.pk)
        else:
            info = BranchInfo(org=org)
            by_path[org.path] = info
            infos.append(info)
    return infos


def _month_start(value: datetime.datetime | datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    return value.replace(day=1)


def _count_meetings(org_filter: QuerySet | list[int], infos: list[BranchInfo], start: datetime.date, end: datetime.date,
                    now: datetime.datetime) -> dict[tuple[int, str, datetime.date], list[int]]:
    """One aggregate query: recorded and confirmed meetings per organization, type and month (of one year,
    months taken in the current time zone by the database)."""
    owner: dict[int, int] = {}
    for info in infos:
        owner[info.org.pk] = info.org.pk
        for gid in info.group_ids:
            owner[gid] = info.org.pk
    rows = (
        Meeting.objects.filter(organization__in=org_filter, held_at__gte=_aware(start), held_at__lt=_aware(end),
                               held_at__lte=now)
        .annotate(month=ExtractMonth("held_at"))
        .values("organization_id", "meeting_type", "month")
        .annotate(n=Count("id"), confirmed=Count("id", filter=Q(status=MeetingStatus.CONFIRMED)))
        .order_by()
    )
    counts: dict[tuple[int, str, datetime.date], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        branch_id = owner.get(row["organization_id"])
        if branch_id is None:
            continue
        slot = counts[(branch_id, row["meeting_type"], datetime.date(start.year, row["month"], 1))]
        slot[0] += row["n"]
        slot[1] += row["confirmed"]
    return counts


# ---- evaluation ----------------------------------------------------------------------------------------------


class RuleBook:
    """The loaded rule sets with memoized lookups: which requirements apply to an organization type in a
    period, and which rows a year has (computed once per type and period, not once per branch)."""

    def __init__(self, rules: list[RuleSet]) -> None:
        self.rules = rules
        self._parsed: dict[int | None, dict[tuple[str, str], Requirement]] = {}
        self._by_period: dict[tuple[str, datetime.date], dict[tuple[str, str], Requirement]] = {}
        self._rows: dict[tuple[str, int], list[tuple[str, str]]] = {}
        self._row_reqs: dict[tuple[str, int, tuple[str, str]], list[Requirement | None]] = {}

    def in_force(self, org_type: str, period: Period) -> dict[tuple[str, str], Requirement]:
        key = (org_type, period.last_day)
        found = self._by_period.get(key)
        if found is None:
            rule = rulesmod.pick(self.rules, org_type=org_type, on=period.last_day)
            rule_key = rule.pk if rule is not None else None
            if rule_key not in self._parsed:
                self._parsed[rule_key] = {(r.meeting_type, r.period): r for r in rulesmod.requirements(rule)}
            found = self._by_period[key] = self._parsed[rule_key]
        return found

    def row_requirements(self, org_type: str, year: int, key: tuple[str, str]) -> list[Requirement | None]:
        """For one row of a year: the requirement in force in each of its periods (None: not required)."""
        cache_key = (org_type, year, key)
        found = self._row_reqs.get(cache_key)
        if found is None:
            found = self._row_reqs[cache_key] = [self.in_force(org_type, p).get(key)
                                                 for p in _PERIODS(key[1], year)]
        return found

    def rows(self, org_type: str, year: int) -> list[tuple[str, str]]:
        """The (meeting type, period kind) rows of a year: every requirement in force at some point of it."""
        key = (org_type, year)
        if key not in self._rows:
            seen: dict[tuple[str, str], None] = {}
            for kind in PERIOD_ORDER:
                for period in periods_of_year(kind, year):
                    for req_key in self.in_force(org_type, period):
                        if req_key[1] == kind:
                            seen.setdefault(req_key, None)
            self._rows[key] = sorted(seen, key=lambda k: PERIOD_ORDER.index(k[1]))
        return self._rows[key]


def evaluate(info: BranchInfo, req: Requirement | None, meeting_type: str, period: Period, counts: Counts,
             on: datetime.date, meetings: list[Meeting] | None = None) -> Cell:
    """One cell: the requirement in force for the period (None: none) against the meetings counted; `meetings`
    (branch_year) carry their local date as `held_on`."""
    done = confirmed = 0
    branch_id = info.org.pk
    for month in period.months():
        slot = counts.get((branch_id, meeting_type, datetime.date(period.year, month, 1)))
        if slot:
            done += slot[0]
            confirmed += slot[1]
    found = [m for m in meetings if m.meeting_type == meeting_type
             and period.start <= m.held_on < period.end] if meetings else []
    applicable = (
        req is not None
        and not (req.requires_committee and not info.org.has_committee)
        and not (req.requires_party_groups and not info.has_party_groups)
        and not (info.org.founded_on and info.org.founded_on > period.last_day)
    )
    if not applicable:
        status = NOT_REQUIRED
    elif done >= req.count:
        status = DONE
    elif period.end <= on:
        status = OVERDUE
    elif period.start <= on:
        status = DUE
    else:
        status = UPCOMING
    return Cell(req, meeting_type, period, req.count if req else 0, done, confirmed, status, found)


@dataclass(slots=True)
class Tally:
    done: int = 0
    required: int = 0
    overdue: int = 0
    due: int = 0

    def add(self, cell: Cell) -> None:
        if not cell.counts:
            return
        self.required += 1
        self.done += cell.status == DONE
        self.overdue += cell.status == OVERDUE
        self.due += cell.status == DUE

    @property
    def ratio(self) -> float:
        return self.done / self.required if self.required else 1.0

    @property
    def complete(self) -> bool:
        return self.done == self.required

    def __str__(self) -> str:
        return f"{self.done}/{self.required}"


@dataclass
class BranchCompliance:
    info: BranchInfo
    year: int
    rows: list[tuple[str, str]]
    cells: dict[tuple[str, str], list[Cell]]
    month: Tally
    quarter: Tally
    whole_year: Tally

    @property
    def org(self) -> Organization:
        return self.info.org

    @property
    def status(self) -> str:
        if self.whole_year.overdue:
            return OVERDUE
        if self.month.due or self.quarter.due:
            return DUE
        return DONE

    @property
    def status_label(self) -> str:
        return str({OVERDUE: _("有逾期"), DUE: _("进行中"), DONE: _("正常")}[self.status])


def compute(info: BranchInfo, book: RuleBook, counts: Counts, *, year: int, on: datetime.date,
            meetings: list[Meeting] | None = None) -> BranchCompliance:
    """Every cell of the branch's year, and the tallies for the month and quarter containing `on` (or, for
    another year, its last month and quarter)."""
    anchor = on if on.year == year else datetime.date(year, 12, 31)
    this_month, this_quarter = period_containing("month", anchor), period_containing("quarter", anchor)
    rows = book.rows(info.org.org_type, year)
    cells: dict[tuple[str, str], list[Cell]] = {}
    month, quarter, whole = Tally(), Tally(), Tally()
    for mtype, kind in rows:
        reqs = book.row_requirements(info.org.org_type, year, (mtype, kind))
        cells[(mtype, kind)] = row = [evaluate(info, req, mtype, p, counts, on, meetings)
                                      for p, req in zip(_PERIODS(kind, year), reqs, strict=True)]
        for cell in row:
            whole.add(cell)
            if this_quarter.contains(cell.period):
                quarter.add(cell)
            if this_month.contains(cell.period):
                month.add(cell)
    return BranchCompliance(info, year, rows, cells, month, quarter, whole)


# ---- loading -------------------------------------------------------------------------------------------------


def _scope_qs(user: Any, capability: str | None = None, *, prefix: str = "") -> list[Q]:
    """Filters for organizations where the user may view meetings (VIEW_PEOPLE or LOG_MEETINGS) and, when
    given, also holds `capability`; empty for superusers and for users whose scope is the whole tree."""
    from branches.selectors import covers_whole_tree

    if permissions.scope_for(user).is_superuser:
        return []
    if capability is None or covers_whole_tree(user, capability):
        if any(covers_whole_tree(user, cap) for cap in VIEW_CAPABILITIES):
            return []  # every row would pass: no path filter at all
    q = Q(pk__in=[])
    for cap in VIEW_CAPABILITIES:
        q |= permissions.path_q(user, cap, prefix=prefix) or Q()
    found = [q]
    if capability is not None:
        found.append(permissions.path_q(user, capability, prefix=prefix) or Q())
    return found


def viewable_branches(user: Any) -> QuerySet[Organization]:
    """Open branches and party groups where the user may view meetings (VIEW_PEOPLE or LOG_MEETINGS)."""
    qs = Organization.objects.filter(closed_on__isnull=True,
                                     org_type__in=[*OrgType.branch_types(), OrgType.PARTY_GROUP])
    for q in _scope_qs(user):
        qs = qs.filter(q)
    return qs


def can_view(user: Any, org: Organization) -> bool:
    return any(permissions.has_capability(user, org, cap) for cap in VIEW_CAPABILITIES)


def check_view(user: Any, org: Organization) -> None:
    """404 outside scope or for a non-branch, 403 in scope without VIEW_PEOPLE or LOG_MEETINGS."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    if not org.is_branch or not permissions.in_scope(user, org):
        raise Http404
    if not can_view(user, org):
        raise PermissionDenied(gettext("您没有查看组织生活的权限。"))


def branch_year(*, org: Organization, year: int, on: datetime.date | None = None) -> BranchCompliance:
    """One branch's year with the meetings behind each cell (three queries)."""
    on = on or timezone.localdate()
    groups = list(Organization.objects.filter(path__startswith=org.path, org_type=OrgType.PARTY_GROUP,
                                              closed_on__isnull=True).values_list("pk", flat=True))
    info = BranchInfo(org=org, has_party_groups=bool(groups), group_ids=groups)
    period = year_period(year)
    meetings = list(
        Meeting.objects.filter(organization_id__in=[org.pk, *groups], held_at__gte=_aware(period.start),
                               held_at__lt=_aware(period.end), held_at__lte=timezone.now())
        .only("pk", "organization_id", "meeting_type", "title", "held_at", "status")
        .order_by("held_at", "pk")
    )
    counts: dict[tuple[int, str, datetime.date], list[int]] = defaultdict(lambda: [0, 0])
    for m in meetings:
        m.held_on = timezone.localtime(m.held_at).date()  # once, not once per cell (evaluate)
        slot = counts[(org.pk, m.meeting_type, m.held_on.replace(day=1))]
        slot[0] += 1
        slot[1] += m.status == MeetingStatus.CONFIRMED
    return compute(info, RuleBook(rulesmod.rule_sets()), counts, year=year, on=on, meetings=meetings)


# ---- the committee view: every branch's summary, filtered, sorted and paged in SQL ---------------------------

SORTS = ("name", "month", "quarter", "year", "overdue")
# Ascending order of each sort; ties keep the tree order (path), as the page always did.
_ORDER: dict[str, tuple[str, ...]] = {
    "name": (),
    "month": ("month_ratio", "month_done"),
    "quarter": ("quarter_ratio", "quarter_done"),
    "year": ("year_ratio", "year_done"),
    "overdue": ("overdue",),
}
# What OverviewRow reads: the page and the export need nothing else of the summary (which carries the branch's
# path and names, so no join to the organization).
_ROW_FIELDS = (
    "organization_id", "path", "name", "short_name",
    "month_done", "month_required", "quarter_done", "quarter_required", "quarter_overdue", "year_done",
    "year_required", "overdue", "due", "overdue_items",
)
PAGE_FIELDS = tuple(name for name in _ROW_FIELDS if name != "overdue_items")  # only the export lists them
BRANCH_STATUS_LABELS: dict[str, Any] = {OVERDUE: _("有逾期"), DUE: _("进行中"), DONE: _("正常")}


def branch_status(*, overdue: int, due: int) -> str:
    """A branch is 有逾期 with anything overdue this year, else 进行中 with something due this month or quarter."""
    if overdue:
        return OVERDUE
    return DUE if due else DONE


@dataclass
class OverviewRow:
    """One line of the committee view, read from a ComplianceSummary (the attributes the page and export use)."""

    org: Organization
    month: Tally
    quarter: Tally
    whole_year: Tally
    responsible: bool
    status: str
    overdue_items: list[list[str]]

    @classmethod
    def from_summary(cls, s: ComplianceSummary) -> OverviewRow:
        return cls(
            org=Organization(pk=s.organization_id, path=s.path, name=s.name, short_name=s.short_name),
            month=Tally(done=s.month_done, required=s.month_required),
            quarter=Tally(done=s.quarter_done, required=s.quarter_required, overdue=s.quarter_overdue),
            whole_year=Tally(done=s.year_done, required=s.year_required, overdue=s.overdue),
            responsible=bool(getattr(s, "responsible", False)),
            status=branch_status(overdue=s.overdue, due=s.due),
            overdue_items=[] if "overdue_items" in s.get_deferred_fields() else s.overdue_items or [],
        )

    @property
    def status_label(self) -> str:
        return str(BRANCH_STATUS_LABELS[self.status])

    @property
    def tallies(self) -> tuple[Tally, Tally, Tally]:
        return self.month, self.quarter, self.whole_year

    def overdue_labels(self, year: int) -> list[str]:
        """"1月主题党日", "第1季度党课", … for each overdue requirement of the year."""
        labels = []
        for code, mtype in self.overdue_items:
            period = parse_period(year, code)
            kind = MeetingType(mtype).label if mtype in MeetingType.values else mtype
            labels.append(f"{period.short_label if period else code}{kind}")
        return labels


def _responsible_paths(user: Any) -> set[str]:
    """The organizations where the user holds a role today (from the scope loaded with the request)."""
    return set().union(*permissions.scope_for(user).direct.values())


def _responsible_q(paths: Iterable[str]) -> Q:
    """Summaries of branches at one of `paths` or directly below one (the branches of a committee the user
    sits on); needs the `path_length` alias."""
    paths = sorted(paths)
    q = Q(path__in=paths)
    for path in paths:
        q |= Q(path__startswith=path, path_length=len(path) + Organization.steplen)
    return q


def _digest(qs: QuerySet) -> str:
    """A short key for a queryset's SQL (scope filters included), for tree_cached."""
    try:
        sql = str(qs.query)
    except EmptyResultSet:  # an empty scope
        return "empty"
    return hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:16]


@dataclass
class Overview:
    rows: QuerySet[ComplianceSummary]
    count: int  # rows matching, counted together with the stale check


def overview(*, user: Any, on: datetime.date | None = None, q: str = "", only_overdue: bool = False,
             sort: str = "name", capability: str | None = None) -> Overview:
    """The committee view: every open branch in the user's scope (narrowed to `capability`'s scope when given,
    e.g. EXPORT) with its summary for the year of `on`, filtered by name (`q`) and "only overdue" and sorted
    (`sort` in SORTS, "-" for descending) in SQL; branches under an organization where the user holds a role
    directly (the branch itself or its parent committee) come first, annotated `responsible`.

    One query counts the matching summaries, the summaries of `on` and the open branches in scope; when the
    last two differ, the branches whose summary is missing or not from `on` are refreshed first, so the rows are
    always those of `on`. Wrap the rows with OverviewRow.from_summary."""
    from . import summaries

    on = on or timezone.localdate()
    branches = viewable_branches(user).filter(org_type__in=OrgType.branch_types())
    if capability is not None:
        branches = permissions.scope_filter(branches, user, capability)
    # Only open branches have a summary (summaries.refresh), each with its path: the scope, search, sort and
    # page read this table alone, and comparing its count of the day with the open branches' finds stale ones.
    in_scope = ComplianceSummary.objects.filter(year=on.year)
    for scope_q in _scope_qs(user, capability):
        in_scope = in_scope.filter(scope_q)
    q = q.strip()
    matching = Q(computed_on=on)
    if q:
        matching &= Q(name__icontains=q) | Q(short_name__icontains=q)
    if only_overdue:
        matching &= Q(overdue__gt=0)
    # How many open branches the scope holds depends on the tree alone: cached with it (branches.selectors).
    branch_count = tree_cached(f"compliance-branches:{_digest(branches)}", branches.count)

    def count() -> dict[str, int]:
        return in_scope.aggregate(current=Count("pk", filter=Q(computed_on=on)), matching=Count("pk", filter=matching))

    counts = count()
    if branch_count != counts["current"] and summaries.ensure_current(branches, on=on):
        counts = count()
    mine = _responsible_paths(user)
    # Whether any branch in scope is one the user is responsible for (also the tree alone): when none is, the
    # page sorts by the index instead of by a CASE over every summary.
    if mine and tree_cached(f"compliance-mine:{_digest(branches)}:{','.join(sorted(mine))}",
                            lambda: branches.alias(path_length=Length("path")).filter(_responsible_q(mine)).exists()):
        responsible = Case(When(_responsible_q(mine), then=Value(True)), default=Value(False),
                           output_field=BooleanField())
    else:
        responsible = Value(False, output_field=BooleanField())
    key = sort.lstrip("-")
    if key not in SORTS:
        key, sort = "name", "name"
    desc = sort.startswith("-")
    order = [f"-{name}" if desc else name for name in _ORDER[key]]
    order.append("-path" if desc and key == "name" else "path")
    rows = in_scope.filter(matching).alias(path_length=Length("path")).annotate(responsible=responsible).only(*_ROW_FIELDS)
    rows = rows.order_by("-responsible", *order) if isinstance(responsible, Case) else rows.order_by(*order)
    return Overview(rows=rows, count=counts["matching"])
