"""Daily recruitment reminders: who is told what, once per user, thing and day, at a constant query cost."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.models import Notification, NotificationKind
from recruitment import services, tasks
from recruitment.reminders import reminders_compute
from tests.factories import PersonFactory, RoleFactory, UserFactory, make_org

from .helpers import d, walk_to

pytestmark = pytest.mark.django_db
SH = datetime.timezone(datetime.timedelta(hours=8))
ON = d("2024-10-02")  # 孙待批's approval was due 2024-10-01


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(datetime.datetime(2024, 10, 2, 9, 0, tzinfo=SH), tick=False):
        yield


def open_pipeline(branch, actor, name, applied):
    person = PersonFactory(organization=branch, name=name, birth_date=datetime.date(1995, 4, 2))
    return services.pipeline_open(actor=actor, person=person, applied_on=d(applied))


@pytest.fixture
def rworld(world, committee_user, full_members):
    w = world
    w.__dict__["talk"] = open_pipeline(w.branch_a, w.shuji_a, "周谈话", "2024-09-10")  # talk due 2024-10-10
    waiting = open_pipeline(w.branch_a, w.shuji_a, "孙待批", "2023-03-01")
    w.__dict__["waiting"] = walk_to(waiting, "committee_talk", branch_user=w.shuji_a, committee_user=committee_user,
                                    contacts=full_members[1:3], sponsors=full_members[0:2])
    w.__dict__["other"] = open_pipeline(w.other_branch, w.outsider, "陈乙所", "2024-08-01")  # overdue talk
    return w


def test_branch_secretary_and_committee_recruiter_get_their_items(rworld, committee_user):
    created = reminders_compute(on=ON)
    shuji = Notification.objects.filter(user=rworld.shuji_a)
    assert {n.key.split(":")[1] for n in shuji} == {"talk", "assessment"}
    talk = shuji.get(key__startswith="recruitment:talk:")
    assert talk.kind == NotificationKind.RECRUITMENT_DUE
    assert "周谈话" in talk.title
    assert talk.organization == rworld.branch_a
    assert talk.url == f"/recruitment/{rworld.talk.pk}/"
    committee = Notification.objects.filter(user=committee_user)
    assert [(n.key.split(":")[1], n.kind) for n in committee] == [("approval", NotificationKind.RECRUITMENT_OVERDUE)]
    assert "孙待批" in committee[0].title
    assert "超过3个月期限" in committee[0].title
    outsider = Notification.objects.filter(user=rworld.outsider)
    assert [n.kind for n in outsider] == [NotificationKind.RECRUITMENT_OVERDUE]
    for persona in ("xuanchuan_a", "dangwei", "shuji_b", "dangyuan"):
        assert not Notification.objects.filter(user=rworld.users[persona]).exists(), persona
    assert created == Notification.objects.count()


def test_idempotent_per_user_thing_and_day(rworld):
    first = reminders_compute(on=ON)
    assert first > 0
    assert reminders_compute(on=ON) == 0
    assert Notification.objects.count() == first
    with time_machine.travel(datetime.datetime(2024, 10, 3, 9, 0, tzinfo=SH), tick=False):
        assert reminders_compute(on=d("2024-10-03")) == first  # still due the next day: reminded again
    assert Notification.objects.count() == 2 * first


def test_done_items_are_not_reminded(rworld, committee_user):
    services.step_record(actor=rworld.shuji_a, pipeline=rworld.talk,
                         data=services.StepInput(step="talk", done_on=d("2024-10-01")))
    reminders_compute(on=ON)
    assert not Notification.objects.filter(user=rworld.shuji_a, key__startswith="recruitment:talk:").exists()


def test_constant_queries_at_any_size(rworld):
    with CaptureQueriesContext(connection) as small:
        reminders_compute(on=ON)
    Notification.objects.all().delete()
    for i in range(4):
        branch = make_org(rworld.institute, name=f"扩展第{i}支部", short_name=f"扩展{i}")
        secretary = UserFactory()
        RoleFactory(user=secretary, organization=branch, kind="secretary")
        open_pipeline(branch, secretary, f"扩展{i}", "2024-09-10")
    with CaptureQueriesContext(connection) as large:
        created = reminders_compute(on=ON)
    assert created > 4
    assert len(large) == len(small)


def test_tasks_and_beat_schedule(rworld):
    assert tasks.reminders_daily_task() > 0
    assert tasks.refresh_pipelines_task() == 3
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"recruitment.tasks.reminders_daily_task", "recruitment.tasks.refresh_pipelines_task"} <= schedule
