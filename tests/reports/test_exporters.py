"""The exporter registry and the people list exporter (XLSX and CSV)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from auditlog.models import LogEntry

from branches.permissions import Capability
from members.codes import PoliticalStatus
from reports.exporters import EXPORTERS, BaseExporter, ListExporter, exporters_for, get_exporter
from reports.exporters.base import csv_safe

from .conftest import read_xlsx, result_bytes, start_and_run, user

pytestmark = pytest.mark.django_db


def test_registry_holds_the_first_two_exporters():
    assert {"people", "org_roster"} <= set(EXPORTERS)
    people = get_exporter("people")
    assert isinstance(people, ListExporter)
    assert people.formats == ("xlsx", "csv")
    assert people.capability == Capability.EXPORT
    roster = get_exporter("org_roster")
    assert isinstance(roster, BaseExporter)
    assert roster.formats == ("pdf",)
    assert get_exporter("nope") is None
    assert get_exporter("people") is not people  # a fresh instance per run


def test_exporters_for_follows_the_export_capability(rworld):
    assert {"people", "org_roster"} <= {e.identifier for e in exporters_for(user("shuji_a"))}
    assert exporters_for(user("xuanchuan_a")) == []
    assert exporters_for(user("dangyuan")) == []


def test_people_xlsx_has_a_bold_frozen_header_and_the_rows_of_branch_a_only(rworld):
    job = start_and_run("shuji_a", "people")
    assert job.result_name.startswith("人员名单_")
    assert job.result_name.endswith(".xlsx")
    sheet = read_xlsx(job).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert len(header) == 16
    assert header[:5] == ("姓名", "性别", "民族", "出生日期", "公民身份号码")
    assert "所在党组织" in header
    assert "转正日期" in header
    assert "标记" in header
    names = sorted(r[0] for r in rows[1:])
    assert names == sorted(["张三", "赵喆", "钱堃", "孙丽"])  # branch A only; not 李四 (B) nor 王五 (乙所)
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b is True
    assert sheet.column_dimensions["J"].width > 30  # the organization's full name gets room
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    qian = by_name["钱堃"]
    assert qian["性别"] == "女"
    assert qian["出生日期"] == datetime.datetime(1996, 3, 8)  # a real date cell
    assert sheet.cell(row=[r[0] for r in rows].index("钱堃") + 1, column=4).number_format == "yyyy-mm-dd"
    assert qian["党员类别"] == "预备党员"
    assert qian["政治面貌"] == "中共预备党员"
    assert qian["转正日期"] is None
    assert qian["联系电话"] == "13800001111"
    assert qian["标记"] == "流动党员"
    assert qian["所在党组织"] == rworld.branch_a.name
    assert by_name["孙丽"]["党员类别"] is None
    assert by_name["孙丽"]["政治面貌"] == "群众"


def test_people_export_applies_the_page_filters(rworld):
    job = start_and_run("shuji_a", "people", {"political_status": PoliticalStatus.CPC_PROBATIONARY})
    names = [r[0] for r in read_xlsx(job).active.iter_rows(min_row=2, values_only=True)]
    assert names == ["钱堃"]
    job = start_and_run("shuji_a", "people", {"q": "zz"})  # pinyin initials of 赵喆
    names = [r[0] for r in read_xlsx(job).active.iter_rows(min_row=2, values_only=True)]
    assert names == ["赵喆"]


def test_committee_export_covers_its_subtree(rworld):
    job = start_and_run("dangwei", "people")
    names = {r[0] for r in read_xlsx(job).active.iter_rows(min_row=2, values_only=True)}
    assert names == {"张三", "赵喆", "钱堃", "孙丽", "李四"}


def test_full_id_numbers_only_with_the_capability_and_then_audited(rworld):
    # shuji_a (书记) may see full ID numbers in branch A: the export has them and is audited.
    job = start_and_run("shuji_a", "people", {"q": "钱堃"})
    row = next(read_xlsx(job).active.iter_rows(min_row=2, values_only=True))
    assert row[4] == rworld.qian.id_number
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_pk=str(job.pk))
    assert entry.actor == user("shuji_a")
    assert "1" in entry.additional_data["what"]
    # dangwei (党委委员) has no VIEW_ID_NUMBERS: masked, and nothing audited.
    job = start_and_run("dangwei", "people", {"q": "钱堃"})
    row = next(read_xlsx(job).active.iter_rows(min_row=2, values_only=True))
    assert row[4] == rworld.qian.masked_id_number
    assert "*" in row[4]
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(job.pk)).exists()


def test_people_csv_is_utf8_with_bom_and_readable(rworld):
    job = start_and_run("shuji_a", "people", fmt="csv")
    raw = result_bytes(job)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert job.result_name.endswith(".csv")
    assert job.result_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "姓名"
    assert len(rows[0]) == 16
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"张三", "赵喆", "钱堃", "孙丽"}
    assert by_name["钱堃"][3] == "1996-03-08"
    assert by_name["钱堃"][12] == "2025-06-01"


def test_csv_cells_cannot_become_formulas():
    assert csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert csv_safe("-1+2*A1") == "'-1+2*A1"
    assert csv_safe("+86 138 0000 1111") == "+86 138 0000 1111"
    assert csv_safe("张三") == "张三"


def test_people_export_memory_stays_flat_with_iterator(rworld, django_assert_max_num_queries):
    """The rows are read in chunks: a constant number of queries however many people there are."""
    from reports.exporters.people import PeopleExporter

    exporter = PeopleExporter()
    with django_assert_max_num_queries(4):
        rows = list(exporter.iterate(user=user("dangwei"), params={}, progress=lambda d, t: None))
    assert len(rows) == 6  # header + 5


def test_the_summary_reads_like_the_filters(rworld):
    exporter = get_exporter("people")
    form = exporter.get_form(user("dangwei"), data={"org": str(rworld.branch_a.pk), "lost_contact": "false",
                                                    "education": "11", "q": ""})
    assert form.is_valid(), form.errors
    summary = dict(exporter.describe(form))
    assert summary["党组织"] == rworld.branch_a.name
    assert summary["失去联系"] == "否"
    assert summary["学历"] == "博士研究生"
    assert "搜索" not in summary
    assert exporter.params_from(form) == {"org": str(rworld.branch_a.pk), "lost_contact": "false", "education": "11"}


def test_an_organization_outside_the_scope_is_not_a_valid_filter(rworld):
    form = get_exporter("people").get_form(user("shuji_a"), data={"org": str(rworld.branch_b.pk)})
    assert not form.is_valid()
    assert form.errors["org"] == ["该党组织不存在或不在您的权限范围内。"]
