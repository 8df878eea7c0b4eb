"""The demo pipelines obey the rule set: replaying every record through the checks finds nothing fatal."""

import pytest

from branches.demo import build_demo
from recruitment import checks, rules
from recruitment.models import Pipeline, Stage, StepRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            build_demo("small", seed=7)
            yield
            transaction.set_rollback(True)


def test_every_stage_is_present(demo):
    stages = set(Pipeline.objects.values_list("stage", flat=True))
    assert {Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY} <= stages


def test_replaying_the_checks_finds_no_refusal(demo):
    loaded = rules.rule_sets()
    for pipeline in Pipeline.objects.select_related("person", "organization").prefetch_related("steps__vote__meeting"):
        records = sorted(pipeline.steps.all(), key=lambda r: (r.done_on, r.pk))
        pipeline.person.political_status = "13"  # 群众 when they applied (the probationary are members now)
        rule_set = rules.rules_for(organization=pipeline.organization, on=records[0].done_on, loaded=loaded)
        for i, record in enumerate(records):
            supporters = []
            if record.step in ("contacts", "sponsors"):
                from members.models import Person

                supporters = list(Person.objects.filter(pk__in=[s["id"] for s in record.details["supporters"]])
                                  .select_related("membership"))
            data = checks.StepInput(step=record.step, done_on=record.done_on, outcome=record.outcome,
                                    details=record.details, vote=record.vote, supporters=supporters)
            problems = checks.check(pipeline=pipeline, history=checks.History(records[:i]), rules=rule_set,
                                    data=data, today=pipeline.updated_at.date())
            fatal = [p.message for p in problems if p.fatal]
            assert not fatal, (pipeline.person.name, record.step, fatal)
            assert record.violations == [p.message for p in problems if not p.fatal]


def test_some_records_carry_violations(demo):
    assert StepRecord.objects.exclude(violations=[]).exists()
