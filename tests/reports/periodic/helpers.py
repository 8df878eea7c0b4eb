"""Data of a finished period for the periodic reports' tests, on the shared world (tests/conftest.py)."""

from __future__ import annotations

import datetime

from members.codes import Education
from recruitment.models import Pipeline, PipelineStatus, PlanTarget, RecruitmentPlan, Stage
from reports.models import ReportKind
from tests.compliance.helpers import at, meeting
from tests.factories import PersonFactory

D = datetime.date
TODAY = D(2026, 11, 21)


def pipeline(org, *, name: str, applied: datetime.date, hk: bool = False, **dates) -> Pipeline:
    person = PersonFactory(organization=org, name=name, education=Education.DOCTORATE if hk else Education.BACHELOR)
    stage = Stage.PROBATIONARY if dates.get("admitted_on") else (
        Stage.CANDIDATE if dates.get("candidate_on") else Stage.ACTIVIST if dates.get("activist_on") else Stage.APPLICANT)
    return Pipeline.objects.create(person=person, organization=org, applied_on=applied, stage=stage,
                                   status=PipelineStatus.ACTIVE, **dates)


def october_meetings(world) -> None:
    """Branch A holds its 支部委员会 and 主题党日 in October 2026; branch B only its 主题党日."""
    meeting(world.branch_a, "committee", at(2026, 10, 12))
    meeting(world.branch_a, "theme_day", at(2026, 10, 20))
    meeting(world.group_a, "group", at(2026, 10, 21))
    meeting(world.branch_b, "theme_day", at(2026, 10, 31, 23, 30))  # Beijing time: still October


def plan_2026(world) -> RecruitmentPlan:
    plan = RecruitmentPlan.objects.create(organization=world.institute, year=2026)
    PlanTarget.objects.create(plan=plan, organization=world.branch_a, total=4, high_knowledge=2, activists=3)
    PlanTarget.objects.create(plan=plan, organization=world.branch_b, total=2, activists=2)
    return plan


def recruitment_2026(world) -> None:
    """Admissions: branch A 2 in the first half (1 高知) and 1 in Q3; branch B 1 in Q4 (after the Q3 report)."""
    pipeline(world.branch_a, name="甲一", applied=D(2023, 3, 1), hk=True, activist_on=D(2023, 5, 1),
             candidate_on=D(2024, 5, 6), admitted_on=D(2026, 3, 10))
    pipeline(world.branch_a, name="甲二", applied=D(2023, 3, 1), activist_on=D(2023, 5, 1),
             candidate_on=D(2024, 5, 6), admitted_on=D(2026, 6, 10))
    pipeline(world.branch_a, name="甲三", applied=D(2024, 3, 1), activist_on=D(2024, 5, 1),
             candidate_on=D(2025, 5, 6), admitted_on=D(2026, 8, 1))
    pipeline(world.branch_a, name="甲四", applied=D(2026, 2, 1), hk=True, activist_on=D(2026, 4, 1))
    pipeline(world.branch_b, name="乙一", applied=D(2024, 3, 1), activist_on=D(2024, 5, 1),
             candidate_on=D(2025, 5, 6), admitted_on=D(2026, 10, 15))


KINDS = list(ReportKind.values)
