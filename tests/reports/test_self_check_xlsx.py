"""The self-check report as a workbook: the same data as the PDF, a title row, frozen headers, A4 print setup."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404

from reports.exporters import get_exporter
from tests.compliance.helpers import SH, at, meeting

from .conftest import read_xlsx, start_and_run, user

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 5, 20, 9, 0, tzinfo=SH)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def eworld(world):
    meeting(world.branch_a, "committee", at(2026, 5, 2), confirmed=True, title="五月支委会")
    meeting(world.group_a, "group", at(2026, 5, 3), title="第一党小组五月学习")
    meeting(world.branch_a, "general_assembly", at(2026, 4, 8, 14, 30), title="接收预备党员大会")
    meeting(world.branch_a, "lecture", at(2026, 3, 8), title="三月党课")
    return world


def test_the_workbook_has_the_requirements_the_meetings_and_the_conclusion(eworld):
    job = start_and_run("shuji_a", "self_check", {"organization": eworld.branch_a.pk, "year": 2026,
                                                  "period": "q2"}, fmt="xlsx")
    assert job.result_type == XLSX
    assert job.result_name == "三会一课自查报告_第一党支部_2026年第2季度_20260520.xlsx"
    book = read_xlsx(job)
    assert book.sheetnames == ["落实情况", "会议清单"]
    sheet = book["落实情况"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "三会一课自查报告 · 中共甲研究所第一支部委员会"
    assert "2026年第2季度" in rows[1][0]
    assert "制表日期：2026-05-20" in rows[1][0]
    assert rows[2] == ("会议类型", "频次要求", "应开次数", "已开次数", "其中已确认", "结论")
    by_type = {r[0]: r[1:] for r in rows[3:] if r[0] and r[1]}
    assert by_type["支部委员会"] == ("每月", 3, 1, 1, "逾期未完成 1 期")  # April missed, May held, June to come
    assert by_type["党小组会"] == ("每月", 3, 1, 0, "逾期未完成 1 期")
    assert by_type["主题党日"] == ("每月", 3, 0, 0, "逾期未完成 1 期")
    assert by_type["支部党员大会"] == ("每季度", 1, 1, 0, "已完成")
    assert by_type["党课"] == ("每季度", 1, 0, 0, "期限未到")  # March's lecture belongs to Q1
    assert "组织生活会" not in by_type  # a yearly requirement is not part of a quarter
    conclusion = next(r for r in rows if r[0] == "总体结论")
    assert conclusion[1] == "本期间有 3 项要求存在逾期未完成的情况，请对照整改。"

    meetings = book["会议清单"]
    listed = list(meetings.iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[2], r[3], r[4]) for r in listed] == [
        (1, "支部党员大会", "接收预备党员大会", "待确认"),
        (2, "支部委员会", "五月支委会", "已确认"),
        (3, "党小组会", "第一党小组五月学习", "待确认"),
    ]
    assert listed[0][1] == datetime.datetime(2026, 4, 8, 14, 30)  # Beijing time, as held


def test_each_sheet_has_a_title_row_a_frozen_header_widths_and_a4_print_setup(eworld):
    book = read_xlsx(start_and_run("shuji_a", "self_check", {"organization": eworld.branch_a.pk,
                                                             "year": 2026, "period": "year"}, fmt="xlsx"))
    for name, header_row in (("落实情况", 3), ("会议清单", 2)):
        sheet = book[name]
        assert sheet.freeze_panes == f"A{header_row + 1}"
        assert sheet.print_title_rows == f"${header_row}:${header_row}"  # repeated on every printed page
        assert int(sheet.page_setup.paperSize) == 9  # A4
        assert sheet.page_setup.fitToWidth in (None, 1)  # one page wide (1 is the default, left out)
        assert int(sheet.page_setup.fitToHeight) == 0  # as many pages long as needed
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert any(str(r).startswith("A1:") for r in sheet.merged_cells.ranges)  # the title row
        assert sheet["A1"].font.b
        assert sheet[f"A{header_row}"].font.b
    assert book["会议清单"].column_dimensions["D"].width > 40  # the topic gets room
    assert book["落实情况"].column_dimensions["A"].width >= 18
    rows = list(book["落实情况"].iter_rows(values_only=True))
    assert "组织生活会" in {r[0] for r in rows}


def test_a_branch_without_meetings_says_so(eworld):
    book = read_xlsx(start_and_run("shuji_b", "self_check", {"organization": eworld.branch_b.pk,
                                                             "year": 2026, "period": "m5"}, fmt="xlsx"))
    assert book["会议清单"]["A3"].value == "该期间没有会议记录。"
    by_type = {r[0]: r for r in book["落实情况"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert by_type["支部委员会"][2] == "—"  # no committee: not applicable
    assert by_type["支部委员会"][5] == "不适用"


def test_the_xlsx_has_the_scope_of_the_pdf(eworld):
    exporter = get_exporter("self_check")
    params = {"organization": eworld.branch_a.pk, "year": 2026, "period": "year"}
    with pytest.raises(Http404):
        exporter.render(user=user("shuji_b"), params=params, fmt="xlsx")
    with pytest.raises(PermissionDenied):
        exporter.render(user=user("xuanchuan_a"), params=params, fmt="xlsx")


def test_the_calendar_offers_both_formats_to_exporters(eworld, login):
    url = f"/compliance/branch/{eworld.branch_a.pk}/?year=2026"
    page = login("shuji_a").get(url).content.decode()
    assert f"/jobs/export/self_check/?organization={eworld.branch_a.pk}&amp;year=2026&amp;period=year&amp;format=xlsx" \
        in page
    assert "format=pdf" in page
    page = login("xuanchuan_a").get(url).content.decode()
    assert "/jobs/export/self_check/" not in page
    export_page = login("shuji_a").get(
        f"/jobs/export/self_check/?organization={eworld.branch_a.pk}&year=2026&period=year&format=xlsx")
    assert export_page.status_code == 200
    assert export_page.context["format_form"]["format"].value() == "xlsx"
