"""The talent pool kind: people found by ID number or name + birth date in scope, profile_save's rules per row,
statuses, and nothing written on any error."""

from __future__ import annotations

import pytest

from imports.models import ImportStatus, RowStatus
from imports.spec import get_spec
from liaison.models import TalentProfile
from tests.liaison.helpers import non_party, profile

from .ui_helpers import run_batch, table

pytestmark = pytest.mark.django_db


def check(actor, rows):
    return get_spec("talent_pool").check(actor, table("talent_pool", rows))


@pytest.fixture
def people(world):
    engineer = non_party(world.branch_a, "孙工程师")
    kept = non_party(world.branch_a, "钱研究员")
    profile(kept, world.branch_a, research_field="催化")
    no_id = non_party(world.branch_a, "李无号", id_number=None)
    return {"engineer": engineer, "kept": kept, "no_id": no_id}


def test_valid_file_previews_and_commits(world, people, django_capture_on_commit_callbacks):
    engineer, kept, no_id = people["engineer"], people["kept"], people["no_id"]
    rows = [
        {"id_number": engineer.id_number, "name": engineer.name, "research_field": "储能材料", "backbone": "是"},
        {"id_number": kept.id_number, "name": kept.name, "research_field": "电催化"},
        {"name": no_id.name, "birth_date": no_id.birth_date, "research_field": ""},
    ]
    kept_profile = kept.talent_profile
    outcomes = check(world.shuji_a, rows)
    assert [o.status for o in outcomes] == [RowStatus.NEW, RowStatus.CHANGED, RowStatus.NEW], \
        [o.errors for o in outcomes]
    assert outcomes[1].changes == {"研究方向": ["催化", "电催化"]}
    assert TalentProfile.objects.filter(person=engineer).count() == 0  # the dry run wrote nothing
    kept_profile.refresh_from_db()
    assert kept_profile.research_field == "催化"

    batch = run_batch(world.shuji_a, "talent_pool", rows, django_capture_on_commit_callbacks, commit=True)
    assert batch.status == ImportStatus.IMPORTED, batch.error
    assert (batch.new_count, batch.changed_count) == (2, 1)
    entry = TalentProfile.objects.get(person=engineer)
    assert entry.organization == world.branch_a
    assert entry.research_field == "储能材料"
    kept_profile.refresh_from_db()
    assert kept_profile.research_field == "电催化"

    again = check(world.shuji_a, rows)
    assert [o.status for o in again] == [RowStatus.UNCHANGED] * 3


def test_each_bad_row_is_explained_and_nothing_is_written(world, people, django_capture_on_commit_callbacks):
    engineer = people["engineer"]
    in_branch_b = non_party(world.branch_b, "郑工")
    in_institute_pool = non_party(world.branch_a, "吴研究员")
    profile(in_institute_pool, world.institute)
    rows = [
        {"id_number": world.member_a.id_number, "name": world.member_a.name},  # a party member
        {"id_number": in_branch_b.id_number, "name": in_branch_b.name},  # outside shuji_a's scope
        {"id_number": in_institute_pool.id_number, "name": in_institute_pool.name},  # kept by the institute
        {"id_number": engineer.id_number, "name": "别的名字"},
        {"name": "查无此人", "birth_date": "1990-01-01"},
        {"name": "只有姓名"},
        {"id_number": engineer.id_number, "name": engineer.name, "backbone": "不知道"},
        {"id_number": engineer.id_number, "name": engineer.name, "organization": "乙所党委"},
    ]
    outcomes = check(world.shuji_a, rows)
    errors = {o.row: " ".join(o.errors) for o in outcomes}
    assert all(o.status == RowStatus.ERROR for o in outcomes), errors
    assert "中共党员，不能录入党外人才信息库" in errors[2]
    assert "没有找到公民身份号码为" in errors[3]
    assert "不在您的管理范围内" in errors[3]
    assert "已在甲所党委的信息库中" in errors[4]
    assert "姓名是“孙工程师”，与“别的名字”不一致" in errors[5]
    assert "没有找到1990-01-01出生的“查无此人”" in errors[6]
    assert "请填写“公民身份号码”，或同时填写“姓名”和“出生日期”" in errors[7]
    assert "科技骨干：“不知道”应填写“是”或“否”" in errors[8]
    assert "党组织“乙所党委”不存在或不在您的管理范围内" in errors[9]

    count = TalentProfile.objects.count()
    batch = run_batch(world.shuji_a, "talent_pool", rows, django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.CHECKED
    assert batch.error_count == len(rows)
    assert TalentProfile.objects.count() == count


def test_the_same_person_twice_is_an_error_on_both_rows(world, people):
    engineer = people["engineer"]
    first, second = check(world.shuji_a, [{"id_number": engineer.id_number, "name": engineer.name},
                                          {"name": engineer.name, "birth_date": engineer.birth_date,
                                           "id_number": engineer.id_number}])
    assert "第3行再次出现" in first.errors[0]
    assert "第2行已出现" in second.errors[0]


def test_a_pool_in_the_committee_above_is_allowed_to_its_reviewers(world, people):
    engineer = people["engineer"]
    outcome, = check(world.dangwei, [{"id_number": engineer.id_number, "name": engineer.name,
                                       "organization": "甲所党委"}])
    assert outcome.status == RowStatus.NEW, outcome.errors
