"""Building pipelines in tests: record steps through the service as a branch secretary or the committee."""

from __future__ import annotations

import datetime

from django.utils import timezone

from branches.models import Meeting, Vote
from recruitment import services
from recruitment.checks import StepInput

COMMITTEE_STEPS = {"pre_review", "committee_talk", "approval", "approval_filing", "conversion_approval"}


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def vote_for(branch, person, day: datetime.date, *, expected=10, present=8, yes=7, no=1, abstain=0,
             subject="接收预备党员") -> Vote:
    held = timezone.make_aware(datetime.datetime.combine(day, datetime.time(14, 0)))
    meeting = Meeting.objects.create(organization=branch, meeting_type="general_assembly", title="支部党员大会",
                                     held_at=held)
    return Vote.objects.create(meeting=meeting, subject=subject, candidate=person, expected=expected,
                               present=present, yes=yes, no=no, abstain=abstain,
                               passed=(yes * 2 > expected and present * 2 > expected))


def record(pipeline, code: str, day: str, *, branch_user, committee_user, **kwargs):
    actor = committee_user if code in COMMITTEE_STEPS else branch_user
    return services.step_record(actor=actor, pipeline=pipeline,
                                data=StepInput(step=code, done_on=d(day), **kwargs))


def walk_to(pipeline, last: str, *, branch_user, committee_user, contacts=(), sponsors=()):
    """Record the steps of a model pipeline (applied 2023-03-01) up to and including `last`."""
    person = pipeline.person
    plan = [
        ("talk", "2023-03-20", {}),
        ("activist", "2023-05-01", {}),
        ("activist_filing", "2023-05-10", {}),
        ("contacts", "2023-05-10", {"supporters": list(contacts)}),
        ("assessment", "2023-11-01", {}),
        ("candidate", "2024-05-06", {}),
        ("candidate_filing", "2024-05-10", {}),
        ("sponsors", "2024-05-12", {"supporters": list(sponsors)}),
        ("political_review", "2024-06-01", {}),
        ("training", "2024-06-05", {"details": {"days": 3, "class_hours": 24}}),
        ("branch_review", "2024-06-10", {}),
        ("pre_review", "2024-06-20", {}),
        ("application_form", "2024-06-25", {}),
        ("admission_vote", "2024-07-01", {}),
        ("committee_talk", "2024-07-15", {}),
        ("approval", "2024-08-01", {}),
        ("conversion_request", "2025-06-20", {}),
        ("conversion_vote", "2025-07-02", {}),
        ("conversion_approval", "2025-07-20", {}),
        ("archive", "2025-07-25", {}),
    ]
    done = set(pipeline.steps.values_list("step", flat=True))
    for code, day, kwargs in plan:
        if code in done:
            continue
        if code in ("admission_vote", "conversion_vote"):
            kwargs = {**kwargs, "vote": vote_for(pipeline.organization, person, d(day))}
        record(pipeline, code, day, branch_user=branch_user, committee_user=committee_user, **kwargs)
        if code == last:
            break
    pipeline.refresh_from_db()
    return pipeline
