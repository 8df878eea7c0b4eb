"""The pipeline API: scope (404 outside, 403 without the capability), the action endpoint that runs the same
checks as the form and answers a refusal with {"detail": [explanations]}, and the overview and due lists."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from recruitment import services
from recruitment.models import Pipeline, PipelineStatus, StepRecord
from tests.factories import PersonFactory

from .helpers import d, vote_for, walk_to

pytestmark = pytest.mark.django_db
SH = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=SH), tick=False):
        yield


@pytest.fixture
def api():
    client = APIClient()

    def as_user(user):
        client.force_authenticate(user)
        return client

    return as_user


@pytest.fixture
def pipeline(world, applicant):
    return services.pipeline_open(actor=world.shuji_a, person=applicant, applied_on=d("2023-03-01"))


def steps_url(p):
    return f"/api/v1/recruitment/pipelines/{p.pk}/steps/"


def test_list_is_scoped_and_filters(world, api, pipeline):
    other = services.pipeline_open(actor=world.outsider, applied_on=d("2024-01-01"), person=PersonFactory(
        organization=world.other_branch, birth_date=datetime.date(1990, 1, 1)))
    ids = {r["id"] for r in api(world.zuzhibu).get("/api/v1/recruitment/pipelines/").data["results"]}
    assert ids == {pipeline.pk, other.pk}
    data = api(world.dangwei).get("/api/v1/recruitment/pipelines/").data["results"]
    assert [r["id"] for r in data] == [pipeline.pk]
    assert data[0]["next_step"] == "talk"
    assert data[0]["next_step_label"] == "2. 党组织派人谈话"
    assert api(world.shuji_b).get("/api/v1/recruitment/pipelines/").data["results"] == []
    client = api(world.zuzhibu)
    assert client.get("/api/v1/recruitment/pipelines/?stage=activist").data["results"] == []
    assert len(client.get(f"/api/v1/recruitment/pipelines/?organization={world.institute.pk}").data["results"]) == 1
    assert client.get("/api/v1/recruitment/pipelines/?stage=nope").status_code == 400
    assert api(world.shuji_b).get(
        f"/api/v1/recruitment/pipelines/?organization={world.branch_a.pk}").status_code == 404


def test_detail_has_steps_next_steps_and_missing_records(world, api, pipeline, committee_user, full_members):
    walk_to(pipeline, "candidate", branch_user=world.shuji_a, committee_user=committee_user,
            contacts=full_members[1:3])
    data = api(world.shuji_a).get(f"/api/v1/recruitment/pipelines/{pipeline.pk}/").data
    assert data["stage"] == "candidate"
    assert [s["step"] for s in data["steps"]][:3] == ["application", "talk", "activist"]
    assert {s["person_name"] for s in data["supporters"]} == {"陈联系", "周培养"}
    nxt = {n["step"]: n for n in data["next_steps"]}
    assert {"candidate_filing", "sponsors", "political_review", "training", "assessment"} <= set(nxt)
    assert nxt["assessment"]["due_on"] == "2024-05-01"
    assert nxt["assessment"]["overdue"] is True
    assert data["missing_records"] == []
    assert data["rule_set"].startswith("中国共产党发展党员工作细则")


def test_detail_out_of_scope_is_404_and_without_capability_403(world, api, pipeline):
    url = f"/api/v1/recruitment/pipelines/{pipeline.pk}/"
    assert api(world.shuji_b).get(url).status_code == 404
    assert api(world.outsider).get(url).status_code == 404
    assert api(world.dangyuan).get(url).status_code == 404
    assert api(world.xuanchuan_a).get(url).status_code == 200  # VIEW_PEOPLE at the branch
    assert api(world.shuji_b).post(steps_url(pipeline), {"step": "talk", "done_on": "2023-03-20"},
                                   format="json").status_code == 404


def test_open_pipeline_and_refuse_an_applicant_under_18(world, api):
    person = PersonFactory(organization=world.branch_a, name="少年", birth_date=datetime.date(2010, 1, 10))
    response = api(world.shuji_a).post("/api/v1/recruitment/pipelines/",
                                       {"person": person.pk, "applied_on": "2026-05-01"}, format="json")
    assert response.status_code == 400
    assert any("年满18周岁" in m for m in response.data["detail"])
    assert not Pipeline.objects.filter(person=person).exists()
    adult = PersonFactory(organization=world.branch_a, name="成年", birth_date=datetime.date(1998, 1, 10))
    response = api(world.shuji_a).post("/api/v1/recruitment/pipelines/",
                                       {"person": adult.pk, "applied_on": "2026-05-01"}, format="json")
    assert response.status_code == 201
    assert response.data["next_step"] == "talk"
    assert response.data["next_due_on"] == "2026-06-01"
    # another branch's person: 404; unknown fields: 400
    assert api(world.shuji_b).post("/api/v1/recruitment/pipelines/", {"person": adult.pk, "applied_on": "2026-05-01"},
                                   format="json").status_code == 404
    assert api(world.shuji_a).post("/api/v1/recruitment/pipelines/",
                                   {"person": adult.pk, "applied_on": "2026-05-01", "x": 1},
                                   format="json").status_code == 400


def test_step_recorded_through_the_action_endpoint(world, api, pipeline):
    response = api(world.shuji_a).post(steps_url(pipeline), {"step": "talk", "done_on": "2023-03-20",
                                                             "actor": "支部书记", "conclusion": "动机端正"},
                                       format="json")
    assert response.status_code == 201, response.data
    assert response.data["steps"][-1]["step"] == "talk"
    assert response.data["steps"][-1]["conclusion"] == "动机端正"
    assert StepRecord.objects.filter(pipeline=pipeline, step="talk").count() == 1


@pytest.mark.parametrize(("payload", "fragment"), [
    ({"step": "activist", "done_on": "2023-05-01"}, "须先完成“2. 党组织派人谈话”"),
    ({"step": "talk", "done_on": "2026-07-01"}, "晚于今天"),
    ({"step": "nope", "done_on": "2023-05-01"}, "没有步骤“nope”"),
])
def test_refusal_is_400_with_chinese_explanations_and_saves_nothing(world, api, pipeline, payload, fragment):
    before = StepRecord.objects.count()
    response = api(world.shuji_a).post(steps_url(pipeline), payload, format="json")
    assert response.status_code == 400
    assert isinstance(response.data["detail"], list)
    assert any(fragment in m for m in response.data["detail"]), response.data
    assert StepRecord.objects.count() == before


def test_admission_vote_without_quorum_is_refused(world, api, pipeline, committee_user, full_members):
    walk_to(pipeline, "application_form", branch_user=world.shuji_a, committee_user=committee_user,
            contacts=full_members[1:3], sponsors=full_members[0:2])
    vote = vote_for(world.branch_a, pipeline.person, d("2024-07-01"), expected=10, present=5, yes=5)
    response = api(world.shuji_a).post(steps_url(pipeline), {"step": "admission_vote", "done_on": "2024-07-01",
                                                             "vote": vote.pk}, format="json")
    assert response.status_code == 400
    assert any("未超过半数" in m for m in response.data["detail"])


def test_supporters_and_meeting_outside_scope_are_refused(world, api, pipeline, full_members):
    api(world.shuji_a).post(steps_url(pipeline), {"step": "talk", "done_on": "2023-03-20"}, format="json")
    response = api(world.shuji_a).post(steps_url(pipeline), {"step": "activist", "done_on": "2023-05-01",
                                                             "supporters": [world.member_other.pk]}, format="json")
    assert response.status_code == 400
    assert any("不在您的管辖范围内" in m for m in response.data["detail"])


def test_committee_steps_need_the_committee_capability(world, api, pipeline, committee_user, full_members):
    walk_to(pipeline, "branch_review", branch_user=world.shuji_a, committee_user=committee_user,
            contacts=full_members[1:3], sponsors=full_members[0:2])
    payload = {"step": "pre_review", "done_on": "2024-06-20"}
    response = api(world.shuji_a).post(steps_url(pipeline), payload, format="json")
    assert response.status_code == 403
    assert "上级党委" in str(response.data["detail"])
    assert api(world.dangwei).post(steps_url(pipeline), payload, format="json").status_code == 403
    assert api(committee_user).post(steps_url(pipeline), payload, format="json").status_code == 201


def test_stop(world, api, pipeline):
    url = f"/api/v1/recruitment/pipelines/{pipeline.pk}/stop/"
    response = api(world.shuji_a).post(url, {"on": "2026-05-01", "reason": ""}, format="json")
    assert response.status_code == 400
    assert api(world.dangwei).post(url, {"on": "2026-05-01", "reason": "调离"}, format="json").status_code == 403
    response = api(world.shuji_a).post(url, {"on": "2026-05-01", "reason": "本人撤回申请"}, format="json")
    assert response.status_code == 200
    assert response.data["status"] == PipelineStatus.STOPPED
    assert response.data["next_steps"] == []


def test_overview_and_due(world, api, pipeline):
    services.pipeline_open(actor=world.outsider, applied_on=d("2024-01-01"), person=PersonFactory(
        organization=world.other_branch, birth_date=datetime.date(1990, 1, 1)))
    rows = api(world.zuzhibu).get("/api/v1/recruitment/overview/").data["results"]
    assert {r["organization_name"]: r["applicant"] for r in rows} == {"第一党支部": 1, "乙所第一党支部": 1}
    rows = api(world.dangwei).get("/api/v1/recruitment/overview/").data["results"]
    assert [r["organization_name"] for r in rows] == ["第一党支部"]
    assert api(world.shuji_a).get("/api/v1/recruitment/overview/").status_code == 403
    due = api(world.shuji_a).get("/api/v1/recruitment/due/").data
    assert [(i["person_name"], i["kind"], i["overdue"]) for i in due] == [(pipeline.person.name, "talk", True)]
    assert api(world.shuji_b).get("/api/v1/recruitment/due/").data == []
    assert len(api(world.zuzhibu).get("/api/v1/recruitment/due/").data) == 2
    assert api(world.shuji_b).get(f"/api/v1/recruitment/due/?organization={world.branch_a.pk}").status_code == 404


def test_list_costs_the_same_queries_at_any_size(world, api):
    def add(n):
        for _i in range(n):
            person = PersonFactory(organization=world.branch_a, birth_date=datetime.date(1990, 1, 1))
            services.pipeline_open(actor=world.shuji_a, person=person, applied_on=d("2025-01-01"))

    add(2)
    client = api(world.zuzhibu)
    client.get("/api/v1/recruitment/pipelines/")
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/recruitment/pipelines/")
    add(6)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/api/v1/recruitment/pipelines/").data["results"]) == 8
    assert len(large) == len(small)


def test_schema_generates_without_warnings_for_recruitment(tmp_path, capsys):
    call_command("spectacular", "--file", str(tmp_path / "schema.yml"), "--validate")
    captured = capsys.readouterr()
    assert "Warning" not in captured.err + captured.out, captured.err + captured.out
    schema = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/recruitment/pipelines/{id}/steps/" in schema
    assert "PipelineRefusal" in schema
