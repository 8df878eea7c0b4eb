"""A step decided at the 支部委员会 (确定积极分子, 确定发展对象, 支委会审查) may point at that meeting's record: the
form offers the branch's latest 支委会 records and saves the one chosen; another branch's meeting is refused."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from branches.models import Meeting
from recruitment import selectors, services
from recruitment.checks import StepInput

from .helpers import d

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(TODAY, tick=False):
        yield


def committee_meeting(branch, day: str) -> Meeting:
    held = timezone.make_aware(datetime.datetime.combine(d(day), datetime.time(9, 0)))
    return Meeting.objects.create(organization=branch, meeting_type="committee", title="支部委员会会议", held_at=held)


@pytest.fixture
def talked(world, applicant):
    pipeline = services.pipeline_open(actor=world.shuji_a, person=applicant, applied_on=d("2026-10-08"))
    services.step_record(actor=world.shuji_a, pipeline=pipeline, data=StepInput(step="talk", done_on=d("2026-10-20")))
    return pipeline


def test_the_chosen_committee_meeting_is_saved_with_the_step(world, login, talked):
    meeting = committee_meeting(world.branch_a, "2026-11-10")
    response = login("shuji_a").post(f"/recruitment/{talked.pk}/step/activist/", {
        "done_on": "2026-11-10", "meeting": meeting.pk, "conclusion": "支委会研究同意。"})
    assert response.status_code == 302, response.content.decode()
    record = talked.steps.get(step="activist")
    assert record.meeting_id == meeting.pk


def test_another_branchs_meeting_is_refused_and_nothing_saved(world, login, talked):
    elsewhere = committee_meeting(world.branch_b, "2026-11-10")
    response = login("shuji_a").post(f"/recruitment/{talked.pk}/step/activist/", {
        "done_on": "2026-11-10", "meeting": elsewhere.pk})
    assert response.status_code == 200
    assert "所选会议不是本支部的支委会记录。" in response.content.decode()
    assert not talked.steps.filter(step="activist").exists()


def test_only_the_latest_committee_meetings_are_offered(world, django_assert_num_queries):
    meetings = [committee_meeting(world.branch_a, f"2026-{month:02d}-05") for month in range(1, 6)]
    with django_assert_num_queries(1):
        offered = list(selectors.committee_meetings(organization=world.branch_a, limit=3))
    assert offered == meetings[:1:-1]
    # Still a plain queryset that a choice field can filter.
    assert selectors.committee_meetings(organization=world.branch_a, limit=3).filter(pk=meetings[0].pk).count() == 0
