"""The periods of the periodic reports and the organizations that get them.

Rules: "month", "quarter", "semester" (boundaries from settings.PORTAL_PERIODIC_REPORTS["semesters"], default
the half-years Jan–Jun and Jul–Dec) and "year". A report covers a finished period: the last one that ended
before a given day."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from branches.models import Organization, OrgType

MONTH, QUARTER, SEMESTER, YEAR = "month", "quarter", "semester", "year"
RULES = (MONTH, QUARTER, SEMESTER, YEAR)
DEFAULTS: dict[str, Any] = {"semesters": [(1, 6), (7, 12)], "committee_depth": 1}
def _quarter_label(year: int, quarter: int) -> str:
    # One message per quarter: Chinese writes the number as a word (第三季度), English as a digit (Q3 2026).
    labels = {1: gettext("%(year)d年第一季度"), 2: gettext("%(year)d年第二季度"), 3: gettext("%(year)d年第三季度"),
              4: gettext("%(year)d年第四季度")}
    return labels[quarter] % {"year": year}


def config() -> dict[str, Any]:
    return {**DEFAULTS, **getattr(settings, "PORTAL_PERIODIC_REPORTS", {})}


@dataclass(frozen=True)
class ReportPeriod:
    rule: str
    start: datetime.date
    end: datetime.date  # the last day, inclusive
    label: str

    @property
    def end_exclusive(self) -> datetime.date:
        return self.end + datetime.timedelta(days=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _semesters() -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in config()["semesters"]]


def _semester_label(year: int, number: int, count: int) -> str:
    if _semesters() == [(1, 6), (7, 12)]:
        return gettext("%(year)d年上半年") % {"year": year} if number == 1 else gettext("%(year)d年下半年") % {"year": year}
    return gettext("%(year)d年第%(n)d学期") % {"year": year, "n": number}


def _span(first: int, last: int) -> int:
    return (last - first) % 12 + 1


def period_containing(rule: str, day: datetime.date) -> ReportPeriod:
    if rule == MONTH:
        start = day.replace(day=1)
        return ReportPeriod(rule, start, _add_months(start, 1) - datetime.timedelta(days=1),
                            gettext("%(year)d年%(month)d月") % {"year": day.year, "month": day.month})
    if rule == QUARTER:
        q = (day.month - 1) // 3 + 1
        start = datetime.date(day.year, 3 * q - 2, 1)
        return ReportPeriod(rule, start, _add_months(start, 3) - datetime.timedelta(days=1),
                            _quarter_label(day.year, q))
    if rule == SEMESTER:
        semesters = _semesters()
        for year in (day.year, day.year - 1):
            for number, (first, last) in enumerate(semesters, start=1):
                start = datetime.date(year, first, 1)
                end = _add_months(start, _span(first, last)) - datetime.timedelta(days=1)
                if start <= day <= end:
                    return ReportPeriod(rule, start, end, _semester_label(year, number, len(semesters)))
        raise ValueError(f"no semester contains {day}")
    if rule == YEAR:
        return ReportPeriod(rule, datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31),
                            gettext("%(year)d年") % {"year": day.year})
    raise ValueError(rule)


def last_finished(rule: str, today: datetime.date) -> ReportPeriod:
    """The last period of the rule that ended before `today`."""
    return period_containing(rule, period_containing(rule, today).start - datetime.timedelta(days=1))


def period_starting(rule: str, start: datetime.date) -> ReportPeriod | None:
    """The period of the rule that starts on `start` (None when no period starts that day)."""
    period = period_containing(rule, start)
    return period if period.start == start else None


def recent_periods(rule: str, today: datetime.date, count: int = 12) -> list[ReportPeriod]:
    """Finished periods, the newest first (for the generate form)."""
    found = [last_finished(rule, today)]
    while len(found) < count:
        found.append(last_finished(rule, found[-1].start))
    return found


def existing_q(period: ReportPeriod, prefix: str = "") -> Q:
    """Organizations that existed during the period (founded by its end, not closed before its start)."""
    return (Q(**{f"{prefix}founded_on__isnull": True}) | Q(**{f"{prefix}founded_on__lte": period.end})) & (
        Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gte": period.start}))


def report_organizations(*, open_only: bool = True) -> QuerySet[Organization]:
    """The organizations that get periodic reports: root committees and the committees down to
    `committee_depth` levels below them (the academy and each institute committee)."""
    depth = 1 + int(config()["committee_depth"])
    qs = Organization.objects.filter(org_type=OrgType.COMMITTEE, depth__lte=depth)
    if open_only:
        qs = qs.filter(closed_on__isnull=True)
    return qs.order_by("path")
