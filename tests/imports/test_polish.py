"""Headers in Chinese whatever the language, each error once, the shared cell widgets, new party members in one
step (the membership columns of the people import), and the audit changes built without auditlog's diff."""

from __future__ import annotations

import datetime
import io

import pytest
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.utils import translation
from openpyxl import load_workbook

from branches.models import OrgType
from imports.kinds.common import audit_changes, snapshot
from imports.models import ImportStatus, RowStatus
from imports.selectors import batch_rows
from imports.services import template_workbook
from imports.spec import get_spec
from members.codes import MemberCategory, PoliticalStatus
from members.models import PartyMembership, Person
from tests.factories import PersonFactory

from .people_helpers import PEOPLE_TEMPLATE_HEADER, checked, committed, person_row, workbook_bytes
from .ui_helpers import table

pytestmark = pytest.mark.django_db


def rows_of(batch):
    return batch_rows(batch, limit=1000)[0]


def test_chinese_template_is_accepted_when_the_pages_are_in_english(world):
    data = workbook_bytes([person_row("陈明")])
    with translation.override("en"):
        batch = checked("shuji_a", data)
    assert batch.language == "en"
    assert batch.status == ImportStatus.CHECKED, batch.error
    assert [r["status"] for r in rows_of(batch)] == ["new"], rows_of(batch)


def test_organizations_and_talent_pool_read_cells_with_the_shared_widgets(world):
    spec = get_spec("organizations")
    row = {"name": "中共甲研究所第四支部委员会", "short_name": "第四党支部", "org_type": "党支部", "parent": "甲所党委",
           "founded_on": "2020年7月1日", "has_committee": "Y"}
    with translation.override("en"):
        assert "党组织" in spec.sheet_names()  # the Chinese template's sheet
        (outcome,) = spec.check(world.zuzhibu, table("organizations", [row]))
    assert outcome.status == RowStatus.NEW, outcome.errors
    org = outcome.target[0]
    assert (org.org_type, org.founded_on, org.has_committee) == (OrgType.BRANCH, datetime.date(2020, 7, 1), True)


def test_bad_email_is_reported_once(world):
    batch = checked("shuji_a", workbook_bytes([person_row("陈明", 电子邮箱="not-an-email")]))
    (row,) = rows_of(batch)
    assert row["errors"] == ["电子邮箱：请输入合法的邮件地址。"], row["errors"]


def test_new_party_member_in_one_step(world):
    row = person_row("陈明", 政治面貌="中共党员", 人员类别="正式党员", 入党日期=datetime.date(2015, 7, 1),
                     转正日期="2016-07-01")
    batch = checked("shuji_a", workbook_bytes([row], header=PEOPLE_TEMPLATE_HEADER))
    assert [r["status"] for r in rows_of(batch)] == ["new"], rows_of(batch)
    batch = committed(batch)
    assert batch.status == ImportStatus.IMPORTED, batch.error
    person = Person.objects.get(name="陈明")
    assert person.political_status == PoliticalStatus.CPC_MEMBER
    membership = person.membership
    assert (membership.category, membership.admitted_on, membership.converted_on) == (
        MemberCategory.FULL, datetime.date(2015, 7, 1), datetime.date(2016, 7, 1))
    assert LogEntry.objects.get_for_object(membership).get().action == LogEntry.Action.CREATE


def test_probationary_member_gets_the_status_from_the_category(world):
    row = person_row("刘洋", 政治面貌="", 人员类别="预备党员", 入党日期="2024-07-01")
    batch = committed(checked("shuji_a", workbook_bytes([row], header=PEOPLE_TEMPLATE_HEADER)))
    assert batch.status == ImportStatus.IMPORTED, batch.error
    assert Person.objects.get(name="刘洋").political_status == PoliticalStatus.CPC_PROBATIONARY


