"""Demo pipelines for `seed_demo`: people at every stage of the development pipeline, with their steps.

Built after the people: applicants, activists and development objects come from the non-members anchored at a
branch; the probationary members already in the demo get the pipeline that admitted them. Dates are drawn
backwards from today so that every record satisfies the 2014 rule set (the tests replay the checks on them);
a few talks and approvals are deliberately late, so the violation lists have something to show. Written with
bulk_create: about 15,000 pipelines at `cas` scale."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from branches.models import Meeting, MeetingStatus, MeetingType, Organization, OrgType, Vote
from members.codes import MemberCategory, PoliticalStatus
from members.models import PartyMembership, Person, TrainingKind, TrainingRecord

from . import checks, services, summaries
from . import rules as rulesmod
from .models import Outcome, Pipeline, PipelineStatus, Stage, StepRecord, Supporter, SupporterRole

BATCH = 2000
APPLICANT_SHARE = 1.0  # of the eligible non-members at a branch (those under 18 or without enough members to support them are left out)
STAGE_WEIGHTS = {Stage.APPLICANT: 0.45, Stage.ACTIVIST: 0.35, Stage.CANDIDATE: 0.20}
LATE_SHARE = 0.08


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@dataclass
class _Plan:
    person: Person
    branch: Organization
    stage: str
    steps: list[tuple[str, datetime.date, dict]] = field(default_factory=list)
    contacts: list[Person] = field(default_factory=list)
    sponsors: list[Person] = field(default_factory=list)
    admitted_on: datetime.date | None = None


class PipelineBuilder:
    def __init__(self, *, seed: int, today: datetime.date, log: Callable[[str], None]) -> None:
        self.rng = random.Random(seed + 4)
        self.today = today
        self.log = log
        self.rule_set = rulesmod.rule_sets()[-1]
        self.rules = rulesmod.parse(self.rule_set)

    # ---- planning -----------------------------------------------------------------------------------------

    def _date(self, start: datetime.date, end: datetime.date) -> datetime.date:
        if end <= start:
            return start
        return start + _days(self.rng.randint(0, (end - start).days))

    def _early(self, plan: _Plan, applied: datetime.date, activist: datetime.date | None,
               until: datetime.date) -> None:
        """Application, talk, 思想汇报, activist, filing, contacts and the half-yearly assessments before `until`."""
        rng = self.rng
        talk_late = rng.random() < LATE_SHARE
        talk = applied + _days(rng.randint(35, 60) if talk_late else rng.randint(5, 28))
        plan.steps.append(("application", applied, {}))
        if talk > self.today:
            return
        plan.steps.append(("talk", talk, {}))
        if rng.random() < 0.6:
            plan.steps.append(("thought_report", self._date(talk, min(self.today, talk + _days(120))), {}))
        if activist is None:
            return
        activist = max(activist, talk + _days(14))
        plan.steps += [("activist", activist, {}), ("activist_filing", activist + _days(rng.randint(1, 10)), {})]
        contacts_on = plan.steps[-1][1]
        plan.steps.append(("contacts", contacts_on, {}))
        day = checks.add_months(activist, 6)
        last = plan.steps[-1][1]
        while day <= min(self.today, until) and (plan.stage == Stage.ACTIVIST or day < until):
            day = max(day, last)
            plan.steps.append(("assessment", day, {}))
            day = checks.add_months(day, 6)

    def plan_open(self, person: Person, branch: Organization, full_members: list[Person]) -> _Plan | None:
        rng, today = self.rng, self.today
        stage = rng.choices(list(STAGE_WEIGHTS), weights=list(STAGE_WEIGHTS.values()))[0]
        plan = _Plan(person, branch, stage)
        eighteen = checks.add_months(person.birth_date, 12 * 18)
        if stage == Stage.APPLICANT:
            applied = today - _days(rng.randint(3, 150))
            if applied < eighteen:
                return None
            self._early(plan, applied, None, today)
            return plan
        if len(full_members) < 4:
            return None
        plan.contacts = rng.sample(full_members, rng.choice((1, 2)))
        if stage == Stage.ACTIVIST:
            activist = today - _days(rng.randint(20, 700))
            applied = activist - _days(rng.randint(90, 400))
            if applied < eighteen:
                return None
            self._early(plan, applied, activist, today)
            return plan
        candidate_on = today - _days(rng.randint(10, 330))
        activist = checks.add_months(candidate_on, -12) - _days(rng.randint(5, 200))
        applied = activist - _days(rng.randint(90, 300))
        if applied < eighteen:
            return None
        self._early(plan, applied, activist, candidate_on)
        plan.steps.append(("candidate", max(candidate_on, plan.steps[-1][1]), {}))
        plan.sponsors = rng.sample([p for p in full_members if p not in plan.contacts] or full_members, 2)
        self._candidate_steps(plan, upto=rng.randint(1, 9))
        return plan

    def _candidate_steps(self, plan: _Plan, *, upto: int) -> None:
        """Steps 8–16 of a development object, as far as `upto` of them and not beyond today."""
        rng = self.rng
        day = plan.steps[-1][1]
        sequence = [
            ("candidate_filing", 3, 12, {}), ("sponsors", 1, 10, {}), ("political_review", 10, 40, {}),
            ("training", 5, 60, {"days": 3, "class_hours": 24, "title": "发展对象集中培训班"}),
            ("branch_review", 3, 20, {}), ("pre_review", 5, 25, {}), ("application_form", 2, 10, {}),
            ("admission_vote", 5, 25, {}), ("committee_talk", 3, 20, {}),
        ]
        for code, low, high, details in sequence[:upto]:
            day = day + _days(rng.randint(low, high))
            if day > self.today:
                return
            plan.steps.append((code, day, dict(details)))
            if code == "admission_vote":
                plan.admitted_on = day

    def plan_probationary(self, person: Person, membership: PartyMembership, branch: Organization,
                          full_members: list[Person]) -> _Plan | None:
        """The pipeline that admitted a probationary member of the demo (admitted_on is the branch vote)."""
        rng = self.rng
        if len(full_members) < 4:
            return None
        plan = _Plan(person, branch, Stage.PROBATIONARY)
        vote_on = membership.admitted_on
        committee_talk = vote_on + _days(rng.randint(3, 15))
        approval = committee_talk + _days(rng.randint(100, 130) if rng.random() < LATE_SHARE else rng.randint(5, 60))
        if approval > self.today:
            return None
        candidate_on = vote_on - _days(rng.randint(60, 120))
        activist = checks.add_months(candidate_on, -12) - _days(rng.randint(5, 120))
        applied = activist - _days(rng.randint(90, 300))
        if applied < checks.add_months(person.birth_date, 12 * 18):
            return None
        plan.contacts = rng.sample(full_members, rng.choice((1, 2)))
        plan.sponsors = rng.sample([p for p in full_members if p not in plan.contacts] or full_members, 2)
        self._early(plan, applied, activist, candidate_on)
        plan.steps.append(("candidate", max(candidate_on, plan.steps[-1][1]), {}))
        span = (vote_on - candidate_on).days
        marks = sorted(rng.sample(range(1, span), 7)) if span > 8 else list(range(1, 8))
        for code, offset in zip(("candidate_filing", "sponsors", "political_review", "training", "branch_review",
                                 "pre_review", "application_form"), marks, strict=True):
            details = {"days": 3, "class_hours": 24, "title": "发展对象集中培训班"} if code == "training" else {}
            plan.steps.append((code, candidate_on + _days(offset), details))
        plan.steps += [("admission_vote", vote_on, {}), ("committee_talk", committee_talk, {}),
                       ("approval", approval, {})]
        plan.admitted_on = vote_on
        for code, gap in (("approval_filing", 10), ("assign_group", 5), ("oath", 20)):
            day = approval + _days(rng.randint(1, gap))
            if day <= self.today:
                plan.steps.append((code, day, {}))
        day = checks.add_months(approval, 6)
        if day <= self.today:
            plan.steps.append(("probation_assessment", day, {}))
        ends = checks.add_months(vote_on, self.rules.n("probation_months"))
        request = ends - _days(rng.randint(5, 25))
        if request <= self.today and request > plan.steps[-1][1]:
            plan.steps.append(("conversion_request", request, {}))
        return plan

    # ---- writing ------------------------------------------------------------------------------------------

    def write(self, plans: list[_Plan]) -> int:
        """Pipelines, their records, supporters, training records and the votes behind the 支部大会 steps."""
        rng = self.rng
        pipelines: list[Pipeline] = []
        for plan in plans:
            dates = {code: day for code, day, _ in plan.steps}
            approved = dates.get("approval")
            pipelines.append(Pipeline(
                person=plan.person, organization=plan.branch, stage=plan.stage, status=PipelineStatus.ACTIVE,
                applied_on=dates["application"], activist_on=dates.get("activist"),
                candidate_on=dates.get("candidate"), admitted_on=plan.admitted_on, approved_on=approved,
                probation_ends_on=checks.add_months(plan.admitted_on, self.rules.n("probation_months"))
                if approved else None,
            ))
        Pipeline.objects.bulk_create(pipelines, batch_size=BATCH)
        votes: dict[tuple[int, datetime.date], Vote] = {}
        meetings: list[Meeting] = []
        for plan in plans:
            for code, day, _ in plan.steps:
                if code == "admission_vote":
                    held = timezone.make_aware(datetime.datetime.combine(day, datetime.time(15, 0)))
                    meetings.append(Meeting(organization=plan.branch, meeting_type=MeetingType.GENERAL_ASSEMBLY,
                                            title="支部党员大会（讨论接收预备党员）", held_at=held,
                                            status=MeetingStatus.CONFIRMED, topics="讨论接收预备党员"))
        Meeting.objects.bulk_create(meetings, batch_size=BATCH)
        meeting_iter = iter(meetings)
        vote_rows: list[Vote] = []
        for plan in plans:
            for code, day, _ in plan.steps:
                if code == "admission_vote":
                    expected = rng.randint(8, 40)
                    present = expected - rng.randint(0, expected // 4)
                    yes = present - rng.randint(0, 1)
                    vote = Vote(meeting=next(meeting_iter), subject=f"接收{plan.person.name}为预备党员",
                                candidate=plan.person, expected=expected, present=present, yes=yes,
                                no=present - yes, abstain=0, passed=True)
                    vote_rows.append(vote)
                    votes[(plan.person.pk, day)] = vote
        Vote.objects.bulk_create(vote_rows, batch_size=BATCH)
        records: list[StepRecord] = []
        supporters: list[Supporter] = []
        trainings: list[TrainingRecord] = []
        actor_labels = {s.code: s.actor_label for s in self.rules.steps}
        for plan, pipeline in zip(plans, pipelines, strict=True):
            history: list[StepRecord] = []
            for code, day, details in plan.steps:
                vote = votes.get((plan.person.pk, day)) if code == "admission_vote" else None
                if code == "contacts":
                    details = {"supporters": [{"id": p.pk, "name": p.name} for p in plan.contacts]}
                    supporters += [Supporter(pipeline=pipeline, person=p, role=SupporterRole.CONTACT, assigned_on=day)
                                   for p in plan.contacts]
                elif code == "sponsors":
                    details = {"supporters": [{"id": p.pk, "name": p.name} for p in plan.sponsors]}
                    supporters += [Supporter(pipeline=pipeline, person=p, role=SupporterRole.SPONSOR, assigned_on=day)
                                   for p in plan.sponsors]
                elif code == "training":
                    trainings.append(TrainingRecord(person=plan.person, kind=TrainingKind.CANDIDATE,
                                                    title=details["title"], organizer="所党委",
                                                    starts_on=day - _days(2), ends_on=day, days=3, class_hours=24))
                record = StepRecord(pipeline=pipeline, step=code, rule_set=self.rule_set, done_on=day,
                                    actor=plan.person.name if code == "application" else actor_labels[code],
                                    outcome=Outcome.PASSED, details=details, vote=vote,
                                    meeting=vote.meeting if vote else None)
                record.violations = [p.message for p in checks.check(
                    pipeline=pipeline, history=checks.History(history), rules=self.rules,
                    data=checks.StepInput(step=code, done_on=day, details=details, vote=vote,
                                          supporters=plan.contacts if code == "contacts" else plan.sponsors
                                          if code == "sponsors" else ()),
                    today=self.today) if not p.fatal]
                history.append(record)
                records.append(record)
            services.set_next(pipeline, checks.History(history), self.rules, self.today)
            pipeline.violation_count = sum(1 for r in history if r.violations)
        StepRecord.objects.bulk_create(records, batch_size=BATCH)
        Supporter.objects.bulk_create(supporters, batch_size=BATCH)
        TrainingRecord.objects.bulk_create(trainings, batch_size=BATCH)
        Pipeline.objects.bulk_update(pipelines, [*services.NEXT_FIELDS, "violation_count"], batch_size=BATCH)
        return len(pipelines)


def build_pipelines(*, seed: int, log: Callable[[str], None] | None = None) -> int:
    """Add demo pipelines to a freshly built demo (people exist); returns how many."""
    say = log or (lambda message: None)
    today = timezone.localdate()
    builder = PipelineBuilder(seed=seed, today=today, log=say)
    branch_types = OrgType.branch_types()
    branches = {o.pk: o for o in Organization.objects.filter(org_type__in=branch_types, closed_on__isnull=True)}
    full_by_branch: dict[int, list[Person]] = defaultdict(list)
    full_qs = Person.objects.filter(organization__in=list(branches), membership__category=MemberCategory.FULL,
                                    membership__rights_suspended=False, membership__status="normal",
                                    user__isnull=True).select_related("membership")
    for person in full_qs.order_by("pk"):
        full_by_branch[person.organization_id].append(person)
    plans: list[_Plan] = []
    eligible = (Person.objects.filter(organization__in=list(branches),
                                      political_status__in=[PoliticalStatus.MASSES, PoliticalStatus.CYL_MEMBER])
                .order_by("pk"))
    for person in eligible.iterator(chunk_size=BATCH):
        if builder.rng.random() < APPLICANT_SHARE:
            plan = builder.plan_open(person, branches[person.organization_id], full_by_branch[person.organization_id])
            if plan is not None:
                plans.append(plan)
    probationary = (PartyMembership.objects.filter(category=MemberCategory.PROBATIONARY,
                                                   person__organization__in=list(branches))
                    .filter(person__user__isnull=True).select_related("person").order_by("pk"))
    for membership in probationary.iterator(chunk_size=BATCH):
        person = membership.person
        plan = builder.plan_probationary(person, membership, branches[person.organization_id],
                                         full_by_branch[person.organization_id])
        if plan is not None:
            plans.append(plan)
    count = builder.write(plans)
    summaries.refresh(on=today)  # the committee overview's counts per branch
    say(f"发展党员纪实 {count} 人")
    return count
