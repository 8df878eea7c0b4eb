"""The organizations kind: preview statuses, every bad row explained, scope, and nothing written on any error."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry

from branches.models import Organization, OrgType, RoleKind
from imports.models import ImportStatus, RowStatus
from imports.spec import get_spec
from tests.factories import RoleFactory, UserFactory

from .ui_helpers import run_batch, table

pytestmark = pytest.mark.django_db


def check(actor, rows):
    return get_spec("organizations").check(actor, table("organizations", rows))


def test_valid_file_previews_new_changed_unchanged_and_commits(world, django_capture_on_commit_callbacks):
    rows = [
        {"name": "中共甲研究所第三支部委员会", "short_name": "第三党支部", "org_type": "党支部", "parent": "甲所党委",
         "founded_on": datetime.date(2021, 7, 1), "has_committee": "否"},
        {"name": "第三党支部第一党小组", "short_name": "三支一组", "org_type": "党小组", "parent": "第三党支部"},
        {"name": world.branch_b.name, "short_name": world.branch_b.short_name, "org_type": "党支部",
         "parent": world.institute.name, "contact_phone": "010-12345678"},
        {"name": world.branch_a.name, "short_name": world.branch_a.short_name, "org_type": "党支部",
         "parent": "甲所党委", "has_committee": "是"},
    ]
    outcomes = check(world.zuzhibu, rows)
    assert [o.status for o in outcomes] == [RowStatus.NEW, RowStatus.NEW, RowStatus.CHANGED, RowStatus.UNCHANGED]
    assert outcomes[2].changes == {"联系电话": ["", "010-12345678"]}
    before = Organization.objects.count()
    assert Organization.objects.count() == before  # the dry run wrote nothing

    batch = run_batch(world.zuzhibu, "organizations", rows, django_capture_on_commit_callbacks, commit=True)
    assert batch.status == ImportStatus.IMPORTED, batch.error
    assert (batch.new_count, batch.changed_count, batch.unchanged_count) == (2, 1, 1)
    third = Organization.objects.get(name="中共甲研究所第三支部委员会")
    assert Organization.objects.get_parent(third) == world.institute
    group = Organization.objects.get(short_name="三支一组")
    assert Organization.objects.get_parent(group) == third
    assert group.org_type == OrgType.PARTY_GROUP
    world.branch_b.refresh_from_db()
    assert world.branch_b.contact_phone == "010-12345678"
    assert LogEntry.objects.get_for_object(third).filter(actor=world.zuzhibu).exists()
    assert Organization.objects.find_problems() == ([], [], [], [], [])  # the tree's paths and counts are consistent


def test_every_bad_row_is_explained_in_chinese_and_nothing_is_written(world, django_capture_on_commit_callbacks):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    rows = [
        {"name": "中共甲研究所第四支部委员会", "short_name": "第四党支部", "org_type": "支部", "parent": "甲所党委"},
        {"name": "某党小组", "short_name": "某组", "org_type": "党小组", "parent": "甲所党委"},
        {"name": "中共甲研究所第五支部委员会", "short_name": "第五", "org_type": "党支部", "parent": "不存在的党委"},
        {"name": "中共甲研究所第六支部委员会", "short_name": "第六", "org_type": "党支部", "parent": "甲所党委",
         "founded_on": tomorrow},
        {"name": "中共甲研究所第七支部委员会", "short_name": "第七", "org_type": "党支部", "parent": "甲所党委",
         "founded_on": "2020-13-45"},
        {"name": "中共甲研究所第八支部委员会", "short_name": "第八", "org_type": "党支部", "parent": "甲所党委",
         "has_committee": "也许"},
        {"name": "中共甲研究所第九支部委员会", "short_name": "第九", "org_type": "党支部", "parent": "甲所党委"},
        {"name": "中共甲研究所第九支部委员会", "short_name": "第九", "org_type": "党支部", "parent": "甲所党委"},
        {"name": "", "short_name": "", "org_type": "党支部", "parent": "甲所党委"},
        {"name": "子组织", "short_name": "子", "org_type": "党小组", "parent": "第四党支部"},
    ]
    outcomes = check(world.zuzhibu, rows)
    errors = {o.row: " ".join(o.errors) for o in outcomes}
    assert all(o.status == RowStatus.ERROR for o in outcomes), errors
    assert "类型：“支部”不是可选值" in errors[2]
    assert "党小组只能设在党支部" in errors[3]
    assert "“上级党组织”：党组织“不存在的党委”不存在或不在您的管理范围内" in errors[4]
    assert "成立日期不能晚于今天" in errors[5]
    assert "成立日期：“2020-13-45”不是有效日期" in errors[6]
    assert "是否设支委会：“也许”应填写“是”或“否”" in errors[7]
    assert "第9行再次出现" in errors[8]
    assert "在第8行已出现" in errors[9]
    assert "“党组织全称”不能为空" in errors[10]
    assert "第2行有错误" in errors[11]

    count = Organization.objects.count()
    batch = run_batch(world.zuzhibu, "organizations", rows, django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.CHECKED
    assert batch.error_count == len(rows)
    assert not batch.can_commit
    assert Organization.objects.count() == count


def test_parent_outside_the_actors_scope_is_an_error(world):
    institute_admin = UserFactory(username="jia_zuzhibu")
    RoleFactory(user=institute_admin, organization=world.institute, kind=RoleKind.ORG_DEPARTMENT)
    rows = [{"name": "中共乙研究所第二支部委员会", "short_name": "乙所第二党支部", "org_type": "党支部",
             "parent": world.other_institute.name},
            {"name": "中共甲研究所第十支部委员会", "short_name": "第十", "org_type": "党支部", "parent": "甲所党委"}]
    first, second = check(institute_admin, rows)
    assert first.status == RowStatus.ERROR
    assert first.errors == [f"“上级党组织”：党组织“{world.other_institute.name}”不存在或不在您的管理范围内。"]
    assert second.status == RowStatus.NEW


def test_ambiguous_parent_lists_the_candidates(world):
    from tests.factories import make_org

    make_org(world.other_institute, org_type=OrgType.BRANCH, name="中共乙研究所第二支部委员会",
             short_name="第二党支部")  # the same short name as branch B
    outcome, = check(world.zuzhibu, [{"name": "组", "short_name": "组", "org_type": "党小组",
                                      "parent": "第二党支部"}])
    assert "对应多个党组织（中共乙研究所第二支部委员会、中共甲研究所第二支部委员会）" in outcome.errors[0]


def test_changing_the_type_of_an_existing_organization_is_refused(world):
    outcome, = check(world.zuzhibu, [{"name": world.branch_b.name, "short_name": "第二党支部",
                                      "org_type": "临时党支部", "parent": "甲所党委"}])
    assert outcome.status == RowStatus.ERROR
    assert "类型是党支部" in outcome.errors[0]


def test_a_row_that_turns_bad_before_the_commit_fails_the_batch(world, django_capture_on_commit_callbacks):
    from imports import services

    rows = [{"name": "中共甲研究所第十一支部委员会", "short_name": "第十一", "org_type": "党支部", "parent": "甲所党委",
             "code": "X-11"}]
    batch = run_batch(world.zuzhibu, "organizations", rows, django_capture_on_commit_callbacks)
    assert batch.can_commit
    Organization.objects.filter(pk=world.branch_b.pk).update(code="X-11")  # someone took the code meanwhile
    count = Organization.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.import_commit(actor=world.zuzhibu, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "X-11" in batch.error
    assert Organization.objects.count() == count
