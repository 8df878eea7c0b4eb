"""The demo plans: this year's approved with targets from the pipelines and its changes, next year's a draft with
some branches' proposals."""

import pytest

from branches.demo import build_demo
from recruitment.models import PLAN_NUMBERS, PlanCategory, PlanChange, PlanStatus, PlanTarget, RecruitmentPlan

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            build_demo("small", seed=7)
            yield
            transaction.set_rollback(True)


def test_this_years_plan_is_approved_and_next_years_is_a_draft(demo):
    from django.utils import timezone

    year = timezone.localdate().year
    current, upcoming = RecruitmentPlan.objects.order_by("year")
    assert RecruitmentPlan.objects.count() == 2
    assert (current.year, upcoming.year) == (year, year + 1)
    assert current.status == PlanStatus.APPROVED
    assert current.approved_on.year == year
    assert current.approved_on.month == 1
    assert current.organization.depth == 1
    assert upcoming.status == PlanStatus.DRAFT
    assert current.targets.count() == upcoming.targets.count() > 0


def test_targets_keep_the_groups_within_the_total(demo):
    current = RecruitmentPlan.objects.get(status=PlanStatus.APPROVED)
    targets = list(current.targets.all())
    assert any(t.total for t in targets)
    assert any(not t.total for t in targets)
    for target in targets:
        assert all(getattr(target, c) <= target.total for c in PlanCategory.values), target.numbers()


def test_proposals_only_on_next_years_plan(demo):
    current = RecruitmentPlan.objects.get(status=PlanStatus.APPROVED)
    upcoming = RecruitmentPlan.objects.get(status=PlanStatus.DRAFT)
    assert not current.targets.exclude(proposed={}).exists()
    proposed = list(upcoming.targets.exclude(proposed={}))
    assert 0 < len(proposed) < upcoming.targets.count()
    assert all(t.proposed_on for t in proposed)
    for target in proposed:
        assert set(target.proposed) <= set(PLAN_NUMBERS)
        total = target.proposed.get("total", 0)
        assert all(target.proposed.get(c, 0) <= total for c in PlanCategory.values)
    assert not upcoming.targets.exclude(total=0).exists()


def test_changes_after_approval_match_the_targets(demo):
    current = RecruitmentPlan.objects.get(status=PlanStatus.APPROVED)
    changes = list(PlanChange.objects.select_related("target"))
    assert changes
    for change in changes:
        assert change.target.plan_id == current.pk
        assert change.reason
        assert change.target.total == change.after
        assert change.changed_at.date() >= current.approved_on
    assert PlanTarget.objects.filter(changes__isnull=False).distinct().count() == len(changes)
