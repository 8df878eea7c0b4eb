"""联系清单 as XLSX through the exporter registry: one row per pair, the 高知 without a liaison as rows with an
empty liaison, within the unit and the user's review scope, and never the talks' private notes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.models import FollowUp, LiaisonPair, LiaisonRole, PairKind, Talk
from members.codes import Education, TitleLevel
from reports.exporters import EXPORTERS, get_exporter
from reports.services import job_start
from tests.factories import make_member
from tests.reports.conftest import read_xlsx, result_bytes, start_and_run

from .helpers import START, non_party, profile

pytestmark = pytest.mark.django_db
PRIVATE = "家庭困难，需保密"
HEADER = ["单位", "联系人", "联系人身份", "类型", "联系对象", "性别", "出生年月", "学历", "学位", "职称级别",
          "专业技术职务", "学科专业", "研究方向", "人才计划", "是否高知", "政治面貌", "是否已申请入党", "结对日期",
          "结束日期", "结束原因", "培养措施", "本年谈话次数", "最近谈话日期", "待办事项数"]


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 21, 10, 0))


def rows(job) -> list[dict]:
    sheet = read_xlsx(job).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in values[1:]]


def test_registered_with_the_review_capability(lworld):
    exporter = get_exporter("liaison_list")
    assert EXPORTERS["liaison_list"] is type(exporter)
    assert str(exporter.verbose_name) == "联系清单"
    assert exporter.capability == "review_liaisons"
    assert "xlsx" in exporter.formats


def test_institute_list_has_the_pair_and_the_gap(lworld):
    job = start_and_run("dangwei", "liaison_list", {"organization": str(lworld.institute.pk)})
    data = rows(job)
    assert [(r["单位"], r["联系人"], r["联系对象"]) for r in data] == [
        ("甲所党委", "李明哲", "周博士"),
        ("甲所党委", None, "吴研究员"),  # 高知 without a liaison: the gap shows
    ]
    pair, gap = data
    assert pair["联系人身份"] == "党委委员"
    assert pair["类型"] == "党内联系人"
    assert pair["学历"] == str(Education.DOCTORATE.label)
    assert pair["职称级别"] == str(TitleLevel.ASSOCIATE_SENIOR.label)
    assert (pair["学科专业"], pair["研究方向"], pair["人才计划"]) == ("凝聚态物理", "拓扑材料", "国家优青")
    assert pair["是否高知"] == "是"
    assert pair["是否已申请入党"] == "否"
    assert pair["结对日期"] == datetime.datetime(2026, 1, 5)
    assert pair["培养措施"] == "每季度交流一次科研进展"
    assert (pair["本年谈话次数"], pair["最近谈话日期"], pair["待办事项数"]) == (1, datetime.datetime(2026, 3, 10), 1)
    assert gap["类型"] == "未落实联系人"
    assert gap["是否高知"] == "是"
    assert gap["结对日期"] is None
    assert PRIVATE.encode() not in result_bytes(job)
    assert all(PRIVATE not in str(v) for r in data for v in r.values())


def test_private_notes_never_in_the_file_even_as_csv(lworld):
    job = start_and_run("zuzhibu", "liaison_list", {"organization": str(lworld.root.pk), "include_ended": "1"},
                        fmt="csv")
    text = result_bytes(job).decode("utf-8-sig")
    assert "周博士" in text
    assert "钱教授" in text
    assert PRIVATE not in text
    assert "乙所内部备注" not in text


def test_sorted_by_unit_then_liaison_with_ended_pairs_on_request(lworld):
    lworld.pair_a.ended_on, lworld.pair_a.end_reason = datetime.date(2026, 10, 1), "工作调整"
    lworld.pair_a.save()
    wang = profile(non_party(lworld.branch_a, "王博士"), lworld.branch_a)
    LiaisonPair.objects.create(organization=lworld.branch_a, kind=PairKind.LIAISON, liaison=lworld.shuji_a_person,
                               liaison_role=LiaisonRole.BRANCH_SECRETARY, talent=wang,
                               started_on=datetime.date(2026, 10, 2))
    open_only = rows(start_and_run("zuzhibu", "liaison_list", {"organization": str(lworld.root.pk)}))
    # Units in tree order; in a unit the pairs by liaison, then the 高知 left without one (周博士's pair ended).
    assert [(r["单位"], r["联系人"] or "", r["联系对象"]) for r in open_only] == [
        ("甲所党委", "", "吴研究员"),
        ("甲所党委", "", "周博士"),
        ("第一党支部", "张晓燕", "王博士"),
        ("乙所党委", "陈乙", "钱教授"),
    ]
    with_ended = rows(start_and_run("zuzhibu", "liaison_list", {"organization": str(lworld.root.pk),
                                                                "include_ended": "on"}))
    ended = [r for r in with_ended if r["结束原因"]]
    assert [(r["联系人"], r["结束日期"], r["结束原因"]) for r in ended] == [
        ("李明哲", datetime.datetime(2026, 10, 1), "工作调整")]


def test_branch_b_export_has_no_institute_pairs(lworld):
    job = start_and_run("shuji_b", "liaison_list", {"organization": str(lworld.branch_b.pk)})
    assert rows(job) == []  # 郑工程师 (branch B's pool) is not 高知 and has no pair
    assert "周博士".encode() not in result_bytes(job)


@pytest.mark.parametrize(("persona", "unit"), [("shuji_b", "institute"), ("outsider", "institute"),
                                               ("dangwei", "other_institute"), ("shuji_a", "institute")])
def test_cannot_export_a_unit_outside_scope(lworld, persona, unit):
    with pytest.raises(ValidationError) as excinfo:
        job_start(actor=lworld.users[persona], kind="liaison_list",
                  params={"organization": str(getattr(lworld, unit).pk)}, fmt="xlsx")
    assert "不在您的联系清单审阅范围内" in " ".join(excinfo.value.messages)


@pytest.mark.parametrize("persona", ["xuanchuan_a", "dangyuan"])
def test_without_review_capability_no_export(lworld, persona):
    with pytest.raises(PermissionDenied):
        job_start(actor=lworld.users[persona], kind="liaison_list",
                  params={"organization": str(lworld.branch_a.pk)}, fmt="xlsx")


@pytest.mark.parametrize(("persona", "status"), [("dangwei", 200), ("zuzhibu", 200), ("shuji_b", 404),
                                                  ("outsider", 404), ("xuanchuan_a", 403), ("dangyuan", 403)])
def test_export_page_scope(lworld, login, persona, status):
    response = login(persona).get(f"/jobs/export/liaison_list/?organization={lworld.institute.pk}")
    assert response.status_code == status


def test_export_page_form_lists_only_units_in_scope(lworld, login):
    response = login("shuji_b").get("/jobs/export/liaison_list/")
    assert response.status_code == 200
    choices = [str(label) for _value, label in response.context["form"].fields["organization"].choices]
    assert any("第二党支部" in c for c in choices)
    assert not any("甲所党委" in c or "第一党支部" in c for c in choices)


def test_export_reads_in_a_constant_number_of_queries(lworld):
    exporter = get_exporter("liaison_list")
    params = {"organization": str(lworld.institute.pk)}

    def run() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            n = sum(1 for _row in exporter.iterate(user=lworld.dangwei, params=params,
                                                   progress=lambda done, total: None))
        return n, len(ctx.captured_queries)

    run()  # the user's scope is loaded once and kept on the user object
    rows_small, queries_small = run()
    liaison = make_member(lworld.branch_a, name="孙联系")
    for i in range(6):
        profile(non_party(lworld.branch_a, f"缺口{i}"), lworld.institute)
        kept = profile(non_party(lworld.branch_a, f"对象{i}"), lworld.institute)
        pair = LiaisonPair.objects.create(organization=lworld.institute, kind=PairKind.LIAISON, liaison=liaison,
                                          liaison_role=LiaisonRole.ORGANIZER, talent=kept, started_on=START)
        talk = Talk.objects.create(pair=pair, held_on=datetime.date(2026, 5, 1), topics="交流", private_notes=PRIVATE)
        FollowUp.objects.create(talk=talk, text="事项", owner="孙联系", due_on=datetime.date(2026, 12, 1))
    rows_big, queries_big = run()
    assert rows_big == rows_small + 12
    assert queries_big == queries_small
