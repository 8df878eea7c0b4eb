"""The 人员 import: statuses, dedupe, scope, the same rules as the person form, all-or-nothing commit, audit."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry

from imports.models import ImportStatus
from imports.selectors import batch_rows
from members.codes import PoliticalStatus
from members.models import Person
from tests.factories import PersonFactory

from .people_helpers import checked, committed, new_id, person_row, workbook_bytes

pytestmark = pytest.mark.django_db


def rows_of(batch):
    return batch_rows(batch, limit=1000)[0]


def test_new_rows_are_checked_then_committed_with_audit(world):
    before = Person.objects.count()
    data = workbook_bytes([person_row("陈明"), person_row("曾静", sex="女", birth=datetime.date(1992, 5, 6))])
    batch = checked("shuji_a", data)
    assert batch.status == ImportStatus.CHECKED, batch.error
    assert (batch.total_rows, batch.new_count, batch.error_count) == (2, 2, 0)
    assert Person.objects.count() == before  # the dry run writes nothing
    assert [r["status"] for r in rows_of(batch)] == ["new", "new"]
    batch = committed(batch)
    assert batch.status == ImportStatus.IMPORTED, batch.error
    assert Person.objects.count() == before + 2
    zeng = Person.objects.get(name="曾静")
    assert (zeng.organization, zeng.sex, zeng.name_pinyin, zeng.name_initials) == (world.branch_a, "2", "zengjing", "zj")
    entry = LogEntry.objects.get_for_object(zeng).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == world.shuji_a
    assert "*" in entry.changes["id_number"][1]  # masked like the signals' entries
    batch_entry = LogEntry.objects.get_for_object(batch).get()
    assert batch_entry.action == LogEntry.Action.ACCESS
    assert "new=2" in batch_entry.additional_data["what"]


def test_changed_and_unchanged_rows(world):
    person = PersonFactory(organization=world.branch_a, name="陈明", birth_date=datetime.date(1990, 3, 4),
                           post="研究员", phone="13800138000", education="21", degree="4")
    same = person_row("陈明", id_number=person.id_number)
    moved = PersonFactory(organization=world.branch_a, name="刘洋", birth_date=datetime.date(1990, 3, 4),
                          post="研究员", phone="13800138000", education="21", degree="4")
    changed = person_row("刘洋", id_number=moved.id_number, 工作岗位="副研究员")
    batch = checked("shuji_a", workbook_bytes([same, changed]))
    statuses = {r["key"].split("（")[0]: r for r in rows_of(batch)}
    assert statuses["陈明"]["status"] == "unchanged", statuses["陈明"]
    assert statuses["刘洋"]["status"] == "changed"
    assert statuses["刘洋"]["changes"] == {"工作岗位": ["研究员", "副研究员"]}
    batch = committed(batch)
    assert batch.status == ImportStatus.IMPORTED, batch.error
    moved.refresh_from_db()
    assert moved.post == "副研究员"
    assert LogEntry.objects.get_for_object(moved).filter(action=LogEntry.Action.UPDATE).count() == 1


def test_dedupe_by_name_and_birth_date_when_id_missing(world):
    person = PersonFactory(organization=world.branch_a, name="陈明", birth_date=datetime.date(1990, 3, 4),
                           post="研究员")
    batch = checked("shuji_a", workbook_bytes([person_row("陈明", id_number=None, 工作岗位="工程师")]))
    (row,) = rows_of(batch)
    assert row["status"] == "changed", row
    committed(batch)
    person.refresh_from_db()
    assert person.post == "工程师"
    assert person.id_number
    assert Person.objects.filter(name="陈明").count() == 1


def test_several_name_birth_matches_is_an_error(world):
    for _ in range(2):
        PersonFactory(organization=world.branch_a, name="陈明", birth_date=datetime.date(1990, 3, 4))
    batch = checked("shuji_a", workbook_bytes([person_row("陈明", id_number=None)]))
    (row,) = rows_of(batch)
    assert row["status"] == "error"
    assert "无法确定是哪一位" in row["errors"][0]


def test_duplicate_ids_in_file_name_each_other(world):
    number = new_id()
    before = Person.objects.count()
    batch = checked("shuji_a", workbook_bytes([person_row("陈明", id_number=number), person_row("刘洋"),
                                               person_row("陈明", id_number=number)]))
    rows = rows_of(batch)
    assert batch.error_count == 2
    assert not batch.can_commit
    assert "与第4行的公民身份号码重复" in rows[0]["errors"][0]
    assert "与第2行的公民身份号码重复" in rows[2]["errors"][0]
    assert rows[0]["errors"][0].startswith("公民身份号码：")
    assert Person.objects.count() == before


def test_out_of_scope_org_and_existing_person_out_of_scope(world):
    before = Person.objects.count()
    batch = checked("shuji_a", workbook_bytes([
        person_row("陈明", org="第二党支部"),
        person_row("刘洋", org="中共甲研究所第二支部委员会"),
        person_row("王五", id_number=world.member_other.id_number, birth=world.member_other.birth_date),
    ]))
    rows = rows_of(batch)
    assert "党组织“第二党支部”不存在或不在您的管理范围内" in rows[0]["errors"][0]
    assert rows[0]["errors"][0].startswith("所在党组织：")
    assert "不在您的管理范围内" in rows[1]["errors"][0]
    assert rows[2]["errors"] == ["公民身份号码：该公民身份号码已在系统中登记，记录不在您的管理范围内，请联系上级党组织核实。"]
    assert Person.objects.count() == before


def test_same_rules_as_the_form(world):
    wrong_sex = person_row("陈明", sex="女", id_number=new_id(sex="1"))
    bad_check = person_row("刘洋", id_number="110101199003040010")
    bad_date = person_row("王强", 出生日期="1990-13-01")
    unknown = person_row("赵敏", 学历="大专")
    party = person_row("孙丽", 政治面貌="中共党员")
    to_group = person_row("周杰", org="第一党小组")
    batch = checked("shuji_a", workbook_bytes([wrong_sex, bad_check, bad_date, unknown, party, to_group]))
    rows = rows_of(batch)
    assert all(r["status"] == "error" for r in rows)
    assert "与填写的性别“女”不一致" in rows[0]["errors"][0]
    assert "校验位不正确" in " ".join(rows[1]["errors"])
    assert rows[2]["errors"][0].startswith("出生日期：")
    assert "不是有效日期" in rows[2]["errors"][0]
    assert rows[3]["errors"] == ["学历：“大专”不是可选值，可选：博士研究生、硕士研究生、大学本科、大学专科、中等专科、普通高中、初中、小学、其他。"]
    assert rows[4]["errors"] == ["政治面貌：中共党员、中共预备党员须同时填写“人员类别”和“入党日期”（正式党员还须填写“转正日期”）。"]
    assert "党小组在党籍信息中填写" in rows[5]["errors"][0]


def test_ambiguous_short_name_lists_candidates(world):
    from tests.factories import make_org

    make_org(world.branch_a.get_parent(), name="中共甲研究所另一支部委员会", short_name="第一党支部")
    batch = checked("zuzhibu", workbook_bytes([person_row("陈明")]))
    (row,) = rows_of(batch)
    assert "对应多个党组织" in row["errors"][0]
    assert "中共甲研究所第一支部委员会" in row["errors"][0]


def test_commit_is_all_or_nothing_when_data_changed_since_check(world):
    before = Person.objects.count()
    number = new_id()
    batch = checked("shuji_a", workbook_bytes([person_row("陈明"), person_row("刘洋", id_number=number)]))
    assert batch.can_commit
    PersonFactory(organization=world.branch_b, name="刘洋", id_number=number, birth_date=datetime.date(1990, 3, 4))
    batch = committed(batch)
    assert batch.status == ImportStatus.FAILED
    assert "未导入任何数据" in batch.error
    assert "第3行" in batch.error
    assert Person.objects.count() == before + 1  # only the one created meanwhile
    assert not Person.objects.filter(name="陈明").exists()


def test_political_status_of_an_existing_member_is_kept(world):
    member = world.member_a
    batch = checked("shuji_a", workbook_bytes([person_row(
        member.name, id_number=member.id_number, birth=member.birth_date, 政治面貌="",
        学历="", 学位="", 工作岗位="", 联系电话="")]))
    (row,) = rows_of(batch)
    assert row["status"] in ("unchanged", "changed"), row
    committed(batch)
    member.refresh_from_db()
    assert member.political_status == PoliticalStatus.CPC_MEMBER


def test_constant_queries_per_row_count(world):
    from imports.files import find_sheet, open_workbook, read_table
    from imports.spec import get_spec

    from .people_helpers import user

    spec = get_spec("people")
    actor = user("zuzhibu")

    def rows(n):
        wb = open_workbook(workbook_bytes([person_row(f"陈明{i}") for i in range(n)]))
        return read_table(find_sheet(wb, ["人员"]), spec.columns)[1]

    small, large = rows(10), rows(100)
    spec.check(actor, small)  # warm the scope and tree caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counted(rows):
        with CaptureQueriesContext(connection) as checking:
            outcomes = spec.check(actor, rows)
        with CaptureQueriesContext(connection) as writing:
            spec.commit(actor, outcomes)
        # SQLite caps the variables of one INSERT, so bulk_create splits there; on PostgreSQL 1,000 rows a query.
        others = [q for q in writing.captured_queries if not q["sql"].startswith("INSERT")]
        return len(checking), len(others)

    assert counted(small) == counted(large)
    assert counted(rows(10))[0] <= 4
