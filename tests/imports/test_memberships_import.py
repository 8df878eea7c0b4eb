"""The 党籍信息 import: the person must exist in scope; membership_save's rules; political status follows."""

from __future__ import annotations

import datetime

import pytest

from imports.models import ImportStatus
from imports.selectors import batch_rows
from members.codes import PoliticalStatus
from members.models import PartyMembership
from tests.factories import PersonFactory

from .people_helpers import MEMBERSHIP_HEADER, checked, committed, workbook_bytes

pytestmark = pytest.mark.django_db


def row(person, **extra):
    data = {"姓名": person.name, "出生日期": person.birth_date, "公民身份号码": person.id_number, "人员类别": "预备党员",
            "入党日期": datetime.date(2025, 7, 1), "转正日期": None, "党籍状态": "正常", "停止党员权利或留党察看": "否",
            "失去联系": "否", "流动党员": "否", "党小组": ""}
    data.update(extra)
    return data


def book(*rows):
    return workbook_bytes(list(rows), header=MEMBERSHIP_HEADER, sheet="党籍信息")


def test_new_membership_sets_political_status(world):
    person = PersonFactory(organization=world.branch_a, name="陈明")
    batch = checked("shuji_a", book(row(person, 党小组="第一党小组")), kind="memberships")
    (outcome,) = batch_rows(batch)[0]
    assert outcome["status"] == "new", outcome
    assert committed(batch).status == ImportStatus.IMPORTED
    person.refresh_from_db()
    assert person.political_status == PoliticalStatus.CPC_PROBATIONARY
    assert person.membership.party_group == world.group_a


def test_changed_membership_and_rules(world):
    member = world.member_a  # full member since 2011
    young = PersonFactory(organization=world.branch_a, name="刘洋", birth_date=datetime.date(2010, 1, 1))
    batch = checked("shuji_a", book(
        row(member, 人员类别="正式党员", 入党日期=datetime.date(2010, 7, 1), 转正日期=datetime.date(2011, 7, 1),
            流动党员="是", 外出日期=datetime.date(2024, 1, 1), 外出流向="深圳"),
        row(young),
        row(member, 人员类别="正式党员", 转正日期=None),
    ), kind="memberships")
    rows = batch_rows(batch)[0]
    assert "与第4行是同一人" in rows[0]["errors"][0]
    assert "入党时须年满十八岁" in rows[1]["errors"][0]
    assert rows[1]["errors"][0].startswith("入党日期：")
    batch = checked("shuji_a", book(
        row(member, 人员类别="正式党员", 入党日期=datetime.date(2010, 7, 1), 转正日期=datetime.date(2011, 7, 1),
            流动党员="是", 外出日期=datetime.date(2024, 1, 1), 外出流向="深圳")), kind="memberships")
    (outcome,) = batch_rows(batch)[0]
    assert outcome["status"] == "changed"
    assert outcome["changes"]["流动党员"] == ["否", "是"]
    committed(batch)
    assert PartyMembership.objects.get(person=member).mobile_destination == "深圳"


def test_full_member_needs_conversion_date_and_person_in_scope(world):
    person = PersonFactory(organization=world.branch_a, name="陈明")
    before = PartyMembership.objects.count()
    batch = checked("shuji_a", book(row(person, 人员类别="正式党员"), row(world.member_b)), kind="memberships")
    rows = batch_rows(batch)[0]
    assert rows[0]["errors"] == ["转正日期：正式党员须填写转正日期。"]
    assert "在您的管理范围内没有找到此人" in rows[1]["errors"][0]
    assert not batch.can_commit
    assert PartyMembership.objects.count() == before
