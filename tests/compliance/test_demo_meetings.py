"""The demo's organizational life: this year's meetings up to yesterday, attendance by the branch's own members,
and a compliance summary for every open branch, so a fresh demo shows a realistic mix on every page."""

import pytest
from django.db import transaction
from django.utils import timezone

from branches.demo import build_demo
from branches.models import Attendance, ComplianceSummary, Meeting, Organization

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        build_demo("small", seed=11)
        yield
        transaction.set_rollback(True)


def test_meetings_are_this_years_and_in_the_past(demo):
    today = timezone.localdate()
    routine = Meeting.objects.exclude(votes__candidate__isnull=False)
    assert routine.count() > 200
    assert not routine.filter(held_at__year__lt=today.year).exists()
    assert not Meeting.objects.filter(held_at__gte=timezone.now()).exists()
    assert set(routine.values_list("meeting_type", flat=True)) >= {"committee", "theme_day", "general_assembly"}


def test_attendance_is_by_members_of_the_meetings_branch(demo):
    steplen = Organization.steplen
    rows = Attendance.objects.select_related("meeting__organization", "person__organization")[:500]
    assert rows
    for row in rows:
        org = row.meeting.organization
        branch_path = org.path[:-steplen] if org.org_type == "party_group" else org.path
        assert row.person.organization.path == branch_path


def test_every_open_branch_has_a_current_summary(demo):
    branches = Organization.objects.branches().filter(closed_on__isnull=True)
    today = timezone.localdate()
    assert ComplianceSummary.objects.filter(computed_on=today, year=today.year).count() == branches.count()
    assert ComplianceSummary.objects.filter(year_done__gt=0).count() == branches.count()