def test_membership_columns_are_checked_like_membership_save(world):
    missing = person_row("陈明", 政治面貌="中共党员")
    backwards = person_row("刘洋", 政治面貌="中共党员", 人员类别="正式党员", 入党日期="2016-07-01", 转正日期="2015-07-01")
    mismatch = person_row("王强", 政治面貌="群众", 人员类别="正式党员", 入党日期="2015-07-01", 转正日期="2016-07-01")
    no_date = person_row("赵敏", 人员类别="预备党员")
    batch = checked("shuji_a", workbook_bytes([missing, backwards, mismatch, no_date], header=PEOPLE_TEMPLATE_HEADER))
    rows = rows_of(batch)
    assert all(r["status"] == "error" for r in rows), rows
    assert rows[0]["errors"] == [
        "政治面貌：中共党员、中共预备党员须同时填写“人员类别”和“入党日期”（正式党员还须填写“转正日期”）。"]
    assert any(e.startswith("转正日期") for e in rows[1]["errors"]), rows[1]["errors"]
    assert any(e.startswith("政治面貌与党员类别不一致") for e in rows[2]["errors"]), rows[2]["errors"]
    assert any(e.startswith("入党日期：") for e in rows[3]["errors"]), rows[3]["errors"]
    assert Person.objects.filter(name__in=["陈明", "刘洋", "王强", "赵敏"]).count() == 0


def test_existing_person_gets_a_membership(world):
    person = PersonFactory(organization=world.branch_a, name="陈明", birth_date=datetime.date(1990, 3, 4),
                           post="研究员", phone="13800138000", education="21", degree="4")
    row = person_row("陈明", id_number=person.id_number, 政治面貌="", 人员类别="预备党员", 入党日期="2024-07-01")
    batch = checked("shuji_a", workbook_bytes([row], header=PEOPLE_TEMPLATE_HEADER))
    (outcome,) = rows_of(batch)
    assert outcome["status"] == "changed", outcome
    assert outcome["changes"]["人员类别"] == ["", "预备党员"]
    assert outcome["changes"]["政治面貌"] == ["群众", "中共预备党员"]
    assert committed(batch).status == ImportStatus.IMPORTED
    person.refresh_from_db()
    assert person.membership.category == MemberCategory.PROBATIONARY
    assert person.political_status == PoliticalStatus.CPC_PROBATIONARY


def test_template_describes_the_membership_columns(world):
    book = load_workbook(io.BytesIO(template_workbook("people")))
    notes = {r[0]: r for r in book["说明"].iter_rows(min_row=2, values_only=True) if r and r[0]}
    assert notes["人员类别"][1] == "选填"
    assert "正式党员" in notes["人员类别"][3]
    assert "人员类别" in notes["政治面貌"][2]
    assert "党籍信息”导入" not in notes["政治面貌"][2]


def test_audit_changes_are_auditlogs_own(world):
    person = PersonFactory.build(organization=world.branch_a, name="陈明", email="chen@example.cn")
    person.save()
    created = model_instance_diff(None, person, fields_to_check=[f.name for f in Person._meta.concrete_fields])
    assert audit_changes(None, person) == {k: list(v) for k, v in created.items()}
    assert "*" in audit_changes(None, person)["id_number"][1]
    old = snapshot(person)
    person.post, person.id_number, person.updated_at = "工程师", None, person.updated_at + datetime.timedelta(1)
    changed = model_instance_diff(old, person)
    assert audit_changes(old, person) == {k: list(v) for k, v in changed.items()}
    assert set(audit_changes(old, person)) == {"post", "id_number", "updated_at"}
    membership = PartyMembership(person=person, category=MemberCategory.PROBATIONARY,
                                 admitted_on=datetime.date(2024, 7, 1))
    membership.save()
    created = model_instance_diff(None, membership,
                                  fields_to_check=[f.name for f in PartyMembership._meta.concrete_fields])
    assert audit_changes(None, membership) == {k: list(v) for k, v in created.items()}


def test_a_message_that_names_its_column_is_not_prefixed_twice():
    from imports.kinds.common import column_error
    from imports.spec import Column

    columns = {"id_number": Column("id_number", "公民身份号码")}
    assert column_error(columns, "id_number", "公民身份号码校验位不正确。") == "公民身份号码校验位不正确。"
    assert column_error(columns, "id_number", "长度不对。") == "公民身份号码：长度不对。"
